//! Bulk import of published information and of whole-site packages (issue #14); the export is
//! [`export`].
//!
//! Two steps, so that a dry run and a real run report exactly the same problems:
//! - [`plan`] reads the file (`gongkai_core::import::read`), loads what the checks need from the
//!   database (vocabularies, every 索引号 in use and the digests of rows imported before, the
//!   organisation subtree), runs the pure checks (`gongkai_core::import::check`), then reads the
//!   attachments from the files folder: type by content and size (`filetype::check`), alt text
//!   of images, and a blocking scanner finding in their text rejects the row. Nothing is
//!   written.
//! - [`apply`] writes a plan: the organisations a package brings that the deployment lacks
//!   (audited `org.create`), an `import_runs` row, then the valid rows in batches of
//!   [`BATCH_ROWS`], each batch one transaction (`items::migrate::insert_published`: item,
//!   public revisions, attachments through the attachment pipeline, timeline, `item.migrate`
//!   audit record, search outbox row), the interpretations' links, a package's annual reports
//!   (restored as stored: frozen figures, narrative, status), and finally the run's counts and
//!   its `import.run` audit record.
//!
//! **Idempotence.** The key is the 索引号 (unique in the deployment). A row imported before with
//! the same content is *unchanged* and skipped; a changed one is reported, never rewritten (a
//! published record changes by amendment, through review). A run killed between batches leaves
//! whole batches; running it again imports the rest. Reports are keyed by (year, organisation,
//! rollup) and skipped when present.
//!
//! **Not restored from a package**: applications and mailbox messages (the export carries them
//! as records for the body's archive, see `docs/import.md`); users and grants; items never
//! published; custom vocabulary entries (the target must have the codes the items use).

pub mod export;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use gongkai_core::extract;
use gongkai_core::filetype;
use gongkai_core::import::package::{OrgIn, Package, PastReportIn, ReportIn, SiteIn};
use gongkai_core::import::{
    self as core_import, Checked, Column, Context, Existing, Format, Problem, Record, Vocab,
};
use gongkai_core::items::VocabKind;
use gongkai_core::scan::{ScanConfig, Scanner};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::attachments::{self, Limits};
use crate::audit::{self, Actor, Change};
use crate::items::migrate::{MigratedFile, Provenance, insert_published};
use crate::orgs::{self, Org, OrgInput};
use crate::sites;
use crate::{Db, Result, StoreError, Tx, now_ms, on_db, on_tx};

/// Rows per transaction of a real run.
pub const BATCH_ROWS: usize = 250;

/// What to import.
#[derive(Debug, Clone)]
pub struct Source {
    /// File name (for the format and the log).
    pub name: String,
    pub bytes: Vec<u8>,
    /// The folder that attachment paths are relative to (`--files`, or the package's folder).
    pub files_dir: Option<PathBuf>,
}

/// A checked import, ready to be applied (or reported, in a dry run).
#[derive(Debug, Clone)]
pub struct Plan {
    /// Code of the organisation imported into (the root of the subtree).
    pub org_code: String,
    pub format: Format,
    pub source_name: String,
    pub source_sha256: String,
    /// Rows (or JSON items) read, including those that could not be read.
    pub rows_total: usize,
    pub checked: Checked,
    /// Things worth knowing that are not problems (ignored columns, encoding, what a package
    /// brings that is not restored, attachments whose text cannot be read).
    pub notices: Vec<String>,
    pub package: Option<Package>,
    files_dir: Option<PathBuf>,
    /// Organisations of a package that the deployment lacks, parents first.
    orgs_to_create: Vec<OrgIn>,
    /// The package's site presentation, when it can be restored (see [`site_obstacle`]).
    site_to_create: Option<SiteIn>,
}

impl Plan {
    /// Every problem, in the order of the file.
    pub fn problem_lines(&self) -> Vec<String> {
        let mut problems = self.checked.problems.clone();
        problems.sort_by_key(|p| p.row);
        problems.iter().map(ToString::to_string).collect()
    }
}

