-- Bulk import of published information from an old CMS and whole-site export (issue #14; see
-- crates/store/src/import.rs). Conventions as in 0001: ids 64-bit, timestamps BIGINT ms UTC,
-- dates TEXT 'YYYY-MM-DD' (CST), JSON TEXT.

-- One row per real (not dry) run of `gongkai import`: what was read and what came of it.
CREATE TABLE import_runs (
    id            INTEGER PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES orgs(id),
    source_name   TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    format        TEXT NOT NULL CHECK (format IN ('csv', 'xlsx', 'json')),
    rows_total    BIGINT NOT NULL DEFAULT 0,
    imported      BIGINT NOT NULL DEFAULT 0,
    unchanged     BIGINT NOT NULL DEFAULT 0,
    rejected      BIGINT NOT NULL DEFAULT 0,
    -- The problems of the rows not imported, as they were reported (第N行「列名」：…).
    problems_json TEXT NOT NULL DEFAULT '[]',
    started_by    TEXT NOT NULL,
    started_at    BIGINT NOT NULL,
    finished_at   BIGINT
);

-- The migrated items: which run imported which row. An item with a row here is 由原系统迁移导入
-- (its 索引号 and 发布日期 are those of the old system); the 索引号 is the idempotence key.
CREATE TABLE imported_items (
    item_id    BIGINT PRIMARY KEY REFERENCES items(id),
    run_id     BIGINT NOT NULL REFERENCES import_runs(id),
    org_id     BIGINT NOT NULL REFERENCES orgs(id),
    index_no   TEXT NOT NULL UNIQUE,
    source_row BIGINT NOT NULL,
    source_id  BIGINT,
    row_sha256 TEXT NOT NULL
);
CREATE INDEX imported_items_run ON imported_items (run_id);
