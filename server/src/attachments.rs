//! Attaching files to messages, and serving them.
//!
//! `POST /conversations/{id}/files` takes one or more files as a multipart
//! form; `POST /conversations/new/files` the same for the start dialog, whose
//! files wait for the conversation its Send starts. The page's script sends each file on its own (so it can show the
//! upload's progress) and reads JSON back; a form posted without JavaScript
//! sends the reply box with its files and comes back to the thread, its text
//! kept as the draft. Each file is read up to its limit, checked, a picture
//! re-encoded off the async threads (two at once, shared with avatars), and
//! stored pending until the message that takes it is sent.
//!
//! `GET /files/{id}/{name}` and `/files/{id}/thumbnail` serve a file to those
//! `permissions::readable_file` allows, and `NotFound` to everyone else.

use app::backend::attachments::{self, FileStore, Refusal};
use app::backend::state::AppState;
use app::i18n::{k, Problem, Words};
use app::model::conversation::AttachmentView;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// 10 MB over a slow mobile connection (1 Mbit/s) takes 80 s; five, 400 s.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(450);
/// Uploads this instance reads at once (each holds up to one file in memory),
/// and per member, so one member cannot take every slot.
const UPLOADS_AT_ONCE: usize = 16;
const UPLOADS_PER_MEMBER: usize = 3;
/// Files read into memory at once to be served (10 MB each at the most); more
/// wait their turn, and after `SERVE_WAIT` are told to come back.
const SERVED_AT_ONCE: usize = 32;
const SERVE_WAIT: Duration = Duration::from_secs(10);
/// A text field of the form (the reply box's text and the like).
const FIELD_LIMIT_BYTES: usize = 64 * 1024;

/// What the whole request may carry: the files and the reply box around them.
pub fn body_limit(rules: app::domain::attachment::AttachmentRules) -> usize {
    (rules.per_message.max(1) as u64 * rules.file_bytes + 256 * 1024) as usize
}

fn served() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(SERVED_AT_ONCE))
}

/// This instance's uploads in progress, per member.
struct Uploading {
    member: i64,
}

impl Uploading {
    fn start(member: i64) -> Option<Self> {
        let mut all = in_progress().lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = all.values().sum();
        let mine = all.entry(member).or_default();
        if total >= UPLOADS_AT_ONCE || *mine >= UPLOADS_PER_MEMBER {
            return None;
        }
        *mine += 1;
        Some(Self { member })
    }
}

impl Drop for Uploading {
    fn drop(&mut self) {
        let mut all = in_progress().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = all.get_mut(&self.member) {
            *count -= 1;
            if *count == 0 {
                all.remove(&self.member);
            }
        }
    }
}

fn in_progress() -> &'static Mutex<HashMap<i64, usize>> {
    static COUNTS: OnceLock<Mutex<HashMap<i64, usize>>> = OnceLock::new();
    COUNTS.get_or_init(Default::default)
}

fn busy() -> Refusal {
    Refusal::new("busy", k::error_upload_busy)
}

/// The words of the reader's language, as the pages choose it: the `lang`
/// cookie, else `Accept-Language`, else the portal's first language.
fn reader_words(state: &AppState, headers: &HeaderMap) -> Words {
    Words::of(app::i18n::language_of_request(
        headers,
        &state.settings.languages,
    ))
}

/// What one upload request came with.
#[derive(Default)]
struct UploadForm {
    stored: Vec<AttachmentView>,
    refusal: Option<Refusal>,
    /// The reply box's text and reply, when the form came without JavaScript.
    body: Option<String>,
    reply_to: Option<String>,
    /// The start form's recipients (`to[0]`, `to[1]`, …), to choose them again.
    to: Vec<String>,
}

/// `POST /conversations/{id}/files`.
pub async fn upload(
    State(state): State<AppState>,
    Path(conversation): Path<i64>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    receive(state, Some(conversation), headers, multipart).await
}

/// `POST /conversations/new/files`: files for the conversation the start form will start.
pub async fn upload_to_start(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    receive(state, None, headers, multipart).await
}

