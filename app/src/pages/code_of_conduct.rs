use crate::i18n::{k, use_words};
use leptos::prelude::*;
use leptos_meta::Title;

/// The portal's code of conduct. Conversations, reports and moderation all refer to it.
#[component]
pub fn CodeOfConduct() -> impl IntoView {
    let words = use_words();
    view! {
        <Title text=words.t(k::coc_title)/>
        <article class="panel prose">
            <h1>{words.t(k::coc_title)}</h1>
            <p>{words.t(k::coc_intro)}</p>
            <h2>{words.t(k::coc_expect_heading)}</h2>
            <ul>
                <li>{words.t(k::coc_expect_welcoming)}</li>
                <li>{words.t(k::coc_expect_respectful)}</li>
                <li>{words.t(k::coc_expect_privacy)}</li>
                <li>{words.t(k::coc_expect_purpose)}</li>
            </ul>
            <h2>{words.t(k::coc_refused_heading)}</h2>
            <ul>
                <li>{words.t(k::coc_refused_harassment)}</li>
                <li>{words.t(k::coc_refused_discrimination)}</li>
                <li>{words.t(k::coc_refused_spam)}</li>
                <li>{words.t(k::coc_refused_impersonation)}</li>
            </ul>
            <h2 id="reporting">{words.t(k::coc_private_heading)}</h2>
            <p>{words.t(k::coc_private_text)}</p>
            <h2>{words.t(k::coc_moderators_heading)}</h2>
            <p>{words.t(k::coc_moderators_text)}</p>
            <h2>{words.t(k::coc_contact_heading)}</h2>
            <p>{words.t(k::coc_contact_text)}</p>
        </article>
    }
}
