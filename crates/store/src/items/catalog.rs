//! Lists: the public catalog (法定主动公开内容, REG §4.4; 条例 Art. 24 检索、查阅), the public item
//! view, and the staff "my work" lists filtered by organisation scope in SQL.
//!
//! **Rule.** The public can see an item only when it is published, not withdrawn, its
//! publication time has come, it is 主动公开 and 非涉密 — [`PUBLIC_CONDITION`], used by every
//! public query here, so no public query can reach a draft, a scheduled item before its time, or
//! a withdrawn item.
//!
//! **Sites** (issue #14): every public query takes the [`Scope`] of the site it answers for and
//! puts it in its `WHERE` clause, so one site's portal, feeds, sitemap and API never reach an
//! item of another site (its id answers exactly like an unknown one).

use chrono::NaiveDate;
use gongkai_core::items::State;
use gongkai_core::org::OrgId;
use serde::Serialize;

use super::{ITEM_COLUMNS, Item, REVISION_COLUMNS, Revision};
use crate::sites::Scope;
use crate::{Db, Result, now_ms, on_db, orgs};

/// The visibility condition of every public query (`$1` = now in ms; table alias `i`). An item
/// is public once a revision has been published and until it is withdrawn; while an amendment
/// goes through the review chain (state `submitted` … `scheduled`) the published revision stays
/// public. Withheld items (a 免于公开 conclusion) are never public (`disclosure`).
pub const PUBLIC_CONDITION: &str = "i.state IN ('published', 'draft', 'submitted', 'reviewed', \
    'confidentiality_reviewed', 'approved', 'scheduled') AND i.withdrawn_at IS NULL \
    AND i.published_revision_id IS NOT NULL AND i.published_at IS NOT NULL \
    AND i.published_at <= $1 AND i.disclosure = 'proactive' AND i.classified = FALSE";

/// A bind value of a dynamically built query.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I(i64),
    S(String),
}

/// Binds `args` ([`Arg`]s) in order to a query built inside `on_db!`/`on_tx!` (one expansion
/// per backend): `bind_args!(sqlx::query_as(sql), &args).fetch_all(p)`.
#[macro_export]
#[doc(hidden)]
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::items::catalog::Arg::I(v) => q.bind(*v),
                $crate::items::catalog::Arg::S(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}

/// Every organisation inside any of `scopes` (subtree roots, e.g. `auth::scopes_for`).
pub async fn expand_scopes(db: &Db, scopes: &[OrgId]) -> Result<Vec<OrgId>> {
    if scopes.is_empty() {
        return Ok(Vec::new());
    }
    let tree = orgs::tree(db).await?;
    let mut ids: Vec<OrgId> = orgs::list(db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .filter(|id| scopes.iter().any(|s| tree.is_within(*id, *s)))
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

pub(crate) fn in_list(column: &str, ids: &[OrgId], args: &mut Vec<Arg>) -> String {
    let mut marks = Vec::with_capacity(ids.len());
    for id in ids {
        args.push(Arg::I(*id));
        marks.push(format!("${}", args.len()));
    }
    format!("{column} IN ({})", marks.join(", "))
}

/// One row of the public catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CatalogEntry {
    pub id: i64,
    pub index_no: String,
    pub title: String,
    pub summary: String,
    pub org_id: i64,
    pub publisher_name: String,
    pub doc_number: String,
    pub catalog_code: String,
    pub topic_code: String,
    pub genre_code: String,
    pub validity: String,
    pub formed_on: String,
    pub published_on: String,
    pub published_at: i64,
}

/// Sort order of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Sort {
    #[default]
    NewestFirst,
    OldestFirst,
}

/// Filters of [`catalog`]; every field optional.
#[derive(Debug, Clone, Default)]
pub struct CatalogFilter {
    pub catalog_code: Option<String>,
    /// This organisation's subtree.
    pub org_id: Option<OrgId>,
    /// Publication year.
    pub year: Option<i32>,
    pub topic_code: Option<String>,
    pub genre_code: Option<String>,
    /// A `Validity` code.
    pub validity: Option<String>,
    pub sort: Sort,
    /// 1-based.
    pub page: i64,
    /// Clamped to 1..=100 (0 = 20).
    pub per_page: i64,
}

