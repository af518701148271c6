use crate::api::auth::{current_member, Register, SignIn, SignOut, Viewer};
use crate::components::compose::{ComposeDialog, ComposeDialogHost};
use crate::components::header::Header;
use crate::components::notifications::Toasts;
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

pub const PORTAL_NAME: &str = "Mautic Community Portal";

/// The HTML document around the app, rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // Named after a hash of the client's content (see server/src/config.rs).
                <link rel="stylesheet" href=format!("/pkg/{}.css", options.output_name)/>
                <script type="module">{hydration_script(&options)}</script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Loads the WASM client and hydrates the page once the server-rendered page has
/// been painted. Leptos' `HydrationScripts` preloads the client from the `<head>`,
/// where it competes with the stylesheet for a slow connection and delays the
/// first paint (Lighthouse's mobile LCP went from about 1 s to 3.3 s); the page is
/// complete without it, so it waits for the first frame. A tab opened in the
/// background, which paints nothing, loads it at once. Instantiating the WASM and
/// hydrating run as two tasks, so the browser can handle input between them.
///
/// Until it hydrates, the page is plain HTML that people can already type into,
/// and hydration sets every bound field to its signal's value, which would wipe
/// what they typed. So the text typed into fields is noted just before and put
/// back just after, with an `input` event that the field's binding picks up.
/// `data-hydrated` on `<html>` then says the page is live (end-to-end tests wait
/// for it). The script is raw text in `<script>`: it must not contain `&` or `<`.
fn hydration_script(options: &LeptosOptions) -> String {
    let base = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    format!(
        "const fields = () => Array.from(document.querySelectorAll('textarea, input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])'), e => [e, e.value]).filter(([e, v]) => v !== e.defaultValue);\
         const live = m => {{ const typed = fields(); m.hydrate(); setTimeout(() => {{ for (const [e, v] of typed) if (e.isConnected) if (e.value !== v) {{ e.value = v; e.dispatchEvent(new Event('input', {{ bubbles: true }})); }} document.documentElement.dataset.hydrated = ''; }}, 0); }};\
         const hydrate = () => import('{base}.js').then(m => m.default({{ module_or_path: '{base}_bg.wasm' }}).then(() => setTimeout(() => live(m), 0)));\
         if (document.visibilityState === 'visible') requestAnimationFrame(() => setTimeout(hydrate, 0)); else hydrate();"
    )
}

/// Session actions and the signed-in member, shared by every page.
///
/// The viewer is reloaded whenever one of the actions completes, so the header
/// changes right after signing in or out.
#[derive(Clone, Copy)]
pub struct Session {
    pub sign_in: ServerAction<SignIn>,
    pub sign_out: ServerAction<SignOut>,
    pub register: ServerAction<Register>,
    pub viewer: Resource<Option<Viewer>>,
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let sign_in = ServerAction::<SignIn>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let register = ServerAction::<Register>::new();
    let viewer = Resource::new(
        move || {
            (
                sign_in.version().get(),
                sign_out.version().get(),
                register.version().get(),
            )
        },
        // An error reading the session shows the page as signed out rather than failing it.
        |_| async move { current_member().await.ok().flatten() },
    );
    provide_context(Session {
        sign_in,
        sign_out,
        register,
        viewer,
    });
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
