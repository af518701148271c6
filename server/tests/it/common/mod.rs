//! Test harness: a real portal on a random port over a fresh database.
#![allow(dead_code)]

pub mod smtp;
pub mod sse;

use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::redirect::Policy;
use server::config::Config;
use sqlx::PgPool;

pub const PASSWORD: &str = "portal-demo-pass";

pub struct TestApp {
    pub url: String,
    pub client: reqwest::Client,
    pub pool: PgPool,
    pub config: Config,
    pub hub: std::sync::Arc<server::live::Hub>,
    /// The SMTP listener for replies by email, when the test asked for one.
    pub inbound_smtp: Option<std::net::SocketAddr>,
    /// Shared by every instance over this database; the last one dropped marks it
    /// for dropping.
    database: std::sync::Arc<TestDatabase>,
}

/// A test's own database. Each copy of the demo data takes about 10 MB: kept until
/// the end of a run, a whole suite's would fill a small disk. When the test is over
/// (every instance dropped) its name is queued, and the next test to create a
/// database drops the queued ones first (dropping needs a runtime; `Drop` has none).
struct TestDatabase {
    name: String,
}

static FINISHED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut finished) = FINISHED.lock() {
            finished.push(std::mem::take(&mut self.name));
        }
    }
}

/// What a test may change about the portal it starts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub public_url: Option<String>,
    /// Where the email worker sends (none: no worker).
    pub smtp_url: Option<String>,
    /// The batched-email window (default 600 s).
    pub batch_seconds: Option<i64>,
    /// Spam limits; by default high enough never to get in a test's way.
    pub limits: Option<app::domain::limits::Limits>,
    /// Believe `X-Forwarded-For`, as behind a proxy (tests then choose the address).
    pub trust_proxy: bool,
    /// Connection limits (defaults: those of the real server).
    pub header_timeout_seconds: Option<u64>,
    pub connections_per_address: Option<usize>,
    pub max_live_streams: Option<usize>,
    /// Serve `/metrics` to this bearer token.
    pub metrics_token: Option<String>,
    /// Accounts per address an hour (default: far more than any test makes).
    pub registrations_per_address_hour: Option<i64>,
    /// New accounts confirm their email first (default off: most suites register
    /// members to use them at once; `verification.rs` turns it on).
    pub verify_email: bool,
    /// Minutes a message stays editable (default 15, as in production).
    pub edit_minutes: Option<i64>,
    /// Files per message, their size and the quota (the defaults otherwise).
    pub attachments: Option<app::domain::attachment::AttachmentRules>,
    /// Web push: the VAPID private key (none: no push), the push services the
    /// portal may send to, and how long a push waits.
    pub vapid_private_key: Option<String>,
    pub push_services: Vec<String>,
    pub push_delay_seconds: i64,
    /// Replies by email: the base reply address, and an SMTP listener for them.
    pub reply_address: Option<String>,
    pub inbound_smtp: bool,
}

/// Starts the portal on a random port over a database of its own (a copy of a
/// migrated one with the demo data), so tests run in parallel and never see each other's rows.
///
/// Tests run on a multi-threaded runtime, like the real server: Leptos' server
/// rendering has known stalls on a single-threaded one (leptos-rs/leptos#4647).
/// The test command runs them one at a time (see `.ci/portal.sh`).
pub async fn spawn_app() -> TestApp {
    spawn_app_with_options(Options::default()).await
}

pub async fn spawn_app_with(public_url: Option<&str>) -> TestApp {
    spawn_app_with_options(Options {
        public_url: public_url.map(str::to_string),
        ..Options::default()
    })
    .await
}

pub async fn spawn_app_with_options(options: Options) -> TestApp {
    let (pool, name) = fresh_database().await;
    start_instance(pool, std::sync::Arc::new(TestDatabase { name }), &options).await
}

