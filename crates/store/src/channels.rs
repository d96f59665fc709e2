//! Channels (issue #5, product.md C5): website columns (网站栏目) and WeChat official-account
//! sections (微信公众号板块), defined by administrators. A published item can be placed in several
//! channels, each placement with its own publication date; counts per channel and period; a
//! WeChat-ready export of an item ([`wechat_article`], [`WechatArticle::to_zip`]) handed to a
//! [`Transport`] — while the system has no network, only [`ExportTransport`] (a download) exists.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use gongkai_core::filetype::FileKind;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::attachments::{self, Owner};
use crate::audit::{self, Actor, Change};
use crate::items;
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};
use gongkai_core::items::State;

/// The kind of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Website,
    Wechat,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Website, Kind::Wechat];
    pub fn code(self) -> &'static str {
        match self {
            Kind::Website => "website",
            Kind::Wechat => "wechat",
        }
    }
    pub fn from_code(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Website => "网站栏目",
            Kind::Wechat => "微信公众号板块",
        }
    }
}

/// A channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Channel {
    pub id: i64,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub description: String,
    pub sort_order: i64,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Channel {
    pub fn kind_label(&self) -> &'static str {
        Kind::from_code(&self.kind).map(Kind::label).unwrap_or("")
    }
}

const COLUMNS: &str =
    "id, kind, code, name, description, sort_order, active, created_at, updated_at";

/// What an administrator enters for a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelInput {
    pub kind: Kind,
    pub code: String,
    pub name: String,
    pub description: String,
    pub sort_order: i64,
    pub active: bool,
}

/// Field errors of a channel input, in Chinese, keyed by field name.
pub fn validate(input: &ChannelInput) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    let code = input.code.trim();
    if code.is_empty() {
        errors.push(("code", "请填写代码".to_string()));
    } else if code.len() > 40
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        errors.push((
            "code",
            "代码只能由小写字母、数字和连字符组成，最多 40 个字符".to_string(),
        ));
    }
    let name = input.name.trim();
    if name.is_empty() {
        errors.push(("name", "请填写名称".to_string()));
    } else if name.chars().count() > 40 {
        errors.push(("name", "名称过长（最多 40 字）".to_string()));
    }
    if input.description.chars().count() > 500 {
        errors.push(("description", "说明过长（最多 500 字）".to_string()));
    }
    errors
}

/// Creates (`id = None`) or updates a channel.
pub async fn put(
    tx: &mut Tx,
    actor: &Actor,
    id: Option<i64>,
    input: &ChannelInput,
) -> Result<Channel> {
    if let Some((_, msg)) = validate(input).into_iter().next() {
        return Err(StoreError::Invalid(msg));
    }
    let now = now_ms();
    let before = match id {
        Some(id) => Some(get_tx(tx, id).await?),
        None => None,
    };
    let res = match id {
        None => {
            let sql = format!(
                "INSERT INTO channels (kind, code, name, description, sort_order, active, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
                 RETURNING {COLUMNS}"
            );
            on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(input.kind.code())
                .bind(input.code.trim())
                .bind(input.name.trim())
                .bind(input.description.trim())
                .bind(input.sort_order)
                .bind(input.active)
                .bind(now)
                .fetch_one(c)
                .await)
        }
        Some(id) => {
            let sql = format!(
                "UPDATE channels SET kind = $2, code = $3, name = $4, description = $5, \
                 sort_order = $6, active = $7, updated_at = $8 WHERE id = $1 RETURNING {COLUMNS}"
            );
            on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .bind(input.kind.code())
                .bind(input.code.trim())
                .bind(input.name.trim())
                .bind(input.description.trim())
                .bind(input.sort_order)
                .bind(input.active)
                .bind(now)
                .fetch_one(c)
                .await)
        }
    };
    let channel: Channel = res.map_err(|e| match StoreError::from(e) {
        e if e.is_unique_violation() => {
            StoreError::Conflict(format!("代码“{}”已被其他渠道使用", input.code.trim()))
        }
        e => e,
    })?;
    audit::append(
        tx,
        actor,
        Change {
            action: if before.is_some() {
                "channel.update"
            } else {
                "channel.create"
            },
            object_type: "channel",
            object_id: channel.id.to_string(),
            before: before.map(|b| serde_json::to_value(b).unwrap_or_default()),
            after: Some(serde_json::to_value(&channel)?),
        },
    )
    .await?;
    Ok(channel)
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Channel> {
    let sql = format!("SELECT {COLUMNS} FROM channels WHERE id = $1");
    let c: Option<Channel> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(c)
        .await?);
    c.ok_or_else(|| StoreError::NotFound("渠道不存在".into()))
}

