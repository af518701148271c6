use crate::i18n::{k, use_words};
use leptos::prelude::*;

/// A directory's search: a plain GET form (`?q=`), so it works with or without
/// script; the field follows the query as the page navigates.
#[component]
pub fn SearchForm(
    /// The page it searches (`/members`, `/admin/groups`, ...).
    action: &'static str,
    #[prop(into)] label: String,
    /// The field's id, unique on the page.
    id: &'static str,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(into)] query: Signal<String>,
) -> impl IntoView {
    let words = use_words();
    view! {
        <form class="search" method="get" action=action role="search">
            <label for=id>{label}</label>
            <div class="search-row">
                <input id=id type="search" name="q" value=query.get_untracked() prop:value=query placeholder=placeholder/>
                <button type="submit" class="button">{words.t(k::search_submit)}</button>
            </div>
        </form>
    }
}