/// One page of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogPage {
    pub entries: Vec<CatalogEntry>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// The public catalog of a site (published items only, see [`PUBLIC_CONDITION`], of the
/// organisations in `scope`).
pub async fn catalog(db: &Db, scope: &Scope, f: &CatalogFilter) -> Result<CatalogPage> {
    let mut args = vec![Arg::I(now_ms())];
    let mut conds = vec![PUBLIC_CONDITION.to_string()];
    conds.push(scope.condition("i.org_id", &mut args));
    let mut text_eq = |col: &str, v: &Option<String>, args: &mut Vec<Arg>| {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            args.push(Arg::S(v.to_string()));
            conds.push(format!("{col} = ${}", args.len()));
        }
    };
    text_eq("i.catalog_code", &f.catalog_code, &mut args);
    text_eq("i.topic_code", &f.topic_code, &mut args);
    text_eq("i.genre_code", &f.genre_code, &mut args);
    text_eq("i.validity", &f.validity, &mut args);
    if let Some(y) = f.year {
        args.push(Arg::S(format!("{y:04}-01-01")));
        conds.push(format!("i.published_on >= ${}", args.len()));
        args.push(Arg::S(format!("{:04}-01-01", y + 1)));
        conds.push(format!("i.published_on < ${}", args.len()));
        // The same year as a range of publication times (a day of slack each side), so the
        // ordered index is read over that year only. Every writer keeps `published_on` the
        // China-time date of `published_at` (publication, scheduling, import).
        if let (Some(from), Some(to)) = (
            NaiveDate::from_ymd_opt(y, 1, 1),
            NaiveDate::from_ymd_opt(y.saturating_add(1), 1, 1),
        ) {
            const DAY_MS: i64 = 86_400_000;
            // First in the WHERE: of two upper bounds on `published_at` (this one and
            // `PUBLIC_CONDITION`'s "not after now"), SQLite ranges the index on the first.
            args.push(Arg::I(super::migrate::cst_midnight_ms(from) - DAY_MS));
            conds.insert(0, format!("i.published_at >= ${}", args.len()));
            args.push(Arg::I(super::migrate::cst_midnight_ms(to) + DAY_MS));
            conds.insert(1, format!("i.published_at < ${}", args.len()));
        }
    }
    if let Some(org) = f.org_id {
        let ids = expand_scopes(db, &[org]).await?;
        if ids.is_empty() {
            return Ok(CatalogPage {
                entries: Vec::new(),
                total: 0,
                page: 1,
                per_page: 20,
            });
        }
        conds.push(in_list("i.org_id", &ids, &mut args));
    }
    let per_page = if f.per_page <= 0 {
        20
    } else {
        f.per_page.min(100)
    };
    let page = f.page.max(1);
    let order = match f.sort {
        Sort::NewestFirst => "i.published_at DESC, i.id DESC",
        Sort::OldestFirst => "i.published_at ASC, i.id ASC",
    };
    let where_sql = conds.join(" AND ");
    // SQLite's planner takes `state IN (…)` for selective and picks `items_published` (state,
    // published_at): it then reads every public row and sorts them all for one page. The
    // partial index `items_public_order` (migration 0024) is read in publication order and
    // stops after the page, and answers the count from the index alone. Its WHERE is implied
    // by `PUBLIC_CONDITION` (else SQLite refuses the hint, and every catalog test fails).
    // PostgreSQL's planner chooses by its statistics.
    let from = match db.backend() {
        crate::Backend::Sqlite => "items i INDEXED BY items_public_order",
        crate::Backend::Postgres => "items i",
    };
    let count_sql = format!("SELECT COUNT(*) FROM {from} WHERE {where_sql}");
    // The page's ids first, from the index alone (a deep page skips thousands of entries),
    // then the rows and texts of those ids only.
    let list_sql = format!(
        "SELECT i.id, i.index_no, r.title, r.summary, i.org_id, i.publisher_name, i.doc_number, \
         i.catalog_code, i.topic_code, i.genre_code, i.validity, i.formed_on, i.published_on, \
         i.published_at FROM items i JOIN item_revisions r ON r.id = i.published_revision_id \
         WHERE i.id IN (SELECT i.id FROM {from} WHERE {where_sql} ORDER BY {order} \
         LIMIT {per_page} OFFSET {}) ORDER BY {order}",
        (page - 1).saturating_mul(per_page)
    );
    let memo_key = format!("{}\u{1}{count_sql}\u{1}{:?}", db.identity(), &args[1..]);
    let head = crate::audit::head(db).await?;
    let now = now_of(&args);
    let total = match count_memo::get(&memo_key, head, now) {
        Some(total) => total,
        None => {
            let total: i64 = on_db!(db, |p| {
                crate::bind_args!(
                    sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql.clone())),
                    &args
                )
                .fetch_one(p)
                .await?
            });
            if count_memo::worth_keeping(total) {
                let until = next_publication_after(db, now).await?.unwrap_or(i64::MAX);
                count_memo::put(memo_key, head, until, total);
            }
            total
        }
    };
    let entries: Vec<CatalogEntry> = on_db!(db, |p| {
        crate::bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(list_sql.clone())), &args)
            .fetch_all(p)
            .await?
    });
    Ok(CatalogPage {
        entries,
        total,
        page,
        per_page,
    })
}

