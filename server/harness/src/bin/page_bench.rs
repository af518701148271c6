//! Page benchmark: what a member's browser gets from the portal.
//!
//! - Server-rendered pages: one release server process; a member with 1,000
//!   conversations; concurrent clients load their conversation list as a browser
//!   does (cookie, `Accept-Encoding: br, gzip`) for a fixed time. Pages per second,
//!   and time to first byte (the response head) and to the whole page.
//! - The client's size: the WASM, JavaScript and stylesheet a page loads, raw and
//!   as sent (the build's brotli and gzip copies).
//! - Lighthouse (npm, with Debian's Chromium, mobile profile with its simulated
//!   slow 4G and 4× slower CPU): the conversation list and a conversation, each run
//!   several times, medians printed. `PAGE_BENCH_LIGHTHOUSE_THROTTLING=devtools`
//!   throttles the real page load instead of simulating it (Lighthouse's
//!   `--throttling-method`); `PAGE_BENCH_LIGHTHOUSE_REPORTS=DIR` keeps every
//!   run's JSON report there (long tasks, the LCP element, the requests).
//!
//! Run it through `bash .ci/portal.sh page-bench` (release build, own database).

use harness::Error;
use harness::{env_or, percentile, portal_command, sibling_server, spawn, wait_until_up};
use sqlx::PgPool;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CONVERSATIONS: i64 = 1000;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let port: u16 = env_or("PAGE_BENCH_PORT", 3700);
    let seconds: u64 = env_or("PAGE_BENCH_SECONDS", 20);
    let concurrency: usize = env_or("PAGE_BENCH_CONCURRENCY", 8);
    let lighthouse_runs: usize = env_or("PAGE_BENCH_LIGHTHOUSE_RUNS", 3);
    let site_root = std::env::var("PORTAL_SITE_ROOT").unwrap_or_else(|_| "target/site".into());

    let pool = server::connect(&url, 4).await?;
    server::MIGRATOR.run(&pool).await?;
    server::demo::load(&pool).await?;
    let (member, newest) = seed(&pool).await?;
    let token = app::backend::auth::create_session(&pool, member, 1, "harness")
        .await
        .map_err(|e| e.to_string())?;
    let cookie = format!("portal_session={token}");

    let mut command = portal_command(&sibling_server()?, &url, port);
    command
        .env("RUST_LOG", "warn")
        .env("PORTAL_SITE_ROOT", &site_root);
    let instance = spawn(&mut command, port)?;
    let client = reqwest::Client::builder()
        .default_headers(harness::same_origin())
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(30))
        .build()?;
    wait_until_up(
        &client,
        &format!("{}/healthz", instance.url),
        Duration::from_secs(30),
    )
    .await?;

    let list = format!("{}/conversations", instance.url);
    let thread = format!("{}/conversations/{newest}", instance.url);
    check_page(&client, &list, &cookie).await?;
    check_page(&client, &thread, &cookie).await?;

    println!(
        "page benchmark: a member with {CONVERSATIONS} conversations, one release server process"
    );
    // Warm-up: connections, statement caches, allocator.
    load(&client, &list, &cookie, concurrency, Duration::from_secs(2)).await?;
    let run = load(
        &client,
        &list,
        &cookie,
        concurrency,
        Duration::from_secs(seconds),
    )
    .await?;
    let mut first_byte = run.first_byte_ms.clone();
    let mut whole = run.whole_ms.clone();
    println!(
        "\nSSR /conversations ({concurrency} concurrent clients, {seconds} s, br): {} pages, {:.0} pages/s, {} errors",
        run.pages,
        run.pages as f64 / run.seconds,
        run.errors
    );
    println!(
        "  first byte ms: p50 {:.2}  p95 {:.2}  p99 {:.2}",
        percentile(&mut first_byte, 0.50),
        percentile(&mut first_byte, 0.95),
        percentile(&mut first_byte, 0.99)
    );
    println!(
        "  whole page ms: p50 {:.2}  p95 {:.2}  p99 {:.2}  ({} bytes compressed)",
        percentile(&mut whole, 0.50),
        percentile(&mut whole, 0.95),
        percentile(&mut whole, 0.99),
        run.bytes / run.pages.max(1)
    );

    client_sizes(Path::new(&site_root))?;

    if lighthouse_runs > 0 {
        println!(
            "\nLighthouse 12 (mobile: slow 4G, 4x CPU slowdown, throttling {}), median of {lighthouse_runs} runs",
            std::env::var("PAGE_BENCH_LIGHTHOUSE_THROTTLING").unwrap_or_else(|_| "simulated".into())
        );
        println!("| page | score | LCP ms | TBT ms | CLS | FCP ms | TTFB ms |");
        println!("|---|---|---|---|---|---|---|");
        for (name, page) in [("conversation list", &list), ("a conversation", &thread)] {
            let mut runs = Vec::new();
            for run in 0..lighthouse_runs {
                let (result, report) = lighthouse(page, &cookie)?;
                if let Ok(dir) = std::env::var("PAGE_BENCH_LIGHTHOUSE_REPORTS") {
                    std::fs::create_dir_all(&dir)?;
                    let file = format!("{}-{run}.json", name.replace(' ', "-"));
                    std::fs::write(Path::new(&dir).join(file), report)?;
                }
                runs.push(result);
            }
            let median = |f: fn(&Lighthouse) -> f64| {
                let mut values: Vec<f64> = runs.iter().map(f).collect();
                percentile(&mut values, 0.5)
            };
            println!(
                "| {name} | {:.0} | {:.0} | {:.0} | {:.3} | {:.0} | {:.0} |",
                median(|r| r.score),
                median(|r| r.lcp_ms),
                median(|r| r.tbt_ms),
                median(|r| r.cls),
                median(|r| r.fcp_ms),
                median(|r| r.ttfb_ms)
            );
        }
    }
    drop(instance);
    Ok(())
}

