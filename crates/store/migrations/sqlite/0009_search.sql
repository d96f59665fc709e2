-- Full-text search (issue #8; see crates/store/src/search.rs and crates/search).
-- The database is the source of truth; each instance keeps its own tantivy index and applies
-- this outbox after its checkpoint. A row says "document (kind, doc_id) may have changed":
-- the indexer reloads the document's current state, so rows are idempotent and may repeat.
-- AUTOINCREMENT: a sequence number is never reused, even after the newest rows are pruned.
CREATE TABLE search_outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    doc_id     BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Administrator-maintained words for the segmenter (残疾人两项补贴, 一网通办, 放管服 …).
CREATE TABLE search_terms (
    id         INTEGER PRIMARY KEY,
    term       TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Agency terms every deployment starts with; administrators add and remove words.
INSERT INTO search_terms (term, created_by, created_at) VALUES
    ('残疾人两项补贴', 'system', 0),
    ('困难残疾人生活补贴', 'system', 0),
    ('重度残疾人护理补贴', 'system', 0),
    ('一网通办', 'system', 0),
    ('放管服', 'system', 0),
    ('最多跑一次', 'system', 0),
    ('政府信息公开', 'system', 0),
    ('依申请公开', 'system', 0),
    ('主动公开', 'system', 0),
    ('残疾人证', 'system', 0),
    ('无障碍环境', 'system', 0),
    ('残疾人联合会', 'system', 0),
    ('残联', 'system', 0),
    ('康复救助', 'system', 0),
    ('辅助器具', 'system', 0),
    ('按比例就业', 'system', 0),
    ('残疾人就业保障金', 'system', 0);
