//! The same messaging workload against the portal and against Matrix Synapse, one
//! after the other, printed side by side.
//!
//! Workload (identical for both, from one seed): 200 members in 100 conversations
//! of 2 to 10 people, every member connected live (the portal: its event stream
//! `GET /api/live`; Synapse: a `/sync` long-poll loop, `timeout=30000`, after an
//! initial sync that is discarded), then senders at fixed rates (open loop: 10, 50,
//! 200 and 500 messages/s by default, 20 s each, at most 512 sends in flight, the rest
//! counted as skipped) and at saturation (closed loop: 32 senders for 20 s). Each
//! message goes from a random member of a random conversation, through the HTTP API
//! a client uses (the portal's `send_message` server function, Synapse's
//! `PUT /rooms/{room}/send`).
//!
//! Measured at the recipients: send → delivery latency over every (message,
//! recipient other than its sender) pair, deliveries still missing a few seconds
//! after the last send, accepted messages/s, CPU seconds per 1,000 messages of the
//! server process and of PostgreSQL (the backends and autovacuum workers of the
//! system's own database; the cluster is shared), and the server's resident memory.
//!
//! One portal process and one Synapse process (its default monolith), on the same
//! PostgreSQL cluster, never running at the same time.
//!
//! Settings (environment): DATABASE_URL (the portal's database, recreated by the
//! script), SYNAPSE_BENCH_PYTHON and SYNAPSE_BENCH_CONFIG (from `.ci/synapse.sh`),
//! SYNAPSE_BENCH_DB (Synapse's database, default synapse_bench), SYNAPSE_PORT (8448),
//! SYNAPSE_BENCH_PORTAL_PORT (3600), SYNAPSE_BENCH_MEMBERS (200),
//! SYNAPSE_BENCH_CONVERSATIONS (100), SYNAPSE_BENCH_RATES ("10,50,200,500"),
//! SYNAPSE_BENCH_SECONDS (20), SYNAPSE_BENCH_SENDERS (32), SYNAPSE_BENCH_IN_FLIGHT
//! (512), SYNAPSE_BENCH_GRACE_SECONDS (5), SYNAPSE_BENCH_SYSTEMS ("portal,synapse").
//!
//! Run it through `bash .ci/portal.sh synapse-bench`.

use futures_util::StreamExt;
use harness::{
    cpu_ticks, env_or, percentile, portal_command, postgres_cpu_ticks, read_events, rss_kb,
    sibling_server, spawn, ticks_per_second, wait_for_count, wait_until_up, Error, Instance, Rng,
};
use reqwest::{Client, Method};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

struct Settings {
    members: usize,
    conversations: usize,
    rates: Vec<u64>,
    seconds: u64,
    senders: usize,
    in_flight: usize,
    grace: Duration,
    seed: u64,
}

impl Settings {
    fn from_env() -> Settings {
        let rates: String = env_or("SYNAPSE_BENCH_RATES", "10,50,200,500".to_string());
        Settings {
            members: env_or("SYNAPSE_BENCH_MEMBERS", 200usize).max(2),
            conversations: env_or("SYNAPSE_BENCH_CONVERSATIONS", 100usize).max(1),
            rates: rates
                .split(',')
                .filter_map(|r| r.trim().parse().ok())
                .filter(|&r| r > 0)
                .collect(),
            seconds: env_or("SYNAPSE_BENCH_SECONDS", 20u64).max(1),
            senders: env_or("SYNAPSE_BENCH_SENDERS", 32usize).max(1),
            in_flight: env_or("SYNAPSE_BENCH_IN_FLIGHT", 512usize).max(1),
            grace: Duration::from_secs(env_or("SYNAPSE_BENCH_GRACE_SECONDS", 5u64)),
            seed: env_or("SYNAPSE_BENCH_SEED", 0x5eed_2026u64),
        }
    }
}

/// Who is in which conversation (indexes of members), the same for both systems:
/// conversation k has 2 to 10 people, members 2k and 2k+1 (so that everyone is in
/// one at least) and others drawn from the seeded generator.
fn plan(settings: &Settings) -> Vec<Vec<usize>> {
    let n = settings.members;
    let mut rng = Rng(settings.seed);
    (0..settings.conversations)
        .map(|k| {
            let size = (2 + rng.below(9)).min(n);
            let mut people = vec![(2 * k) % n];
            for m in std::iter::once((2 * k + 1) % n).chain(std::iter::repeat_with(|| rng.below(n)))
            {
                if people.len() == size {
                    break;
                }
                if !people.contains(&m) {
                    people.push(m);
                }
            }
            people
        })
        .collect()
}

fn body_of(n: u64) -> String {
    format!("bench message {n}")
}

fn number_of(body: &str) -> Option<u64> {
    body.strip_prefix("bench message ")?.parse().ok()
}

