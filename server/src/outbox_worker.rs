//! The loop the outbox workers (email, push) run: a round of due rows, again at
//! once while rounds come back full, else after `poll`; until the server closes.

use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

pub async fn run_rounds<F, Fut>(
    what: &'static str,
    poll: Duration,
    batch: usize,
    mut closing: watch::Receiver<bool>,
    mut round: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, app::error::AppError>>,
{
    loop {
        let handled = match round().await {
            Ok(n) => n,
            Err(error) => {
                tracing::warn!(%error, outbox = what, "an outbox round failed; will retry");
                0
            }
        };
        if *closing.borrow() {
            return;
        }
        if handled < batch {
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = closing.changed() => return,
            }
        }
    }
}
