//! What the benchmark and reliability harnesses share: settings
//! from the environment, a repeatable random generator, percentiles, portal server
//! processes, their live streams, and the memory and CPU of processes from `/proc`.

use futures_util::StreamExt;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The variable `name` parsed, or `default` when it is unset or does not parse.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator (xorshift): runs are repeatable for a given seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// The `q` quantile (0..=1) of `values`, by the nearest-rank method; 0 when empty.
pub fn percentile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    values[((values.len() as f64 * q).ceil() as usize).clamp(1, values.len()) - 1]
}

/// One server process, killed when dropped.
pub struct Instance {
    pub url: String,
    pub port: u16,
    pub child: Child,
}

impl Instance {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has ended (for instance because its port was taken, while
    /// another server answers there).
    pub fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The portal `server` executable next to the running one.
pub fn sibling_server() -> Result<std::path::PathBuf, Error> {
    Ok(std::env::current_exe()?.with_file_name("server"))
}

/// A portal server on 127.0.0.1:`port` as the harnesses run it: spam limits raised
/// far above what they send (the check still runs on every send), and the cap on
/// connections per address too (every simulated member connects from 127.0.0.1),
/// no SMTP, stdout discarded. The caller adds RUST_LOG and what else it needs, then spawns.
pub fn portal_command(server: &Path, database_url: &str, port: u16) -> Command {
    let mut command = Command::new(server);
    command
        .env_remove("PORTAL_SMTP_URL")
        .env("DATABASE_URL", database_url)
        .env("PORTAL_ADDR", format!("127.0.0.1:{port}"))
        .env("PORTAL_LIMIT_MESSAGES_PER_MINUTE", "1000000")
        .env("PORTAL_LIMIT_CONVERSATIONS_PER_HOUR", "1000000")
        .env("PORTAL_MAX_CONNECTIONS_PER_ADDRESS", "1000000")
        .env("PORTAL_REGISTRATIONS_PER_ADDRESS_HOUR", "1000000")
        // The harnesses sign in the members they register.
        .env("PORTAL_VERIFY_EMAIL", "false")
        .stdout(Stdio::null());
    command
}

/// Spawns `command`, a server that will answer on 127.0.0.1:`port`.
pub fn spawn(command: &mut Command, port: u16) -> Result<Instance, Error> {
    let child = command.spawn()?;
    Ok(Instance {
        url: format!("http://127.0.0.1:{port}"),
        port,
        child,
    })
}

/// Waits until `url` answers with a success, for at most `within`; how long it took.
pub async fn wait_until_up(
    client: &reqwest::Client,
    url: &str,
    within: Duration,
) -> Result<Duration, Error> {
    let started = Instant::now();
    loop {
        let ok = client
            .get(url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ok {
            return Ok(started.elapsed());
        }
        if started.elapsed() > within {
            return Err(format!("{url} did not answer within {within:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `counter` reaches `count`, at most `within`; the error names `what`.
pub async fn wait_for_count(
    counter: &AtomicU64,
    count: u64,
    within: Duration,
    what: &str,
) -> Result<(), Error> {
    let deadline = Instant::now() + within;
    while counter.load(Ordering::Relaxed) < count {
        if Instant::now() > deadline {
            let reached = counter.load(Ordering::Relaxed);
            return Err(format!("only {reached} of {count} {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Parses the complete server-sent-event blocks in `buffer` (and removes them),
/// returning each one's `id` and JSON `data`.
pub fn drain_events(buffer: &mut String) -> Vec<(Option<i64>, Value)> {
    let mut out = Vec::new();
    while let Some(end) = buffer.find("\n\n") {
        let block: String = buffer.drain(..end + 2).collect();
        let mut id = None;
        let mut data = String::new();
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("id: ") {
                id = v.trim().parse().ok();
            } else if let Some(v) = line.strip_prefix("data: ") {
                data.push_str(v);
            }
        }
        if let Ok(value) = serde_json::from_str::<Value>(&data) {
            out.push((id, value));
        }
    }
    out
}

/// Reads a live stream until it ends, handing each event to `on_event`.
pub async fn read_events(response: reqwest::Response, mut on_event: impl FnMut(Value)) {
    let mut bytes = response.bytes_stream();
    let mut buffer = String::new();
    while let Some(Ok(chunk)) = bytes.next().await {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        for (_, event) in drain_events(&mut buffer) {
            on_event(event);
        }
    }
}

/// Headers a browser sends with every request from the portal's own pages; the
/// portal refuses state changes without them.
pub fn same_origin() -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "sec-fetch-site",
        reqwest::header::HeaderValue::from_static("same-origin"),
    );
    headers
}

/// Resident memory of a process in KB (0 when it is gone).
pub fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The fields of /proc/<pid>/stat after the command name: index 0 is the state,
/// 1 the parent's pid, 11 utime, 12 stime.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_string).collect())
}

/// CPU time a process has used (user + system), in clock ticks; 0 when it is gone.
pub fn cpu_ticks(pid: u32) -> u64 {
    stat_fields(pid)
        .map(|f| {
            let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            field(11) + field(12)
        })
        .unwrap_or(0)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux when it cannot be asked).
pub fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// CPU ticks used so far by the processes of the PostgreSQL cluster listening on
/// `port` on this machine that work for `database`: the backends connected to it
/// and the autovacuum workers cleaning it. Not the postmaster nor the background
/// processes shared by every database (WAL writer, checkpointer…), nor other
/// databases' backends: others may use the same cluster meanwhile. `None` when no
/// such cluster runs here.
pub fn postgres_cpu_ticks(port: u16, database: &str) -> Option<u64> {
    let all = pids();
    let port_flag = format!("-p {port} ");
    let postmaster = all.iter().copied().find(|&pid| {
        let line = cmdline(pid);
        line.contains("postgres") && !line.starts_with("postgres:") && line.contains(&port_flag)
    })?;
    let mut total = 0;
    for pid in all {
        let Some(fields) = stat_fields(pid) else {
            continue;
        };
        if fields.get(1).and_then(|p| p.parse::<u32>().ok()) != Some(postmaster) {
            continue;
        }
        // "postgres: <user> <database> <host>(<port>) <state>" for a backend,
        // "postgres: autovacuum worker <database>" for an autovacuum worker.
        let line = cmdline(pid);
        let words: Vec<&str> = line.split_whitespace().collect();
        let ours = match words.as_slice() {
            [_, "autovacuum", "worker", db, ..] => *db == database,
            [_, _, db, host, ..] => *db == database && (host.contains('(') || *host == "[local]"),
            _ => false,
        };
        if ours {
            total += cpu_ticks(pid);
        }
    }
    Some(total)
}
