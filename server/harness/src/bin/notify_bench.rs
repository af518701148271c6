//! What announcing a send costs PostgreSQL, NOTIFY against polling a table
//! (BENCHMARKS.md, "Speed with everything in"; README, "Scaling past one machine").
//!
//! A send-like transaction (a message, the recipient's event number, their live
//! event, as the fan-out writes them) is run by `NOTIFY_BENCH_SENDERS` connections
//! in a closed loop for `NOTIFY_BENCH_SECONDS`, in three ways, alternated
//! `NOTIFY_BENCH_ROUNDS` times:
//! - `none`: nothing announces it (a `SELECT` of the payload keeps the round trip);
//! - `notify`: `pg_notify` with a 300-byte payload, read by `NOTIFY_BENCH_READERS`
//!   listening connections (as instances would);
//! - `poll`: the payload inserted into an outbox table, which as many readers poll
//!   every `NOTIFY_BENCH_POLL_MS` (one query returns many), in the order of the
//!   transactions that wrote them and only up to the oldest one still running.
//!
//! Prints transactions a second and, for the announced ways, how many each reader
//! got and the delay from the send's start to its reading (p50, p99). Its own
//! tables (`notify_bench_*`) in the database of `DATABASE_URL`, dropped first.

use harness::{env_or, percentile};
use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::{PgPool, Row};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

type Error = Box<dyn std::error::Error + Send + Sync>;

const CHANNEL: &str = "notify_bench";
const MEMBERS: i64 = 1000;

#[derive(Clone, Copy, PartialEq)]
enum Way {
    None,
    Notify,
    Poll,
}

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::None => "none",
            Way::Notify => "notify",
            Way::Poll => "poll",
        }
    }
}

fn micros_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// The payload: when the send started, padded to 300 bytes.
fn payload() -> String {
    let stamp = micros_now().to_string();
    format!("{stamp}:{}", "x".repeat(300 - stamp.len() - 1))
}

fn delay_ms(payload: &str) -> Option<f64> {
    let sent: u64 = payload.split(':').next()?.parse().ok()?;
    Some(micros_now().saturating_sub(sent) as f64 / 1000.0)
}

async fn prepare(pool: &PgPool) -> Result<(), Error> {
    for step in [
        "DROP TABLE IF EXISTS notify_bench_messages, notify_bench_streams, notify_bench_events, notify_bench_outbox",
        "CREATE TABLE notify_bench_messages (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
             conversation_id bigint NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
        "CREATE TABLE notify_bench_streams (member_id bigint PRIMARY KEY, seq bigint NOT NULL)",
        "CREATE TABLE notify_bench_events (member_id bigint NOT NULL, seq bigint NOT NULL,
             message_id bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
             PRIMARY KEY (member_id, seq))",
        // Each row names its transaction: ids commit out of order, so a reader that
        // only follows ids skips those committed after a higher one was read.
        "CREATE TABLE notify_bench_outbox (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
             xid xid8 NOT NULL DEFAULT pg_current_xact_id(), payload text NOT NULL)",
        "CREATE INDEX ON notify_bench_outbox (xid, id)",
    ] {
        sqlx::query(step).execute(pool).await?;
    }
    Ok(())
}

/// One send: the message, the recipient's next event number and event, the announcement.
async fn send(pool: &PgPool, way: Way, member: i64) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    let message: i64 = sqlx::query_scalar(
        "INSERT INTO notify_bench_messages (conversation_id, body) VALUES ($1, $2) RETURNING id",
    )
    .bind(member / 2)
    .bind("A message of about the length people write, to one other member.")
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "WITH bumped AS (
           INSERT INTO notify_bench_streams AS s (member_id, seq) VALUES ($1, 1)
           ON CONFLICT (member_id) DO UPDATE SET seq = s.seq + 1 RETURNING s.seq)
         INSERT INTO notify_bench_events (member_id, seq, message_id)
         SELECT $1, seq, $2 FROM bumped",
    )
    .bind(member)
    .bind(message)
    .execute(&mut *tx)
    .await?;
    let announce = match way {
        Way::None => "SELECT $1::text",
        Way::Notify => "SELECT pg_notify('notify_bench', $1)",
        Way::Poll => "INSERT INTO notify_bench_outbox (payload) VALUES ($1)",
    };
    sqlx::query(announce)
        .bind(payload())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

struct Reading {
    got: usize,
    delays: Vec<f64>,
}

