use crate::i18n::{k, use_words};
use leptos::prelude::*;
use leptos_meta::Title;

/// The page for any address that leads nowhere; answers with HTTP 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let words = use_words();
    view! {
        <Title text=words.t(k::notfound_title)/>
        <section class="panel">
            <h1>{words.t(k::notfound_heading)}</h1>
            <p>{words.t(k::notfound_text)}</p>
            <p>
                <a href="/members">{words.t(k::notfound_browse_members)}</a> {words.t(k::notfound_or)}
                <a href="/groups">{words.t(k::notfound_browse_groups)}</a> {words.t(k::notfound_after)}
            </p>
        </section>
    }
}