/// Percent-encodes everything but unreserved characters (for URL paths and queries).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Portal,
    Synapse,
}

/// A system under test, set up: its members signed in, their conversations made.
struct System {
    kind: Kind,
    base: String,
    /// Portal: session tokens; Synapse: access tokens.
    tokens: Vec<String>,
    /// Portal: conversation ids; Synapse: room ids, percent-encoded.
    conversations: Vec<String>,
    /// Makes idempotency keys and transaction ids unique to this run.
    run: String,
}

impl System {
    async fn send(&self, client: &Client, sender: usize, conversation: usize, n: u64) -> bool {
        let token = &self.tokens[sender];
        let target = &self.conversations[conversation];
        let response = match self.kind {
            Kind::Portal => {
                client
                    .post(format!("{}/api/send_message", self.base))
                    .header("cookie", format!("portal_session={token}"))
                    .form(&[
                        ("conversation", target.clone()),
                        ("body", body_of(n)),
                        ("key", format!("{}-{n}", self.run)),
                    ])
                    .send()
                    .await
            }
            Kind::Synapse => {
                client
                    .put(format!(
                        "{}/_matrix/client/v3/rooms/{target}/send/m.room.message/{}-{n}",
                        self.base, self.run
                    ))
                    .bearer_auth(token)
                    .header("content-type", "application/json")
                    .body(json!({"msgtype": "m.text", "body": body_of(n)}).to_string())
                    .send()
                    .await
            }
        };
        response.is_ok_and(|r| r.status().is_success())
    }
}

struct Sent {
    at: Instant,
    conversation: usize,
    accepted: bool,
}

/// What the senders sent and the recipients saw.
#[derive(Default)]
struct Board {
    next: AtomicU64,
    sent: Mutex<HashMap<u64, Sent>>,
    /// (message number, recipient, when it arrived)
    deliveries: Mutex<Vec<(u64, usize, Instant)>>,
    delivered: AtomicU64,
    failed: AtomicU64,
    connected: AtomicU64,
    /// Synapse: sync responses whose timeline was cut short (`limited`).
    limited: AtomicU64,
}

impl Board {
    fn record_delivery(&self, body: &str, recipient: usize, at: Instant) {
        let Some(n) = number_of(body) else { return };
        if let Ok(mut d) = self.deliveries.lock() {
            d.push((n, recipient, at));
        }
        self.delivered.fetch_add(1, Ordering::Relaxed);
    }

    /// Waits until `count` members are connected, at most `seconds`.
    async fn all_connected(&self, count: usize, seconds: u64) -> Result<(), Error> {
        let within = Duration::from_secs(seconds);
        wait_for_count(&self.connected, count as u64, within, "members connected").await
    }

    /// Picks the next message (a random conversation, a random member of it) and
    /// notes when it leaves.
    fn start(&self, rng: &mut Rng, plan: &[Vec<usize>]) -> (u64, usize, usize) {
        let conversation = rng.below(plan.len());
        let people = &plan[conversation];
        let sender = people[rng.below(people.len())];
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut sent) = self.sent.lock() {
            sent.insert(
                n,
                Sent {
                    at: Instant::now(),
                    conversation,
                    accepted: false,
                },
            );
        }
        (n, conversation, sender)
    }

    fn finish(&self, n: u64, accepted: bool) {
        if !accepted {
            self.failed.fetch_add(1, Ordering::Relaxed);
        } else if let Ok(mut sent) = self.sent.lock() {
            if let Some(s) = sent.get_mut(&n) {
                s.accepted = true;
            }
        }
    }

    /// Accepted messages among `from..to` and the deliveries they owe.
    fn owed(&self, from: u64, to: u64, plan: &[Vec<usize>]) -> (u64, u64) {
        let Ok(sent) = self.sent.lock() else {
            return (0, 0);
        };
        (from..to)
            .filter_map(|n| sent.get(&n))
            .filter(|s| s.accepted)
            .fold((0, 0), |(m, d), s| {
                (m + 1, d + plan[s.conversation].len() as u64 - 1)
            })
    }

    /// Latencies (ms) of the first delivery of each (accepted message, recipient)
    /// pair among messages `from..to`, and how many deliveries came twice.
    fn latencies(&self, from: u64, to: u64) -> (Vec<f64>, u64) {
        let (Ok(sent), Ok(deliveries)) = (self.sent.lock(), self.deliveries.lock()) else {
            return (Vec::new(), 0);
        };
        let mut seen = HashSet::new();
        let mut latencies = Vec::new();
        let mut twice = 0;
        for (n, recipient, at) in deliveries.iter() {
            if !(from..to).contains(n) {
                continue;
            }
            let Some(s) = sent.get(n).filter(|s| s.accepted) else {
                continue;
            };
            if seen.insert((*n, *recipient)) {
                latencies.push(at.saturating_duration_since(s.at).as_secs_f64() * 1000.0);
            } else {
                twice += 1;
            }
        }
        (latencies, twice)
    }
}

