//! The one recipient picker: chosen members and groups as chips, and a combobox
//! that searches as you type with a listbox of matches (arrow keys move, Enter
//! picks, Escape closes the list, Backspace in an empty box removes the last
//! chip). Used to start a conversation and to add people to one; each passes the
//! rule the server applies (`rule`) and whom not to offer (`excluded`).

use crate::api::conversations::{search_parties, PartyKind, PartyView};
use crate::components::avatar::Avatar;
use crate::i18n::{k, use_words};
use leptos::either::Either;
use leptos::prelude::*;
use std::time::Duration;

/// Searches members and groups once typing pauses (200 ms) and hands `show` only
/// the answer to the newest query: `generation` counts the keystrokes, so an older
/// answer arriving late is dropped. False (and no search) for a blank query.
fn search_when_typing_pauses(
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

/// The words a picker shows; element ids start with `id` (`{id}-search`,
/// `{id}-options`, `{id}-option-{i}`, `{id}-to-hint`, `{id}-to-error`).
#[derive(Clone, Copy)]
pub struct PickerText {
    pub id: &'static str,
    pub label: &'static str,
    pub chips_label: &'static str,
    pub hint: &'static str,
}

/// `chosen` holds the picks (each posted as `to[i]`); `rule` refuses a candidate
/// list with the reason shown under the box; `excluded` lists the tokens never
/// offered (besides those already chosen); `error` is the form's own error for
/// the field, shown when the picker has none.
#[component]
pub fn RecipientPicker(
    text: PickerText,
    chosen: RwSignal<Vec<PartyView>>,
    #[prop(into)] rule: Callback<Vec<PartyView>, Result<(), String>>,
    #[prop(into)] excluded: Callback<(), Vec<String>>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(Vec::<PartyView>::new());
    let active = RwSignal::new(None::<usize>);
    let problem = RwSignal::new(None::<String>);
    let generation = StoredValue::new(0u64);

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
        if let Err(reason) = rule.run(candidate.clone()) {
            problem.set(Some(reason));
            return;
        }
        problem.set(None);
        chosen.set(candidate);
        query.set(String::new());
        close_results();
    };
    let remove = move |token: String| {
        chosen.update(|c| c.retain(|p| p.token != token));
        problem.set(None);
    };
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        query.set(value.clone());
        let searching = search_when_typing_pauses(generation, value, move |found| {
            let found = offered(found, &chosen.get_untracked(), &excluded.run(()));
            active.set((!found.is_empty()).then_some(0));
            results.set(found);
        });
        if !searching {
            close_results();
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        on_picker_key(&ev, query, results, active, chosen, pick, close_results)
    };

    let id = text.id;
    let words = use_words();
    view! {
        <div class="field">
            <label for=format!("{id}-search") id=format!("{id}-to-label")>{text.label}</label>
            <ChosenChips label=text.chips_label chosen remove/>
            <div class="combobox">
                <input
                    id=format!("{id}-search")
                    type="text"
                    role="combobox"
                    autocomplete="off"
                    placeholder=words.t(k::picker_placeholder)
                    aria-autocomplete="list"
                    aria-controls=format!("{id}-options")
                    aria-expanded=move || if results.with(Vec::is_empty) { "false" } else { "true" }
                    aria-activedescendant=move || active.get().map(|i| format!("{id}-option-{i}"))
                    aria-describedby=format!("{id}-to-hint {id}-to-error")
                    prop:value=query
                    on:input=on_input
                    on:keydown=on_keydown
                />
                <MatchList id results active pick/>
            </div>
            <p class="hint" id=format!("{id}-to-hint")>{text.hint}</p>
            <p class="field-error" id=format!("{id}-to-error") role="alert">{move || problem.get().or_else(|| error.get())}</p>
        </div>
    }
}

/// Search results without the members and groups already chosen or excluded.
fn offered(found: Vec<PartyView>, chosen: &[PartyView], excluded: &[String]) -> Vec<PartyView> {
    found
        .into_iter()
        .filter(|p| !excluded.contains(&p.token) && !chosen.iter().any(|t| t.token == p.token))
        .collect()
}

/// The chosen members and groups, each posted as `to[i]`, each with a Remove button.
#[component]
fn ChosenChips(
    label: &'static str,
    chosen: RwSignal<Vec<PartyView>>,
    remove: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let words = use_words();
    view! {
        <ul class="chips" aria-label=label>
            <For each=move || chosen.get().into_iter().enumerate() key=|(_, p)| p.token.clone() let:((index, party))>
                <li class="chip">
                    <input type="hidden" name=format!("to[{index}]") value=party.token.clone()/>
                    <Avatar name=party.name.clone() seed=party.handle.clone() group=party.kind == PartyKind::Group/>
                    <bdi>{party.name.clone()}</bdi>
                    {if party.kind == PartyKind::Group {
                        Either::Left(view! { <span class="badge">{words.t(k::picker_group)}</span> })
                    } else {
                        Either::Right(view! { <span class="handle">{format!("@{}", party.handle)}</span> })
                    }}
                    <button
                        type="button"
                        class="chip-remove"
                        aria-label=words.f(k::picker_remove, &[("name", &party.name)])
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
    }
}

/// The listbox of matches under the combobox; `active` is the highlighted one.
#[component]
fn MatchList(
    id: &'static str,
    results: RwSignal<Vec<PartyView>>,
    active: RwSignal<Option<usize>>,
    pick: impl Fn(PartyView) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let words = use_words();
    view! {
        <ul id=format!("{id}-options") role="listbox" aria-label=words.t(k::picker_matches) class="listbox" hidden=move || results.with(Vec::is_empty)>
            {move || results.get().into_iter().enumerate().map(|(i, party)| {
                let selected = move || active.get() == Some(i);
                let is_group = party.kind == PartyKind::Group;
                let chosen_party = party.clone();
                view! {
                    <li
                        id=format!("{id}-option-{i}")
                        role="option"
                        class="option"
                        aria-selected=move || if selected() { "true" } else { "false" }
                        on:mousedown=move |ev| ev.prevent_default()
                        on:click=move |_| pick(chosen_party.clone())
                    >
                        <Avatar name=party.name.clone() seed=party.handle.clone() group=is_group/>
                        <bdi class="option-name">{party.name.clone()}</bdi>
                        // Two members may share a name: the handle tells them apart.
                        {(!is_group).then(|| view! { <span class="handle">{format!("@{}", party.handle)}</span> })}
                        <span class="option-kind">{if is_group { words.t(k::picker_group) } else { words.t(k::picker_member) }}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The combobox's keys: arrows move through the matches, Enter picks (never
/// sends the form), Escape closes the list (the next one closes the dialog),
/// Backspace in an empty box removes the last chip.
fn on_picker_key(
    ev: &leptos::ev::KeyboardEvent,
    query: RwSignal<String>,
    results: RwSignal<Vec<PartyView>>,
    active: RwSignal<Option<usize>>,
    chosen: RwSignal<Vec<PartyView>>,
    pick: impl Fn(PartyView),
    close_results: impl Fn(),
) {
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
            ev.prevent_default();
            if let Some(party) = active
                .get_untracked()
                .and_then(|i| results.with_untracked(|r| r.get(i).cloned()))
            {
                pick(party);
            }
        }
        "Escape" if count > 0 => {
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
}
