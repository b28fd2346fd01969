//! Files under `static/`, built into the binary so the server needs nothing
//! beside it. URLs carry a hash of the content, so browsers may keep them
//! for a year and still never use an old one.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::AppError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

static ASSETS: &[Asset] = &[
    Asset {
        name: "designsystemet.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/designsystemet.css"),
    },
    Asset {
        name: "designsystemet-theme.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/designsystemet-theme.css"),
    },
    Asset {
        name: "trygg.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/trygg.js"),
    },
    Asset {
        name: "trygg.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/trygg.css"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../static/favicon.svg"),
    },
];

static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = Sha256::new();
    for asset in ASSETS {
        hasher.update(asset.bytes);
    }
    hasher.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
});

pub fn url(name: &str) -> String {
    format!("/static/{name}?v={}", *VERSION)
}

pub async fn serve_asset(Path(name): Path<String>) -> Result<Response, AppError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.name == name)
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        asset.bytes,
    )
        .into_response())
}

/// Browsers ask for /favicon.ico whatever the page says.
pub async fn favicon() -> Response {
    serve_asset(Path("favicon.svg".to_owned()))
        .await
        .into_response()
}
