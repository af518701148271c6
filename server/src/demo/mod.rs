//! Demo data: about 200 members with names from many cultures and scripts,
//! 12 groups with managers and members, a moderator and an administrator.
//!
//! Loading is idempotent: rows are keyed by handle and slug, so a second load
//! inserts nothing and changes nothing.

mod groups;
mod people;

use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use people::members;
use sqlx::PgPool;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The password of every demo account (listed in the README).
pub const DEMO_PASSWORD: &str = "portal-demo-pass";
pub const MEMBER_COUNT: usize = 210;

pub async fn load(pool: &PgPool) -> Result<(), Error> {
    let members = members();
    let already = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM members WHERE handle = ANY($1)"#,
        &members.iter().map(|m| m.handle.clone()).collect::<Vec<_>>()
    )
    .fetch_one(pool)
    .await?;
    if already as usize == members.len() {
        tracing::info!("demo data already loaded");
        return Ok(());
    }
    // One hash for every demo account: hashing 200 times would only slow the load.
    let hash = tokio::task::spawn_blocking(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(DEMO_PASSWORD.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await?
    .map_err(|e| e.to_string())?;

    let mut tx = pool.begin().await?;
    people::insert(&mut tx, &members, &hash).await?;
    groups::insert(&mut tx, &members).await?;
    tx.commit().await?;
    tracing::info!(
        members = members.len(),
        groups = groups::GROUPS.len(),
        "demo data loaded"
    );
    Ok(())
}

/// Whether the demo administrator is in this database with the published
/// password: a portal on the internet must never run so.
pub async fn published_password_in_use(pool: &PgPool) -> Result<bool, Error> {
    let hash = sqlx::query_scalar!(
        "SELECT password_hash FROM members WHERE handle = 'lars' AND email = 'lars@example.org'"
    )
    .fetch_optional(pool)
    .await?;
    let Some(hash) = hash else {
        return Ok(false);
    };
    let matches = tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            argon2::Argon2::default()
                .verify_password(DEMO_PASSWORD.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await?;
    Ok(matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_members_have_unique_valid_handles_and_names() {
        let members = members();
        assert_eq!(members.len(), MEMBER_COUNT);
        let mut handles: Vec<_> = members.iter().map(|m| m.handle.clone()).collect();
        handles.sort();
        handles.dedup();
        assert_eq!(handles.len(), MEMBER_COUNT);
        for m in &members {
            assert!(
                app::domain::account::Handle::parse(&m.handle).is_ok(),
                "{}",
                m.handle
            );
            assert!(
                app::domain::account::DisplayName::parse(&m.display_name).is_ok(),
                "{}",
                m.display_name
            );
        }
        for script in ["é", "王", "김", "محمد", "נועה"] {
            assert!(
                members.iter().any(|m| m.display_name.contains(script)),
                "no name with {script}"
            );
        }
    }
}
