//! Sites of a consolidated platform (政府网站集约化, issue #14): several top-level bodies on one
//! deployment, each with its own portal under its own host names (or the path prefix
//! `/s/<code>/` for local testing), name, logo, footer with the ICP备案号 and 公安备案号,
//! vocabulary overrides and 索引号 template.
//!
//! **Model.** A site is one top-level organisation (its body, `root_org_id`) plus its
//! presentation (a `sites` row) and host names (`site_hosts`, unique across sites). The data of
//! a site are the records of the organisations in its body's subtree: a site's portal shows
//! exactly those ([`Scope`]), and a site's administrators are the usual grants scoped at its body.
//!
//! **The default site** answers requests that name no site (an unknown host, no prefix): the
//! deployment's own body, its first top-level organisation by sort order (`orgs::root`). It may
//! have a `sites` row (then it is shown with its presentation) or not (then it looks exactly as
//! a deployment of one body always did).
//!
//! **Rule.** A deployment without any `sites` row is one site whose scope is everything
//! ([`Scope::All`]): nothing changes for a single body. As soon as one site exists, every site —
//! the default one included — is scoped to its body's subtree, and every public query takes
//! that scope inside its SQL (or inside the search query), never as a filter afterwards.

use crate::attachments::StoredFile;
use crate::audit::{self, Actor, Change};
use crate::items::catalog::{Arg, in_list};
use crate::orgs::{self, Org};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};
use gongkai_core::items::{Template, VocabKind};
use gongkai_core::org::{OrgId, OrgTree};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `object_type` of sites in the audit log.
pub const OBJECT_TYPE: &str = "site";

/// The path prefix of a site's portal without host names: `/s/<code>/…`.
pub const PATH_PREFIX: &str = "/s/";

/// Longest site name, footer and 备案号 kept (characters).
const MAX_NAME: usize = 100;
const MAX_FOOTER: usize = 2000;
const MAX_NUMBER: usize = 60;
/// Host names per site.
const MAX_HOSTS: usize = 20;

/// A stored site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Site {
    pub id: i64,
    pub code: String,
    pub root_org_id: i64,
    pub name: String,
    pub logo_sha256: Option<String>,
    pub logo_media_type: String,
    pub footer: String,
    /// ICP备案号, e.g. `吉ICP备05001234号-1`.
    pub icp_number: String,
    /// 公安机关备案号, e.g. `吉公网安备 22010202000123号`.
    pub psb_number: String,
    pub index_template: Option<String>,
    pub vocab_json: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, code, root_org_id, name, logo_sha256, logo_media_type, footer, \
    icp_number, psb_number, index_template, vocab_json, created_at, updated_at";

impl Site {
    /// The vocabulary overrides (an unreadable value reads as none).
    pub fn vocab(&self) -> VocabOverrides {
        serde_json::from_str(&self.vocab_json).unwrap_or_default()
    }

    /// The digits of the 公安备案号, for the record's page on beian.gov.cn.
    pub fn psb_record_code(&self) -> String {
        self.psb_number
            .chars()
            .filter(char::is_ascii_digit)
            .collect()
    }
}

/// A site with its host names, as the console lists and edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteWithHosts {
    pub site: Site,
    pub hosts: Vec<String>,
}

/// A site's own entries of the shared vocabularies (主题分类, 体裁分类, 公开目录): for each kind
/// it overrides, the codes it uses, in its order, each with its own label or `""` for the
/// platform's. Codes must exist in the platform's vocabulary (so items stay valid everywhere).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VocabOverrides {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<Vec<(String, String)>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<Vec<(String, String)>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<Vec<(String, String)>>,
}

impl VocabOverrides {
    pub fn of(&self, kind: VocabKind) -> Option<&Vec<(String, String)>> {
        match kind {
            VocabKind::Catalog => self.catalog.as_ref(),
            VocabKind::Topic => self.topic.as_ref(),
            VocabKind::Genre => self.genre.as_ref(),
        }
    }

