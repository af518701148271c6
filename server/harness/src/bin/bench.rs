//! Conversation benchmark: seeds 100,000 members, 2,000 groups and 1,000,000
//! messages in 100,000 conversations (once; later runs reuse them), then times the
//! server-side operations behind the pages (the same functions the server
//! functions call) and prints p50/p95/p99 and throughput.
//!
//! Run it through `bash .ci/portal.sh bench` (release build, own database).
//! It also reports whether any sequential scan touched `messages` while measuring.
//!
//! `BENCH_SCALE=10` seeds ten times as much (1,000,000 members, 10,000,000
//! messages; `bash .ci/portal.sh scale-bench` compares the two), and
//! `BENCH_METRICS=inbox,thread` times only those.

use app::api::auth::{Role, Viewer};
use app::backend::conversations;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::sync::Arc;

/// The edit window the server is started with by default (15 minutes).
const EDIT_SECONDS: i64 = 900;
use std::time::{Duration, Instant};

/// At scale 1; `BENCH_SCALE` multiplies the three.
const MEMBERS: i64 = 100_000;
const GROUPS: i64 = 2_000;
/// 1,000 long conversations of 307 messages (to measure older pages) and 99,000
/// short ones of 7: 1,000,000 messages.
const CONVERSATIONS: i64 = 100_000;

