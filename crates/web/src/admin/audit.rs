//! 审计日志: the audit view for auditors (product.md C1).
//!
//! Rule: reading needs `ViewAudit`, exporting `ExportAudit`; both are deployment-wide actions, so
//! only an auditor scoped at a root of the organisation tree gets in. Records are filtered in the
//! database (actor, action, object type/id, a date range in China Standard Time), newest first,
//! paged by `before_id`. The CSV export streams the same filtered records page by page (UTF-8 with
//! a BOM so that spreadsheet software reads the Chinese correctly) and is itself audited. The
//! chain check runs `audit::verify` over the whole log.

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::export::csv_line;
use crate::extract::Query;
use crate::page::{Layout, render, render_with_status};
use crate::session::Staff;
use askama::Template;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{FixedOffset, NaiveDate, TimeZone};
use gongkai_core::auth::Action;
use gongkai_store::audit::{self, AuditRecord, Change, Filter};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(list_audit))
        .route("/audit/export.csv", get(export_audit))
        .route("/audit/verify", get(show_verify))
}

/// Records per page on screen, and per database round trip in the export.
const PAGE: i64 = 50;
const EXPORT_PAGE: i64 = 1000;

/// The filter as typed in the form (kept as text so bad input can be shown back).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    object_type: String,
    #[serde(default)]
    object_id: String,
    /// First day, `YYYY-MM-DD` in CST, inclusive.
    #[serde(default)]
    from: String,
    /// Last day, `YYYY-MM-DD` in CST, inclusive.
    #[serde(default)]
    to: String,
    #[serde(default)]
    before_id: String,
    /// `1`: security events only (logins, lockouts, permissions, exports, keys).
    #[serde(default)]
    security: String,
}

fn china() -> Option<FixedOffset> {
    FixedOffset::east_opt(8 * 3600)
}

/// Milliseconds UTC of 00:00 China Standard Time on `date`.
fn cst_midnight_ms(date: NaiveDate) -> Option<i64> {
    let midnight = date.and_hms_opt(0, 0, 0)?;
    china()?
        .from_local_datetime(&midnight)
        .single()
        .map(|t| t.timestamp_millis())
}

/// A timestamp in CST to the second, e.g. `2019-03-31 09:30:05`.
fn cst_seconds(ms: i64) -> String {
    match (chrono::DateTime::from_timestamp_millis(ms), china()) {
        (Some(t), Some(tz)) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string(),
        _ => String::new(),
    }
}

impl AuditQuery {
    /// The store filter, or field errors in Chinese.
    fn to_filter(&self, limit: i64) -> Result<Filter, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let mut date = |field: &'static str, value: &str| -> Option<NaiveDate> {
            let v = value.trim();
            if v.is_empty() {
                return None;
            }
            match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push((
                        field,
                        "日期格式应为 YYYY-MM-DD，例如 2019-03-31".to_string(),
                    ));
                    None
                }
            }
        };
        let from = date("from", &self.from);
        let to = date("to", &self.to);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            errors.push(("to", "结束日期不能早于开始日期".to_string()));
        }
        let before_id = match self.before_id.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(("before_id", "翻页参数无效，请从第一页重新查询".to_string()));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let opt = |s: &str| Some(s.trim().to_string()).filter(|v| !v.is_empty());
        Ok(Filter {
            actor: opt(&self.actor),
            action: opt(&self.action),
            object_type: opt(&self.object_type),
            object_id: opt(&self.object_id),
            from_ms: from.and_then(cst_midnight_ms),
            to_ms: to.and_then(|d| d.succ_opt()).and_then(cst_midnight_ms),
            before_id,
            security_only: self.security == "1",
            limit,
        })
    }

    /// The query string of this filter with `before_id` replaced.
    fn query_string(&self, before_id: Option<i64>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("object_type", &self.object_type),
            ("object_id", &self.object_id),
            ("from", &self.from),
            ("to", &self.to),
            ("security", &self.security),
        ] {
            if !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        if let Some(id) = before_id {
            s.append_pair("before_id", &id.to_string());
        }
        s.finish()
    }
}