    /// Parses the console's text of one kind: one entry a line, `code` or `code 标签`; an empty
    /// text means "the platform's vocabulary".
    pub fn parse_lines(text: &str) -> Option<Vec<(String, String)>> {
        let entries: Vec<(String, String)> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| match l.split_once(char::is_whitespace) {
                Some((code, label)) => (code.to_string(), label.trim().to_string()),
                None => (l.to_string(), String::new()),
            })
            .collect();
        (!entries.is_empty()).then_some(entries)
    }

    /// The text [`VocabOverrides::parse_lines`] reads back.
    pub fn lines(&self, kind: VocabKind) -> String {
        self.of(kind)
            .map(|v| {
                v.iter()
                    .map(|(c, l)| {
                        if l.is_empty() {
                            c.clone()
                        } else {
                            format!("{c} {l}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    }

    /// The platform's `entries` of `kind` as this site shows them: its own entries first, in its
    /// order and with its labels; the others stay (older items may carry them) but inactive.
    pub fn apply(
        &self,
        kind: VocabKind,
        entries: Vec<crate::items::registers::VocabEntry>,
    ) -> Vec<crate::items::registers::VocabEntry> {
        let Some(own) = self.of(kind) else {
            return entries;
        };
        let mut out = Vec::with_capacity(entries.len());
        for (code, label) in own {
            if let Some(e) = entries.iter().find(|e| &e.code == code) {
                let mut e = e.clone();
                if !label.is_empty() {
                    e.label.clone_from(label);
                }
                out.push(e);
            }
        }
        for e in entries {
            if !own.iter().any(|(c, _)| *c == e.code) {
                out.push(crate::items::registers::VocabEntry { active: false, ..e });
            }
        }
        out
    }
}

/// Fields of a new or edited site.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SiteInput {
    pub code: String,
    pub root_org_id: i64,
    pub name: String,
    pub footer: String,
    pub icp_number: String,
    pub psb_number: String,
    /// Empty: the default template.
    pub index_template: String,
    pub vocab: VocabOverrides,
    pub hosts: Vec<String>,
}

/// A host name as sites store and match it: lower-case, without port or trailing dot. `None`
/// when it is not a plausible DNS name (letters, digits, `-`, `.`).
pub fn normalize_host(raw: &str) -> Option<String> {
    let raw = raw.trim();
    // `[::1]:8080` or `host:8080`: the port is ignored.
    let host = if raw.starts_with('[') {
        raw.split(']').next().map(|h| format!("{h}]"))?
    } else {
        raw.split(':').next()?.to_string()
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '[' | ']' | ':'))
        && !host.starts_with(['-', '.']);
    ok.then_some(host)
}

fn code_ok(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !code.starts_with('-')
}

/// Field-level validation problems, keyed by field name, in Chinese.
pub fn validate(input: &SiteInput) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    if !code_ok(input.code.trim()) {
        errors.push((
            "code",
            "站点代码须为 1–32 位小写字母、数字或连字符（用于网址 /s/代码/）".to_string(),
        ));
    }
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        errors.push(("name", format!("请填写站点名称（不超过 {MAX_NAME} 个字）")));
    }
    if input.footer.chars().count() > MAX_FOOTER {
        errors.push(("footer", format!("页脚文字不能超过 {MAX_FOOTER} 个字")));
    }
    for (field, value, label) in [
        ("icp_number", &input.icp_number, "ICP备案号"),
        ("psb_number", &input.psb_number, "公安机关备案号"),
    ] {
        if value.chars().count() > MAX_NUMBER {
            errors.push((field, format!("{label}不能超过 {MAX_NUMBER} 个字")));
        }
    }
    let psb = input.psb_number.trim();
    if !psb.is_empty() && !psb.chars().any(|c| c.is_ascii_digit()) {
        errors.push((
            "psb_number",
            "公安机关备案号应含备案编号数字，例如“吉公网安备 22010202000123号”".to_string(),
        ));
    }
    let template = input.index_template.trim();
    if !template.is_empty()
        && let Err(e) = Template::parse(template)
    {
        errors.push(("index_template", format!("索引号规则有误：{e}")));
    }
    if input.hosts.len() > MAX_HOSTS {
        errors.push(("hosts", format!("每个站点最多 {MAX_HOSTS} 个域名")));
    }
    for h in &input.hosts {
        if normalize_host(h).is_none() {
            errors.push((
                "hosts",
                format!(
                    "域名“{}”无效：只能包含字母、数字、连字符和点，例如 www.example.gov.cn",
                    h.chars().take(60).collect::<String>()
                ),
            ));
            break;
        }
    }
    errors
}

fn first_error(input: &SiteInput) -> Result<()> {
    match validate(input).into_iter().next() {
        Some((_, msg)) => Err(StoreError::Invalid(msg)),
        None => Ok(()),
    }
}

fn hosts_of(input: &SiteInput) -> Vec<String> {
    let mut hosts: Vec<String> = input
        .hosts
        .iter()
        .filter_map(|h| normalize_host(h))
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

// ---- reading ---------------------------------------------------------------------------------

/// Every site, by code.
pub async fn list(db: &Db) -> Result<Vec<Site>> {
    let sql = format!("SELECT {COLUMNS} FROM sites ORDER BY code");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .fetch_all(p)
    .await?))
}

/// Every site with its host names, by code.
pub async fn list_with_hosts(db: &Db) -> Result<Vec<SiteWithHosts>> {
    let hosts: Vec<(String, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT host, site_id FROM site_hosts ORDER BY host"
    )
    .fetch_all(p)
    .await?);
    Ok(list(db)
        .await?
        .into_iter()
        .map(|site| SiteWithHosts {
            hosts: hosts
                .iter()
                .filter(|(_, s)| *s == site.id)
                .map(|(h, _)| h.clone())
                .collect(),
            site,
        })
        .collect())
}

