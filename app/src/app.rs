use crate::components::compose::{ComposeDialog, ComposeDialogHost};
use crate::components::header::Header;
use crate::components::notifications::Toasts;
use crate::components::session::provide_session;
use crate::i18n::k;
use crate::model::PORTAL_NAME;
use crate::pages::{
    account::{AccountDeletedPage, AccountPage, ConfirmEmailPage},
    admin::{AdminGroupsPage, AdminMembersPage, AdminSettingsPage},
    code_of_conduct::CodeOfConduct,
    conversation::ConversationPage,
    conversations::ConversationsPage,
    group::GroupPage,
    group_form::{EditGroupPage, NewGroupPage},
    groups::GroupsPage,
    home::HomePage,
    member::MemberPage,
    members::MembersPage,
    moderation::{ModerationLogPage, ModerationPage},
    new_conversation::NewConversationPage,
    not_found::NotFound,
    notification_settings::NotificationSettingsPage,
    password_reset::{ForgotPasswordPage, ResetPasswordPage, ResetSentPage},
    privacy::PrivacyPage,
    profile_edit::ProfileEditPage,
    register::{CheckEmailPage, RegisterPage, VerifyEmailPage},
    requests::RequestsPage,
    search::SearchPage,
    security::SecurityPage,
    sign_in::SignInPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// Pages in groups. With `--cfg split_client` (PORTAL_CLIENT_SPLIT=1 in
/// `.ci/portal.sh`), each group is a part of the WASM client of its own, fetched
/// when one of its routes is first shown (on the server, rendered at once): a
/// first load carries the shell and the group of the page it shows. Groups, not
/// single pages: code several parts share goes into a further part for each set
/// of sharers, and per page that made a hundred files for a thread. Not yet the
/// default: measured, the split client blocks a phone's main thread longer
/// (BENCHMARKS.md). `group::Route()` is the route's view either way.
macro_rules! page_group {
    ($group:ident { $($route:ident => $page:ident),* $(,)? }) => {
        pub mod $group {
            use super::*;

            $(
                #[allow(non_snake_case)]
                pub fn $route() -> impl leptos_router::ChooseView {
                    #[cfg(split_client)]
                    return leptos_router::Lazy::<part::$route>::new();
                    #[cfg(not(split_client))]
                    return $page;
                }
            )*

            /// Fetches the group's part (before hydrating a page of it).
            #[cfg(split_client)]
            pub async fn preload() {
                part::preload().await
            }

            #[cfg(split_client)]
            mod part {
                use super::*;

                pub async fn preload() {
                    #[cfg(target_arch = "wasm32")]
                    __preload_pages().await;
                }

                pub enum Page {
                    $($route),*
                }

                #[leptos::lazy($group)]
                fn pages(page: Page) -> AnyView {
                    match page {
                        $(Page::$route => view! { <$page/> }.into_any()),*
                    }
                }

                $(
                    pub struct $route;
                    impl leptos_router::LazyRoute for $route {
                        fn data() -> Self {
                            $route
                        }
                        async fn view(_this: Self) -> AnyView {
                            pages(Page::$route).await
                        }
                        async fn preload() {
                            preload().await
                        }
                    }
                )*
            }
        }
    };
}

page_group!(entry {
    Home => HomePage,
    SignIn => SignInPage,
    Register => RegisterPage,
    CheckEmail => CheckEmailPage,
    VerifyEmail => VerifyEmailPage,
    ForgotPassword => ForgotPasswordPage,
    ResetSent => ResetSentPage,
    ResetPassword => ResetPasswordPage,
    Conduct => CodeOfConduct,
    AccountDeleted => AccountDeletedPage,
    ConfirmEmail => ConfirmEmailPage,
});
page_group!(thread { Conversation => ConversationPage });
page_group!(inbox {
    Conversations => ConversationsPage,
    NewConversation => NewConversationPage,
    Requests => RequestsPage,
    Search => SearchPage,
});
page_group!(people {
    Members => MembersPage,
    Member => MemberPage,
    Groups => GroupsPage,
    NewGroup => NewGroupPage,
    Group => GroupPage,
    EditGroup => EditGroupPage,
});
page_group!(settings {
    ProfileEdit => ProfileEditPage,
    NotificationSettings => NotificationSettingsPage,
    Privacy => PrivacyPage,
    Security => SecurityPage,
    Account => AccountPage,
});
page_group!(moderation {
    Moderation => ModerationPage,
    ModerationLog => ModerationLogPage,
    AdminMembers => AdminMembersPage,
    AdminGroups => AdminGroupsPage,
    AdminSettings => AdminSettingsPage,
});

/// Fetches the group of the page at `path` (the routes below), so that hydrating
/// finds its code there and runs at once, as it does without parts: hydration
/// that waited for the code blocked a phone's main thread longer (781 against
/// 402 ms on a thread, BENCHMARKS.md).
#[cfg(split_client)]
pub async fn preload_page(path: &str) {
    let mut segments = path.trim_start_matches('/').split('/');
    match (segments.next().unwrap_or(""), segments.next()) {
        ("conversations", None | Some("" | "new" | "requests" | "search")) => {
            inbox::preload().await
        }
        ("conversations", Some(_)) => thread::preload().await,
        ("members" | "groups", _) => people::preload().await,
        ("settings", _) => settings::preload().await,
        ("moderation" | "admin", _) => moderation::preload().await,
        (
            "" | "sign-in" | "register" | "verify-email" | "forgot-password" | "reset-password"
            | "code-of-conduct" | "account-deleted" | "confirm-email",
            _,
        ) => entry::preload().await,
        _ => {}
    }
}

/// The HTML document around the app, rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::api::context::set_page_policy();
    let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    #[cfg(feature = "ssr")]
    let words = crate::i18n::Words::of(crate::i18n::request_language());
    #[cfg(not(feature = "ssr"))]
    let words = crate::i18n::Words::default();
    // The client holds English; another language's table comes with the page,
    // as data (`<` escaped, so no text in it can end the element).
    let table = (words.language != crate::domain::language::Language::En).then(|| {
        #[cfg(feature = "ssr")]
        let json = words.table_json().replace('<', "\\u003c");
        #[cfg(not(feature = "ssr"))]
        let json = String::new();
        view! { <script type="application/json" id=crate::i18n::WORDS_ELEMENT inner_html=json></script> }
    });
    let offered: Vec<&str> = crate::i18n::offered_languages()
        .iter()
        .map(|l| l.code())
        .collect();
    let offered = offered.join(",");
    view! {
        <!DOCTYPE html>
        <html lang=words.language.code() data-languages=offered>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // Installable (server/src/installable.rs): the manifest, the
                // toolbar's colour, the home-screen icon iOS asks for.
                <link rel="manifest" href="/manifest.webmanifest"/>
                <meta name="theme-color" content="#4e5e9e"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                // Named after a hash of the client's content (see server/src/config.rs).
                <link rel="stylesheet" href=format!("{pkg}.css")/>
                // Loads the client and hydrates the page after its first paint
                // (app/client/boot.js, built into pkg/ with the client). Its code is
                // put into the page: as a request of its own it came before the
                // largest paint on Lighthouse's simulated slow 4G (LCP 0.9 s inline,
                // 1.0 s as a file). It carries the request's nonce, like Leptos' own
                // scripts, for a strict Content-Security-Policy. Without a built
                // site, the file is referenced instead.
                {match boot_script(&options) {
                    Some(code) => view! {
                        <script
                            type="module"
                            nonce=leptos::nonce::use_nonce()
                            data-client=format!("{pkg}.js")
                            data-wasm=format!("{pkg}_bg.wasm")
                            inner_html=code
                        ></script>
                    }.into_any(),
                    None => view! {
                        <script
                            type="module"
                            fetchpriority="low"
                            src=format!("{pkg}.boot.js")
                            data-client=format!("{pkg}.js")
                            data-wasm=format!("{pkg}_bg.wasm")
                        ></script>
                    }.into_any(),
                }}
                {table}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The boot script's code without its comment lines, read once per process from
/// the built site; `None` when it cannot be read or could end the `<script>`
/// element early.
#[cfg(feature = "ssr")]
pub fn boot_script(options: &LeptosOptions) -> Option<&'static str> {
    static BOOT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    BOOT.get_or_init(|| {
        let file = std::path::Path::new(&*options.site_root)
            .join(&*options.site_pkg_dir)
            .join(format!("{}.boot.js", options.output_name));
        let text = std::fs::read_to_string(file).ok()?;
        let code: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .flat_map(|line| [line, "\n"])
            .collect();
        (!code.to_ascii_lowercase().contains("</script")).then_some(code)
    })
    .as_deref()
}

#[cfg(not(feature = "ssr"))]
pub fn boot_script(_: &LeptosOptions) -> Option<&'static str> {
    None
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // A form posted without JavaScript and refused: its action shows the refusal
    // wherever the form is (`components::field::typed` puts back what was typed).
    #[cfg(feature = "ssr")]
    if let Some(form) = crate::api::context::submitted_form() {
        provide_context(leptos::server::ServerActionError::new(
            &form.action,
            &form.encoded_error,
        ));
    }
    let words = crate::i18n::provide_words();
    let viewer = provide_session().viewer;
    crate::components::time::provide_reader_zone();
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
            <a class="skip-link" href="#main">{words.t(k::app_skip_to_content)}</a>
            <Header/>
            <main id="main" class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view={entry::Home()} ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in") view={entry::SignIn()} ssr=SsrMode::Async/>
                    <Route path=path!("/register") view={entry::Register()} ssr=SsrMode::Async/>
                    <Route path=path!("/register/check-email") view={entry::CheckEmail()} ssr=SsrMode::Async/>
                    <Route path=path!("/verify-email") view={entry::VerifyEmail()} ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view={entry::ForgotPassword()} ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password/sent") view={entry::ResetSent()} ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password") view={entry::ResetPassword()} ssr=SsrMode::Async/>
                    <Route path=path!("/members") view={people::Members()} ssr=SsrMode::Async/>
                    <Route path=path!("/members/:handle") view={people::Member()} ssr=SsrMode::Async/>
                    <Route path=path!("/groups") view={people::Groups()} ssr=SsrMode::Async/>
                    <Route path=path!("/groups/new") view={people::NewGroup()} ssr=SsrMode::Async/>
                    <Route path=path!("/groups/:slug") view={people::Group()} ssr=SsrMode::Async/>
                    <Route path=path!("/groups/:slug/edit") view={people::EditGroup()} ssr=SsrMode::Async/>
                    <Route path=path!("/code-of-conduct") view={entry::Conduct()} ssr=SsrMode::Async/>
                    <Route path=path!("/conversations") view={inbox::Conversations()} ssr=SsrMode::Async/>
                    <Route path=path!("/conversations/new") view={inbox::NewConversation()} ssr=SsrMode::Async/>
                    <Route path=path!("/conversations/requests") view={inbox::Requests()} ssr=SsrMode::Async/>
                    <Route path=path!("/conversations/search") view={inbox::Search()} ssr=SsrMode::Async/>
                    <Route path=path!("/conversations/:id") view={thread::Conversation()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/profile") view={settings::ProfileEdit()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/notifications") view={settings::NotificationSettings()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/privacy") view={settings::Privacy()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/security") view={settings::Security()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/account") view={settings::Account()} ssr=SsrMode::Async/>
                    <Route path=path!("/account-deleted") view={entry::AccountDeleted()} ssr=SsrMode::Async/>
                    <Route path=path!("/confirm-email") view={entry::ConfirmEmail()} ssr=SsrMode::Async/>
                    <Route path=path!("/moderation") view={moderation::Moderation()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view={moderation::AdminMembers()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/groups") view={moderation::AdminGroups()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/settings") view={moderation::AdminSettings()} ssr=SsrMode::Async/>
                    <Route path=path!("/moderation/log") view={moderation::ModerationLog()} ssr=SsrMode::Async/>
                </Routes>
            </main>
            <ComposeDialogHost/>
            <Toasts/>
            <footer class="site-footer">
                <p>
                    {words.t(k::app_footer_before)}
                    <a href="/code-of-conduct">{words.t(k::app_footer_link)}</a>
                    {words.t(k::app_footer_after)}
                </p>
                <LanguageChooser/>
            </footer>
        </Router>
    }
}

/// The footer's language chooser, when the portal offers more than one: a plain
/// form, so the next page (in the chosen language, with its words) loads whole.
#[component]
fn LanguageChooser() -> impl IntoView {
    let words = crate::i18n::use_words();
    let offered = crate::i18n::offered_languages();
    let location = leptos_router::hooks::use_location();
    let back = move || {
        let search = location.search.get();
        let path = location.pathname.get();
        if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        }
    };
    let action = <crate::api::account::ChooseLanguage as leptos::server_fn::ServerFn>::url();
    (offered.len() > 1).then(|| {
        view! {
            <form class="language-chooser" method="post" action=action>
                <input type="hidden" name="back" value=back/>
                <label for="language-choice">{words.t(k::app_language)}</label>
                <select id="language-choice" name="language">
                    {offered.into_iter().map(|language| view! {
                        <option value=language.code() selected=language == words.language lang=language.code()>
                            {language.native_name()}
                        </option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button button-quiet">{words.t(k::app_language_change)}</button>
            </form>
        }
    })
}
