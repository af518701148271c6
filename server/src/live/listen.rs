//! The one LISTEN connection of an instance, passing each announced event to the hub.

use super::Hub;
use app::backend::live::CHANNEL;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;

pub async fn listen(pool: PgPool, hub: Arc<Hub>) {
    let mut closing = hub.closing();
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "live listener cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(error) = listener.listen(CHANNEL).await {
            tracing::warn!(%error, "live listener cannot LISTEN; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        // Whatever was announced while we were not listening is in the database.
        hub.gap_all();
        loop {
            tokio::select! {
                _ = closing.changed() => return,
                received = listener.try_recv() => match received {
                    Ok(Some(notification)) => hub.dispatch(notification.payload()),
                    Ok(None) => {
                        tracing::warn!("live listener lost its connection; reconnecting");
                        break;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "live listener failed; reconnecting");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        break;
                    }
                },
            }
        }
    }
}
