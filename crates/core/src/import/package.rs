//! The documented JSON package (`docs/schemas/site-package.schema.json`): what `gongkai export`
//! writes and `gongkai import` reads — a whole site (organisations, items with their public
//! revisions, history and attachments, annual reports, applications, mailbox messages, the
//! audit log's file) or just `items` written by another system.
//!
//! Items are read one by one (`serde_json::Value` first), so one malformed item is a problem of
//! that item (`第N条`), not of the file.

use serde::{Deserialize, Serialize};

use super::{Column, Format, Parsed, Problem, RawRow};

/// `format` of a package.
pub const FORMAT: &str = "gongkai-site";
/// `version` this build writes and reads.
pub const VERSION: u32 = 1;
/// File name of the package inside an export folder.
pub const FILE_NAME: &str = "site.json";

/// An organisation of the exported subtree (parents before children).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrgIn {
    pub code: String,
    /// Code of the parent; empty for the subtree's root.
    pub parent_code: String,
    pub kind: String,
    pub full_name: String,
    pub short_name: String,
    pub sort_order: i64,
    pub address: String,
    pub postcode: String,
    pub phone: String,
    pub fax: String,
    pub email: String,
    pub website: String,
    pub office_hours: String,
}

/// An attachment of an item: `file` is a path relative to the package's folder (or the
/// `--files` folder of a spreadsheet import).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttachmentIn {
    pub file: String,
    pub filename: String,
    pub alt_text: String,
    /// SHA-256 of the file as exported (checked on import when present).
    pub sha256: String,
}

/// One public revision of an item (oldest first; the last is the public text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RevisionIn {
    pub number: i64,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub keywords: String,
    pub note: String,
    pub published_at: Option<i64>,
}

/// One step of an item's history in the old system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventIn {
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub note: String,
    pub actor: String,
    pub at: i64,
}

/// An interpretation (解读, C13): its kind and the documents it explains, by 索引号.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InterpretationIn {
    pub kind: String,
    pub programme: String,
    pub episode_no: Option<i64>,
    pub air_date: Option<String>,
    pub explains: Vec<String>,
}

/// A scanner finding of the public text that a reviewer kept with a written justification (the
/// text is public as it stands, e.g. an office's phone number): the import accepts exactly this
/// finding (field, kind, text) instead of rejecting the item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JustifiedIn {
    /// `title`, `summary`, `body_html` or `keywords`.
    pub field: String,
    /// The finding kind's code (e.g. `landline`, `mobile`).
    pub kind: String,
    pub text: String,
    pub justification: String,
    pub justified_by: String,
}

/// One item of a package. The text fields are those of the spreadsheet columns (same names as
/// the JSON keys of [`Column::names`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ItemIn {
    pub index_no: String,
    /// Organisation code within the imported subtree; empty = the `--org` of the import.
    pub org_code: Option<String>,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub keywords: String,
    pub publisher_name: String,
    pub published_on: String,
    pub published_at: Option<i64>,
    pub formed_on: String,
    pub signed_on: Option<String>,
    pub doc_number: String,
    pub topic: String,
    pub genre: String,
    pub catalog: String,
    pub validity: String,
    pub validity_on: Option<String>,
    pub validity_replaced_by: String,
    pub validity_note: String,
    pub attachments: Vec<AttachmentIn>,
    pub revisions: Vec<RevisionIn>,
    pub history: Vec<EventIn>,
    pub withdrawn_at: Option<i64>,
    pub withdrawn_reason: String,
    pub interpretation: Option<InterpretationIn>,
    /// Justified scanner findings of the public text.
    pub justified: Vec<JustifiedIn>,
    /// The item's id in the system it came from.
    pub source_id: Option<i64>,
}

impl ItemIn {
    fn cells(&self) -> Vec<(Column, String)> {
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        vec![
            (Column::IndexNo, self.index_no.clone()),
            (Column::Title, self.title.clone()),
            (Column::Summary, self.summary.clone()),
            (Column::Publisher, self.publisher_name.clone()),
            (Column::PublishedOn, self.published_on.clone()),
            (Column::FormedOn, self.formed_on.clone()),
            (Column::SignedOn, opt(&self.signed_on)),
            (Column::DocNumber, self.doc_number.clone()),
            (Column::Topic, self.topic.clone()),
            (Column::Genre, self.genre.clone()),
            (Column::Catalog, self.catalog.clone()),
            (Column::Validity, self.validity.clone()),
            (Column::ValidityOn, opt(&self.validity_on)),
            (Column::Keywords, self.keywords.clone()),
            (Column::Body, self.body_html.clone()),
        ]
    }
}

