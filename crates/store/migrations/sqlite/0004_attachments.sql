-- Attachments of information items and other owners (issue #4, part D; see
-- crates/store/src/attachments.rs). The file itself lives on disk, content-addressed, under
-- <data>/files/ab/cd/<sha256>, written before this row commits; the row links it to an owner.
-- One file may be attached to several owners (same sha256, several rows).
-- Conventions as in 0001: ids 64-bit, timestamps BIGINT ms UTC.
CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY,
    owner_type  TEXT NOT NULL,
    owner_id    BIGINT NOT NULL,
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    filename    TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL CHECK (size > 0),
    alt_text    TEXT NOT NULL DEFAULT '',
    created_by  BIGINT REFERENCES users(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX attachments_owner ON attachments(owner_type, owner_id);
CREATE INDEX attachments_sha256 ON attachments(sha256);