/// What a real run did.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub run_id: i64,
    pub rows_total: usize,
    pub imported: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub orgs_created: usize,
    pub reports: usize,
    pub attachments: usize,
    /// The code of the site restored from the package, if one was.
    pub site_created: Option<String>,
}

fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

/// The organisation `code` and the codes of its subtree (`None` when it does not exist).
async fn subtree(db: &Db, code: &str) -> Result<Option<(Org, Vec<Org>)>> {
    let all = orgs::list(db).await?;
    let Some(root) = all.iter().find(|o| o.code == code).cloned() else {
        return Ok(None);
    };
    let tree = orgs::tree(db).await?;
    let inside = all
        .into_iter()
        .filter(|o| tree.is_within(o.id, root.id))
        .collect();
    Ok(Some((root, inside)))
}

async fn vocab(db: &Db) -> Result<Vocab> {
    let list = |entries: Vec<crate::items::registers::VocabEntry>| {
        entries
            .into_iter()
            .map(|e| (e.code, e.label))
            .collect::<Vec<_>>()
    };
    use crate::items::registers::vocab_list;
    Ok(Vocab {
        topic: list(vocab_list(db, VocabKind::Topic, true).await?),
        genre: list(vocab_list(db, VocabKind::Genre, true).await?),
        catalog: list(vocab_list(db, VocabKind::Catalog, true).await?),
    })
}

/// Every 索引号 in use: imported ones (into `org_ids`) with their row digest, the others plain.
async fn existing(db: &Db, org_ids: &HashSet<i64>) -> Result<HashMap<String, Existing>> {
    let rows: Vec<(String, Option<String>, Option<i64>)> = on_db!(db, |p| sqlx::query_as(
        "SELECT i.index_no, m.row_sha256, m.org_id FROM items i \
         LEFT JOIN imported_items m ON m.item_id = i.id WHERE i.index_no IS NOT NULL"
    )
    .fetch_all(p)
    .await?);
    Ok(rows
        .into_iter()
        .map(|(no, digest, org)| {
            let e = match (digest, org) {
                (Some(digest), Some(org)) if org_ids.contains(&org) => {
                    Existing::Imported { digest }
                }
                _ => Existing::Other,
            };
            (no, e)
        })
        .collect())
}