/// Whether `metric` is to be timed (`BENCH_METRICS`, a comma-separated list; all
/// when unset).
fn wanted(metric: &str) -> bool {
    std::env::var("BENCH_METRICS").map_or(true, |list| list.split(',').any(|m| m.trim() == metric))
}

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let operations: usize = std::env::var("BENCH_OPERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let concurrency: usize = std::env::var("BENCH_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let connect = || server::connect(&url, concurrency as u32 + 2);
    // Setting up scans whole tables; its connections are closed before measuring
    // (a closing backend publishes its statistics) so those scans are not counted.
    let setup = connect().await?;
    server::MIGRATOR.run(&setup).await?;
    let scale: i64 = std::env::var("BENCH_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|s| *s >= 1)
        .unwrap_or(1);
    seed(&setup, scale).await?;
    let viewers = Arc::new(sample_viewers(&setup).await?);
    let long = Arc::new(sample_conversations(&setup, true).await?);
    let short = Arc::new(sample_conversations(&setup, false).await?);
    seed_messaging(&setup).await?;
    let searcher = seed_searcher(&setup).await?;
    println!(
        "data: {} members, {} groups, {} conversations, {} messages; {operations} operations per metric, concurrency {concurrency}",
        count(&setup, "members").await?,
        count(&setup, "groups").await?,
        count(&setup, "conversations").await?,
        count(&setup, "messages").await?,
    );
    setup.close().await;
    let scans_before = seq_scans(&url).await?;
    let pool = connect().await?;

    let mut results = Vec::new();
    let v = viewers.clone();
    let p = pool.clone();
    if wanted("inbox") {
        results.push((
            "inbox",
            measure(operations, concurrency, move |i| {
                let (pool, viewer) = (p.clone(), v[i % v.len()].clone());
                async move {
                    conversations::inbox(&pool, &viewer, None, None)
                        .await
                        .map(|_| ())
                }
            })
            .await?,
        ));
    }
    let (p, s) = (pool.clone(), short.clone());
    if wanted("thread") {
        results.push((
            "thread",
            measure(operations, concurrency, move |i| {
                let (pool, (viewer, id)) = (p.clone(), s[i % s.len()].clone());
                async move {
                    conversations::thread(&pool, &viewer, id, None, EDIT_SECONDS)
                        .await
                        .map(|_| ())
                }
            })
            .await?,
        ));
    }
    // Older pages of long conversations: the page before the newest thirty.
    if wanted("older_page") {
        let mut older_cursors = Vec::new();
        for (viewer, id) in long.iter() {
            if let Some(before) = conversations::thread(&pool, viewer, *id, None, EDIT_SECONDS)
                .await?
                .older
            {
                older_cursors.push((viewer.clone(), *id, before));
            }
        }
        let older_cursors = Arc::new(older_cursors);
        let (p, o) = (pool.clone(), older_cursors.clone());
        results.push((
            "older_page",
            measure(operations, concurrency, move |i| {
                let (pool, (viewer, id, before)) = (p.clone(), o[i % o.len()].clone());
                async move {
                    conversations::thread(&pool, &viewer, id, Some(before), EDIT_SECONDS)
                        .await
                        .map(|_| ())
                }
            })
            .await?,
        ));
    }
    const QUERIES: &[&str] = &[
        "jose",
        "zoe",
        "müller",
        "anna",
        "wang",
        "group 12",
        "bench",
        "ngu",
        "sørensen",
        "li",
    ];
    let (p, v) = (pool.clone(), viewers.clone());
    if wanted("search") {
        results.push((
            "search",
            measure(operations, concurrency, move |i| {
                let (pool, viewer) = (p.clone(), v[i % v.len()].clone());
                async move {
                    conversations::search_parties(&pool, viewer.id, QUERIES[i % QUERIES.len()])
                        .await
                        .map(|_| ())
                }
            })
            .await?,
        ));
    }
    // Message search for a member in 1,000 conversations: words in every message,
    // words of one conversation (theirs, or not), a number in ten, none at all.
    const MESSAGE_QUERIES: &[&str] = &[
        "meetup",
        "see you",
        "conversation 4200",
        "message 300",
        "conversation 4201",
        "zebra",
        "東京",
        "Community",
    ];
    let p = pool.clone();
    if wanted("message_search") {
        results.push((
            "message_search",
            measure(operations, concurrency, move |i| {
                let pool = p.clone();
                async move {
                    conversations::find_messages(
                        &pool,
                        searcher,
                        MESSAGE_QUERIES[i % MESSAGE_QUERIES.len()],
                        None,
                        None,
                        i64::MAX,
                    )
                    .await
                    .map(|_| ())
                }
            })
            .await?,
        ));
    }
    let (p, s) = (pool.clone(), short.clone());
    let run = std::process::id();
    // Server-side timing only: no spam limits in the way.
    let settings = Arc::new(app::backend::state::Settings {
        public_url: "http://localhost:3000".into(),
        trust_proxy: false,
        session_days: 30,
        email_batch_seconds: 600,
        limits: app::domain::limits::Limits {
            messages_per_minute: usize::MAX / 2,
            conversations_per_hour: usize::MAX / 2,
        },
        registrations_per_address_hour: i64::MAX,
        verify_email: false,
        edit_seconds: EDIT_SECONDS,
        attachments: Default::default(),
        push: Default::default(),
        reply_address: None,
        languages: vec![app::domain::language::Language::En],
    });
    if wanted("send") {
        results.push((
            "send",
            measure(operations, concurrency, move |i| {
                let (pool, (viewer, id)) = (p.clone(), s[i % s.len()].clone());
                let settings = settings.clone();
                async move {
                    let key = format!("bench-{run}-{i:08}");
                    let reply = conversations::Reply {
                        body: "Benchmark message: thanks, see you at the meetup!",
                        key: &key,
                        reply_to: None,
                        attachments: "",
                    };
                    conversations::reply(&pool, &viewer, id, reply, &settings)
                        .await
                        .map(|_| ())
                }
            })
            .await?,
        ));
    }

    // An uploaded photo of about 1 MB: accepted, re-encoded with its thumbnail,
    // stored. Two at once, as the server decodes at most two at once.
    if wanted("upload_1mb_image") {
        let photo = Arc::new(photo_of_about_a_megabyte());
        let (p, (uploader, into)) = (pool.clone(), short[0].clone());
        let rules = app::domain::attachment::AttachmentRules {
            per_message: usize::MAX / 2,
            file_bytes: 10_000_000,
            quota_bytes: u64::MAX / 2,
        };
        results.push((
            "upload_1mb_image",
            measure((operations / 10).max(20), 2, move |_| {
                let (pool, photo) = (p.clone(), photo.clone());
                async move {
                    let prepared = tokio::task::spawn_blocking(move || {
                        app::backend::attachments::prepare(rules, "photo.jpg", photo.to_vec())
                    })
                    .await
                    .map_err(|_| app::error::AppError::Internal)?
                    .map_err(|r| app::error::AppError::Refused(r.message))?;
                    app::backend::attachments::store_upload(
                        &pool,
                        Default::default(),
                        rules,
                        uploader.id,
                        Some(into),
                        &prepared,
                    )
                    .await?
                    .map(|_| ())
                    .map_err(|r| app::error::AppError::Refused(r.message))
                }
            })
            .await?,
        ));
        sqlx::query("DELETE FROM attachments WHERE uploader_id = $1")
            .bind(uploader.id)
            .execute(&pool)
            .await?;
    }

    pool.close().await;
    let scans_after = seq_scans(&url).await?;
    println!();
    println!("| metric | p50 ms | p95 ms | p99 ms | ops/s |");
    println!("|---|---|---|---|---|");
    for (name, r) in &results {
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {:.0} |",
            r.p50, r.p95, r.p99, r.per_second
        );
    }
    println!();
    for (table, before) in &scans_before {
        let after = scans_after
            .iter()
            .find(|(t, _)| t == table)
            .map(|(_, n)| *n)
            .unwrap_or(*before);
        println!(
            "sequential scans on {table} while measuring: {}",
            after - before
        );
    }
    Ok(())
}