async fn listen(url: String, stop: Arc<AtomicBool>) -> Result<Reading, Error> {
    let mut listener = PgListener::connect(&url).await?;
    listener.listen(CHANNEL).await?;
    let mut reading = Reading {
        got: 0,
        delays: Vec::new(),
    };
    while !stop.load(Ordering::Relaxed) {
        if let Ok(Ok(Some(n))) =
            tokio::time::timeout(Duration::from_millis(100), listener.try_recv()).await
        {
            reading.got += 1;
            if let Some(d) = delay_ms(n.payload()) {
                reading.delays.push(d);
            }
        }
    }
    Ok(reading)
}

async fn poll(url: String, every: Duration, stop: Arc<AtomicBool>) -> Result<Reading, Error> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await?;
    let mut last: (String, i64) = sqlx::query_as(
        "SELECT coalesce(max(xid)::text, '0'), coalesce(max(id), 0) FROM notify_bench_outbox",
    )
    .fetch_one(&pool)
    .await?;
    let mut reading = Reading {
        got: 0,
        delays: Vec::new(),
    };
    let mut tick = tokio::time::interval(every);
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        // Only rows of transactions older than every one still running: none can
        // commit behind the reader any more (the order is the transactions').
        let rows = sqlx::query(
            "SELECT xid::text, id, payload FROM notify_bench_outbox
             WHERE (xid, id) > ($1::text::xid8, $2)
               AND xid < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY xid, id LIMIT 1000",
        )
        .bind(&last.0)
        .bind(last.1)
        .fetch_all(&pool)
        .await?;
        for row in rows {
            last = (row.get::<String, _>(0), row.get::<i64, _>(1));
            reading.got += 1;
            if let Some(d) = delay_ms(row.get::<&str, _>(2)) {
                reading.delays.push(d);
            }
        }
    }
    Ok(reading)
}

async fn round(
    pool: &PgPool,
    url: &str,
    way: Way,
    (senders, readers): (usize, usize),
    seconds: u64,
    poll_every: Duration,
) -> Result<(), Error> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut reading = Vec::new();
    for _ in 0..readers {
        let (url, stop) = (url.to_string(), stop.clone());
        reading.push(match way {
            Way::None => continue,
            Way::Notify => tokio::spawn(listen(url, stop)),
            Way::Poll => tokio::spawn(poll(url, poll_every, stop)),
        });
    }
    // Let the readers connect and start listening.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut sending = Vec::new();
    for s in 0..senders {
        let (pool, sent, failed) = (pool.clone(), sent.clone(), failed.clone());
        sending.push(tokio::spawn(async move {
            let mut member = s as i64;
            while Instant::now() < until {
                member = (member * 7 + 13) % MEMBERS;
                match send(&pool, way, member).await {
                    Ok(()) => sent.fetch_add(1, Ordering::Relaxed),
                    Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    for task in sending {
        task.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    // The last notifications and polls arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let sent = sent.load(Ordering::Relaxed);
    let mut line = format!(
        "| {} | {readers} | {:.0} | {} |",
        way.name(),
        sent as f64 / elapsed,
        failed.load(Ordering::Relaxed)
    );
    let mut got = Vec::new();
    let mut delays = Vec::new();
    for task in reading {
        let r = task.await??;
        got.push(r.got.to_string());
        delays.extend(r.delays);
    }
    if got.is_empty() {
        line.push_str(" – | – | – |");
    } else {
        line.push_str(&format!(
            " {} of {sent} | {:.2} | {:.2} |",
            got.join(", "),
            percentile(&mut delays, 0.50),
            percentile(&mut delays, 0.99)
        ));
    }
    println!("{line}");
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let senders: usize = env_or("NOTIFY_BENCH_SENDERS", 32);
    let readers: usize = env_or("NOTIFY_BENCH_READERS", 2);
    let seconds: u64 = env_or("NOTIFY_BENCH_SECONDS", 10);
    let rounds: usize = env_or("NOTIFY_BENCH_ROUNDS", 2);
    let poll_every = Duration::from_millis(env_or("NOTIFY_BENCH_POLL_MS", 5));
    let pool = PgPoolOptions::new()
        .max_connections(senders as u32)
        .connect(&url)
        .await?;
    prepare(&pool).await?;
    println!(
        "announcing a send: {senders} senders in a closed loop, {seconds} s a way, {rounds} rounds; polling every {} ms",
        poll_every.as_millis()
    );
    println!("| way | readers | transactions/s | failed | read by each reader | delay p50 ms | delay p99 ms |");
    println!("|---|---|---|---|---|---|---|");
    for _ in 0..rounds {
        for way in [Way::None, Way::Notify, Way::Poll] {
            round(&pool, &url, way, (senders, readers), seconds, poll_every).await?;
        }
    }
    Ok(())
}
