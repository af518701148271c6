//! The SMTP listener for replies by email. The operator's mail server forwards
//! `reply+…@` addresses to it (see the README); what arrives is posted by
//! `app::backend::email_replies`. It speaks the part of SMTP (RFC 5321) a
//! forwarding mail server uses: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT,
//! with the bounds an internet-facing listener needs: connections in all and
//! per address, a deadline on every line, caps on line and email size and on
//! recipients. (The `mailin` crate was tried and refuses `MAIL FROM:<>`, the
//! null return path of bounces, which this listener must take in order to
//! drop them; the protocol part is small enough to keep here.)
//!
//! The answer to the final `.` waits until the reply is stored (or refused and
//! recorded): `250` means it is safe, and a database failure answers `451` so the
//! sending server keeps the email and tries again (Message-IDs make that safe).

use app::backend::email_replies::{receive_email, Envelope, Received};
use app::backend::state::Settings;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Limits of one listener.
#[derive(Debug, Clone, Copy)]
pub struct InboundLimits {
    pub connections: usize,
    pub per_address: usize,
    /// Longest wait for one line from the client.
    pub line_timeout: Duration,
    /// Largest email accepted (bigger ones get 552).
    pub max_bytes: usize,
}

impl Default for InboundLimits {
    fn default() -> Self {
        Self {
            connections: 64,
            per_address: 16,
            line_timeout: Duration::from_secs(60),
            max_bytes: 2 * 1024 * 1024,
        }
    }
}

/// Longest command or data line (RFC 5321 allows 1,000 octets; some clients are
/// generous with data lines, so more is read).
const LINE_BYTES: usize = 8 * 1024;
/// Recipients one email may name.
const RECIPIENTS: usize = 10;
/// Commands one connection may send (a client that loops is cut off).
const COMMANDS: usize = 1_000;

/// Where a session is in the protocol.
#[derive(Debug, Default)]
struct Session {
    greeted: bool,
    /// `MAIL FROM` given (possibly empty: a bounce).
    mail_from: Option<String>,
    recipients: Vec<String>,
}

/// The path inside `FROM:<…>` / `TO:<…>`, parameters after it ignored.
fn path<'a>(argument: &'a str, keyword: &str) -> Option<&'a str> {
    let rest = argument.get(..keyword.len())?;
    if !rest.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = argument[keyword.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    let path = &rest[..end];
    // A source route (`@a,@b:user@host`) is obsolete: only its mailbox counts.
    Some(path.rsplit_once(':').map_or(path, |(_, mailbox)| mailbox))
}

fn reply(code: u16, text: &str) -> String {
    format!("{code} {text}\r\n")
}

/// Accepts SMTP connections on `listener` until `closing` turns true.
pub async fn run(
    listener: TcpListener,
    pool: PgPool,
    settings: Arc<Settings>,
    limits: InboundLimits,
    mut closing: watch::Receiver<bool>,
) {
    let admission = crate::admission::Admission::new(limits.connections, Some(limits.per_address));
    let name = host_name(&settings.public_url);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "inbound SMTP: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = closing.changed() => return,
        };
        let Some(slot) = admission.admit(peer.ip()) else {
            // Busy: 421 tells the sending server to come back later.
            let mut stream = stream;
            let _ = stream
                .write_all(b"421 Too many connections, try again later\r\n")
                .await;
            continue;
        };
        let (pool, settings, name) = (pool.clone(), settings.clone(), name.clone());
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(error) = session(stream, &name, &pool, &settings, limits).await {
                tracing::debug!(%error, "inbound SMTP session ended");
            }
        });
    }
}

fn host_name(public_url: &str) -> String {
    url::Url::parse(public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "localhost".into())
}