/// A 2,000 × 1,500 photo-like JPEG (smooth shading with grain) of about 1 MB.
fn photo_of_about_a_megabyte() -> Vec<u8> {
    let mut seed: u32 = 12345;
    let picture = image::RgbImage::from_fn(2000, 1500, |x, y| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let grain = (seed >> 16) % 24;
        image::Rgb([
            ((x / 8 + grain) % 256) as u8,
            ((y / 6 + grain) % 256) as u8,
            (((x + y) / 14 + grain) % 256) as u8,
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&picture)
        .expect("a JPEG");
    println!(
        "upload_1mb_image: the photo is {} bytes, 2000 × 1500",
        out.len()
    );
    out
}

struct Figures {
    p50: f64,
    p95: f64,
    p99: f64,
    per_second: f64,
}

async fn measure<F, Fut>(operations: usize, concurrency: usize, op: F) -> Result<Figures, Error>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), app::error::AppError>> + Send,
{
    let op = Arc::new(op);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (op, next) = (op.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= operations {
                    return Ok::<_, app::error::AppError>(latencies);
                }
                let t = Instant::now();
                op(i).await?;
                latencies.push(t.elapsed());
            }
        }));
    }
    let mut all: Vec<Duration> = Vec::new();
    for worker in workers {
        all.extend(
            worker
                .await?
                .map_err(|e| format!("operation failed: {e}"))?,
        );
    }
    let elapsed = started.elapsed();
    all.sort();
    let at = |q: f64| {
        all[((all.len() as f64 * q).ceil() as usize).clamp(1, all.len()) - 1].as_secs_f64() * 1000.0
    };
    Ok(Figures {
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        per_second: all.len() as f64 / elapsed.as_secs_f64(),
    })
}

async fn count(pool: &PgPool, table: &str) -> Result<i64, Error> {
    Ok(
        sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(pool)
            .await?,
    )
}

async fn seq_scans(url: &str) -> Result<Vec<(String, i64)>, Error> {
    // Closed backends publish their statistics as they exit; give that a moment.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
    let scans = sqlx::query_as::<_, (String, i64)>(
        "SELECT relname::text, seq_scan FROM pg_stat_user_tables
         WHERE relname IN ('messages', 'conversations', 'conversation_parties', 'members') ORDER BY relname",
    )
    .fetch_all(&pool)
    .await?;
    pool.close().await;
    Ok(scans)
}

fn viewer(id: i64, handle: String, display_name: String) -> Viewer {
    Viewer {
        id,
        handle,
        display_name,
        role: Role::Member,
        avatar: None,
    }
}

async fn sample_viewers(pool: &PgPool) -> Result<Vec<Viewer>, Error> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, handle, display_name FROM members WHERE handle LIKE 'bench-%' ORDER BY md5(handle) LIMIT 1000",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, h, n)| viewer(id, h, n))
        .collect())
}

/// (a participant, conversation id) pairs, from long or short conversations.
async fn sample_conversations(pool: &PgPool, long: bool) -> Result<Vec<(Viewer, i64)>, Error> {
    let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT m.id, m.handle, m.display_name, c.id FROM conversations c
         JOIN conversation_parties cp ON cp.conversation_id = c.id AND cp.member_id IS NOT NULL
         JOIN members m ON m.id = cp.member_id AND m.handle LIKE 'bench-%'
         WHERE c.party_key LIKE 'bench%' AND (substr(c.party_key, 6)::int <= 1000) = $1
         ORDER BY md5(c.id::text) LIMIT 500",
    )
    .bind(long)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, h, n, c)| (viewer(id, h, n), c))
        .collect())
}