pub async fn get(db: &Db, id: i64) -> Result<Option<SiteWithHosts>> {
    Ok(list_with_hosts(db)
        .await?
        .into_iter()
        .find(|s| s.site.id == id))
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<Site>> {
    let sql = format!("SELECT {COLUMNS} FROM sites WHERE code = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(code)
    .fetch_optional(p)
    .await?))
}

/// The site whose body is `org_id`, if it has a row.
pub async fn of_root(db: &Db, org_id: OrgId) -> Result<Option<Site>> {
    let sql = format!("SELECT {COLUMNS} FROM sites WHERE root_org_id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(org_id)
    .fetch_optional(p)
    .await?))
}

/// True when the deployment is a platform of several sites (any `sites` row).
pub async fn any(db: &Db) -> Result<bool> {
    let n: i64 = on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM sites")
        .fetch_one(p)
        .await?);
    Ok(n > 0)
}

// ---- the scope of a site -----------------------------------------------------------------------

/// The organisations whose records a site shows: everything (a deployment of one body), or its
/// body's subtree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Orgs(Vec<OrgId>),
}

impl Scope {
    pub fn contains(&self, org: OrgId) -> bool {
        match self {
            Scope::All => true,
            Scope::Orgs(ids) => ids.binary_search(&org).is_ok(),
        }
    }

    /// The organisations, or `None` for everything.
    pub fn org_ids(&self) -> Option<&[OrgId]> {
        match self {
            Scope::All => None,
            Scope::Orgs(ids) => Some(ids),
        }
    }

    /// The SQL condition "`column` is inside the scope", binding the ids after `args`.
    pub(crate) fn condition(&self, column: &str, args: &mut Vec<Arg>) -> String {
        match self {
            Scope::All => "1 = 1".to_string(),
            Scope::Orgs(ids) if ids.is_empty() => "1 = 0".to_string(),
            Scope::Orgs(ids) => in_list(column, ids, args),
        }
    }

    /// `ids` narrowed to the scope (for callers that already hold a list of organisations).
    pub fn narrow(&self, ids: &[OrgId]) -> Vec<OrgId> {
        ids.iter()
            .copied()
            .filter(|id| self.contains(*id))
            .collect()
    }
}

