//! The HTTP router: Leptos pages and server functions, static files, and the
//! protections every request goes through.

use app::api::context::{page_policy, NonceSlot};
use app::backend::state::{AppState, Settings};
use app::{shell, App};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_http::compression::predicate::DefaultPredicate;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// No form or server function of the portal needs more; bigger bodies get 413.
/// The largest valid input is a message of 1,000 grapheme clusters: 1,000 family
/// emoji are 25 KB, about 75 KB once form-encoded.
pub const BODY_LIMIT_BYTES: usize = 128 * 1024;

/// The longest a request's body may take to arrive.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// `metrics_token`: serve `/metrics` here to that bearer token (`PORTAL_METRICS_TOKEN`).
pub fn router(
    state: AppState,
    hub: Arc<crate::live::Hub>,
    metrics_token: Option<String>,
) -> Router {
    let routes = generate_route_list(App);
    let settings = state.settings.clone();
    // Installed before the first request is counted.
    let _ = crate::metrics::handle();
    let metrics = crate::metrics::Sources {
        state: state.clone(),
        hub: hub.clone(),
        token: metrics_token.map(Into::into),
    };
    // Pages and server functions; also what renders a refused form's page again
    // (`plain_forms`).
    let pages: Router = Router::new()
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state.clone());
    let uploads: Router = Router::new()
        .route("/settings/avatar", post(crate::avatars::member_upload))
        .route("/groups/{slug}/avatar", post(crate::avatars::group_upload))
        // The creation form, which may carry the group's picture.
        .route(
            app::pages::group_form::NEW_GROUP_PATH,
            post(crate::avatars::create_group).with_state((state.clone(), pages.clone())),
        )
        // The tower-http limit below is the one in force (axum's own is 2 MB).
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(
            crate::avatars::UPLOAD_LIMIT_BYTES,
        ))
        .layer(RequestBodyTimeoutLayer::new(crate::avatars::UPLOAD_TIMEOUT))
        .with_state(state.clone());
    // Files attached in a thread or the start dialog: larger bodies still, read a file at a time.
    let attaching: Router = Router::new()
        .route(
            "/conversations/{id}/files",
            post(crate::attachments::upload),
        )
        .route(
            "/conversations/new/files",
            post(crate::attachments::upload_to_start),
        )
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(crate::attachments::body_limit(
            state.settings.attachments,
        )))
        .layer(RequestBodyTimeoutLayer::new(
            crate::attachments::UPLOAD_TIMEOUT,
        ))
        .with_state(state.clone());
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/manifest.webmanifest", get(crate::installable::manifest))
        .route("/sw.js", get(crate::installable::service_worker))
        .route("/offline", get(crate::installable::offline))
        .route("/avatars/{digest}/{size}", get(crate::avatars::file))
        .route("/files/{id}/{part}", get(crate::attachments::file))
        .route(
            "/readyz",
            get(readiness).layer(axum::Extension(hub.clone())),
        )
        .route(
            app::api::live::LIVE_PATH,
            get(crate::live::endpoint).layer(axum::Extension(hub)),
        )
        .route(
            app::api::account::DATA_EXPORT_PATH,
            get(crate::export::download),
        )
        .nest_service("/pkg", client_files(&state.leptos_options))
        .with_state(state)
        .route(
            "/metrics",
            get(crate::metrics::endpoint).with_state(metrics),
        )
        .merge(pages.clone())
        // Inside routing, so each request is counted under the route it matched.
        .layer(middleware::from_fn(crate::metrics::track_requests))
        // The session is looked up once a request, not once per server function.
        .layer(middleware::from_fn(
            |mut request: axum::extract::Request, next: middleware::Next| async move {
                request
                    .extensions_mut()
                    .insert(app::api::context::ViewerOnce::default());
                next.run(request).await
            },
        ))
        .layer(middleware::from_fn_with_state(
            (pages, settings.languages.clone()),
            crate::plain_forms::answer_plain_forms,
        ))
        // Pages and server-function answers are compressed as they are sent; the
        // default predicate leaves the live stream (text/event-stream) alone, and
        // the client files above already carry their encoding.
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Precise(4))
                .compress_when(DefaultPredicate::new()),
        )
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        // A body sent a byte at a time holds a connection and a task: 10 s is
        // ample for 128 KB.
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        // Avatar uploads: the one place a larger body is read, with its own
        // limits; everything below applies to them as to the rest.
        .merge(uploads)
        .merge(attaching)
        .layer(middleware::from_fn_with_state(
            settings.clone(),
            refuse_cross_site,
        ))
        .layer(middleware::from_fn_with_state(
            settings.clone(),
            security_headers,
        ))
        .layer(middleware::from_fn_with_state(settings, request_id))
}

