//! A message's text with its formatting (see `domain::markdown`): every piece of
//! text escaped by the renderer, links that pass no ranking and no access to this page.

use crate::domain::markdown::{parse, Block, Inline};
use leptos::prelude::*;

#[component]
pub fn MessageText(#[prop(into)] body: String) -> impl IntoView {
    blocks(parse(&body))
}

fn blocks(doc: Vec<Block>) -> AnyView {
    doc.into_iter()
        .map(|block| match block {
            Block::Paragraph(content) => view! { <p>{inlines(content)}</p> }.into_any(),
            Block::Code(code) => view! { <pre><code>{code}</code></pre> }.into_any(),
            Block::Quote(inner) => view! { <blockquote>{blocks(inner)}</blockquote> }.into_any(),
            Block::List { start: None, items } => view! { <ul>{list_items(items)}</ul> }.into_any(),
            Block::List {
                start: Some(start),
                items,
            } => view! { <ol start=start>{list_items(items)}</ol> }.into_any(),
        })
        .collect_view()
        .into_any()
}

fn list_items(items: Vec<Vec<Block>>) -> impl IntoView {
    items
        .into_iter()
        .map(|item| view! { <li>{blocks(item)}</li> })
        .collect_view()
}

fn inlines(nodes: Vec<Inline>) -> AnyView {
    nodes
        .into_iter()
        .map(|node| match node {
            Inline::Text(text) => text.into_any(),
            Inline::Code(code) => view! { <code>{code}</code> }.into_any(),
            Inline::Strong(inner) => view! { <strong>{inlines(inner)}</strong> }.into_any(),
            Inline::Emphasis(inner) => view! { <em>{inlines(inner)}</em> }.into_any(),
            Inline::Strike(inner) => view! { <del>{inlines(inner)}</del> }.into_any(),
            Inline::Link { href, text } => {
                // Where a link goes is shown on hover, whatever its text says.
                let title = href.clone();
                view! {
                    <a href=href title=title rel="nofollow ugc noopener" target="_blank">
                        {inlines(text)}
                    </a>
                }
                .into_any()
            }
            Inline::LineBreak => view! { <br/> }.into_any(),
        })
        .collect_view()
        .into_any()
}
