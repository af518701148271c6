use crate::components::compose::ComposeForm;
use crate::i18n::{k, use_words};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The start page: the same form as the dialog, as a page of its own. Contact icons
/// link here, so starting a conversation works without JavaScript too.
#[component]
pub fn NewConversationPage() -> impl IntoView {
    let query = use_query_map();
    let to = query.read_untracked().get_all("to").unwrap_or_default();
    let words = use_words();
    view! {
        <Title text=words.t(k::list_start_title)/>
        <section class="panel form-panel wide">
            <ComposeForm to/>
        </section>
    }
}