fn now_of(args: &[Arg]) -> i64 {
    match args.first() {
        Some(Arg::I(now)) => *now,
        _ => now_ms(),
    }
}

/// Counts of large catalogs, kept between requests. Counting every public item of a site of a
/// million takes hundreds of milliseconds even from the covering index, and a reader paging
/// through the catalog asks for the same count on every page. A count is reused only while
/// nothing was committed — every state change appends an audit record, so the newest audit id
/// is unchanged — and the clock has not passed the next publication time (an item scheduled
/// earlier becomes public by the clock alone). Small catalogs are always counted afresh.
pub(crate) mod count_memo {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};

    use std::sync::atomic::{AtomicI64, Ordering};

    /// Counts below this are cheap and not kept (tests lower it through
    /// `testing::memoise_catalog_counts_from`).
    pub static MIN_TOTAL: AtomicI64 = AtomicI64::new(10_000);
    const MAX_ENTRIES: usize = 1024;

    pub fn worth_keeping(total: i64) -> bool {
        total >= MIN_TOTAL.load(Ordering::Relaxed)
    }

    struct Entry {
        head: i64,
        until: i64,
        total: i64,
    }

    static COUNTS: LazyLock<Mutex<HashMap<String, Entry>>> = LazyLock::new(Mutex::default);

    pub fn get(key: &str, head: i64, now: i64) -> Option<i64> {
        let counts = COUNTS.lock().ok()?;
        counts
            .get(key)
            .filter(|e| e.head == head && now < e.until)
            .map(|e| e.total)
    }

    pub fn put(key: String, head: i64, until: i64, total: i64) {
        if let Ok(mut counts) = COUNTS.lock() {
            if counts.len() >= MAX_ENTRIES {
                counts.clear();
            }
            counts.insert(key, Entry { head, until, total });
        }
    }
}

/// A published item as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedItem {
    pub item: Item,
    /// The public text.
    pub revision: Revision,
}

/// A published item of the site of `scope`, or `None` (never a draft, a scheduled item before
/// its time, a withdrawn item, or an item of another site).
pub async fn get_published(db: &Db, scope: &Scope, id: i64) -> Result<Option<PublishedItem>> {
    let cols = ITEM_COLUMNS
        .split(", ")
        .map(|c| format!("i.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut args = vec![Arg::I(now_ms()), Arg::I(id)];
    let in_scope = scope.condition("i.org_id", &mut args);
    let sql =
        format!("SELECT {cols} FROM items i WHERE i.id = $2 AND {PUBLIC_CONDITION} AND {in_scope}");
    let item: Option<Item> = on_db!(db, |p| crate::bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())),
        &args
    )
    .fetch_optional(p)
    .await?);
    let Some(item) = item else {
        return Ok(None);
    };
    let Some(rev_id) = item.published_revision_id else {
        return Ok(None);
    };
    let revision = super::revision(db, rev_id)
        .await?
        .ok_or_else(|| crate::StoreError::NotFound("信息正文版本不存在".into()))?;
    Ok(Some(PublishedItem { item, revision }))
}

