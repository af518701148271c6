//! Adding people to a conversation of three or more.

use crate::api::conversations::{AddPeople, PartyView};
use crate::components::compose::parties;
use crate::components::recipient_picker::{PickerText, RecipientPicker};
use crate::domain::conversation::Party;
use crate::domain::moderation::check_additions;
use crate::i18n::{k, use_words};
use leptos::prelude::*;

/// Adds members or groups to a conversation of three or more, with the shared
/// picker; the same nine-others rule as the server, checked before sending.
#[component]
pub(super) fn AddPeoplePanel(
    conversation: i64,
    others: RwSignal<Vec<PartyView>>,
    acting_as: PartyView,
) -> impl IntoView {
    let add = ServerAction::<AddPeople>::new();
    let words = use_words();
    let chosen = RwSignal::new(Vec::<PartyView>::new());
    let acting_token = acting_as.token.clone();
    // Everyone in the conversation already, the viewer's own side included.
    let present = StoredValue::new(move || {
        let mut all: Vec<String> =
            others.with_untracked(|o| o.iter().map(|p| p.token.clone()).collect());
        all.push(acting_token.clone());
        all
    });
    let rule = move |candidate: Vec<PartyView>| {
        let present: Vec<Party> = present
            .with_value(|f| f())
            .iter()
            .filter_map(|t| Party::parse_token(t).ok())
            .collect();
        check_additions(&present, &parties(&candidate)).map_err(|problem| problem.words(words))
    };
    let excluded = move |()| present.with_value(|f| f());
    Effect::new(move |_| {
        if let Some(Ok(())) = add.value().get() {
            let added = chosen.get_untracked();
            others.update(|o| o.extend(added));
            chosen.set(Vec::new());
        }
    });
    let error = Signal::derive(move || {
        add.value()
            .get()
            .and_then(Result::err)
            .map(|e| e.field("to").unwrap_or_else(|| e.to_string()))
    });
    let picker = PickerText {
        id: "add-people",
        label: words.t(k::thread_add_find),
        chips_label: words.t(k::thread_add_chosen),
        hint: words.t(k::thread_add_hint),
    };
    view! {
        <details class="add-people">
            <summary>{words.t(k::thread_add_people)}</summary>
            <ActionForm action=add attr:class="add-people-form">
                <input type="hidden" name="conversation" value=conversation.to_string()/>
                <RecipientPicker text=picker chosen rule excluded error/>
                <button type="submit" class="button" disabled=move || chosen.with(Vec::is_empty) || add.pending().get()>
                    {words.t(k::thread_add_submit)}
                </button>
            </ActionForm>
        </details>
    }
}
