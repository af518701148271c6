use crate::domain::FieldErrors;
use crate::error::AppError;
use leptos::prelude::*;

/// A labelled input with its error message right below it. The message is tied
/// to the input (`aria-describedby`, `aria-invalid`) so screen readers announce it.
#[component]
pub fn TextField(
    #[prop(into)] label: String,
    /// The input's `name`: also the server function argument and the error key.
    name: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional, into)] hint: Option<String>,
    /// Tells apart two forms on one page that share a field name (`field-<scope>-<name>`).
    #[prop(default = "")]
    scope: &'static str,
) -> impl IntoView {
    let id = if scope.is_empty() {
        format!("field-{name}")
    } else {
        format!("field-{scope}-{name}")
    };
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let error_id = error_id.clone();
        let hint_id = hint_id.clone();
        let has_hint = hint.is_some();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                // Rendered by the server too (a refused form keeps what was typed);
                // the binding takes over in the browser.
                value=value.with_untracked(|v| (!v.is_empty()).then(|| v.clone()))
                bind:value=value
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described_by
            />
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </div>
    }
}

/// A labelled multi-line field (a description, a bio) with its hint and error,
/// ids `field-<name>`, `…-hint`, `…-error` as `TextField`'s. The server renders the
/// text (a refused form keeps it); the property follows the signal in the browser.
#[component]
pub fn TextArea(
    #[prop(into)] label: String,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(into)] hint: String,
    #[prop(default = 4)] rows: u32,
) -> impl IntoView {
    let id = format!("field-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <p class="hint" id=format!("{id}-hint")>{hint}</p>
            <textarea
                id=id.clone()
                name=name
                rows=rows.to_string()
                aria-describedby=format!("{id}-hint {id}-error")
                aria-invalid=move || error.get().is_some().then_some("true")
                inner_html=value.with_untracked(|v| escape_html(v))
                prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))
            ></textarea>
            <p class="field-error" id=format!("{id}-error")>{move || error.get()}</p>
        </div>
    }
}

/// The messages of one form: first what the shared rules found in the browser,
/// then what the server answered to the last submission.
#[derive(Clone, Copy)]
pub struct FormErrors {
    client: RwSignal<FieldErrors>,
    server: Signal<Option<AppError>>,
}

impl FormErrors {
    /// `answer` is the value of the form's server action.
    pub fn new<T>(
        answer: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    ) -> Self
    where
        T: Send + Sync + 'static,
    {
        Self {
            client: RwSignal::new(FieldErrors::new()),
            server: Signal::derive(move || answer.get().and_then(Result::err)),
        }
    }

    /// Records the browser's check; `false` when it found a problem.
    pub fn check(&self, result: Result<(), FieldErrors>) -> bool {
        let errors = result.err().unwrap_or_default();
        let ok = errors.is_empty();
        self.client.set(errors);
        ok
    }

    /// The message for one field.
    pub fn field(&self, name: &'static str) -> Signal<Option<String>> {
        let (client, server) = (self.client, self.server);
        Signal::derive(move || {
            client
                .read()
                .get(name)
                .or_else(|| server.get().and_then(|e| e.field(name)))
        })
    }

    /// A message about the whole form (wrong password, too many attempts, ...).
    pub fn form(&self) -> Signal<Option<String>> {
        let server = self.server;
        Signal::derive(move || {
            server
                .get()
                .filter(|e| e.field_errors().is_none())
                .map(|e| e.to_string())
        })
    }
}

/// What was typed into field `name` of the form posted to `action` (a server
/// function's path) when this page is the server's answer to that form refused
/// (posted without JavaScript, `server::plain_forms`); `None` otherwise and always
/// in the browser. Passwords are never kept.
pub fn typed(action: &str, name: &str) -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        crate::api::context::submitted_form()
            .filter(|form| form.action == action)
            .and_then(|form| {
                form.fields
                    .into_iter()
                    .find(|(field, _)| field == name)
                    .map(|(_, value)| value)
            })
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = (action, name);
        None
    }
}

/// Text for `inner_html`, the one way to render a `<textarea>`'s text on the
/// server without the hydration markers that a child would carry.
pub use crate::domain::text::escape_html;