/// Reads and checks `source` for an import into the subtree of `org_code`. Writes nothing but
/// the default vocabularies when they are missing (as `serve` does at start; idempotent).
pub async fn plan(db: &Db, org_code: &str, source: Source) -> Result<Plan> {
    crate::items::registers::seed_defaults(db).await?;
    let parsed = core_import::read(&source.name, &source.bytes);
    let format = parsed.format.unwrap_or(Format::Csv);
    let mut notices = Vec::new();
    if let Some(enc) = parsed.encoding
        && enc != "UTF-8"
    {
        notices.push(format!("文件按 {enc} 编码读取"));
    }
    if !parsed.ignored_columns.is_empty() {
        notices.push(format!(
            "以下列不属于导入格式，已忽略：{}",
            parsed.ignored_columns.join("、")
        ));
    }
    // The organisations: the subtree that exists, plus what a package brings.
    let existing_tree = subtree(db, org_code).await?;
    let all_codes: HashSet<String> = orgs::list(db).await?.into_iter().map(|o| o.code).collect();
    let mut org_codes: HashSet<String> = HashSet::new();
    let mut org_ids: HashSet<i64> = HashSet::new();
    if let Some((_, inside)) = &existing_tree {
        for o in inside {
            org_codes.insert(o.code.clone());
            org_ids.insert(o.id);
        }
    }
    let mut orgs_to_create = Vec::new();
    if let Some(p) = &parsed.package {
        // A package's organisations below (or at) the imported root that the deployment lacks.
        let mut within: HashSet<String> = org_codes.clone();
        within.insert(org_code.to_string());
        for o in &p.orgs {
            let inside = o.code == org_code || within.contains(&o.parent_code);
            if !inside {
                continue;
            }
            within.insert(o.code.clone());
            org_codes.insert(o.code.clone());
            if !all_codes.contains(&o.code) {
                orgs_to_create.push(o.clone());
            }
        }
        let rows = |section: &serde_json::Map<String, serde_json::Value>| {
            section
                .values()
                .filter_map(serde_json::Value::as_array)
                .map(Vec::len)
                .sum::<usize>()
        };
        if rows(&p.applications) + rows(&p.messages) > 0 {
            notices.push(
                "数据包中的依申请公开和信箱记录不恢复（随导出存档，见 docs/import.md）".into(),
            );
        }
    }
    if existing_tree.is_none() && !orgs_to_create.iter().any(|o| o.code == org_code) {
        return Err(StoreError::NotFound(format!(
            "机构“{org_code}”不存在：请先用 gongkai org add 建立，或导入含该机构的数据包"
        )));
    }
    let files_dir = source.files_dir.clone();
    let site_to_create = match parsed
        .package
        .as_ref()
        .and_then(|p| p.site.clone().filter(|_| p.org_code == org_code))
    {
        None => None,
        Some(site) => {
            let root = existing_tree.as_ref().map(|(r, _)| r);
            match site_obstacle(db, root, &site, files_dir.as_deref()).await? {
                None => Some(site),
                Some(why) => {
                    notices.push(format!("数据包中的站点设置（{}）不恢复：{why}", site.code));
                    None
                }
            }
        }
    };
    let vocab = vocab(db).await?;
    let existing = existing(db, &org_ids).await?;
    let file_exists = |path: &str| files_dir.as_ref().is_some_and(|d| d.join(path).is_file());
    let scanner = Scanner::new(ScanConfig::default()).map_err(|e| invalid(e.to_string()))?;
    let ctx = Context {
        vocab: &vocab,
        existing: &existing,
        file_exists: &file_exists,
        org_codes: &org_codes,
        scanner: &scanner,
        today: crate::deadlines::today(),
    };
    let mut checked = core_import::check(&parsed, &ctx);
    check_files(
        &mut checked,
        files_dir.as_deref(),
        &scanner,
        format,
        &mut notices,
    );
    let rows_total = parsed.rows.len()
        + parsed
            .problems
            .iter()
            .filter(|p| p.row > 0 && p.column.is_empty())
            .count();
    Ok(Plan {
        org_code: org_code.to_string(),
        format,
        source_name: source.name.clone(),
        source_sha256: hex::encode(Sha256::digest(&source.bytes)),
        rows_total,
        checked,
        notices,
        package: parsed.package,
        files_dir,
        orgs_to_create,
        site_to_create,
    })
}

/// Why the site presentation of a package cannot be restored here, if it cannot: the body
/// already has a site, or is not top-level, or the code, a host name or the logo file is taken
/// or missing.
async fn site_obstacle(
    db: &Db,
    root: Option<&Org>,
    site: &SiteIn,
    files_dir: Option<&Path>,
) -> Result<Option<String>> {
    if let Some(root) = root {
        if root.parent_id.is_some() {
            return Ok(Some("导入的机构不是顶级机构".into()));
        }
        if sites::of_root(db, root.id).await?.is_some() {
            return Ok(Some("该机构已有站点".into()));
        }
    }
    if sites::by_code(db, &site.code).await?.is_some() {
        return Ok(Some(format!("站点代码“{}”已被使用", site.code)));
    }
    for host in &site.hosts {
        if sites::host_taken(db, host).await? {
            return Ok(Some(format!("域名“{host}”已属于另一个站点")));
        }
    }
    if !site.logo_file.is_empty() && !files_dir.is_some_and(|d| d.join(&site.logo_file).is_file()) {
        return Ok(Some(format!("缺少站点标志文件 {}", site.logo_file)));
    }
    Ok(None)
}