enum Load {
    Rate(u64),
    Saturation(usize),
}

struct Phase {
    label: String,
    target: Option<u64>,
    accepted: u64,
    failed: u64,
    skipped: u64,
    seconds: f64,
    owed: u64,
    delivered: u64,
    twice: u64,
    limited: u64,
    p50: Option<f64>,
    p99: Option<f64>,
    server_cpu: f64,
    postgres_cpu: Option<f64>,
}

impl Phase {
    fn achieved(&self) -> f64 {
        self.accepted as f64 / self.seconds.max(1e-9)
    }

    fn sustained(&self) -> bool {
        self.target
            .is_none_or(|t| self.achieved() >= 0.9 * t as f64)
    }

    fn per_thousand(&self, cpu: f64) -> f64 {
        if self.accepted == 0 {
            f64::NAN
        } else {
            cpu / self.accepted as f64 * 1000.0
        }
    }
}

struct Report {
    name: String,
    phases: Vec<Phase>,
    rss_connected_kb: u64,
    rss_end_kb: u64,
}

/// A system running with its members connected, ready for the phases.
struct Bench {
    system: Arc<System>,
    board: Arc<Board>,
    plan: Arc<Vec<Vec<usize>>>,
    client: Client,
    server_pid: u32,
    pg_port: u16,
    pg_database: String,
    ticks: f64,
}

impl Bench {
    /// `postgres`: the cluster's port and the system's database, whose CPU is counted.
    fn new(
        system: System,
        board: Arc<Board>,
        plan: Arc<Vec<Vec<usize>>>,
        client: Client,
        (pg_port, pg_database): (u16, String),
    ) -> Bench {
        Bench {
            system: Arc::new(system),
            board,
            plan,
            client,
            server_pid: 0,
            pg_port,
            pg_database,
            ticks: ticks_per_second(),
        }
    }

    /// Runs the phases against `instance`, then stops its readers and the server.
    async fn measure(
        mut self,
        settings: &Settings,
        name: &str,
        instance: Instance,
        readers: Vec<JoinHandle<()>>,
    ) -> Result<Report, Error> {
        self.server_pid = instance.pid();
        let report = self.run(settings, name).await;
        readers.iter().for_each(JoinHandle::abort);
        drop(instance);
        report
    }

    async fn phase(&self, settings: &Settings, load: Load) -> Result<Phase, Error> {
        let board = &self.board;
        let from = board.next.load(Ordering::Relaxed);
        let delivered_before = board.delivered.load(Ordering::Relaxed);
        let failed_before = board.failed.load(Ordering::Relaxed);
        let limited_before = board.limited.load(Ordering::Relaxed);
        let cpu_before = cpu_ticks(self.server_pid);
        let own_before = cpu_ticks(std::process::id());
        let pg_before = postgres_cpu_ticks(self.pg_port, &self.pg_database);
        let started = Instant::now();
        let (label, target, skipped) = match load {
            Load::Rate(rate) => {
                let skipped = self.open_loop(settings, rate).await;
                (format!("{rate} msg/s"), Some(rate), skipped)
            }
            Load::Saturation(senders) => {
                self.closed_loop(settings, senders).await?;
                (format!("saturation, {senders} senders"), None, 0)
            }
        };
        let seconds = started.elapsed().as_secs_f64();
        let to = board.next.load(Ordering::Relaxed);
        let (accepted, owed) = board.owed(from, to, &self.plan);
        // Stragglers: wait until every owed delivery came, at most `grace`.
        let waiting = Instant::now();
        while board.delivered.load(Ordering::Relaxed) - delivered_before < owed
            && waiting.elapsed() < settings.grace
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let server_cpu = cpu_ticks(self.server_pid).saturating_sub(cpu_before) as f64 / self.ticks;
        let own_cpu = cpu_ticks(std::process::id()).saturating_sub(own_before) as f64 / self.ticks;
        let postgres_cpu = postgres_cpu_ticks(self.pg_port, &self.pg_database)
            .zip(pg_before)
            .map(|(after, before)| after.saturating_sub(before) as f64 / self.ticks);
        let (mut latencies, twice) = board.latencies(from, to);
        let delivered = latencies.len() as u64;
        let (p50, p99) = if latencies.is_empty() {
            (None, None)
        } else {
            let p50 = percentile(&mut latencies, 0.50);
            (Some(p50), Some(percentile(&mut latencies, 0.99)))
        };
        let phase = Phase {
            label,
            target,
            accepted,
            failed: board.failed.load(Ordering::Relaxed) - failed_before,
            skipped,
            seconds,
            owed,
            delivered,
            twice,
            limited: board.limited.load(Ordering::Relaxed) - limited_before,
            p50,
            p99,
            server_cpu,
            postgres_cpu,
        };
        println!(
            "  {}: {} accepted in {:.1} s ({:.0}/s{}), {} failed, {} skipped; {} of {} deliveries (missing {}, twice {}{}); p50 {} ms, p99 {} ms; CPU server {:.2} s, PostgreSQL {} s, this harness {:.2} s",
            phase.label,
            phase.accepted,
            phase.seconds,
            phase.achieved(),
            if phase.sustained() { "" } else { ", NOT SUSTAINED" },
            phase.failed,
            phase.skipped,
            phase.delivered,
            phase.owed,
            phase.owed.saturating_sub(phase.delivered),
            phase.twice,
            if phase.limited > 0 {
                format!(", {} limited syncs", phase.limited)
            } else {
                String::new()
            },
            ms(phase.p50),
            ms(phase.p99),
            phase.server_cpu,
            phase
                .postgres_cpu
                .map_or("n/a".to_string(), |c| format!("{c:.2}")),
            own_cpu,
        );
        Ok(phase)
    }