/// One portal instance (router, live listener, workers) over `pool`.
async fn start_instance(
    pool: PgPool,
    database: std::sync::Arc<TestDatabase>,
    options: &Options,
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let url = format!("http://{addr}");
    let config = Config {
        database_url: String::new(),
        addr,
        public_url: options.public_url.clone().unwrap_or_else(|| url.clone()),
        site_root: "../target/site".into(),
        trust_proxy: options.trust_proxy,
        session_days: 30,
        email_batch_seconds: options.batch_seconds.unwrap_or(600),
        smtp_url: options.smtp_url.clone(),
        mail_from: "Conversations <no-reply@portal.test>".into(),
        email_poll_ms: 100,
        email_max_backoff_seconds: 2,
        email_lease_seconds: 120,
        hash_concurrency: 2,
        header_timeout_seconds: options.header_timeout_seconds.unwrap_or(10),
        connections_per_address: options.connections_per_address.unwrap_or(256),
        max_live_streams: options.max_live_streams.unwrap_or(10_000),
        metrics_addr: None,
        registrations_per_address_hour: options.registrations_per_address_hour.unwrap_or(100_000),
        verify_email: options.verify_email,
        edit_minutes: options.edit_minutes.unwrap_or(15),
        attachments: options.attachments.unwrap_or_default(),
        vapid_private_key: options.vapid_private_key.clone(),
        vapid_subject: "mailto:admin@portal.test".into(),
        push_delay_seconds: options.push_delay_seconds,
        push_services: options.push_services.clone(),
        metrics_token: options.metrics_token.clone(),
        reply_address: options.reply_address.clone(),
        languages: app::domain::language::Language::ALL.to_vec(),
        inbound_smtp_addr: None,
        limits: options.limits.unwrap_or(app::domain::limits::Limits {
            messages_per_minute: 10_000,
            conversations_per_hour: 10_000,
        }),
    };
    let state = server::app_state(&config, pool.clone());
    let hub = server::start_background(&config, &pool).expect("background tasks start");
    // Served as the real server serves: the same accept loop and limits.
    let limits = config.serve_limits(server::serve::raise_file_limit(), server::POOL_SIZE);
    let live = server::live::Direct {
        pool: state.pool.clone(),
        hub: hub.clone(),
    };
    let router = server::router::router(state, hub.clone(), options.metrics_token.clone());
    tokio::spawn(server::serve::serve(
        listener,
        router,
        live,
        limits,
        std::future::pending(),
    ));
    let inbound_smtp = if options.inbound_smtp {
        let inbound = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the SMTP listener");
        let addr = inbound.local_addr().expect("its address");
        server::start_inbound_mail(&config, &pool, inbound, &hub);
        Some(addr)
    } else {
        None
    };
    TestApp {
        url,
        inbound_smtp,
        client: client(),
        pool,
        config,
        hub,
        database,
    }
}

impl TestApp {
    /// A second instance of the portal over the same database, as behind a load
    /// balancer: its own port, live listener and workers.
    pub async fn another_instance(&self, options: &Options) -> TestApp {
        start_instance(self.pool.clone(), self.database.clone(), options).await
    }
}

/// A database named `portal_test_…` on the server of `DATABASE_URL`, copied from
/// a template that this test process migrated and loaded with the demo data once
/// (loading it through the portal's own functions takes a few seconds). The test
/// command drops old ones before each run.
async fn fresh_database() -> (PgPool, String) {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    let template = TEMPLATE
        .get_or_init(|| async {
            let name = create_database(None).await;
            let pool = connect(&name).await;
            server::MIGRATOR.run(&pool).await.expect("migrations apply");
            server::demo::load(&pool).await.expect("demo data loads");
            // A template is copied only while nobody is connected to it.
            pool.close().await;
            name
        })
        .await;
    let name = create_database(Some(template)).await;
    (connect(&name).await, name)
}

/// Creates an empty database (or a copy of `template`) and returns its name.
async fn create_database(template: Option<&str>) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let name = format!(
        "portal_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    );
    let admin = PgPool::connect(&admin_url())
        .await
        .expect("connect to PostgreSQL");
    let finished = std::mem::take(&mut *FINISHED.lock().expect("finished databases"));
    for old in finished {
        // FORCE: the finished test's pool may not have closed its connections yet.
        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{old}\" WITH (FORCE)"))
            .execute(&admin)
            .await
            .expect("drop a finished test's database");
    }
    let copy = template
        .map(|t| format!(" TEMPLATE \"{t}\""))
        .unwrap_or_default();
    sqlx::query(&format!("CREATE DATABASE \"{name}\"{copy}"))
        .execute(&admin)
        .await
        .expect("create the test database");
    admin.close().await;
    name
}

fn admin_url() -> String {
    std::env::var("DATABASE_URL").expect("DATABASE_URL points at a PostgreSQL server")
}

async fn connect(name: &str) -> PgPool {
    let admin_url = admin_url();
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap_or(&admin_url);
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(10)
        .connect(&format!("{base}/{name}"))
        .await
        .expect("connect to the test database")
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
/// The HTML without the empty comments Leptos leaves around dynamic text for
/// hydration (`<!>`, `<!-- -->`): what a reader of the page sees.
pub fn without_markers(html: &str) -> String {
    html.replace("<!>", "").replace("<!-- -->", "")
}

/// A client that sends only what each request sets (for cross-site tests).
pub fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}

