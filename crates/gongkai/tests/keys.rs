//! Key management through the real binary (issue #13): `keys init` writes a 0600 key file,
//! `keys rotate` adds a key, and `keys reseal` re-encrypts in committed batches, so a SIGKILL
//! half-way loses nothing: after resuming, every value decrypts under the new key and the audit
//! chain verifies.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::BIN;
use gongkai_core::vault::Vault;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const ROWS: usize = 20000;

fn gk(data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--data")
        .arg(data)
        .env_remove("GONGKAI_VAULT_KEYS")
        .env("GONGKAI_LOG", "warn")
        .output()
        .expect("run gongkai")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn key_file(data: &Path) -> Vault {
    Vault::from_toml(&std::fs::read_to_string(data.join("keys/vault.toml")).unwrap()).unwrap()
}

async fn connect(data: &Path) -> sqlx::SqlitePool {
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect(&format!("sqlite://{}", data.join("gongkai.db").display()))
        .await
        .unwrap()
}

fn secret(i: usize) -> String {
    format!("SECRET{i:06}ABCDEFGHIJKLMNOP")
}

#[test]
fn rotation_survives_sigkill_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&gk(&data, &["migrate"]));
    let init = ok(&gk(&data, &["keys", "init"]));
    assert!(init.contains("已生成密钥文件"), "{init}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("keys/vault.toml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A second init never overwrites the keys.
    assert!(!gk(&data, &["keys", "init"]).status.success());
    let v1 = key_file(&data);
    ok(&gk(&data, &["keys", "status"])); // registers k1

    // Many sealed values under k1 (and a few plaintext ones from before sealing).
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = connect(&data).await;
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(
            "INSERT INTO orgs (id, kind, code, full_name, short_name, created_at, updated_at) \
             VALUES (1, 'body', 'root', '根', '根', 0, 0)",
        )
        .execute(&mut *tx)
        .await
        .unwrap();
        for i in 0..ROWS {
            let value = if i % 100 == 0 {
                secret(i)
            } else {
                v1.seal_str("users.totp_secret", &secret(i))
            };
            sqlx::query(
                "INSERT INTO users (username, display_name, password_hash, org_id, \
                 password_changed_at, created_at, updated_at, totp_secret) \
                 VALUES ($1, $1, 'x', 1, 0, 0, 0, $2)",
            )
            .bind(format!("u{i}"))
            .bind(value)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        pool.close().await;
    });

    let rotated = ok(&gk(&data, &["keys", "rotate"]));
    assert!(rotated.contains("k2"), "{rotated}");
    let v2 = key_file(&data);
    assert_eq!(v2.current_key().id, "k2");
    let prefix = v2.current_prefix();

    // Re-seal in small batches and kill it half-way.
    let mut child = Command::new(BIN)
        .args(["keys", "reseal", "--batch", "5", "--data"])
        .arg(&data)
        .env_remove("GONGKAI_VAULT_KEYS")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let count_new = |pool: &sqlx::SqlitePool| {
        let prefix = prefix.clone();
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM users WHERE substr(totp_secret, 1, length($1)) = $1",
            )
            .bind(prefix)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let at_kill = rt.block_on(async {
        let pool = connect(&data).await;
        let half = i64::try_from(ROWS / 2).unwrap();
        loop {
            let n = count_new(&pool).await;
            if n >= half || child.try_wait().unwrap().is_some() {
                child.kill().ok(); // SIGKILL on Unix
                child.wait().unwrap();
                let n = count_new(&pool).await;
                pool.close().await;
                return n;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    });
    assert!(
        at_kill > 0 && at_kill < i64::try_from(ROWS).unwrap(),
        "the kill should land half-way, but {at_kill} of {ROWS} were done"
    );
    let status = ok(&gk(&data, &["keys", "status"]));
    assert!(status.contains("待重新加密"), "{status}");

    // Resume: everything ends under k2 and decrypts to what was stored.
    ok(&gk(&data, &["keys", "reseal"]));
    rt.block_on(async {
        let pool = connect(&data).await;
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT username, totp_secret FROM users ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(rows.len(), ROWS);
        for (i, (_, value)) in rows.iter().enumerate() {
            assert!(value.starts_with(&prefix), "row {i}: {value}");
            assert!(!value.contains("SECRET"));
            assert_eq!(v2.open_str("users.totp_secret", value).unwrap(), secret(i));
        }
        pool.close().await;
    });
    ok(&gk(&data, &["audit", "verify"]));

    // Old keys can now be retired; the key file keeps only k2 and the data still opens.
    let retired = ok(&gk(&data, &["keys", "retire"]));
    assert!(retired.contains("k1"), "{retired}");
    let v3 = key_file(&data);
    assert_eq!(v3.keys().len(), 1);
    ok(&gk(&data, &["keys", "status"]));
}

#[test]
fn serve_refuses_missing_or_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&gk(&data, &["migrate"]));
    ok(&gk(&data, &["keys", "init"]));
    ok(&gk(&data, &["keys", "status"]));
    // A key file readable by others is refused.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = data.join("keys/vault.toml");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = gk(&data, &["keys", "status"]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("chmod 600"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    // Keys from the environment that do not match the database are refused.
    let foreign = Vault::generate(gongkai_core::vault::Algorithm::Sm4Gcm, "t").to_toml();
    let out = Command::new(BIN)
        .args(["keys", "status", "--data"])
        .arg(&data)
        .env("GONGKAI_VAULT_KEYS", &foreign)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("不一致"));
    // A lost key file is not silently replaced.
    std::fs::remove_file(data.join("keys/vault.toml")).unwrap();
    let out = gk(&data, &["keys", "status"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("请恢复原来的密钥文件"));
}

/// `audit verify-export` checks a signed export with the deployment's key file: intact passes
/// (exit 0); a changed byte, a missing signature or another deployment's key fails (exit 1)
/// with the reason in Chinese.
#[test]
fn audit_exports_verify_with_the_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&gk(&data, &["migrate"]));
    ok(&gk(&data, &["keys", "init"]));
    let vault = key_file(&data);
    let body = "\u{feff}编号,操作\r\n2,user.create\r\n1,org.create\r\n";
    let mut signer = vault.signer(gongkai_store::audit::EXPORT_SIGNATURE_CONTEXT);
    signer.update(body.as_bytes());
    let signed = format!(
        "{body}{}",
        gongkai_store::audit::export_signature_line(signer)
    );
    let file = dir.path().join("audit-log.csv");
    std::fs::write(&file, &signed).unwrap();
    let out = ok(&gk(
        &data,
        &["audit", "verify-export", file.to_str().unwrap()],
    ));
    assert!(out.contains("签名核对通过"), "{out}");

    for (bad, why) in [
        (signed.replace("user.create", "user.delete"), "签名不符"),
        (body.to_string(), "没有完整性签名"),
    ] {
        std::fs::write(&file, bad).unwrap();
        let out = gk(&data, &["audit", "verify-export", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{err}");
    }
    // Another deployment's key file cannot vouch for it.
    let other = tempfile::tempdir().unwrap();
    let other_data = other.path().join("data");
    ok(&gk(&other_data, &["migrate"]));
    ok(&gk(&other_data, &["keys", "init"]));
    std::fs::write(&file, &signed).unwrap();
    let out = gk(
        &other_data,
        &["audit", "verify-export", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
}
