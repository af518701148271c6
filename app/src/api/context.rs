//! What every server function repeats: the request's session, the application
//! state, and the HTTP status of the answer. Server only; the one place that
//! reads the request and writes cookies.

use crate::backend::auth::{token_from_headers, viewer_for_token, SESSION_COOKIE};
use crate::backend::state::{AppState, Settings};
use crate::error::AppError;
use crate::model::account::Viewer;
use http::header::SET_COOKIE;
use http::request::Parts;
use http::HeaderValue;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use std::future::Future;

pub use crate::error::respond;

/// The application state, provided as context by leptos_axum to every route and
/// server function.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        let path = use_context::<axum::http::request::Parts>().map(|p| p.uri.path().to_string());
        tracing::error!(
            ?path,
            backtrace = %std::backtrace::Backtrace::force_capture(),
            "AppState missing from context"
        );
        AppError::Internal
    })
}

/// Runs a server function's body for a signed-in member: `Unauthenticated`
/// otherwise, and the error's HTTP status set on the answer.
pub async fn signed_in<T, F, Fut>(body: F) -> Result<T, AppError>
where
    F: FnOnce(Viewer, AppState) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    // Both read the request's context now: a page that renders a resource again
    // drops the first one's owner (and its context) while its future may still run.
    let state = app_state();
    let viewer = require_viewer();
    let result = async {
        let viewer = viewer.await?;
        body(viewer, state?).await
    };
    respond(result.await)
}

/// Runs a server function's body that anyone may call, signed in or not.
pub async fn public<T, F, Fut>(body: F) -> Result<T, AppError>
where
    F: FnOnce(AppState) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let result = async { body(app_state()?).await };
    respond(result.await)
}

/// The request's signed-in member, looked up once however many server functions
/// a page calls while it renders (the header, the list, the requests count...).
/// The server puts one in every request's extensions; each copy of the request's
/// parts shares it.
#[derive(Clone, Default)]
pub struct ViewerOnce(std::sync::Arc<tokio::sync::OnceCell<Option<Viewer>>>);

/// The signed-in member making the current request, if any. The request's
/// context is read when this is called, not when it is awaited (see `signed_in`).
pub fn current_viewer() -> impl Future<Output = Result<Option<Viewer>, AppError>> {
    let parts = use_context::<Parts>();
    let once = parts
        .as_ref()
        .and_then(|p| p.extensions.get::<ViewerOnce>().cloned());
    let caller = parts
        .and_then(|p| token_from_headers(&p.headers))
        .map(|token| (token, app_state()));
    async move {
        let Some((token, state)) = caller else {
            return Ok(None);
        };
        let pool = state?.pool;
        match once {
            // A failed lookup is not kept: the next caller asks again.
            Some(once) => once
                .0
                .get_or_try_init(|| viewer_for_token(&pool, &token))
                .await
                .cloned(),
            None => viewer_for_token(&pool, &token).await,
        }
    }
}

/// The signed-in member, or `Unauthenticated`.
pub fn require_viewer() -> impl Future<Output = Result<Viewer, AppError>> {
    let viewer = current_viewer();
    async move { viewer.await?.ok_or(AppError::Unauthenticated) }
}

fn set_cookie(value: String) {
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&value),
    ) {
        response.append_header(SET_COOKIE, value);
    }
}

/// Sets the session cookie: HttpOnly (no script can read it), SameSite=Lax (not sent
/// on cross-site POSTs), Secure when the portal is served over https.
pub fn set_session_cookie(settings: &Settings, token: &str) {
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    // The server ends a session idle for `session_days` or older than the maximum;
    // the cookie lives as long as the longest session may.
    let max_age = crate::backend::auth::SESSION_MAX_DAYS * 24 * 3600;
    set_cookie(format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ));
}

/// Marks this browser as one the member signs in from (`auth::device`): sent only
/// to the sign-in endpoint, for a year.
pub fn set_device_cookie(settings: &Settings, token: &str) {
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let max_age = crate::backend::auth::DEVICE_DAYS * 24 * 3600;
    set_cookie(format!(
        "{}={token}; Path=/api/sign_in; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}",
        crate::backend::auth::DEVICE_COOKIE
    ));
}

