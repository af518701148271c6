//! Live delivery benchmark: two server instances (real processes; another
//! number with `BENCH_LIVE_INSTANCES`) on one PostgreSQL, 1,000 members each
//! with a live stream open (spread over them), 500 one-to-one conversations. It
//! measures
//! - memory per idle live connection: a third instance alone with 10,000 streams,
//!   its resident memory before and after they open, divided by their number,
//! - send → delivery latency at the recipient at a steady rate (default 500/s),
//! - accepted sends per second at saturation (closed-loop senders),
//! - typing: every member announcing "typing" as often as the page may (once
//!   every `TYPING_EVERY`), the announcements delivered a second and their
//!   delivery latency at the other member's stream.
//!
//! Sends go through the HTTP server function, as a browser's do.
//!
//! Run it through `bash .ci/portal.sh live-bench` (release build, own database).

use harness::{
    env_or, percentile, portal_command, rss_kb, spawn, wait_for_count, wait_until_up, Error,
};
use reqwest::Client;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Deliveries seen by the recipients: message body → when it arrived.
#[derive(Default)]
struct Board {
    sent: Mutex<HashMap<String, Instant>>,
    latencies_ms: Mutex<Vec<f64>>,
    /// When each recorded delivery was sent, with its latency: where in a phase
    /// the slow ones fall.
    timeline: Mutex<Vec<(Instant, f64)>>,
    delivered: AtomicU64,
    hellos: AtomicU64,
    /// When each member (by index) last announced typing.
    typing_sent: Mutex<HashMap<usize, Instant>>,
    typing_latencies_ms: Mutex<Vec<f64>>,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let connections: usize = env_or("BENCH_LIVE_CONNECTIONS", 1000);
    let rate: u64 = env_or("BENCH_LIVE_RATE", 500);
    let seconds: u64 = env_or("BENCH_LIVE_SECONDS", 10);
    let senders: usize = env_or("BENCH_LIVE_SENDERS", 32);
    let idle_streams: usize = env_or("BENCH_IDLE_STREAMS", 10_000);
    let connections = connections - connections % 2;
    // As the server does: each stream is a descriptor on both sides.
    let file_limit = server::serve::raise_file_limit();

