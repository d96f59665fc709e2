//! Interpretation and response (回应解读, issue #5, product.md C13): an information item that
//! explains policy documents (文字解读, 图解, 音视频节目 such as an episode of the radio column
//! 与爱同行 with its episode number and air date) or responds to a hot topic (回应关切). It is
//! an ordinary item (same workflow, review and publication) with an `interpretations` row and
//! links to the documents it explains; each public page shows the other side of the link
//! ([`documents_of`], [`interpretations_of`], both public-only).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::items::{self, catalog::PUBLIC_CONDITION};
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

/// The kind of an interpretation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Text,
    Illustrated,
    Programme,
    HotTopic,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Text,
        Kind::Illustrated,
        Kind::Programme,
        Kind::HotTopic,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Illustrated => "illustrated",
            Kind::Programme => "programme",
            Kind::HotTopic => "hot_topic",
        }
    }
    pub fn from_code(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Text => "文字解读",
            Kind::Illustrated => "图文解读",
            Kind::Programme => "音视频节目",
            Kind::HotTopic => "回应关切",
        }
    }
}

/// An interpretation row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Interpretation {
    pub item_id: i64,
    pub kind: String,
    pub programme: String,
    pub episode_no: Option<i64>,
    pub air_date: Option<String>,
    pub created_by: String,
    pub created_at: i64,
}

impl Interpretation {
    pub fn kind_label(&self) -> &'static str {
        Kind::from_code(&self.kind).map(Kind::label).unwrap_or("")
    }
}

/// What staff enter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    pub kind: Kind,
    /// Programme (栏目) name, required for [`Kind::Programme`].
    pub programme: String,
    pub episode_no: Option<i64>,
    pub air_date: Option<NaiveDate>,
    /// The policy documents explained (item ids); required except for hot-topic responses.
    pub documents: Vec<i64>,
}

/// Field errors, in Chinese.
pub fn validate(input: &Input) -> Vec<(&'static str, String)> {
    let mut e = Vec::new();
    if input.kind == Kind::Programme {
        if input.programme.trim().is_empty() {
            e.push(("programme", "音视频节目须填写栏目名称".to_string()));
        }
        match input.episode_no {
            Some(n) if n >= 1 => {}
            _ => e.push(("episode_no", "请填写期数（正整数）".to_string())),
        }
        if input.air_date.is_none() {
            e.push(("air_date", "请填写播出日期".to_string()));
        }
    }
    if input.kind != Kind::HotTopic && input.documents.is_empty() {
        e.push(("documents", "请至少关联一份被解读的政策文件".to_string()));
    }
    e
}

/// Marks `item_id` as an interpretation (or updates it) and replaces its document links. The
/// caller has checked the right to edit the item (`Action::DraftItem` on its organisation).
pub async fn put(
    tx: &mut Tx,
    actor: &Actor,
    item_id: i64,
    input: &Input,
) -> Result<Interpretation> {
    if let Some((_, msg)) = validate(input).into_iter().next() {
        return Err(StoreError::Invalid(msg));
    }
    items::lock(tx, item_id).await?;
    let mut docs = input.documents.clone();
    docs.sort_unstable();
    docs.dedup();
    for d in &docs {
        if *d == item_id {
            return Err(StoreError::Invalid("解读不能关联自身".into()));
        }
        let exists: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
            "SELECT id FROM items WHERE id = $1"
        )
        .bind(*d)
        .fetch_optional(c)
        .await?);
        if exists.is_none() {
            return Err(StoreError::Invalid(format!(
                "被解读的文件（编号 {d}）不存在"
            )));
        }
    }
    let programme = if input.kind == Kind::Programme {
        input.programme.trim().to_string()
    } else {
        String::new()
    };
    let (episode, air) = if input.kind == Kind::Programme {
        (input.episode_no, input.air_date.map(|d| d.to_string()))
    } else {
        (None, None)
    };
    let row: Interpretation = on_tx!(tx, |c| {
        sqlx::query_as(
        "INSERT INTO interpretations (item_id, kind, programme, episode_no, air_date, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (item_id) DO UPDATE SET \
         kind = $2, programme = $3, episode_no = $4, air_date = $5 \
         RETURNING item_id, kind, programme, episode_no, air_date, created_by, created_at"
    )
    .bind(item_id)
    .bind(input.kind.code())
    .bind(&programme)
    .bind(episode)
    .bind(&air)
    .bind(&actor.label)
    .bind(now_ms())
    .fetch_one(c)
    .await?
    });
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM interpretation_links WHERE interpretation_id = $1"
    )
    .bind(item_id)
    .execute(c)
    .await?
    .rows_affected());
    for d in &docs {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO interpretation_links (interpretation_id, document_id) VALUES ($1, $2)"
        )
        .bind(item_id)
        .bind(*d)
        .execute(c)
        .await?
        .rows_affected());
    }
    // Search labels interpretations 解读 (issue #8): the item's document changes.
    crate::search::enqueue(tx, crate::search::KIND_ITEM, item_id).await?;
    audit::append(
        tx,
        actor,
        Change {
            action: "interpretation.put",
            object_type: items::OBJECT_TYPE,
            object_id: item_id.to_string(),
            before: None,
            after: Some(json!({"interpretation": row, "documents": docs})),
        },
    )
    .await?;
    Ok(row)
}