/// What the portal shows at an item's permanent URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PublicView {
    Published(Box<PublishedItem>),
    /// Was published, now withdrawn: answer 410 with this explanation (no content).
    Withdrawn {
        index_no: String,
        withdrawn_on: NaiveDate,
        reason: String,
    },
    /// Never (yet) public: answer 404.
    NotFound,
}

/// The public view of an item id on the site of `scope` (an item of another site is
/// [`PublicView::NotFound`], withdrawn or not).
pub async fn public_view(db: &Db, scope: &Scope, id: i64) -> Result<PublicView> {
    if let Some(p) = get_published(db, scope, id).await? {
        return Ok(PublicView::Published(Box::new(p)));
    }
    let mut args = vec![Arg::I(id)];
    let in_scope = scope.condition("org_id", &mut args);
    let sql = format!(
        "SELECT index_no, withdrawn_at, withdrawn_reason, state FROM items \
         WHERE id = $1 AND {in_scope}"
    );
    let row: Option<(Option<String>, Option<i64>, String, String)> = on_db!(db, |p| {
        crate::bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
            .fetch_optional(p)
            .await?
    });
    Ok(match row {
        Some((Some(index_no), Some(at), reason, state)) if state == State::Withdrawn.code() => {
            PublicView::Withdrawn {
                index_no,
                withdrawn_on: super::cst_date(at),
                reason,
            }
        }
        _ => PublicView::NotFound,
    })
}

/// The earliest publication time after `now` (milliseconds), if any: an item whose
/// `published_at` is still ahead of this instance's clock (written by an instance whose clock
/// runs ahead) becomes public by the clock alone (`published_at <= now` in
/// [`PUBLIC_CONDITION`]). The portal's render cache is dropped when it passes (issue #11).
pub async fn next_publication_after(db: &Db, now: i64) -> Result<Option<i64>> {
    // Only items that can be public count (the conditions of the partial index
    // `items_public_order`, which answers this from its first entry past `now`: without them
    // the whole table is read, and the render cache's watcher asks every 250 ms).
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT MIN(published_at) FROM items WHERE published_at > $1 \
         AND withdrawn_at IS NULL AND published_revision_id IS NOT NULL \
         AND disclosure = 'proactive' AND classified = FALSE"
    )
    .bind(now)
    .fetch_one(p)
    .await?))
}

/// The public revision history of a public item of the site of `scope` (revisions that were
/// the public text), oldest first; empty when the item is not public there.
pub async fn public_revisions(db: &Db, scope: &Scope, id: i64) -> Result<Vec<Revision>> {
    if get_published(db, scope, id).await?.is_none() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {REVISION_COLUMNS} FROM item_revisions WHERE item_id = $1 \
         AND published_at IS NOT NULL ORDER BY number"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_all(p)
    .await?))
}

/// A "my work" queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WorkQueue {
    /// Drafts (承办人: to draft / returned).
    ToDraft,
    /// Submitted (科室负责人: to review).
    ToReview,
    /// Reviewed (保密审查员).
    ToConfidentialityReview,
    /// Confidentiality-reviewed (审批领导: to approve).
    ToApprove,
    /// Approved (政务公开办公室: to publish).
    ToPublish,
    Scheduled,
    Published,
    Withdrawn,
    Withheld,
}

impl WorkQueue {
    pub fn state(self) -> State {
        match self {
            WorkQueue::ToDraft => State::Draft,
            WorkQueue::ToReview => State::Submitted,
            WorkQueue::ToConfidentialityReview => State::Reviewed,
            WorkQueue::ToApprove => State::ConfidentialityReviewed,
            WorkQueue::ToPublish => State::Approved,
            WorkQueue::Scheduled => State::Scheduled,
            WorkQueue::Published => State::Published,
            WorkQueue::Withdrawn => State::Withdrawn,
            WorkQueue::Withheld => State::Withheld,
        }
    }
}

/// One row of a staff list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct WorkEntry {
    pub id: i64,
    pub org_id: i64,
    pub state: String,
    pub title: String,
    pub index_no: Option<String>,
    pub formed_on: String,
    pub rereview_due: Option<String>,
    pub updated_at: i64,
}

