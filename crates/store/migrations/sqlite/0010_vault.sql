-- Issue #13: the personal-data vault and audit retention.

-- The encryption keys a deployment has used, by id and algorithm only: key material lives in the
-- key file or an environment variable, never here. `check_value` is a constant sealed under the
-- key, so starting with a different key under the same id is refused instead of corrupting data.
CREATE TABLE vault_keys (
    key_id      TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    check_value TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT
);

-- Audit retention (网络安全法 Art. 21: at least six months). Pruning appends an `audit.prune`
-- record naming the last pruned record and its hash, stores the same here, and only then may
-- delete: the chain verifies from the checkpoint on.
CREATE TABLE audit_checkpoints (
    id         INTEGER PRIMARY KEY,
    upto_id    BIGINT NOT NULL,
    upto_hash  TEXT NOT NULL,
    record_id  BIGINT NOT NULL,
    pruned     BIGINT NOT NULL,
    at         BIGINT NOT NULL
);

DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.id > (SELECT COALESCE(MAX(upto_id), 0) FROM audit_checkpoints)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
