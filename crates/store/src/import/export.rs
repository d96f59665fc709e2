//! Whole-site export (issue #14): everything of an organisation subtree (the top-level body = the
//! site) in the documented package format, so a body can leave, and so `gongkai import` of the
//! folder into an empty deployment reproduces the site.
//!
//! The folder:
//! - `site.json` — the package (`docs/schemas/site-package.schema.json`): the organisations,
//!   every item that was ever published (its public revisions, its timeline, its attachments,
//!   its interpretation links by 索引号), the annual reports as stored (frozen figures included)
//!   and the imported past reports, and the records of disclosure applications and mailbox
//!   messages as stored (table → rows);
//! - `files/<sha256>` — the attachment files, checked against their digest when read;
//! - `audit-log.jsonl` — the audit records (the whole chain when the subtree is the whole
//!   deployment, else the records about the exported objects), one JSON object per line, ending
//!   with the HMAC-SM3 signature line that `gongkai audit verify-export` checks.
//!
//! **Personal data** (个人信息保护法 Art. 51): by default the applications' and messages' sealed
//! columns stay vault ciphertexts (`personal_data: "sealed"`: readable only with this
//! deployment's key file). With `unseal`, they are opened, the export is recorded through
//! `personal::record_export` (audited, with a reason) and the package carries its watermark.
//! Identity-proof files (sealed files) are not exported.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use gongkai_core::import::package::{
    AcknowledgementIn, AttachmentIn, AuditIn, EventIn, FILE_NAME, FORMAT, InterpretationIn, ItemIn,
    JustifiedIn, OrgIn, Package, PastReportIn, ReportIn, RevisionIn, SiteIn, VERSION,
};
use gongkai_core::vault::Vault;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::attachments::{self, Owner};
use crate::audit::{self, Actor, AuditRecord, Change};
use crate::items::{ITEM_COLUMNS, Item};
use crate::personal::{SEALED_COLUMNS, open_text};
use crate::{Db, Result, StoreError, on_db};

/// File name of the audit log in an export folder.
pub const AUDIT_FILE: &str = "audit-log.jsonl";

/// What to export, and where.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Code of the subtree's root organisation (the site).
    pub org_code: String,
    /// A new (or empty) folder.
    pub out_dir: std::path::PathBuf,
    /// Open the sealed personal data, with this reason (audited `personal.export`).
    pub unseal_reason: Option<String>,
}

/// What an export wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExportSummary {
    pub orgs: usize,
    pub items: usize,
    pub files: usize,
    pub reports: usize,
    pub applications: usize,
    pub messages: usize,
    pub audit_records: u64,
    pub audit_scope: String,
}

fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

/// Application tables carried as stored: (table, column, parent: `orgs` or `applications`).
const APPLICATION_TABLES: &[(&str, &str, &str)] = &[
    ("applications", "org_id", "orgs"),
    ("application_items", "application_id", "applications"),
    ("application_events", "application_id", "applications"),
    (
        "application_consultations",
        "application_id",
        "applications",
    ),
    ("application_extensions", "application_id", "applications"),
    ("application_fees", "application_id", "applications"),
    ("application_letters", "application_id", "applications"),
    (
        "application_letter_reviews",
        "application_id",
        "applications",
    ),
    ("appeal_cases", "org_id", "orgs"),
];

/// Mailbox tables carried as stored.
const MAILBOX_TABLES: &[(&str, &str, &str)] = &[
    ("mailbox_boxes", "org_id", "orgs"),
    ("mailbox_messages", "org_id", "orgs"),
    ("mailbox_steps", "message_id", "mailbox_messages"),
    ("mailbox_supervisions", "message_id", "mailbox_messages"),
];