/// The benchmark member and 1,000 conversations with 1,000 other members, three
/// messages each, a day apart, the newest ten unread. Returns the member and the
/// newest conversation.
async fn seed(pool: &PgPool) -> Result<(i64, i64), Error> {
    let steps = [
        "INSERT INTO members (handle, display_name, email, password_hash)
         VALUES ('pagebench', 'Page Bench', 'pagebench@bench.invalid', 'x')
         ON CONFLICT (handle) DO NOTHING",
        "INSERT INTO members (handle, display_name, email, password_hash)
         SELECT 'pb' || lpad(n::text, 4, '0'),
                (ARRAY['José','Zoë','Anna','Wang','Søren','Fatima','Kwame','Priya','Łukasz','Élodie'])[1 + n % 10]
                || ' ' || (ARRAY['García','Nguyễn','Schröder','Diallo','Cohen','Patel','Dubois','Tanaka'])[1 + n % 8]
                || ' ' || n,
                'pb' || n || '@bench.invalid', 'x'
         FROM generate_series(1, 1000) n
         ON CONFLICT (handle) DO NOTHING",
        "INSERT INTO conversations (party_key)
         SELECT 'pagebench-' || n FROM generate_series(1, 1000) n
         ON CONFLICT (party_key) DO NOTHING",
        "INSERT INTO conversation_parties (conversation_id, member_id)
         SELECT c.id, m.id FROM generate_series(1, 1000) n
         JOIN conversations c ON c.party_key = 'pagebench-' || n
         JOIN members m ON m.handle IN ('pagebench', 'pb' || lpad(n::text, 4, '0'))
         ON CONFLICT DO NOTHING",
        "INSERT INTO messages (conversation_id, author_id, body, created_at, idempotency_key)
         SELECT c.id, CASE WHEN k = 2 THEN me.id ELSE other.id END,
                'Message ' || k || ' of conversation ' || n || ': are you coming to the next community meetup? I can bring the slides.',
                now() - (1000 - n) * interval '1 hour' - (3 - k) * interval '1 minute',
                'pagebench-' || n || '-' || k
         FROM generate_series(1, 1000) n
         JOIN conversations c ON c.party_key = 'pagebench-' || n
         JOIN members me ON me.handle = 'pagebench'
         JOIN members other ON other.handle = 'pb' || lpad(n::text, 4, '0')
         CROSS JOIN generate_series(1, 3) k
         ON CONFLICT DO NOTHING",
        "UPDATE conversations c SET last_message_id = l.id, last_message_at = l.created_at
         FROM (SELECT DISTINCT ON (conversation_id) conversation_id, id, created_at FROM messages
               ORDER BY conversation_id, id DESC) l
         WHERE l.conversation_id = c.id AND c.party_key LIKE 'pagebench-%'",
        "ANALYZE",
    ];
    for step in steps {
        sqlx::query(step).execute(pool).await?;
    }
    let member: i64 = sqlx::query_scalar("SELECT id FROM members WHERE handle = 'pagebench'")
        .fetch_one(pool)
        .await?;
    let newest: i64 =
        sqlx::query_scalar("SELECT id FROM conversations WHERE party_key = 'pagebench-1000'")
            .fetch_one(pool)
            .await?;
    // Everything read but the newest ten conversations.
    sqlx::query(
        "INSERT INTO conversation_reads (conversation_id, member_id, last_read_message_id)
         SELECT c.id, $1, c.last_message_id FROM conversations c
         WHERE c.party_key LIKE 'pagebench-%'
           AND substr(c.party_key, 11)::int <= 990
         ON CONFLICT (conversation_id, member_id)
         DO UPDATE SET last_read_message_id = EXCLUDED.last_read_message_id",
    )
    .bind(member)
    .execute(pool)
    .await?;
    Ok((member, newest))
}

