-- The working-day calendar in the database, admin overrides, regional holidays, and the generic
-- deadlines register (issue #3, product.md C10; see crates/store/src/calendar.rs and deadlines.rs).
-- Conventions as in 0001: ids 64-bit, timestamps BIGINT ms UTC, dates TEXT 'YYYY-MM-DD', JSON TEXT.

-- One row per notice year (REG §7.1): the compiled-in files seed the 'official' rows at start-up;
-- an administrator may add next year's notice before a release ('admin'). `data_json` is the whole
-- YearData (notices and holidays) and is what the calendar is built from.
CREATE TABLE calendar_years (
    year            BIGINT PRIMARY KEY,
    notice_title    TEXT NOT NULL,
    document_number TEXT NOT NULL DEFAULT '',
    urls_json       TEXT NOT NULL DEFAULT '[]',
    data_json       TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('official', 'admin')),
    loaded_at       BIGINT NOT NULL,
    updated_by      TEXT NOT NULL
);

-- One row per (date, scope). 'official' rows mirror the listed days of the loaded notice years
-- (national only); 'admin' rows are overrides (national when scope_org_id IS NULL, otherwise a
-- regional holiday of 民族自治地方 or a local closure for that organisation's whole subtree).
-- Seeding never overwrites an 'admin' row.
CREATE TABLE calendar_days (
    id              INTEGER PRIMARY KEY,
    date            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('work', 'off')),
    name            TEXT NOT NULL DEFAULT '',
    source          TEXT NOT NULL CHECK (source IN ('official', 'admin')),
    notice_year     BIGINT,
    document_number TEXT NOT NULL DEFAULT '',
    notice_url      TEXT NOT NULL DEFAULT '',
    scope_org_id    BIGINT REFERENCES orgs(id),
    updated_by      TEXT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CHECK (source = 'admin' OR scope_org_id IS NULL)
);
-- NULL scopes are distinct in a plain UNIQUE constraint; 0 is never an organisation id.
CREATE UNIQUE INDEX calendar_days_date_scope ON calendar_days (date, COALESCE(scope_org_id, 0));
CREATE INDEX calendar_days_scope ON calendar_days (scope_org_id, date);

-- A counter bumped by every calendar change, so readers can cache a loaded calendar.
CREATE TABLE calendar_state (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO calendar_state (id, version) VALUES (1, 0);

-- Every running statutory clock of every domain (items Art. 26, applications Arts. 30/33,
-- messages ...), so that the supervision view (督办) spans them and a calendar change can
-- recompute them all. `clock_json` is core's serialised Clock.
CREATE TABLE deadlines (
    id                INTEGER PRIMARY KEY,
    object_type       TEXT NOT NULL,
    object_id         BIGINT NOT NULL,
    org_id            BIGINT NOT NULL REFERENCES orgs(id),
    kind              TEXT NOT NULL,
    label             TEXT NOT NULL DEFAULT '',
    clock_json        TEXT NOT NULL,
    due_date          TEXT NOT NULL,
    original_due_date TEXT NOT NULL,
    provisional       BOOLEAN NOT NULL,
    explanation       TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    closed_at         BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (object_type, object_id, kind)
);
CREATE INDEX deadlines_open ON deadlines (status, due_date);
CREATE INDEX deadlines_org ON deadlines (org_id, status);
