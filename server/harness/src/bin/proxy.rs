//! Two portal instances behind a real nginx (Debian's), configured with the
//! repository's own snippet (`server/deploy/nginx/conversations-locations.conf`),
//! as `server/deploy/` runs them: sign-in through the proxy, live delivery across
//! the instances through it (unbuffered: events and heartbeats arrive as sent),
//! and the sign-in throttle keyed by the real client address that nginx passes
//! on (`PORTAL_TRUST_PROXY=1`), whatever `X-Forwarded-For` the client made up.
//! Prints one line per check and exits non-zero when one fails.
//!
//! Settings: DATABASE_URL (a database of its own; the demo data is loaded),
//! PROXY_NGINX (/usr/sbin/nginx), PROXY_PORT (3700: nginx; the instances take the
//! next two), PROXY_HEARTBEAT (1: wait for a heartbeat through the proxy).

use harness::{env_or, portal_command, spawn, wait_until_up, Error, Instance};
use reqwest::Client;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "portal-demo-pass";

/// nginx, stopped when dropped.
struct Nginx(Child);

impl Drop for Nginx {
    /// SIGTERM, so the master stops its workers too (killed outright, it would
    /// leave them running); SIGKILL if it has not stopped within 5 s.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        for _ in 0..50 {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn nginx_config(dir: &Path, snippet: &Path, port: u16, upstreams: [u16; 2]) -> String {
    let dir = dir.display();
    let user = if unsafe_is_root() { "user root;\n" } else { "" };
    format!(
        "{user}worker_processes 1;\ndaemon off;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log warn;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log off;\n\
           client_body_temp_path {dir}/body;\n  proxy_temp_path {dir}/proxy;\n\
           fastcgi_temp_path {dir}/fastcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  scgi_temp_path {dir}/scgi;\n\
           upstream conversations {{\n    server 127.0.0.1:{a};\n    server 127.0.0.1:{b};\n    keepalive 8;\n  }}\n\
           upstream conversations_live {{\n    server 127.0.0.1:{a};\n    server 127.0.0.1:{b};\n  }}\n\
           server {{\n    listen 127.0.0.1:{port};\n    server_name localhost;\n\
             # Only for this test: which instance answered.\n\
             add_header X-Upstream $upstream_addr always;\n\
             include {snippet};\n  }}\n}}\n",
        a = upstreams[0],
        b = upstreams[1],
        snippet = snippet.display(),
    )
}

/// Whether this process runs as root (nginx then needs `user root;` to let its
/// worker write the temporary folders created here).
fn unsafe_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

fn client_from(address: &str) -> Result<Client, Error> {
    Ok(Client::builder()
        .default_headers(harness::same_origin())
        .local_address(address.parse::<std::net::IpAddr>()?)
        .cookie_store(true)
        .timeout(Duration::from_secs(30))
        .build()?)
}

async fn sign_in(client: &Client, url: &str, email: &str, password: &str) -> Result<u16, Error> {
    Ok(client
        .post(format!("{url}/api/sign_in"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await?
        .status()
        .as_u16())
}

/// Opens live streams for `client` through the proxy until one runs on each
/// instance; the streams with the instance that serves each.
async fn streams_on_both(
    client: &Client,
    url: &str,
) -> Result<Vec<(String, reqwest::Response)>, Error> {
    let mut streams: Vec<(String, reqwest::Response)> = Vec::new();
    for _ in 0..6 {
        let response = client
            .get(format!("{url}/api/live"))
            .header("accept", "text/event-stream")
            .timeout(Duration::from_secs(120))
            .send()
            .await?;
        if response.status() != 200 {
            return Err(format!("live stream refused: {}", response.status()).into());
        }
        let upstream = response
            .headers()
            .get("x-upstream")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        if !streams.iter().any(|(u, _)| *u == upstream) {
            streams.push((upstream, response));
        }
        if streams.len() == 2 {
            return Ok(streams);
        }
    }
    Err("nginx did not spread the streams over both instances".into())
}

/// Reads `response` until `wanted` holds for a line of it, or `within` passes.
async fn wait_for_line(
    response: &mut reqwest::Response,
    within: Duration,
    wanted: impl Fn(&str) -> bool,
) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = String::new();
    while started.elapsed() < within {
        let left = within.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, response.chunk()).await {
            Ok(Ok(Some(chunk))) => {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                if buffer.lines().any(&wanted) {
                    return Some(started.elapsed());
                }
            }
            _ => return None,
        }
    }
    None
}

struct Report {
    failed: usize,
}

