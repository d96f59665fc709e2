//! `gongkai serve`: the web server and the background worker in one process.

use crate::worker;
use anyhow::Context;
use gongkai_store::{Db, DbOptions};
use gongkai_web::{AppState, WebConfig};
use std::net::SocketAddr;

/// Options of `gongkai serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on. Keep it on 127.0.0.1 behind a reverse proxy in production.
    #[arg(long, env = "GONGKAI_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Load the demo data set (长春市残联 organisation tree, one user per role, the guide) into an
    /// empty database, creating it if needed, and print the URL and demo logins.
    #[arg(long)]
    pub demo: bool,
    /// Create the database if it does not exist (otherwise a missing database is refused).
    #[arg(long)]
    pub create: bool,
}

/// What `serve` needs from the configuration.
pub struct ServeSettings {
    pub database_url: String,
    pub web: WebConfig,
}

pub fn run(args: Args, settings: ServeSettings) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动运行时")?;
    rt.block_on(serve(args, settings))
}

async fn serve(args: Args, settings: ServeSettings) -> anyhow::Result<()> {
    let opts = DbOptions {
        create: args.create || args.demo,
        ..Default::default()
    };
    let db = Db::connect(&settings.database_url, &opts).await?;
    db.migrate().await?;
    db.require_current().await?;
    if args.demo {
        match crate::demo_hook::load_if_empty(&db).await? {
            Some(summary) => {
                println!("已载入演示数据。演示账号（口令相同）：");
                for (username, password, role) in &summary.users {
                    println!("  {username:<22} {password}  {role}");
                }
            }
            None => println!("数据库中已有数据，未重复载入演示数据。"),
        }
    }

    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("无法监听 {}（端口可能已被占用）", args.bind))?;
    let local = listener.local_addr()?;
    println!("Gongkai 已启动：http://{local}/  （工作台：http://{local}/admin）");

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(worker::run(db.clone(), settings.web.session, stop_rx));
    let app = gongkai_web::router(AppState::new(db.clone(), settings.web));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        shutdown_signal().await;
    })
    .await
    .context("服务器异常退出")?;
    let _ = stop_tx.send(true);
    let _ = worker.await;
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