/// The reader's language for the pages to come (`domain::language`), for a year.
pub fn set_language_cookie(settings: &Settings, language: crate::domain::language::Language) {
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    set_cookie(format!(
        "{}={}; Path=/; SameSite=Lax; Max-Age=31536000{secure}",
        crate::domain::language::LANGUAGE_COOKIE,
        language.code()
    ));
}

/// Tells the server which zone to write this browser's pages in (see
/// `domain::time_zone`): readable by the page, for a year.
pub fn set_time_zone_cookie(settings: &Settings, zone: &str) {
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    set_cookie(format!(
        "{}={zone}; Path=/; SameSite=Lax; Max-Age=31536000{secure}",
        crate::domain::time_zone::TIME_ZONE_COOKIE
    ));
}

pub fn clear_session_cookie(settings: &Settings) {
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    set_cookie(format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ));
}

/// The client's address: the peer address, or the last `X-Forwarded-For` hop when
/// the portal runs behind a trusted proxy.
pub fn client_address(settings: &Settings) -> String {
    let Some(parts) = use_context::<Parts>() else {
        return "unknown".into();
    };
    if settings.trust_proxy {
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        if let Some(address) = forwarded {
            return address;
        }
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Where a page leaves its script nonce for the router's header layer, which
/// sends the page's Content-Security-Policy with it (`page_policy`). Put into the
/// request's extensions by that layer; shared with the copy Leptos renders from.
/// (A header written through `ResponseOptions` at the start of the shell was
/// missing from about one page in fifty under the browser tests' load.)
#[derive(Clone, Debug, Default)]
pub struct NonceSlot(pub std::sync::Arc<std::sync::OnceLock<String>>);

/// The Content-Security-Policy of a page: scripts only from the portal or carrying
/// this response's nonce (the boot script and Leptos' own), WASM allowed to compile,
/// styles only from the stylesheet, never framed.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Hands this page's nonce to the router's header layer (see `NonceSlot`).
pub fn set_page_policy() {
    let (Some(parts), Some(nonce)) = (use_context::<Parts>(), leptos::nonce::use_nonce()) else {
        return;
    };
    if let Some(slot) = parts.extensions.get::<NonceSlot>() {
        let _ = slot.0.set(nonce.to_string());
    }
}

/// The current request's headers.
pub fn request_headers() -> Option<http::HeaderMap> {
    use_context::<Parts>().map(|parts| parts.headers)
}

/// The session token sent with the current request, if any.
pub fn request_token() -> Option<String> {
    let parts = use_context::<Parts>()?;
    token_from_headers(&parts.headers)
}

/// Set by `server::plain_forms` on a server function's request when the browser
/// posted the form itself (no JavaScript); never trusted for anything but where
/// to go next.
pub const PLAIN_FORM_HEADER: &str = "x-portal-plain-form";

/// Where a form posted without JavaScript goes after success, when that differs
/// from the page it was on (the client shows the outcome in place instead).
pub const PLAIN_FORM_NEXT: &str = "x-portal-form-next";

/// A form posted without JavaScript that the server function refused: the page
/// it came from is rendered again in the same request, with this as an extension
/// of the page's request. Secret fields (passwords) are never kept.
#[derive(Clone, Debug)]
pub struct SubmittedForm {
    /// The server function's path, e.g. `/api/send_message`.
    pub action: String,
    /// The refusal as Leptos carries it to a `ServerAction` (base64 of its JSON).
    pub encoded_error: String,
    pub fields: Vec<(String, String)>,
}

/// The refused form being rendered again, if this page is such an answer.
pub fn submitted_form() -> Option<SubmittedForm> {
    use_context::<Parts>()?
        .extensions
        .get::<SubmittedForm>()
        .cloned()
}

/// After success, sends a form posted without JavaScript to `path` rather than
/// back to its page.
pub fn after_plain_form(path: &str) {
    let plain = use_context::<Parts>().is_some_and(|p| p.headers.contains_key(PLAIN_FORM_HEADER));
    if let (true, Some(response), Ok(value)) = (
        plain,
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(path),
    ) {
        response.insert_header(http::HeaderName::from_static(PLAIN_FORM_NEXT), value);
    }
}
