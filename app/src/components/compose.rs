//! Starting a conversation: "send as", the recipient picker
//! (`components::recipient_picker`), the message box (`components::message_field`),
//! and Send.
//!
//! The same form serves the dialog (opened by "Start conversation" or a contact
//! icon) and the `/conversations/new` page, which is also what a contact icon
//! links to when JavaScript is not running.

use crate::api::conversations::{
    get_compose_info, ComposeInfo, PartyKind, PartyView, StartConversation,
};
use crate::components::attachments::{attachment_ids, AttachPicker};
use crate::components::field::{typed, FormErrors};
use crate::components::message_field::{MessageField, MessageFieldIds};
use crate::components::recipient_picker::{PickerText, RecipientPicker};
use crate::domain::conversation::{check_recipients, MessageBody, Party};
use crate::domain::FieldErrors;
use crate::i18n::{k, use_words};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Opens the start-conversation dialog from anywhere: `open` holds the start
/// tokens (`member:<handle>`, `group:<slug>`) while it is open.
#[derive(Clone, Copy)]
pub struct ComposeDialog {
    pub open: RwSignal<Option<Vec<String>>>,
}

pub fn use_compose() -> ComposeDialog {
    expect_context::<ComposeDialog>()
}

/// The address of the start page with `to` preselected; what a contact icon links to.
pub fn start_href(to: &str) -> String {
    format!("/conversations/new?to={to}")
}

/// A random key per message, so a retried send is recognised as the same message.
pub fn new_message_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        (0..4)
            .map(|_| format!("{:08x}", (js_sys::Math::random() * u32::MAX as f64) as u32))
            .collect()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        format!(
            "{:032x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        )
    }
}

/// The native `<dialog>` element: modal, Escape closes it, and focus goes back to
/// the button that opened it.
#[component]
pub fn ComposeDialogHost() -> impl IntoView {
    let compose = use_compose();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| {
        let wanted = compose.open.with(Option::is_some);
        if let Some(dialog) = dialog.get() {
            if wanted && !dialog.open() {
                let _ = dialog.show_modal();
            } else if !wanted && dialog.open() {
                dialog.close();
            }
        }
    });
    view! {
        <dialog node_ref=dialog class="compose-dialog" aria-labelledby="compose-title" on:close=move |_| compose.open.set(None)>
            {move || compose.open.get().map(|to| view! { <ComposeForm to in_dialog=true/> })}
        </dialog>
    }
}