/// What issue 17 added to conversations, on a data set seeded before it: reactions
/// on one message in five (one or two each), one message in twenty edited, and read
/// marks for both members of every conversation (halfway, or at the end), which
/// "Seen by" reads. Once: a marker reaction says it was done.
async fn seed_messaging(pool: &PgPool) -> Result<(), Error> {
    let done: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM message_reactions WHERE emoji = '🎉' AND message_id = (SELECT min(id) FROM messages))",
    )
    .fetch_one(pool)
    .await?;
    if done {
        return Ok(());
    }
    println!("seeding (once): reactions, edits and read marks…");
    let t = Instant::now();
    let steps: &[&str] = &[
        "INSERT INTO message_reactions (message_id, emoji, member_id)
         SELECT m.id, (ARRAY['👍','❤️','😂','🎉','😮','😢'])[1 + m.id % 6], cp.member_id
         FROM messages m JOIN conversation_parties cp ON cp.conversation_id = m.conversation_id
              AND cp.member_id IS NOT NULL AND cp.member_id <> m.author_id
         WHERE m.id % 5 = 0 AND m.conversation_id IN
               (SELECT id FROM conversations WHERE party_key LIKE 'bench%')
         ON CONFLICT DO NOTHING",
        "INSERT INTO message_reactions (message_id, emoji, member_id)
         SELECT min(id), '🎉', min(author_id) FROM messages ON CONFLICT DO NOTHING",
        "UPDATE messages SET edited_at = created_at + interval '1 minute', edit_count = 1
         WHERE id % 20 = 0 AND idempotency_key LIKE 'bench-seed-%'",
        "INSERT INTO conversation_reads (conversation_id, member_id, last_read_message_id)
         SELECT c.id, cp.member_id,
                CASE WHEN c.id % 2 = 0 THEN c.last_message_id ELSE c.last_message_id - 3 END
         FROM conversations c JOIN conversation_parties cp ON cp.conversation_id = c.id
              AND cp.member_id IS NOT NULL
         WHERE c.party_key LIKE 'bench%'
         ON CONFLICT (member_id, conversation_id) DO UPDATE
             SET last_read_message_id = EXCLUDED.last_read_message_id",
        "ANALYZE message_reactions, messages, conversation_reads",
    ];
    run_seed_steps(pool, steps, t).await
}