/// The interpretation row of an item, if it is one.
pub async fn get(db: &Db, item_id: i64) -> Result<Option<Interpretation>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT item_id, kind, programme, episode_no, air_date, created_by, created_at \
         FROM interpretations WHERE item_id = $1"
    )
    .bind(item_id)
    .fetch_optional(p)
    .await?))
}

/// A public link to show on an item page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Link {
    pub id: i64,
    pub title: String,
    pub published_on: String,
    /// The interpretation kind code (empty for documents).
    pub kind: String,
}

impl Link {
    pub fn kind_label(&self) -> &'static str {
        Kind::from_code(&self.kind).map(Kind::label).unwrap_or("")
    }
}

/// The PUBLIC documents an interpretation explains.
pub async fn documents_of(db: &Db, interpretation_id: i64) -> Result<Vec<Link>> {
    let sql = format!(
        "SELECT i.id, r.title, COALESCE(i.published_on, '') AS published_on, '' AS kind \
         FROM interpretation_links l JOIN items i ON i.id = l.document_id \
         JOIN item_revisions r ON r.id = i.published_revision_id \
         WHERE l.interpretation_id = $2 AND {PUBLIC_CONDITION} ORDER BY i.published_on, i.id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(now_ms())
    .bind(interpretation_id)
    .fetch_all(p)
    .await?))
}

/// The PUBLIC interpretations of a document.
pub async fn interpretations_of(db: &Db, document_id: i64) -> Result<Vec<Link>> {
    let sql = format!(
        "SELECT i.id, r.title, COALESCE(i.published_on, '') AS published_on, t.kind \
         FROM interpretation_links l JOIN interpretations t ON t.item_id = l.interpretation_id \
         JOIN items i ON i.id = l.interpretation_id \
         JOIN item_revisions r ON r.id = i.published_revision_id \
         WHERE l.document_id = $2 AND {PUBLIC_CONDITION} ORDER BY i.published_on, i.id"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(now_ms())
    .bind(document_id)
    .fetch_all(p)
    .await?))
}

/// Published interpretations per kind in a period (by 发布日期), every kind listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindCount {
    pub kind: Kind,
    pub count: i64,
}

pub async fn counts(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<Vec<KindCount>> {
    let rows: Vec<(String, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT t.kind, COUNT(*) FROM interpretations t JOIN items i ON i.id = t.item_id \
         WHERE i.published_on BETWEEN $1 AND $2 GROUP BY t.kind"
    )
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(p)
    .await?);
    Ok(Kind::ALL
        .into_iter()
        .map(|k| KindCount {
            kind: k,
            count: rows
                .iter()
                .find(|(c, _)| c == k.code())
                .map(|(_, n)| *n)
                .unwrap_or(0),
        })
        .collect())
}

/// Episodes of a programme aired in a period (e.g. 与爱同行 in 2019).
pub async fn episodes(db: &Db, programme: &str, from: NaiveDate, to: NaiveDate) -> Result<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM interpretations t JOIN items i ON i.id = t.item_id \
         WHERE t.kind = 'programme' AND t.programme = $1 AND t.air_date BETWEEN $2 AND $3 \
         AND i.published_on IS NOT NULL"
    )
    .bind(programme)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_one(p)
    .await?))
}

/// Interpretation totals of a year for the annual report (issue #9).
pub async fn year_totals(db: &Db, year: i32) -> Result<Vec<KindCount>> {
    let (from, to) = crate::grassroots::year_range(year)?;
    counts(db, from, to).await
}