/// Creates the package's site over `root_id` (with its logo), audited like one made in the
/// console.
async fn restore_site(
    tx: &mut Tx,
    actor: &Actor,
    site: &SiteIn,
    root_id: i64,
    files_dir: Option<&Path>,
    data_dir: &Path,
) -> Result<()> {
    let input = sites::SiteInput {
        code: site.code.clone(),
        root_org_id: root_id,
        name: site.name.clone(),
        footer: site.footer.clone(),
        icp_number: site.icp_number.clone(),
        psb_number: site.psb_number.clone(),
        index_template: site.index_template.clone(),
        vocab: serde_json::from_value(site.vocab.clone()).unwrap_or_default(),
        hosts: site.hosts.clone(),
    };
    let created = sites::create(tx, actor, &input).await?;
    if let (false, Some(dir)) = (site.logo_file.is_empty(), files_dir) {
        let bytes = std::fs::read(dir.join(&site.logo_file))?;
        if !site.logo_sha256.is_empty() && hex::encode(Sha256::digest(&bytes)) != site.logo_sha256 {
            return Err(invalid(format!(
                "站点标志文件 {} 与数据包记录的摘要不符",
                site.logo_file
            )));
        }
        let stored = attachments::store_file(data_dir, &bytes, "logo", &Limits::default())?;
        sites::set_logo(tx, actor, created.site.id, Some(&stored)).await?;
    }
    Ok(())
}

/// Reads each attachment of the valid rows: type, size, alt text of images, and the scanner
/// on its text. A problem moves the row from `records` to the rejected rows.
fn check_files(
    checked: &mut Checked,
    dir: Option<&Path>,
    scanner: &Scanner,
    format: Format,
    notices: &mut Vec<String>,
) {
    let Some(dir) = dir else { return };
    let unit = if format == Format::Json { "条" } else { "行" };
    let limits = Limits::default();
    let mut keep = Vec::with_capacity(checked.records.len());
    for rec in std::mem::take(&mut checked.records) {
        let mut problems = Vec::new();
        for a in &rec.attachments {
            let mut problem = |message: String| {
                problems.push(Problem {
                    row: rec.row,
                    column: Column::Attachments.label().into(),
                    message,
                    unit: unit.into(),
                });
            };
            let bytes = match std::fs::read(dir.join(&a.path)) {
                Ok(b) => b,
                Err(e) => {
                    problem(format!("无法读取附件“{}”：{e}", a.path));
                    continue;
                }
            };
            let kind = match filetype::check(&bytes, &a.filename, limits.max_size) {
                Ok(k) => k,
                Err(e) => {
                    problem(format!("附件“{}”：{e}", a.path));
                    continue;
                }
            };
            if kind.is_image() && a.alt_text.trim().is_empty() {
                problem(format!(
                    "图片附件“{}”须有替代文字（写作“文件名=替代文字”）",
                    a.path
                ));
            }
            match extract::extract_text(kind, &bytes) {
                Ok(x) => {
                    if let Some(m) = core_import::blocking_summary(scanner, &x.text, &|_, _| false)
                    {
                        problem(format!("附件“{}”{m}", a.path));
                    } else if !x.complete {
                        notices.push(format!(
                            "第{}{unit}附件“{}”的文字未能完整读取，导入后在控制台显示为待核对",
                            rec.row, a.path
                        ));
                    }
                }
                Err(_) => notices.push(format!(
                    "第{}{unit}附件“{}”的文字无法读取，导入后在控制台显示为待核对",
                    rec.row, a.path
                )),
            }
        }
        if problems.is_empty() {
            keep.push(rec);
        } else {
            checked.rejected_rows += 1;
            checked.problems.extend(problems);
        }
    }
    checked.records = keep;
}

/// Stores the files of one record (blocking file I/O, before the batch's transaction).
fn store_files(rec: &Record, dir: Option<&Path>, data_dir: &Path) -> Result<Vec<MigratedFile>> {
    let Some(dir) = dir else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(rec.attachments.len());
    for a in &rec.attachments {
        let bytes = std::fs::read(dir.join(&a.path))?;
        let stored = attachments::store_file(data_dir, &bytes, &a.filename, &Limits::default())?;
        let text = attachments::read_verified(data_dir, &stored.sha256)
            .ok()
            .and_then(|b| extract::extract_text(stored.kind, &b).ok());
        out.push(MigratedFile {
            stored,
            alt: a.alt_text.clone(),
            text,
        });
    }
    Ok(out)
}

