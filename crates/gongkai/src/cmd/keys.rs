//! `gongkai keys`: the personal-data vault's keys (issue #13).
//!
//! - `keys init` makes the key file (mode 0600; refuses to overwrite one);
//! - `keys rotate` adds a new key, makes it current, and queues the background re-encryption
//!   that `gongkai serve` runs (its worker reloads the key file first);
//! - `keys reseal` runs that re-encryption in the foreground, in batches that each commit: it
//!   can be interrupted (even killed) and run again, and continues where it stopped;
//! - `keys status` shows how many values are still under older keys;
//! - `keys retire` drops older keys from the key file once nothing uses them.

use super::ops::{GlobalArgs, block_on, open_current};
use crate::keys::{self, Source};
use anyhow::bail;
use gongkai_store::audit::Actor;
use gongkai_store::personal;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Create the key file (default <data>/keys/vault.toml, mode 0600).
    Init,
    /// Add a new key, make it current and queue the re-encryption of every sealed value.
    Rotate,
    /// Re-encrypt now every value not under the current key (resumable).
    Reseal {
        /// Values per transaction (smaller batches hold the write lock for less time).
        #[arg(long, default_value_t = gongkai_store::personal::RESEAL_BATCH)]
        batch: i64,
    },
    /// Show the keys and how many values are still under older keys.
    Status,
    /// Remove keys no value uses any more from the key file.
    Retire,
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    let cfg = global.load_config()?;
    if let Command::Init = args.command {
        let path = keys::init(&cfg)?;
        println!(
            "已生成密钥文件 {}（权限 600）。请另行备份，与数据库备份分开保存。",
            path.display()
        );
        return Ok(());
    }
    block_on(async {
        let db = open_current(&cfg).await?;
        let actor = Actor::cli();
        let result = async {
            let (mut vault, source) = keys::open(&cfg, &db, &actor).await?;
            match args.command {
                Command::Init => Ok(()),
                Command::Rotate => {
                    let Source::File(path) = source else {
                        bail!(
                            "密钥来自环境变量 {}：请在密钥文件中轮换（gongkai keys rotate 配合 --config 或 GONGKAI_VAULT_KEY_FILE），再更新该变量",
                            keys::KEYS_ENV
                        );
                    };
                    let id = vault.rotate(
                        cfg.vault_algorithm(),
                        &chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    );
                    keys::write(&path, &vault)?;
                    personal::register_keys(&db, &vault, &actor).await?;
                    personal::record_rotation(&db, &vault, &actor).await?;
                    let pending: i64 = personal::status(&db, &vault)
                        .await?
                        .iter()
                        .map(|s| s.pending)
                        .sum();
                    println!(
                        "已生成新密钥 {id}（{}）并设为当前密钥。{pending} 个值将由运行中的 gongkai serve 在后台重新加密；也可运行 gongkai keys reseal 立即完成。",
                        cfg.vault_algorithm().name()
                    );
                    Ok(())
                }
                Command::Reseal { batch } => {
                    let n = personal::reseal_all(&db, &vault, &cfg.data_dir, batch, &actor).await?;
                    println!(
                        "已重新加密 {n} 个值，全部使用当前密钥 {}。",
                        vault.current_key().id
                    );
                    Ok(())
                }
                Command::Status => {
                    let current = vault.current_key();
                    println!(
                        "当前密钥：{}（{}）",
                        current.id,
                        current.algorithm.name()
                    );
                    for k in vault.keys() {
                        println!("  密钥 {:<6} {:<12} 生成于 {}", k.id, k.algorithm.name(), k.created);
                    }
                    for s in personal::status(&db, &vault).await? {
                        println!(
                            "  {:<28} 共 {:>6} 个值，待重新加密 {:>6} 个",
                            s.context, s.total, s.pending
                        );
                    }
                    Ok(())
                }
                Command::Retire => {
                    let Source::File(path) = source else {
                        bail!("密钥来自环境变量 {}：请自行从该变量中删除旧密钥", keys::KEYS_ENV);
                    };
                    let retired = personal::retire_old_keys(&db, &vault, &actor).await?;
                    vault.retire_old();
                    keys::write(&path, &vault)?;
                    if retired.is_empty() {
                        println!("没有需要停用的旧密钥。");
                    } else {
                        println!("已停用并从密钥文件中删除旧密钥：{}", retired.join("、"));
                    }
                    Ok(())
                }
            }
        }
        .await;
        db.close().await;
        result
    })
}