/// One channel.
pub async fn get(db: &Db, id: i64) -> Result<Option<Channel>> {
    let sql = format!("SELECT {COLUMNS} FROM channels WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?))
}

/// Every channel, website columns first, in their order.
pub async fn list(db: &Db, active_only: bool) -> Result<Vec<Channel>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM channels {} ORDER BY CASE kind WHEN 'website' THEN 0 ELSE 1 END, sort_order, id",
        if active_only {
            "WHERE active = TRUE"
        } else {
            ""
        }
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.clone()
    ))
    .fetch_all(p)
    .await?))
}

/// Places a published item in a channel with the channel's publication date (re-placing
/// changes the date). The channel must be active.
pub async fn place(
    tx: &mut Tx,
    actor: &Actor,
    item_id: i64,
    channel_id: i64,
    published_on: NaiveDate,
) -> Result<()> {
    let channel = get_tx(tx, channel_id).await?;
    if !channel.active {
        return Err(StoreError::Conflict(format!(
            "渠道“{}”已停用",
            channel.name
        )));
    }
    let item = items::lock(tx, item_id).await?;
    if item.state()? != State::Published {
        return Err(StoreError::Conflict(
            "只有已发布的信息才能推送到栏目或公众号".into(),
        ));
    }
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO item_channels (item_id, channel_id, published_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (item_id, channel_id) \
         DO UPDATE SET published_on = $3"
    )
    .bind(item_id)
    .bind(channel_id)
    .bind(published_on.to_string())
    .bind(&actor.label)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        tx,
        actor,
        Change {
            action: "channel.place",
            object_type: "item",
            object_id: item_id.to_string(),
            before: None,
            after: Some(json!({"channel": channel.code, "published_on": published_on.to_string()})),
        },
    )
    .await?;
    Ok(())
}

/// Removes an item from a channel.
pub async fn remove(tx: &mut Tx, actor: &Actor, item_id: i64, channel_id: i64) -> Result<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "DELETE FROM item_channels WHERE item_id = $1 AND channel_id = $2"
    )
    .bind(item_id)
    .bind(channel_id)
    .execute(c)
    .await?
    .rows_affected());
    if n == 0 {
        return Err(StoreError::NotFound("该信息不在此渠道中".into()));
    }
    audit::append(
        tx,
        actor,
        Change {
            action: "channel.remove",
            object_type: "item",
            object_id: item_id.to_string(),
            before: Some(json!({"channel_id": channel_id})),
            after: None,
        },
    )
    .await?;
    Ok(())
}

/// A placement of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Placement {
    pub channel_id: i64,
    pub name: String,
    pub kind: String,
    pub published_on: String,
}

/// The channels an item is in.
pub async fn of_item(db: &Db, item_id: i64) -> Result<Vec<Placement>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT c.id AS channel_id, c.name, c.kind, ic.published_on FROM item_channels ic \
         JOIN channels c ON c.id = ic.channel_id WHERE ic.item_id = $1 \
         ORDER BY CASE c.kind WHEN 'website' THEN 0 ELSE 1 END, c.sort_order, c.id"
    )
    .bind(item_id)
    .fetch_all(p)
    .await?))
}

/// Count of placements of one channel in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ChannelCount {
    pub channel_id: i64,
    pub name: String,
    pub kind: String,
    pub count: i64,
}

/// Placements per channel with a channel publication date in `from..=to`, every channel listed.
pub async fn counts(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<Vec<ChannelCount>> {
    counts_in(db, from, to, None).await
}

/// [`counts`] restricted to items of the organisations `orgs` (already expanded; `None` = every
/// item): the statistics dashboard's "by channel" within a user's scope.
pub async fn counts_in(
    db: &Db,
    from: NaiveDate,
    to: NaiveDate,
    orgs: Option<&[i64]>,
) -> Result<Vec<ChannelCount>> {
    let mut args = vec![
        crate::items::catalog::Arg::S(from.to_string()),
        crate::items::catalog::Arg::S(to.to_string()),
    ];
    let scope = match orgs {
        None => String::new(),
        Some([]) => " AND 1 = 0".to_string(),
        Some(ids) => format!(
            " AND ic.item_id IN (SELECT i.id FROM items i WHERE {})",
            crate::items::catalog::in_list("i.org_id", ids, &mut args)
        ),
    };
    let sql = format!(
        "SELECT c.id AS channel_id, c.name, c.kind, COUNT(ic.item_id) AS count FROM channels c \
         LEFT JOIN item_channels ic ON ic.channel_id = c.id AND ic.published_on BETWEEN $1 AND $2{scope} \
         GROUP BY c.id, c.name, c.kind, c.sort_order ORDER BY CASE c.kind WHEN 'website' THEN 0 ELSE 1 END, c.sort_order, c.id"
    );
    Ok(on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for a in &args {
            q = match a {
                crate::items::catalog::Arg::I(v) => q.bind(*v),
                crate::items::catalog::Arg::S(v) => q.bind(v.clone()),
            };
        }
        q.fetch_all(p).await?
    }))
}