/// `root`'s subtree, sorted.
fn subtree(pairs: &[(OrgId, Option<OrgId>)], root: OrgId) -> Vec<OrgId> {
    let tree = OrgTree::new(pairs.iter().copied());
    let mut ids: Vec<OrgId> = pairs
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| tree.is_within(*id, root))
        .collect();
    ids.sort_unstable();
    ids
}

/// The site a request is for, as the portal and the public API use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteView {
    /// The stored site; `None` for a default site without a row (shown as a single body is).
    pub site: Option<Site>,
    /// The site's body; `None` only in an empty deployment.
    pub root: Option<Org>,
    pub scope: Scope,
    /// The default site (the deployment's own body).
    pub is_default: bool,
    /// The request named the site by one of its host names.
    pub by_host: bool,
}

impl SiteView {
    /// The name shown to the public: the site's, else its body's full name.
    pub fn name(&self) -> String {
        match (&self.site, &self.root) {
            (Some(s), _) => s.name.clone(),
            (None, Some(o)) => o.full_name.clone(),
            (None, None) => "本机关".to_string(),
        }
    }

    pub fn root_id(&self) -> Option<OrgId> {
        self.root.as_ref().map(|o| o.id)
    }

    /// The vocabulary overrides of the site (none for a default site without a row).
    pub fn vocab(&self) -> VocabOverrides {
        self.site.as_ref().map(Site::vocab).unwrap_or_default()
    }
}

/// How a request names its site.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lookup<'a> {
    /// The `Host` of the request (port and case do not matter).
    pub host: Option<&'a str>,
    /// The code of a `/s/<code>/` path prefix.
    pub code: Option<&'a str>,
}

/// Whether a host name (normalised as stored) already belongs to a site.
pub async fn host_taken(db: &Db, host: &str) -> Result<bool> {
    let Some(host) = normalize_host(host) else {
        return Ok(false);
    };
    let n: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM site_hosts WHERE host = $1"
    )
    .bind(&host)
    .fetch_one(p)
    .await?);
    Ok(n > 0)
}

/// The site of a request: by path prefix (`None` when no site has that code), else by host
/// name, else the default site.
pub async fn resolve(db: &Db, lookup: Lookup<'_>) -> Result<Option<SiteView>> {
    let sites = list(db).await?;
    let chosen: Option<&Site> = if let Some(code) = lookup.code {
        match sites.iter().find(|s| s.code == code) {
            Some(s) => Some(s),
            None => return Ok(None),
        }
    } else if let Some(host) = lookup.host.and_then(normalize_host)
        && !sites.is_empty()
    {
        let id: Option<i64> = on_db!(db, |p| sqlx::query_scalar(
            "SELECT site_id FROM site_hosts WHERE host = $1"
        )
        .bind(&host)
        .fetch_optional(p)
        .await?);
        id.and_then(|id| sites.iter().find(|s| s.id == id))
    } else {
        None
    };
    let (root, is_default) = match chosen {
        Some(s) => {
            let default = orgs::root(db).await?;
            (
                orgs::get(db, s.root_org_id).await?,
                default.is_some_and(|d| d.id == s.root_org_id),
            )
        }
        None => (orgs::root(db).await?, true),
    };
    let site = match (chosen, &root) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(r)) => sites.iter().find(|s| s.root_org_id == r.id).cloned(),
        (None, None) => None,
    };
    let scope = match (&root, sites.is_empty()) {
        (_, true) | (None, _) => Scope::All,
        (Some(r), false) => {
            let pairs: Vec<(i64, Option<i64>)> =
                on_db!(db, |p| sqlx::query_as("SELECT id, parent_id FROM orgs")
                    .fetch_all(p)
                    .await?);
            Scope::Orgs(subtree(&pairs, r.id))
        }
    };
    Ok(Some(SiteView {
        by_host: lookup.code.is_none() && chosen.is_some(),
        site,
        root,
        scope,
        is_default,
    }))
}