async fn create_orgs(tx: &mut Tx, actor: &Actor, list: &[OrgIn]) -> Result<usize> {
    let mut n = 0;
    for o in list {
        let parent_id = if o.parent_code.is_empty() {
            None
        } else {
            let id: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
                "SELECT id FROM orgs WHERE code = $1"
            )
            .bind(&o.parent_code)
            .fetch_optional(c)
            .await?);
            Some(id.ok_or_else(|| invalid(format!("上级机构“{}”不存在", o.parent_code)))?)
        };
        orgs::create(
            tx,
            actor,
            &OrgInput {
                parent_id,
                kind: o.kind.clone(),
                code: o.code.clone(),
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
            },
        )
        .await?;
        n += 1;
    }
    Ok(n)
}

async fn org_ids_by_code(db: &Db) -> Result<HashMap<String, i64>> {
    Ok(orgs::list(db)
        .await?
        .into_iter()
        .map(|o| (o.code, o.id))
        .collect())
}

/// Writes a checked plan (see the module header). `progress(done, total)` is called after each
/// batch. `data_dir` is where attachment files are stored.
pub async fn apply(
    db: &Db,
    data_dir: &Path,
    actor: &Actor,
    plan: &Plan,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<RunSummary> {
    // Organisations first (their own transaction: the items refer to them).
    let mut tx = db.begin().await?;
    let orgs_created = create_orgs(&mut tx, actor, &plan.orgs_to_create).await?;
    tx.commit().await?;
    let codes = org_ids_by_code(db).await?;
    let root_id = *codes
        .get(&plan.org_code)
        .ok_or_else(|| invalid(format!("机构“{}”不存在", plan.org_code)))?;
    let mut tx = db.begin().await?;
    let run_id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO import_runs (org_id, source_name, source_sha256, format, rows_total, \
         started_by, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(root_id)
    .bind(&plan.source_name)
    .bind(&plan.source_sha256)
    .bind(match plan.format {
        Format::Csv => "csv",
        Format::Xlsx => "xlsx",
        Format::Json => "json",
    })
    .bind(i64::try_from(plan.rows_total).unwrap_or(i64::MAX))
    .bind(&actor.label)
    .bind(now_ms())
    .fetch_one(c)
    .await?);
    tx.commit().await?;
    let from = Provenance {
        run_id,
        source_name: &plan.source_name,
    };
    let total = plan.checked.records.len();
    let mut done = 0;
    let mut files_done = 0;
    progress(0, total);
    for batch in plan.checked.records.chunks(BATCH_ROWS) {
        let mut stored = Vec::with_capacity(batch.len());
        for rec in batch {
            stored.push(store_files(rec, plan.files_dir.as_deref(), data_dir)?);
        }
        let mut tx = db.begin().await?;
        for (rec, files) in batch.iter().zip(stored) {
            let org_id = match &rec.org_code {
                Some(code) => *codes
                    .get(code)
                    .ok_or_else(|| invalid(format!("机构“{code}”不存在")))?,
                None => root_id,
            };
            files_done += files.len();
            insert_published(&mut tx, actor, org_id, rec, files, &from).await?;
        }
        tx.commit().await?;
        done += batch.len();
        progress(done, total);
    }
    let mut tx = db.begin().await?;
    link_interpretations(&mut tx, actor, &plan.checked.records).await?;
    let reports = match &plan.package {
        Some(p) => restore_reports(&mut tx, actor, p, &codes, &plan.org_code).await?,
        None => 0,
    };
    let site_created = match &plan.site_to_create {
        Some(site) => {
            restore_site(
                &mut tx,
                actor,
                site,
                root_id,
                plan.files_dir.as_deref(),
                data_dir,
            )
            .await?;
            Some(site.code.clone())
        }
        None => None,
    };
    let problems: Vec<String> = plan.problem_lines();
    let summary = RunSummary {
        run_id,
        rows_total: plan.rows_total,
        imported: total,
        unchanged: plan.checked.unchanged.len(),
        rejected: plan
            .rows_total
            .saturating_sub(total + plan.checked.unchanged.len()),
        orgs_created,
        reports,
        attachments: files_done,
        site_created,
    };
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE import_runs SET imported = $2, unchanged = $3, rejected = $4, problems_json = $5, \
         finished_at = $6 WHERE id = $1"
    )
    .bind(run_id)
    .bind(i64::try_from(summary.imported).unwrap_or(i64::MAX))
    .bind(i64::try_from(summary.unchanged).unwrap_or(i64::MAX))
    .bind(i64::try_from(summary.rejected).unwrap_or(i64::MAX))
    .bind(serde_json::to_string(&problems)?)
    .bind(now_ms())
    .execute(c)
    .await?
    .rows_affected());
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "import.run",
            object_type: "import_run",
            object_id: run_id.to_string(),
            before: None,
            after: Some(json!({
                "org": plan.org_code,
                "source": plan.source_name,
                "source_sha256": plan.source_sha256,
                "format": plan.format,
                "summary": summary,
                // Problems carry row, column and the message (masked findings only).
                "problems": problems.len(),
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(summary)
}

async fn item_id_by_index_no(tx: &mut Tx, index_no: &str) -> Result<Option<i64>> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM items WHERE index_no = $1"
    )
    .bind(index_no)
    .fetch_optional(c)
    .await?))
}

