//! Languages: the reader's language (their choice, else their browser's, else
//! English) decides `<html lang>` and the words of the server's HTML, and the
//! page carries that language's table for the client.

use crate::common;

use common::*;
use reqwest::header::{ACCEPT_LANGUAGE, COOKIE, LOCATION, SET_COOKIE};

async fn home(app: &TestApp, headers: &[(reqwest::header::HeaderName, &str)]) -> String {
    let mut request = bare_client().get(format!("{}/", app.url));
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let response = request.send().await.expect("the home page");
    assert_eq!(response.status(), 200);
    without_markers(&response.text().await.expect("its HTML"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_written_in_the_readers_language_with_its_table() {
    let app = spawn_app().await;
    let english = home(&app, &[]).await;
    assert!(
        english.contains(r#"<html lang="en" data-languages="en,fr,de,es""#),
        "{english}"
    );
    assert!(english.contains(">Sign in</a>"));
    assert!(
        !english.contains("portal-words"),
        "English needs no table: the client has it"
    );

    let french = home(&app, &[(ACCEPT_LANGUAGE, "fr-CH, fr;q=0.9, en;q=0.8")]).await;
    assert!(french.contains(r#"<html lang="fr""#));
    assert!(french.contains(">Se connecter</a>"), "{french}");
    assert!(french.contains("Chaque conversation ici suit notre "));
    assert!(french.contains(r#"<script type="application/json" id="portal-words">["#));
    // The chooser names each language in itself.
    assert!(
        french.contains(r#"<option value="de" lang="de">Deutsch</option>"#)
            || french.contains("Deutsch")
    );

    // The reader's choice wins over the browser's.
    let german = home(&app, &[(ACCEPT_LANGUAGE, "fr"), (COOKIE, "lang=de")]).await;
    assert!(german.contains(r#"<html lang="de""#));
    assert!(german.contains(">Anmelden</a>"));
    // A language the portal does not speak: the browser's next choice, else English.
    let spanish = home(&app, &[(ACCEPT_LANGUAGE, "it, es;q=0.5")]).await;
    assert!(spanish.contains(r#"<html lang="es""#));
    let unknown = home(&app, &[(ACCEPT_LANGUAGE, "it"), (COOKIE, "lang=xx")]).await;
    assert!(unknown.contains(r#"<html lang="en""#));
}

/// The footer's form, as a browser without JavaScript posts it.
async fn choose(
    app: &TestApp,
    client: &reqwest::Client,
    language: &str,
    back: &str,
) -> reqwest::Response {
    client
        .post(format!("{}/api/choose_language", app.url))
        .header(reqwest::header::ACCEPT, "text/html")
        .form(&[("language", language), ("back", back)])
        .send()
        .await
        .expect("the chooser posts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chosen_language_is_kept_for_the_browser_and_the_member() {
    let app = spawn_app().await;
    // Anyone may choose (a cookie); the form goes back to its page, never elsewhere.
    let response = choose(&app, &client(), "es", "/groups?x=1").await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()[LOCATION], "/groups?x=1");
    let cookie = response.headers()[SET_COOKIE]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.starts_with("lang=es;") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let response = choose(&app, &client(), "de", "//evil.example/").await;
    assert_eq!(response.headers()[LOCATION], "/");
    // A language the portal does not offer is refused on the page, in words.
    let response = choose(&app, &client(), "it", "/").await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap_or_default();
    assert!(
        page.contains("This language is not one the portal offers."),
        "{page}"
    );

    // A member's choice is kept, and follows them to another browser.
    let alice = app.member("alice").await;
    let response = choose(&app, &alice, "fr", "/settings/account").await;
    assert_eq!(response.headers()[LOCATION], "/settings/account");
    let kept: Option<String> =
        sqlx::query_scalar("SELECT language FROM members WHERE handle = 'alice'")
            .fetch_one(&app.pool)
            .await
            .expect("alice's language");
    assert_eq!(kept.as_deref(), Some("fr"));
    let elsewhere = app.member("alice").await;
    let page = app.page_as(&elsewhere, "/conversations").await;
    assert!(
        page.contains(r#"<html lang="fr""#),
        "sign-in set the cookie"
    );
    assert!(page.contains("Se déconnecter"));
}

/// Lucía signs in from a browser that reads `language`.
async fn sign_in_as_lucia(
    app: &TestApp,
    browser: &reqwest::Client,
    language: &str,
) -> reqwest::Response {
    browser
        .post(format!("{}/api/sign_in", app.url))
        .header(ACCEPT_LANGUAGE, language)
        .form(&[
            ("email", "lucia@example.org"),
            ("password", "three unrelated words"),
        ])
        .send()
        .await
        .expect("sign-in")
}

/// What the portal sends a member away from a page speaks the language they
/// registered or last signed in with; only a language they chose follows them
/// to another browser (a browser in another language keeps its own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_members_language_is_kept_from_registration_and_sign_in() {
    let app = spawn_app().await;
    let kept = |handle: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (Option<String>, bool)>(
                "SELECT language, language_chosen FROM members WHERE handle = $1",
            )
            .bind(handle)
            .fetch_one(&pool)
            .await
            .expect("the member's language")
        }
    };
    let registered = client()
        .post(format!("{}/api/register", app.url))
        .header(ACCEPT_LANGUAGE, "es-MX, es;q=0.9")
        .form(&[
            ("display_name", "Lucía Pérez"),
            ("handle", "lucia"),
            ("email", "lucia@example.org"),
            ("password", "three unrelated words"),
        ])
        .send()
        .await
        .expect("registration");
    assert_eq!(registered.status(), 200, "{:?}", registered.text().await);
    assert_eq!(kept("lucia").await, (Some("es".into()), false));

    // Signing in from a German browser: German pages (no cookie forces Spanish),
    // and German is kept for what is sent.
    let german = client();
    let signed_in = sign_in_as_lucia(&app, &german, "de").await;
    assert_eq!(signed_in.status(), 200);
    assert!(
        signed_in
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .all(|c| !c.to_str().unwrap_or_default().starts_with("lang=")),
        "a language not chosen sets no cookie"
    );
    assert_eq!(kept("lucia").await, (Some("de".into()), false));

    // A chosen language is not replaced by the next browser's.
    let chosen = choose(&app, &german, "fr", "/").await;
    assert!(chosen.status().is_redirection());
    let spanish = client();
    let signed_in = sign_in_as_lucia(&app, &spanish, "es").await;
    assert_eq!(signed_in.status(), 200);
    assert_eq!(kept("lucia").await, (Some("fr".into()), true));
}

/// A refusal travels as a code and is worded in the reader's language: a French
/// reader's form, posted without JavaScript and without a Referer, is refused on
/// a page of its own in French; a running page gets the code and words it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_is_worded_in_the_readers_language() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let yourself = [("handle", "alice"), ("blocked", "true")];
    let refused = alice
        .post(format!("{}/api/set_block", app.url))
        .header(reqwest::header::ACCEPT, "text/html")
        .header(ACCEPT_LANGUAGE, "fr-FR, fr;q=0.9, en;q=0.5")
        .form(&yourself)
        .send()
        .await
        .expect("the block form posts");
    assert_eq!(refused.status(), 409);
    let page = refused.text().await.unwrap_or_default();
    assert!(page.contains(r#"<html lang="fr">"#), "{page}");
    assert!(
        page.contains("Vous ne pouvez pas vous bloquer vous-même."),
        "{page}"
    );
    assert!(page.contains("Retour au portail"), "{page}");
    assert!(!page.contains("You cannot block yourself."), "{page}");

    let (status, body) = error_kind(app.call_with(&alice, "set_block", &yourself).await).await;
    assert_eq!(status, 409);
    assert_eq!(body["kind"], "refused");
    assert_eq!(body["detail"]["code"], "error_block_self");
    let error: app::error::AppError = serde_json::from_value(body).expect("an error");
    let french = app::i18n::Words::of(app::domain::language::Language::Fr);
    assert_eq!(
        error.words(french),
        "Vous ne pouvez pas vous bloquer vous-même."
    );
}

/// An input rule's refusal (here a malformed address at registration) travels as
/// a code, so a German reader reads it in German: from the code a running page
/// words, and on the page a form posted without JavaScript comes back to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_input_problem_is_worded_in_the_readers_language() {
    let app = spawn_app().await;
    let form = [
        ("display_name", "Jörg Müller"),
        ("handle", "joerg"),
        ("email", "joerg@example"),
        ("password", "three unrelated words"),
    ];
    let german_sentence = "Gib eine E-Mail-Adresse wie name@example.org ein.";
    let english_sentence = "Enter an email address like name@example.org.";

    let response = client()
        .post(format!("{}/api/register", app.url))
        .header(ACCEPT_LANGUAGE, "de-DE, de;q=0.9")
        .form(&form)
        .send()
        .await
        .expect("registration");
    let (status, body) = error_kind(response).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["kind"], "invalid");
    let errors: app::domain::FieldErrors =
        serde_json::from_value(body["detail"].clone()).expect("the field problems");
    let problem = errors.problem("email").expect("the address is refused");
    assert_eq!(problem.code, "error_email_invalid");
    let german = app::i18n::Words::of(app::domain::language::Language::De);
    assert_eq!(problem.words(german), german_sentence);
    assert_eq!(
        field_messages(&body["detail"]),
        vec![("email".to_string(), english_sentence.to_string())]
    );

    let response = client()
        .post(format!("{}/api/register", app.url))
        .header(reqwest::header::ACCEPT, "text/html")
        .header(COOKIE, "lang=de")
        .header(reqwest::header::REFERER, format!("{}/register", app.url))
        .form(&form)
        .send()
        .await
        .expect("the registration form posts");
    let page = without_markers(&response.text().await.unwrap_or_default());
    assert!(page.contains(r#"<html lang="de""#), "{page}");
    assert!(page.contains(german_sentence), "{page}");
    assert!(!page.contains(english_sentence), "{page}");
    let nobody: i64 = sqlx::query_scalar("SELECT count(*) FROM members WHERE handle = 'joerg'")
        .fetch_one(&app.pool)
        .await
        .expect("a count");
    assert_eq!(nobody, 0);
}
