//! Backups, restores and the SQLite → PostgreSQL copy (issue #2, house-style §8).
//!
//! # The table registry
//! [`TABLES`] lists every application table, in foreign-key dependency order, with each column's
//! portable type (integer, text or boolean, nullable or not). It drives the logical dump, its
//! restore and `db-copy`, so those need no database-specific SQL beyond sequence resets.
//! [`schema_mismatches`] compares the registry with the live schema (`sqlite_master` /
//! `information_schema`); every operation here refuses to run when they differ, and a test runs
//! it on both backends, so a migration that adds a table or column without registering it here
//! fails CI instead of silently leaving data out of backups.
//!
//! # Formats
//! - SQLite backup: `VACUUM INTO` a new file (a consistent, compacted copy taken online).
//! - Logical dump (PostgreSQL backups, and readable on either backend): JSON lines. Line 1 is a
//!   header (format name, format version, schema version, tables and columns); then one line per
//!   chunk of at most [`CHUNK_ROWS`] rows of one table, tables in registry order; the last line
//!   is a trailer with the row count of every table, so a truncated file is detected.
//!
//! # Invariants
//! - Reads happen in one snapshot (a read transaction on SQLite, `REPEATABLE READ` on
//!   PostgreSQL), so a backup taken while `serve` runs is consistent.
//! - Loading (restore of a dump, db-copy) writes into an *empty* database migrated to the same
//!   schema version, in one transaction: either everything arrives or nothing does. Identity
//!   sequences are reset afterwards on PostgreSQL, and row counts are compared before commit.
//! - The audit log is copied row for row (ids, hashes and all), so `audit::verify` passes on the
//!   target. Its append-only triggers refuse UPDATE and DELETE only; loading only inserts.
//! - A self-referencing column (`orgs.parent_id`) is loaded as NULL first and set afterwards, so
//!   row order never violates the foreign key, whatever order parents were created in.

use crate::{Backend, Db, Result, StoreError, Tx, now_ms, on_db, on_tx};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Connection, Row};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The name in the header of a logical dump.
pub const DUMP_FORMAT: &str = "gongkai-logical-dump";
/// Version of the dump format (not of the schema). Bump when the line layout changes.
pub const DUMP_FORMAT_VERSION: u32 = 1;
/// Rows per chunk line in a dump, and rows per batch when reading.
pub const CHUNK_ROWS: usize = 500;
/// Bound parameters per INSERT statement (below SQLite's historical limit of 999).
const MAX_BINDS: usize = 900;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A portable column type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ColType {
    /// 64-bit integer (`INTEGER`/`BIGINT`).
    Int,
    /// Text (`TEXT`).
    Text,
    /// Boolean (`BOOLEAN`).
    Bool,
}

/// One column of a registered table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
    pub nullable: bool,
}

/// One registered table.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// Primary key columns: the order rows are read in (deterministic dumps).
    pub key: &'static [&'static str],
    /// The PostgreSQL identity column whose sequence must be reset after loading.
    pub identity: Option<&'static str>,
    /// A column referencing this same table, and the column it references.
    pub self_ref: Option<(&'static str, &'static str)>,
    /// Rows that a migration inserts (e.g. the `calendar_state` counter): an empty target
    /// already has them, so loading replaces them instead of refusing the target.
    pub migration_seeded: bool,
}

const fn int(name: &'static str) -> Column {
    Column {
        name,
        ty: ColType::Int,
        nullable: false,
    }
}
const fn int_null(name: &'static str) -> Column {
    Column {
        name,
        ty: ColType::Int,
        nullable: true,
    }
}
const fn text(name: &'static str) -> Column {
    Column {
        name,
        ty: ColType::Text,
        nullable: false,
    }
}
const fn text_null(name: &'static str) -> Column {
    Column {
        name,
        ty: ColType::Text,
        nullable: true,
    }
}
const fn boolean(name: &'static str) -> Column {
    Column {
        name,
        ty: ColType::Bool,
        nullable: false,
    }
}