/// Restores the interpretations (解读) of the imported items and their links, by 索引号.
async fn link_interpretations(tx: &mut Tx, actor: &Actor, records: &[Record]) -> Result<()> {
    for rec in records {
        let Some(i) = &rec.interpretation else {
            continue;
        };
        let Some(id) = item_id_by_index_no(tx, &rec.index_no).await? else {
            continue;
        };
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO interpretations (item_id, kind, programme, episode_no, air_date, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (item_id) DO NOTHING"
        )
        .bind(id)
        .bind(&i.kind)
        .bind(&i.programme)
        .bind(i.episode_no)
        .bind(&i.air_date)
        .bind(&actor.label)
        .bind(now_ms())
        .execute(c)
        .await?
        .rows_affected());
        let mut linked = Vec::new();
        for doc in &i.explains {
            if let Some(doc_id) = item_id_by_index_no(tx, doc).await? {
                on_tx!(tx, |c| sqlx::query(
                    "INSERT INTO interpretation_links (interpretation_id, document_id) \
                     VALUES ($1, $2) ON CONFLICT DO NOTHING"
                )
                .bind(id)
                .bind(doc_id)
                .execute(c)
                .await?
                .rows_affected());
                linked.push(doc.clone());
            }
        }
        audit::append(
            tx,
            actor,
            Change {
                action: "interpretation.migrate",
                object_type: crate::items::OBJECT_TYPE,
                object_id: id.to_string(),
                before: None,
                after: Some(json!({ "kind": i.kind, "explains": linked })),
            },
        )
        .await?;
        crate::search::enqueue(tx, crate::search::KIND_ITEM, id).await?;
    }
    Ok(())
}