impl Report {
    fn check(&mut self, what: &str, ok: bool, detail: String) {
        println!(
            "| {what} | {} | {detail} |",
            if ok { "ok" } else { "FAILED" }
        );
        if !ok {
            self.failed += 1;
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let database_url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let nginx: PathBuf = env_or("PROXY_NGINX", "/usr/sbin/nginx".to_string()).into();
    let port: u16 = env_or("PROXY_PORT", 3700);
    let heartbeat: u8 = env_or("PROXY_HEARTBEAT", 1);
    let server = harness::sibling_server()?;
    let root = std::env::current_dir()?;
    let snippet = root.join("server/deploy/nginx/conversations-locations.conf");
    if !snippet.exists() {
        return Err(format!(
            "{} not found: run from the repository root",
            snippet.display()
        )
        .into());
    }
    let dir = std::env::temp_dir().join(format!("portal-proxy-{}", std::process::id()));
    for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let upstreams = [port + 1, port + 2];
    let config = dir.join("nginx.conf");
    std::fs::write(&config, nginx_config(&dir, &snippet, port, upstreams))?;

    let public_url = format!("http://127.0.0.1:{port}");
    let start = |k: usize, demo: bool| -> Result<Instance, Error> {
        let mut command = portal_command(&server, &database_url, upstreams[k]);
        command
            .env("PORTAL_TRUST_PROXY", "1")
            .env("PORTAL_PUBLIC_URL", &public_url)
            .env("RUST_LOG", "error")
            .stderr(Stdio::null());
        if demo {
            command.arg("--demo");
        }
        spawn(&mut command, upstreams[k])
    };
    let probe = Client::new();
    let first = start(0, true)?;
    wait_until_up(
        &probe,
        &format!("{}/healthz", first.url),
        Duration::from_secs(60),
    )
    .await?;
    let second = start(1, false)?;
    wait_until_up(
        &probe,
        &format!("{}/healthz", second.url),
        Duration::from_secs(60),
    )
    .await?;
    let _proxy = Nginx(
        Command::new(&nginx)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&config)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", nginx.display()))?,
    );
    wait_until_up(
        &probe,
        &format!("{public_url}/readyz"),
        Duration::from_secs(30),
    )
    .await
    .map_err(|e| {
        let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
        format!("nginx did not come up: {e}\n{log}")
    })?;

    println!("| check | result | detail |");
    println!("|---|---|---|");
    let mut report = Report { failed: 0 };

    // Sign-in through the proxy, and the session good on both instances.
    let alice = client_from("127.0.0.1")?;
    let status = sign_in(&alice, &public_url, "alice@example.org", PASSWORD).await?;
    let mut seen = Vec::new();
    for _ in 0..4 {
        let answer = alice
            .post(format!("{public_url}/api/current_member"))
            .send()
            .await?;
        let upstream = answer
            .headers()
            .get("x-upstream")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let who: Value = answer.json().await.unwrap_or(Value::Null);
        seen.push((upstream, who["handle"] == "alice"));
    }
    let instances: std::collections::BTreeSet<&str> =
        seen.iter().map(|(u, _)| u.as_str()).collect();
    report.check(
        "sign-in through the proxy, the session good on both instances",
        status == 200 && seen.iter().all(|(_, ok)| *ok) && instances.len() == 2,
        format!("sign-in {status}; answered by {instances:?}"),
    );

    // Live delivery across the instances, through the proxy.
    let bob = client_from("127.0.0.1")?;
    sign_in(&bob, &public_url, "bob@example.org", PASSWORD).await?;
    let mut streams = streams_on_both(&bob, &public_url).await?;
    for (_, stream) in streams.iter_mut() {
        // The first event (hello) says the stream is being read.
        wait_for_line(stream, Duration::from_secs(10), |l| l.starts_with("data:")).await;
    }
    let (alice_id, bob_id): (i64, i64) = {
        let pool = server::connect(&database_url, 1).await?;
        let ids = sqlx::query_as(
            "SELECT (SELECT id FROM members WHERE handle = 'alice'),
                    (SELECT id FROM members WHERE handle = 'bob')",
        )
        .fetch_one(&pool)
        .await?;
        pool.close().await;
        ids
    };
    let text = format!("Through the proxy {}", std::process::id());
    let sent = alice
        .post(format!("{public_url}/api/start_conversation"))
        .form(&[
            ("send_as", format!("member:{alice_id}")),
            ("to[0]", format!("member:{bob_id}")),
            ("body", text.clone()),
            ("key", format!("proxy-{}", std::process::id())),
        ])
        .send()
        .await?;
    let sent_status = sent.status().as_u16();
    let mut arrivals = Vec::new();
    for (upstream, stream) in streams.iter_mut() {
        let arrived = wait_for_line(stream, Duration::from_secs(10), |l| l.contains(&text)).await;
        arrivals.push((upstream.clone(), arrived));
    }
    report.check(
        "a message reaches the member's streams on both instances through the proxy",
        sent_status == 200 && arrivals.iter().all(|(_, a)| a.is_some()),
        format!(
            "sent {sent_status}; {}",
            arrivals
                .iter()
                .map(|(u, a)| match a {
                    Some(d) => format!("{u}: {} ms", d.as_millis()),
                    None => format!("{u}: not within 10 s"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    if heartbeat == 1 {
        let (upstream, stream) = &mut streams[0];
        let beat = wait_for_line(stream, Duration::from_secs(25), |l| l.starts_with(':')).await;
        report.check(
            "a heartbeat passes the proxy as it is sent (nothing buffered)",
            beat.is_some(),
            format!("{upstream}: {beat:?}"),
        );
    }
    drop(streams);

    // The throttle sees the real client: guesses from 127.0.0.2, however they
    // dress up X-Forwarded-For, do not lock out José at 127.0.0.1.
    let attacker = client_from("127.0.0.2")?;
    let mut statuses = Vec::new();
    for i in 0..7 {
        let status = attacker
            .post(format!("{public_url}/api/sign_in"))
            .header("x-forwarded-for", "127.0.0.1")
            .form(&[
                ("email", "jose@example.org"),
                ("password", &*format!("guess-{i}")),
            ])
            .send()
            .await?
            .status()
            .as_u16();
        statuses.push(status);
    }
    let jose = client_from("127.0.0.1")?;
    let own = sign_in(&jose, &public_url, "jose@example.org", PASSWORD).await?;
    report.check(
        "the throttle counts the real client address, not a forged X-Forwarded-For",
        statuses[..5].iter().all(|s| *s == 422)
            && statuses[5..].iter().all(|s| *s == 429)
            && own == 200,
        format!("guesses {statuses:?}; José from his address: {own}"),
    );

    drop(first);
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
    if report.failed > 0 {
        return Err(format!("{} proxy check(s) failed", report.failed).into());
    }
    Ok(())
}
