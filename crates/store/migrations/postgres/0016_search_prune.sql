-- Outbox pruning (issue #8; see crates/store/src/search.rs, `prune`).
-- Each instance's indexer reports the outbox position its index has safely applied (its
-- checkpoint minus open gaps) and when it last did so. Rows every instance seen within the
-- retention window has applied are deleted by the `search.prune` job, and rows older than the
-- window are deleted whatever an absent instance still lacks.
CREATE TABLE search_instances (
    instance   TEXT PRIMARY KEY,
    applied    BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL
);

-- The highest sequence number ever pruned (one row, id = 1). An index whose checkpoint is
-- below it has missed deleted rows and rebuilds.
CREATE TABLE search_outbox_pruned (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    through    BIGINT NOT NULL,
    pruned_at  BIGINT NOT NULL
);

CREATE INDEX search_outbox_created ON search_outbox (created_at);
