//! Password hashes: argon2id, on blocking threads.

use crate::domain::account::Password;
use crate::error::AppError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// Hashes a new password with argon2id (the crate's default algorithm and parameters).
pub async fn hash_password(password: &Password) -> Result<String, AppError> {
    let password = password.expose().to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|_| AppError::Internal)?
    .map_err(|error| {
        tracing::error!(%error, "password hashing failed");
        AppError::Internal
    })
}

/// Checks a password against a stored hash. A missing account still costs one
/// verification, so response time does not reveal which addresses exist.
pub async fn verify_password(stored_hash: Option<String>, candidate: String) -> bool {
    // A hash of a random string nobody knows, made once per process.
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let found = stored_hash.is_some();
    tokio::task::spawn_blocking(move || {
        let hash = stored_hash.unwrap_or_else(|| {
            DECOY
                .get_or_init(|| {
                    let salt = SaltString::generate(&mut OsRng);
                    Argon2::default()
                        .hash_password(salt.as_str().as_bytes(), &salt)
                        .map(|hash| hash.to_string())
                        .unwrap_or_default()
                })
                .clone()
        });
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(candidate.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
        && found
}
