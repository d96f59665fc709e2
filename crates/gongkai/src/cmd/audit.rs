//! `gongkai audit verify`: checks the hash chain of the audit log (product.md C1, issue #2).
//!
//! Exit 0 when every record verifies; exit 1 when the chain is broken, naming the first broken
//! record; exit 2 on any other error (no database, wrong schema). Monitoring can tell a
//! tampered log from a failed check.

use super::backup::verify_chain;
use super::ops::{GlobalArgs, block_on, open_existing};

/// Audit log tools.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Check the hash chain; names the first broken record (exit 1) or reports it intact (exit 0).
    Verify,
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Verify => {
            let cfg = global.load_config()?;
            block_on(async {
                let (db, _) = open_existing(&cfg).await?;
                let result = verify_chain(&db).await;
                db.close().await;
                result
            })
        }
    }
}
