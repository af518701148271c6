//! The client files are sent precompressed, under names that change with their
//! content, with a year-long cache; pages are compressed on the way out.
//! These tests read the site the test command builds (`target/site`).

use crate::common;

use common::*;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};

fn built_name() -> String {
    let name = std::fs::read_to_string("../target/site/pkg/output-name")
        .expect("the site is built (bash .ci/portal.sh builds it before the tests)");
    name.trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_load_the_hashed_client_files() {
    let app = spawn_app().await;
    let name = built_name();
    // pkg/app-<hash>/app.js: the parts loaded on demand sit in the same folder.
    assert!(
        name.starts_with("app-") && name.ends_with("/app") && name.len() == 24,
        "{name}"
    );
    let (status, html) = app.page("/").await;
    assert_eq!(status, 200);
    for file in [
        format!("/pkg/{name}.js"),
        format!("/pkg/{name}_bg.wasm"),
        format!("/pkg/{name}.css"),
    ] {
        assert!(html.contains(&file), "the page refers to {file}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_files_are_sent_precompressed_with_a_long_cache() {
    let app = spawn_app().await;
    let name = built_name();
    let wasm = format!("{}/pkg/{name}_bg.wasm", app.url);
    let raw = std::fs::read(format!("../target/site/pkg/{name}_bg.wasm")).expect("wasm");
    let brotli = std::fs::read(format!("../target/site/pkg/{name}_bg.wasm.br")).expect("br");
    assert!(
        brotli.len() * 2 < raw.len(),
        "the brotli copy is much smaller"
    );

    for (accept, encoding, body) in [
        ("br, gzip", Some("br"), brotli.clone()),
        ("gzip", Some("gzip"), Vec::new()),
        ("identity", None, raw.clone()),
    ] {
        let response = app
            .client
            .get(&wasm)
            .header(ACCEPT_ENCODING, accept)
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200, "{accept}");
        let headers = response.headers().clone();
        assert_eq!(
            headers
                .get(CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap_or("")),
            encoding,
            "{accept}"
        );
        assert_eq!(
            headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()),
            Some("application/wasm")
        );
        assert_eq!(
            headers.get(CACHE_CONTROL).and_then(|v| v.to_str().ok()),
            Some("public, max-age=31536000, immutable")
        );
        let bytes = response.bytes().await.expect("body");
        if !body.is_empty() {
            assert_eq!(bytes.as_ref(), body.as_slice(), "{accept}: the file itself");
        } else {
            assert!(bytes.len() < raw.len(), "the gzip copy is smaller");
        }
    }

    let missing = app
        .client
        .get(format!("{}/pkg/app-0000000000000000.js", app.url))
        .send()
        .await
        .expect("get");
    assert_eq!(missing.status(), 404, "an old name is not found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_compressed_for_browsers_that_ask_but_the_live_stream_is_not() {
    let app = spawn_app().await;
    let plain = app
        .client
        .get(format!("{}/members/alice", app.url))
        .send()
        .await
        .expect("get");
    assert_eq!(plain.headers().get(CONTENT_ENCODING), None);
    let plain_len = plain.bytes().await.expect("body").len();

    let compressed = app
        .client
        .get(format!("{}/members/alice", app.url))
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .expect("get");
    assert_eq!(
        compressed
            .headers()
            .get(CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok()),
        Some("br")
    );
    let compressed_len = compressed.bytes().await.expect("body").len();
    assert!(
        compressed_len * 2 < plain_len,
        "{compressed_len} of {plain_len} bytes"
    );

    app.sign_in("bob@example.org", PASSWORD).await;
    let stream = app
        .client
        .get(format!("{}{}", app.url, app::api::live::LIVE_PATH))
        .header(ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .expect("live");
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers().get(CONTENT_ENCODING), None);
}

/// The page carries the boot script's code (built as a hashed file with the
/// client, app/client/boot.js) in a module script that names the client's files.
/// Every inline script, the boot script and Leptos' own (the data the server
/// rendered with), carries the request's nonce, so a strict
/// Content-Security-Policy can allow exactly them. The file itself is served like
/// the other client files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_boot_script_is_inline_with_the_nonce_and_built_as_a_hashed_file() {
    let app = spawn_app().await;
    let name = built_name();
    let (status, html) = app.page("/members/alice").await;
    assert_eq!(status, 200);
    let boot = format!("/pkg/{name}.boot.js");
    let client = format!(r#"data-client="/pkg/{name}.js""#);
    let at = html.find(&client).expect("the page names the client");
    let tag_start = html[..at].rfind("<script").expect("in a script tag");
    let body_start = at + html[at..].find('>').expect("tag end") + 1;
    let body = &html[body_start..body_start + html[body_start..].find("</script>").expect("end")];
    assert!(
        html[tag_start..body_start].contains(r#"type="module""#),
        "the boot script is a module"
    );
    assert!(
        body.contains("client.hydrate()") && !body.contains("// "),
        "the boot script's code, without its comments, is in the page: {body}"
    );
    for (at, _) in html.match_indices("<script") {
        let tag = &html[at..at + html[at..].find('>').expect("tag end")];
        assert!(
            tag.contains(" src=") || tag.contains(" nonce="),
            "an inline script without a nonce: {tag}"
        );
    }

    let response = app
        .client
        .get(format!("{}{boot}", app.url))
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(
        headers.get(CONTENT_ENCODING).and_then(|v| v.to_str().ok()),
        Some("br")
    );
    assert!(headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/javascript")));
    assert_eq!(
        headers.get(CACHE_CONTROL).and_then(|v| v.to_str().ok()),
        Some("public, max-age=31536000, immutable")
    );
}

/// The portal installs as an app: every page names the manifest; the manifest
/// names its start page and icons that exist at their sizes (one that may be
/// cropped to a circle); the service worker is served fresh with a policy
/// that lets it fetch pages; the page it shows offline stands alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_installs_as_an_app_with_an_offline_page() {
    let app = spawn_app().await;
    let (_, html) = app.page("/").await;
    assert!(html.contains(r#"<link rel="manifest" href="/manifest.webmanifest""#));
    assert!(html.contains(r#"<meta name="theme-color""#));

    let get = |path: &str| app.client.get(format!("{}{path}", app.url)).send();
    let manifest = get("/manifest.webmanifest").await.expect("manifest");
    assert_eq!(manifest.status(), 200);
    assert_eq!(
        manifest.headers()[CONTENT_TYPE],
        "application/manifest+json"
    );
    let manifest: serde_json::Value = manifest.json().await.expect("JSON");
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["start_url"], "/conversations");
    assert_eq!(manifest["name"], "Mautic Community Portal");
    let icons = manifest["icons"].as_array().expect("icons");
    let mut sizes = Vec::new();
    for icon in icons.iter().filter(|i| i["type"] == "image/png") {
        let src = icon["src"].as_str().expect("src");
        let response = get(src).await.expect("icon");
        assert_eq!(response.status(), 200, "{src}");
        let picture =
            image::load_from_memory(&response.bytes().await.expect("bytes")).expect("a PNG");
        let side = picture.width();
        assert_eq!(picture.height(), side, "{src} is square");
        assert_eq!(icon["sizes"], format!("{side}x{side}"), "{src}");
        sizes.push((side, icon["purpose"].as_str().unwrap_or("any").to_string()));
    }
    for wanted in [(192, "any"), (512, "any"), (512, "maskable")] {
        assert!(
            sizes.iter().any(|(s, p)| (*s, p.as_str()) == wanted),
            "{wanted:?} in {sizes:?}"
        );
    }

    let worker = get("/sw.js").await.expect("worker");
    assert_eq!(worker.status(), 200);
    let headers = worker.headers().clone();
    assert!(headers[CONTENT_TYPE]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/javascript"));
    assert_eq!(headers[CACHE_CONTROL], "no-cache");
    assert_eq!(headers["content-security-policy"], "default-src 'self'");
    let code = worker.text().await.expect("code");
    assert!(code.contains("'/offline'"), "it keeps the offline page");

    let offline = get("/offline").await.expect("offline");
    assert_eq!(offline.status(), 200);
    assert!(offline.headers()["content-security-policy"]
        .to_str()
        .unwrap_or_default()
        .starts_with("default-src 'none'"));
    let page = offline.text().await.expect("html");
    assert!(page.contains("<h1>You are offline</h1>"));
    assert!(
        !page.contains("/pkg/"),
        "it needs nothing but what the worker keeps"
    );
}
