//! The HTTP router: Leptos pages and server functions, static files, and the
//! protections every request goes through.

use app::backend::state::{AppState, Settings};
use app::{shell, App};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_http::compression::predicate::DefaultPredicate;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// No form or server function of the portal needs more; bigger bodies get 413.
/// The largest valid input is a message of 1,000 grapheme clusters: 1,000 family
/// emoji are 25 KB, about 75 KB once form-encoded.
pub const BODY_LIMIT_BYTES: usize = 128 * 1024;

pub fn router(state: AppState, hub: Arc<crate::live::Hub>) -> Router {
    let routes = generate_route_list(App);
    let settings = state.settings.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            app::api::live::LIVE_PATH,
            get(crate::live::endpoint).layer(axum::Extension(hub)),
        )
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .nest_service("/pkg", client_files(&state.leptos_options))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Pages and server-function answers are compressed as they are sent; the
        // default predicate leaves the live stream (text/event-stream) alone, and
        // the client files above already carry their encoding.
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Precise(4))
                .compress_when(DefaultPredicate::new()),
        )
        .layer(middleware::from_fn_with_state(settings, refuse_cross_site))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .with_state(state)
}

/// The WASM client, its JavaScript and the stylesheet. The site build writes each
/// file with `.br` and `.gz` siblings, sent to browsers that accept them. Names
/// carry a hash of the content, so a file never changes under its name: browsers
/// keep it for a year and ask again only after a deploy renames it. A site built
/// by hand keeps the plain name `app`, and must then be revalidated every time.
fn client_files(options: &leptos::prelude::LeptosOptions) -> Router {
    let dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let cache = if options.output_name.as_ref() == "app" {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    };
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache),
        ))
}

/// Server functions have no CSRF protection of their own, so every state-changing
/// request must come from the portal's own pages: browsers say where a request
/// comes from in `Sec-Fetch-Site` (modern) or `Origin` (older). A request with
/// neither is not from a browser and cannot carry a victim's cookies cross-site.
async fn refuse_cross_site(
    State(settings): State<Arc<Settings>>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let allowed = if let Some(site) = headers.get("sec-fetch-site") {
        matches!(site.to_str(), Ok("same-origin") | Ok("none"))
    } else if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let origin_host = origin.split_once("://").map(|(_, rest)| rest);
        origin == settings.public_origin() || (host.is_some() && origin_host == host)
    } else {
        true
    };
    if allowed {
        next.run(request).await
    } else {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "refused a cross-site request");
        (
            StatusCode::FORBIDDEN,
            "Cross-site requests are refused. Use the portal's own pages.",
        )
            .into_response()
    }
}