/// The site a staff member belongs to (by their organisation's body), for the console.
pub async fn of_org(db: &Db, org_id: OrgId) -> Result<Option<Site>> {
    let tree = orgs::tree(db).await?;
    match tree.top_of(org_id) {
        Some(top) => of_root(db, top).await,
        None => Ok(None),
    }
}

/// The scope of the site whose body is `root` (the whole deployment when it has no sites).
pub async fn scope_of_root(db: &Db, root: OrgId) -> Result<Scope> {
    if !any(db).await? {
        return Ok(Scope::All);
    }
    let pairs: Vec<(i64, Option<i64>)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, parent_id FROM orgs")
            .fetch_all(p)
            .await?);
    Ok(Scope::Orgs(subtree(&pairs, root)))
}

const TEMPLATES_SQL: &str =
    "SELECT root_org_id, index_template FROM sites WHERE index_template IS NOT NULL";

/// The template of the site whose body is above `org_id`, among `(body, template)` rows.
fn template_of_site(
    rows: Vec<(i64, String)>,
    pairs: Vec<(i64, Option<i64>)>,
    org_id: OrgId,
) -> Option<String> {
    let top = OrgTree::new(pairs).top_of(org_id);
    rows.into_iter()
        .find(|(root, _)| Some(*root) == top)
        .map(|(_, t)| t)
}

/// The 索引号 template a site sets for its organisations without their own, if any.
pub(crate) async fn template_override(db: &Db, org_id: OrgId) -> Result<Option<String>> {
    let rows: Vec<(i64, String)> =
        on_db!(db, |p| sqlx::query_as(TEMPLATES_SQL).fetch_all(p).await?);
    if rows.is_empty() {
        return Ok(None);
    }
    let pairs: Vec<(i64, Option<i64>)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, parent_id FROM orgs")
            .fetch_all(p)
            .await?);
    Ok(template_of_site(rows, pairs, org_id))
}

/// [`template_override`] inside a transaction (publication draws the number with it).
pub(crate) async fn template_override_tx(tx: &mut Tx, org_id: OrgId) -> Result<Option<String>> {
    let rows: Vec<(i64, String)> =
        on_tx!(tx, |c| sqlx::query_as(TEMPLATES_SQL).fetch_all(c).await?);
    if rows.is_empty() {
        return Ok(None);
    }
    let pairs: Vec<(i64, Option<i64>)> =
        on_tx!(tx, |c| sqlx::query_as("SELECT id, parent_id FROM orgs")
            .fetch_all(c)
            .await?);
    Ok(template_of_site(rows, pairs, org_id))
}

// ---- changes ---------------------------------------------------------------------------------

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<SiteWithHosts>> {
    let sql = format!("SELECT {COLUMNS} FROM sites WHERE id = $1");
    let site: Option<Site> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(c)
        .await?);
    let Some(site) = site else {
        return Ok(None);
    };
    let hosts: Vec<String> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT host FROM site_hosts WHERE site_id = $1 ORDER BY host"
    )
    .bind(id)
    .fetch_all(c)
    .await?);
    Ok(Some(SiteWithHosts { site, hosts }))
}

/// Checks what needs the database: the body is a top-level organisation, and every overridden
/// vocabulary code exists in the platform's vocabulary.
async fn check_references(tx: &mut Tx, input: &SiteInput) -> Result<()> {
    let parent: Option<Option<i64>> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT parent_id FROM orgs WHERE id = $1"
    )
    .bind(input.root_org_id)
    .fetch_optional(c)
    .await?);
    match parent {
        None => return Err(StoreError::Invalid("所选的本级机构不存在".into())),
        Some(Some(_)) => {
            return Err(StoreError::Invalid(
                "站点的本级机构必须是顶级机构（没有上级机构）".into(),
            ));
        }
        Some(None) => {}
    }
    for kind in [VocabKind::Catalog, VocabKind::Topic, VocabKind::Genre] {
        let Some(entries) = input.vocab.of(kind) else {
            continue;
        };
        let known: Vec<String> = on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT code FROM item_vocab WHERE kind = $1"
        )
        .bind(kind.code())
        .fetch_all(c)
        .await?);
        if let Some((code, _)) = entries.iter().find(|(c, _)| !known.contains(c)) {
            return Err(StoreError::Invalid(format!(
                "{}中没有代码“{}”：站点只能选用平台“目录分类”中已有的条目",
                kind.label(),
                code.chars().take(64).collect::<String>()
            )));
        }
    }
    Ok(())
}

