-- Items console (issue #4, rest): scanner findings in item attachments, the 政府信息公开指南 with
-- the Art. 12 fields, and the 政府信息公开制度 list of rule documents (REG §4.4).
-- Conventions as in 0001: ids 64-bit, timestamps BIGINT ms UTC, dates TEXT 'YYYY-MM-DD'.

-- Scanner findings in the extracted text of an item's attachments (DOCX, PDF text layer, plain
-- text). Bound to the attachment row: detaching the attachment removes it from the gate.
CREATE TABLE item_attachment_findings (
    id             INTEGER PRIMARY KEY,
    item_id        BIGINT NOT NULL REFERENCES items(id),
    attachment_id  BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    start_pos      BIGINT NOT NULL,
    end_pos        BIGINT NOT NULL,
    found_text     TEXT NOT NULL,
    suggested_mask TEXT NOT NULL DEFAULT '',
    confidence     TEXT NOT NULL,
    blocking       BOOLEAN NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    resolution     TEXT,
    justification  TEXT NOT NULL DEFAULT '',
    resolved_by    TEXT,
    resolved_at    BIGINT
);
CREATE INDEX item_attachment_findings_item ON item_attachment_findings (item_id);

-- 政府信息公开指南 (条例 Art. 12 ¶2): one row per organisation that publishes a guide.
CREATE TABLE disclosure_guides (
    org_id         BIGINT PRIMARY KEY REFERENCES orgs(id),
    intro          TEXT NOT NULL DEFAULT '',
    classification TEXT NOT NULL DEFAULT '',
    arrangement    TEXT NOT NULL DEFAULT '',
    access_methods TEXT NOT NULL DEFAULT '',
    office_name    TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL DEFAULT '',
    office_hours   TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    fax            TEXT NOT NULL DEFAULT '',
    internet       TEXT NOT NULL DEFAULT '',
    updated_at     BIGINT NOT NULL,
    updated_by     TEXT NOT NULL
);

-- 政府信息公开制度: the rule documents the body applies (条例, 109号, local rules, internal
-- 制度 such as the 保密审查制度).
CREATE TABLE rule_documents (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    doc_number  TEXT NOT NULL DEFAULT '',
    issuer      TEXT NOT NULL DEFAULT '',
    issued_on   TEXT,
    summary     TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL DEFAULT '',
    sort_order  BIGINT NOT NULL DEFAULT 0,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
