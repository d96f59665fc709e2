//! Where the vault's keys come from (issue #13): the environment variable `GONGKAI_VAULT_KEYS`
//! (the key file's whole content) when set, else the key file (`[vault] key_file`, default
//! `<data>/keys/vault.toml`, written with mode 0600 in a 0700 folder). Never the database: it
//! holds only key ids and check values (`gongkai_store::personal`).

use crate::config::Config;
use anyhow::{Context, bail};
use gongkai_core::vault::Vault;
use gongkai_store::Db;
use gongkai_store::audit::Actor;
use std::path::Path;

/// The environment variable that may hold the key file's content.
pub const KEYS_ENV: &str = "GONGKAI_VAULT_KEYS";

/// Where the keys were read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Env,
    File(std::path::PathBuf),
}

/// Reads the key set; `None` when neither the variable nor the file exists.
pub fn load(cfg: &Config) -> anyhow::Result<Option<(Vault, Source)>> {
    if let Some(text) = std::env::var(KEYS_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        let vault = Vault::from_toml(&text).with_context(|| format!("环境变量 {KEYS_ENV}"))?;
        return Ok(Some((vault, Source::Env)));
    }
    let path = cfg.key_file();
    if !path.exists() {
        return Ok(None);
    }
    check_permissions(&path)?;
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("无法读取密钥文件 {}", path.display()))?;
    let vault = Vault::from_toml(&text).with_context(|| format!("密钥文件 {}", path.display()))?;
    Ok(Some((vault, Source::File(path))))
}

/// Refuses a key file that others than its owner may read.
fn check_permissions(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!(
                "密钥文件 {} 的权限过宽（{:o}）：其他用户不得读取，请执行 chmod 600 {}",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
    }
    Ok(())
}

/// Writes the key file atomically with mode 0600 (its folder 0700 when created).
pub fn write(path: &Path, vault: &Vault) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.as_os_str().is_empty() && !dir.exists() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("无法创建密钥目录 {}", dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    let tmp = path.with_extension("toml.new");
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&tmp)
            .with_context(|| format!("无法写入密钥文件 {}", tmp.display()))?;
        f.write_all(vault.to_toml().as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("无法写入密钥文件 {}", path.display()))?;
    Ok(())
}

fn now_rfc3339() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Creates a new key file; refuses to overwrite one.
pub fn init(cfg: &Config) -> anyhow::Result<std::path::PathBuf> {
    let path = cfg.key_file();
    if path.exists() {
        bail!(
            "密钥文件 {} 已存在：不会覆盖（覆盖会使已加密的数据无法解密）；轮换密钥请用 gongkai keys rotate",
            path.display()
        );
    }
    write(
        &path,
        &Vault::generate(cfg.vault_algorithm(), &now_rfc3339()),
    )?;
    Ok(path)
}

/// The vault for `serve` and the operator commands: loaded, checked against the database and
/// its keys registered. A deployment without keys gets a key file made on first start (logged)
/// as long as the database has never seen a key; otherwise the missing keys are an error.
pub async fn open(cfg: &Config, db: &Db, actor: &Actor) -> anyhow::Result<(Vault, Source)> {
    let (vault, source) = match load(cfg)? {
        Some(found) => found,
        None => {
            let known = gongkai_store::personal::registered_keys(db).await?;
            if !known.is_empty() {
                bail!(
                    "找不到密钥文件 {}（也未设置 {KEYS_ENV}），而数据库中已有用密钥 {} 加密的数据：请恢复原来的密钥文件",
                    cfg.key_file().display(),
                    known.join("、")
                );
            }
            let path = init(cfg)?;
            tracing::warn!(
                path = %path.display(),
                "no vault key file: created a new one; back it up separately from the database"
            );
            let (vault, source) = load(cfg)?.context("新建的密钥文件无法读取")?;
            (vault, source)
        }
    };
    gongkai_store::personal::check_keys(db, &vault).await?;
    gongkai_store::personal::register_keys(db, &vault, actor).await?;
    Ok((vault, source))
}

/// Reloads the key set when the database names a key this process does not have (after
/// `gongkai keys rotate` on this or another instance). Returns whether it changed.
pub async fn refresh(
    cfg: &Config,
    db: &Db,
    shared: &gongkai_core::vault::SharedVault,
) -> anyhow::Result<bool> {
    let current = shared.get();
    let known = gongkai_store::personal::registered_keys(db).await?;
    if known
        .iter()
        .all(|id| current.keys().iter().any(|k| &k.id == id))
    {
        return Ok(false);
    }
    let Some((vault, _)) = load(cfg)? else {
        bail!("密钥文件不见了：{}", cfg.key_file().display());
    };
    gongkai_store::personal::check_keys(db, &vault).await?;
    let changed = *current != vault;
    shared.replace(vault);
    Ok(changed)
}
