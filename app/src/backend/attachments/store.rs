//! Where the bytes of attachments live. PostgreSQL by default (`stored_files`):
//! every instance sees them, and the database's backup covers them. An object
//! store would be another variant here, keeping its own keys in the same
//! `attachments` columns (and erasing through a queue instead of the trigger
//! that erases PostgreSQL's rows with their attachment).

use crate::error::AppError;
use sqlx::{PgConnection, PgPool};

#[derive(Debug, Clone, Copy, Default)]
pub enum FileStore {
    #[default]
    Postgres,
}

impl FileStore {
    /// Stores `bytes` in the transaction that records the attachment, so a
    /// failed upload leaves nothing behind; returns the key to read it by.
    pub async fn put(self, tx: &mut PgConnection, bytes: &[u8]) -> Result<String, AppError> {
        match self {
            FileStore::Postgres => {
                let key = new_key();
                sqlx::query!(
                    "INSERT INTO stored_files (key, bytes) VALUES ($1, $2)",
                    key,
                    bytes
                )
                .execute(tx)
                .await?;
                Ok(key)
            }
        }
    }

    pub async fn get(self, pool: &PgPool, key: &str) -> Result<Option<Vec<u8>>, AppError> {
        match self {
            FileStore::Postgres => Ok(sqlx::query_scalar!(
                "SELECT bytes FROM stored_files WHERE key = $1",
                key
            )
            .fetch_optional(pool)
            .await?),
        }
    }
}

/// 128 random bits: keys never say anything about the file or its order.
fn new_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