/// One record as shown on screen.
struct AuditRow {
    id: i64,
    at: String,
    actor: String,
    ip: String,
    action: String,
    object: String,
    before: Option<String>,
    after: Option<String>,
}

/// Pretty-prints stored JSON for the `<details>` view.
fn pretty(json: &Option<String>) -> Option<String> {
    json.as_ref().map(|s| {
        serde_json::from_str::<serde_json::Value>(s)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| s.clone())
    })
}

impl From<&AuditRecord> for AuditRow {
    fn from(r: &AuditRecord) -> AuditRow {
        AuditRow {
            id: r.id,
            at: cst_seconds(r.at),
            actor: r.actor.clone(),
            ip: r.ip.clone(),
            action: r.action.clone(),
            object: format!("{} {}", r.object_type, r.object_id),
            before: pretty(&r.before_json),
            after: pretty(&r.after_json),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    layout: Layout,
    q: AuditQuery,
    rows: Vec<AuditRow>,
    next: Option<String>,
    export: Option<String>,
    errors: Vec<(&'static str, String)>,
}

impl AuditPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// 审计日志: filtered records, newest first, with paging.
async fn list_audit(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    staff.require(Action::ViewAudit, None)?;
    let export = staff
        .can(Action::ExportAudit, None)
        .then(|| format!("/admin/audit/export.csv?{}", q.query_string(None)));
    let filter = match q.to_filter(PAGE + 1) {
        Ok(f) => f,
        Err(errors) => {
            return render_with_status(
                &AuditPage {
                    layout: staff.layout("审计日志"),
                    q,
                    rows: Vec::new(),
                    next: None,
                    export,
                    errors,
                },
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let mut records = audit::list(&state.db, &filter).await?;
    let more = records.len() as i64 > PAGE;
    records.truncate(PAGE as usize);
    let next = match records.last() {
        Some(last) if more => Some(format!("/admin/audit?{}", q.query_string(Some(last.id)))),
        _ => None,
    };
    render(&AuditPage {
        layout: staff.layout("审计日志"),
        rows: records.iter().map(AuditRow::from).collect(),
        q,
        next,
        export,
        errors: Vec::new(),
    })
}

const CSV_HEADER: &[&str] = &[
    "编号",
    "时间（北京时间）",
    "操作人",
    "IP 地址",
    "操作",
    "对象类型",
    "对象编号",
    "变更前",
    "变更后",
    "本条哈希",
    "上条哈希",
];

fn csv_record(r: &AuditRecord) -> String {
    csv_line(&[
        &r.id.to_string(),
        &cst_seconds(r.at),
        &r.actor,
        &r.ip,
        &r.action,
        &r.object_type,
        &r.object_id,
        r.before_json.as_deref().unwrap_or_default(),
        r.after_json.as_deref().unwrap_or_default(),
        &r.hash,
        &r.prev_hash,
    ])
}

/// Exports the filtered records as CSV, streamed page by page. The export is audited.
async fn export_audit(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    staff.require(Action::ExportAudit, None)?;
    let filter = q.to_filter(EXPORT_PAGE).map_err(|errors| {
        AppError::bad_request(
            errors
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join("；"),
        )
    })?;
    let mut tx = state.db.begin().await?;
    audit::append(
        &mut tx,
        &staff.actor(),
        Change {
            action: "audit.export",
            object_type: "audit_log",
            object_id: String::new(),
            before: None,
            after: Some(serde_json::to_value(&q).map_err(AppError::internal)?),
        },
    )
    .await?;
    tx.commit().await?;

    // State of the stream: the next page's filter (None when done) and the running signature
    // (GB/T 22239-2019 8.1.4.3 d: the export is protected). The first chunk is the BOM and the
    // header line; the last is the signature line over everything before it, which
    // `gongkai audit verify-export` checks.
    let head = format!("\u{feff}{}", csv_line(CSV_HEADER));
    let mut signer = state
        .config
        .vault
        .get()
        .signer(audit::EXPORT_SIGNATURE_CONTEXT);
    signer.update(head.as_bytes());
    let db = state.db.clone();
    let pages = futures_util::stream::unfold(Some((Some(filter), signer)), move |state| {
        let db = db.clone();
        async move {
            let (next, mut signer) = state?;
            let Some(mut f) = next else {
                return Some((
                    Ok::<Bytes, std::io::Error>(Bytes::from(audit::export_signature_line(signer))),
                    None,
                ));
            };
            match audit::list(&db, &f).await {
                Ok(records) => {
                    let done = (records.len() as i64) < f.limit;
                    let chunk: String = records.iter().map(csv_record).collect();
                    signer.update(chunk.as_bytes());
                    f.before_id = records.last().map(|r| r.id);
                    let next = if done || f.before_id.is_none() {
                        None
                    } else {
                        Some(f)
                    };
                    Some((Ok(Bytes::from(chunk)), Some((next, signer))))
                }
                Err(e) => {
                    // No signature line: a truncated export never verifies.
                    tracing::error!(%e, "audit export failed mid-stream");
                    Some((Err(std::io::Error::other(e.to_string())), None))
                }
            }
        }
    });
    let first = futures_util::stream::once(async move { Ok(Bytes::from(head)) });
    let body = Body::from_stream(futures_util::StreamExt::chain(first, pages));
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"audit-log.csv\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Template)]
#[template(path = "admin/audit_verify.html")]
struct VerifyPage {
    layout: Layout,
    checked: u64,
    /// Verified records per hash algorithm, as shown to people ("SM3 12 条").
    algorithms: String,
    broken: Option<(i64, String)>,
}

/// Verifies the whole hash chain and shows the result.
async fn show_verify(State(state): State<AppState>, staff: Staff) -> AppResult<Response> {
    staff.require(Action::ViewAudit, None)?;
    let v = audit::verify(&state.db).await?;
    render(&VerifyPage {
        layout: staff.layout("审计日志完整性校验"),
        checked: v.checked,
        algorithms: v
            .by_alg
            .iter()
            .map(|(alg, n)| match alg.as_str() {
                "sm3" => format!("SM3 {n} 条"),
                "sha256" => format!("SHA-256 {n} 条（迁移前的记录）"),
                other => format!("{other} {n} 条"),
            })
            .collect::<Vec<_>>()
            .join("，"),
        broken: v.first_broken,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::csv_cell;

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(csv_cell("=1+1"), "\"'=1+1\"");
        assert_eq!(csv_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(csv_line(&["1", "张三"]), "1,张三\r\n");
    }

    #[test]
    fn dates_are_china_standard_time_days() {
        let q = AuditQuery {
            from: "2019-03-31".into(),
            to: "2019-03-31".into(),
            ..Default::default()
        };
        let f = q.to_filter(10).unwrap_or_default();
        // 2019-03-31 00:00 CST = 2019-03-30 16:00 UTC; the day ends at the next CST midnight.
        assert_eq!(f.from_ms, Some(1_553_961_600_000));
        assert_eq!(f.to_ms, Some(1_553_961_600_000 + 86_400_000));
        assert_eq!(cst_seconds(1_553_961_600_000), "2019-03-31 00:00:00");
    }

    #[test]
    fn bad_filters_name_their_field() {
        let q = AuditQuery {
            from: "2019/03/31".into(),
            to: "2019-01-01".into(),
            before_id: "x".into(),
            ..Default::default()
        };
        let fields: Vec<&str> = q
            .to_filter(10)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, vec!["from", "before_id"]);
        let q = AuditQuery {
            from: "2019-02-01".into(),
            to: "2019-01-01".into(),
            ..Default::default()
        };
        assert!(matches!(q.to_filter(10), Err(e) if e[0].0 == "to"));
    }
}
