//! The statistics dashboard of the console (issue #9, product.md C12): a year's publication by
//! month, organisation and channel, syndication adoption, applications by outcome and by
//! timeliness, and mailbox reply times — every figure counted in SQL over the organisations of
//! the user's scope (or one organisation's subtree inside it).
//!
//! It reuses the counting that exists: channel placements (`channels::counts_in`), syndication
//! totals (`syndication::totals_in`) and the mailbox's year statistics
//! (`mailbox::stats::year_statistics`: reply rate, in-time share, median and longest reply
//! time). What it adds are the groupings no other page has (month, organisation, outcome,
//! timeliness, reply-time distribution).
//!
//! **Rules.**
//! - Publication counts items by their 发布日期 (`published_on`, CST), like the annual report's
//!   facts.
//! - Outcomes count requested items (一事一申请) by decision date (REG §3.3: the item is the
//!   counting unit), under their table-3 row.
//! - Timeliness counts applications received in the year (Art. 31 receipt date): answered on or
//!   before the reply deadline in the register (条例 Art. 33, with suspensions and extension
//!   applied), answered after it, not answered with the deadline passed (open overdue), and the
//!   rest (still running, or closed without a reply such as （六）1/（六）2).
//! - Mailbox reply times are working days (`mailbox_messages.reply_days`) of messages received in
//!   the year and answered.

use chrono::NaiveDate;
use gongkai_core::applications::Outcome;
use gongkai_core::org::OrgId;
use serde::Serialize;

use crate::channels::ChannelCount;
use crate::items::catalog::{Arg, expand_scopes, in_list};
use crate::mailbox::stats::{Count, YearStats, year_statistics};
use crate::syndication::TargetTotals;
use crate::{Db, Result, on_db, orgs};

/// Applications received in the year by how their reply deadline went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Timeliness {
    pub received: i64,
    /// Answered on or before the reply deadline.
    pub on_time: i64,
    /// Answered after it.
    pub late: i64,
    /// Not answered, and the reply deadline has passed.
    pub open_overdue: i64,
    /// Everything else: the clock still runs, or the case closed without a reply.
    pub other: i64,
}

/// Bands of mailbox reply times in working days: (key, label, upper bound inclusive).
pub const REPLY_BANDS: [(&str, &str, Option<i64>); 5] = [
    ("d1", "1个工作日内", Some(1)),
    ("d3", "2至3个工作日", Some(3)),
    ("d5", "4至5个工作日", Some(5)),
    ("d10", "6至10个工作日", Some(10)),
    ("more", "10个工作日以上", None),
];

/// The dashboard's figures of one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    pub year: i32,
    /// Items published, January … December.
    pub by_month: Vec<i64>,
    /// Items published per organisation (only organisations that published), most first.
    pub by_org: Vec<Count>,
    /// Placements per channel (every channel).
    pub by_channel: Vec<ChannelCount>,
    /// Submitted and adopted items per syndication target (every target).
    pub syndication: Vec<TargetTotals>,
    /// Requested items decided in the year per table-3 outcome (only outcomes that occur, in
    /// table-3 order).
    pub outcomes: Vec<Count>,
    pub timeliness: Timeliness,
    /// The mailbox's year statistics over the same scope.
    pub mailbox: YearStats,
    /// Answered messages per [`REPLY_BANDS`] band (every band).
    pub reply_times: Vec<Count>,
}

impl Dashboard {
    pub fn published(&self) -> i64 {
        self.by_month.iter().sum()
    }
}

