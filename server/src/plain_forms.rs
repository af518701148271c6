//! Forms posted without JavaScript.
//!
//! Every form of the portal posts to its server function, and hydrated pages send
//! the same fields with `fetch`. A browser without JavaScript (or one whose client
//! has not loaded yet) posts the form itself and expects a page back. This layer
//! asks the server function as the client would, then answers as a web page does:
//! after success, a 303 to where the hydrated page would go (the function's own
//! redirect, else the form's page); after a refusal, the form's page rendered again
//! with the refusal and what was typed, under the refusal's status. Nothing is
//! stored for it: the page is rendered in the same request.

use crate::router::BODY_LIMIT_BYTES;
use app::api::context::{SubmittedForm, PLAIN_FORM_HEADER, PLAIN_FORM_NEXT};
use app::domain::language::Language;
use app::domain::text::escape_html as escape;
use app::i18n::{k, Words};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use base64::Engine;
use tower::ServiceExt;

/// Fields never rendered back into a page.
const SECRET_FIELDS: [&str; 3] = ["password", "current_password", "new_password"];

/// An error answer is a few hundred bytes of JSON; more is not ours.
const ERROR_LIMIT_BYTES: usize = 64 * 1024;

/// A form's own post: a POST to a server function, of form fields, from a
/// navigation (browsers ask for `text/html`; the client asks for JSON).
fn is_plain_form_post(request: &Request) -> bool {
    let headers = request.headers();
    let wants_page = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let form_fields = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    request.method() == Method::POST
        && request.uri().path().starts_with("/api/")
        && wants_page
        && form_fields
}

/// The same-origin path and query of the page the form was on, without the
/// markers a refusal adds; `None` when the browser did not say or it is not ours.
fn form_page(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let url = url::Url::parse(referer).ok()?;
    let mut path = url.path().to_string();
    if let Some(query) = url.query() {
        path.push('?');
        path.push_str(query);
    }
    let safe = app::domain::redirect::local_path(&path)?;
    // A page rendered for a refusal is at the function's address; the form's
    // page is never an /api/ address.
    (!safe.starts_with("/api/")).then_some(safe)
}

/// `offered`: the languages the portal offers, the fallback first.
pub async fn answer_plain_forms(
    State((pages, offered)): State<(Router, Vec<Language>)>,
    request: Request,
    next: Next,
) -> Response {
    if !is_plain_form_post(&request) {
        return next.run(request).await;
    }
    answer_as_page(pages, &offered, request, |request| next.run(request)).await
}

