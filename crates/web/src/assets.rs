//! Static assets, compiled into the binary and served with long-lived cache headers. Pages refer
//! to them through [`url`], which appends a content hash, so a new release is never served a
//! stale stylesheet.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "site.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../static/site.css"),
    },
    // The public forms' proof-of-work solver (antiabuse.rs); pages work without it.
    Asset {
        name: "pow.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/pow.js"),
    },
    // Speech reading (语音阅读, MIIT 适老化); pages work without it.
    Asset {
        name: "speech.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/speech.js"),
    },
    // The large mouse pointer of the "大鼠标" preference.
    Asset {
        name: "cursor.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../static/cursor.svg"),
    },
    Asset {
        name: "cursor-pointer.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../static/cursor-pointer.svg"),
    },
];

static VERSIONS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| (a.name, hex::encode(&Sha256::digest(a.bytes)[..6])))
        .collect()
});

/// The cache-busting URL of an asset, e.g. `/static/site.css?v=1a2b3c4d5e6f`.
pub fn url(name: &str) -> String {
    match VERSIONS.iter().find(|(n, _)| *n == name) {
        Some((_, v)) => format!("/static/{name}?v={v}"),
        None => format!("/static/{name}"),
    }
}

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/static/{name}", get(serve_asset))
}

/// Serves one embedded asset.
async fn serve_asset(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            a.bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "未找到该文件").into_response(),
    }
}