/// The figures of `year` over the subtrees `scopes` (pass `auth::scopes_for(grants,
/// Action::ViewStatistics)`, or one organisation the user may see; empty = nothing), with
/// `today` (CST) deciding which open deadlines have passed.
pub async fn dashboard(
    db: &Db,
    scopes: &[OrgId],
    year: i32,
    today: NaiveDate,
) -> Result<Dashboard> {
    let (from, to) = crate::grassroots::year_range(year)?;
    let ids = expand_scopes(db, scopes).await?;
    let range = || vec![Arg::S(from.to_string()), Arg::S(to.to_string())];
    let scoped = |col: &str, args: &mut Vec<Arg>| {
        if ids.is_empty() {
            "1 = 0".to_string()
        } else {
            in_list(col, &ids, args)
        }
    };

    // Publication by month and by organisation.
    let mut args = range();
    let s = scoped("org_id", &mut args);
    let sql = format!(
        "SELECT SUBSTR(published_on, 6, 2), COUNT(*) FROM items \
         WHERE published_on BETWEEN $1 AND $2 AND {s} GROUP BY SUBSTR(published_on, 6, 2)"
    );
    let months: Vec<(String, i64)> = on_db!(db, |p| crate::bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())),
        &args
    )
    .fetch_all(p)
    .await?);
    let mut by_month = vec![0i64; 12];
    for (m, n) in months {
        if let Some(i) = m.parse::<usize>().ok().filter(|m| (1..=12).contains(m)) {
            by_month[i - 1] += n;
        }
    }
    let sql = format!(
        "SELECT org_id, COUNT(*) FROM items WHERE published_on BETWEEN $1 AND $2 AND {s} \
         GROUP BY org_id"
    );
    let per_org: Vec<(i64, i64)> = on_db!(db, |p| crate::bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())),
        &args
    )
    .fetch_all(p)
    .await?);
    let all_orgs = orgs::list(db).await?;
    let mut by_org: Vec<Count> = per_org
        .into_iter()
        .map(|(id, n)| Count {
            key: id.to_string(),
            label: all_orgs
                .iter()
                .find(|o| o.id == id)
                .map_or_else(|| format!("机构 {id}"), |o| o.short_name.clone()),
            count: n,
        })
        .collect();
    by_org.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));

    let by_channel = crate::channels::counts_in(db, from, to, Some(&ids)).await?;
    let syndication = crate::syndication::totals_in(db, from, to, Some(&ids)).await?;

    // Outcomes by decision date, per requested item.
    let mut args = range();
    let s = scoped("a.org_id", &mut args);
    let sql = format!(
        "SELECT ai.outcome, COUNT(*) FROM application_items ai \
         JOIN applications a ON a.id = ai.application_id \
         WHERE ai.decided_on BETWEEN $1 AND $2 AND ai.outcome IS NOT NULL AND {s} \
         GROUP BY ai.outcome"
    );
    let per_outcome: Vec<(String, i64)> = on_db!(db, |p| crate::bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())),
        &args
    )
    .fetch_all(p)
    .await?);
    let mut outcomes: Vec<(usize, Count)> = per_outcome
        .into_iter()
        .map(|(code, n)| match Outcome::from_code(&code) {
            Some(o) => (
                o.index(),
                Count {
                    key: code,
                    label: o.label(),
                    count: n,
                },
            ),
            None => (
                usize::MAX,
                Count {
                    label: format!("其他（{code}）"),
                    key: code,
                    count: n,
                },
            ),
        })
        .collect();
    outcomes.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.key.cmp(&b.1.key)));
    let outcomes = outcomes.into_iter().map(|(_, c)| c).collect();

    // Timeliness of applications received in the year (reply deadline of the register).
    let mut args = range();
    args.push(Arg::S(today.to_string()));
    let s = scoped("a.org_id", &mut args);
    let sql = format!(
        "SELECT COUNT(*), \
         CAST(COALESCE(SUM(CASE WHEN a.replied_on IS NOT NULL AND (d.due_date IS NULL \
           OR a.replied_on <= d.due_date) THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN a.replied_on IS NOT NULL AND d.due_date IS NOT NULL \
           AND a.replied_on > d.due_date THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN a.replied_on IS NULL AND d.status = 'open' \
           AND d.due_date < $3 THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM applications a LEFT JOIN deadlines d ON d.object_type = 'application' \
           AND d.object_id = a.id AND d.kind = 'reply' \
         WHERE a.received_on BETWEEN $1 AND $2 AND {s}"
    );
    let (received, on_time, late, open_overdue): (i64, i64, i64, i64) =
        on_db!(db, |p| crate::bind_args!(
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())),
            &args
        )
        .fetch_one(p)
        .await?);
    let timeliness = Timeliness {
        received,
        on_time,
        late,
        open_overdue,
        other: received - on_time - late - open_overdue,
    };

    // Mailbox: the year statistics, and reply times in bands.
    let mailbox = year_statistics(db, Some(scopes), year).await?;
    let mut args = vec![
        Arg::S(format!("{year:04}-01-01")),
        Arg::S(format!("{:04}-01-01", year + 1)),
    ];
    let s = scoped("org_id", &mut args);
    let sql = format!(
        "SELECT CASE WHEN reply_days <= 1 THEN 'd1' WHEN reply_days <= 3 THEN 'd3' \
         WHEN reply_days <= 5 THEN 'd5' WHEN reply_days <= 10 THEN 'd10' ELSE 'more' END, \
         COUNT(*) FROM mailbox_messages WHERE received_on >= $1 AND received_on < $2 \
         AND replied_at IS NOT NULL AND reply_days IS NOT NULL AND {s} GROUP BY 1"
    );
    let bands: Vec<(String, i64)> = on_db!(db, |p| crate::bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())),
        &args
    )
    .fetch_all(p)
    .await?);
    let reply_times = REPLY_BANDS
        .iter()
        .map(|(key, label, _)| Count {
            key: (*key).to_string(),
            label: (*label).to_string(),
            count: bands
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, n)| *n)
                .sum(),
        })
        .collect();

    Ok(Dashboard {
        year,
        by_month,
        by_org,
        by_channel,
        syndication,
        outcomes,
        timeliness,
        mailbox,
        reply_times,
    })
}