#[component]
pub fn ComposeForm(to: Vec<String>, #[prop(optional)] in_dialog: bool) -> impl IntoView {
    let words = use_words();
    let info = Resource::new(move || to.clone(), get_compose_info);
    view! {
        <div class="compose">
            <div class="compose-head">
                <h1 id="compose-title">{words.t(k::compose_title)}</h1>
                {in_dialog.then(|| view! {
                    <button type="button" class="link-button" on:click=move |_| use_compose().open.set(None)>
                        {words.t(k::compose_close)}
                    </button>
                })}
            </div>
            <Suspense fallback=move || view! { <p>{words.t(k::compose_loading)}</p> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(info) => Either::Left(view! { <ComposeFields info in_dialog/> }),
                        Err(error) => Either::Right(view! { <p class="form-error" role="alert">{error.to_string()}</p> }),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// The parties behind the views (tokens that do not parse are left out).
pub fn parties(views: &[PartyView]) -> Vec<Party> {
    views
        .iter()
        .filter_map(|p| Party::parse_token(&p.token).ok())
        .collect()
}

#[component]
fn ComposeFields(info: ComposeInfo, in_dialog: bool) -> impl IntoView {
    let words = use_words();
    let chosen = RwSignal::new(info.preselected.clone());
    let send_as_options = info.send_as.clone();
    let send_as = RwSignal::new(
        info.send_as
            .first()
            .map(|p| p.token.clone())
            .unwrap_or_default(),
    );
    // A refused post without JavaScript comes back with what was typed and its key.
    let path = StartConversation::PATH;
    let body = RwSignal::new(
        typed(path, "body")
            .or(info.draft.clone())
            .unwrap_or_default(),
    );
    crate::components::draft::keep_draft(None, body);
    let key = RwSignal::new(typed(path, "key").unwrap_or_else(|| info.key.clone()));
    let files = RwSignal::new(info.pending.clone());
    let uploading = RwSignal::new(false);
    let rules = info.attach;
    let start = ServerAction::<StartConversation>::new();
    let errors = FormErrors::new(start.value());
    let compose = use_compose();

    let sender = move || Party::parse_token(&send_as.get_untracked()).unwrap_or(Party::Member(0));
    let rule = move |candidate: Vec<PartyView>| {
        check_recipients(sender(), &parties(&candidate)).map_err(|problem| problem.words(words))
    };
    let excluded = move |()| vec![send_as.get_untracked()];

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut found = FieldErrors::new();
        let recipients = chosen.get_untracked();
        found.check("to", check_recipients(sender(), &parties(&recipients)));
        let attached = files.with_untracked(Vec::len);
        found.check(
            "body",
            MessageBody::parse_with_files(&body.get_untracked(), attached),
        );
        if uploading.get_untracked() {
            found.add("attachments", words.t(k::compose_wait_for_files));
        }
        if !errors.check(found.into_result()) {
            return;
        }
        start.dispatch(StartConversation {
            send_as: send_as.get_untracked(),
            to: recipients.into_iter().map(|p| p.token).collect(),
            body: body.get_untracked(),
            key: key.get_untracked(),
            attachments: files.with_untracked(|f| attachment_ids(f)),
        });
    };

    // After a successful start the router follows the server's redirect to the
    // thread; the dialog closes. After a failure everything typed stays.
    Effect::new(move |_| {
        if let Some(Ok(_)) = start.value().get() {
            if in_dialog {
                compose.open.set(None);
            }
        }
    });

    let picker = PickerText {
        id: "compose",
        label: words.t(k::compose_to),
        chips_label: words.t(k::compose_chosen),
        hint: words.t(k::compose_hint),
    };
    let ids = MessageFieldIds {
        body: "compose-body".into(),
        counter: "compose-counter".into(),
        error: "compose-body-error".into(),
    };
    view! {
        <form class="compose-form" action=StartConversation::url() method="post" on:submit=on_submit novalidate>
            <input type="hidden" name="key" value=key/>
            <SendAs options=send_as_options send_as/>
            <RecipientPicker text=picker chosen rule excluded error=errors.field("to")/>
            <div class="field">
                <MessageField ids label=words.t(k::compose_message) rows=5 body error=errors.field("body")/>
            </div>
            <AttachPicker conversation=None files rules uploading/>
            {move || errors.field("attachments").get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <p class="form-error" role="alert">{errors.form()}</p>
            <CodeOfConductLine/>
            <button type="submit" class="button" disabled=move || start.pending().get() || uploading.get()>
                {move || if start.pending().get() { words.t(k::compose_sending) } else { words.t(k::compose_send) }}
            </button>
        </form>
    }
}

/// "Send as": the member themself or a group they manage (a hidden field when
/// there is no choice).
#[component]
fn SendAs(options: Vec<PartyView>, send_as: RwSignal<String>) -> impl IntoView {
    let words = use_words();
    if options.len() <= 1 {
        return Either::Left(view! { <input type="hidden" name="send_as" value=send_as/> });
    }
    Either::Right(view! {
        <div class="field">
            <label for="compose-send-as">{words.t(k::compose_send_as)}</label>
            <select id="compose-send-as" name="send_as" on:change=move |ev| send_as.set(event_target_value(&ev))>
                {options.iter().map(|p| view! {
                    <option value=p.token.clone()>
                        {words.f(if p.kind == PartyKind::Group { k::compose_as_group } else { k::compose_as_you }, &[("name", &p.name)])}
                    </option>
                }).collect_view()}
            </select>
        </div>
    })
}

/// The reminder under every message box: what is sent here follows the code of conduct.
#[component]
pub fn CodeOfConductLine() -> impl IntoView {
    let words = use_words();
    view! {
        <p class="conduct-line">
            {words.t(k::conduct_line_before)}
            <a href="/code-of-conduct">{words.t(k::conduct_line_link)}</a>
            {words.t(k::conduct_line_after)}
        </p>
    }
}
