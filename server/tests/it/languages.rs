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
