-- Abuse protection for the public forms (issues #6 and #7; tech-choices §3.4). Same schema on
-- both backends. Counted in the database so that limits hold across instances.

-- One row per accepted submission attempt that counts against a limit: a bucket (which form and
-- which dimension, e.g. 'apply:ip') and a key (the IP address, or a blind index of the applicant).
CREATE TABLE rate_events (
    id     INTEGER PRIMARY KEY,
    bucket TEXT NOT NULL,
    key    TEXT NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX rate_events_lookup ON rate_events(bucket, key, at);

-- Challenges (proof-of-work signatures, question tokens) already used, kept until they expire,
-- so that a solved challenge cannot be replayed.
CREATE TABLE spent_challenges (
    id         TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