/// Reads the tables of `spec`, opening sealed columns when `unseal` (else sealing any value not
/// sealed yet). Returns the
/// section and the ids of the rows read, by table.
async fn records<'a>(
    db: &Db,
    spec: &[(&'a str, &str, &str)],
    org_ids: &[i64],
    vault: &Vault,
    unseal: bool,
) -> Result<(
    serde_json::Map<String, serde_json::Value>,
    HashMap<&'a str, Vec<i64>>,
)> {
    let mut out = serde_json::Map::new();
    let mut parent_ids: HashMap<&str, Vec<i64>> = HashMap::new();
    parent_ids.insert("orgs", org_ids.to_vec());
    for (table, column, parent) in spec {
        let ids = parent_ids.get(parent).cloned().unwrap_or_default();
        let mut rows = crate::backup::rows_where(db, table, column, &ids).await?;
        for sealed in SEALED_COLUMNS.iter().filter(|c| c.table == *table) {
            for row in &mut rows {
                let Some(serde_json::Value::String(s)) = row.get(sealed.column) else {
                    continue;
                };
                let value = if unseal {
                    open_text(vault, sealed.context, s)?
                } else if s.is_empty() || Vault::is_sealed(s) {
                    continue;
                } else {
                    // Not re-sealed yet (data from before the column was sealed): the export
                    // never carries it in clear.
                    vault.seal_str(sealed.context, s)
                };
                row.insert(sealed.column.to_string(), serde_json::Value::String(value));
            }
        }
        let ids: Vec<i64> = rows
            .iter()
            .filter_map(|r| r.get("id").and_then(serde_json::Value::as_i64))
            .collect();
        parent_ids.insert(table, ids);
        out.insert(
            (*table).to_string(),
            serde_json::Value::Array(rows.into_iter().map(serde_json::Value::Object).collect()),
        );
    }
    parent_ids.remove("orgs");
    Ok((out, parent_ids))
}

/// The presentation of the site over `root` (none on a deployment of one body), its logo
/// written among the files.
async fn export_site(
    db: &Db,
    data_dir: &Path,
    out_dir: &Path,
    root: i64,
    files_written: &mut HashSet<String>,
) -> Result<Option<SiteIn>> {
    let Some(site) = crate::sites::of_root(db, root).await? else {
        return Ok(None);
    };
    let hosts = crate::sites::get(db, site.id)
        .await?
        .map(|s| s.hosts)
        .unwrap_or_default();
    let mut logo_file = String::new();
    if let Some(sha) = &site.logo_sha256 {
        logo_file = format!("files/{sha}");
        if files_written.insert(sha.clone()) {
            let bytes = attachments::read_verified(data_dir, sha)?;
            write_file(&out_dir.join(&logo_file), &bytes)?;
        }
    }
    Ok(Some(SiteIn {
        vocab: serde_json::from_str(&site.vocab_json).unwrap_or_else(|_| json!({})),
        index_template: site.index_template.clone().unwrap_or_default(),
        logo_sha256: site.logo_sha256.clone().unwrap_or_default(),
        logo_file,
        hosts,
        code: site.code,
        name: site.name,
        footer: site.footer,
        icp_number: site.icp_number,
        psb_number: site.psb_number,
    }))
}

/// A timestamp in China Standard Time, ISO 8601 with its offset.
fn cst_timestamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000)
        .map(|t| t.naive_utc().format("%Y-%m-%dT%H:%M:%S+08:00").to_string())
        .unwrap_or_default()
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// Exports the subtree of `options.org_code` into `options.out_dir` (which must not exist or be
/// empty), signing the audit log with `vault`. `progress(done, total)` counts items.
pub async fn export(
    db: &Db,
    data_dir: &Path,
    vault: &Vault,
    actor: &Actor,
    options: &ExportOptions,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<ExportSummary> {
    let org_code = options.org_code.as_str();
    let out_dir = options.out_dir.as_path();
    if out_dir.exists()
        && std::fs::read_dir(out_dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(StoreError::Conflict(format!(
            "导出目录 {} 已存在且不是空的：请换一个新目录",
            out_dir.display()
        )));
    }
    let all = crate::orgs::list(db).await?;
    let tree = crate::orgs::tree(db).await?;
    let root = all
        .iter()
        .find(|o| o.code == org_code)
        .cloned()
        .ok_or_else(|| StoreError::NotFound(format!("机构“{org_code}”不存在")))?;
    // Parents before children: the list is in creation order, a child made after its parent.
    let subtree: Vec<&crate::orgs::Org> = all
        .iter()
        .filter(|o| tree.is_within(o.id, root.id))
        .collect();
    let code_of: HashMap<i64, String> = all.iter().map(|o| (o.id, o.code.clone())).collect();
    let org_ids: Vec<i64> = subtree.iter().map(|o| o.id).collect();
    let whole = root.parent_id.is_none() && tree.roots().len() == 1;
    std::fs::create_dir_all(out_dir)?;

    // Applications and messages (personal data opened only when asked, with a reason).
    let unseal = options.unseal_reason.is_some();
    let (applications, app_ids) = records(db, APPLICATION_TABLES, &org_ids, vault, unseal).await?;
    let (messages, msg_ids) = records(db, MAILBOX_TABLES, &org_ids, vault, unseal).await?;
    let app_ids = app_ids.get("applications").cloned().unwrap_or_default();
    let msg_ids = msg_ids.get("mailbox_messages").cloned().unwrap_or_default();

    // The export is recorded before the audit log is read, so the log carries its own record.
    let mut tx = db.begin().await?;
    let watermark = match &options.unseal_reason {
        Some(reason) => {
            if reason.trim().chars().count() < 2 {
                return Err(invalid("导出未加密的个人信息须写明事由（至少 2 个字）"));
            }
            let mark = crate::personal::record_export(
                &mut tx,
                actor,
                &format!("site:{org_code}（{}）", reason.trim()),
                (app_ids.len() + msg_ids.len()) as u64,
            )
            .await?;
            Some(mark)
        }
        None => None,
    };
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "site.export",
            object_type: "org",
            object_id: root.id.to_string(),
            before: None,
            after: Some(json!({
                "org": org_code,
                "out_dir": out_dir.display().to_string(),
                "personal_data": if watermark.is_some() { "unsealed" } else { "sealed" },
            })),
        },
    )
    .await?;
    tx.commit().await?;

    let mut summary = ExportSummary {
        orgs: subtree.len(),
        ..ExportSummary::default()
    };
    let orgs: Vec<OrgIn> = subtree
        .iter()
        .map(|o| OrgIn {
            code: o.code.clone(),
            parent_code: if o.id == root.id {
                String::new()
            } else {
                o.parent_id
                    .and_then(|p| code_of.get(&p).cloned())
                    .unwrap_or_default()
            },
            kind: o.kind.clone(),
            full_name: o.full_name.clone(),
            short_name: o.short_name.clone(),
            sort_order: o.sort_order,
            address: o.address.clone(),
            postcode: o.postcode.clone(),
            phone: o.phone.clone(),
            fax: o.fax.clone(),
            email: o.email.clone(),
            website: o.website.clone(),
            office_hours: o.office_hours.clone(),
        })
        .collect();

    // Items ever published.
    let list = org_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM items WHERE org_id IN ({list}) \
         AND published_revision_id IS NOT NULL ORDER BY id"
    );
    let items: Vec<Item> = if org_ids.is_empty() {
        Vec::new()
    } else {
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(p)
            .await?)
    };
    let index_of: HashMap<i64, String> = items
        .iter()
        .filter_map(|i| Some((i.id, i.index_no.clone()?)))
        .collect();
    let mut files_written: HashSet<String> = HashSet::new();
    let mut out_items = Vec::with_capacity(items.len());
    progress(0, items.len());
    for (n, item) in items.iter().enumerate() {
        out_items.push(serde_json::to_value(
            export_item(
                db,
                data_dir,
                out_dir,
                item,
                &code_of,
                &index_of,
                &mut files_written,
            )
            .await?,
        )?);
        if (n + 1) % 100 == 0 || n + 1 == items.len() {
            progress(n + 1, items.len());
        }
    }
    let site = export_site(db, data_dir, out_dir, root.id, &mut files_written).await?;
    summary.items = out_items.len();
    summary.files = files_written.len();

    // Annual reports, as stored.
    let reports = export_reports(db, &org_ids, &code_of).await?;
    summary.reports = reports.0.len();
    summary.applications = app_ids.len();
    summary.messages = msg_ids.len();

    // The audit log, signed.
    let objects: HashSet<(String, String)> = if whole {
        HashSet::new()
    } else {
        let mut set = HashSet::new();
        let mut add = |t: &str, ids: &mut dyn Iterator<Item = i64>| {
            for id in ids {
                set.insert((t.to_string(), id.to_string()));
            }
        };
        add("org", &mut org_ids.iter().copied());
        add(crate::items::OBJECT_TYPE, &mut items.iter().map(|i| i.id));
        add(crate::reports::OBJECT_TYPE, &mut reports.1.iter().copied());
        add(
            crate::applications::OBJECT_TYPE,
            &mut app_ids.iter().copied(),
        );
        add(crate::mailbox::OBJECT_TYPE, &mut msg_ids.iter().copied());
        set
    };
    let (audit_bytes, audit_records) = audit_log(db, vault, whole, &objects).await?;
    write_file(&out_dir.join(AUDIT_FILE), &audit_bytes)?;
    summary.audit_records = audit_records;
    summary.audit_scope = if whole { "all" } else { "objects" }.into();

    let package = Package {
        format: FORMAT.into(),
        version: VERSION,
        exported_at: cst_timestamp(crate::now_ms()),
        generator: format!("gongkai {}", env!("CARGO_PKG_VERSION")),
        org_code: org_code.to_string(),
        site,
        orgs,
        items: out_items,
        reports: reports.0,
        past_reports: reports.2,
        applications,
        messages,
        personal_data: if watermark.is_some() {
            "unsealed"
        } else {
            "sealed"
        }
        .into(),
        watermark: watermark.unwrap_or_default(),
        audit: Some(AuditIn {
            file: AUDIT_FILE.into(),
            records: audit_records,
            sha256: hex::encode(Sha256::digest(&audit_bytes)),
            scope: summary.audit_scope.clone(),
        }),
    };
    let json = serde_json::to_vec_pretty(&package)?;
    write_file(&out_dir.join(FILE_NAME), &json)?;
    Ok(summary)
}