    /// Sends at `rate` for the phase's seconds; a send due while `in_flight` are
    /// still unanswered is skipped. Returns how many were skipped.
    async fn open_loop(&self, settings: &Settings, rate: u64) -> u64 {
        let total = rate * settings.seconds;
        let period = Duration::from_nanos(1_000_000_000 / rate);
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let in_flight = Arc::new(AtomicUsize::new(0));
        let mut rng = Rng(settings.seed ^ rate.wrapping_mul(0x9e37_79b9));
        let mut skipped = 0;
        for _ in 0..total {
            tick.tick().await;
            if in_flight.load(Ordering::Relaxed) >= settings.in_flight {
                skipped += 1;
                continue;
            }
            in_flight.fetch_add(1, Ordering::Relaxed);
            let (n, conversation, sender) = self.board.start(&mut rng, &self.plan);
            let (system, client, board, in_flight) = (
                self.system.clone(),
                self.client.clone(),
                self.board.clone(),
                in_flight.clone(),
            );
            tokio::spawn(async move {
                let ok = system.send(&client, sender, conversation, n).await;
                board.finish(n, ok);
                in_flight.fetch_sub(1, Ordering::Relaxed);
            });
        }
        while in_flight.load(Ordering::Relaxed) > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        skipped
    }

    /// `senders` closed-loop senders, each sending its next message as soon as the
    /// last one is answered, for the phase's seconds.
    async fn closed_loop(&self, settings: &Settings, senders: usize) -> Result<(), Error> {
        let stop = Instant::now() + Duration::from_secs(settings.seconds);
        let mut loops = Vec::new();
        for i in 0..senders {
            let (system, client, board, plan) = (
                self.system.clone(),
                self.client.clone(),
                self.board.clone(),
                self.plan.clone(),
            );
            let mut rng = Rng(settings.seed.wrapping_add(1 + i as u64));
            loops.push(tokio::spawn(async move {
                while Instant::now() < stop {
                    let (n, conversation, sender) = board.start(&mut rng, &plan);
                    let ok = system.send(&client, sender, conversation, n).await;
                    board.finish(n, ok);
                }
            }));
        }
        for l in loops {
            l.await?;
        }
        Ok(())
    }

    /// Every phase, with the server's memory once everyone is connected and at the end.
    async fn run(&self, settings: &Settings, name: &str) -> Result<Report, Error> {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let rss_connected_kb = rss_kb(self.server_pid);
        println!(
            "  {} members connected; server RSS {:.1} MB",
            self.board.connected.load(Ordering::Relaxed),
            rss_connected_kb as f64 / 1024.0
        );
        let mut phases = Vec::new();
        for &rate in &settings.rates {
            phases.push(self.phase(settings, Load::Rate(rate)).await?);
        }
        phases.push(
            self.phase(settings, Load::Saturation(settings.senders))
                .await?,
        );
        Ok(Report {
            name: name.to_string(),
            phases,
            rss_connected_kb,
            rss_end_kb: rss_kb(self.server_pid),
        })
    }
}

fn ms(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |v| format!("{v:.1}"))
}

fn send_client() -> Result<Client, Error> {
    Ok(Client::builder()
        .default_headers(harness::same_origin())
        .pool_max_idle_per_host(1024)
        .timeout(Duration::from_secs(120))
        .build()?)
}

/// The port and database name of a `postgres://…:port/db` URL.
fn port_and_database(url: &str) -> (u16, String) {
    let without_query = url.split('?').next().unwrap_or(url);
    let (rest, database) = without_query
        .rsplit_once('/')
        .unwrap_or((without_query, "postgres"));
    let host = rest.rsplit('@').next().unwrap_or(rest);
    let port = host
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or(5432);
    (port, database.to_string())
}