/// A client that says, as browsers do on the portal's own pages, that its requests
/// are same-origin (the portal refuses state changes that do not).
pub fn client() -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        "sec-fetch-site",
        reqwest::header::HeaderValue::from_static("same-origin"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}

impl TestApp {
    /// Calls a server function the way the WASM client does (form-encoded POST).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.call_with(&self.client, endpoint, form).await
    }

    pub async fn call_with(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let form: Vec<(String, String)> = form
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        self.post_form(client, endpoint, &form).await
    }

    /// `call_with` for a form with owned values (lists go as `to[0]=…&to[1]=…`).
    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(String, String)],
    ) -> reqwest::Response {
        client
            .post(format!("{}/api/{endpoint}", self.url))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// A page's HTML as this member's browser gets it (hydration markers removed).
    pub async fn page_as(&self, client: &reqwest::Client, path: &str) -> String {
        let response = client
            .get(format!("{}{path}", self.url))
            .header("accept", "text/html")
            .send()
            .await
            .expect("page");
        assert_eq!(response.status(), 200, "{path}");
        without_markers(&response.text().await.expect("html"))
    }

    /// A new client signed in as the demo member with this handle.
    pub async fn member(&self, handle: &str) -> reqwest::Client {
        let client = client();
        let response = self
            .call_with(
                &client,
                "sign_in",
                &[
                    ("email", &format!("{handle}@example.org")),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(response.status(), 200, "{handle} signs in");
        client
    }

    /// New clients signed in as these demo members, in the same order.
    pub async fn members<const N: usize>(&self, handles: [&str; N]) -> [reqwest::Client; N] {
        let mut clients = Vec::with_capacity(N);
        for handle in handles {
            clients.push(self.member(handle).await);
        }
        clients
            .try_into()
            .unwrap_or_else(|_| unreachable!("one client per handle"))
    }

    /// The ids of these members, in the same order.
    pub async fn ids<const N: usize>(&self, handles: [&str; N]) -> [i64; N] {
        let mut ids = [0; N];
        for (id, handle) in ids.iter_mut().zip(handles) {
            *id = self.id_of(handle).await;
        }
        ids
    }

    pub async fn id_of(&self, handle: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM members WHERE handle = $1")
            .bind(handle)
            .fetch_one(&self.pool)
            .await
            .expect("member exists")
    }

    pub async fn group_id(&self, slug: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM groups WHERE slug = $1")
            .bind(slug)
            .fetch_one(&self.pool)
            .await
            .expect("group exists")
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.call("sign_in", &[("email", email), ("password", password)])
            .await
    }

    pub async fn page(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.url))
            .header("accept", "text/html")
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (
            status,
            without_markers(&response.text().await.expect("body")),
        )
    }

    /// Who the server thinks is signed in, by handle.
    pub async fn current_handle(&self, client: &reqwest::Client) -> Option<String> {
        let response = self.call_with(client, "current_member", &[]).await;
        assert!(
            response.status().is_success(),
            "current_member failed: {}",
            response.status()
        );
        let body: serde_json::Value = response.json().await.expect("json");
        body.get("handle")
            .and_then(|h| h.as_str())
            .map(str::to_string)
    }
}

/// The `kind` of an error answer (`{"kind": "bad_credentials"}`).
/// Status and body: JSON, or the text as a JSON string when it is not JSON
/// (`null` for a function returning nothing).
pub async fn answer(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, body)
}

/// The last message of a thread as `get_thread` answers it.
pub fn last_message(thread: &serde_json::Value) -> serde_json::Value {
    thread["messages"]
        .as_array()
        .and_then(|m| m.last())
        .cloned()
        .expect("a message")
}

/// The start form's fields, as the page posts them.
pub fn start_form(send_as: &str, to: &[String], body: &str, key: &str) -> Vec<(String, String)> {
    let mut form = vec![
        ("send_as".to_string(), send_as.to_string()),
        ("body".to_string(), body.to_string()),
        ("key".to_string(), key.to_string()),
    ];
    form.extend(to_fields(to));
    form
}

pub async fn error_kind(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.expect("error body is JSON");
    (status, body)
}

pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("portal_session="))
        .map(str::to_string)
}

pub fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

static KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A new idempotency key for each message a test sends.
pub fn fresh_key() -> String {
    format!(
        "test-key-{}-{:08}",
        std::process::id(),
        KEY.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    )
}

pub fn member(id: i64) -> String {
    format!("member:{id}")
}

pub fn group(id: i64) -> String {
    format!("group:{id}")
}

/// `to[0]=…&to[1]=…` for a list of party tokens.
pub fn to_fields(to: &[String]) -> Vec<(String, String)> {
    to.iter()
        .enumerate()
        .map(|(i, t)| (format!("to[{i}]"), t.clone()))
        .collect()
}

