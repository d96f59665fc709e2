-- Disclosure applications (依申请公开, issue #6, product.md C7/C9; see crates/store/src/applications/).
-- Conventions as in 0001: ids 64-bit, timestamps BIGINT ms UTC, dates TEXT 'YYYY-MM-DD' (CST),
-- money integer fen, JSON TEXT. Personal data sit in columns named pii_* so that moving them into
-- the personal-data vault is one change.

CREATE TABLE applications (
    id                     INTEGER PRIMARY KEY,
    org_id                 BIGINT NOT NULL REFERENCES orgs(id),
    -- Tracking number shown to the applicant (e.g. 2025-000042), and the hash of their secret.
    tracking_no            TEXT NOT NULL UNIQUE,
    secret_hash            TEXT NOT NULL,
    channel                TEXT NOT NULL,
    applicant_type         TEXT NOT NULL,
    applicant_name         TEXT NOT NULL,
    pii_id_kind            TEXT NOT NULL DEFAULT '',
    pii_id_number          TEXT NOT NULL DEFAULT '',
    pii_phone              TEXT NOT NULL DEFAULT '',
    pii_email              TEXT NOT NULL DEFAULT '',
    pii_address            TEXT NOT NULL DEFAULT '',
    pii_postcode           TEXT NOT NULL DEFAULT '',
    -- Keyed digest of the normalised ID number / USCC: repeat detection without reading PII.
    applicant_key          TEXT NOT NULL DEFAULT '',
    agent_kind             TEXT NOT NULL DEFAULT '',
    agent_name             TEXT NOT NULL DEFAULT '',
    pii_agent_id_number    TEXT NOT NULL DEFAULT '',
    agent_authorisation    TEXT NOT NULL DEFAULT '',
    info_form              TEXT NOT NULL DEFAULT '',
    delivery               TEXT NOT NULL DEFAULT '',
    help_needs             TEXT NOT NULL DEFAULT '',
    help_note              TEXT NOT NULL DEFAULT '',
    identity_proof_id      BIGINT,
    stage                  TEXT NOT NULL,
    arrived_on             TEXT NOT NULL,
    signed_on              TEXT,
    confirmed_on           TEXT,
    received_on            TEXT,
    receipt_explanation    TEXT NOT NULL DEFAULT '',
    department_id          BIGINT REFERENCES orgs(id),
    internal_note          TEXT NOT NULL DEFAULT '',
    correction_notice_on   TEXT,
    correction_items       TEXT NOT NULL DEFAULT '',
    correction_due_on      TEXT,
    correction_received_on TEXT,
    repeat_of              BIGINT,
    routed_out             BOOLEAN NOT NULL DEFAULT FALSE,
    decided_on             TEXT,
    replied_on             TEXT,
    reply_via              TEXT NOT NULL DEFAULT '',
    archived_on            TEXT,
    created_by             TEXT NOT NULL,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE INDEX applications_org ON applications (org_id, stage);
CREATE INDEX applications_received ON applications (received_on);
CREATE INDEX applications_key ON applications (applicant_key);

-- Requested items (一事一申请), each with exactly one primary outcome once decided.
CREATE TABLE application_items (
    id                INTEGER PRIMARY KEY,
    application_id    BIGINT NOT NULL REFERENCES applications(id),
    seq               BIGINT NOT NULL,
    description       TEXT NOT NULL,
    doc_number        TEXT NOT NULL DEFAULT '',
    features          TEXT NOT NULL DEFAULT '',
    -- A stable outcome code (gongkai_core::applications::Outcome::code), table-3 row.
    outcome           TEXT,
    basis             TEXT NOT NULL DEFAULT '',
    withheld_what     TEXT NOT NULL DEFAULT '',
    withheld_why      TEXT NOT NULL DEFAULT '',
    published_item_id BIGINT,
    decision_note     TEXT NOT NULL DEFAULT '',
    decided_on        TEXT,
    decided_by        TEXT NOT NULL DEFAULT '',
    UNIQUE (application_id, seq)
);
CREATE INDEX application_items_decided ON application_items (decided_on);

-- The timeline (登记、审核、办理、答复、归档): one row per step.
CREATE TABLE application_events (
    id             INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    action         TEXT NOT NULL,
    from_stage     TEXT NOT NULL,
    to_stage       TEXT NOT NULL,
    on_date        TEXT,
    note           TEXT NOT NULL DEFAULT '',
    actor          TEXT NOT NULL,
    actor_id       BIGINT,
    at             BIGINT NOT NULL
);
CREATE INDEX application_events_app ON application_events (application_id, id);

-- Third-party / other-agency consultation (Arts. 32, 34); the reply clock pauses meanwhile.
CREATE TABLE application_consultations (
    id                INTEGER PRIMARY KEY,
    application_id    BIGINT NOT NULL REFERENCES applications(id),
    party_kind        TEXT NOT NULL CHECK (party_kind IN ('third_party', 'agency')),
    party_name        TEXT NOT NULL,
    sent_on           TEXT NOT NULL,
    party_received_on TEXT,
    due_on            TEXT NOT NULL,
    replied_on        TEXT,
    opinion           TEXT NOT NULL DEFAULT '',
    note              TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL
);

-- Extensions (Art. 33 ¶2): at most 20 WD in total, approved by the office head before the
-- original due date, the applicant told before it.
CREATE TABLE application_extensions (
    id              INTEGER PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES applications(id),
    workdays        BIGINT NOT NULL CHECK (workdays BETWEEN 1 AND 20),
    reason          TEXT NOT NULL,
    approved_by     TEXT NOT NULL,
    approved_by_id  BIGINT,
    approved_on     TEXT NOT NULL,
    notice_on       TEXT NOT NULL,
    original_due_on TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);

-- Information-processing fee notices (条例 Art. 42, 国办函〔2020〕109号, REG §3.4).
CREATE TABLE application_fees (
    id                 INTEGER PRIMARY KEY,
    application_id     BIGINT NOT NULL REFERENCES applications(id),
    method             TEXT NOT NULL CHECK (method IN ('item', 'page')),
    units              BIGINT NOT NULL,
    already            BIGINT NOT NULL DEFAULT 0,
    amount_fen         BIGINT NOT NULL,
    working            TEXT NOT NULL,
    notice_on          TEXT NOT NULL,
    notice_received_on TEXT NOT NULL,
    due_on             TEXT NOT NULL,
    paid_on            TEXT,
    created_at         BIGINT NOT NULL
);

-- Letters to the applicant (补正告知书, 延期告知书, 收费通知书, 征求意见书, 答复告知书 …).
CREATE TABLE application_letters (
    id             INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    kind           TEXT NOT NULL,
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    sent_via       TEXT NOT NULL DEFAULT '',
    sent_on        TEXT,
    sent_to        TEXT NOT NULL DEFAULT ''
);

-- Editable letter templates per letter kind / decision basis.
CREATE TABLE application_letter_templates (
    kind       TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Administrative review and litigation register (product.md C9, REG §2.6 table 4).
CREATE TABLE appeal_cases (
    id             INTEGER PRIMARY KEY,
    org_id         BIGINT NOT NULL REFERENCES orgs(id),
    application_id BIGINT REFERENCES applications(id),
    kind           TEXT NOT NULL CHECK (kind IN ('review', 'litigation_direct', 'litigation_after_review')),
    case_no        TEXT NOT NULL DEFAULT '',
    body_name      TEXT NOT NULL DEFAULT '',
    filed_on       TEXT NOT NULL,
    result         TEXT NOT NULL CHECK (result IN ('upheld', 'corrected', 'other', 'pending')),
    concluded_on   TEXT,
    note           TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX appeal_cases_org ON appeal_cases (org_id, filed_on);