/// Every application table, parents before children. A new migration that adds a table or a
/// column must add it here too (the registry test on both backends enforces it).
pub const TABLES: &[Table] = &[
    Table {
        name: "orgs",
        columns: &[
            int("id"),
            int_null("parent_id"),
            text("kind"),
            text("code"),
            text("full_name"),
            text("short_name"),
            int("sort_order"),
            text("address"),
            text("postcode"),
            text("phone"),
            text("fax"),
            text("email"),
            text("website"),
            text("office_hours"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: Some(("parent_id", "id")),
        migration_seeded: false,
    },
    Table {
        name: "users",
        columns: &[
            int("id"),
            text("username"),
            text("display_name"),
            text("password_hash"),
            int("org_id"),
            boolean("active"),
            boolean("must_change_password"),
            int("password_changed_at"),
            int("created_at"),
            int("updated_at"),
            int("failed_logins"),
            int_null("locked_until"),
            int_null("last_login_at"),
            text_null("last_login_ip"),
            text_null("totp_secret"),
            boolean("totp_enabled"),
            int_null("totp_last_step"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "password_history",
        columns: &[
            int("id"),
            int("user_id"),
            text("password_hash"),
            int("created_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "user_grants",
        columns: &[int("user_id"), text("role"), int("scope_org_id")],
        key: &["user_id", "role", "scope_org_id"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "sessions",
        columns: &[
            text("id_hash"),
            int("user_id"),
            text("csrf_token"),
            int("created_at"),
            int("last_seen_at"),
            int("expires_at"),
            boolean("pending_totp"),
            text_null("login_notice"),
        ],
        key: &["id_hash"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "login_attempts",
        columns: &[
            int("id"),
            text("username"),
            text("ip"),
            int("at"),
            boolean("success"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "api_tokens",
        columns: &[
            int("id"),
            int("user_id"),
            text("name"),
            text("token_hash"),
            int("created_at"),
            int_null("last_used_at"),
            int_null("revoked_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "audit_log",
        columns: &[
            int("id"),
            int("at"),
            int_null("actor_user_id"),
            text("actor"),
            text("action"),
            text("object_type"),
            text("object_id"),
            text_null("before_json"),
            text_null("after_json"),
            text("ip"),
            text("prev_hash"),
            text("hash"),
            text("hash_alg"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "jobs",
        columns: &[
            int("id"),
            text("kind"),
            text("payload"),
            text_null("dedupe_key"),
            text("status"),
            int("attempts"),
            int("max_attempts"),
            int("run_after"),
            text_null("locked_by"),
            int_null("locked_until"),
            text_null("last_error"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "pages",
        columns: &[
            text("slug"),
            text("title"),
            text("body"),
            int("updated_at"),
            int_null("updated_by"),
        ],
        key: &["slug"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "settings",
        columns: &[text("key"), text("value"), int("updated_at")],
        key: &["key"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "rate_events",
        columns: &[int("id"), text("bucket"), text("key"), int("at")],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "spent_challenges",
        columns: &[text("id"), int("expires_at")],
        key: &["id"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "calendar_years",
        columns: &[
            int("year"),
            text("notice_title"),
            text("document_number"),
            text("urls_json"),
            text("data_json"),
            text("source"),
            int("loaded_at"),
            text("updated_by"),
        ],
        key: &["year"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "calendar_days",
        columns: &[
            int("id"),
            text("date"),
            text("kind"),
            text("name"),
            text("source"),
            int_null("notice_year"),
            text("document_number"),
            text("notice_url"),
            int_null("scope_org_id"),
            text("updated_by"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "calendar_state",
        columns: &[int("id"), int("version")],
        key: &["id"],
        identity: None,
        self_ref: None,
        migration_seeded: true,
    },
    Table {
        name: "deadlines",
        columns: &[
            int("id"),
            text("object_type"),
            int("object_id"),
            int("org_id"),
            text("kind"),
            text("label"),
            text("clock_json"),
            text("due_date"),
            text("original_due_date"),
            boolean("provisional"),
            text("explanation"),
            text("status"),
            int_null("closed_at"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    }, // Migration 0004 (attachments.rs). The files themselves are not in the database: back up
    // <data>/files alongside it.
    Table {
        name: "attachments",
        columns: &[
            int("id"),
            text("owner_type"),
            int("owner_id"),
            text("sha256"),
            text("filename"),
            text("media_type"),
            int("size"),
            text("alt_text"),
            int_null("created_by"),
            int("created_at"),
            text_null("sealed_key"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "item_vocab",
        columns: &[
            int("id"),
            text("kind"),
            text("code"),
            text("label"),
            text("group_label"),
            int("sort_order"),
            boolean("active"),
            boolean("builtin"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "item_index_templates",
        columns: &[
            int("org_id"),
            text("template"),
            int("updated_at"),
            text("updated_by"),
        ],
        key: &["org_id"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "item_index_counters",
        columns: &[int("scope_org_id"), int("year"), int("next_serial")],
        key: &["scope_org_id", "year"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "items",
        columns: &[
            int("id"),
            int("org_id"),
            text("state"),
            text_null("index_no"),
            text("formed_on"),
            text_null("signed_on"),
            text("publisher_name"),
            text("doc_number"),
            text("topic_code"),
            text("genre_code"),
            text("catalog_code"),
            text("disclosure"),
            text("withhold_ground"),
            boolean("classified"),
            text("validity"),
            text_null("validity_on"),
            text("validity_replaced_by"),
            text("validity_note"),
            int_null("current_revision_id"),
            int_null("published_revision_id"),
            int_null("scheduled_at"),
            int_null("published_at"),
            text_null("published_on"),
            boolean("published_late"),
            int_null("withdrawn_at"),
            text("withdrawn_reason"),
            text_null("rereview_due"),
            text("created_by"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "item_revisions",
        columns: &[
            int("id"),
            int("item_id"),
            int("number"),
            text("title"),
            text("summary"),
            text("body_html"),
            text("keywords"),
            text("note"),
            text("created_by"),
            int("created_at"),
            int_null("published_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "item_reviews",
        columns: &[
            int("id"),
            int("item_id"),
            int("revision_id"),
            text("reviewer"),
            int_null("reviewer_id"),
            boolean("legal_pass"),
            text("legal_comment"),
            boolean("policy_pass"),
            text("policy_comment"),
            boolean("wording_pass"),
            text("wording_comment"),
            boolean("secrecy_pass"),
            text("secrecy_comment"),
            boolean("passed"),
            int("created_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "item_confidentiality_reviews",
        columns: &[
            int("id"),
            int("item_id"),
            int("revision_id"),
            text("form_date"),
            text("originating_unit"),
            text("info_title"),
            text("carrier"),
            text("reference_no"),
            text("channels"),
            text_null("planned_on"),
            text("disclosure"),
            text("withhold_ground"),
            boolean("state_secret"),
            boolean("work_secret"),
            boolean("commercial_secret"),
            boolean("personal_privacy"),
            text("secrets_note"),
            text("drafter_opinion"),
            text("drafter_name"),
            text_null("drafter_on"),
            text("head_opinion"),
            text("head_name"),
            text_null("head_on"),
            text("conclusion"),
            text("basis"),
            text("reviewer_name"),
            int_null("reviewer_id"),
            text("reviewed_on"),
            text("remarks"),
            int("created_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "item_approvals",
        columns: &[
            int("id"),
            int("item_id"),
            int("revision_id"),
            text("approver"),
            int_null("approver_id"),
            text("opinion"),
            text("approved_on"),
            int("created_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "item_findings",
        columns: &[
            int("id"),
            int("item_id"),
            int("revision_id"),
            text("field"),
            text("kind"),
            int("start_pos"),
            int("end_pos"),
            text("found_text"),
            text("suggested_mask"),
            text("confidence"),
            boolean("blocking"),
            text("reason"),
            text_null("resolution"),
            text("justification"),
            text_null("resolved_by"),
            int_null("resolved_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "item_events",
        columns: &[
            int("id"),
            int("item_id"),
            int_null("revision_id"),
            text("action"),
            text("from_state"),
            text("to_state"),
            text("note"),
            text("actor"),
            int_null("actor_id"),
            int("at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "confidentiality_commitments",
        columns: &[
            int("id"),
            int("org_id"),
            int_null("user_id"),
            text("person_name"),
            text("role"),
            text("signed_on"),
            text("document_ref"),
            text("created_by"),
            int("created_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    // Issue #13: key ids and check values only (no key material), and audit checkpoints.
    Table {
        name: "vault_keys",
        columns: &[
            text("key_id"),
            text("algorithm"),
            text("check_value"),
            int("created_at"),
            int_null("retired_at"),
        ],
        key: &["key_id"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "audit_checkpoints",
        columns: &[
            int("id"),
            int("upto_id"),
            text("upto_hash"),
            int("record_id"),
            int("pruned"),
            int("at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "item_attachment_findings",
        columns: &[
            int("id"),
            int("item_id"),
            int("attachment_id"),
            text("kind"),
            int("start_pos"),
            int("end_pos"),
            text("found_text"),
            text("suggested_mask"),
            text("confidence"),
            boolean("blocking"),
            text("reason"),
            text_null("resolution"),
            text("justification"),
            text_null("resolved_by"),
            int_null("resolved_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "disclosure_guides",
        columns: &[
            int("org_id"),
            text("intro"),
            text("classification"),
            text("arrangement"),
            text("access_methods"),
            text("office_name"),
            text("address"),
            text("office_hours"),
            text("phone"),
            text("fax"),
            text("internet"),
            int("updated_at"),
            text("updated_by"),
        ],
        key: &["org_id"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "rule_documents",
        columns: &[
            int("id"),
            text("title"),
            text("doc_number"),
            text("issuer"),
            text_null("issued_on"),
            text("summary"),
            text("url"),
            int("sort_order"),
            boolean("active"),
            text("created_by"),
            int("created_at"),
            int("updated_at"),
            // Migration 0022: the site body the rule document belongs to.
            int_null("org_id"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    // Migration 0007 (applications/): disclosure applications and the review register.
    Table {
        name: "applications",
        columns: &[
            int("id"),
            int("org_id"),
            text("tracking_no"),
            text("secret_hash"),
            text("channel"),
            text("applicant_type"),
            text("applicant_name"),
            text("pii_id_kind"),
            text("pii_id_number"),
            text("pii_phone"),
            text("pii_email"),
            text("pii_address"),
            text("pii_postcode"),
            text("applicant_key"),
            text("agent_kind"),
            text("agent_name"),
            text("pii_agent_id_number"),
            text("agent_authorisation"),
            text("info_form"),
            text("delivery"),
            text("help_needs"),
            text("help_note"),
            int_null("identity_proof_id"),
            text("stage"),
            text("arrived_on"),
            text_null("signed_on"),
            text_null("confirmed_on"),
            text_null("received_on"),
            text("receipt_explanation"),
            int_null("department_id"),
            text("internal_note"),
            text_null("correction_notice_on"),
            text("correction_items"),
            text_null("correction_due_on"),
            text_null("correction_received_on"),
            int_null("repeat_of"),
            boolean("routed_out"),
            text_null("decided_on"),
            text_null("replied_on"),
            text("reply_via"),
            text_null("archived_on"),
            text("created_by"),
            int("created_at"),
            int("updated_at"),
            int_null("pii_purged_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "application_items",
        columns: &[
            int("id"),
            int("application_id"),
            int("seq"),
            text("description"),
            text("doc_number"),
            text("features"),
            text_null("outcome"),
            text("basis"),
            text("withheld_what"),
            text("withheld_why"),
            int_null("published_item_id"),
            text("decision_note"),
            text_null("decided_on"),
            text("decided_by"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "application_events",
        columns: &[
            int("id"),
            int("application_id"),
            text("action"),
            text("from_stage"),
            text("to_stage"),
            text_null("on_date"),
            text("note"),
            text("actor"),
            int_null("actor_id"),
            int("at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "application_consultations",
        columns: &[
            int("id"),
            int("application_id"),
            text("party_kind"),
            text("party_name"),
            text("sent_on"),
            text_null("party_received_on"),
            text("due_on"),
            text_null("replied_on"),
            text("opinion"),
            text("note"),
            int("created_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "application_extensions",
        columns: &[
            int("id"),
            int("application_id"),
            int("workdays"),
            text("reason"),
            text("approved_by"),
            int_null("approved_by_id"),
            text("approved_on"),
            text("notice_on"),
            text("original_due_on"),
            int("created_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "application_fees",
        columns: &[
            int("id"),
            int("application_id"),
            text("method"),
            int("units"),
            int("already"),
            int("amount_fen"),
            text("working"),
            text("notice_on"),
            text("notice_received_on"),
            text("due_on"),
            text_null("paid_on"),
            int("created_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "application_letters",
        columns: &[
            int("id"),
            int("application_id"),
            text("kind"),
            text("title"),
            text("body"),
            text("created_by"),
            int("created_at"),
            text("sent_via"),
            text_null("sent_on"),
            text("sent_to"),
            int("revision"),
            text("precheck"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    // Migration 0018: the confidentiality review of letters.
    Table {
        name: "application_letter_reviews",
        columns: &[
            int("id"),
            int("letter_id"),
            int("application_id"),
            int("letter_revision"),
            text("conclusion"),
            boolean("state_secret"),
            boolean("work_secret"),
            boolean("commercial_secret"),
            boolean("personal_privacy"),
            text("note"),
            text("reviewer_name"),
            int_null("reviewer_id"),
            text("reviewed_on"),
            int("created_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "application_letter_templates",
        columns: &[
            text("kind"),
            text("title"),
            text("body"),
            text("updated_by"),
            int("updated_at"),
        ],
        key: &["kind"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "appeal_cases",
        columns: &[
            int("id"),
            int("org_id"),
            int_null("application_id"),
            text("kind"),
            text("case_no"),
            text("body_name"),
            text("filed_on"),
            text("result"),
            text_null("concluded_on"),
            text("note"),
            text("created_by"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "mailbox_boxes",
        columns: &[
            int("id"),
            int("org_id"),
            text("code"),
            text("name"),
            text("intro"),
            boolean("name_required"),
            int("reply_workdays"),
            boolean("publish_by_default"),
            boolean("active"),
            int("sort_order"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "mailbox_topics",
        columns: &[
            int("id"),
            text("code"),
            text("label"),
            int("sort_order"),
            boolean("active"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "mailbox_messages",
        columns: &[
            int("id"),
            int("box_id"),
            int("org_id"),
            text("query_no"),
            text("secret_hash"),
            text("kind"),
            text("status"),
            text("channel"),
            text("topic_code"),
            text("title"),
            text("content"),
            text("pii_name"),
            text("pii_phone"),
            text("pii_email"),
            boolean("consent_publish"),
            int("received_at"),
            text("received_on"),
            int_null("dept_id"),
            text("instruction"),
            text("draft_reply"),
            text("reply"),
            int_null("replied_at"),
            text_null("replied_on"),
            text_null("due_on"),
            int_null("reply_days"),
            boolean("in_time"),
            text("publication"),
            text("public_title"),
            text("public_question"),
            text("public_reply"),
            text("reviewed_by"),
            text("review_note"),
            int_null("reviewed_at"),
            int_null("published_at"),
            text_null("rating"),
            text("rating_comment"),
            int_null("rated_at"),
            int_null("petition_at"),
            int_null("application_id"),
            int_null("converted_at"),
            int("created_at"),
            int("updated_at"),
            int_null("pii_purged_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "mailbox_steps",
        columns: &[
            int("id"),
            int("message_id"),
            text("step"),
            text("from_status"),
            text("to_status"),
            text("note"),
            text("detail_json"),
            text("actor"),
            int_null("actor_id"),
            int("at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "mailbox_supervisions",
        columns: &[
            int("id"),
            int("message_id"),
            int_null("dept_id"),
            text("cause"),
            boolean("escalated"),
            text("due_on"),
            text("note"),
            text("issued_by"),
            int("issued_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "search_outbox",
        columns: &[int("seq"), text("kind"), int("doc_id"), int("created_at")],
        key: &["seq"],
        identity: Some("seq"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "search_instances",
        columns: &[text("instance"), int("applied"), int("seen_at")],
        key: &["instance"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "search_outbox_pruned",
        columns: &[int("id"), int("through"), int("pruned_at")],
        key: &["id"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "search_terms",
        columns: &[
            int("id"),
            text("term"),
            text("created_by"),
            int("created_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: true,
    },
    Table {
        name: "grassroots_units",
        columns: &[
            int("org_id"),
            boolean("active"),
            text("updated_by"),
            int("updated_at"),
        ],
        key: &["org_id"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "grassroots_submissions",
        columns: &[
            int("id"),
            int("item_id"),
            int("unit_org_id"),
            int("parent_org_id"),
            text("status"),
            int("submitted_at"),
            text("submitted_on"),
            int_null("decided_at"),
            text_null("decided_on"),
            text("decided_by"),
            text("published_as"),
            text("reason"),
            text_null("edit_json"),
            text("edit_diff"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "channels",
        columns: &[
            int("id"),
            text("kind"),
            text("code"),
            text("name"),
            text("description"),
            int("sort_order"),
            boolean("active"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "item_channels",
        columns: &[
            int("item_id"),
            int("channel_id"),
            text("published_on"),
            text("created_by"),
            int("created_at"),
        ],
        key: &["item_id", "channel_id"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "syndication_targets",
        columns: &[
            int("id"),
            text("code"),
            text("name"),
            text("url"),
            int("points_per_adopted"),
            text("rule_note"),
            int("sort_order"),
            boolean("active"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "syndication_submissions",
        columns: &[
            int("id"),
            int("target_id"),
            text("submitted_on"),
            text("status"),
            int("score"),
            text_null("decided_on"),
            text("note"),
            text("created_by"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "syndication_items",
        columns: &[int("submission_id"), int("item_id")],
        key: &["submission_id", "item_id"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "interpretations",
        columns: &[
            int("item_id"),
            text("kind"),
            text("programme"),
            int_null("episode_no"),
            text_null("air_date"),
            text("created_by"),
            int("created_at"),
        ],
        key: &["item_id"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "interpretation_links",
        columns: &[int("interpretation_id"), int("document_id")],
        key: &["interpretation_id", "document_id"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "reports",
        columns: &[
            int("id"),
            int("year"),
            int("org_id"),
            boolean("rollup"),
            text("status"),
            text("counting_unit"),
            text("narrative_json"),
            int("licensing"),
            int("penalty"),
            int("coercion"),
            int("admin_fees_fen"),
            text_null("locked_on"),
            text_null("frozen_json"),
            int_null("published_at"),
            text("created_by"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "report_acknowledgements",
        columns: &[
            int("report_id"),
            text("code"),
            text("message"),
            text("acknowledged_by"),
            int("acknowledged_at"),
        ],
        key: &["report_id", "code"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "report_imports",
        columns: &[
            int("id"),
            int("org_id"),
            int("year"),
            text("source"),
            text("format"),
            text("figures_json"),
            text("narrative_json"),
            text("created_by"),
            int("created_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "reminders",
        columns: &[
            int("id"),
            text("reminder_key"),
            text("subject_type"),
            int("subject_id"),
            text("kind"),
            text("threshold"),
            text("due_date"),
            int("org_id"),
            int_null("dept_id"),
            text("audience"),
            text("title"),
            text("body"),
            text("link"),
            int_null("mailed_at"),
            text("mail_error"),
            int("created_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "reminder_reads",
        columns: &[int("reminder_id"), int("user_id"), int("read_at")],
        key: &["reminder_id", "user_id"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "work_plans",
        columns: &[
            int("id"),
            int("year"),
            int("org_id"),
            text("title"),
            text("goals"),
            text("created_by"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "work_tasks",
        columns: &[
            int("id"),
            int("plan_id"),
            int_null("parent_id"),
            int("org_id"),
            text("title"),
            text("person"),
            text("basis"),
            text_null("start_on"),
            int_null("workdays"),
            text("due_on"),
            boolean("due_provisional"),
            text_null("done_on"),
            text("created_by"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: Some(("parent_id", "id")),
        migration_seeded: false,
    },
    Table {
        name: "work_task_reports",
        columns: &[
            int("id"),
            int("task_id"),
            text("reported_on"),
            text("note"),
            int_null("item_id"),
            boolean("done"),
            text("reported_by"),
            int_null("reported_by_id"),
            int("created_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "training_sessions",
        columns: &[
            int("id"),
            int("org_id"),
            int("year"),
            text("held_on"),
            text("title"),
            text("category"),
            int("outsiders"),
            text("materials"),
            text("notes"),
            text("created_by"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "training_participants",
        columns: &[int("session_id"), int("user_id")],
        key: &["session_id", "user_id"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "assessment_records",
        columns: &[
            int("id"),
            int("org_id"),
            int("year"),
            text("kind"),
            text("held_on"),
            text("title"),
            text("result"),
            int("cases"),
            text("notes"),
            text("created_by"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "proposals",
        columns: &[
            int("id"),
            int("org_id"),
            int("year"),
            text("kind"),
            text("number"),
            text("title"),
            text("role"),
            text("co_units"),
            text("received_on"),
            text_null("due_on"),
            text_null("replied_on"),
            text("reply"),
            text("satisfaction"),
            text("disclosable"),
            int_null("item_id"),
            text("created_by"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "publicity_activities",
        columns: &[
            int("id"),
            int("org_id"),
            int("year"),
            text("kind"),
            text("held_on"),
            text("title"),
            int("pieces"),
            int("audience"),
            text("notes"),
            text("created_by"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    }, // Bulk import (issue #14, migration 0023).
    Table {
        name: "import_runs",
        columns: &[
            int("id"),
            int("org_id"),
            text("source_name"),
            text("source_sha256"),
            text("format"),
            int("rows_total"),
            int("imported"),
            int("unchanged"),
            int("rejected"),
            text("problems_json"),
            text("started_by"),
            int("started_at"),
            int_null("finished_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "imported_items",
        columns: &[
            int("item_id"),
            int("run_id"),
            int("org_id"),
            text("index_no"),
            int("source_row"),
            int_null("source_id"),
            text("row_sha256"),
        ],
        key: &["item_id"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
    // Migration 0022 (sites.rs): the sites of a consolidated platform and their host names.
    Table {
        name: "sites",
        columns: &[
            int("id"),
            text("code"),
            int("root_org_id"),
            text("name"),
            text_null("logo_sha256"),
            text("logo_media_type"),
            text("footer"),
            text("icp_number"),
            text("psb_number"),
            text_null("index_template"),
            text("vocab_json"),
            int("created_at"),
            int("updated_at"),
        ],
        key: &["id"],
        identity: Some("id"),
        self_ref: None,
        migration_seeded: false,
    },
    Table {
        name: "site_hosts",
        columns: &[text("host"), int("site_id")],
        key: &["host"],
        identity: None,
        self_ref: None,
        migration_seeded: false,
    },
];

/// Tables that belong to the machinery, not the application, and are never copied.
const UNREGISTERED: &[&str] = &["_sqlx_migrations"];

/// One cell value in portable form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
}

impl Value {
    fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Text(s) => serde_json::Value::String(s.clone()),
        }
    }

    /// Reads a dump cell, checking it against the column's type.
    fn from_json(v: &serde_json::Value, col: &Column) -> std::result::Result<Value, String> {
        match (v, col.ty) {
            (serde_json::Value::Null, _) if col.nullable => Ok(Value::Null),
            (serde_json::Value::Null, _) => Err(format!("列 {} 不能为空", col.name)),
            (serde_json::Value::Number(n), ColType::Int) => n
                .as_i64()
                .map(Value::Int)
                .ok_or_else(|| format!("列 {} 的值 {n} 不是 64 位整数", col.name)),
            (serde_json::Value::String(s), ColType::Text) => Ok(Value::Text(s.clone())),
            (serde_json::Value::Bool(b), ColType::Bool) => Ok(Value::Bool(*b)),
            (other, _) => Err(format!("列 {} 的值 {other} 类型不符", col.name)),
        }
    }
}

/// Row counts of one table after a load: what the source had and what the target has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableCount {
    pub table: &'static str,
    pub source: u64,
    pub target: u64,
}

/// What kind of backup a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupKind {
    /// A SQLite database file (from `VACUUM INTO`).
    SqliteFile,
    /// A logical dump (JSON lines).
    LogicalDump,
}

/// Summary of a finished backup.
#[derive(Debug, Clone, Serialize)]
pub struct BackupSummary {
    pub schema_version: i64,
    /// Rows per table, registry order.
    pub row_counts: Vec<(&'static str, u64)>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    format_version: u32,
    schema_version: i64,
    source_backend: String,
    created_at_ms: i64,
    tables: Vec<HeaderTable>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct HeaderTable {
    name: String,
    columns: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Line {
    Chunk {
        table: String,
        rows: Vec<Vec<serde_json::Value>>,
    },
    End {
        end: bool,
        row_counts: BTreeMap<String, u64>,
    },
}

fn registry_header_tables() -> Vec<HeaderTable> {
    TABLES
        .iter()
        .map(|t| HeaderTable {
            name: t.name.to_string(),
            columns: t.columns.iter().map(|c| c.name.to_string()).collect(),
        })
        .collect()
}

fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

// ---------------------------------------------------------------------------------------------
// Registry check

/// A live column as the database describes it.
struct LiveColumn {
    name: String,
    ty: Option<ColType>,
    raw_type: String,
    nullable: bool,
    identity: bool,
}

fn sqlite_type(declared: &str) -> Option<ColType> {
    match declared.to_ascii_uppercase().as_str() {
        "INTEGER" | "BIGINT" => Some(ColType::Int),
        "TEXT" => Some(ColType::Text),
        "BOOLEAN" => Some(ColType::Bool),
        _ => None,
    }
}

fn postgres_type(data_type: &str) -> Option<ColType> {
    match data_type {
        "bigint" => Some(ColType::Int),
        "text" => Some(ColType::Text),
        "boolean" => Some(ColType::Bool),
        _ => None,
    }
}

async fn live_schema(db: &Db) -> Result<BTreeMap<String, Vec<LiveColumn>>> {
    let mut out = BTreeMap::new();
    match db {
        Db::Sqlite { read, .. } => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            )
            .fetch_all(read)
            .await?;
            for t in tables {
                let cols: Vec<(String, String, i64, i64)> = sqlx::query_as(
                    "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
                )
                .bind(&t)
                .fetch_all(read)
                .await?;
                let cols = cols
                    .into_iter()
                    .map(|(name, ty, notnull, pk)| LiveColumn {
                        name,
                        ty: sqlite_type(&ty),
                        nullable: notnull == 0 && pk == 0,
                        // SQLite's INTEGER PRIMARY KEY needs no sequence reset.
                        identity: false,
                        raw_type: ty,
                    })
                    .collect();
                out.insert(t, cols);
            }
        }
        Db::Postgres(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            )
            .fetch_all(pool)
            .await?;
            for t in tables {
                let cols: Vec<(String, String, String, String)> = sqlx::query_as(
                    "SELECT column_name::text, data_type::text, is_nullable::text, is_identity::text \
                     FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 \
                     ORDER BY ordinal_position",
                )
                .bind(&t)
                .fetch_all(pool)
                .await?;
                let cols = cols
                    .into_iter()
                    .map(|(name, ty, nullable, identity)| LiveColumn {
                        name,
                        ty: postgres_type(&ty),
                        nullable: nullable == "YES",
                        identity: identity == "YES",
                        raw_type: ty,
                    })
                    .collect();
                out.insert(t, cols);
            }
        }
    }
    for skip in UNREGISTERED {
        out.remove(*skip);
    }
    Ok(out)
}

/// Differences between [`TABLES`] and the live schema, in Chinese; empty when they agree.
///
/// Checked: every table exists on both sides, with the same columns, portable types and
/// nullability, and (PostgreSQL) the same identity column.
pub async fn schema_mismatches(db: &Db) -> Result<Vec<String>> {
    let live = live_schema(db).await?;
    let mut problems = Vec::new();
    for name in live.keys() {
        if !TABLES.iter().any(|t| t.name == name) {
            problems.push(format!(
                "表 {name} 存在于数据库中，但未登记在备份登记表（crates/store/src/backup.rs 的 TABLES）中"
            ));
        }
    }
    for t in TABLES {
        let Some(cols) = live.get(t.name) else {
            problems.push(format!("登记表中的表 {} 在数据库中不存在", t.name));
            continue;
        };
        for lc in cols {
            match t.columns.iter().find(|c| c.name == lc.name) {
                None => problems.push(format!("列 {}.{} 未登记", t.name, lc.name)),
                Some(c) => {
                    if lc.ty != Some(c.ty) {
                        problems.push(format!(
                            "列 {}.{} 的类型 {} 与登记的 {:?} 不符",
                            t.name, lc.name, lc.raw_type, c.ty
                        ));
                    }
                    if lc.nullable != c.nullable {
                        problems.push(format!(
                            "列 {}.{} 的可空性与登记不符（数据库：{}）",
                            t.name,
                            lc.name,
                            if lc.nullable { "可空" } else { "非空" }
                        ));
                    }
                }
            }
        }
        for c in t.columns {
            if !cols.iter().any(|lc| lc.name == c.name) {
                problems.push(format!("登记的列 {}.{} 在数据库中不存在", t.name, c.name));
            }
        }
        if db.backend() == Backend::Postgres {
            let live_identity = cols.iter().find(|c| c.identity).map(|c| c.name.as_str());
            if live_identity != t.identity {
                problems.push(format!(
                    "表 {} 的自增列（{}）与登记（{}）不符",
                    t.name,
                    live_identity.unwrap_or("无"),
                    t.identity.unwrap_or("无")
                ));
            }
        }
    }
    Ok(problems)
}

async fn require_registry(db: &Db) -> Result<()> {
    let problems = schema_mismatches(db).await?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(invalid(format!(
            "数据库结构与备份登记表不一致，为免遗漏数据，拒绝操作：{}",
            problems.join("；")
        )))
    }
}

/// Rows per registered table, registry order.
pub async fn row_counts(db: &Db) -> Result<Vec<(&'static str, u64)>> {
    let mut out = Vec::with_capacity(TABLES.len());
    for t in TABLES {
        let sql = AssertSqlSafe(format!("SELECT COUNT(*) FROM {}", t.name));
        let n: i64 = crate::on_db!(db, |p| sqlx::query_scalar(sql).fetch_one(p).await?);
        out.push((t.name, u64::try_from(n).unwrap_or(0)));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Starts a read-only snapshot on `db` (see the module header).
async fn begin_snapshot(db: &Db) -> Result<Tx> {
    Ok(match db {
        Db::Sqlite { read, .. } => Tx::Sqlite(read.begin().await?),
        Db::Postgres(pool) => Tx::Postgres(
            pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await?,
        ),
    })
}

async fn count_in(tx: &mut Tx, table: &str) -> Result<u64> {
    let sql = AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
    let n: i64 = on_tx!(tx, |c| sqlx::query_scalar(sql).fetch_one(c).await?);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Where rows read from a source go.
enum Sink<'a> {
    Dump(&'a mut (dyn Write + Send)),
    Load(&'a mut Loader),
}

impl Sink<'_> {
    async fn rows(&mut self, idx: usize, rows: Vec<Vec<Value>>) -> Result<()> {
        match self {
            Sink::Dump(w) => {
                let line = Line::Chunk {
                    table: TABLES[idx].name.to_string(),
                    rows: rows
                        .iter()
                        .map(|r| r.iter().map(Value::to_json).collect())
                        .collect(),
                };
                serde_json::to_writer(&mut **w, &line)?;
                w.write_all(b"\n")?;
                Ok(())
            }
            Sink::Load(l) => l.insert(idx, rows).await,
        }
    }
}

/// Streams every row of table `idx` from the snapshot `src` into `sink`; returns the count.
async fn stream_table(src: &mut Tx, idx: usize, sink: &mut Sink<'_>) -> Result<u64> {
    let t = &TABLES[idx];
    let cols: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        cols.join(", "),
        t.name,
        t.key.join(", ")
    );
    let mut buf: Vec<Vec<Value>> = Vec::with_capacity(CHUNK_ROWS);
    let mut n = 0u64;
    on_tx!(src, |c| {
        let mut stream = sqlx::query(AssertSqlSafe(sql)).fetch(c);
        while let Some(row) = stream.try_next().await? {
            let mut vals = Vec::with_capacity(t.columns.len());
            for (i, col) in t.columns.iter().enumerate() {
                vals.push(match col.ty {
                    ColType::Int => row
                        .try_get::<Option<i64>, _>(i)?
                        .map_or(Value::Null, Value::Int),
                    ColType::Text => row
                        .try_get::<Option<String>, _>(i)?
                        .map_or(Value::Null, Value::Text),
                    ColType::Bool => row
                        .try_get::<Option<bool>, _>(i)?
                        .map_or(Value::Null, Value::Bool),
                });
            }
            buf.push(vals);
            n += 1;
            if buf.len() >= CHUNK_ROWS {
                sink.rows(idx, std::mem::take(&mut buf)).await?;
            }
        }
    });
    if !buf.is_empty() {
        sink.rows(idx, buf).await?;
    }
    Ok(n)
}

/// The rows of a registered table whose integer column `column` is one of `ids`, ordered by the
/// key, as JSON objects (column name → value, typed by the registry). Used by the site export
/// (`crate::import::export`) for records it carries as stored.
pub(crate) async fn rows_where(
    db: &Db,
    table: &str,
    column: &str,
    ids: &[i64],
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let t = TABLES
        .iter()
        .find(|t| t.name == table)
        .ok_or_else(|| invalid(format!("表 {table} 不在登记表中")))?;
    column_index(t, column)?;
    let mut out = Vec::new();
    let cols: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
    // The ids are integers, written into the statement as literals in chunks.
    for chunk in ids.chunks(500) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {} FROM {} WHERE {column} IN ({list}) ORDER BY {}",
            cols.join(", "),
            t.name,
            t.key.join(", ")
        );
        let rows: Vec<Vec<Value>> = on_db!(db, |p| {
            let rows = sqlx::query(AssertSqlSafe(sql.clone())).fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let mut vals = Vec::with_capacity(t.columns.len());
                for (i, col) in t.columns.iter().enumerate() {
                    vals.push(match col.ty {
                        ColType::Int => row
                            .try_get::<Option<i64>, _>(i)?
                            .map_or(Value::Null, Value::Int),
                        ColType::Text => row
                            .try_get::<Option<String>, _>(i)?
                            .map_or(Value::Null, Value::Text),
                        ColType::Bool => row
                            .try_get::<Option<bool>, _>(i)?
                            .map_or(Value::Null, Value::Bool),
                    });
                }
                out.push(vals);
            }
            out
        });
        for vals in rows {
            out.push(
                t.columns
                    .iter()
                    .zip(vals)
                    .map(|(c, v)| (c.name.to_string(), v.to_json()))
                    .collect(),
            );
        }
    }
    Ok(out)
}

/// Reads every registered table from one snapshot of `db` into `sink`. Returns the row count
/// of each table (checked against `COUNT(*)` in the same snapshot).
async fn read_all(db: &Db, sink: &mut Sink<'_>) -> Result<Vec<u64>> {
    let mut src = begin_snapshot(db).await?;
    let mut counts = Vec::with_capacity(TABLES.len());
    for (idx, t) in TABLES.iter().enumerate() {
        let streamed = stream_table(&mut src, idx, sink).await?;
        let counted = count_in(&mut src, t.name).await?;
        if streamed != counted {
            return Err(invalid(format!(
                "读取表 {} 时行数不一致（读出 {streamed} 行，统计 {counted} 行）",
                t.name
            )));
        }
        counts.push(streamed);
    }
    Ok(counts)
}

// ---------------------------------------------------------------------------------------------
// Loading

/// Inserts rows into an empty database inside one transaction.
struct Loader {
    tx: Tx,
    /// The table being loaded; tables must arrive in registry order.
    current: Option<usize>,
    /// `(key, value)` pairs of the current table's self-referencing column, set after its rows.
    pending_refs: Vec<(Value, Value)>,
    loaded: Vec<u64>,
}

impl Loader {
    /// Opens the target transaction and refuses a target that is not empty or not current.
    async fn new(db: &Db) -> Result<Loader> {
        db.require_current().await?;
        require_registry(db).await?;
        let mut tx = db.begin().await?;
        let mut non_empty = Vec::new();
        for t in TABLES {
            if t.migration_seeded {
                // Replaced by the loaded rows, in this same transaction.
                let sql = AssertSqlSafe(format!("DELETE FROM {}", t.name));
                on_tx!(&mut tx, |c| sqlx::query(sql)
                    .execute(c)
                    .await?
                    .rows_affected());
                continue;
            }
            let n = count_in(&mut tx, t.name).await?;
            if n > 0 {
                non_empty.push(format!("{} 有 {n} 行", t.name));
            }
        }
        if !non_empty.is_empty() {
            return Err(StoreError::Conflict(format!(
                "目标数据库不是空的（{}）：只能写入刚执行过 migrate 的空数据库",
                non_empty.join("，")
            )));
        }
        Ok(Loader {
            tx,
            current: None,
            pending_refs: Vec::new(),
            loaded: vec![0; TABLES.len()],
        })
    }

    async fn insert(&mut self, idx: usize, mut rows: Vec<Vec<Value>>) -> Result<()> {
        match self.current {
            Some(cur) if idx < cur => {
                return Err(invalid(format!(
                    "表 {} 出现在表 {} 之后，不符合依赖顺序",
                    TABLES[idx].name, TABLES[cur].name
                )));
            }
            Some(cur) if idx > cur => self.finish_table().await?,
            _ => {}
        }
        self.current = Some(idx);
        let t = &TABLES[idx];
        if let Some((col, key)) = t.self_ref {
            let ci = column_index(t, col)?;
            let ki = column_index(t, key)?;
            for row in &mut rows {
                if row[ci] != Value::Null {
                    let v = std::mem::replace(&mut row[ci], Value::Null);
                    self.pending_refs.push((row[ki].clone(), v));
                }
            }
        }
        let per_stmt = (MAX_BINDS / t.columns.len()).max(1);
        let cols: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
        for batch in rows.chunks(per_stmt) {
            let mut sql = format!("INSERT INTO {} ({}) VALUES ", t.name, cols.join(", "));
            let mut n = 0usize;
            for (r, _) in batch.iter().enumerate() {
                if r > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for c in 0..cols.len() {
                    n += 1;
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
                sql.push(')');
            }
            let inserted = on_tx!(&mut self.tx, |c| {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for row in batch {
                    for (v, col) in row.iter().zip(t.columns) {
                        q = match v {
                            Value::Int(i) => q.bind(*i),
                            Value::Text(s) => q.bind(s.as_str()),
                            Value::Bool(b) => q.bind(*b),
                            Value::Null => match col.ty {
                                ColType::Int => q.bind(None::<i64>),
                                ColType::Text => q.bind(None::<String>),
                                ColType::Bool => q.bind(None::<bool>),
                            },
                        };
                    }
                }
                q.execute(c).await?.rows_affected()
            });
            self.loaded[idx] += inserted;
        }
        Ok(())
    }

    /// Sets the self-referencing column of the table just loaded.
    async fn finish_table(&mut self) -> Result<()> {
        let Some(idx) = self.current else {
            return Ok(());
        };
        let Some((col, key)) = TABLES[idx].self_ref else {
            return Ok(());
        };
        let sql = format!(
            "UPDATE {} SET {col} = $1 WHERE {key} = $2",
            TABLES[idx].name
        );
        for (k, v) in std::mem::take(&mut self.pending_refs) {
            let (Value::Int(k), Value::Int(v)) = (k, v) else {
                return Err(invalid(format!(
                    "表 {} 的自引用列须为整数",
                    TABLES[idx].name
                )));
            };
            let sql = AssertSqlSafe(sql.clone());
            on_tx!(&mut self.tx, |c| sqlx::query(sql)
                .bind(v)
                .bind(k)
                .execute(c)
                .await?
                .rows_affected());
        }
        Ok(())
    }

    /// Checks the loaded rows against `expected`, resets sequences and commits.
    async fn finish(mut self, expected: &[u64]) -> Result<Vec<TableCount>> {
        self.finish_table().await?;
        if self.tx.backend() == Backend::Postgres {
            for t in TABLES {
                if let Some(id) = t.identity {
                    let sql = AssertSqlSafe(format!(
                        "SELECT setval(pg_get_serial_sequence($1, $2), \
                         COALESCE((SELECT MAX({id}) FROM {name}), 0) + 1, false)",
                        name = t.name
                    ));
                    on_tx!(&mut self.tx, |c| sqlx::query(sql)
                        .bind(t.name)
                        .bind(id)
                        .execute(c)
                        .await?
                        .rows_affected());
                }
            }
        }
        let mut report = Vec::with_capacity(TABLES.len());
        let mut wrong = Vec::new();
        for (i, t) in TABLES.iter().enumerate() {
            let target = count_in(&mut self.tx, t.name).await?;
            let source = expected.get(i).copied().unwrap_or(0);
            if target != source || self.loaded[i] != source {
                wrong.push(format!("{}：源 {source} 行，目标 {target} 行", t.name));
            }
            report.push(TableCount {
                table: t.name,
                source,
                target,
            });
        }
        if !wrong.is_empty() {
            return Err(invalid(format!(
                "行数核对失败，已全部回滚：{}",
                wrong.join("；")
            )));
        }
        self.tx.commit().await?;
        Ok(report)
    }
}

fn column_index(t: &Table, name: &str) -> Result<usize> {
    t.columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| invalid(format!("登记表错误：表 {} 没有列 {name}", t.name)))
}

// ---------------------------------------------------------------------------------------------
// Public operations

/// Copies every registered table from `from` to the empty, migrated database `to` in one
/// transaction (`gongkai db-copy`), then compares row counts per table. Both must be at the
/// binary's schema version. Run `audit::verify` on the target afterwards.
pub async fn copy(from: &Db, to: &Db) -> Result<Vec<TableCount>> {
    from.require_current().await?;
    require_registry(from).await?;
    let mut loader = Loader::new(to).await?;
    let expected = read_all(from, &mut Sink::Load(&mut loader)).await?;
    loader.finish(&expected).await
}

/// Writes a logical dump of `db` to `w` (see the module header for the format).
pub async fn dump(db: &Db, w: &mut (dyn Write + Send)) -> Result<BackupSummary> {
    db.require_current().await?;
    require_registry(db).await?;
    let schema_version = db.db_schema_version().await?;
    let header = Header {
        format: DUMP_FORMAT.to_string(),
        format_version: DUMP_FORMAT_VERSION,
        schema_version,
        source_backend: match db.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
        .to_string(),
        created_at_ms: now_ms(),
        tables: registry_header_tables(),
    };
    serde_json::to_writer(&mut *w, &header)?;
    w.write_all(b"\n")?;
    let counts = read_all(db, &mut Sink::Dump(&mut *w)).await?;
    let end = Line::End {
        end: true,
        row_counts: TABLES
            .iter()
            .zip(&counts)
            .map(|(t, n)| (t.name.to_string(), *n))
            .collect(),
    };
    serde_json::to_writer(&mut *w, &end)?;
    w.write_all(b"\n")?;
    w.flush()?;
    Ok(BackupSummary {
        schema_version,
        row_counts: TABLES.iter().map(|t| t.name).zip(counts).collect(),
    })
}

/// Loads a logical dump into the empty, migrated database `db` in one transaction. The dump's
/// schema version and tables must be exactly this binary's.
pub async fn restore_dump(db: &Db, r: &mut (dyn BufRead + Send)) -> Result<Vec<TableCount>> {
    let mut lines = r.lines();
    let first = lines.next().ok_or_else(|| invalid("备份文件是空的"))??;
    let header: Header = serde_json::from_str(&first)
        .map_err(|_| invalid("不是 gongkai 的逻辑备份文件（首行不是备份头）"))?;
    if header.format != DUMP_FORMAT {
        return Err(invalid("不是 gongkai 的逻辑备份文件"));
    }
    if header.format_version != DUMP_FORMAT_VERSION {
        return Err(invalid(format!(
            "备份格式版本 {} 不受支持（本程序为 {DUMP_FORMAT_VERSION}）",
            header.format_version
        )));
    }
    let binary = db.binary_schema_version();
    if header.schema_version > binary {
        return Err(StoreError::SchemaTooNew {
            db: header.schema_version,
            binary,
        });
    }
    if header.schema_version != binary {
        return Err(invalid(format!(
            "备份的数据库结构版本为 {}，本程序为 {binary}：请用与备份同版本的 gongkai 恢复，再升级并运行 migrate",
            header.schema_version
        )));
    }
    if header.tables != registry_header_tables() {
        return Err(invalid("备份中的表或列与本程序的结构不一致"));
    }
    let mut loader = Loader::new(db).await?;
    let mut trailer: Option<BTreeMap<String, u64>> = None;
    for (n, line) in lines.enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let lineno = n + 2;
        if trailer.is_some() {
            return Err(invalid(format!("第 {lineno} 行：结尾标记之后还有内容")));
        }
        let parsed: Line = serde_json::from_str(&line)
            .map_err(|e| invalid(format!("第 {lineno} 行无法解析：{e}")))?;
        match parsed {
            Line::Chunk { table, rows } => {
                let idx = TABLES
                    .iter()
                    .position(|t| t.name == table)
                    .ok_or_else(|| invalid(format!("第 {lineno} 行：未知的表 {table}")))?;
                let t = &TABLES[idx];
                let mut typed = Vec::with_capacity(rows.len());
                for row in rows {
                    if row.len() != t.columns.len() {
                        return Err(invalid(format!(
                            "第 {lineno} 行：表 {table} 的一行有 {} 列，应为 {} 列",
                            row.len(),
                            t.columns.len()
                        )));
                    }
                    let vals = row
                        .iter()
                        .zip(t.columns)
                        .map(|(v, c)| Value::from_json(v, c))
                        .collect::<std::result::Result<Vec<_>, _>>()
                        .map_err(|e| invalid(format!("第 {lineno} 行：{e}")))?;
                    typed.push(vals);
                }
                loader.insert(idx, typed).await?;
            }
            Line::End { end, row_counts } => {
                if !end {
                    return Err(invalid(format!("第 {lineno} 行：结尾标记无效")));
                }
                trailer = Some(row_counts);
            }
        }
    }
    let Some(trailer) = trailer else {
        return Err(invalid("备份文件不完整（缺少结尾标记），可能在写入时中断"));
    };
    let expected: Vec<u64> = TABLES
        .iter()
        .map(|t| trailer.get(t.name).copied().unwrap_or(0))
        .collect();
    loader.finish(&expected).await
}

/// Creates `path` (refusing an existing file) and writes a logical dump of `db` into it. A
/// partial file is removed when the dump fails.
pub async fn dump_to_file(db: &Db, path: &Path) -> Result<BackupSummary> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => StoreError::Conflict(format!(
                "备份文件 {} 已存在：不会覆盖，请换一个文件名",
                path.display()
            )),
            _ => StoreError::Io(e),
        })?;
    let mut w = std::io::BufWriter::new(file);
    let result = dump(db, &mut w).await;
    let result = match result {
        Ok(s) => w
            .into_inner()
            .map_err(|e| StoreError::Io(e.into_error()))
            .and_then(|f| Ok(f.sync_all()?))
            .map(|()| s),
        Err(e) => Err(e),
    };
    if result.is_err() {
        let _ = std::fs::remove_file(path);
    }
    result
}

/// `VACUUM INTO` a new file: a consistent copy of a live SQLite database.
pub async fn sqlite_backup(db: &Db, dest: &Path) -> Result<()> {
    let Db::Sqlite { read, .. } = db else {
        return Err(invalid("VACUUM INTO 只适用于 SQLite 数据库"));
    };
    if dest.exists() {
        return Err(StoreError::Conflict(format!(
            "备份文件 {} 已存在：不会覆盖，请换一个文件名",
            dest.display()
        )));
    }
    let dest_str = dest
        .to_str()
        .ok_or_else(|| invalid("备份文件路径须为 UTF-8"))?;
    sqlx::query("VACUUM INTO $1")
        .bind(dest_str)
        .execute(read)
        .await?;
    Ok(())
}

/// Backs up `db` to a new file: `VACUUM INTO` on SQLite, a logical dump on PostgreSQL.
pub async fn backup(db: &Db, dest: &Path) -> Result<(BackupKind, BackupSummary)> {
    db.schema_status().await?;
    match db.backend() {
        Backend::Sqlite => {
            // A file copy takes every table, registered or not, and works on an older schema
            // too (back up before migrating); the counts are read from the copy itself.
            sqlite_backup(db, dest).await?;
            let schema_version = inspect_sqlite_file(dest).await?;
            let row_counts = sqlite_file_row_counts(dest).await?;
            Ok((
                BackupKind::SqliteFile,
                BackupSummary {
                    schema_version,
                    row_counts,
                },
            ))
        }
        Backend::Postgres => Ok((BackupKind::LogicalDump, dump_to_file(db, dest).await?)),
    }
}

fn read_only_file(path: &Path) -> sqlx::sqlite::SqliteConnectOptions {
    sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true)
}

/// Rows per registered table in a SQLite file (tables it lacks are left out).
async fn sqlite_file_row_counts(path: &Path) -> Result<Vec<(&'static str, u64)>> {
    let mut conn = sqlx::SqliteConnection::connect_with(&read_only_file(path)).await?;
    let mut out = Vec::new();
    for t in TABLES {
        let exists: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
        )
        .bind(t.name)
        .fetch_one(&mut conn)
        .await?;
        if exists > 0 {
            let sql = AssertSqlSafe(format!("SELECT COUNT(*) FROM {}", t.name));
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await?;
            out.push((t.name, u64::try_from(n).unwrap_or(0)));
        }
    }
    conn.close().await?;
    Ok(out)
}

/// Tells a SQLite database file from a logical dump by its first bytes.
pub fn detect_kind(path: &Path) -> Result<BackupKind> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            StoreError::NotFound(format!("备份文件 {} 不存在", path.display()))
        }
        _ => StoreError::Io(e),
    })?;
    let n = f.read(&mut head)?;
    if n == 16 && &head == b"SQLite format 3\0" {
        Ok(BackupKind::SqliteFile)
    } else if head[..n].starts_with(b"{") {
        Ok(BackupKind::LogicalDump)
    } else {
        Err(invalid(format!(
            "{} 既不是 SQLite 数据库文件，也不是 gongkai 的逻辑备份",
            path.display()
        )))
    }
}

/// Checks that `path` is an intact SQLite database of this application whose schema is not
/// newer than the binary: integrity check, and every applied migration must be one of ours with
/// the same checksum. Returns its schema version.
pub async fn inspect_sqlite_file(path: &Path) -> Result<i64> {
    if detect_kind(path)? != BackupKind::SqliteFile {
        return Err(invalid(format!(
            "{} 不是 SQLite 数据库文件",
            path.display()
        )));
    }
    let mut conn = sqlx::SqliteConnection::connect_with(&read_only_file(path)).await?;
    let check: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await?;
    if check != "ok" {
        return Err(invalid(format!(
            "{} 已损坏（quick_check：{check}）",
            path.display()
        )));
    }
    let has_migrations: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut conn)
    .await?;
    if has_migrations == 0 {
        return Err(invalid(format!(
            "{} 不是 gongkai 的数据库（没有迁移记录）",
            path.display()
        )));
    }
    let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT version, checksum FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
    )
    .fetch_all(&mut conn)
    .await?;
    conn.close().await?;
    let binary = SQLITE_MIGRATIONS
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0);
    let version = applied.iter().map(|(v, _)| *v).max().unwrap_or(0);
    if version == 0 {
        return Err(invalid(format!(
            "{} 是一个未初始化的数据库",
            path.display()
        )));
    }
    if version > binary {
        return Err(StoreError::SchemaTooNew {
            db: version,
            binary,
        });
    }
    for (v, sum) in &applied {
        match SQLITE_MIGRATIONS.iter().find(|m| m.version == *v) {
            Some(m) if m.checksum.as_ref() == sum.as_slice() => {}
            _ => {
                return Err(invalid(format!(
                    "{} 的迁移 {v} 与本程序的不一致：不是本应用的数据库，或迁移被改动过",
                    path.display()
                )));
            }
        }
    }
    Ok(version)
}

/// Fails when another process has the SQLite database at `path` open. Leaving WAL mode needs
/// the only connection to the file, so `PRAGMA journal_mode = DELETE` (which also checkpoints
/// the WAL into the main file) succeeds exactly when no one else is connected.
async fn require_exclusive(path: &Path) -> Result<()> {
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(Duration::from_millis(500));
    let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
    let in_use = || {
        StoreError::Conflict(format!(
            "数据库 {} 正被其他进程使用（例如 gongkai serve）：请先停止服务再恢复",
            path.display()
        ))
    };
    let mode: std::result::Result<String, sqlx::Error> =
        sqlx::query_scalar("PRAGMA journal_mode = DELETE")
            .fetch_one(&mut conn)
            .await;
    let _ = conn.close().await;
    match mode {
        Ok(m) if m.eq_ignore_ascii_case("delete") => Ok(()),
        Ok(_) => Err(in_use()),
        Err(sqlx::Error::Database(e)) if e.message().contains("locked") => Err(in_use()),
        Err(e) => Err(e.into()),
    }
}

/// The outcome of [`restore_sqlite_file`].
#[derive(Debug, Clone)]
pub struct SqliteRestore {
    /// Schema version of the restored database (run `migrate` when older than the binary).
    pub schema_version: i64,
    /// Where the database that was replaced has been kept, if there was one.
    pub previous: Option<PathBuf>,
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Replaces the SQLite database at `live` with the backup file `backup`.
///
/// `serve` (and every other process using the database) must be stopped first; this refuses to
/// run while another connection is open. The replaced database is kept beside it as
/// `<name>.before-restore-<ms>`; stale `-wal`/`-shm` files are removed; the new file is copied
/// to a temporary name, synced and renamed into place, so a crash never leaves half a database.
pub async fn restore_sqlite_file(live: &Path, backup: &Path) -> Result<SqliteRestore> {
    let schema_version = inspect_sqlite_file(backup).await?;
    if let (Ok(a), Ok(b)) = (live.canonicalize(), backup.canonicalize())
        && a == b
    {
        return Err(invalid("备份文件就是当前数据库本身"));
    }
    let dir = live
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut previous = None;
    if live.exists() {
        require_exclusive(live).await?;
        let keep = with_suffix(live, &format!(".before-restore-{}", now_ms()));
        std::fs::rename(live, &keep)?;
        previous = Some(keep);
    }
    for suffix in ["-wal", "-shm"] {
        let p = with_suffix(live, suffix);
        if p.exists() {
            std::fs::remove_file(&p)?;
        }
    }
    let tmp = with_suffix(live, ".restoring");
    let put_in_place = || -> std::io::Result<()> {
        if tmp.exists() {
            std::fs::remove_file(&tmp)?;
        }
        std::fs::copy(backup, &tmp)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, live)?;
        if let Ok(d) = std::fs::File::open(dir) {
            d.sync_all()?;
        }
        Ok(())
    };
    if let Err(e) = put_in_place() {
        // Put the old database back so a failed restore changes nothing.
        let _ = std::fs::remove_file(&tmp);
        if let Some(keep) = &previous {
            let _ = std::fs::rename(keep, live);
        }
        return Err(e.into());
    }
    Ok(SqliteRestore {
        schema_version,
        previous,
    })
}

/// The SQLite file a database URL names (`sqlite://PATH`, `sqlite:PATH` or a bare path), or
/// `None` for PostgreSQL. Mirrors [`Db::connect`].
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return None;
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    (!path.is_empty() && !path.contains('?')).then(|| PathBuf::from(path))
}