async fn export_item(
    db: &Db,
    data_dir: &Path,
    out_dir: &Path,
    item: &Item,
    code_of: &HashMap<i64, String>,
    index_of: &HashMap<i64, String>,
    files_written: &mut HashSet<String>,
) -> Result<ItemIn> {
    let revisions: Vec<RevisionIn> = crate::items::revisions(db, item.id)
        .await?
        .into_iter()
        .filter(|r| r.published_at.is_some())
        .map(|r| RevisionIn {
            number: r.number,
            title: r.title,
            summary: r.summary,
            body_html: r.body_html,
            keywords: r.keywords,
            note: r.note,
            published_at: r.published_at,
        })
        .collect();
    let public = match item.published_revision_id {
        Some(id) => crate::items::revision(db, id).await?,
        None => None,
    }
    .ok_or_else(|| invalid(format!("信息 {} 没有公开的版本", item.id)))?;
    let justified: Vec<(String, String, String, String, Option<String>)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT field, kind, found_text, justification, resolved_by FROM item_findings \
             WHERE revision_id = $1 AND resolution = 'justified' ORDER BY id",
        )
        .bind(public.id)
        .fetch_all(p)
        .await?
    });
    let justified = justified
        .into_iter()
        .map(|(field, kind, text, justification, by)| JustifiedIn {
            field,
            kind,
            text,
            justification,
            justified_by: by.unwrap_or_default(),
        })
        .collect();
    let history: Vec<EventIn> = crate::items::timeline(db, item.id)
        .await?
        .into_iter()
        .map(|e| EventIn {
            action: e.action,
            from_state: e.from_state,
            to_state: e.to_state,
            note: e.note,
            actor: e.actor,
            at: e.at,
        })
        .collect();
    let mut files = Vec::new();
    for a in attachments::list_for(
        db,
        Owner {
            owner_type: crate::items::files::OWNER_TYPE,
            owner_id: item.id,
        },
    )
    .await?
    {
        let file = format!("files/{}", a.sha256);
        if files_written.insert(a.sha256.clone()) {
            let bytes = attachments::read_verified(data_dir, &a.sha256)?;
            write_file(&out_dir.join(&file), &bytes)?;
        }
        files.push(AttachmentIn {
            file,
            filename: a.filename,
            alt_text: a.alt_text,
            sha256: a.sha256,
        });
    }
    let interpretation = match crate::interpretations::get(db, item.id).await? {
        Some(i) => {
            let docs: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
                "SELECT document_id FROM interpretation_links WHERE interpretation_id = $1 \
                 ORDER BY document_id"
            )
            .bind(item.id)
            .fetch_all(p)
            .await?);
            Some(InterpretationIn {
                kind: i.kind,
                programme: i.programme,
                episode_no: i.episode_no,
                air_date: i.air_date,
                explains: docs
                    .into_iter()
                    .filter_map(|d| index_of.get(&d).cloned())
                    .collect(),
            })
        }
        None => None,
    };
    Ok(ItemIn {
        index_no: item.index_no.clone().unwrap_or_default(),
        org_code: code_of.get(&item.org_id).cloned(),
        title: public.title,
        summary: public.summary,
        body_html: public.body_html,
        keywords: public.keywords,
        publisher_name: item.publisher_name.clone(),
        published_on: item.published_on.clone().unwrap_or_default(),
        published_at: item.published_at,
        formed_on: item.formed_on.clone(),
        signed_on: item.signed_on.clone(),
        doc_number: item.doc_number.clone(),
        topic: item.topic_code.clone(),
        genre: item.genre_code.clone(),
        catalog: item.catalog_code.clone(),
        validity: item.validity.clone(),
        validity_on: item.validity_on.clone(),
        validity_replaced_by: item.validity_replaced_by.clone(),
        validity_note: item.validity_note.clone(),
        attachments: files,
        revisions,
        history,
        withdrawn_at: item.withdrawn_at,
        withdrawn_reason: item.withdrawn_reason.clone(),
        interpretation,
        justified,
        source_id: Some(item.id),
    })
}

