-- Information items of proactive disclosure (issue #4, product.md C2/C3; see crates/store/src/items/).
-- Conventions as in 0001: ids 64-bit, timestamps BIGINT ms UTC, dates TEXT 'YYYY-MM-DD', JSON TEXT.
-- No foreign key points from items to their revisions (revisions point to items): a cycle would
-- break the registry-ordered load of backups and db-copy.

-- Administrator-editable vocabularies (主题分类, 体裁分类, 公开目录), seeded with defaults.
CREATE TABLE item_vocab (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('topic', 'genre', 'catalog')),
    code        TEXT NOT NULL,
    label       TEXT NOT NULL,
    group_label TEXT NOT NULL DEFAULT '',
    sort_order  BIGINT NOT NULL DEFAULT 0,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    builtin     BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at  BIGINT NOT NULL,
    UNIQUE (kind, code)
);

-- 索引号 template per organisation (REG §4.3); organisations without a row use the default.
CREATE TABLE item_index_templates (
    org_id     BIGINT PRIMARY KEY REFERENCES orgs(id),
    template   TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

-- Serial counters: one row per (organisation or 0 = platform-wide, year or 0 = never resets).
-- Only ever incremented, inside the publishing transaction, so a serial is never reused.
CREATE TABLE item_index_counters (
    scope_org_id BIGINT NOT NULL,
    year         BIGINT NOT NULL,
    next_serial  BIGINT NOT NULL,
    PRIMARY KEY (scope_org_id, year)
);

CREATE TABLE items (
    id                    INTEGER PRIMARY KEY,
    org_id                BIGINT NOT NULL REFERENCES orgs(id),
    state                 TEXT NOT NULL,
    -- 索引号: assigned at publication, unique, immutable after.
    index_no              TEXT UNIQUE,
    formed_on             TEXT NOT NULL,
    signed_on             TEXT,
    publisher_name        TEXT NOT NULL,
    doc_number            TEXT NOT NULL DEFAULT '',
    topic_code            TEXT NOT NULL DEFAULT '',
    genre_code            TEXT NOT NULL DEFAULT '',
    catalog_code          TEXT NOT NULL,
    disclosure            TEXT NOT NULL,
    withhold_ground       TEXT NOT NULL DEFAULT '',
    classified            BOOLEAN NOT NULL DEFAULT FALSE,
    validity              TEXT NOT NULL DEFAULT 'valid',
    validity_on           TEXT,
    validity_replaced_by  TEXT NOT NULL DEFAULT '',
    validity_note         TEXT NOT NULL DEFAULT '',
    current_revision_id   BIGINT,
    published_revision_id BIGINT,
    scheduled_at          BIGINT,
    published_at          BIGINT,
    published_on          TEXT,
    published_late        BOOLEAN NOT NULL DEFAULT FALSE,
    withdrawn_at          BIGINT,
    withdrawn_reason      TEXT NOT NULL DEFAULT '',
    rereview_due          TEXT,
    created_by            TEXT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX items_org_state ON items (org_id, state);
CREATE INDEX items_published ON items (state, published_at);

-- Every content edit is a new revision.
CREATE TABLE item_revisions (
    id           INTEGER PRIMARY KEY,
    item_id      BIGINT NOT NULL REFERENCES items(id),
    number       BIGINT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    body_html    TEXT NOT NULL DEFAULT '',
    keywords     TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    -- Set when this revision became the public text (public revision history).
    published_at BIGINT,
    UNIQUE (item_id, number)
);

-- 审核 with the four checks.
CREATE TABLE item_reviews (
    id              INTEGER PRIMARY KEY,
    item_id         BIGINT NOT NULL REFERENCES items(id),
    revision_id     BIGINT NOT NULL REFERENCES item_revisions(id),
    reviewer        TEXT NOT NULL,
    reviewer_id     BIGINT,
    legal_pass      BOOLEAN NOT NULL,
    legal_comment   TEXT NOT NULL DEFAULT '',
    policy_pass     BOOLEAN NOT NULL,
    policy_comment  TEXT NOT NULL DEFAULT '',
    wording_pass    BOOLEAN NOT NULL,
    wording_comment TEXT NOT NULL DEFAULT '',
    secrecy_pass    BOOLEAN NOT NULL,
    secrecy_comment TEXT NOT NULL DEFAULT '',
    passed          BOOLEAN NOT NULL,
    created_at      BIGINT NOT NULL
);

-- 保密审查表 (REG §5.3), bound to the exact revision it approved. Immutable (REG §5.4).
CREATE TABLE item_confidentiality_reviews (
    id                  INTEGER PRIMARY KEY,
    item_id             BIGINT NOT NULL REFERENCES items(id),
    revision_id         BIGINT NOT NULL REFERENCES item_revisions(id),
    form_date           TEXT NOT NULL,
    originating_unit    TEXT NOT NULL,
    info_title          TEXT NOT NULL,
    carrier             TEXT NOT NULL CHECK (carrier IN ('document', 'non_document')),
    reference_no        TEXT NOT NULL DEFAULT '',
    channels            TEXT NOT NULL DEFAULT '',
    planned_on          TEXT,
    disclosure          TEXT NOT NULL,
    withhold_ground     TEXT NOT NULL DEFAULT '',
    state_secret        BOOLEAN NOT NULL,
    work_secret         BOOLEAN NOT NULL,
    commercial_secret   BOOLEAN NOT NULL,
    personal_privacy    BOOLEAN NOT NULL,
    secrets_note        TEXT NOT NULL DEFAULT '',
    drafter_opinion     TEXT NOT NULL DEFAULT '',
    drafter_name        TEXT NOT NULL DEFAULT '',
    drafter_on          TEXT,
    head_opinion        TEXT NOT NULL DEFAULT '',
    head_name           TEXT NOT NULL DEFAULT '',
    head_on             TEXT,
    conclusion          TEXT NOT NULL CHECK (conclusion IN ('publish', 'withhold', 'refer')),
    basis               TEXT NOT NULL,
    reviewer_name       TEXT NOT NULL,
    reviewer_id         BIGINT,
    reviewed_on         TEXT NOT NULL,
    remarks             TEXT NOT NULL DEFAULT '',
    created_at          BIGINT NOT NULL
);

-- 审批 by the approving leader.
CREATE TABLE item_approvals (
    id          INTEGER PRIMARY KEY,
    item_id     BIGINT NOT NULL REFERENCES items(id),
    revision_id BIGINT NOT NULL REFERENCES item_revisions(id),
    approver    TEXT NOT NULL,
    approver_id BIGINT,
    opinion     TEXT NOT NULL DEFAULT '',
    approved_on TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Scanner findings per revision and their resolution (masked, removed, justified).
CREATE TABLE item_findings (
    id             INTEGER PRIMARY KEY,
    item_id        BIGINT NOT NULL REFERENCES items(id),
    revision_id    BIGINT NOT NULL REFERENCES item_revisions(id),
    field          TEXT NOT NULL,
    kind           TEXT NOT NULL,
    start_pos      BIGINT NOT NULL,
    end_pos        BIGINT NOT NULL,
    found_text     TEXT NOT NULL,
    suggested_mask TEXT NOT NULL,
    confidence     TEXT NOT NULL,
    blocking       BOOLEAN NOT NULL,
    reason         TEXT NOT NULL,
    resolution     TEXT CHECK (resolution IN ('masked', 'removed', 'justified')),
    justification  TEXT NOT NULL DEFAULT '',
    resolved_by    TEXT,
    resolved_at    BIGINT
);
CREATE INDEX item_findings_revision ON item_findings (revision_id);

-- The item's timeline (every workflow step with its note, e.g. return reasons).
CREATE TABLE item_events (
    id          INTEGER PRIMARY KEY,
    item_id     BIGINT NOT NULL REFERENCES items(id),
    revision_id BIGINT,
    action      TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL,
    actor_id    BIGINT,
    at          BIGINT NOT NULL
);
CREATE INDEX item_events_item ON item_events (item_id, id);

-- 保密承诺书 register.
CREATE TABLE confidentiality_commitments (
    id           INTEGER PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES orgs(id),
    user_id      BIGINT REFERENCES users(id),
    person_name  TEXT NOT NULL,
    role         TEXT NOT NULL,
    signed_on    TEXT NOT NULL,
    document_ref TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