/// Starts a conversation as `from` (a member id); the raw answer.
pub async fn try_start(
    app: &TestApp,
    client: &reqwest::Client,
    from: i64,
    to: &[String],
    body: &str,
) -> reqwest::Response {
    let form = start_form(&member(from), to, body, &fresh_key());
    app.post_form(client, "start_conversation", &form).await
}

/// Starts a conversation as `from` (a member id); returns its id.
pub async fn start(
    app: &TestApp,
    client: &reqwest::Client,
    from: i64,
    to: &[String],
    body: &str,
) -> i64 {
    let response = try_start(app, client, from, to, body).await;
    assert_eq!(response.status(), 200, "the conversation starts");
    response.json().await.expect("conversation id")
}

/// Replies in a conversation; returns the new message's id.
pub async fn reply(app: &TestApp, client: &reqwest::Client, conversation: i64, body: &str) -> i64 {
    let response = app
        .call_with(
            client,
            "send_message",
            &[
                ("conversation", &conversation.to_string()),
                ("body", body),
                ("key", &fresh_key()),
            ],
        )
        .await;
    assert_eq!(response.status(), 200, "the reply is sent");
    let message: serde_json::Value = response.json().await.expect("json");
    message["id"].as_i64().expect("message id")
}

/// Opens a thread (which reads it), which must succeed; returns it.
pub async fn open_thread(app: &TestApp, client: &reqwest::Client, id: i64) -> serde_json::Value {
    let response = app
        .call_with(client, "get_thread", &[("id", &id.to_string())])
        .await;
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, 200, "the thread {id} opens: {text}");
    serde_json::from_str(&text).expect("the thread is JSON")
}

/// Mutes or unmutes a conversation for this member, which must succeed.
pub async fn set_muted(app: &TestApp, client: &reqwest::Client, conversation: i64, muted: bool) {
    let response = app
        .call_with(
            client,
            "set_muted",
            &[
                ("conversation", &conversation.to_string()),
                ("muted", &muted.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), 200, "muted is set to {muted}");
}

/// Saves the notification settings form: in-app on, this email mode, and the
/// managed groups whose conversations notify (the checked boxes).
pub async fn settings(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    groups_notify: &[&str],
) {
    save_settings_form(app, client, true, email, groups_notify).await;
}

/// Saves the notification settings form with in-app notifications off (the checkbox
/// left out) and no managed group notifying.
pub async fn settings_without_in_app(app: &TestApp, client: &reqwest::Client, email: &str) {
    save_settings_form(app, client, false, email, &[]).await;
}

async fn save_settings_form(
    app: &TestApp,
    client: &reqwest::Client,
    in_app: bool,
    email: &str,
    groups_notify: &[&str],
) {
    let mut form: Vec<(String, String)> = Vec::new();
    if in_app {
        form.push(("in_app".into(), "on".into()));
    }
    form.push(("email".into(), email.into()));
    for (i, slug) in groups_notify.iter().enumerate() {
        form.push((format!("groups_notify[{i}]"), slug.to_string()));
    }
    let response = app
        .post_form(client, "save_notification_settings", &form)
        .await;
    assert!(
        response.status().is_success(),
        "settings saved: {}",
        response.status()
    );
    let saved: serde_json::Value = app
        .call_with(client, "get_notification_settings", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(saved["email"], email, "the email mode is saved");
    assert_eq!(saved["in_app"], in_app, "in-app notifications are saved");
}

/// One value from the database, for a query with one id parameter (`$1`).
pub async fn scalar<T>(app: &TestApp, sql: &str, id: i64) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A JPEG with an EXIF segment carrying `secret`, as a phone's photo carries its place.
pub fn photo_with_exif(width: u32, height: u32, secret: &[u8]) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut jpeg = Vec::new();
    picture
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .expect("jpeg");
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(secret);
    let length = (exif.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The field problems of an `invalid` answer's detail, worded in English as the
/// page words them (they travel as codes).
pub fn field_messages(detail: &serde_json::Value) -> Vec<(String, String)> {
    let errors: app::domain::FieldErrors =
        serde_json::from_value(detail.clone()).unwrap_or_default();
    let english = app::i18n::Words::of(app::domain::language::Language::En);
    errors
        .0
        .iter()
        .map(|(field, problem)| (field.clone(), problem.words(english)))
        .collect()
}

/// An error answer as the page words it in English (errors travel as codes).
pub fn said(body: &serde_json::Value) -> String {
    match serde_json::from_value::<app::error::AppError>(body.clone()) {
        Ok(error) => error.words(app::i18n::Words::of(app::domain::language::Language::En)),
        Err(_) => body.to_string(),
    }
}