/// Ready to take traffic: the database answers (within 2 s) and the instance is
/// not shutting down. A load balancer takes an instance that says 503 out of its
/// rotation; `/healthz` only says that the process runs.
async fn readiness(
    State(state): State<AppState>,
    axum::Extension(hub): axum::Extension<Arc<crate::live::Hub>>,
) -> Response {
    use sqlx::Connection;
    if *hub.closing().borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    let ping = async {
        let mut conn = state.pool.acquire().await?;
        conn.ping().await
    };
    match tokio::time::timeout(std::time::Duration::from_secs(2), ping).await {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response(),
    }
}

/// The id a request is logged under and answered with (`X-Request-Id`), so a
/// member's report of a failure can be found in the log. Behind a trusted proxy
/// its id is kept (when it is a plain token of at most 64 characters).
async fn request_id(
    State(settings): State<Arc<Settings>>,
    mut request: Request,
    next: Next,
) -> Response {
    use tracing::Instrument;
    let incoming = settings
        .trust_proxy
        .then(|| request.headers().get("x-request-id"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_string);
    let id = incoming.unwrap_or_else(|| format!("{:016x}", rand::random::<u64>()));
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        path = %request.uri().path()
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        request.headers_mut().insert("x-request-id", value);
    }
    let started = std::time::Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_millis() as u64;
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, ms, "answered with a server error");
        } else {
            tracing::debug!(status, ms, "answered");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
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
/// comes from in `Sec-Fetch-Site` (modern) or `Origin` (older; both are sent with
/// every POST, a plain form's included). A request with neither is refused too: a
/// browser that sends neither is too old to trust with a session. So are bodies in
/// `text/plain`, the one type a cross-site form can send that the portal never does.
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
        false
    };
    let plain_text = headers
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("text/plain"));
    if plain_text {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The portal's forms are sent as form data, never as plain text.",
        )
            .into_response();
    }
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

/// Headers every answer carries unless it set its own: nothing signed in may be
/// kept by a shared cache (the client files set their own long cache), nothing may
/// be framed or reach the camera, microphone or location, and, behind https,
/// browsers must never come back over http.
async fn security_headers(
    State(settings): State<Arc<Settings>>,
    mut request: Request,
    next: Next,
) -> Response {
    let slot = NonceSlot::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // A page rendered with a script nonce gets the policy that allows it.
    if let Some(policy) = slot
        .0
        .get()
        .and_then(|nonce| HeaderValue::from_str(&page_policy(nonce)).ok())
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    let defaults = [
        (header::CACHE_CONTROL, "private, no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        // Pages get their own above, with the nonce of their scripts.
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    ];
    for (name, value) in defaults {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static(
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
        ),
    );
    if settings.secure_cookies() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tracing_subscriber::layer::SubscriberExt;

    /// Counts the error events it sees.
    struct Errors(Arc<AtomicUsize>);

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Errors {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            if *event.metadata().level() == tracing::Level::ERROR {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    /// Listing the routes renders the app once without a request or the portal's
    /// state: nothing in it may take that for the missing-state bug, whose report
    /// (a symbolised backtrace) once left every server 40 MB larger at rest.
    #[tokio::test]
    async fn listing_the_routes_reports_no_error() {
        let errors = Arc::new(AtomicUsize::new(0));
        let subscriber = tracing_subscriber::registry().with(Errors(errors.clone()));
        let routes = tracing::subscriber::with_default(subscriber, || {
            leptos_axum::generate_route_list(app::App)
        });
        assert!(!routes.is_empty());
        assert_eq!(errors.load(Ordering::SeqCst), 0);
    }
}
