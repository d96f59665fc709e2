//! The `gongkai` binary: every operator task is a subcommand (house-style §1).

mod cmd;
mod config;
mod http;
mod keys;
mod proxy;
mod worker;

use clap::{Parser, Subcommand};

/// Gongkai (公开): the information-disclosure office's working system.
#[derive(Debug, Parser)]
#[command(name = "gongkai", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: cmd::ops::GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (portal, console, API) and the background worker.
    Serve(cmd::serve::Args),
    /// Working-day calendar: list days, add working days to a date.
    Calendar(cmd::calendar::Args),
    /// Validate identity numbers (resident ID, disability certificate, USCC); one JSON line each.
    Id(cmd::id::Args),
    /// Scan text for classification markings and personal data; prints a JSON array of findings.
    Scan(cmd::text::ScanArgs),
    /// Mask personal data in text; prints the masked text.
    Mask(cmd::text::MaskArgs),
    /// Information-processing fee calculator (国办函〔2020〕109号).
    Fee(cmd::fee::Args),
    /// Create the database if needed and apply pending schema migrations.
    Migrate(cmd::ops::MigrateArgs),
    /// Manage the organisation tree (`org add`, `org list`).
    Org(cmd::org::Args),
    /// Manage staff accounts (`user add`).
    User(cmd::user::Args),
    /// Sites of a consolidated platform (`site add`, `site list`).
    Site(cmd::site::Args),
    /// Back up the database to a new file (SQLite: VACUUM INTO; PostgreSQL: logical dump).
    Backup(cmd::backup::BackupArgs),
    /// Restore a backup made by `gongkai backup` (stop `gongkai serve` first).
    Restore(cmd::backup::RestoreArgs),
    /// Copy this deployment into an empty, migrated PostgreSQL database, verified by row counts.
    DbCopy(cmd::backup::DbCopyArgs),
    /// Print the effective configuration (secrets redacted) or the documented defaults.
    Config(cmd::ops::ConfigArgs),
    /// Audit log tools (`audit verify`).
    Audit(cmd::audit::Args),
    /// Personal-data encryption keys: init, rotate, reseal, status, retire.
    Keys(cmd::keys::Args),
    /// Rebuild this instance's full-text search index from the database, with a progress bar.
    Reindex(cmd::search::Args),
    /// Import published information from CSV/XLSX/JSON or an export folder (`--dry-run` checks only).
    Import(cmd::import::ImportArgs),
    /// The import log: every run, or the rows of one run.
    ImportLog(cmd::import::LogArgs),
    /// Export an organisation subtree (the whole site) in the documented package format.
    Export(cmd::import::ExportArgs),
    /// The annual report: `report generate --year Y --format html|pdf|docx|json --out FILE`,
    /// `report import` of a past report.
    Report(cmd::report::Args),
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GONGKAI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(|| RedactingStderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(a) => cmd::serve::run(&cli.global, a),
        Command::Calendar(a) => cmd::calendar::run(a),
        Command::Id(a) => cmd::id::run(a),
        Command::Scan(a) => cmd::text::run_scan(a),
        Command::Mask(a) => cmd::text::run_mask(a),
        Command::Fee(a) => cmd::fee::run(a),
        Command::Migrate(a) => cmd::ops::run_migrate(&cli.global, a),
        Command::Org(a) => cmd::org::run(&cli.global, a),
        Command::User(a) => cmd::user::run(&cli.global, a),
        Command::Site(a) => cmd::site::run(&cli.global, a),
        Command::Backup(a) => cmd::backup::run_backup(&cli.global, a),
        Command::Restore(a) => cmd::backup::run_restore(&cli.global, a),
        Command::DbCopy(a) => cmd::backup::run_db_copy(&cli.global, a),
        Command::Config(a) => cmd::ops::run_config(&cli.global, a),
        Command::Audit(a) => cmd::audit::run(&cli.global, a),
        Command::Keys(a) => cmd::keys::run(&cli.global, a),
        Command::Report(a) => cmd::report::run(&cli.global, a),
        Command::Reindex(a) => cmd::search::run(&cli.global, a),
        Command::Import(a) => cmd::import::run_import(&cli.global, a),
        Command::ImportLog(a) => cmd::import::run_log(&cli.global, a),
        Command::Export(a) => cmd::import::run_export(&cli.global, a),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let message = format!("{e:#}");
            eprintln!("错误：{}", gongkai_core::mask::redact_id_numbers(&message));
            // Operator commands may ask for another exit code (e.g. 1 = audit chain broken).
            let code = e.downcast_ref::<cmd::ops::Failed>().map_or(2, |f| f.code);
            std::process::ExitCode::from(code)
        }
    }
}

/// Log output with identity and certificate numbers masked (issue #13: no log line may contain
/// a full number, whatever a request carried). The formatter hands over one whole event per
/// write, so a number is never split across two writes.
struct RedactingStderr;

impl std::io::Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let masked = gongkai_core::mask::redact_id_numbers(&text);
        std::io::stderr().write_all(masked.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