async fn staff_list(
    db: &Db,
    scopes: &[OrgId],
    extra: &str,
    extra_args: Vec<Arg>,
    order: &str,
    limit: i64,
) -> Result<Vec<WorkEntry>> {
    let ids = expand_scopes(db, scopes).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args = extra_args;
    let scope = in_list("i.org_id", &ids, &mut args);
    let sql = format!(
        "SELECT i.id, i.org_id, i.state, r.title, i.index_no, i.formed_on, i.rereview_due, \
         i.updated_at FROM items i JOIN item_revisions r ON r.id = i.current_revision_id \
         WHERE {extra} AND {scope} ORDER BY {order} LIMIT {}",
        limit.clamp(1, 1000)
    );
    Ok(on_db!(db, |p| {
        crate::bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
            .fetch_all(p)
            .await?
    }))
}

/// Items of a queue in organisations inside `scopes` (pass `auth::scopes_for(grants, action)`
/// for the action the queue needs; an empty slice lists nothing), oldest change first.
pub async fn work_list(
    db: &Db,
    scopes: &[OrgId],
    queue: WorkQueue,
    limit: i64,
) -> Result<Vec<WorkEntry>> {
    staff_list(
        db,
        scopes,
        "i.state = $1",
        vec![Arg::S(queue.state().code().to_string())],
        "i.updated_at, i.id",
        limit,
    )
    .await
}

/// The Art. 18 re-review list: withheld items in `scopes` whose re-review is due on or before
/// `due_by` (all withheld items when `None`), earliest first.
pub async fn rereview_list(
    db: &Db,
    scopes: &[OrgId],
    due_by: Option<NaiveDate>,
    limit: i64,
) -> Result<Vec<WorkEntry>> {
    let (extra, args) = match due_by {
        Some(d) => (
            "i.state = $1 AND i.rereview_due <= $2",
            vec![Arg::S(State::Withheld.code().into()), Arg::S(d.to_string())],
        ),
        None => ("i.state = $1", vec![Arg::S(State::Withheld.code().into())]),
    };
    staff_list(db, scopes, extra, args, "i.rereview_due, i.id", limit).await
}

/// Filters of the office's all-items list ([`staff_items`]).
#[derive(Debug, Clone, Default)]
pub struct StaffFilter {
    pub state: Option<State>,
    /// Only this organisation's subtree (it must lie inside the scopes to show anything).
    pub org_id: Option<OrgId>,
    /// Words in the title of the current revision.
    pub q: String,
}

/// Items in any state of organisations inside `scopes`, filtered, most recently changed first.
pub async fn staff_items(
    db: &Db,
    scopes: &[OrgId],
    filter: &StaffFilter,
    limit: i64,
) -> Result<Vec<WorkEntry>> {
    let mut scopes = scopes.to_vec();
    if let Some(unit) = filter.org_id {
        // Narrow to the unit when it lies inside a scope (else nothing).
        let tree = orgs::tree(db).await?;
        scopes = if scopes.iter().any(|s| tree.is_within(unit, *s)) {
            vec![unit]
        } else {
            Vec::new()
        };
    }
    let mut conds = vec!["1 = 1".to_string()];
    let mut args = Vec::new();
    if let Some(state) = filter.state {
        args.push(Arg::S(state.code().to_string()));
        conds.push(format!("i.state = ${}", args.len()));
    }
    let q = filter.q.trim();
    if !q.is_empty() {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        args.push(Arg::S(format!("%{escaped}%")));
        conds.push(format!("r.title LIKE ${} ESCAPE '\\'", args.len()));
    }
    staff_list(
        db,
        &scopes,
        &conds.join(" AND "),
        args,
        "i.updated_at DESC, i.id DESC",
        limit,
    )
    .await
}

/// Items of organisations inside `scopes` that were published after their Art. 26 due date
/// (`published_late`), most recent first.
pub async fn late_published(db: &Db, scopes: &[OrgId], limit: i64) -> Result<Vec<WorkEntry>> {
    staff_list(
        db,
        scopes,
        "i.published_late = TRUE",
        Vec::new(),
        "i.published_at DESC, i.id DESC",
        limit,
    )
    .await
}