/// An annual report as stored (issue #9), its figures frozen: restored as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportIn {
    pub year: i64,
    pub org_code: String,
    pub rollup: bool,
    pub status: String,
    pub counting_unit: String,
    pub narrative_json: String,
    pub licensing: i64,
    pub penalty: i64,
    pub coercion: i64,
    pub admin_fees_fen: i64,
    pub locked_on: Option<String>,
    pub frozen_json: Option<String>,
    pub published_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub acknowledgements: Vec<AcknowledgementIn>,
}

/// An acknowledged REG §3.2 warning of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AcknowledgementIn {
    pub code: String,
    pub message: String,
    pub acknowledged_by: String,
    pub acknowledged_at: i64,
}

/// A past report imported from its JSON or HTML (REG §2.8).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PastReportIn {
    pub org_code: String,
    pub year: i64,
    pub source: String,
    pub format: String,
    pub figures_json: String,
    pub narrative_json: String,
    pub created_by: String,
    pub created_at: i64,
}

/// The exported audit log: a file of the folder, signed (`gongkai audit verify-export`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditIn {
    pub file: String,
    pub records: u64,
    pub sha256: String,
    /// `all` (the whole chain: the subtree is the deployment) or `objects` (records about
    /// the exported objects only).
    pub scope: String,
}

/// The presentation of the exported site (a `sites` row of a consolidated platform): restored
/// by an import into a deployment that has no site over that body yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteIn {
    pub code: String,
    pub name: String,
    pub footer: String,
    pub icp_number: String,
    pub psb_number: String,
    /// Empty: the default 索引号 template.
    pub index_template: String,
    /// Vocabulary overrides: `{"catalog"|"topic"|"genre": [[code, label], ...]}`.
    pub vocab: serde_json::Value,
    pub hosts: Vec<String>,
    /// The logo, a file of the folder (`files/<sha256>`), when the site has one.
    pub logo_file: String,
    pub logo_sha256: String,
}

/// A whole package.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Package {
    pub format: String,
    pub version: u32,
    pub exported_at: String,
    pub generator: String,
    /// Code of the exported subtree's root organisation.
    pub org_code: String,
    /// The site's presentation, when the exported body is a site of a consolidated platform.
    pub site: Option<SiteIn>,
    pub orgs: Vec<OrgIn>,
    /// Items, read one by one ([`ItemIn`]).
    pub items: Vec<serde_json::Value>,
    pub reports: Vec<ReportIn>,
    pub past_reports: Vec<PastReportIn>,
    /// Records of disclosure applications: table name → rows (column → value), as stored.
    pub applications: serde_json::Map<String, serde_json::Value>,
    /// Records of the mailbox: table name → rows, as stored.
    pub messages: serde_json::Map<String, serde_json::Value>,
    /// `sealed` (personal fields as vault ciphertexts) or `unsealed` (opened; audited export).
    pub personal_data: String,
    /// The watermark of an export with unsealed personal data.
    pub watermark: String,
    pub audit: Option<AuditIn>,
}

/// Parses a package; Err is a Chinese message with the line and column of a JSON error.
pub fn parse(bytes: &[u8]) -> Result<Package, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let package: Package = serde_json::from_slice(bytes)
        .map_err(|e| format!("JSON 格式错误（第{}行第{}列）：{e}", e.line(), e.column()))?;
    if !package.format.is_empty() && package.format != FORMAT {
        return Err(format!(
            "不是 Gongkai 数据包：format 应为“{FORMAT}”，实为“{}”",
            package.format
        ));
    }
    if package.version > VERSION {
        return Err(format!(
            "数据包版本 {} 高于本程序支持的版本 {VERSION}，请先升级",
            package.version
        ));
    }
    Ok(package)
}

/// Reads a package's items into rows (JSON item numbers from 1).
pub(super) fn read_rows(bytes: &[u8], parsed: &mut Parsed) {
    let mut package = match parse(bytes) {
        Ok(p) => p,
        Err(e) => {
            parsed.problems.push(Problem::file(e));
            return;
        }
    };
    let unit = Format::Json.unit();
    for (i, value) in std::mem::take(&mut package.items).into_iter().enumerate() {
        let row = i + 1;
        match serde_json::from_value::<ItemIn>(value) {
            Ok(item) => {
                let cells = item
                    .cells()
                    .into_iter()
                    .map(|(c, v)| (c, v.trim().to_string()))
                    .collect();
                parsed.rows.push(RawRow {
                    row,
                    cells,
                    item: Some(item),
                });
            }
            Err(e) => parsed.problems.push(Problem {
                row,
                column: String::new(),
                message: format!("字段格式错误：{e}"),
                unit: unit.into(),
            }),
        }
    }
    parsed.package = Some(package);
}
