//! `gongkai serve`: the web server and the background worker in one process.

use crate::cmd::ops::GlobalArgs;
use crate::config::{self, Config};
use crate::worker;
use anyhow::Context;
use gongkai_core::vault::SharedVault;
use gongkai_store::{Db, StoreError};
use gongkai_web::{AppState, WebConfig};

/// Options of `gongkai serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on [default: the configuration's `bind`, 127.0.0.1:8080]. Keep it on
    /// 127.0.0.1 behind a reverse proxy in production.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Load the demo data set (长春市残联 organisation tree, one user per role, the guide) into an
    /// empty database, creating it if needed, and print the URL and demo logins.
    #[arg(long)]
    pub demo: bool,
    /// Create the database if it does not exist (otherwise a missing database is refused).
    #[arg(long)]
    pub create: bool,
}

/// The web layer's settings from the configuration.
fn web_config(cfg: &Config, vault: SharedVault) -> WebConfig {
    WebConfig {
        secure_cookies: cfg.secure_cookies(),
        public_origin: cfg.public_origin(),
        session: cfg.session_lifetimes(),
        login_limits: cfg.login_limits(),
        data_dir: cfg.data_dir.clone(),
        password: cfg.password_policy(),
        lockout: cfg.lockout(),
        vault,
        public_forms: Default::default(),
        mail: cfg.mailer(),
        request_timeout: std::time::Duration::from_secs(u64::from(cfg.http.request_timeout_secs)),
    }
}

pub fn run(global: &GlobalArgs, args: Args) -> anyhow::Result<()> {
    let cfg = config::load(&config::Overrides {
        config_file: global.config.clone(),
        data_dir: global.data.clone(),
        database_url: global.database_url.clone(),
        bind: args.bind.clone(),
    })?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动运行时")?;
    rt.block_on(serve(args, cfg))
}

async fn serve(args: Args, cfg: Config) -> anyhow::Result<()> {
    let opts = cfg.db_options(args.create || args.demo);
    let db = Db::connect(&cfg.database_url, &opts)
        .await
        .map_err(|e| match e {
            StoreError::DatabaseMissing(path) => anyhow::anyhow!(
                "数据库文件 {path} 不存在：请检查 --data、GONGKAI_DATA 或 GONGKAI_DATABASE_URL；新部署请使用 --create 或先运行 gongkai migrate"
            ),
            e => e.into(),
        })?;
    db.migrate().await?;
    db.require_current().await?;
    // The personal-data vault: keys from the key file or GONGKAI_VAULT_KEYS, checked against the
    // database.
    let (vault, _) = crate::keys::open(&cfg, &db, &gongkai_store::audit::Actor::system()).await?;
    if args.demo {
        match gongkai_store::demo::load_full_if_empty(&db, &vault).await? {
            Some(summary) => {
                println!("已载入演示数据。演示账号（口令相同）：");
                for (username, password, role) in &summary.users {
                    println!("  {username:<22} {password}  {role}");
                }
            }
            None => println!("数据库中已有数据，未重复载入演示数据。"),
        }
    }
    // Values not yet under the current key (plaintext from before a column was sealed, or an
    // unfinished rotation) are re-sealed by the worker.
    let pending: i64 = gongkai_store::personal::status(&db, &vault)
        .await?
        .iter()
        .map(|s| s.pending)
        .sum();
    if pending > 0 {
        let mut tx = db.begin().await?;
        gongkai_store::personal::enqueue_reseal(&mut tx).await?;
        tx.commit().await?;
    }
    let vault = SharedVault::new(vault);

    // The compiled-in State Council notices seed the calendar table; a change queues the
    // recomputation of open deadlines.
    let seeded = gongkai_store::calendar::seed_official(&db).await?;
    tracing::info!(?seeded, "calendar seeded");
    // Default vocabularies (公开目录 categories of Arts. 20/21, genres, topics); idempotent.
    gongkai_store::items::registers::seed_defaults(&db).await?;
    gongkai_store::mailbox::boxes::seed_default_topics(&db).await?;

    let listener = tokio::net::TcpListener::bind(cfg.bind)
        .await
        .with_context(|| format!("无法监听 {}（端口可能已被占用）", cfg.bind))?;
    let local = listener.local_addr()?;
    println!("Gongkai 已启动：http://{local}/  （工作台：http://{local}/admin）");

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let web = web_config(&cfg, vault.clone());
    let ctx = worker::Context {
        life: web.session,
        vault,
        config: std::sync::Arc::new(cfg.clone()),
    };
    // Full-text search (issue #8): this instance's own index under <data>/search, rebuilt in
    // the background when missing, corrupt or outdated (search says 正在重建索引 meanwhile),
    // then kept in step with the database outbox.
    let search = gongkai_search::Search::new(
        db.clone(),
        Some(crate::cmd::search::index_root(&cfg.data_dir)),
        Some(cfg.data_dir.clone()),
    );
    let indexer = search.start(stop_rx.clone());
    // The portal's render cache (issue #11), kept current by watching the database.
    let page_cache = std::sync::Arc::new(gongkai_web::page_cache::PageCache::new(
        cfg.http.page_cache_mb as usize * 1024 * 1024,
    ));
    let cache_watch = tokio::spawn(page_cache.clone().watch(db.clone(), stop_rx.clone()));
    let worker = tokio::spawn(worker::run(db.clone(), ctx, stop_rx));
    let app = gongkai_web::router(
        AppState::new(db.clone(), web)
            .with_search(search)
            .with_page_cache(page_cache),
    );
    crate::http::serve(
        listener,
        app,
        std::time::Duration::from_secs(u64::from(cfg.http.header_read_timeout_secs)),
        crate::proxy::TrustedProxies::parse(&cfg.http.trusted_proxies)?,
        shutdown_signal(),
    )
    .await
    .context("服务器异常退出")?;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    let _ = indexer.await;
    let _ = cache_watch.await;
    db.close().await;
    println!("Gongkai 已停止。");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
