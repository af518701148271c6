//! Starting a conversation: the recipient picker (a combobox with a listbox of
//! members and groups), "send as", the message box with its counter, and Send.
//!
//! The same form serves the dialog (opened by "Start conversation" or a contact
//! icon) and the `/conversations/new` page, which is also what a contact icon
//! links to when JavaScript is not running.

use crate::api::conversations::{
    get_compose_info, search_parties, ComposeInfo, PartyKind, PartyView, StartConversation,
};
use crate::components::avatar::Avatar;
use crate::components::field::FormErrors;
use crate::domain::conversation::{
    check_recipients, counter_label, MessageBody, Party, MESSAGE_MAX,
};
use crate::domain::text::visible_length;
use crate::domain::FieldErrors;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use std::time::Duration;

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

/// Searches members and groups once typing pauses (200 ms) and hands `show` only
/// the answer to the newest query: `generation` counts the keystrokes, so an older
/// answer arriving late is dropped. False (and no search) for a blank query.
pub fn search_when_typing_pauses(
    generation: StoredValue<u64>,
    query: String,
    show: impl Fn(Vec<PartyView>) + 'static,
) -> bool {
    let this = generation.get_value() + 1;
    generation.set_value(this);
    if query.trim().is_empty() {
        return false;
    }
    set_timeout(
        move || {
            if generation.get_value() != this {
                return;
            }
            leptos::task::spawn_local(async move {
                if let Ok(found) = search_parties(query).await {
                    if generation.get_value() == this {
                        show(found);
                    }
                }
            });
        },
        Duration::from_millis(200),
    );
    true
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
    let info = Resource::new(move || to.clone(), get_compose_info);
    view! {
        <div class="compose">
            <div class="compose-head">
                <h1 id="compose-title">"Start a conversation"</h1>
                {in_dialog.then(|| view! {
                    <button type="button" class="link-button" on:click=move |_| use_compose().open.set(None)>
                        "Close"
                    </button>
                })}
            </div>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
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
    let chosen = RwSignal::new(info.preselected.clone());
    let send_as_options = info.send_as.clone();
    let send_as = RwSignal::new(
        info.send_as
            .first()
            .map(|p| p.token.clone())
            .unwrap_or_default(),
    );
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(Vec::<PartyView>::new());
    let active = RwSignal::new(None::<usize>);
    let body = RwSignal::new(String::new());
    let key = RwSignal::new(info.key.clone());
    let picker_error = RwSignal::new(None::<String>);
    let start = ServerAction::<StartConversation>::new();
    let errors = FormErrors::new(start.value());
    let generation = StoredValue::new(0u64);
    let compose = use_compose();

    let sender = move || Party::parse_token(&send_as.get_untracked()).unwrap_or(Party::Member(0));

    let close_results = move || {
        results.set(Vec::new());
        active.set(None);
    };
    let pick = move |party: PartyView| {
        let mut candidate = chosen.get_untracked();
        if candidate.iter().any(|p| p.token == party.token) {
            return;
        }
        candidate.push(party);
        // The same rule the server applies: a tenth is refused, with the reason shown.
        if let Err(reason) = check_recipients(sender(), &parties(&candidate)) {
            picker_error.set(Some(reason));
            return;
        }
        picker_error.set(None);
        chosen.set(candidate);
        query.set(String::new());
        close_results();
    };
    let remove = move |token: String| {
        chosen.update(|c| c.retain(|p| p.token != token));
        picker_error.set(None);
    };

    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        query.set(value.clone());
        let searching = search_when_typing_pauses(generation, value, move |found| {
            let taken = chosen.get_untracked();
            let own = send_as.get_untracked();
            let found: Vec<PartyView> = found
                .into_iter()
                .filter(|p| p.token != own && !taken.iter().any(|t| t.token == p.token))
                .collect();
            active.set((!found.is_empty()).then_some(0));
            results.set(found);
        });
        if !searching {
            close_results();
        }
    };

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = results.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1).min(count - 1))));
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                active.update(|a| *a = Some(a.map_or(0, |i| i.saturating_sub(1))));
            }
            "Enter" => {
                // Enter picks the highlighted option; it never sends the form from here.
                ev.prevent_default();
                if let Some(party) = active
                    .get_untracked()
                    .and_then(|i| results.with_untracked(|r| r.get(i).cloned()))
                {
                    pick(party);
                }
            }
            "Escape" if count > 0 => {
                // The first Escape closes the list; the next one closes the dialog.
                ev.prevent_default();
                ev.stop_propagation();
                close_results();
            }
            "Backspace" if query.with_untracked(String::is_empty) => {
                chosen.update(|c| {
                    c.pop();
                });
            }
            _ => {}
        }
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut found = FieldErrors::new();
        let recipients = chosen.get_untracked();
        found.check("to", check_recipients(sender(), &parties(&recipients)));
        found.check("body", MessageBody::parse(&body.get_untracked()));
        if !errors.check(found.into_result()) {
            return;
        }
        start.dispatch(StartConversation {
            send_as: send_as.get_untracked(),
            to: recipients.into_iter().map(|p| p.token).collect(),
            body: body.get_untracked(),
            key: key.get_untracked(),
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

    let to_error = errors.field("to");
    let body_error = errors.field("body");
    let form_error = errors.form();
    let over_limit = move || body.with(|b| visible_length(b.trim()) > MESSAGE_MAX);

    view! {
        <form class="compose-form" action=StartConversation::url() method="post" on:submit=on_submit novalidate>
            <input type="hidden" name="key" prop:value=key/>
            {(send_as_options.len() > 1).then(|| view! {
                <div class="field">
                    <label for="compose-send-as">"Send as"</label>
                    <select id="compose-send-as" name="send_as" on:change=move |ev| send_as.set(event_target_value(&ev))>
                        {send_as_options.iter().map(|p| view! {
                            <option value=p.token.clone()>
                                {if p.kind == PartyKind::Group { format!("{} (group)", p.name) } else { format!("{} (you)", p.name) }}
                            </option>
                        }).collect_view()}
                    </select>
                </div>
            })}
            {(send_as_options.len() <= 1).then(|| view! { <input type="hidden" name="send_as" prop:value=send_as/> })}
            <div class="field">
                <label for="compose-search" id="compose-to-label">"To"</label>
                <ul class="chips" aria-label="Chosen recipients">
                    <For each=move || chosen.get().into_iter().enumerate() key=|(_, p)| p.token.clone() let:((index, party))>
                        <li class="chip">
                            <input type="hidden" name=format!("to[{index}]") value=party.token.clone()/>
                            <Avatar name=party.name.clone() seed=party.handle.clone() group=party.kind == PartyKind::Group/>
                            <span>{party.name.clone()}</span>
                            {(party.kind == PartyKind::Group).then(|| view! { <span class="badge">"Group"</span> })}
                            <button
                                type="button"
                                class="chip-remove"
                                aria-label=format!("Remove {}", party.name)
                                on:click={
                                    let token = party.token.clone();
                                    move |_| remove(token.clone())
                                }
                            >
                                "×"
                            </button>
                        </li>
                    </For>
                </ul>
                <div class="combobox">
                    <input
                        id="compose-search"
                        type="text"
                        role="combobox"
                        autocomplete="off"
                        placeholder="Search members and groups by name"
                        aria-autocomplete="list"
                        aria-controls="compose-options"
                        aria-expanded=move || if results.with(Vec::is_empty) { "false" } else { "true" }
                        aria-activedescendant=move || active.get().map(|i| format!("compose-option-{i}"))
                        aria-describedby="compose-to-hint compose-to-error"
                        prop:value=query
                        on:input=on_input
                        on:keydown=on_keydown
                    />
                    <ul id="compose-options" role="listbox" aria-label="Matching members and groups" class="listbox" hidden=move || results.with(Vec::is_empty)>
                        {move || results.get().into_iter().enumerate().map(|(i, party)| {
                            let selected = move || active.get() == Some(i);
                            let is_group = party.kind == PartyKind::Group;
                            let chosen_party = party.clone();
                            view! {
                                <li
                                    id=format!("compose-option-{i}")
                                    role="option"
                                    class="option"
                                    aria-selected=move || if selected() { "true" } else { "false" }
                                    on:mousedown=move |ev| ev.prevent_default()
                                    on:click=move |_| pick(chosen_party.clone())
                                >
                                    <Avatar name=party.name.clone() seed=party.handle.clone() group=is_group/>
                                    <span class="option-name">{party.name.clone()}</span>
                                    <span class="option-kind">{if is_group { "Group" } else { "Member" }}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </div>
                <p class="hint" id="compose-to-hint">"Up to 9 others: members or groups. A group's managers answer for it."</p>
                <p class="field-error" id="compose-to-error" role="alert">{move || picker_error.get().or_else(|| to_error.get())}</p>
            </div>
            <div class="field">
                <label for="compose-body">"Message"</label>
                <textarea
                    id="compose-body"
                    name="body"
                    rows="5"
                    aria-describedby="compose-counter compose-body-error"
                    aria-invalid=move || (body_error.get().is_some() || over_limit()).then_some("true")
                    prop:value=body
                    on:input=move |ev| body.set(event_target_value(&ev))
                ></textarea>
                <p id="compose-counter" class="counter" class:over-limit=over_limit>{move || counter_label(&body.get())}</p>
                <p class="field-error" id="compose-body-error" role="alert">{body_error}</p>
            </div>
            <p class="form-error" role="alert">{form_error}</p>
            <CodeOfConductLine/>
            <button type="submit" class="button" disabled=move || start.pending().get()>
                {move || if start.pending().get() { "Sending…" } else { "Send" }}
            </button>
        </form>
    }
}

/// The reminder under every message box: what is sent here follows the code of conduct.
#[component]
pub fn CodeOfConductLine() -> impl IntoView {
    view! {
        <p class="conduct-line">
            "Messages here follow our " <a href="/code-of-conduct">"code of conduct"</a>
            ": be respectful, no spam or harassment."
        </p>
    }
}
