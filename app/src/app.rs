use crate::components::compose::{ComposeDialog, ComposeDialogHost};
use crate::components::header::Header;
use crate::components::notifications::Toasts;
use crate::components::session::provide_session;
use crate::model::PORTAL_NAME;
use crate::pages::{
    code_of_conduct::CodeOfConduct,
    conversation::ConversationPage,
    conversations::ConversationsPage,
    group::GroupPage,
    groups::GroupsPage,
    home::HomePage,
    member::MemberPage,
    members::MembersPage,
    moderation::{ModerationLogPage, ModerationPage},
    new_conversation::NewConversationPage,
    not_found::NotFound,
    notification_settings::NotificationSettingsPage,
    privacy::PrivacyPage,
    register::RegisterPage,
    requests::RequestsPage,
    sign_in::SignInPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The HTML document around the app, rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // Named after a hash of the client's content (see server/src/config.rs).
                <link rel="stylesheet" href=format!("{pkg}.css")/>
                // Loads the client and hydrates the page after its first paint
                // (app/client/boot.js): a file, so the page needs no inline script.
                // Low priority: nothing on screen waits for it, and fetched early at
                // high priority it competed with the stylesheet (Lighthouse's
                // simulated FCP went from about 0.75 s to 1 s).
                <script
                    type="module"
                    fetchpriority="low"
                    src=format!("{pkg}.boot.js")
                    data-client=format!("{pkg}.js")
                    data-wasm=format!("{pkg}_bg.wasm")
                ></script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let viewer = provide_session().viewer;
    crate::components::live::provide_live(Signal::derive(move || viewer.get().flatten().is_some()));
    provide_context(ComposeDialog {
        open: RwSignal::new(None),
    });

    view! {
        <Title formatter=|title: String| {
            // Names are member-chosen, and leptos_meta writes the server-rendered
            // <title> unescaped: a "<" could close the element and start markup.
            let title = title.replace('<', "\u{2039}").replace('>', "\u{203A}");
            if title.is_empty() || title == PORTAL_NAME { PORTAL_NAME.to_string() } else { format!("{title} · {PORTAL_NAME}") }
        }/>
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header/>
            <main id="main" class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async/>
                    <Route path=path!("/members") view=MembersPage ssr=SsrMode::Async/>
                    <Route path=path!("/members/:handle") view=MemberPage ssr=SsrMode::Async/>
                    <Route path=path!("/groups") view=GroupsPage ssr=SsrMode::Async/>
                    <Route path=path!("/groups/:slug") view=GroupPage ssr=SsrMode::Async/>
                    <Route path=path!("/code-of-conduct") view=CodeOfConduct ssr=SsrMode::Async/>
                    <Route path=path!("/conversations") view=ConversationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/conversations/new") view=NewConversationPage ssr=SsrMode::Async/>
                    <Route path=path!("/conversations/requests") view=RequestsPage ssr=SsrMode::Async/>
                    <Route path=path!("/conversations/:id") view=ConversationPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/notifications") view=NotificationSettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/privacy") view=PrivacyPage ssr=SsrMode::Async/>
                    <Route path=path!("/moderation") view=ModerationPage ssr=SsrMode::Async/>
                    <Route path=path!("/moderation/log") view=ModerationLogPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <ComposeDialogHost/>
            <Toasts/>
            <footer class="site-footer">
                <p>
                    "Every conversation here follows our "
                    <a href="/code-of-conduct">"code of conduct"</a> "."
                </p>
            </footer>
        </Router>
    }
}
