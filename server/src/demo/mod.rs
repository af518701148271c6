//! Demo data: about 200 members with names from many cultures and scripts,
//! 12 groups with managers and members, a moderator and an administrator.
//!
//! Loading is idempotent: rows are keyed by handle and slug, so a second load
//! inserts nothing and changes nothing.

mod groups;
mod people;

use app::backend::auth::Passwords;
use app::domain::account::Password;
use app::model::account::{Role, Viewer};
use people::{members, DemoMember};
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
    // One hash for every demo account (hashed as registration does): hashing 200
    // times would only slow the load.
    let password = Password::parse_new(DEMO_PASSWORD, "", "").map_err(|p| p.to_string())?;
    let hash = Passwords::new(1, 0, std::time::Duration::from_secs(60))
        .hash(&password)
        .await?;

    let ids = people::create(pool, &members, &hash).await?;
    appoint_staff(pool, &members, &ids).await?;
    groups::create(pool, &members, &ids).await?;
    // Besides making the first administrator, the one thing no function of the
    // portal does: age the accounts and memberships, as in a community that has
    // been running (new accounts have stricter sending limits).
    sqlx::query!(
        "UPDATE members SET created_at = now() - make_interval(days => 1 + ((i.n::int - 1) * 3) % 900)
         FROM unnest($1::bigint[]) WITH ORDINALITY AS i(id, n) WHERE members.id = i.id",
        &ids
    )
    .execute(pool)
    .await?;
    sqlx::query!(
        "UPDATE group_memberships SET joined_at = now() - interval '90 days' WHERE member_id = ANY($1)",
        &ids
    )
    .execute(pool)
    .await?;
    tracing::info!(
        members = members.len(),
        groups = groups::GROUPS.len(),
        "demo data loaded"
    );
    Ok(())
}

/// The first administrator is made as an operator makes one (the README's
/// `UPDATE members SET role = 'admin'`); they appoint the other staff in
/// `/admin`'s way (`admin::set_role`).
async fn appoint_staff(pool: &PgPool, members: &[DemoMember], ids: &[i64]) -> Result<(), Error> {
    let staff: Vec<(&DemoMember, &i64)> = members
        .iter()
        .zip(ids)
        .filter(|(m, _)| m.role != "member")
        .collect();
    let Some(&(first, first_id)) = staff.iter().find(|(m, _)| m.role == "admin") else {
        return Ok(());
    };
    sqlx::query!("UPDATE members SET role = 'admin' WHERE id = $1", first_id)
        .execute(pool)
        .await?;
    let admin = Viewer {
        id: *first_id,
        handle: first.handle.clone(),
        display_name: first.display_name.clone(),
        role: Role::Admin,
        avatar: None,
    };
    for (member, _) in staff.iter().filter(|(_, id)| *id != first_id) {
        let role = if member.role == "admin" {
            Role::Admin
        } else {
            Role::Moderator
        };
        app::backend::admin::set_role(pool, &admin, &member.handle, role).await?;
    }
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
