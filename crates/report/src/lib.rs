//! The annual report of 政府信息公开 (条例 Art. 49–50; REG §1.6, §2–3; product.md C12).
//!
//! Pure: no I/O. The store collects records into the [`count`] record types, this crate counts
//! the tables, runs the [`checks`], assembles the narrative with generated sentences
//! ([`narrative`]) and renders the report as one [`gongkai_documents::Document`] (HTML, typst/PDF,
//! DOCX) or as JSON with the REG §2.4–2.6 keys. [`import`] reads past reports (2019 trial and
//! 2021 formats) from that JSON or from an HTML page whose tables follow the format.

pub mod checks;
pub mod count;
pub mod figures;
pub mod format;
pub mod import;
pub mod narrative;
pub mod render;

pub use checks::{Finding, Severity};
pub use count::{AppealRecord, ApplicationRecord, CountingUnit, ItemRecord, ManualCounts};
pub use figures::{Figures, FormatVersion, Table2, Table3, Table4};
pub use narrative::{Facts, Narrative};
pub use render::Report;