fn unique_violation(e: sqlx::Error, what: &str) -> StoreError {
    match StoreError::from(e) {
        e if e.is_unique_violation() => StoreError::Conflict(what.to_string()),
        e => e,
    }
}

async fn put_hosts(tx: &mut Tx, site_id: i64, hosts: &[String]) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM site_hosts WHERE site_id = $1"
    )
    .bind(site_id)
    .execute(c)
    .await?
    .rows_affected());
    for h in hosts {
        let r: std::result::Result<u64, sqlx::Error> = on_tx!(tx, |c| sqlx::query(
            "INSERT INTO site_hosts (host, site_id) VALUES ($1, $2)"
        )
        .bind(h)
        .bind(site_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()));
        r.map_err(|e| unique_violation(e, &format!("域名 {h} 已属于另一个站点")))?;
    }
    Ok(())
}

fn template_of(input: &SiteInput) -> Option<String> {
    let t = input.index_template.trim();
    (!t.is_empty())
        .then(|| Template::parse(t).map(|t| t.to_string()).ok())
        .flatten()
}

fn audit_value(s: &SiteWithHosts) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(&s.site)?;
    v["hosts"] = serde_json::json!(s.hosts);
    Ok(v)
}

/// A unique violation on the code or the body, as the Chinese conflict a person can act on.
fn code_or_body_taken(e: sqlx::Error, input: &SiteInput) -> StoreError {
    unique_violation(
        e,
        &format!(
            "站点代码 {} 已被使用，或该机构已是另一个站点的本级机构",
            input.code.trim()
        ),
    )
}

/// Writes every field of `input` and its host names onto site `id`, and reads the site back.
async fn write(tx: &mut Tx, id: i64, input: &SiteInput) -> Result<SiteWithHosts> {
    let sql = "UPDATE sites SET code = $2, root_org_id = $3, name = $4, footer = $5, \
               icp_number = $6, psb_number = $7, index_template = $8, vocab_json = $9, \
               updated_at = $10 WHERE id = $1";
    let r: std::result::Result<u64, sqlx::Error> = on_tx!(tx, |c| sqlx::query(sql)
        .bind(id)
        .bind(input.code.trim())
        .bind(input.root_org_id)
        .bind(input.name.trim())
        .bind(input.footer.trim())
        .bind(input.icp_number.trim())
        .bind(input.psb_number.trim())
        .bind(template_of(input))
        .bind(serde_json::to_string(&input.vocab)?)
        .bind(now_ms())
        .execute(c)
        .await
        .map(|r| r.rows_affected()));
    r.map_err(|e| code_or_body_taken(e, input))?;
    put_hosts(tx, id, &hosts_of(input)).await?;
    get_tx(tx, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("站点不存在".into()))
}

/// Creates a site over an existing top-level organisation. Audited.
pub async fn create(tx: &mut Tx, actor: &Actor, input: &SiteInput) -> Result<SiteWithHosts> {
    first_error(input)?;
    check_references(tx, input).await?;
    let sql = "INSERT INTO sites (code, root_org_id, name, created_at, updated_at) \
               VALUES ($1, $2, $3, $4, $4) RETURNING id";
    let r: std::result::Result<i64, sqlx::Error> = on_tx!(tx, |c| sqlx::query_scalar(sql)
        .bind(input.code.trim())
        .bind(input.root_org_id)
        .bind(input.name.trim())
        .bind(now_ms())
        .fetch_one(c)
        .await);
    let id = r.map_err(|e| code_or_body_taken(e, input))?;
    let after = write(tx, id, input).await?;
    audit::append(
        tx,
        actor,
        Change {
            action: "site.create",
            object_type: OBJECT_TYPE,
            object_id: id.to_string(),
            before: None,
            after: Some(audit_value(&after)?),
        },
    )
    .await?;
    Ok(after)
}

