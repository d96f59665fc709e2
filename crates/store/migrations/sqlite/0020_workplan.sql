-- The annual work plan and the registers the annual report draws on (issue #12; REG §1.6
-- Art. 50(四), §2.3; see crates/store/src/workplan.rs and crates/store/src/records/).
-- Conventions as in 0001: ids 64-bit, timestamps BIGINT ms UTC, dates TEXT 'YYYY-MM-DD' (CST).

-- 工作方案/工作要点: one per (year, organisation).
CREATE TABLE work_plans (
    id         INTEGER PRIMARY KEY,
    year       BIGINT NOT NULL,
    org_id     BIGINT NOT NULL REFERENCES orgs(id),
    title      TEXT NOT NULL,
    goals      TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (year, org_id)
);

-- A task of a plan, owned by its responsible unit (`org_id`, the scope that sees it). A task
-- cascaded to a subordinate body names the task it came from (`parent_id`). The due date is
-- either entered or computed from `start_on` + `workdays` with the working-day calendar.
CREATE TABLE work_tasks (
    id              INTEGER PRIMARY KEY,
    plan_id         BIGINT NOT NULL REFERENCES work_plans(id),
    parent_id       BIGINT REFERENCES work_tasks(id),
    org_id          BIGINT NOT NULL REFERENCES orgs(id),
    title           TEXT NOT NULL,
    person          TEXT NOT NULL DEFAULT '',
    basis           TEXT NOT NULL DEFAULT '',
    start_on        TEXT,
    workdays        BIGINT CHECK (workdays IS NULL OR workdays > 0),
    due_on          TEXT NOT NULL,
    due_provisional BOOLEAN NOT NULL DEFAULT FALSE,
    done_on         TEXT,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (parent_id, org_id)
);
CREATE INDEX work_tasks_plan ON work_tasks (plan_id);
CREATE INDEX work_tasks_org ON work_tasks (org_id, due_on);

-- Progress reported by the responsible unit, with evidence: text, a published item, files
-- (attachments with owner_type 'work_report').
CREATE TABLE work_task_reports (
    id             INTEGER PRIMARY KEY,
    task_id        BIGINT NOT NULL REFERENCES work_tasks(id),
    reported_on    TEXT NOT NULL,
    note           TEXT NOT NULL,
    item_id        BIGINT REFERENCES items(id),
    done           BOOLEAN NOT NULL DEFAULT FALSE,
    reported_by    TEXT NOT NULL,
    reported_by_id BIGINT REFERENCES users(id),
    created_at     BIGINT NOT NULL
);
CREATE INDEX work_task_reports_task ON work_task_reports (task_id);

-- 业务培训 (training register).
CREATE TABLE training_sessions (
    id         INTEGER PRIMARY KEY,
    org_id     BIGINT NOT NULL REFERENCES orgs(id),
    year       BIGINT NOT NULL,
    held_on    TEXT NOT NULL,
    title      TEXT NOT NULL,
    category   TEXT NOT NULL,
    outsiders  BIGINT NOT NULL DEFAULT 0 CHECK (outsiders >= 0),
    materials  TEXT NOT NULL DEFAULT '',
    notes      TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE training_participants (
    session_id BIGINT NOT NULL REFERENCES training_sessions(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (session_id, user_id)
);

-- 考核、社会评议、责任追究 (REG §1.6 Art. 50(四)).
CREATE TABLE assessment_records (
    id         INTEGER PRIMARY KEY,
    org_id     BIGINT NOT NULL REFERENCES orgs(id),
    year       BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    held_on    TEXT NOT NULL,
    title      TEXT NOT NULL,
    result     TEXT NOT NULL DEFAULT '',
    cases      BIGINT NOT NULL DEFAULT 0 CHECK (cases >= 0),
    notes      TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- 人大代表建议、政协提案 handled; `item_id` is the draft item made from a disclosable reply.
CREATE TABLE proposals (
    id           INTEGER PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES orgs(id),
    year         BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    number       TEXT NOT NULL,
    title        TEXT NOT NULL,
    role         TEXT NOT NULL,
    co_units     TEXT NOT NULL DEFAULT '',
    received_on  TEXT NOT NULL,
    due_on       TEXT,
    replied_on   TEXT,
    reply        TEXT NOT NULL DEFAULT '',
    satisfaction TEXT NOT NULL DEFAULT '',
    disclosable  TEXT NOT NULL DEFAULT '',
    item_id      BIGINT REFERENCES items(id),
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- 政务公开宣传 (media releases, press conferences, events).
CREATE TABLE publicity_activities (
    id         INTEGER PRIMARY KEY,
    org_id     BIGINT NOT NULL REFERENCES orgs(id),
    year       BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    held_on    TEXT NOT NULL,
    title      TEXT NOT NULL,
    pieces     BIGINT NOT NULL DEFAULT 1 CHECK (pieces >= 0),
    audience   BIGINT NOT NULL DEFAULT 0 CHECK (audience >= 0),
    notes      TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
