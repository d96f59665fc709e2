-- Grassroots submission, channels, upward syndication and interpretations (issue #5, product.md
-- C4, C5, C13; see crates/store/src/{grassroots,channels,syndication,interpretations}.rs).
-- Conventions as in 0001: ids 64-bit, timestamps BIGINT ms UTC, dates TEXT 'YYYY-MM-DD' (CST),
-- JSON TEXT.

-- Subordinate units whose approved items go to their parent's queue (C4).
CREATE TABLE grassroots_units (
    org_id     BIGINT PRIMARY KEY REFERENCES orgs(id),
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One row per time a unit's approved item entered its parent's queue.
CREATE TABLE grassroots_submissions (
    id            INTEGER PRIMARY KEY,
    item_id       BIGINT NOT NULL REFERENCES items(id),
    unit_org_id   BIGINT NOT NULL REFERENCES orgs(id),
    parent_org_id BIGINT NOT NULL REFERENCES orgs(id),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'published', 'returned')),
    submitted_at  BIGINT NOT NULL,
    submitted_on  TEXT NOT NULL,
    decided_at    BIGINT,
    decided_on    TEXT,
    decided_by    TEXT NOT NULL DEFAULT '',
    -- 'unit' or 'parent': whose name the item was published under (发布机构).
    published_as  TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    -- The parent's edit (JSON of the content) and its line diff, recorded before publication.
    edit_json     TEXT,
    edit_diff     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX grassroots_submissions_parent ON grassroots_submissions (parent_org_id, status);
CREATE INDEX grassroots_submissions_item ON grassroots_submissions (item_id);
CREATE INDEX grassroots_submissions_unit ON grassroots_submissions (unit_org_id, submitted_on);

-- Website columns and WeChat official-account sections (C5).
CREATE TABLE channels (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('website', 'wechat')),
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    sort_order  BIGINT NOT NULL DEFAULT 0,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- An item placed in a channel, each placement with its own publication date.
CREATE TABLE item_channels (
    item_id      BIGINT NOT NULL REFERENCES items(id),
    channel_id   BIGINT NOT NULL REFERENCES channels(id),
    published_on TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (item_id, channel_id)
);
CREATE INDEX item_channels_channel ON item_channels (channel_id, published_on);

-- Upward syndication targets with their scoring rule (C4).
CREATE TABLE syndication_targets (
    id                 INTEGER PRIMARY KEY,
    code               TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    url                TEXT NOT NULL DEFAULT '',
    points_per_adopted BIGINT NOT NULL DEFAULT 0,
    rule_note          TEXT NOT NULL DEFAULT '',
    sort_order         BIGINT NOT NULL DEFAULT 0,
    active             BOOLEAN NOT NULL DEFAULT TRUE,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);

CREATE TABLE syndication_submissions (
    id           INTEGER PRIMARY KEY,
    target_id    BIGINT NOT NULL REFERENCES syndication_targets(id),
    submitted_on TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('submitted', 'adopted', 'not_adopted', 'withdrawn')),
    score        BIGINT NOT NULL DEFAULT 0,
    decided_on   TEXT,
    note         TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX syndication_submissions_target ON syndication_submissions (target_id, submitted_on);

CREATE TABLE syndication_items (
    submission_id BIGINT NOT NULL REFERENCES syndication_submissions(id),
    item_id       BIGINT NOT NULL REFERENCES items(id),
    PRIMARY KEY (submission_id, item_id)
);
CREATE INDEX syndication_items_item ON syndication_items (item_id);

-- 回应解读 (C13): an item that interprets policy documents or responds to a hot topic.
CREATE TABLE interpretations (
    item_id    BIGINT PRIMARY KEY REFERENCES items(id),
    kind       TEXT NOT NULL CHECK (kind IN ('text', 'illustrated', 'programme', 'hot_topic')),
    programme  TEXT NOT NULL DEFAULT '',
    episode_no BIGINT,
    air_date   TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE interpretation_links (
    interpretation_id BIGINT NOT NULL REFERENCES interpretations(item_id),
    document_id       BIGINT NOT NULL REFERENCES items(id),
    PRIMARY KEY (interpretation_id, document_id)
);
CREATE INDEX interpretation_links_document ON interpretation_links (document_id);