/// Runs seeding statements in one transaction (all or nothing) and says how long.
async fn run_seed_steps(pool: &PgPool, steps: &[&str], started: Instant) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    for step in steps {
        sqlx::query(step).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    println!("seeded in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// A member in 1,000 conversations (every hundredth: ten long ones and 990 short,
/// about 10,000 messages), for message search; added to a data set seeded before.
async fn seed_searcher(pool: &PgPool) -> Result<i64, Error> {
    sqlx::query(
        "INSERT INTO members (handle, display_name, email, password_hash, bio)
         VALUES ('searcher-bench', 'Search Bench', 'searcher-bench@example.org', 'not-a-password-hash', '')
         ON CONFLICT DO NOTHING",
    )
    .execute(pool)
    .await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM members WHERE handle = 'searcher-bench'")
        .fetch_one(pool)
        .await?;
    let added = sqlx::query(
        "INSERT INTO conversation_parties (conversation_id, member_id)
         SELECT c.id, $1 FROM conversations c
         WHERE c.party_key LIKE 'bench%' AND substr(c.party_key, 6)::int % 100 = 0
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected();
    if added > 0 {
        sqlx::query("ANALYZE conversation_parties, messages")
            .execute(pool)
            .await?;
    }
    Ok(id)
}

/// Seeds the data set once, in SQL; a second run finds it and skips.
async fn seed(pool: &PgPool, scale: i64) -> Result<(), Error> {
    let (members, groups, conversations) = (MEMBERS * scale, GROUPS * scale, CONVERSATIONS * scale);
    // 1,000 long conversations per 100,000, as at scale 1.
    let long = conversations / 100;
    let have: i64 =
        sqlx::query_scalar("SELECT count(*) FROM conversations WHERE party_key LIKE 'bench%'")
            .fetch_one(pool)
            .await?;
    if have >= conversations {
        return Ok(());
    }
    println!(
        "seeding (once): {members} members, {groups} groups, {conversations} conversations, ~{} messages…",
        conversations * 10
    );
    let t = Instant::now();
    let steps = [
        format!(
            "INSERT INTO members (handle, display_name, email, password_hash, bio)
         SELECT 'bench-' || i,
                (ARRAY['José','Zoë','Anna','Wang','Li','Søren','Müller','Ngọc','Fatima','Noa','Kwame','Priya','Łukasz','Élodie'])[1 + i % 14]
                || ' ' || (ARRAY['García','Nguyễn','Schröder','Sørensen','Kowalczyk','Diallo','Cohen','Patel','Dubois','Tanaka','Okafor'])[1 + (i / 14) % 11]
                || ' ' || i,
                'bench-' || i || '@example.org', 'not-a-password-hash', ''
         FROM generate_series(1, {members}) AS i ON CONFLICT DO NOTHING"
        ),
        format!(
            "INSERT INTO groups (slug, name, description)
         SELECT 'bench-group-' || i, 'Bench group ' || i, 'A benchmark group' FROM generate_series(1, {groups}) AS i
         ON CONFLICT DO NOTHING"
        ),
        "CREATE TEMP TABLE bench_member AS
         SELECT row_number() OVER (ORDER BY id) AS n, id FROM members WHERE handle LIKE 'bench-%'".to_string(),
        "CREATE TEMP TABLE bench_group AS
         SELECT row_number() OVER (ORDER BY id) AS n, id FROM groups WHERE slug LIKE 'bench-group-%'".to_string(),
        format!(
            "INSERT INTO group_memberships (group_id, member_id, role)
         SELECT g.id, m.id, CASE WHEN k < 2 THEN 'manager' ELSE 'member' END
         FROM bench_group g CROSS JOIN generate_series(0, 21) AS k
         JOIN bench_member m ON m.n = 1 + ((g.n * 50 + k * 7) % {members})
         ON CONFLICT DO NOTHING"
        ),
        // Conversation i: members a = i and b = i + 1 + (i % 97); every tenth also has a group.
        format!(
            "CREATE TEMP TABLE bench_conversation AS
         SELECT i, a.id AS a, b.id AS b, CASE WHEN i % 10 = 0 THEN g.id END AS g
         FROM generate_series(1, {conversations}) AS i
         JOIN bench_member a ON a.n = i
         JOIN bench_member b ON b.n = 1 + ((i + (i % 97)) % {members})
         JOIN bench_group g ON g.n = 1 + i % {groups}"
        ),
        "INSERT INTO conversations (party_key)
         SELECT 'bench' || i FROM bench_conversation ON CONFLICT DO NOTHING".to_string(),
        "INSERT INTO conversation_parties (conversation_id, member_id, group_id)
         SELECT c.id, p.member_id, p.group_id
         FROM bench_conversation bc JOIN conversations c ON c.party_key = 'bench' || bc.i
         CROSS JOIN LATERAL (VALUES (bc.a, NULL::bigint), (bc.b, NULL::bigint), (NULL::bigint, bc.g)) AS p(member_id, group_id)
         WHERE p.member_id IS NOT NULL OR p.group_id IS NOT NULL
         ON CONFLICT DO NOTHING".to_string(),
        format!(
            "INSERT INTO messages (conversation_id, author_id, body, created_at, idempotency_key)
         SELECT c.id, CASE WHEN k % 2 = 0 THEN bc.a ELSE bc.b END,
                'Message ' || k || ' in conversation ' || bc.i || ': see you at the next community meetup?',
                now() - interval '365 days' + (bc.i % 1000) * interval '8 hours' + k * interval '1 minute',
                'bench-seed-' || bc.i || '-' || k
         FROM bench_conversation bc JOIN conversations c ON c.party_key = 'bench' || bc.i
         CROSS JOIN LATERAL generate_series(1, CASE WHEN bc.i <= {long} THEN 307 ELSE 7 END) AS k
         ON CONFLICT DO NOTHING"
        ),
        "UPDATE conversations c SET last_message_id = l.id, last_message_at = l.created_at
         FROM (SELECT DISTINCT ON (conversation_id) conversation_id, id, created_at FROM messages
               ORDER BY conversation_id, id DESC) l
         WHERE l.conversation_id = c.id AND c.party_key LIKE 'bench%'".to_string(),
        "ANALYZE".to_string(),
    ];
    let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
    run_seed_steps(pool, &steps, t).await
}
