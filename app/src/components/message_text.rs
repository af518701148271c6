use crate::domain::conversation::{segments, Segment};
use leptos::either::EitherOf3;
use leptos::prelude::*;

/// A message's text: escaped by the renderer, line breaks kept, web addresses
/// turned into links that pass no ranking and no access to this page.
#[component]
pub fn MessageText(#[prop(into)] body: String) -> impl IntoView {
    segments(&body)
        .into_iter()
        .map(|segment| match segment {
            Segment::Text(text) => EitherOf3::A(text),
            Segment::LineBreak => EitherOf3::B(view! { <br/> }),
            Segment::Link(url) => {
                let href = url.clone();
                EitherOf3::C(
                    view! { <a href=href rel="nofollow ugc noopener" target="_blank">{url}</a> },
                )
            }
        })
        .collect_view()
}
