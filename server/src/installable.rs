//! What makes the portal an installable app: its web app manifest, its service
//! worker (`app/client/sw.js`) and the page that worker shows when a page
//! cannot be loaded for want of a network (`/offline`). The icons are files in
//! `public/icons/`.

use app::model::PORTAL_NAME;
use axum::http::header;
use axum::response::IntoResponse;

/// The brand colour, behind the icons and in the browser's toolbar.
pub const THEME_COLOR: &str = "#4e5e9e";

/// Checked again by the browser each time (the worker caches what it needs).
const REVALIDATE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "no-cache");

/// `GET /manifest.webmanifest`.
pub async fn manifest() -> impl IntoResponse {
    let icon = |src: &str, sizes: &str, kind: &str, purpose: &str| serde_json::json!({ "src": src, "sizes": sizes, "type": kind, "purpose": purpose });
    let manifest = serde_json::json!({
        "name": PORTAL_NAME,
        "short_name": "Community",
        "description": "Conversations of the Mautic community",
        "id": "/",
        "start_url": "/conversations",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            icon("/icons/icon-192.png", "192x192", "image/png", "any"),
            icon("/icons/icon-512.png", "512x512", "image/png", "any"),
            icon("/icons/maskable-512.png", "512x512", "image/png", "maskable"),
            icon("/favicon.svg", "any", "image/svg+xml", "any"),
        ],
    });
    (
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            REVALIDATE,
        ],
        manifest.to_string(),
    )
}

/// `GET /sw.js`: the worker's code. Its policy is its own: the pages' nonce
/// does not apply to a worker, and the default policy (`default-src 'none'`)
/// would forbid it to fetch the pages it passes on.
pub async fn service_worker() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            REVALIDATE,
            (header::CONTENT_SECURITY_POLICY, "default-src 'self'"),
        ],
        include_str!("../../app/client/sw.js"),
    )
}

/// `GET /offline`: what the service worker shows when a page cannot be loaded.
/// Static (no member's data), with its style and icon inline so it needs
/// nothing the network would have to bring.
pub async fn offline() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            REVALIDATE,
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; \
                 form-action 'none'; frame-ancestors 'none'",
            ),
        ],
        offline_page(),
    )
}

fn offline_page() -> String {
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="theme-color" content="{THEME_COLOR}">
<title>You are offline · {PORTAL_NAME}</title>
<style>
  body {{ margin: 0; font: 1rem/1.5 system-ui, sans-serif; color: #1f2330; background: #fff; }}
  main {{ max-width: 28rem; margin: 15vh auto 0; padding: 0 1.25rem; text-align: center; }}
  h1 {{ font-size: 1.5rem; margin: 1rem 0 0.5rem; }}
  a {{ display: inline-block; margin-top: 1rem; padding: 0.6rem 1.2rem; border-radius: 6px;
       background: {THEME_COLOR}; color: #fff; text-decoration: none; font-weight: 600; }}
  @media (prefers-color-scheme: dark) {{ body {{ color: #e8eaf2; background: #15171e; }} }}
</style>
</head>
<body>
<main>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="72" height="72" aria-hidden="true"><rect width="32" height="32" rx="7" fill="{THEME_COLOR}"/><path fill="#fff" d="M7 9h18a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V11a2 2 0 0 1 2-2zm0 2.6V21h18v-9.4l-9 5.6z"/></svg>
<h1>You are offline</h1>
<p>{PORTAL_NAME} needs a connection to show your conversations. Check that you are connected, then try again.</p>
<a href="">Try again</a>
</main>
</body>
</html>
"##
    )
}