/// The page answers 200 with server-rendered content for the signed-in member.
async fn check_page(client: &reqwest::Client, url: &str, cookie: &str) -> Result<(), Error> {
    let response = client
        .get(url)
        .header("cookie", cookie)
        .header("accept", "text/html")
        .send()
        .await?;
    let status = response.status();
    let html = response.text().await?;
    if !status.is_success() || !html.contains("Page Bench") && !html.contains("Message 3") {
        return Err(format!("{url} answered {status} without the member's content").into());
    }
    Ok(())
}

#[derive(Default)]
struct Run {
    pages: u64,
    errors: u64,
    bytes: u64,
    seconds: f64,
    first_byte_ms: Vec<f64>,
    whole_ms: Vec<f64>,
}

/// `concurrency` clients load `url` back to back for `duration`.
async fn load(
    client: &reqwest::Client,
    url: &str,
    cookie: &str,
    concurrency: usize,
    duration: Duration,
) -> Result<Run, Error> {
    let run = Arc::new(Mutex::new(Run::default()));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, cookie, run) = (
            client.clone(),
            url.to_string(),
            cookie.to_string(),
            run.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while started.elapsed() < duration {
                let t = Instant::now();
                let response = client
                    .get(&url)
                    .header("cookie", &cookie)
                    .header("accept", "text/html")
                    .header("accept-encoding", "br, gzip")
                    .send()
                    .await;
                let first_byte = t.elapsed();
                let body = match response {
                    Ok(r) if r.status().is_success() => r.bytes().await.ok(),
                    _ => None,
                };
                let whole = t.elapsed();
                let Ok(mut run) = run.lock() else { return };
                match body {
                    Some(body) => {
                        run.pages += 1;
                        run.bytes += body.len() as u64;
                        run.first_byte_ms.push(first_byte.as_secs_f64() * 1000.0);
                        run.whole_ms.push(whole.as_secs_f64() * 1000.0);
                    }
                    None => run.errors += 1,
                }
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut run = std::mem::take(&mut *run.lock().map_err(|_| "poisoned")?);
    run.seconds = seconds;
    Ok(run)
}

/// Sizes of the files a page loads: raw, and the brotli and gzip copies sent.
/// Every page loads the main part (WASM, its JavaScript, the loader of the other
/// parts, the boot script, the stylesheet), then its group of pages with the
/// shared parts that group needs (`first_load_brotli_kb` per route).
fn client_sizes(site_root: &Path) -> Result<(), Error> {
    let pkg = site_root.join("pkg");
    let name = std::fs::read_to_string(pkg.join("output-name"))
        .map_err(|_| "the site has no pkg/output-name: build it with .ci/portal.sh")?;
    // `app-<hash>/app`: the folder holds every part.
    let (folder, stem) = name.trim().rsplit_once('/').unwrap_or(("", name.trim()));
    let dir = pkg.join(folder);
    let size = |file: &str| {
        std::fs::metadata(dir.join(file))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    let sizes = |file: &str| {
        [
            size(file),
            size(&format!("{file}.br")),
            size(&format!("{file}.gz")),
        ]
    };
    let kb = |bytes: u64| bytes as f64 / 1000.0;
    println!("\nclient files (KB = 1,000 bytes)");
    println!("| file | raw KB | brotli KB | gzip KB |");
    println!("|---|---|---|---|");
    let main_files = [
        format!("{stem}_bg.wasm"),
        format!("{stem}.js"),
        "__wasm_split.js".to_string(),
        format!("{stem}.boot.js"),
        format!("{stem}.css"),
    ];
    let mut main = [0u64; 3];
    for file in &main_files {
        let s = sizes(file);
        for (total, s) in main.iter_mut().zip(s) {
            *total += s;
        }
        println!(
            "| {file} | {:.1} | {:.1} | {:.1} |",
            kb(s[0]),
            kb(s[1]),
            kb(s[2])
        );
    }
    println!(
        "| main, on every page | {:.1} | {:.1} | {:.1} |",
        kb(main[0]),
        kb(main[1]),
        kb(main[2])
    );
    let loader = std::fs::read_to_string(dir.join("__wasm_split.js")).unwrap_or_default();
    let parts = split_parts(&loader);
    let mut whole = main;
    for file in std::fs::read_dir(&dir)?.flatten() {
        let file = file.file_name().to_string_lossy().into_owned();
        if file.ends_with(".wasm") && file != format!("{stem}_bg.wasm") {
            for (total, s) in whole.iter_mut().zip(sizes(&file)) {
                *total += s;
            }
        }
    }
    println!(
        "| the whole client | {:.1} | {:.1} | {:.1} |",
        kb(whole[0]),
        kb(whole[1]),
        kb(whole[2])
    );
    println!(
        "\nfirst load by route: main and the route's group of pages (brotli KB; files fetched)"
    );
    println!("| route | group | first_load_brotli_kb | group KB | files |");
    println!("|---|---|---|---|---|");
    for (route, group) in [
        ("list /conversations", "inbox"),
        ("thread /conversations/:id", "thread"),
        (
            "start dialog (opens on any page; the list's figure)",
            "inbox",
        ),
        ("profile /members/:handle", "people"),
        ("settings /settings/notifications", "settings"),
        ("admin /admin", "moderation"),
        ("sign in /sign-in", "entry"),
    ] {
        let Some((_, files)) = parts
            .iter()
            .find(|(name, _)| name.starts_with(&format!("{group}_")))
        else {
            println!("| {route} | {group} | (no such part) | | |");
            continue;
        };
        let group_kb: u64 = files.iter().map(|f| sizes(f)[1]).sum();
        println!(
            "| {route} | {group} | {:.1} | {:.1} | {} |",
            kb(main[1] + group_kb),
            kb(group_kb),
            main_files.len() + files.len()
        );
    }
    Ok(())
}

/// The parts the loader (`__wasm_split.js`, written by the build's splitter) can
/// fetch: each part's name with its file and the shared files it needs.
fn split_parts(loader: &str) -> Vec<(String, Vec<String>)> {
    // `const __chunk_7 = makeLoad(() => { … "./chunk_7.wasm" … }, [__chunk_3]);`
    // and `export const __wasm_split_load_<name> = wrapAsyncCb(makeLoad(…`.
    let mut chunks = std::collections::HashMap::new();
    let mut parts = Vec::new();
    for entry in loader.split("const __").skip(1) {
        let (Some(file), Some(deps)) = (
            entry
                .split("new URL(\"./")
                .nth(1)
                .and_then(|r| r.split('"').next()),
            entry.split(", [").nth(1).and_then(|r| r.split(']').next()),
        ) else {
            continue;
        };
        let deps: Vec<String> = deps
            .split(',')
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .collect();
        let name = format!("__{}", entry.split(' ').next().unwrap_or_default());
        if let Some(part) = name.strip_prefix("__wasm_split_load_") {
            parts.push((part.to_string(), file.to_string(), deps));
        } else {
            chunks.insert(name, (file.to_string(), deps));
        }
    }
    parts
        .into_iter()
        .map(|(name, file, deps)| {
            let mut files = vec![file];
            let mut todo = deps;
            let mut seen = std::collections::HashSet::new();
            while let Some(chunk) = todo.pop() {
                if seen.insert(chunk.clone()) {
                    if let Some((file, deps)) = chunks.get(&chunk) {
                        files.push(file.clone());
                        todo.extend(deps.iter().cloned());
                    }
                }
            }
            // `<group>_<hash>`: the name `#[lazy(group)]` gives the part.
            (name, files)
        })
        .collect()
}

struct Lighthouse {
    score: f64,
    lcp_ms: f64,
    tbt_ms: f64,
    cls: f64,
    fcp_ms: f64,
    ttfb_ms: f64,
}

/// One Lighthouse run (the CLI from `.ci/lighthouse`, Debian's Chromium).
/// Returns the figures and the whole JSON report.
fn lighthouse(url: &str, cookie: &str) -> Result<(Lighthouse, Vec<u8>), Error> {
    let dir =
        std::env::var("PAGE_BENCH_LIGHTHOUSE_DIR").unwrap_or_else(|_| ".ci/lighthouse".into());
    let cli = Path::new(&dir).join("node_modules/lighthouse/cli/index.js");
    let headers = serde_json::json!({ "Cookie": cookie }).to_string();
    let output = std::process::Command::new("node")
        .arg(cli)
        .arg(url)
        .args([
            "--quiet",
            "--output=json",
            "--output-path=stdout",
            "--only-categories=performance",
            "--form-factor=mobile",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run",
        ])
        .arg(format!("--extra-headers={headers}"))
        .arg(format!(
            "--throttling-method={}",
            std::env::var("PAGE_BENCH_LIGHTHOUSE_THROTTLING").unwrap_or_else(|_| "simulate".into())
        ))
        .env(
            "CHROME_PATH",
            std::env::var("CHROME_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        )
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "lighthouse failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let audit = |id: &str| {
        report["audits"][id]["numericValue"]
            .as_f64()
            .ok_or_else(|| format!("lighthouse reported no {id}"))
    };
    let result = Lighthouse {
        score: report["categories"]["performance"]["score"]
            .as_f64()
            .ok_or("lighthouse reported no score")?
            * 100.0,
        lcp_ms: audit("largest-contentful-paint")?,
        tbt_ms: audit("total-blocking-time")?,
        cls: audit("cumulative-layout-shift")?,
        fcp_ms: audit("first-contentful-paint")?,
        ttfb_ms: audit("server-response-time")?,
    };
    Ok((result, output.stdout))
}
