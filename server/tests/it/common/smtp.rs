//! A real SMTP server for the email tests: aiosmtpd (installed by `.ci/smtp.sh`),
//! writing what it receives into a Maildir the tests read back.

use mailparse::{MailHeaderMap, ParsedMail};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One email as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    /// The `To` header, decoded.
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub list_unsubscribe: Option<String>,
    pub reply_to: Option<String>,
    /// The text/plain part.
    pub text: String,
    /// The text/html part.
    pub html: String,
}

pub struct SmtpServer {
    python: PathBuf,
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl SmtpServer {
    /// Starts aiosmtpd on a free local port over a fresh Maildir.
    pub async fn start() -> SmtpServer {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "portal-smtp-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(dir.join(sub)).expect("create the Maildir");
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut server = SmtpServer {
            python: python(),
            port,
            dir,
            child: None,
        };
        server.spawn().await;
        server
    }

    /// Where the portal sends: `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Kills the server: connections are refused until `restart`.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        assert!(
            TcpStream::connect_timeout(&self.addr(), Duration::from_millis(200)).is_err(),
            "the SMTP server still accepts connections after being stopped"
        );
    }

    /// Starts it again on the same port, over the same Maildir.
    pub async fn restart(&mut self) {
        self.stop();
        self.spawn().await;
    }

    /// Every email received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedEmail> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.dir.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_file() {
                    let modified = entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .unwrap_or(std::time::UNIX_EPOCH);
                    files.push((modified, path));
                }
            }
        }
        files.sort();
        files.iter().map(|(_, path)| parse(path)).collect()
    }

    /// Waits until at least `n` emails arrived; returns all of them. Panics after
    /// `timeout` with what did arrive.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedEmail> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            if Instant::now() >= deadline {
                panic!(
                    "expected {n} emails within {timeout:?}, got {}: {:#?}",
                    messages.len(),
                    messages
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    async fn spawn(&mut self) {
        let child = Command::new(&self.python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start aiosmtpd with {} ({error}); run `bash .ci/smtp.sh` and set PORTAL_SMTP_PYTHON",
                    self.python.display()
                )
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if TcpStream::connect_timeout(&self.addr(), Duration::from_millis(200)).is_ok() {
                return;
            }
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("aiosmtpd exited at start: {status}");
                }
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on port {} in time",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `$PORTAL_SMTP_PYTHON`, else the venv `.ci/smtp.sh` makes (tests run in `server/`).
fn python() -> PathBuf {
    match std::env::var_os("PORTAL_SMTP_PYTHON") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.portal/smtp-venv/bin/python"),
    }
}

fn parse(path: &Path) -> ReceivedEmail {
    let raw = std::fs::read(path).expect("read a received email");
    let mail = mailparse::parse_mail(&raw)
        .unwrap_or_else(|error| panic!("{} is not a valid email: {error}", path.display()));
    let header = |name: &str| mail.headers.get_first_value(name);
    ReceivedEmail {
        to: header("To").unwrap_or_default(),
        subject: header("Subject").unwrap_or_default(),
        message_id: header("Message-ID").unwrap_or_default(),
        list_unsubscribe: header("List-Unsubscribe"),
        reply_to: header("Reply-To"),
        text: part(&mail, "text/plain"),
        html: part(&mail, "text/html"),
    }
}

/// The decoded body of the first part of this type, with `\n` line ends (SMTP
/// sends `\r\n`).
fn part(mail: &ParsedMail<'_>, mimetype: &str) -> String {
    if mail.subparts.is_empty() {
        if mail.ctype.mimetype == mimetype {
            return mail
                .get_body()
                .expect("a decodable body")
                .replace("\r\n", "\n");
        }
        return String::new();
    }
    mail.subparts
        .iter()
        .map(|sub| part(sub, mimetype))
        .find(|body| !body.is_empty())
        .unwrap_or_default()
}
