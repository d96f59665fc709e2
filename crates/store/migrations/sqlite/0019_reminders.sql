-- Reminders (issues #6 and #9; see crates/store/src/reminders.rs): one row per (subject,
-- deadline, threshold), made by the worker's sweep, shown in the console and mailed when SMTP is
-- configured. Conventions as in 0001: ids 64-bit, timestamps BIGINT ms UTC, dates TEXT
-- 'YYYY-MM-DD' (CST).

-- `reminder_key` is "<subject_type>:<subject_id>:<deadline kind>:<due date>:<threshold>": the
-- unique key makes a reminder exist exactly once whatever the number of instances or job runs.
CREATE TABLE reminders (
    id           INTEGER PRIMARY KEY,
    reminder_key TEXT NOT NULL UNIQUE,
    subject_type TEXT NOT NULL CHECK (subject_type IN ('application', 'report')),
    subject_id   BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    threshold    TEXT NOT NULL CHECK (threshold IN ('due_soon', 'due_today', 'overdue')),
    due_date     TEXT NOT NULL,
    -- Addressed to the holders of `audience` over this organisation (the office or the report's
    -- editors) and, when set, to the staff of the department the case is assigned to.
    org_id       BIGINT NOT NULL REFERENCES orgs(id),
    dept_id      BIGINT REFERENCES orgs(id),
    audience     TEXT NOT NULL CHECK (audience IN ('applications', 'report')),
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    link         TEXT NOT NULL,
    mailed_at    BIGINT,
    mail_error   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX reminders_org ON reminders (org_id, created_at);
CREATE INDEX reminders_dept ON reminders (dept_id, created_at);

-- Which user has read which reminder (the unread count is the console's badge).
CREATE TABLE reminder_reads (
    reminder_id BIGINT NOT NULL REFERENCES reminders(id),
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    read_at     BIGINT NOT NULL,
    PRIMARY KEY (reminder_id, user_id)
);
