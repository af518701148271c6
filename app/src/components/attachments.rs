//! Pictures and files: as a message shows them, and as the reply box attaches them.

#[cfg(feature = "hydrate")]
use crate::domain::attachment::check_file;
use crate::domain::attachment::{too_many, AttachmentRules, ACCEPT};
use crate::i18n::{k, use_words, Problem, Words};
use crate::model::conversation::AttachmentView;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The side a thumbnail is drawn at most (CSS pixels; the file has twice that).
const THUMBNAIL_SHOWN: u32 = 240;

/// A message's files: pictures as thumbnails opening the full picture, other
/// files as downloads with their size.
#[component]
pub fn AttachmentList(attachments: Vec<AttachmentView>) -> impl IntoView {
    let words = use_words();
    (!attachments.is_empty()).then(|| {
        let items = attachments
            .into_iter()
            .map(|file| match file.picture {
                Some((width, height)) => {
                    let scale = (THUMBNAIL_SHOWN as f64 / width.max(height).max(1) as f64).min(1.0);
                    let (w, h) = (
                        ((width as f64 * scale).round() as u32).max(1),
                        ((height as f64 * scale).round() as u32).max(1),
                    );
                    view! {
                        <li class="attachment picture">
                            <a href=file.url() target="_blank" rel="noopener" aria-label=words.f(k::files_opens_full_size, &[("name", &file.name)])>
                                <img src=file.thumbnail_url() alt=file.name.clone() width=w.to_string() height=h.to_string() loading="lazy"/>
                            </a>
                        </li>
                    }
                    .into_any()
                }
                None => view! {
                    <li class="attachment file">
                        <a href=file.url() download=file.name.clone()>
                            <span aria-hidden="true">"📄 "</span>{file.name.clone()}
                        </a>
                        <span class="meta">{format!(" · {}", use_words().language.size(file.size))}</span>
                    </li>
                }
                .into_any(),
            })
            .collect_view();
        view! { <ul class="attachments">{items}</ul> }
    })
}

/// A file being sent from this page: its name, how far along, and why it failed.
#[derive(Debug, Clone, PartialEq)]
struct Sending {
    token: u64,
    name: String,
    percent: u32,
    error: Option<String>,
}

/// What the thread says after a form posted without JavaScript (`?attach=<code>`).
fn outcome_text(words: Words, code: &str, rules: AttachmentRules) -> Option<String> {
    Some(match code {
        "attached" => return None,
        "missing" => words.t(k::files_missing).into(),
        "too_large" => words.f(
            k::files_too_large,
            &[("size", &use_words().language.size(rules.file_bytes))],
        ),
        "kind" => Problem::new(k::error_file_kinds).words(words),
        "mismatch" => words.t(k::files_mismatch).into(),
        "unreadable" => words.t(k::files_unreadable).into(),
        "quota" => words.t(k::files_quota).into(),
        "too_many" => too_many(rules).words(words),
        "empty" => words.t(k::files_empty).into(),
        _ => words.t(k::files_busy).into(),
    })
}

