//! Password hashes: argon2id, on blocking threads, a few at a time.
//!
//! One argon2id hash with the crate's default parameters takes 19 MiB for about
//! 50 ms of one core. Unbounded, a burst of sign-ins or registrations takes
//! gigabytes; so each process hashes at most `concurrency` passwords at once, lets
//! a bounded queue wait briefly for a turn, and refuses the rest with 503 and a
//! Retry-After (`AppError::Busy`) before any memory is spent.

use crate::domain::account::Password;
use crate::error::AppError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The hashing capacity of this process.
#[derive(Debug)]
pub struct Passwords {
    permits: Semaphore,
    /// Requests waiting for a permit; beyond `max_waiting`, refused at once.
    waiting: AtomicUsize,
    max_waiting: usize,
    max_wait: Duration,
}

/// How long a refused request is told to wait.
const RETRY_AFTER_SECONDS: u64 = 2;

impl Passwords {
    /// `concurrency` hashes at once (at least one), `max_waiting` more queued for up
    /// to `max_wait` each.
    pub fn new(concurrency: usize, max_waiting: usize, max_wait: Duration) -> Self {
        Self {
            permits: Semaphore::new(concurrency.max(1)),
            waiting: AtomicUsize::new(0),
            max_waiting,
            max_wait,
        }
    }

    /// Hashes a new password with argon2id (the crate's default algorithm and parameters).
    pub async fn hash(&self, password: &Password) -> Result<String, AppError> {
        let password = password.expose().to_string();
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
        })
        .await?
        .map_err(|error| {
            tracing::error!(%error, "password hashing failed");
            AppError::Internal
        })
    }

    /// Checks a password against a stored hash. A missing account still costs one
    /// verification, so response time does not reveal which addresses exist.
    pub async fn verify(
        &self,
        stored_hash: Option<String>,
        candidate: String,
    ) -> Result<bool, AppError> {
        let found = stored_hash.is_some();
        let matches = self
            .run(move || {
                let hash = stored_hash.unwrap_or_else(|| decoy_hash().to_string());
                PasswordHash::new(&hash).is_ok_and(|parsed| {
                    Argon2::default()
                        .verify_password(candidate.as_bytes(), &parsed)
                        .is_ok()
                })
            })
            .await?;
        Ok(matches && found)
    }

    /// Runs `work` on a blocking thread once a permit is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = match self.permits.try_acquire() {
            Ok(permit) => permit,
            Err(_) => self.wait_for_permit().await?,
        };
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| AppError::Internal)
    }

    async fn wait_for_permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, AppError> {
        let queued = self.waiting.fetch_add(1, Ordering::SeqCst);
        let _leave = LeaveQueue(&self.waiting);
        if queued >= self.max_waiting {
            return Err(AppError::Busy(RETRY_AFTER_SECONDS));
        }
        match tokio::time::timeout(self.max_wait, self.permits.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(AppError::Busy(RETRY_AFTER_SECONDS)),
        }
    }
}

struct LeaveQueue<'a>(&'a AtomicUsize);

impl Drop for LeaveQueue<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A hash of a random string nobody knows, made once per process.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(salt.as_str().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    async fn until(condition: impl Fn() -> bool) {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn beyond_the_queue_work_is_refused_with_a_retry_time_and_the_queue_is_served() {
        let passwords = Arc::new(Passwords::new(1, 1, Duration::from_secs(60)));
        let (release, held) = std::sync::mpsc::channel::<()>();
        let holder = {
            let passwords = passwords.clone();
            tokio::spawn(async move { passwords.run(move || held.recv().is_ok()).await })
        };
        until(|| passwords.permits.available_permits() == 0).await;
        let queued = {
            let passwords = passwords.clone();
            tokio::spawn(async move { passwords.run(|| "queued").await })
        };
        until(|| passwords.waiting.load(Ordering::SeqCst) == 1).await;
        assert_eq!(passwords.run(|| "third").await, Err(AppError::Busy(2)));
        release.send(()).unwrap();
        assert_eq!(holder.await.unwrap(), Ok(true));
        assert_eq!(queued.await.unwrap(), Ok("queued"));
        assert_eq!(passwords.waiting.load(Ordering::SeqCst), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_that_waits_too_long_is_refused() {
        let passwords = Arc::new(Passwords::new(1, 4, Duration::from_millis(50)));
        let (release, held) = std::sync::mpsc::channel::<()>();
        let holder = {
            let passwords = passwords.clone();
            tokio::spawn(async move { passwords.run(move || held.recv().is_ok()).await })
        };
        until(|| passwords.permits.available_permits() == 0).await;
        assert_eq!(passwords.run(|| ()).await, Err(AppError::Busy(2)));
        release.send(()).unwrap();
        assert_eq!(holder.await.unwrap(), Ok(true));
    }

    #[tokio::test]
    async fn a_wrong_password_and_a_missing_account_both_fail() {
        let passwords = Passwords::new(2, 2, Duration::from_secs(30));
        let password = Password::parse_new("correct horse battery staple", "x", "x@x.org").unwrap();
        let hash = passwords.hash(&password).await.unwrap();
        let right = "correct horse battery staple".to_string();
        assert!(passwords
            .verify(Some(hash.clone()), right.clone())
            .await
            .unwrap());
        assert!(!passwords.verify(Some(hash), "wrong".into()).await.unwrap());
        assert!(!passwords.verify(None, right).await.unwrap());
    }
}