/// Answers a form's post to a server function as a web page: `call` asks the
/// function as the client would; `pages` renders the form's page again after a
/// refusal. What is said without a page is in the reader's language, among
/// those `offered`.
pub async fn answer_as_page<F, Fut>(
    pages: Router,
    offered: &[Language],
    request: Request,
    call: F,
) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let (mut parts, body) = request.into_parts();
    let words = Words::of(app::i18n::language_of_request(&parts.headers, offered));
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT_BYTES).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONTENT_LANGUAGE, words.language.code())],
            words.t(k::error_form_too_large),
        )
            .into_response();
    };
    let page = form_page(&parts.headers);
    let action = parts.uri.path().to_string();
    let page_headers = parts.headers.clone();
    let extensions = parts.extensions.clone();
    // Asked as the client asks, the function answers with its value or its error.
    parts
        .headers
        .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    parts
        .headers
        .insert(PLAIN_FORM_HEADER, HeaderValue::from_static("1"));
    let answer = call(Request::from_parts(parts, Body::from(bytes.clone()))).await;
    let cookies: Vec<HeaderValue> = answer
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();

    if answer.status().is_success() || answer.status().is_redirection() {
        let to = [PLAIN_FORM_NEXT, header::LOCATION.as_str()]
            .iter()
            .filter_map(|name| answer.headers().get(*name))
            .filter_map(|v| v.to_str().ok())
            .find_map(app::domain::redirect::local_path)
            .or(page)
            .unwrap_or_else(|| "/".to_string());
        return see_other(&to, cookies);
    }

    let status = answer.status();
    let retry_after = answer.headers().get(header::RETRY_AFTER).cloned();
    let is_json = answer
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let error = axum::body::to_bytes(answer.into_body(), ERROR_LIMIT_BYTES)
        .await
        .unwrap_or_default();
    let (Some(page), true) = (page, is_json) else {
        return refusal_without_page(words, status, &error, cookies);
    };
    let fields = form_urlencoded::parse(&bytes)
        .filter(|(name, _)| !SECRET_FIELDS.contains(&name.as_ref()))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let submitted = SubmittedForm {
        action,
        encoded_error: base64::engine::general_purpose::URL_SAFE.encode(&error),
        fields,
    };
    let mut page_request = Request::new(Body::empty());
    *page_request.uri_mut() = match page.parse() {
        Ok(uri) => uri,
        Err(_) => return refusal_without_page(words, status, &error, cookies),
    };
    *page_request.headers_mut() = page_headers;
    for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH] {
        page_request.headers_mut().remove(name);
    }
    *page_request.extensions_mut() = extensions;
    page_request.extensions_mut().insert(submitted);
    let Ok(mut response) = pages.oneshot(page_request).await;
    *response.status_mut() = status;
    if let Some(seconds) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, seconds);
    }
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn see_other(to: &str, cookies: Vec<HeaderValue>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A refusal when the form's page is unknown (the browser sent no Referer): its
/// message on a page of its own, with a way back, in the reader's `words`.
fn refusal_without_page(
    words: Words,
    status: StatusCode,
    error: &[u8],
    cookies: Vec<HeaderValue>,
) -> Response {
    let message = serde_json::from_slice::<app::error::AppError>(error)
        .map(|e| e.words(words))
        .unwrap_or_else(|_| words.t(k::error_page_unknown).to_string());
    let title = escape(words.t(k::error_page_title));
    let body = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><main><h1>{title}</h1><p role=\"alert\">{}</p><p><a href=\"/\">{}</a></p></main></body></html>",
        words.language.code(),
        escape(&message),
        escape(words.t(k::error_page_back)),
    );
    let mut response = (status, Html(body)).into_response();
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(referer: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::REFERER, HeaderValue::from_str(referer).unwrap());
        headers
    }

    #[test]
    fn the_form_page_is_the_referers_path_and_query() {
        assert_eq!(
            form_page(&headers(
                "http://portal.example/conversations/new?to=member:bob"
            )),
            Some("/conversations/new?to=member:bob".to_string())
        );
    }

    #[test]
    fn an_api_address_or_a_missing_referer_is_no_form_page() {
        assert_eq!(
            form_page(&headers("http://portal.example/api/send_message")),
            None
        );
        assert_eq!(form_page(&HeaderMap::new()), None);
        assert_eq!(form_page(&headers("not a url")), None);
    }

    #[test]
    fn a_refusal_without_a_page_escapes_its_message() {
        let error = br#"{"kind":"refused","detail":"<b>no</b>"}"#;
        let response = refusal_without_page(
            Words::of(Language::En),
            StatusCode::CONFLICT,
            error,
            Vec::new(),
        );
        assert_eq!(response.status(), StatusCode::CONFLICT);
    }

    #[test]
    fn the_reader_language_is_their_choice_else_their_browsers_among_those_offered() {
        let offered = [Language::En, Language::Fr, Language::De];
        let mut headers = HeaderMap::new();
        assert_eq!(
            app::i18n::language_of_request(&headers, &offered),
            Language::En
        );
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("es, fr;q=0.5"),
        );
        assert_eq!(
            app::i18n::language_of_request(&headers, &offered),
            Language::Fr
        );
        headers.insert(header::COOKIE, HeaderValue::from_static("a=b; lang=de"));
        assert_eq!(
            app::i18n::language_of_request(&headers, &offered),
            Language::De
        );
        assert_eq!(
            app::i18n::language_of_request(&headers, &[Language::En]),
            Language::En
        );
    }
}
