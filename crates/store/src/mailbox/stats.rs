//! Statistics of a year's messages (issue #7; product.md C8; REG §4.4 "留言受理反馈情况统计数据";
//! the annual report's 回应解读 narrative, issue #9): counts by box, topic, department and month,
//! reply rate, median and maximum reply time in working days, the share answered in time, and
//! satisfaction. Messages count in the year they were received (CST date). A message converted
//! into a disclosure application counts as received and as `converted`, never as answered; the
//! reply rate leaves it out (see `convert`).

use std::collections::BTreeMap;

use gongkai_core::mailbox::{Rating, median_tenths, per_mille};
use gongkai_core::org::OrgId;
use serde::Serialize;

use super::boxes::{list_boxes, list_topics};
use crate::items::catalog::{Arg, expand_scopes, in_list};
use crate::{Db, Result, on_db, orgs};

/// One labelled count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: i64,
}

/// A year's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearStats {
    pub year: i32,
    /// Messages received in the year.
    pub total: i64,
    pub by_box: Vec<Count>,
    pub by_topic: Vec<Count>,
    /// By the department the message was (last) forwarded to; key `""` = not forwarded.
    pub by_dept: Vec<Count>,
    /// January … December.
    pub by_month: Vec<i64>,
    /// Answered (a reply was sent).
    pub replied: i64,
    /// Answered within the deadline in force.
    pub in_time: i64,
    /// `in_time / replied` in per mille.
    pub in_time_per_mille: Option<i64>,
    /// `replied / (total - converted)` in per mille.
    pub reply_rate_per_mille: Option<i64>,
    /// Median reply time in tenths of a working day.
    pub median_reply_tenths: Option<i64>,
    /// Longest reply time in working days.
    pub max_reply_days: Option<i64>,
    pub satisfied: i64,
    pub fair: i64,
    pub unsatisfied: i64,
    /// Handled as 信访.
    pub petitions: i64,
    /// Converted into disclosure applications (answered through that procedure: neither
    /// replied nor late here, and left out of the reply rate; see `convert`).
    pub converted: i64,
    /// Published Q&A.
    pub published: i64,
}

impl YearStats {
    /// Ratings given.
    pub fn rated(&self) -> i64 {
        self.satisfied + self.fair + self.unsatisfied
    }

    /// (满意 + 基本满意) / rated, in per mille.
    pub fn satisfaction_per_mille(&self) -> Option<i64> {
        per_mille(self.satisfied + self.fair, self.rated())
    }

    /// The count of the box with code `code` (0 when none).
    pub fn box_count(&self, code: &str) -> i64 {
        self.by_box
            .iter()
            .find(|c| c.key == code)
            .map_or(0, |c| c.count)
    }
}

type Row = (
    i64,
    String,
    Option<i64>,
    String,
    Option<i64>,
    Option<i64>,
    bool,
    Option<String>,
    String,
    String,
    Option<i64>,
);

/// The statistics of `year`: of boxes whose organisation lies in `scopes` (staff), or of all
/// messages (`None`: the portal's public statistics and the annual report of the whole body).
pub async fn year_statistics(db: &Db, scopes: Option<&[OrgId]>, year: i32) -> Result<YearStats> {
    let mut args = vec![
        Arg::S(format!("{year:04}-01-01")),
        Arg::S(format!("{:04}-01-01", year + 1)),
    ];
    let mut cond = "received_on >= $1 AND received_on < $2".to_string();
    if let Some(scopes) = scopes {
        let ids = expand_scopes(db, scopes).await?;
        if ids.is_empty() {
            cond.push_str(" AND 1 = 0");
        } else {
            cond.push_str(" AND ");
            cond.push_str(&in_list("org_id", &ids, &mut args));
        }
    }
    let sql = format!(
        "SELECT box_id, topic_code, dept_id, received_on, replied_at, reply_days, in_time, \
         rating, kind, publication, application_id FROM mailbox_messages WHERE {cond}"
    );
    let rows: Vec<Row> = on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_all(p).await?
    });
    let boxes = list_boxes(db).await?;
    let topics = list_topics(db).await?;
    let org_names: BTreeMap<i64, String> = orgs::list(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.short_name))
        .collect();

    let mut by_box: BTreeMap<i64, i64> = BTreeMap::new();
    let mut by_topic: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_dept: BTreeMap<Option<i64>, i64> = BTreeMap::new();
    let mut by_month = vec![0i64; 12];
    let mut s = YearStats {
        year,
        total: 0,
        by_box: Vec::new(),
        by_topic: Vec::new(),
        by_dept: Vec::new(),
        by_month: Vec::new(),
        replied: 0,
        in_time: 0,
        in_time_per_mille: None,
        reply_rate_per_mille: None,
        median_reply_tenths: None,
        max_reply_days: None,
        satisfied: 0,
        fair: 0,
        unsatisfied: 0,
        petitions: 0,
        converted: 0,
        published: 0,
    };
    let mut times = Vec::new();
    for (box_id, topic, dept, received_on, replied_at, days, in_time, rating, kind, public, app) in
        rows
    {
        s.total += 1;
        *by_box.entry(box_id).or_default() += 1;
        *by_topic.entry(topic).or_default() += 1;
        *by_dept.entry(dept).or_default() += 1;
        if let Some(m) = received_on
            .get(5..7)
            .and_then(|m| m.parse::<usize>().ok())
            .filter(|m| (1..=12).contains(m))
        {
            by_month[m - 1] += 1;
        }
        if replied_at.is_some() {
            s.replied += 1;
            if in_time {
                s.in_time += 1;
            }
            if let Some(d) = days {
                times.push(d);
            }
        }
        match rating.as_deref().and_then(Rating::from_code) {
            Some(Rating::Satisfied) => s.satisfied += 1,
            Some(Rating::Fair) => s.fair += 1,
            Some(Rating::Unsatisfied) => s.unsatisfied += 1,
            None => {}
        }
        if kind == "petition" {
            s.petitions += 1;
        }
        if app.is_some() {
            s.converted += 1;
        }
        if public == "published" {
            s.published += 1;
        }
    }
    s.by_month = by_month;
    s.in_time_per_mille = per_mille(s.in_time, s.replied);
    s.reply_rate_per_mille = per_mille(s.replied, s.total - s.converted);
    s.median_reply_tenths = median_tenths(&times);
    s.max_reply_days = times.iter().copied().max();
    // Boxes and topics in their display order (every defined one, zero counts included).
    s.by_box = boxes
        .iter()
        .map(|b| Count {
            key: b.code.clone(),
            label: b.name.clone(),
            count: by_box.get(&b.id).copied().unwrap_or(0),
        })
        .collect();
    s.by_topic = topics
        .iter()
        .map(|t| Count {
            key: t.code.clone(),
            label: t.label.clone(),
            count: by_topic.remove(&t.code).unwrap_or(0),
        })
        .collect();
    for (code, count) in by_topic {
        s.by_topic.push(Count {
            label: code.clone(),
            key: code,
            count,
        });
    }
    s.by_dept = by_dept
        .into_iter()
        .map(|(d, count)| Count {
            key: d.map(|d| d.to_string()).unwrap_or_default(),
            label: d
                .and_then(|d| org_names.get(&d).cloned())
                .unwrap_or_else(|| "（尚未转办）".into()),
            count,
        })
        .collect();
    Ok(s)
}