async fn receive(
    state: AppState,
    conversation: Option<i64>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let viewer = match crate::avatars::viewer(&state, &headers).await {
        Ok(viewer) => viewer,
        Err(_) if json => return StatusCode::UNAUTHORIZED.into_response(),
        Err(response) => return response,
    };
    // Not theirs to write to: the same answer as for a conversation that does not exist.
    if let Some(conversation) = conversation {
        if let Err(error) =
            app::backend::permissions::conversation_access(&state.pool, viewer.id, conversation)
                .await
                .and_then(|access| access.may_write())
        {
            return crate::avatars::error_status(&error);
        }
    }
    let form = match Uploading::start(viewer.id) {
        Some(_uploading) => read_and_store(&state, viewer.id, conversation, multipart).await,
        None => UploadForm {
            refusal: Some(busy()),
            ..Default::default()
        },
    };
    if json {
        return match (form.stored.first(), form.refusal) {
            (_, Some(refusal)) => {
                let status = match refusal.code {
                    "too_large" => StatusCode::PAYLOAD_TOO_LARGE,
                    "quota" | "busy" => StatusCode::TOO_MANY_REQUESTS,
                    "kind" | "mismatch" => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    _ => StatusCode::BAD_REQUEST,
                };
                let words = reader_words(&state, &headers);
                let body = serde_json::json!({
                    "code": refusal.code,
                    "error": refusal.message.words(words),
                });
                (status, axum::Json(body)).into_response()
            }
            (Some(stored), None) => axum::Json(stored).into_response(),
            (None, None) => {
                let words = reader_words(&state, &headers);
                let body = serde_json::json!({
                    "code": "missing",
                    "error": Problem::new(k::error_upload_missing).words(words),
                });
                (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
            }
        };
    }
    // Without JavaScript: the text typed so far stays as the draft, and the
    // thread (or the start page) shows the files waiting to be sent, or why
    // one was refused.
    if let Some(body) = form.body.as_deref() {
        let _ =
            app::backend::conversations::save_draft(&state.pool, &viewer, conversation, body).await;
    }
    let outcome = match (&form.refusal, form.stored.is_empty()) {
        (Some(refusal), _) => refusal.code,
        (None, true) => "missing",
        (None, false) => "attached",
    };
    let Some(conversation) = conversation else {
        let outcome = format!("attach={outcome}");
        return match app::backend::conversations::start_page_with(
            &state.pool,
            &form.to,
            Some(&outcome),
        )
        .await
        {
            Ok(page) => Redirect::to(&format!("{page}#start-files")).into_response(),
            Err(error) => crate::avatars::error_status(&error),
        };
    };
    let reply = form
        .reply_to
        .and_then(|r| r.parse::<i64>().ok())
        .map(|r| format!("&reply={r}"))
        .unwrap_or_default();
    Redirect::to(&format!(
        "/conversations/{conversation}?attach={outcome}{reply}#reply-files"
    ))
    .into_response()
}

/// Reads the form: each `file` field checked, prepared and stored in turn
/// (the first refusal stops the rest), the reply box's fields kept.
async fn read_and_store(
    state: &AppState,
    member: i64,
    conversation: Option<i64>,
    mut multipart: Multipart,
) -> UploadForm {
    let rules = state.settings.attachments;
    let mut form = UploadForm::default();
    let unreadable = |error: axum::extract::multipart::MultipartError| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Refusal::new(
                "too_large",
                Problem::new(k::error_upload_too_large)
                    .with("max", app::i18n::Arg::size(rules.file_bytes)),
            )
        } else {
            Refusal::new("unreadable", k::error_upload_cut_off)
        }
    };
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => {
                form.refusal = Some(unreadable(error));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        if name != "file" {
            // The reply box's own fields, read up to `FIELD_LIMIT_BYTES` (the
            // request's limit is for files: a field as large would sit in memory).
            let mut bytes = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) if bytes.len() + chunk.len() <= FIELD_LIMIT_BYTES => {
                        bytes.extend_from_slice(&chunk)
                    }
                    Ok(None) => break,
                    Ok(Some(_)) | Err(_) => {
                        form.refusal =
                            Some(Refusal::new("unreadable", k::error_upload_form_unreadable));
                        return form;
                    }
                }
            }
            let value = String::from_utf8_lossy(&bytes).into_owned();
            match name.as_str() {
                "body" => form.body = Some(value),
                "reply_to" => form.reply_to = Some(value),
                // Ten at the most: the start form's limit (one more is refused when sent).
                to if to.starts_with("to[") && form.to.len() < 10 => form.to.push(value),
                _ => {}
            }
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_string();
        // A file input left empty still sends a part, with no name and no bytes.
        if file_name.is_empty() {
            continue;
        }
        if let Err(message) = app::domain::attachment::check_file(rules, &file_name, 1) {
            form.refusal = Some(Refusal::new("kind", message));
            break;
        }
        let mut bytes = Vec::new();
        let mut too_large = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() as u64 + chunk.len() as u64 > rules.file_bytes {
                        too_large = true;
                        break;
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) => {
                    form.refusal = Some(unreadable(error));
                    return form;
                }
            }
        }
        if too_large {
            let message = app::domain::attachment::check_file(rules, &file_name, u64::MAX)
                .err()
                .unwrap_or_else(|| {
                    Problem::new(k::error_upload_too_large)
                        .with("max", app::i18n::Arg::size(rules.file_bytes))
                });
            form.refusal = Some(Refusal::new("too_large", message));
            break;
        }
        match prepare_and_store(state, member, conversation, file_name, bytes).await {
            Ok(stored) => form.stored.push(stored),
            Err(refusal) => {
                form.refusal = Some(refusal);
                break;
            }
        }
    }
    form
}