type Reports = (Vec<ReportIn>, Vec<i64>, Vec<PastReportIn>);

async fn export_reports(
    db: &Db,
    org_ids: &[i64],
    code_of: &HashMap<i64, String>,
) -> Result<Reports> {
    let mut reports = Vec::new();
    let mut ids = Vec::new();
    for r in crate::reports::list(db, org_ids).await? {
        let acks = crate::reports::acknowledgements(db, r.id)
            .await?
            .into_iter()
            .map(|a| AcknowledgementIn {
                code: a.code,
                message: a.message,
                acknowledged_by: a.acknowledged_by,
                acknowledged_at: a.acknowledged_at,
            })
            .collect();
        ids.push(r.id);
        reports.push(ReportIn {
            year: r.year,
            org_code: code_of.get(&r.org_id).cloned().unwrap_or_default(),
            rollup: r.rollup,
            status: r.status.clone(),
            counting_unit: r.counting_unit.clone(),
            narrative_json: r.narrative_json.clone(),
            licensing: r.licensing,
            penalty: r.penalty,
            coercion: r.coercion,
            admin_fees_fen: r.admin_fees_fen,
            locked_on: r.locked_on.clone(),
            frozen_json: r.frozen_json.clone(),
            published_at: r.published_at,
            created_by: r.created_by.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            acknowledgements: acks,
        });
    }
    let past = crate::backup::rows_where(db, "report_imports", "org_id", org_ids)
        .await?
        .into_iter()
        .filter_map(|row| {
            let s = |k: &str| {
                row.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let i = |k: &str| {
                row.get(k)
                    .and_then(serde_json::Value::as_i64)
                    .unwrap_or_default()
            };
            let org = code_of.get(&i("org_id"))?.clone();
            Some(PastReportIn {
                org_code: org,
                year: i("year"),
                source: s("source"),
                format: s("format"),
                figures_json: s("figures_json"),
                narrative_json: s("narrative_json"),
                created_by: s("created_by"),
                created_at: i("created_at"),
            })
        })
        .collect();
    Ok((reports, ids, past))
}

/// The audit records (all, or those about `objects`), one JSON line each, oldest first, and the
/// signature line; returns the bytes and the record count.
async fn audit_log(
    db: &Db,
    vault: &Vault,
    whole: bool,
    objects: &HashSet<(String, String)>,
) -> Result<(Vec<u8>, u64)> {
    let mut out = Vec::new();
    let mut signer = vault.signer(audit::EXPORT_SIGNATURE_CONTEXT);
    let mut after = 0i64;
    let mut n = 0u64;
    loop {
        let page: Vec<AuditRecord> = on_db!(db, |p| sqlx::query_as(
            "SELECT id, at, actor_user_id, actor, action, object_type, object_id, before_json, \
             after_json, ip, prev_hash, hash, hash_alg FROM audit_log WHERE id > $1 \
             ORDER BY id LIMIT 1000"
        )
        .bind(after)
        .fetch_all(p)
        .await?);
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in &page {
            if !whole && !objects.contains(&(r.object_type.clone(), r.object_id.clone())) {
                continue;
            }
            let mut line = serde_json::to_vec(r)?;
            line.extend_from_slice(b"\r\n");
            signer.update(&line);
            out.extend_from_slice(&line);
            n += 1;
        }
    }
    out.extend_from_slice(audit::export_signature_line(signer).as_bytes());
    Ok((out, n))
}