/// Restores a package's annual reports (and imported past reports) as stored; present ones
/// (same year, organisation, rollup) are left alone. Returns how many were restored.
async fn restore_reports(
    tx: &mut Tx,
    actor: &Actor,
    package: &Package,
    codes: &HashMap<String, i64>,
    root_code: &str,
) -> Result<usize> {
    let org_of = |code: &str| -> Option<i64> {
        codes
            .get(if code.is_empty() { root_code } else { code })
            .copied()
    };
    let mut n = 0;
    for r in &package.reports {
        let Some(org_id) = org_of(&r.org_code) else {
            continue;
        };
        if let Some(id) = insert_report(tx, org_id, r).await? {
            for a in &r.acknowledgements {
                on_tx!(tx, |c| sqlx::query(
                    "INSERT INTO report_acknowledgements (report_id, code, message, \
                     acknowledged_by, acknowledged_at) VALUES ($1, $2, $3, $4, $5)"
                )
                .bind(id)
                .bind(&a.code)
                .bind(&a.message)
                .bind(&a.acknowledged_by)
                .bind(a.acknowledged_at)
                .execute(c)
                .await?
                .rows_affected());
            }
            audit::append(
                tx,
                actor,
                Change {
                    action: "report.migrate",
                    object_type: crate::reports::OBJECT_TYPE,
                    object_id: id.to_string(),
                    before: None,
                    after: Some(json!({
                        "year": r.year, "org": r.org_code, "rollup": r.rollup,
                        "status": r.status, "locked_on": r.locked_on,
                    })),
                },
            )
            .await?;
            if r.status == "published" {
                crate::search::enqueue(tx, crate::search::KIND_REPORT, id).await?;
            }
            n += 1;
        }
    }
    for p in &package.past_reports {
        let Some(org_id) = org_of(&p.org_code) else {
            continue;
        };
        if let Some(id) = insert_past_report(tx, org_id, p).await? {
            audit::append(
                tx,
                actor,
                Change {
                    action: "report_import.migrate",
                    object_type: "report_import",
                    object_id: id.to_string(),
                    before: None,
                    after: Some(json!({ "year": p.year, "org": p.org_code })),
                },
            )
            .await?;
        }
    }
    Ok(n)
}

async fn insert_report(tx: &mut Tx, org_id: i64, r: &ReportIn) -> Result<Option<i64>> {
    let id: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO reports (year, org_id, rollup, status, counting_unit, narrative_json, \
         licensing, penalty, coercion, admin_fees_fen, locked_on, frozen_json, published_at, \
         created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         ON CONFLICT (year, org_id, rollup) DO NOTHING RETURNING id"
    )
    .bind(r.year)
    .bind(org_id)
    .bind(r.rollup)
    .bind(&r.status)
    .bind(&r.counting_unit)
    .bind(&r.narrative_json)
    .bind(r.licensing)
    .bind(r.penalty)
    .bind(r.coercion)
    .bind(r.admin_fees_fen)
    .bind(&r.locked_on)
    .bind(&r.frozen_json)
    .bind(r.published_at)
    .bind(&r.created_by)
    .bind(r.created_at)
    .bind(r.updated_at)
    .fetch_optional(c)
    .await?);
    Ok(id)
}

async fn insert_past_report(tx: &mut Tx, org_id: i64, p: &PastReportIn) -> Result<Option<i64>> {
    let id: Option<i64> = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO report_imports (org_id, year, source, format, figures_json, narrative_json, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (org_id, year) DO NOTHING RETURNING id"
    )
    .bind(org_id)
    .bind(p.year)
    .bind(&p.source)
    .bind(&p.format)
    .bind(&p.figures_json)
    .bind(&p.narrative_json)
    .bind(&p.created_by)
    .bind(p.created_at)
    .fetch_optional(c)
    .await?
    });
    Ok(id)
}

/// One import run of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Run {
    pub id: i64,
    pub org_id: i64,
    pub source_name: String,
    pub source_sha256: String,
    pub format: String,
    pub rows_total: i64,
    pub imported: i64,
    pub unchanged: i64,
    pub rejected: i64,
    pub problems_json: String,
    pub started_by: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
}

/// The import log, newest first.
pub async fn runs(db: &Db) -> Result<Vec<Run>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, org_id, source_name, source_sha256, format, rows_total, imported, unchanged, \
         rejected, problems_json, started_by, started_at, finished_at FROM import_runs \
         ORDER BY id DESC"
    )
    .fetch_all(p)
    .await?))
}

/// The rows a run imported: (索引号, source row, item id), in row order.
pub async fn run_rows(db: &Db, run_id: i64) -> Result<Vec<(String, i64, i64)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT index_no, source_row, item_id FROM imported_items WHERE run_id = $1 \
         ORDER BY source_row"
    )
    .bind(run_id)
    .fetch_all(p)
    .await?))
}

/// Is the item migrated (由原系统迁移导入)? Its run id.
pub async fn migrated_run(db: &Db, item_id: i64) -> Result<Option<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT run_id FROM imported_items WHERE item_id = $1"
    )
    .bind(item_id)
    .fetch_optional(p)
    .await?))
}