/// The ids of files to send, as a form posts them (`12,13`).
pub fn attachment_ids(files: &[AttachmentView]) -> String {
    files
        .iter()
        .map(|a| a.id.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The files of the reply box (or of the start form: `conversation` absent):
/// those waiting to be sent (posted as `attachments`, each with "Remove"), the
/// picker, and each upload's progress. With JavaScript a chosen file is sent at
/// once; without, "Upload files" posts the form (its text kept as the draft)
/// and the page comes back with them.
#[component]
pub fn AttachPicker(
    conversation: Option<i64>,
    files: RwSignal<Vec<AttachmentView>>,
    rules: AttachmentRules,
    /// Set while a file is on its way: the message waits for it.
    uploading: RwSignal<bool>,
) -> impl IntoView {
    let words = use_words();
    let sending = RwSignal::new(Vec::<Sending>::new());
    Effect::new(move |_| uploading.set(sending.with(|s| s.iter().any(|x| x.error.is_none()))));
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    let asked = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("attach"))
        .and_then(|code| outcome_text(words, &code, rules));
    let refused = RwSignal::new(asked);
    let ids = move || files.with(|f| attachment_ids(f));
    let (upload_url, anchor) = match conversation {
        Some(conversation) => (
            format!("/conversations/{conversation}/files"),
            "reply-files",
        ),
        None => ("/conversations/new/files".to_string(), "start-files"),
    };
    let on_change = {
        #[cfg(feature = "hydrate")]
        let upload_url = upload_url.clone();
        move |ev: leptos::ev::Event| {
            #[cfg(feature = "hydrate")]
            choose_files(
                ev,
                words,
                upload_url.clone(),
                files,
                sending,
                refused,
                rules,
            );
            #[cfg(not(feature = "hydrate"))]
            let _ = ev;
        }
    };
    let discard = ServerAction::<crate::api::conversations::DiscardAttachment>::new();
    let chip = move |file: AttachmentView| {
        let id = file.id;
        view! {
            <li class="pending-file">
                <span class="pending-name">{file.name.clone()}</span>
                <span class="meta">{format!(" · {}", use_words().language.size(file.size))}</span>
                <button
                    type="submit"
                    class="link-button"
                    formaction=crate::api::conversations::DiscardAttachment::url()
                    formnovalidate=true
                    name="attachment"
                    value=id.to_string()
                    aria-label=words.f(k::files_remove_named, &[("name", &file.name)])
                    on:click=move |ev| {
                        ev.prevent_default();
                        files.update(|f| f.retain(|a| a.id != id));
                        discard.dispatch(crate::api::conversations::DiscardAttachment { attachment: id, body: None, to: Vec::new() });
                    }
                >
                    {words.t(k::files_remove)}
                </button>
            </li>
        }
    };
    let progress = move |item: Sending| {
        let token = item.token;
        view! {
            <li class="pending-file" class:failed=item.error.is_some()>
                <span class="pending-name">{item.name.clone()}</span>
                {match item.error.clone() {
                    Some(error) => view! {
                        <span class="field-error" role="alert">{format!(" {error}")}</span>
                        <button type="button" class="link-button" on:click=move |_| sending.update(|s| s.retain(|x| x.token != token))>{words.t(k::files_dismiss)}</button>
                    }.into_any(),
                    None => view! {
                        <progress max="100" value=item.percent.to_string() aria-label=words.f(k::files_uploading, &[("name", &item.name)])>{format!("{}%", item.percent)}</progress>
                    }.into_any(),
                }}
            </li>
        }
    };
    view! {
        <div class="reply-files" id=anchor>
            <input type="hidden" name="attachments" value=ids/>
            <ul class="pending-files" aria-live="polite">
                <For each=move || files.get() key=|f| f.id children=chip/>
                <For each=move || sending.get() key=|s| (s.token, s.percent, s.error.clone()) children=progress/>
            </ul>
            <p class="field-error" role="alert" hidden=move || refused.with(Option::is_none)>{move || refused.get()}</p>
            <label class="link-button attach-label">
                <span aria-hidden="true">"📎 "</span>{words.t(k::files_attach)}
                <input
                    type="file"
                    class="attach-input"
                    name="file"
                    multiple=true
                    accept=ACCEPT
                    on:change=on_change
                />
            </label>
            <button
                type="submit"
                class="link-button"
                formaction=upload_url
                formenctype="multipart/form-data"
                formnovalidate=true
                hidden=move || interactive.get()
            >
                {words.t(k::files_upload)}
            </button>
            <span class="meta attach-rules">{format!(" {}", words.p(k::files_limits, rules.per_message as i64, &[("size", &use_words().language.size(rules.file_bytes))]))}</span>
        </div>
    }
}

/// Sends each chosen file in turn (checked here first by the same rule as the
/// server), showing its progress; a stored one joins `files`.
#[cfg(feature = "hydrate")]
fn choose_files(
    ev: leptos::ev::Event,
    words: Words,
    url: String,
    files: RwSignal<Vec<AttachmentView>>,
    sending: RwSignal<Vec<Sending>>,
    refused: RwSignal<Option<String>>,
    rules: AttachmentRules,
) {
    use leptos::wasm_bindgen::JsCast;
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(list) = input.files() else {
        return;
    };
    refused.set(None);
    let chosen: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    // The input is emptied: the files travel on their own, never with the form.
    input.set_value("");
    for file in chosen {
        let waiting = files.with_untracked(Vec::len)
            + sending.with_untracked(|s| s.iter().filter(|x| x.error.is_none()).count());
        if waiting >= rules.per_message {
            refused.set(Some(too_many(rules).words(words)));
            return;
        }
        if let Err(reason) = check_file(rules, &file.name(), file.size() as u64) {
            refused.set(Some(reason.words(words)));
            continue;
        }
        let token = next_token();
        sending.update(|s| {
            s.push(Sending {
                token,
                name: file.name(),
                percent: 0,
                error: None,
            })
        });
        let on_progress = move |percent: u32| {
            sending.update(|s| {
                if let Some(item) = s.iter_mut().find(|x| x.token == token) {
                    item.percent = percent;
                }
            })
        };
        let on_done = move |result: Result<AttachmentView, String>| match result {
            Ok(stored) => {
                sending.update(|s| s.retain(|x| x.token != token));
                files.update(|f| f.push(stored));
            }
            Err(error) => sending.update(|s| {
                if let Some(item) = s.iter_mut().find(|x| x.token == token) {
                    item.error = Some(error);
                }
            }),
        };
        send_file(words, &url, &file, on_progress, on_done);
    }
}

#[cfg(feature = "hydrate")]
fn next_token() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// One file over XMLHttpRequest (fetch cannot report an upload's progress).
#[cfg(feature = "hydrate")]
fn send_file(
    words: Words,
    url: &str,
    file: &web_sys::File,
    on_progress: impl Fn(u32) + 'static,
    on_done: impl FnOnce(Result<AttachmentView, String>) + 'static,
) {
    use leptos::wasm_bindgen::closure::Closure;
    use leptos::wasm_bindgen::JsCast;
    let failed = words.t(k::files_send_failed);
    let Ok(request) = web_sys::XmlHttpRequest::new() else {
        on_done(Err(failed.into()));
        return;
    };
    let form = web_sys::FormData::new().ok();
    let ready = form.as_ref().is_some_and(|form| {
        form.append_with_blob_and_filename("file", file, &file.name())
            .is_ok()
    }) && request.open("POST", url).is_ok()
        && request
            .set_request_header("Accept", "application/json")
            .is_ok();
    if !ready {
        on_done(Err(failed.into()));
        return;
    }
    if let Ok(upload) = request.upload() {
        let progress =
            Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
                if ev.length_computable() && ev.total() > 0.0 {
                    on_progress((ev.loaded() / ev.total() * 100.0).min(100.0) as u32);
                }
            });
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        progress.forget();
    }
    let done = std::rc::Rc::new(std::cell::RefCell::new(Some(on_done)));
    let finish = {
        let request = request.clone();
        let done = done.clone();
        Closure::<dyn Fn()>::new(move || {
            let Some(on_done) = done.borrow_mut().take() else {
                return;
            };
            let status = request.status().unwrap_or(0);
            let text = request.response_text().ok().flatten().unwrap_or_default();
            let result = if status == 200 {
                serde_json::from_str::<AttachmentView>(&text).map_err(|_| failed.to_string())
            } else {
                Err(serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
                    .unwrap_or_else(|| match status {
                        401 => words.t(k::files_sign_in_again).to_string(),
                        413 => words.t(k::files_file_too_large).to_string(),
                        _ => failed.to_string(),
                    }))
            };
            on_done(result);
        })
    };
    request.set_onloadend(Some(finish.as_ref().unchecked_ref()));
    finish.forget();
    if request.send_with_opt_form_data(form.as_ref()).is_err() {
        if let Some(on_done) = done.borrow_mut().take() {
            on_done(Err(failed.into()));
        }
    }
}
