-- Mailbox, online consultation and public messages (issue #7, product.md C8, REG §4.5; see
-- crates/store/src/mailbox/). Conventions as in 0001: ids 64-bit, timestamps BIGINT ms UTC,
-- dates TEXT 'YYYY-MM-DD' (China Standard Time), JSON TEXT.

-- Boxes defined by administrators (理事长信箱, 在线咨询, 公众留言 …).
CREATE TABLE mailbox_boxes (
    id                 INTEGER PRIMARY KEY,
    org_id             BIGINT NOT NULL REFERENCES orgs(id),
    code               TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    intro              TEXT NOT NULL DEFAULT '',
    name_required      BOOLEAN NOT NULL,
    -- Reply period in working days (the 条例 sets none: local rules, REG §4.5).
    reply_workdays     BIGINT NOT NULL CHECK (reply_workdays BETWEEN 1 AND 60),
    publish_by_default BOOLEAN NOT NULL,
    active             BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order         BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);

-- Topic vocabulary (残疾人证办理, 优惠政策, 康复 …).
CREATE TABLE mailbox_topics (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    label      TEXT NOT NULL,
    sort_order BIGINT NOT NULL DEFAULT 0,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One message and its processing form (处理单). The pii_* columns hold the writer's personal
-- data; they move to the personal-data vault (sealed columns) when it lands.
CREATE TABLE mailbox_messages (
    id                  INTEGER PRIMARY KEY,
    box_id              BIGINT NOT NULL REFERENCES mailbox_boxes(id),
    org_id              BIGINT NOT NULL REFERENCES orgs(id),
    query_no            TEXT NOT NULL UNIQUE,
    secret_hash         TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('message', 'petition')),
    status              TEXT NOT NULL,
    channel             TEXT NOT NULL DEFAULT 'online',
    topic_code          TEXT NOT NULL,
    title               TEXT NOT NULL,
    content             TEXT NOT NULL,
    pii_name            TEXT NOT NULL DEFAULT '',
    pii_phone           TEXT NOT NULL DEFAULT '',
    pii_email           TEXT NOT NULL DEFAULT '',
    consent_publish     BOOLEAN NOT NULL,
    received_at         BIGINT NOT NULL,
    received_on         TEXT NOT NULL,
    dept_id             BIGINT REFERENCES orgs(id),
    instruction         TEXT NOT NULL DEFAULT '',
    draft_reply         TEXT NOT NULL DEFAULT '',
    reply               TEXT NOT NULL DEFAULT '',
    replied_at          BIGINT,
    replied_on          TEXT,
    due_on              TEXT,
    reply_days          BIGINT,
    in_time             BOOLEAN NOT NULL DEFAULT FALSE,
    publication         TEXT NOT NULL DEFAULT 'none',
    public_title        TEXT NOT NULL DEFAULT '',
    public_question     TEXT NOT NULL DEFAULT '',
    public_reply        TEXT NOT NULL DEFAULT '',
    reviewed_by         TEXT NOT NULL DEFAULT '',
    review_note         TEXT NOT NULL DEFAULT '',
    reviewed_at         BIGINT,
    published_at        BIGINT,
    rating              TEXT,
    rating_comment      TEXT NOT NULL DEFAULT '',
    rated_at            BIGINT,
    petition_at         BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX mailbox_messages_org ON mailbox_messages(org_id, status);
CREATE INDEX mailbox_messages_dept ON mailbox_messages(dept_id, status);
CREATE INDEX mailbox_messages_public ON mailbox_messages(publication, published_at);

-- The steps of the processing form: who, when, what.
CREATE TABLE mailbox_steps (
    id          INTEGER PRIMARY KEY,
    message_id  BIGINT NOT NULL REFERENCES mailbox_messages(id),
    step        TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    detail_json TEXT NOT NULL DEFAULT '{}',
    actor       TEXT NOT NULL,
    actor_id    BIGINT,
    at          BIGINT NOT NULL
);
CREATE INDEX mailbox_steps_message ON mailbox_steps(message_id, id);

-- Supervision notices (督办): manual, or automatic when the deadline nears or passes; escalated
-- ones are addressed to the department head.
CREATE TABLE mailbox_supervisions (
    id          INTEGER PRIMARY KEY,
    message_id  BIGINT NOT NULL REFERENCES mailbox_messages(id),
    dept_id     BIGINT REFERENCES orgs(id),
    cause       TEXT NOT NULL CHECK (cause IN ('manual', 'due_soon', 'overdue')),
    escalated   BOOLEAN NOT NULL,
    due_on      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    issued_by   TEXT NOT NULL,
    issued_at   BIGINT NOT NULL
);
CREATE INDEX mailbox_supervisions_message ON mailbox_supervisions(message_id);
