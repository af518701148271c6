//! "Download my data": the signed-in member's data as `data.json` in a ZIP
//! (collected by `app::backend::members::export_data`).

use app::backend::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::io::Write;
use std::sync::OnceLock;
use tokio::sync::Semaphore;

/// Exports built at once by this instance: each holds a member's conversations in
/// memory for a moment, so a burst waits its turn instead of growing memory.
const EXPORTS_AT_ONCE: usize = 2;

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(EXPORTS_AT_ONCE))
}

pub async fn download(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let viewer = match app::backend::auth::token_from_headers(&headers) {
        Some(token) => app::backend::auth::viewer_for_token(&state.pool, &token).await,
        None => Ok(None),
    };
    let viewer = match viewer {
        Ok(Some(viewer)) => viewer,
        Ok(None) => return Redirect::to("/sign-in?next=/settings/account").into_response(),
        Err(_) => return busy(),
    };
    let Ok(_permit) = permits().try_acquire() else {
        return busy();
    };
    let data = match app::backend::members::export_data(&state.pool, viewer.id).await {
        Ok(data) => data,
        Err(error) => {
            tracing::warn!(%error, "data export failed");
            return busy();
        }
    };
    let zipped = tokio::task::spawn_blocking(move || zip_json(&data)).await;
    let Ok(Ok(bytes)) = zipped else {
        tracing::warn!("data export could not be packed");
        return busy();
    };
    let disposition = format!(
        "attachment; filename=\"conversations-data-{}.zip\"",
        viewer.handle
    );
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, value);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn busy() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "10")],
        "Your data could not be gathered just now. Try again in a few seconds.",
    )
        .into_response()
}

fn zip_json(
    data: &app::backend::members::MemberData,
) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let json = serde_json::to_vec_pretty(data)?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("data.json", options)?;
    zip.write_all(&json)?;
    Ok(zip.finish()?.into_inner())
}