async fn prepare_and_store(
    state: &AppState,
    member: i64,
    conversation: Option<i64>,
    name: String,
    bytes: Vec<u8>,
) -> Result<AttachmentView, Refusal> {
    let rules = state.settings.attachments;
    let Ok(Ok(_permit)) = tokio::time::timeout(
        Duration::from_secs(10),
        crate::avatars::decoders().acquire(),
    )
    .await
    else {
        return Err(busy());
    };
    let prepared = tokio::task::spawn_blocking(move || attachments::prepare(rules, &name, bytes))
        .await
        .map_err(|_| Refusal::new("unreadable", k::error_upload_file_unreadable))??;
    drop(_permit);
    match attachments::store_upload(
        &state.pool,
        FileStore::default(),
        rules,
        member,
        conversation,
        &prepared,
    )
    .await
    {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::warn!(%error, "storing an attachment failed");
            Err(busy())
        }
    }
}

/// `GET /files/{id}/{name}`: the file (a picture inline, anything else as a
/// download); `GET /files/{id}/thumbnail`: a picture's thumbnail.
pub async fn file(
    State(state): State<AppState>,
    Path((id, part)): Path<(i64, String)>,
    headers: HeaderMap,
) -> Response {
    let not_found = || StatusCode::NOT_FOUND.into_response();
    let viewer = match app::backend::auth::token_from_headers(&headers) {
        Some(token) => app::backend::auth::viewer_for_token(&state.pool, &token).await,
        None => Ok(None),
    };
    let viewer = match viewer {
        Ok(Some(viewer)) => viewer,
        Ok(None) => return not_found(),
        Err(error) => return crate::avatars::error_status(&error),
    };
    let readable = match app::backend::permissions::readable_file(&state.pool, &viewer, id).await {
        Ok(readable) => readable,
        Err(error) => return crate::avatars::error_status(&error),
    };
    let (key, media_type, disposition) = if part == "thumbnail" {
        match readable.thumbnail_key {
            Some(key) => (key, "image/jpeg".to_string(), "inline".to_string()),
            None => return not_found(),
        }
    } else {
        let how = if readable.picture {
            "inline"
        } else {
            "attachment"
        };
        (
            readable.file_key,
            readable.media_type,
            format!(
                "{how}; filename*=UTF-8''{}",
                app::model::conversation::url_segment(&readable.name)
            ),
        )
    };
    // The key names the bytes for good: a browser asking again with it gets
    // "not modified" (after the check above, so leaving the conversation ends it).
    let etag = format!("\"{key}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return (StatusCode::NOT_MODIFIED, file_headers(&etag, None, None)).into_response();
    }
    let Ok(Ok(_permit)) = tokio::time::timeout(SERVE_WAIT, served().acquire()).await else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, HeaderValue::from_static("5"))],
        )
            .into_response();
    };
    match FileStore::default().get(&state.pool, &key).await {
        Ok(Some(bytes)) => (
            file_headers(&etag, Some(&media_type), Some(&disposition)),
            bytes,
        )
            .into_response(),
        Ok(None) => not_found(),
        Err(error) => crate::avatars::error_status(&error),
    }
}

/// A file is never run as a page: sandboxed with nothing allowed, never sniffed
/// as another type, never kept by a shared cache.
fn file_headers(etag: &str, media_type: Option<&str>, disposition: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(header::ETAG, etag);
    set(header::CACHE_CONTROL, "private, no-cache");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        header::CONTENT_SECURITY_POLICY,
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
    );
    if let Some(media_type) = media_type {
        set(header::CONTENT_TYPE, media_type);
    }
    if let Some(disposition) = disposition {
        set(header::CONTENT_DISPOSITION, disposition);
    }
    headers
}