    let pool = server::connect(&url, 8).await?;
    server::MIGRATOR.run(&pool).await?;
    // Every commit on disk before it is answered: the figure for `sends_per_s_durable`.
    let (fsync, synchronous_commit): (String, String) =
        sqlx::query_as("SELECT current_setting('fsync'), current_setting('synchronous_commit')")
            .fetch_one(&pool)
            .await?;
    let durable = fsync == "on" && synchronous_commit == "on";
    println!("PostgreSQL: fsync {fsync}, synchronous_commit {synchronous_commit}");
    let (members, conversations) = seed(
        &pool,
        connections.max(idle_streams) as i64,
        connections as i64,
    )
    .await?;
    let mut tokens = Vec::with_capacity(members.len());
    for id in &members {
        tokens.push(
            app::backend::auth::create_session(&pool, *id, 1, "live benchmark")
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    let server = harness::sibling_server()?;
    let base_port: u16 = env_or("BENCH_LIVE_PORT", 3300);

    // Memory per idle stream: `idle_streams` members, a stream each, on one instance.
    let idle_conn_kb = idle_memory(&server, &url, base_port + 10, &tokens[..idle_streams]).await?;
    println!("(open-file limit {file_limit})");
    let tokens = &tokens[..connections];

    // Two real server processes, as behind a load balancer.
    let count: u16 = env_or("BENCH_LIVE_INSTANCES", 2);
    let mut instances = Vec::new();
    for i in 0..count.max(1) {
        let port = base_port + i;
        // 1,000 members sending 500 messages a second is 30 a minute each: above
        // the spam limit, which is still checked on every send, just not reached.
        let mut command = portal_command(&server, &url, port);
        instances.push(spawn(command.env("RUST_LOG", "warn"), port)?);
    }
    let client = Client::builder()
        .default_headers(harness::same_origin())
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()?;
    for instance in &instances {
        let healthz = format!("{}/healthz", instance.url);
        wait_until_up(&client, &healthz, Duration::from_secs(30)).await?;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before: u64 = instances.iter().map(|i| rss_kb(i.pid())).sum();

    // Every member connects; even members to one instance, odd to the other.
    let board = Arc::new(Board::default());
    let recording = Arc::new(AtomicBool::new(false));
    let stream_client = Client::builder()
        .default_headers(harness::same_origin())
        .build()?;
    for (i, token) in tokens.iter().enumerate() {
        let url = format!("{}/api/live", instances[i % instances.len()].url);
        let request = stream_client
            .get(url)
            .header("cookie", format!("portal_session={token}"));
        tokio::spawn(read_stream(request, i, board.clone(), recording.clone()));
    }
    let within = Duration::from_secs(60);
    wait_for_count(
        &board.hellos,
        connections as u64,
        within,
        "live connections opened",
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_after: u64 = instances.iter().map(|i| rss_kb(i.pid())).sum();
    println!(
        "{connections} live connections over {} instances: servers' RSS {rss_before} KB → {rss_after} KB ({:.1} KB each)",
        instances.len(),
        rss_after.saturating_sub(rss_before) as f64 / connections as f64
    );

    // Conversation k is between members 2k and 2k+1; the sender alternates.
    let pairs: Pairs = Arc::new(
        conversations
            .iter()
            .enumerate()
            .map(|(k, c)| (*c, tokens[2 * k].clone(), tokens[2 * k + 1].clone()))
            .collect(),
    );
    let urls: Arc<Vec<String>> = Arc::new(instances.iter().map(|i| i.url.clone()).collect());

    let counter = Arc::new(AtomicU64::new(0));
    let accepted = Arc::new(AtomicU64::new(0));
    let offer = |total: u64| {
        offer_at_rate(
            rate,
            total,
            (client.clone(), pairs.clone(), urls.clone()),
            (board.clone(), counter.clone(), accepted.clone()),
        )
    };
    // Warming up: the first sends after the servers start open their database
    // connections and prepare each statement on each; reported, not counted.
    recording.store(true, Ordering::Relaxed);
    let started = Instant::now();
    offer(rate * WARM_UP_SECONDS).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!(
        "warming up at {rate}/s, delivery p99 of the sends of each second: {}",
        per_second_p99(&board, started)
    );
    board.latencies_ms.lock().map(|mut l| l.clear()).ok();
    board.timeline.lock().map(|mut t| t.clear()).ok();
    accepted.store(0, Ordering::Relaxed);

    // Steady rate.
    let total = rate * seconds;
    let started = Instant::now();
    offer(total).await;
    let offered = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    recording.store(false, Ordering::Relaxed);
    let steady_accepted = accepted.load(Ordering::Relaxed);
    let (p50, p99, delivered) = figures(&board);
    println!(
        "steady, delivery p99 of the sends of each second: {}",
        per_second_p99(&board, started)
    );
    println!(
        "steady: {total} sends offered at {rate}/s over {:.1} s; {steady_accepted} accepted, {delivered} delivered to their recipient; delivery p50 {p50:.2} ms, p99 {p99:.2} ms",
        offered.as_secs_f64()
    );

    // Saturation: closed-loop senders for `seconds`.
    board.latencies_ms.lock().map(|mut l| l.clear()).ok();
    board.timeline.lock().map(|mut t| t.clear()).ok();
    board.delivered.store(0, Ordering::Relaxed);
    accepted.store(0, Ordering::Relaxed);
    recording.store(true, Ordering::Relaxed);
    let stop = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    // How full PostgreSQL's NOTIFY queue gets (a fraction of its 8 GB; a listener
    // that falls behind holds it full, and then sends would fail).
    let queue_sampler = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut highest = 0f64;
            while Instant::now() < stop {
                if let Ok(usage) =
                    sqlx::query_scalar::<_, f64>("SELECT pg_notification_queue_usage()")
                        .fetch_one(&pool)
                        .await
                {
                    highest = highest.max(usage);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            highest
        })
    };
    let mut loops = Vec::new();
    for _ in 0..senders {
        let (client, pairs, urls, board, counter, accepted) = (
            client.clone(),
            pairs.clone(),
            urls.clone(),
            board.clone(),
            counter.clone(),
            accepted.clone(),
        );
        loops.push(tokio::spawn(async move {
            while Instant::now() < stop {
                send_one(
                    client.clone(),
                    pairs.clone(),
                    urls.clone(),
                    board.clone(),
                    counter.clone(),
                    accepted.clone(),
                )
                .await;
            }
        }));
    }
    for l in loops {
        let _ = l.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    recording.store(false, Ordering::Relaxed);
    let saturated = accepted.load(Ordering::Relaxed);
    let (sp50, sp99, sdelivered) = figures(&board);
    let sends_per_s = saturated as f64 / elapsed;
    let queue_usage = queue_sampler.await.unwrap_or(0.0);
    println!(
        "saturation: {senders} closed-loop senders for {elapsed:.1} s on {} instances: {saturated} accepted ({sends_per_s:.0}/s), {sdelivered} delivered; delivery p50 {sp50:.2} ms, p99 {sp99:.2} ms; NOTIFY queue at most {:.4}% full",
        instances.len(),
        queue_usage * 100.0
    );

    // Typing: every member announces it in their conversation once every
    // `TYPING_EVERY` (as often as the page may), spread evenly, for `seconds`.
    // A little over the gate's interval, so no announcement meets a closed gate.
    let every = app::model::live::TYPING_EVERY + Duration::from_millis(100);
    let typing_accepted = Arc::new(AtomicU64::new(0));
    let typing_offered = Arc::new(AtomicU64::new(0));
    let stop = Instant::now() + Duration::from_secs(seconds) + every;
    let started = Instant::now();
    let mut typists = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let (client, board, accepted, offered) = (
            client.clone(),
            board.clone(),
            typing_accepted.clone(),
            typing_offered.clone(),
        );
        let (token, conversation) = (token.clone(), conversations[i / 2]);
        let url = format!("{}/api/typing", instances[i % instances.len()].url);
        let offset = every.mul_f64(i as f64 / tokens.len() as f64);
        typists.push(tokio::spawn(async move {
            tokio::time::sleep(offset).await;
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if Instant::now() >= stop {
                    return;
                }
                if let Ok(mut sent) = board.typing_sent.lock() {
                    sent.insert(i, Instant::now());
                }
                offered.fetch_add(1, Ordering::Relaxed);
                let answer = client
                    .post(&url)
                    .header("cookie", format!("portal_session={token}"))
                    .form(&[("conversation", conversation.to_string())])
                    .send()
                    .await;
                if answer.is_ok_and(|a| a.status().is_success()) {
                    accepted.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for typist in typists {
        let _ = typist.await;
    }
    let typing_elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut typing = board
        .typing_latencies_ms
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default();
    let typing_delivered = typing.len();
    let typing_per_s = typing_delivered as f64 / typing_elapsed;
    let (tp50, tp99) = (percentile(&mut typing, 0.50), percentile(&mut typing, 0.99));
    println!(
        "typing: {} members announcing every {:.1} s for {typing_elapsed:.1} s: {} offered, {} accepted, {typing_delivered} delivered ({typing_per_s:.0}/s); delivery p50 {tp50:.2} ms, p99 {tp99:.2} ms",
        tokens.len(),
        every.as_secs_f64(),
        typing_offered.load(Ordering::Relaxed),
        typing_accepted.load(Ordering::Relaxed),
    );

    println!();
    println!("| metric | value | target |");
    println!("|---|---|---|");
    println!("| delivery_p50_ms | {p50:.2} | < 10 at {rate} msg/s |");
    println!("| delivery_p99_ms | {p99:.2} | < 50 at {rate} msg/s |");
    if durable {
        println!("| sends_per_s_durable | {sends_per_s:.0} | >= 1000 |");
    } else {
        println!("| sends_per_s | {sends_per_s:.0} | >= 2000 |");
    }
    println!(
        "| idle_conn_kb | {idle_conn_kb:.1} ({idle_streams} streams on one instance) | <= 8 |"
    );
    println!("| typing_events_per_s | {typing_per_s:.0} | sustained by {} members, delivery p99 <= 100 |", tokens.len());
    println!("| typing_delivery_p99_ms | {tp99:.2} | <= 100 |");
    drop(instances);
    Ok(())
}

/// Each conversation with the session tokens of its two members.
type Pairs = Arc<Vec<(i64, String, String)>>;

/// Seconds of sends at the steady rate before it is measured.
const WARM_UP_SECONDS: u64 = 2;

/// Sends `total` messages at `rate` a second (each on its own task); returns
/// once all were answered.
async fn offer_at_rate(
    rate: u64,
    total: u64,
    (client, pairs, urls): (Client, Pairs, Arc<Vec<String>>),
    (board, counter, accepted): (Arc<Board>, Arc<AtomicU64>, Arc<AtomicU64>),
) {
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::new();
    for _ in 0..total {
        tick.tick().await;
        tasks.push(tokio::spawn(send_one(
            client.clone(),
            pairs.clone(),
            urls.clone(),
            board.clone(),
            counter.clone(),
            accepted.clone(),
        )));
    }
    for task in tasks {
        let _ = task.await;
    }
}

async fn send_one(
    client: Client,
    pairs: Pairs,
    urls: Arc<Vec<String>>,
    board: Arc<Board>,
    counter: Arc<AtomicU64>,
    accepted: Arc<AtomicU64>,
) {
    let n = counter.fetch_add(1, Ordering::Relaxed);
    let (conversation, first, second) = &pairs[(n as usize * 7919) % pairs.len()];
    let token = if n.is_multiple_of(2) { first } else { second };
    let url = &urls[(n as usize / 3) % urls.len()];
    let body = format!("bench {n}");
    if let Ok(mut sent) = board.sent.lock() {
        sent.insert(body.clone(), Instant::now());
    }
    let response = client
        .post(format!("{url}/api/send_message"))
        .header("cookie", format!("portal_session={token}"))
        .form(&[
            ("conversation", conversation.to_string()),
            ("body", body),
            ("key", format!("live-bench-{}-{n:010}", std::process::id())),
        ])
        .send()
        .await;
    if response.is_ok_and(|r| r.status().is_success()) {
        accepted.fetch_add(1, Ordering::Relaxed);
    }
}

/// The p99 delivery latency of the sends of each second since `started`, in ms.
fn per_second_p99(board: &Board, started: Instant) -> String {
    let timeline = board.timeline.lock().map(|t| t.clone()).unwrap_or_default();
    let mut seconds: Vec<Vec<f64>> = Vec::new();
    for (sent, latency) in timeline {
        let second = sent.saturating_duration_since(started).as_secs() as usize;
        if seconds.len() <= second {
            seconds.resize(second + 1, Vec::new());
        }
        seconds[second].push(latency);
    }
    seconds
        .iter_mut()
        .map(|l| format!("{:.0}", percentile(l, 0.99)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn figures(board: &Board) -> (f64, f64, u64) {
    let mut latencies = board
        .latencies_ms
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default();
    let p50 = percentile(&mut latencies, 0.50);
    (
        p50,
        percentile(&mut latencies, 0.99),
        latencies.len() as u64,
    )
}

/// Reads one member's live stream, recording when others' messages arrive.
async fn read_stream(
    request: reqwest::RequestBuilder,
    me: usize,
    board: Arc<Board>,
    recording: Arc<AtomicBool>,
) {
    let Ok(response) = request.send().await else {
        return;
    };
    harness::read_events(response, |event| match event["type"].as_str() {
        Some("hello") => {
            board.hellos.fetch_add(1, Ordering::Relaxed);
        }
        // Conversation k is between members 2k and 2k+1: the typist is the other one.
        Some("typing") => {
            let arrived = Instant::now();
            let sent = board
                .typing_sent
                .lock()
                .ok()
                .and_then(|s| s.get(&(me ^ 1)).copied());
            if let (Some(sent), Ok(mut l)) = (sent, board.typing_latencies_ms.lock()) {
                l.push((arrived - sent).as_secs_f64() * 1000.0);
            }
        }
        Some("message") if event["message"]["mine"] == false => {
            let arrived = Instant::now();
            let Some(body) = event["message"]["body"].as_str() else {
                return;
            };
            let sent = board.sent.lock().ok().and_then(|s| s.get(body).copied());
            if let (Some(sent), true) = (sent, recording.load(Ordering::Relaxed)) {
                board.delivered.fetch_add(1, Ordering::Relaxed);
                let latency = (arrived - sent).as_secs_f64() * 1000.0;
                if let Ok(mut l) = board.latencies_ms.lock() {
                    l.push(latency);
                }
                if let Ok(mut t) = board.timeline.lock() {
                    t.push((sent, latency));
                }
            }
        }
        _ => {}
    })
    .await;
}

/// The resident memory an idle live stream costs: one server process, its
/// resident memory before and after `tokens.len()` streams opened and went idle,
/// divided by their number.
async fn idle_memory(
    server: &std::path::Path,
    url: &str,
    port: u16,
    tokens: &[String],
) -> Result<f64, Error> {
    let mut command = portal_command(server, url, port);
    let instance = spawn(
        command
            .env("RUST_LOG", "warn")
            .env("PORTAL_MAX_LIVE_STREAMS", (tokens.len() + 100).to_string()),
        port,
    )?;
    let client = Client::builder()
        .default_headers(harness::same_origin())
        .build()?;
    wait_until_up(
        &client,
        &format!("{}/healthz", instance.url),
        Duration::from_secs(30),
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kb(instance.pid());
    let board = Arc::new(Board::default());
    let recording = Arc::new(AtomicBool::new(false));
    // In waves of a few hundred, as the kernel's accept queue would let them in.
    let mut readers = Vec::with_capacity(tokens.len());
    for (wave, chunk) in tokens.chunks(500).enumerate() {
        for (j, token) in chunk.iter().enumerate() {
            let request = client
                .get(format!("{}/api/live", instance.url))
                .header("cookie", format!("portal_session={token}"));
            readers.push(tokio::spawn(read_stream(
                request,
                wave * 500 + j,
                board.clone(),
                recording.clone(),
            )));
        }
        wait_for_count(
            &board.hellos,
            readers.len() as u64,
            Duration::from_secs(60),
            "idle live connections opened",
        )
        .await?;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kb(instance.pid());
    let per_stream = after.saturating_sub(before) as f64 / tokens.len() as f64;
    println!(
        "{} idle live connections on one instance: its RSS {before} KB → {after} KB ({per_stream:.1} KB each)",
        tokens.len()
    );
    for reader in readers {
        reader.abort();
    }
    drop(instance);
    Ok(per_stream)
}

/// `count` members named lb…, the first `paired` paired into one-to-one
/// conversations (once).
async fn seed(pool: &PgPool, count: i64, paired: i64) -> Result<(Vec<i64>, Vec<i64>), Error> {
    sqlx::query(
        "INSERT INTO members (handle, display_name, email, password_hash)
         SELECT 'lb' || lpad(n::text, 5, '0'), 'Live Bench ' || n, 'lb' || n || '@bench.invalid', 'x'
         FROM generate_series(0, $1 - 1) n
         ON CONFLICT (handle) DO NOTHING",
    )
    .bind(count)
    .execute(pool)
    .await?;
    let members: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM members WHERE handle LIKE 'lb%' ORDER BY handle LIMIT $1",
    )
    .bind(count)
    .fetch_all(pool)
    .await?;
    let mut conversations = Vec::new();
    for pair in members[..paired as usize].chunks(2) {
        let [a, b] = pair else { break };
        let parties = [
            app::domain::conversation::Party::Member(*a),
            app::domain::conversation::Party::Member(*b),
        ];
        let key = app::domain::conversation::party_key(&parties);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO conversations (party_key) VALUES ($1)
             ON CONFLICT (party_key) DO UPDATE SET party_key = EXCLUDED.party_key RETURNING id",
        )
        .bind(&key)
        .fetch_one(pool)
        .await?;
        sqlx::query(
            "INSERT INTO conversation_parties (conversation_id, member_id)
             VALUES ($1, $2), ($1, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(a)
        .bind(b)
        .execute(pool)
        .await?;
        conversations.push(id);
    }
    Ok((members, conversations))
}