/// Channel totals of a year for the annual report (issue #9): per channel, and the sum per kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearTotals {
    pub year: i32,
    pub channels: Vec<ChannelCount>,
    pub website: i64,
    pub wechat: i64,
}

pub async fn year_totals(db: &Db, year: i32) -> Result<YearTotals> {
    let (from, to) = crate::grassroots::year_range(year)?;
    let channels = counts(db, from, to).await?;
    let sum = |k: Kind| {
        channels
            .iter()
            .filter(|c| c.kind == k.code())
            .map(|c| c.count)
            .sum()
    };
    Ok(YearTotals {
        year,
        website: sum(Kind::Website),
        wechat: sum(Kind::Wechat),
        channels,
    })
}

/// A WeChat-ready article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WechatArticle {
    pub item_id: i64,
    pub title: String,
    /// At most 120 characters.
    pub digest: String,
    pub author: String,
    /// Cover image file name and bytes (the item's first image attachment), if any.
    #[serde(skip)]
    pub cover: Option<(String, Vec<u8>)>,
    /// Body in the editor's markup, inline styles only.
    pub content_html: String,
    /// The public page of the item (原文链接), relative to the portal.
    pub source_path: String,
}

/// Builds the WeChat article of a PUBLISHED item (the public text).
pub async fn wechat_article(db: &Db, data_dir: &Path, item_id: i64) -> Result<WechatArticle> {
    let Some(p) = items::catalog::get_published(db, &crate::sites::Scope::All, item_id).await?
    else {
        return Err(StoreError::NotFound(
            "只有已公开的信息才能导出为公众号文章".into(),
        ));
    };
    let rev = &p.revision;
    let files = attachments::list_for(
        db,
        Owner {
            owner_type: items::OBJECT_TYPE,
            owner_id: item_id,
        },
    )
    .await?;
    let cover = match files
        .iter()
        .find(|a| a.kind().is_some_and(FileKind::is_image))
    {
        Some(a) => attachments::read_verified(data_dir, &a.sha256)
            .ok()
            .map(|bytes| (a.filename.clone(), bytes)),
        None => None,
    };
    let text = gongkai_core::richtext::to_plain_text(&rev.body_html);
    Ok(WechatArticle {
        item_id,
        title: rev.title.clone(),
        digest: gongkai_core::wechat::digest(&rev.summary, &text),
        author: p.item.publisher_name.clone(),
        cover,
        content_html: gongkai_core::wechat::to_wechat_html(&rev.body_html),
        source_path: format!("/items/{item_id}"),
    })
}

impl WechatArticle {
    /// The download: `article.json` (title, digest, author, cover file, source path — the
    /// fields of the editor's draft), `content.html` (the body to paste) and the cover image.
    pub fn to_zip(&self) -> Result<Vec<u8>> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            let cover_name = self.cover.as_ref().map(|(name, _)| format!("cover-{name}"));
            let meta = json!({
                "title": self.title,
                "digest": self.digest,
                "author": self.author,
                "cover": cover_name,
                "content": "content.html",
                "content_source_path": self.source_path,
            });
            z.start_file("article.json", opts).map_err(zip_err)?;
            z.write_all(serde_json::to_string_pretty(&meta)?.as_bytes())?;
            z.start_file("content.html", opts).map_err(zip_err)?;
            z.write_all(self.content_html.as_bytes())?;
            if let (Some(name), Some((_, bytes))) = (cover_name, &self.cover) {
                z.start_file(name, opts).map_err(zip_err)?;
                z.write_all(bytes)?;
            }
            z.finish().map_err(zip_err)?;
        }
        Ok(buf.into_inner())
    }
}

pub(crate) fn zip_err(e: zip::result::ZipError) -> StoreError {
    StoreError::Io(std::io::Error::other(e.to_string()))
}

/// What a transport did with an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// A file for the person to download and paste into the editor.
    Download { filename: String, bytes: Vec<u8> },
    /// Posted to the platform (a future API transport), with the platform's id.
    Posted { remote_id: String },
}

/// Posting an article to a WeChat official account. The only implementation while the system
/// has no network is [`ExportTransport`]; an API transport (draft/add + freepublish/submit)
/// would implement the same trait.
pub trait Transport {
    /// Stable code of the transport.
    fn code(&self) -> &'static str;
    fn deliver(&self, article: &WechatArticle) -> Result<Delivery>;
}

/// The export transport: a ZIP download ([`WechatArticle::to_zip`]).
pub struct ExportTransport;

impl Transport for ExportTransport {
    fn code(&self) -> &'static str {
        "export"
    }
    fn deliver(&self, article: &WechatArticle) -> Result<Delivery> {
        Ok(Delivery::Download {
            filename: format!("wechat-item-{}.zip", article.item_id),
            bytes: article.to_zip()?,
        })
    }
}