// --- the portal -----------------------------------------------------------------

async fn portal(settings: &Settings, plan: Arc<Vec<Vec<usize>>>) -> Result<Report, Error> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let (pg_port, pg_database) = port_and_database(&url);
    let port: u16 = env_or("SYNAPSE_BENCH_PORTAL_PORT", 3600);
    let setup = Instant::now();

    let pool = server::connect(&url, 4).await?;
    server::MIGRATOR.run(&pool).await?;
    sqlx::query(
        "INSERT INTO members (handle, display_name, email, password_hash, created_at)
         SELECT 'sb' || lpad(n::text, 4, '0'), 'Synapse Bench ' || n, 'sb' || n || '@bench.invalid',
                'x', now() - interval '2 days'
         FROM generate_series(0, $1 - 1) n
         ON CONFLICT (handle) DO NOTHING",
    )
    .bind(settings.members as i64)
    .execute(&pool)
    .await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM members WHERE handle LIKE 'sb%' ORDER BY handle LIMIT $1",
    )
    .bind(settings.members as i64)
    .fetch_all(&pool)
    .await?;
    let mut conversations = Vec::new();
    for people in plan.iter() {
        let members: Vec<i64> = people.iter().map(|&i| ids[i]).collect();
        let parties: Vec<_> = members
            .iter()
            .map(|&id| app::domain::conversation::Party::Member(id))
            .collect();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO conversations (party_key) VALUES ($1)
             ON CONFLICT (party_key) DO UPDATE SET party_key = EXCLUDED.party_key RETURNING id",
        )
        .bind(app::domain::conversation::party_key(&parties))
        .fetch_one(&pool)
        .await?;
        sqlx::query(
            "INSERT INTO conversation_parties (conversation_id, member_id)
             SELECT $1, m FROM unnest($2::bigint[]) m ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(&members)
        .execute(&pool)
        .await?;
        conversations.push(id.to_string());
    }
    let mut tokens = Vec::new();
    for id in &ids {
        tokens.push(
            app::backend::auth::create_session(&pool, *id, 1, "harness")
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    pool.close().await;

    let mut command = portal_command(&sibling_server()?, &url, port);
    let mut instance = spawn(command.env("RUST_LOG", "warn"), port)?;
    let client = send_client()?;
    wait_until_up(
        &client,
        &format!("{}/healthz", instance.url),
        Duration::from_secs(30),
    )
    .await?;
    if instance.exited() {
        return Err(format!("the portal exited at once: is port {port} taken?").into());
    }

    let board = Arc::new(Board::default());
    let stream_client = Client::builder()
        .default_headers(harness::same_origin())
        .build()?;
    let mut readers: Vec<JoinHandle<()>> = Vec::new();
    for (member, token) in tokens.iter().enumerate() {
        let request = stream_client
            .get(format!("{}/api/live", instance.url))
            .header("cookie", format!("portal_session={token}"));
        readers.push(tokio::spawn(live_stream(request, member, board.clone())));
    }
    board.all_connected(tokens.len(), 60).await?;
    println!(
        "portal: set up and connected in {:.1} s (one process, pid {})",
        setup.elapsed().as_secs_f64(),
        instance.pid()
    );
    let system = System {
        kind: Kind::Portal,
        base: instance.url.clone(),
        tokens,
        conversations,
        run: format!("synapse-bench-{}", std::process::id()),
    };
    Bench::new(system, board, plan, client, (pg_port, pg_database))
        .measure(settings, "portal", instance, readers)
        .await
}

/// One member's live stream, reopened whenever it ends (events in between are lost
/// and count as missing).
async fn live_stream(request: reqwest::RequestBuilder, member: usize, board: Arc<Board>) {
    loop {
        let response = request.try_clone().map(|r| r.send());
        let response = match response {
            Some(sending) => sending.await,
            None => return,
        };
        if let Ok(response) = response {
            read_events(response, |event| match event["type"].as_str() {
                Some("hello") => {
                    board.connected.fetch_add(1, Ordering::Relaxed);
                }
                Some("message") if event["message"]["mine"] == false => {
                    if let Some(body) = event["message"]["body"].as_str() {
                        board.record_delivery(body, member, Instant::now());
                    }
                }
                _ => {}
            })
            .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// --- Synapse --------------------------------------------------------------------

/// One client-server API call; the JSON answer, or the status and body as the error.
async fn matrix(
    client: &Client,
    method: Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> Result<Value, Error> {
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await?;
    let status = response.status();
    let bytes = response.bytes().await?;
    if !status.is_success() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)).into());
    }
    Ok(serde_json::from_slice(&bytes)?)
}

/// Runs `calls` futures at most `width` at a time, in order; the first error stops.
async fn in_batches<T, F>(width: usize, calls: Vec<F>) -> Result<Vec<T>, Error>
where
    F: std::future::Future<Output = Result<T, Error>>,
{
    futures_util::stream::iter(calls)
        .buffered(width)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

async fn synapse(settings: &Settings, plan: Arc<Vec<Vec<usize>>>) -> Result<Report, Error> {
    let python = std::env::var("SYNAPSE_BENCH_PYTHON")
        .map_err(|_| "SYNAPSE_BENCH_PYTHON is not set (bash .ci/synapse.sh prints it)")?;
    let config = std::path::PathBuf::from(
        std::env::var("SYNAPSE_BENCH_CONFIG")
            .map_err(|_| "SYNAPSE_BENCH_CONFIG is not set (bash .ci/synapse.sh prints it)")?,
    );
    let database_url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let (pg_port, _) = port_and_database(&database_url);
    let pg_database: String = env_or("SYNAPSE_BENCH_DB", "synapse_bench".to_string());
    let port: u16 = env_or("SYNAPSE_PORT", 8448);
    let folder = config.parent().ok_or("the configuration has no folder")?;
    let log = std::fs::File::create(folder.join("synapse.log"))?;
    let setup = Instant::now();

    let mut command = Command::new(&python);
    command
        .args(["-m", "synapse.app.homeserver", "--config-path"])
        .arg(&config)
        .current_dir(folder)
        .stdout(Stdio::null())
        .stderr(log);
    let mut instance = spawn(&mut command, port)?;
    let base = instance.url.clone();
    let client = send_client()?;
    wait_until_up(&client, &format!("{base}/health"), Duration::from_secs(180)).await?;
    if instance.exited() {
        let log = folder.join("synapse.log");
        return Err(format!(
            "Synapse exited at once (port {port} taken?): see {}",
            log.display()
        )
        .into());
    }
    let version = matrix(
        &client,
        Method::GET,
        format!("{base}/_synapse/admin/v1/server_version"),
        None,
        None,
    )
    .await
    .ok()
    // Without what it adds when it runs inside a git checkout, "(b=main,…)".
    .and_then(|v| {
        v["server_version"]
            .as_str()
            .and_then(|v| v.split_whitespace().next())
            .map(str::to_string)
    })
    .unwrap_or_else(|| "?".to_string());

    // Accounts: open registration (only this instance, on 127.0.0.1, allows it).
    let registrations = (0..settings.members)
        .map(|i| {
            let (client, base) = (&client, &base);
            async move {
                let body = json!({
                    "username": format!("sb{i:04}"),
                    "password": format!("bench-password-{i}"),
                    "auth": {"type": "m.login.dummy"},
                    "initial_device_display_name": "synapse-bench",
                });
                let answer = matrix(
                    client,
                    Method::POST,
                    format!("{base}/_matrix/client/v3/register"),
                    None,
                    Some(body),
                )
                .await?;
                let token = answer["access_token"].as_str().ok_or("no access token")?;
                let user = answer["user_id"].as_str().ok_or("no user id")?;
                Ok((token.to_string(), user.to_string()))
            }
        })
        .collect();
    let accounts: Vec<(String, String)> = in_batches(8, registrations).await?;

    // Rooms: private, the first member creates it and invites the others, who join.
    let creations = plan
        .iter()
        .map(|people| {
            let (client, base, accounts) = (&client, &base, &accounts);
            async move {
                let invite: Vec<&str> = people[1..]
                    .iter()
                    .map(|&i| accounts[i].1.as_str())
                    .collect();
                let answer = matrix(
                    client,
                    Method::POST,
                    format!("{base}/_matrix/client/v3/createRoom"),
                    Some(&accounts[people[0]].0),
                    Some(json!({
                        "preset": "private_chat",
                        "invite": invite,
                        "is_direct": people.len() == 2,
                    })),
                )
                .await?;
                let room = answer["room_id"].as_str().ok_or("no room id")?;
                Ok(encode(room))
            }
        })
        .collect();
    let rooms: Vec<String> = in_batches(4, creations).await?;
    let joins = plan
        .iter()
        .zip(&rooms)
        .flat_map(|(people, room)| people[1..].iter().map(move |&i| (i, room)))
        .map(|(i, room)| {
            let (client, base, accounts) = (&client, &base, &accounts);
            async move {
                matrix(
                    client,
                    Method::POST,
                    format!("{base}/_matrix/client/v3/rooms/{room}/join"),
                    Some(&accounts[i].0),
                    Some(json!({})),
                )
                .await
                .map(|_| ())
            }
        })
        .collect();
    in_batches(8, joins).await?;

    // Synapse runs background updates on a new database; they would be measured too.
    let waited = background_updates_done(&database_url, &pg_database).await?;
    println!("synapse: its background updates finished ({waited:.1} s waited)");

    let board = Arc::new(Board::default());
    let sync_client = Client::builder()
        .default_headers(harness::same_origin())
        .timeout(Duration::from_secs(120))
        .build()?;
    let mut readers: Vec<JoinHandle<()>> = Vec::new();
    for (member, (token, user)) in accounts.iter().enumerate() {
        readers.push(tokio::spawn(sync_loop(
            sync_client.clone(),
            base.clone(),
            token.clone(),
            user.clone(),
            member,
            board.clone(),
        )));
    }
    board.all_connected(accounts.len(), 180).await?;
    println!(
        "synapse {version}: set up ({} accounts, {} rooms, invites and joins) and connected in {:.1} s (one process, the monolith, pid {})",
        accounts.len(),
        rooms.len(),
        setup.elapsed().as_secs_f64(),
        instance.pid()
    );
    let system = System {
        kind: Kind::Synapse,
        base,
        tokens: accounts.into_iter().map(|(token, _)| token).collect(),
        conversations: rooms,
        run: format!("sb{}", std::process::id()),
    };
    Bench::new(system, board, plan, client, (pg_port, pg_database))
        .measure(settings, &format!("synapse {version}"), instance, readers)
        .await
}

/// Waits (at most five minutes) until Synapse's database has no background update
/// left to run; how long that took, in seconds.
async fn background_updates_done(portal_url: &str, database: &str) -> Result<f64, Error> {
    let base = portal_url.split('?').next().unwrap_or(portal_url);
    let url = format!(
        "{}/{database}",
        base.rsplit_once('/').map_or(base, |(b, _)| b)
    );
    let pool = server::connect(&url, 1).await?;
    let started = Instant::now();
    loop {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM background_updates")
            .fetch_one(&pool)
            .await?;
        if left == 0 {
            break;
        }
        if started.elapsed() > Duration::from_secs(300) {
            return Err(format!("Synapse still has {left} background updates to run").into());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    pool.close().await;
    Ok(started.elapsed().as_secs_f64())
}

/// One member's `/sync` loop: an initial sync (discarded), then long-polls from
/// its `next_batch`, recording others' messages as they arrive.
async fn sync_loop(
    client: Client,
    base: String,
    token: String,
    user: String,
    member: usize,
    board: Arc<Board>,
) {
    // Uploaded once, then named by its id, as clients do.
    let filter = json!({"room": {"timeline": {"limit": 50}}, "presence": {"types": []}});
    let filter = loop {
        let answer = matrix(
            &client,
            Method::POST,
            format!("{base}/_matrix/client/v3/user/{}/filter", encode(&user)),
            Some(&token),
            Some(filter.clone()),
        )
        .await;
        match answer.map(|a| a["filter_id"].as_str().map(encode)) {
            Ok(Some(id)) => break id,
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    let mut since: Option<String> = None;
    loop {
        let url = match &since {
            None => format!("{base}/_matrix/client/v3/sync?filter={filter}&timeout=0"),
            Some(since) => format!(
                "{base}/_matrix/client/v3/sync?filter={filter}&timeout=30000&since={}",
                encode(since)
            ),
        };
        let answer = match matrix(&client, Method::GET, url, Some(&token), None).await {
            Ok(answer) => answer,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let arrived = Instant::now();
        if since.is_some() {
            let rooms = answer["rooms"]["join"].as_object();
            for room in rooms.into_iter().flat_map(|r| r.values()) {
                if room["timeline"]["limited"] == true {
                    board.limited.fetch_add(1, Ordering::Relaxed);
                }
                let events = room["timeline"]["events"].as_array();
                for event in events.into_iter().flatten() {
                    if event["type"] == "m.room.message" && event["sender"] != user.as_str() {
                        if let Some(body) = event["content"]["body"].as_str() {
                            board.record_delivery(body, member, arrived);
                        }
                    }
                }
            }
        }
        let Some(next) = answer["next_batch"].as_str() else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        if since.is_none() {
            board.connected.fetch_add(1, Ordering::Relaxed);
        }
        since = Some(next.to_string());
    }
}

// --- the table ------------------------------------------------------------------

/// How many times better the portal is: `lower` says whether less is better.
fn advantage(portal: f64, synapse: f64, lower: bool) -> String {
    let ratio = if lower {
        synapse / portal
    } else {
        portal / synapse
    };
    if ratio.is_finite() && ratio > 0.0 {
        format!("{ratio:.1}×")
    } else {
        "-".to_string()
    }
}

fn print_table(reports: &[Report]) {
    let names: Vec<&str> = reports.iter().map(|r| r.name.as_str()).collect();
    let two = reports.len() == 2;
    println!();
    if two {
        println!("| metric | {} | {} | portal ahead by |", names[0], names[1]);
        println!("|---|---|---|---|");
    } else {
        println!("| metric | {} |", names.join(" | "));
        println!("|---|{}", "---|".repeat(reports.len()));
    }
    let row = |metric: String, cells: Vec<String>, values: Option<(f64, f64, bool)>| {
        let ratio = match values {
            Some((p, s, lower)) if two => format!(" {} |", advantage(p, s, lower)),
            _ if two => " - |".to_string(),
            _ => String::new(),
        };
        println!("| {metric} | {} |{ratio}", cells.join(" | "));
    };
    let count = reports.iter().map(|r| r.phases.len()).min().unwrap_or(0);
    for k in 0..count {
        let phases: Vec<&Phase> = reports.iter().map(|r| &r.phases[k]).collect();
        let label = &phases[0].label;
        let pick = |f: &dyn Fn(&Phase) -> f64, lower: bool| {
            two.then(|| (f(phases[0]), f(phases[1]), lower))
        };
        row(
            format!("{label}: accepted msg/s"),
            phases
                .iter()
                .map(|p| {
                    format!(
                        "{:.0}{}",
                        p.achieved(),
                        if p.sustained() {
                            ""
                        } else {
                            " (not sustained)"
                        }
                    )
                })
                .collect(),
            pick(&|p| p.achieved(), false),
        );
        row(
            format!("{label}: sends failed / skipped"),
            phases
                .iter()
                .map(|p| format!("{} / {}", p.failed, p.skipped))
                .collect(),
            None,
        );
        row(
            format!("{label}: delivery p50 ms"),
            phases.iter().map(|p| ms(p.p50)).collect(),
            pick(&|p| p.p50.unwrap_or(f64::NAN), true),
        );
        row(
            format!("{label}: delivery p99 ms"),
            phases.iter().map(|p| ms(p.p99)).collect(),
            pick(&|p| p.p99.unwrap_or(f64::NAN), true),
        );
        row(
            format!("{label}: deliveries missing / owed"),
            phases
                .iter()
                .map(|p| format!("{} / {}", p.owed.saturating_sub(p.delivered), p.owed))
                .collect(),
            None,
        );
        row(
            format!("{label}: server CPU s per 1,000 msgs"),
            phases
                .iter()
                .map(|p| format!("{:.2}", p.per_thousand(p.server_cpu)))
                .collect(),
            pick(&|p| p.per_thousand(p.server_cpu), true),
        );
        row(
            format!("{label}: PostgreSQL CPU s per 1,000 msgs"),
            phases
                .iter()
                .map(|p| {
                    p.postgres_cpu
                        .map_or("n/a".to_string(), |c| format!("{:.2}", p.per_thousand(c)))
                })
                .collect(),
            pick(
                &|p| p.postgres_cpu.map_or(f64::NAN, |c| p.per_thousand(c)),
                true,
            ),
        );
    }
    let mb = |kb: u64| kb as f64 / 1024.0;
    row(
        "server RSS MB, all members connected".to_string(),
        reports
            .iter()
            .map(|r| format!("{:.1}", mb(r.rss_connected_kb)))
            .collect(),
        two.then(|| {
            (
                mb(reports[0].rss_connected_kb),
                mb(reports[1].rss_connected_kb),
                true,
            )
        }),
    );
    row(
        "server RSS MB, at the end".to_string(),
        reports
            .iter()
            .map(|r| format!("{:.1}", mb(r.rss_end_kb)))
            .collect(),
        two.then(|| (mb(reports[0].rss_end_kb), mb(reports[1].rss_end_kb), true)),
    );
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let settings = Settings::from_env();
    let plan = Arc::new(plan(&settings));
    let memberships: usize = plan.iter().map(Vec::len).sum();
    println!(
        "workload: {} members in {} conversations of 2 to 10 ({memberships} memberships); rates {:?} msg/s for {} s each (open loop, at most {} in flight), then {} closed-loop senders for {} s",
        settings.members,
        settings.conversations,
        settings.rates,
        settings.seconds,
        settings.in_flight,
        settings.senders,
        settings.seconds
    );
    println!(
        "one portal process (release build, spam limits raised, no SMTP) and one Synapse process (the monolith), one after the other, on the same PostgreSQL cluster; the harness runs on the same machine"
    );
    let systems: String = env_or("SYNAPSE_BENCH_SYSTEMS", "portal,synapse".to_string());
    let mut reports = Vec::new();
    for system in systems.split(',').map(str::trim) {
        println!("== {system}");
        reports.push(match system {
            "portal" => portal(&settings, plan.clone()).await?,
            "synapse" => synapse(&settings, plan.clone()).await?,
            other => return Err(format!("unknown system {other}").into()),
        });
    }
    print_table(&reports);
    Ok(())
}
