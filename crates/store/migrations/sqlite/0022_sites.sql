-- Sites of a consolidated platform (政府网站集约化, issue #14; see crates/store/src/sites.rs).
-- Conventions as in 0001: ids 64-bit, timestamps BIGINT ms UTC, JSON TEXT.

-- A site is one top-level organisation (its body) with its presentation. A deployment without
-- rows here is one site: its first top-level organisation, shown as before.
CREATE TABLE sites (
    id              INTEGER PRIMARY KEY,
    -- Slug of the path prefix /s/<code>/ (local testing, or a platform without host names).
    code            TEXT NOT NULL UNIQUE,
    root_org_id     BIGINT NOT NULL UNIQUE REFERENCES orgs(id),
    name            TEXT NOT NULL,
    -- The logo: a content-addressed file under <data>/files (as attachments), PNG/JPEG/GIF/WebP.
    logo_sha256     TEXT,
    logo_media_type TEXT NOT NULL DEFAULT '',
    footer          TEXT NOT NULL DEFAULT '',
    -- ICP备案号 (e.g. 吉ICP备05001234号-1) and 公安机关备案号 (e.g. 吉公网安备 22010202000123号).
    icp_number      TEXT NOT NULL DEFAULT '',
    psb_number      TEXT NOT NULL DEFAULT '',
    -- 索引号 template for the site's organisations without their own (NULL: the default).
    index_template  TEXT,
    -- Vocabulary overrides: {"catalog"|"topic"|"genre": [[code, label], ...]}.
    vocab_json      TEXT NOT NULL DEFAULT '{}',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- Host names of a site (lower-case, without port), unique across sites.
CREATE TABLE site_hosts (
    host    TEXT PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE
);
CREATE INDEX site_hosts_site ON site_hosts (site_id);

-- 政府信息公开制度 belong to a site's body like its guide. Rows from before belong to the
-- deployment's own body (its first top-level organisation).
ALTER TABLE rule_documents ADD COLUMN org_id BIGINT REFERENCES orgs(id);
UPDATE rule_documents SET org_id = (SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY sort_order, id LIMIT 1);
