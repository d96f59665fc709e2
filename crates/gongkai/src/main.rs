//! The `gongkai` binary: every operator task is a subcommand (house-style §1).

mod cmd;
mod worker;

/// Bridges to domain modules that are being merged (demo data set).
mod demo_hook {
    pub struct Summary {
        pub users: Vec<(String, String, String)>,
    }
    pub async fn load_if_empty(_db: &gongkai_store::Db) -> gongkai_store::Result<Option<Summary>> {
        Ok(None)
    }
}

use clap::{Parser, Subcommand};

/// Gongkai (公开): the information-disclosure office's working system.
#[derive(Debug, Parser)]
#[command(name = "gongkai", version, about, long_about = None)]
struct Cli {
    /// Data folder: the SQLite database, files and search index live here.
    #[arg(long, global = true, env = "GONGKAI_DATA", default_value = "./data")]
    data: std::path::PathBuf,
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
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GONGKAI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let database_url = std::env::var("GONGKAI_DATABASE_URL")
        .unwrap_or_else(|_| cli.data.join("gongkai.db").display().to_string());
    let result = match cli.command {
        Command::Serve(a) => cmd::serve::run(
            a,
            cmd::serve::ServeSettings {
                database_url,
                web: gongkai_web::WebConfig::default(),
            },
        ),
        Command::Calendar(a) => cmd::calendar::run(a),
        Command::Id(a) => cmd::id::run(a),
        Command::Scan(a) => cmd::text::run_scan(a),
        Command::Mask(a) => cmd::text::run_mask(a),
        Command::Fee(a) => cmd::fee::run(a),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e:#}");
            std::process::ExitCode::from(2)
        }
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
