//! Avatar uploads and the avatar files. An upload is a plain multipart form post
//! (with or without JavaScript): the picture is read up to its size limit,
//! re-encoded off the async threads (at most two at once per instance, so a
//! burst queues instead of taking every core), stored, and the browser is sent
//! back to the form with what happened.

use app::backend::avatars::{self, Owner, PictureError};
use app::backend::state::AppState;
use app::domain::profile::AVATAR_MAX_BYTES;
use axum::extract::{FromRequest, Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The largest request body of an upload: the picture and the form around it.
pub const UPLOAD_LIMIT_BYTES: usize = AVATAR_MAX_BYTES + 64 * 1024;
/// 5 MB over a slow mobile connection (1 Mbit/s) takes 40 s.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(90);

const DECODES_AT_ONCE: usize = 2;
/// Uploads read into memory at once by this instance (5 MB each at the most), so
/// a burst of them is refused as busy instead of growing memory.
const UPLOADS_AT_ONCE: usize = 8;

pub(crate) fn decoders() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(DECODES_AT_ONCE))
}

fn uploads() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(UPLOADS_AT_ONCE))
}

/// What the form's page says after the post (`?avatar=…`).
fn back(page: &str, outcome: &str) -> Response {
    Redirect::to(&format!("{page}?avatar={outcome}")).into_response()
}

/// `POST /settings/avatar`: the signed-in member's picture.
pub async fn member_upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let page = "/settings/profile";
    let viewer = match viewer(&state, &headers).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    upload(&state, Owner::Member(viewer.id), multipart, page).await
}

/// `POST /groups/{slug}/avatar`: a group's picture, by one of its managers.
pub async fn group_upload(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let viewer = match viewer(&state, &headers).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    let page = format!("/groups/{slug}/edit");
    let group = match app::backend::groups::managed_group(&state.pool, &slug, viewer.id).await {
        Ok(id) => id,
        Err(error) => return error_status(&error),
    };
    upload(&state, Owner::Group(group), multipart, &page).await
}

pub(crate) async fn viewer(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<app::model::account::Viewer, Response> {
    let found = match app::backend::auth::token_from_headers(headers) {
        Some(token) => app::backend::auth::viewer_for_token(&state.pool, &token).await,
        None => Ok(None),
    };
    match found {
        Ok(Some(viewer)) => Ok(viewer),
        Ok(None) => Err(Redirect::to("/sign-in").into_response()),
        Err(error) => Err(error_status(&error)),
    }
}

pub(crate) fn error_status(error: &app::error::AppError) -> Response {
    (error.status(), error.to_string()).into_response()
}

async fn upload(state: &AppState, owner: Owner, multipart: Multipart, page: &str) -> Response {
    let Ok(_reading) = uploads().try_acquire() else {
        return back(page, "busy");
    };
    let form = match read_form(multipart).await {
        Ok(form) => form,
        Err(outcome) => return back(page, outcome),
    };
    if form.remove {
        return match avatars::set_avatar(&state.pool, owner, None).await {
            Ok(()) => back(page, "removed"),
            Err(_) => back(page, "busy"),
        };
    }
    let Some(bytes) = form.picture else {
        return back(page, "missing");
    };
    back(page, store(state, owner, bytes).await)
}

/// A multipart form with a picture: its `avatar` file, whether it asks to remove
/// the picture, and its other (text) fields.
struct PictureForm {
    picture: Option<Vec<u8>>,
    remove: bool,
    fields: Vec<(String, String)>,
}

/// Reads the form, the picture up to `AVATAR_MAX_BYTES`; an outcome code when
/// it cannot be read.
async fn read_form(mut multipart: Multipart) -> Result<PictureForm, &'static str> {
    let mut form = PictureForm {
        picture: None,
        remove: false,
        fields: Vec::new(),
    };
    let failed = |error: axum::extract::multipart::MultipartError| {
        // Over the body limit, cut off, or not multipart at all.
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "too_large"
        } else {
            "unreadable"
        }
    };
    while let Some(mut field) = multipart.next_field().await.map_err(failed)? {
        match field.name().map(str::to_string).as_deref() {
            Some("remove") => form.remove = true,
            Some("avatar") => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(failed)? {
                    if bytes.len() + chunk.len() > AVATAR_MAX_BYTES {
                        return Err("too_large");
                    }
                    bytes.extend_from_slice(&chunk);
                }
                form.picture = Some(bytes).filter(|b| !b.is_empty());
            }
            // The body limit bounds the text fields.
            Some(name) => {
                let value = field.text().await.map_err(failed)?;
                form.fields.push((name.to_string(), value));
            }
            None => {}
        }
    }
    Ok(form)
}

