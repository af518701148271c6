//! Avatar uploads and the avatar files. An upload is a plain multipart form post
//! (with or without JavaScript): the picture is read up to its size limit,
//! re-encoded off the async threads (at most two at once per instance, so a
//! burst queues instead of taking every core), stored, and the browser is sent
//! back to the form with what happened.

use app::backend::avatars::{self, Owner, PictureError};
use app::backend::state::AppState;
use app::domain::profile::AVATAR_MAX_BYTES;
use axum::extract::{Multipart, Path, State};
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

fn decoders() -> &'static Semaphore {
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

async fn viewer(
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

fn error_status(error: &app::error::AppError) -> Response {
    (error.status(), error.to_string()).into_response()
}

async fn upload(state: &AppState, owner: Owner, mut multipart: Multipart, page: &str) -> Response {
    let Ok(_reading) = uploads().try_acquire() else {
        return back(page, "busy");
    };
    let mut picture: Option<Vec<u8>> = None;
    let mut remove = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // Over the body limit, cut off, or not multipart at all.
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return back(page, "too_large")
            }
            Err(_) => return back(page, "unreadable"),
        };
        match field.name() {
            Some("remove") => remove = true,
            Some("avatar") => {
                let mut bytes = Vec::new();
                let mut field = field;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if bytes.len() + chunk.len() > AVATAR_MAX_BYTES {
                                return back(page, "too_large");
                            }
                            bytes.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                            return back(page, "too_large")
                        }
                        Err(_) => return back(page, "unreadable"),
                    }
                }
                picture = Some(bytes).filter(|b| !b.is_empty());
            }
            _ => {}
        }
    }
    if remove {
        return match avatars::set_avatar(&state.pool, owner, None).await {
            Ok(()) => back(page, "removed"),
            Err(_) => back(page, "busy"),
        };
    }
    let Some(bytes) = picture else {
        return back(page, "missing");
    };
    let Ok(Ok(_permit)) = tokio::time::timeout(Duration::from_secs(10), decoders().acquire()).await
    else {
        return back(page, "busy");
    };
    let processed = tokio::task::spawn_blocking(move || avatars::reencode(&bytes)).await;
    let avatar = match processed {
        Ok(Ok(avatar)) => avatar,
        Ok(Err(PictureError::Format)) => return back(page, "format"),
        Ok(Err(PictureError::Unreadable)) | Err(_) => return back(page, "unreadable"),
    };
    match avatars::set_avatar(&state.pool, owner, Some(&avatar)).await {
        Ok(()) => back(page, "saved"),
        Err(_) => back(page, "busy"),
    }
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
