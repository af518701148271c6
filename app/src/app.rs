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
    path, Lazy, SsrMode,
};

/// Pages in groups that are parts of the WASM client of their own, each fetched
/// when one of its routes is first shown (on the server, rendered at once): a
/// first load carries the shell and the group of the page it shows. Groups, not
/// single pages: code several parts share goes into a further part for each set
/// of sharers, and per page that made a hundred files for a thread.
macro_rules! page_group {
    ($group:ident { $($route:ident => $page:ident),* $(,)? }) => {
        pub mod $group {
            use super::*;

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
                        #[cfg(target_arch = "wasm32")]
                        __preload_pages().await;
                    }
                }
            )*
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
                    <Route path=path!("/") view={Lazy::<entry::Home>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in") view={Lazy::<entry::SignIn>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/register") view={Lazy::<entry::Register>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/register/check-email") view={Lazy::<entry::CheckEmail>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/verify-email") view={Lazy::<entry::VerifyEmail>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view={Lazy::<entry::ForgotPassword>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password/sent") view={Lazy::<entry::ResetSent>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password") view={Lazy::<entry::ResetPassword>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/members") view={Lazy::<people::Members>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/members/:handle") view={Lazy::<people::Member>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/groups") view={Lazy::<people::Groups>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/groups/new") view={Lazy::<people::NewGroup>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/groups/:slug") view={Lazy::<people::Group>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/groups/:slug/edit") view={Lazy::<people::EditGroup>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/code-of-conduct") view={Lazy::<entry::Conduct>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/conversations") view={Lazy::<inbox::Conversations>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/conversations/new") view={Lazy::<inbox::NewConversation>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/conversations/requests") view={Lazy::<inbox::Requests>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/conversations/search") view={Lazy::<inbox::Search>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/conversations/:id") view={Lazy::<thread::Conversation>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/profile") view={Lazy::<settings::ProfileEdit>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/notifications") view={Lazy::<settings::NotificationSettings>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/privacy") view={Lazy::<settings::Privacy>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/security") view={Lazy::<settings::Security>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/settings/account") view={Lazy::<settings::Account>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/account-deleted") view={Lazy::<entry::AccountDeleted>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/confirm-email") view={Lazy::<entry::ConfirmEmail>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/moderation") view={Lazy::<moderation::Moderation>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view={Lazy::<moderation::AdminMembers>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/groups") view={Lazy::<moderation::AdminGroups>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/settings") view={Lazy::<moderation::AdminSettings>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/moderation/log") view={Lazy::<moderation::ModerationLog>::new()} ssr=SsrMode::Async/>
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
