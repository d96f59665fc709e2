//! The HTTP/1.1 server loop of `gongkai serve` (issue #11).
//!
//! `axum::serve` gives hyper no timer, so hyper's header-read timeout never fires and a client
//! that sends its headers a byte at a time (slowloris) holds a connection for ever. This loop
//! serves each connection with hyper's HTTP/1.1 builder, a Tokio timer and a header-read
//! timeout, passes the client's address to handlers as axum's `ConnectInfo<SocketAddr>` (the
//! peer's, or behind a configured trusted proxy the one it forwarded: `crate::proxy`), and shuts
//! down gracefully: on the signal it stops accepting, lets every connection finish its current
//! request, and returns once they are closed. Whole requests (bodies included) are bounded by
//! the router's own `request_timeout` (gongkai-web `security::request_timeout`).

use crate::proxy::TrustedProxies;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::Service;

/// Serves `app` on `listener` until `shutdown` completes, then drains open connections.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    proxies: TrustedProxies,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let proxies = std::sync::Arc::new(proxies);
    // Every connection task holds a receiver: when all are dropped, the drain is over.
    let (closed_tx, closed_rx) = tokio::sync::watch::channel(());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(%e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let proxies = proxies.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            // Port 0 when the address is a forwarded one: only the address is known.
            let client = proxies.client(peer.ip(), req.headers());
            let port = if client == peer.ip() { peer.port() } else { 0 };
            req.extensions_mut()
                .insert(ConnectInfo(std::net::SocketAddr::new(client, port)));
            let mut app = app.clone();
            async move { app.call(req.map(Body::new)).await }
        });
        let mut stop = stop_rx.clone();
        let closed = closed_rx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .keep_alive(true);
            let conn = builder
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(%e, %peer, "connection ended with an error");
                    }
                }
                _ = async { stop.wait_for(|s| *s).await.map(|_| ()) } => {
                    conn.as_mut().graceful_shutdown();
                    if let Err(e) = conn.await {
                        tracing::debug!(%e, %peer, "connection ended with an error");
                    }
                }
            }
            drop(closed);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(closed_rx);
    closed_tx.closed().await;
    Ok(())
}
