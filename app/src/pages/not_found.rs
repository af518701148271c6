use leptos::prelude::*;
use leptos_meta::Title;

/// The page for any address that leads nowhere; answers with HTTP 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <section class="panel">
            <h1>"Page not found"</h1>
            <p>"Nothing lives at this address. It may have been removed, or the link may be mistyped."</p>
            <p><a href="/members">"Browse members"</a> " or " <a href="/groups">"browse groups"</a> "."</p>
        </section>
    }
}
