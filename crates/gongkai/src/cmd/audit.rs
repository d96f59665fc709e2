//! `gongkai audit verify`: checks the hash chain of the audit log (product.md C1, issue #2).
//!
//! Exit 0 when every record verifies; exit 1 when the chain is broken, naming the first broken
//! record; exit 2 on any other error (no database, wrong schema). Monitoring can tell a
//! tampered log from a failed check.
//!
//! `gongkai audit verify-export FILE`: checks the signature that ends a CSV export of the
//! console (issue #13, GB/T 22239-2019 8.1.4.3 d), with this deployment's key file; exit 0
//! intact, 1 changed or unsigned, 2 no key file or no such file.

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
    /// Check the signature of an exported audit CSV (exit 1 when it was changed or is unsigned).
    VerifyExport {
        /// The exported file (audit-log.csv).
        file: std::path::PathBuf,
    },
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
        Command::VerifyExport { file } => {
            let cfg = global.load_config()?;
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("无法读取 {}：{e}", file.display()))?;
            let Some((vault, _)) = crate::keys::load(&cfg)? else {
                anyhow::bail!(
                    "找不到密钥文件 {}（也未设置 {}）：签名须用导出它的系统的密钥核对",
                    cfg.key_file().display(),
                    crate::keys::KEYS_ENV
                );
            };
            match gongkai_store::audit::verify_export(&vault, &bytes) {
                Ok(()) => {
                    println!("签名核对通过：{} 自导出后未被改动。", file.display());
                    Ok(())
                }
                Err(why) => {
                    eprintln!("签名核对未通过：{why}");
                    std::process::exit(1);
                }
            }
        }
    }
}
