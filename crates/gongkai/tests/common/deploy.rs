//! A deployment for the real binary: a data folder with its vault key file and a database —
//! SQLite in the folder, or a fresh PostgreSQL database that is dropped with it — prepared the
//! way an operator would (`gongkai keys init`, `gongkai migrate`), plus the demo's people.

use super::{BIN, Server};
use gongkai_core::vault::Vault;
use gongkai_store::audit::Actor;
use gongkai_store::testing::TestDb;
use gongkai_store::{Db, DbOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

pub struct Deployment {
    pub dir: tempfile::TempDir,
    /// The data folder of the first instance.
    pub data: PathBuf,
    /// The database URL every instance uses.
    pub url: String,
    /// The PostgreSQL test database (dropped when the deployment is).
    pg: Option<TestDb>,
    logs: AtomicU32,
}

impl Deployment {
    /// A prepared deployment on SQLite or on a fresh PostgreSQL database; `None` (skip, with a
    /// notice) only outside CI when PostgreSQL is unreachable — under `CI=true` that fails.
    pub async fn new(postgres: bool) -> Option<Deployment> {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let (url, pg) = if postgres {
            let t = TestDb::postgres().await?;
            (t.url.clone(), Some(t))
        } else {
            (
                format!("sqlite://{}", data.join("gongkai.db").display()),
                None,
            )
        };
        let d = Deployment {
            dir,
            data,
            url,
            pg,
            logs: AtomicU32::new(0),
        };
        d.cli_ok(&["keys", "init"]);
        d.cli_ok(&["migrate"]);
        Some(d)
    }

    /// [`Deployment::new`] with the demo's organisations and accounts (no items).
    pub async fn with_people(postgres: bool) -> Option<Deployment> {
        let d = Self::new(postgres).await?;
        let db = d.db().await;
        gongkai_store::demo::load_people_if_empty(&db, &d.vault())
            .await
            .unwrap();
        db.close().await;
        Some(d)
    }

    /// `--database-url URL`, for `serve` and every command.
    pub fn url_args(&self) -> [&str; 2] {
        ["--database-url", &self.url]
    }

    /// Runs `gongkai --data DATA --database-url URL ARGS…`.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("--data")
            .arg(&self.data)
            .args(self.url_args())
            .args(args)
            .output()
            .unwrap()
    }

    fn cli_ok(&self, args: &[&str]) {
        let out = self.cli(args);
        assert!(out.status.success(), "gongkai {args:?}: {out:?}");
    }

    /// `gongkai audit verify` must pass.
    pub fn audit_verifies(&self) {
        let out = self.cli(&["audit", "verify"]);
        assert!(out.status.success(), "audit verify: {out:?}");
    }

    /// The vault of the deployment's key file.
    pub fn vault(&self) -> Vault {
        let text = std::fs::read_to_string(self.data.join("keys/vault.toml")).unwrap();
        Vault::from_toml(&text).unwrap()
    }

    /// A connection pool of its own onto the deployment's database (close it when done).
    pub async fn db(&self) -> Db {
        Db::connect(&self.url, &DbOptions::default()).await.unwrap()
    }

    /// Starts `serve` on the first instance's data folder.
    pub fn serve(&self, env: &[(&str, &str)]) -> Server {
        self.serve_instance(&self.data, &self.url, env)
    }

    /// Starts `serve` on `data` against `url` (another instance, or through a proxy); its
    /// standard error is kept beside the data folders.
    pub fn serve_instance(&self, data: &Path, url: &str, env: &[(&str, &str)]) -> Server {
        let n = self.logs.fetch_add(1, Ordering::Relaxed);
        let log = self.dir.path().join(format!("serve-{n}.log"));
        Server::start(data, &["--database-url", url], env, &log)
    }

    /// The data folder of another instance of the same deployment, laid out as ARCHITECTURE.md
    /// ("Running N instances") says: the same key file, the uploaded files shared (here a
    /// symbolic link to the first instance's `files/`), its own search index.
    pub fn instance_dir(&self, name: &str) -> PathBuf {
        let data = self.dir.path().join(name);
        std::fs::create_dir_all(data.join("keys")).unwrap();
        let key = data.join("keys/vault.toml");
        std::fs::copy(self.data.join("keys/vault.toml"), &key).unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(data.join("keys"), std::fs::Permissions::from_mode(0o700))
                .unwrap();
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        std::fs::create_dir_all(self.data.join("files")).unwrap();
        std::os::unix::fs::symlink(self.data.join("files"), data.join("files")).unwrap();
        data
    }

    /// An API token of the demo account `username`.
    pub async fn token(&self, username: &str) -> String {
        let db = self.db().await;
        let user = gongkai_store::users::by_username(&db, username)
            .await
            .unwrap()
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        let (token, _) =
            gongkai_store::api_tokens::create(&mut tx, &Actor::system(), user.id, "测试")
                .await
                .unwrap();
        tx.commit().await.unwrap();
        db.close().await;
        token
    }

    /// The id of the organisation with `code`.
    pub async fn org_id(&self, code: &str) -> i64 {
        let db = self.db().await;
        let id = gongkai_store::orgs::by_code(&db, code)
            .await
            .unwrap()
            .unwrap()
            .id;
        db.close().await;
        id
    }

    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }
}
