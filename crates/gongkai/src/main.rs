//! The `gongkai` binary: every operator task is a subcommand (house-style §1).

mod cmd;

use clap::{Parser, Subcommand};

/// Gongkai (公开): the information-disclosure office's working system.
#[derive(Debug, Parser)]
#[command(name = "gongkai", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
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
    let cli = Cli::parse();
    let result = match cli.command {
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