async fn session(
    stream: TcpStream,
    name: &str,
    pool: &PgPool,
    settings: &Settings,
    limits: InboundLimits,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write
        .write_all(reply(220, &format!("{name} ESMTP replies")).as_bytes())
        .await?;
    let mut state = Session::default();
    let mut line = Vec::with_capacity(1024);
    for _ in 0..COMMANDS {
        let Some(command) = read_line(&mut reader, &mut line, &mut write, limits).await? else {
            return Ok(());
        };
        let command = String::from_utf8_lossy(command).into_owned();
        let (verb, argument) = command
            .split_once(' ')
            .map_or((command.as_str(), ""), |(v, a)| (v, a.trim()));
        let answer = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => {
                state = Session {
                    greeted: true,
                    ..Session::default()
                };
                format!(
                    "250-{name}\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE {}\r\n",
                    limits.max_bytes
                )
            }
            "HELO" => {
                state = Session {
                    greeted: true,
                    ..Session::default()
                };
                reply(250, name)
            }
            "MAIL" if !state.greeted => reply(503, "Say hello first"),
            "MAIL" if state.mail_from.is_some() => reply(503, "Sender already given"),
            "MAIL" => match path(argument, "FROM:") {
                Some(from) => {
                    state.mail_from = Some(from.to_string());
                    state.recipients.clear();
                    reply(250, "OK")
                }
                None => reply(501, "Syntax: MAIL FROM:<address>"),
            },
            "RCPT" if state.mail_from.is_none() => reply(503, "Sender first"),
            "RCPT" if state.recipients.len() >= RECIPIENTS => reply(452, "Too many recipients"),
            "RCPT" => match path(argument, "TO:") {
                Some(to) if !to.is_empty() => {
                    state.recipients.push(to.to_string());
                    reply(250, "OK")
                }
                _ => reply(501, "Syntax: RCPT TO:<address>"),
            },
            "DATA" if state.recipients.is_empty() => reply(503, "Recipients first"),
            "DATA" => {
                write
                    .write_all(reply(354, "End data with <CR><LF>.<CR><LF>").as_bytes())
                    .await?;
                let Some(data) = read_data(&mut reader, &mut line, &mut write, limits).await?
                else {
                    return Ok(());
                };
                let envelope = Envelope {
                    mail_from: state.mail_from.take().unwrap_or_default(),
                    recipients: std::mem::take(&mut state.recipients),
                };
                match data {
                    Some(data) => deliver(pool, settings, &envelope, &data).await,
                    None => reply(552, "Message too large for a reply"),
                }
            }
            "RSET" => {
                state = Session {
                    greeted: state.greeted,
                    ..Session::default()
                };
                reply(250, "OK")
            }
            "NOOP" => reply(250, "OK"),
            "VRFY" => reply(252, "Cannot verify, but will take the message"),
            "QUIT" => {
                write.write_all(reply(221, "Bye").as_bytes()).await?;
                return Ok(());
            }
            _ => reply(502, "Command not implemented"),
        };
        write.write_all(answer.as_bytes()).await?;
    }
    write
        .write_all(reply(421, "Too many commands").as_bytes())
        .await
}

/// One line without its line end, or `None` when the client left (or was
/// told to: too slow, or a line too long).
async fn read_line<'a, W: AsyncWriteExt + Unpin>(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    line: &'a mut Vec<u8>,
    write: &mut W,
    limits: InboundLimits,
) -> std::io::Result<Option<&'a [u8]>> {
    line.clear();
    let read = tokio::time::timeout(
        limits.line_timeout,
        reader.take(LINE_BYTES as u64).read_until(b'\n', line),
    )
    .await;
    match read {
        Err(_) => {
            write.write_all(reply(421, "Timeout").as_bytes()).await?;
            Ok(None)
        }
        Ok(Err(error)) => Err(error),
        Ok(Ok(0)) => Ok(None),
        Ok(Ok(_)) if !line.ends_with(b"\n") => {
            write
                .write_all(reply(500, "Line too long").as_bytes())
                .await?;
            Ok(None)
        }
        Ok(Ok(_)) => {
            let end = line.len() - if line.ends_with(b"\r\n") { 2 } else { 1 };
            Ok(Some(&line[..end]))
        }
    }
}

/// The email after `DATA`, dot-unstuffed, with CRLF line ends: `Some(None)` when
/// it was larger than the limit (read to its end all the same), `None` when the
/// client left.
async fn read_data<W: AsyncWriteExt + Unpin>(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    line: &mut Vec<u8>,
    write: &mut W,
    limits: InboundLimits,
) -> std::io::Result<Option<Option<Vec<u8>>>> {
    let mut data = Vec::new();
    let mut too_large = false;
    loop {
        let Some(text) = read_line(reader, line, write, limits).await? else {
            return Ok(None);
        };
        if text == b"." {
            return Ok(Some((!too_large).then_some(data)));
        }
        let text = text.strip_prefix(b".").unwrap_or(text);
        if data.len() + text.len() + 2 > limits.max_bytes {
            too_large = true;
            data = Vec::new();
        }
        if !too_large {
            data.extend_from_slice(text);
            data.extend_from_slice(b"\r\n");
        }
    }
}

/// Handles one complete email; the answer to its final `.`.
async fn deliver(pool: &PgPool, settings: &Settings, envelope: &Envelope, data: &[u8]) -> String {
    match receive_email(pool, settings, envelope, data).await {
        Ok(outcomes) => {
            for outcome in &outcomes {
                match outcome {
                    Received::Ignored(why) => tracing::info!(why, "inbound email ignored"),
                    other => tracing::info!(?other, "inbound email"),
                }
            }
            metrics::counter!("portal_inbound_emails_total").increment(1);
            reply(250, "OK")
        }
        Err(error) => {
            tracing::warn!(%error, "inbound email not handled; the sender will retry");
            reply(451, "Temporary failure, try again later")
        }
    }
}