/// Re-encodes and stores the picture; the outcome code the form's page shows.
async fn store(state: &AppState, owner: Owner, bytes: Vec<u8>) -> &'static str {
    let Ok(Ok(_permit)) = tokio::time::timeout(Duration::from_secs(10), decoders().acquire()).await
    else {
        return "busy";
    };
    let processed = tokio::task::spawn_blocking(move || avatars::reencode(&bytes)).await;
    let avatar = match processed {
        Ok(Ok(avatar)) => avatar,
        Ok(Err(PictureError::Format)) => return "format",
        Ok(Err(PictureError::Unreadable)) | Err(_) => return "unreadable",
    };
    match avatars::set_avatar(&state.pool, owner, Some(&avatar)).await {
        Ok(()) => "saved",
        Err(_) => "busy",
    }
}

/// `POST /groups/new`: the creation form with its optional picture (a file needs
/// a multipart form, which a server function does not read). The text fields go
/// to `create_group` as that form's own post would (`plain_forms`): a refusal
/// renders the form again with what was typed. Once the group exists, the
/// picture is stored as on its edit page; if it is refused, the edit page says
/// why, next to the picture form.
pub async fn create_group(
    State((state, pages)): State<(AppState, axum::Router)>,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let viewer = match viewer(&state, &parts.headers).await {
        Ok(viewer) => viewer,
        Err(response) => return response,
    };
    // What is said without a page: in the reader's language.
    let words = app::i18n::Words::of(app::i18n::language_of_request(
        &parts.headers,
        &state.settings.languages,
    ));
    let Ok(_reading) = uploads().try_acquire() else {
        return busy_page(words);
    };
    let multipart =
        match Multipart::from_request(axum::extract::Request::from_parts(parts.clone(), body), &())
            .await
        {
            Ok(multipart) => multipart,
            Err(rejection) => return rejection.into_response(),
        };
    let form = match read_form(multipart).await {
        Ok(form) => form,
        Err("too_large") => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                words.t(app::i18n::k::avatar_too_large),
            )
                .into_response()
        }
        Err(_) => {
            return (
                StatusCode::BAD_REQUEST,
                words.t(app::i18n::k::error_upload_form_unreadable),
            )
                .into_response()
        }
    };
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&form.fields)
        .finish();
    let mut call = axum::extract::Request::from_parts(parts, axum::body::Body::from(encoded));
    *call.uri_mut() = axum::http::Uri::from_static("/api/create_group");
    let headers = call.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    headers.remove(header::CONTENT_LENGTH);
    let offered = &state.settings.languages;
    let answer = crate::plain_forms::answer_as_page(pages.clone(), offered, call, |call| {
        use tower::ServiceExt;
        async move {
            let Ok(response) = pages.oneshot(call).await;
            response
        }
    })
    .await;
    let (Some(bytes), true) = (form.picture, answer.status().is_redirection()) else {
        return answer;
    };
    let slug = form
        .fields
        .iter()
        .find(|(name, _)| name == "slug")
        .and_then(|(_, slug)| app::domain::group::GroupSlug::parse(slug).ok());
    let Some(slug) = slug else {
        return answer;
    };
    let group =
        match app::backend::groups::managed_group(&state.pool, slug.as_str(), viewer.id).await {
            Ok(group) => group,
            Err(_) => return answer,
        };
    match store(&state, Owner::Group(group), bytes).await {
        "saved" => answer,
        outcome => back(&format!("/groups/{}/edit", slug.as_str()), outcome),
    }
}

fn busy_page(words: app::i18n::Words) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, HeaderValue::from_static("5"))],
        words.t(app::i18n::k::avatar_busy),
    )
        .into_response()
}

/// `GET /avatars/{digest}/{256.jpg|64.jpg}`: named by content, so cached for a year.
pub async fn file(
    State(state): State<AppState>,
    Path((digest, name)): Path<(String, String)>,
) -> Response {
    let large = match name.as_str() {
        "256.jpg" => true,
        "64.jpg" => false,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    if digest.len() != 64
        || !digest
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return StatusCode::NOT_FOUND.into_response();
    }
    match avatars::avatar_file(&state.pool, &digest, large).await {
        Ok(Some(bytes)) => {
            let mut response = bytes.into_response();
            let h = response.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            response
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
