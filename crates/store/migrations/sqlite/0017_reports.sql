-- The annual report (issue #9; 条例 Art. 49–50; REG §1.6, §2–3; see crates/store/src/reports.rs).
-- Conventions as in 0001: ids 64-bit, timestamps BIGINT ms UTC, dates TEXT 'YYYY-MM-DD' (CST),
-- JSON TEXT, money integer fen.

-- One report per (year, organisation, rollup flag). Figures are counted from the records until
-- the report is locked; then `frozen_json` holds them (and the facts quoted by the narrative).
CREATE TABLE reports (
    id             INTEGER PRIMARY KEY,
    year           BIGINT NOT NULL,
    org_id         BIGINT NOT NULL REFERENCES orgs(id),
    rollup         BOOLEAN NOT NULL DEFAULT FALSE,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'review', 'approval', 'published')),
    counting_unit  TEXT NOT NULL DEFAULT 'item' CHECK (counting_unit IN ('item', 'application')),
    narrative_json TEXT NOT NULL DEFAULT '{}',
    -- Administrator-entered figures the system holds no records of (REG §2.4 （五）（六）（八）).
    licensing      BIGINT NOT NULL DEFAULT 0 CHECK (licensing >= 0),
    penalty        BIGINT NOT NULL DEFAULT 0 CHECK (penalty >= 0),
    coercion       BIGINT NOT NULL DEFAULT 0 CHECK (coercion >= 0),
    admin_fees_fen BIGINT NOT NULL DEFAULT 0 CHECK (admin_fees_fen >= 0),
    locked_on      TEXT,
    frozen_json    TEXT,
    published_at   BIGINT,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (year, org_id, rollup)
);

-- Acknowledged soft warnings (REG §3.2), by the finding's stable code.
CREATE TABLE report_acknowledgements (
    report_id       BIGINT NOT NULL REFERENCES reports(id),
    code            TEXT NOT NULL,
    message         TEXT NOT NULL,
    acknowledged_by TEXT NOT NULL,
    acknowledged_at BIGINT NOT NULL,
    PRIMARY KEY (report_id, code)
);

-- Past reports imported from their JSON or HTML (REG §2.8), for the continuity checks.
CREATE TABLE report_imports (
    id             INTEGER PRIMARY KEY,
    org_id         BIGINT NOT NULL REFERENCES orgs(id),
    year           BIGINT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('json', 'html')),
    format         TEXT NOT NULL CHECK (format IN ('2019', '2021')),
    figures_json   TEXT NOT NULL,
    narrative_json TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    UNIQUE (org_id, year)
);