/// Changes a site (every field, host names included). Audited with before and after.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    input: &SiteInput,
) -> Result<SiteWithHosts> {
    first_error(input)?;
    let before = get_tx(tx, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("站点不存在".into()))?;
    check_references(tx, input).await?;
    let after = write(tx, id, input).await?;
    audit::append(
        tx,
        actor,
        Change {
            action: "site.update",
            object_type: OBJECT_TYPE,
            object_id: id.to_string(),
            before: Some(audit_value(&before)?),
            after: Some(audit_value(&after)?),
        },
    )
    .await?;
    Ok(after)
}

/// Sets (or with `None` removes) a site's logo: an image [`StoredFile`] (PNG, JPEG, GIF or
/// WebP; checked by content and stripped of metadata by `attachments::store_file`). Audited.
pub async fn set_logo(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    logo: Option<&StoredFile>,
) -> Result<()> {
    if let Some(f) = logo
        && !f.kind.is_image()
    {
        return Err(StoreError::Invalid(
            "站点标志须为 PNG、JPEG、GIF 或 WebP 图片".into(),
        ));
    }
    let before = get_tx(tx, id)
        .await?
        .ok_or_else(|| StoreError::NotFound("站点不存在".into()))?;
    let (sha, media) = match logo {
        Some(f) => (Some(f.sha256.clone()), f.media_type().to_string()),
        None => (None, String::new()),
    };
    on_tx!(tx, |c| sqlx::query(
        "UPDATE sites SET logo_sha256 = $2, logo_media_type = $3, updated_at = $4 WHERE id = $1"
    )
    .bind(id)
    .bind(&sha)
    .bind(&media)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        actor,
        Change {
            action: "site.logo",
            object_type: OBJECT_TYPE,
            object_id: id.to_string(),
            before: Some(serde_json::json!({ "logo_sha256": before.site.logo_sha256 })),
            after: Some(serde_json::json!({ "logo_sha256": sha, "media_type": media })),
        },
    )
    .await?;
    Ok(())
}

/// The site codes and names by body, for lists that name the site of an organisation.
pub async fn names_by_root(db: &Db) -> Result<BTreeMap<OrgId, String>> {
    Ok(list(db)
        .await?
        .into_iter()
        .map(|s| (s.root_org_id, s.name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalised() {
        assert_eq!(normalize_host("A.Example:8080"), Some("a.example".into()));
        assert_eq!(normalize_host("b.example."), Some("b.example".into()));
        assert_eq!(normalize_host("[::1]:8080"), Some("[::1]".into()));
        assert_eq!(normalize_host(""), None);
        assert_eq!(normalize_host("a b"), None);
        assert_eq!(normalize_host("-x.example"), None);
    }

    #[test]
    fn vocabulary_lines_round_trip() {
        let v = VocabOverrides {
            catalog: VocabOverrides::parse_lines("art20-01 规章\n\nart20-02\n"),
            ..Default::default()
        };
        assert_eq!(
            v.catalog,
            Some(vec![
                ("art20-01".into(), "规章".into()),
                ("art20-02".into(), String::new())
            ])
        );
        assert_eq!(v.lines(VocabKind::Catalog), "art20-01 规章\nart20-02");
        assert_eq!(VocabOverrides::parse_lines("  \n"), None);
    }

    #[test]
    fn scope_conditions() {
        let mut args = Vec::new();
        assert_eq!(Scope::All.condition("i.org_id", &mut args), "1 = 1");
        assert_eq!(
            Scope::Orgs(vec![]).condition("i.org_id", &mut args),
            "1 = 0"
        );
        assert_eq!(
            Scope::Orgs(vec![3, 5]).condition("i.org_id", &mut args),
            "i.org_id IN ($1, $2)"
        );
        assert!(Scope::Orgs(vec![3, 5]).contains(5));
        assert!(!Scope::Orgs(vec![3, 5]).contains(4));
    }
}
