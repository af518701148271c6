use crate::components::session::use_session;
use crate::model::PORTAL_NAME;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text=PORTAL_NAME/>
        <section class="hero">
            <h1>{PORTAL_NAME}</h1>
            <p class="lead">
                "Meet the people and groups of the Mautic community, and talk with them privately."
            </p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match session.viewer.await {
                        Some(viewer) => Either::Left(view! {
                            <p>"Welcome back, " {viewer.display_name} "."</p>
                        }),
                        None => Either::Right(view! {
                            <p>
                                <a class="button" href="/register">"Join the community"</a>
                                " or "
                                <a href="/sign-in">"sign in"</a>
                                "."
                            </p>
                        }),
                    }
                })}
            </Suspense>
            <ul class="home-links">
                <li><a href="/members">"Browse members"</a></li>
                <li><a href="/groups">"Browse groups"</a></li>
                <li><a href="/code-of-conduct">"Read the code of conduct"</a></li>
            </ul>
        </section>
    }
}
