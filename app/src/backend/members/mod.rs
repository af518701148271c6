//! Members: the SQL behind accounts, the directory and profiles (server only).

use crate::domain::account::Registration;
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::i18n::k;
use crate::model::account::Role;
use crate::model::member::{GroupLink, MemberPage, MemberProfile, MemberSummary};
use sqlx::PgPool;

mod delete_account;
mod email_change;
mod export;
pub mod language;
mod profile_edit;
pub mod time_zone;
pub use delete_account::delete_account;
pub use email_change::{account_view, confirm_email_change, request_email_change};
pub use export::{export_data, MemberData};
pub use profile_edit::{current_handle_of, edit_profile, own_profile};

/// The user's text for use inside a LIKE pattern: `%`, `_` and `\\` taken literally.
pub fn like_escape(query: &str) -> String {
    query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The cheap checks before a registration's password is hashed: a taken handle,
/// a taken email, or the mailbox of a suspended member (`mailbox_of`: case,
/// `+tag`, Gmail's dots) become field errors.
pub async fn check_available(pool: &PgPool, registration: &Registration) -> Result<(), AppError> {
    let row = sqlx::query!(
        r#"SELECT EXISTS (SELECT 1 FROM members WHERE handle = $1)
                  OR EXISTS (SELECT 1 FROM former_handles WHERE handle = $1) AS "handle!",
                  EXISTS (SELECT 1 FROM members WHERE email = $2) AS "email!",
                  EXISTS (SELECT 1 FROM members
                          WHERE mailbox = mailbox_of($2) AND suspended_at IS NOT NULL) AS "suspended!""#,
        registration.handle.as_str(),
        registration.email.as_str()
    )
    .fetch_one(pool)
    .await?;
    let mut errors = FieldErrors::new();
    if row.handle {
        errors.add("handle", k::error_handle_taken);
    }
    if row.email || row.suspended {
        errors.add("email", k::error_email_taken);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.into())
    }
}

/// Who holds an email address a registration names (by its mailbox).
pub enum EmailOwner {
    Nobody,
    /// A registration that was never confirmed: it is replaced.
    Unverified(i64),
    /// An account in use: its owner is told, nobody else.
    Verified {
        display_name: String,
        email: String,
    },
    /// A suspended member's mailbox: nothing happens.
    Suspended,
}

/// The owner of `email`'s mailbox, if any, locked until the transaction ends.
pub async fn email_owner(
    conn: &mut sqlx::PgConnection,
    email: &str,
) -> Result<EmailOwner, AppError> {
    let rows = sqlx::query!(
        r#"SELECT id, display_name, email, suspended_at IS NOT NULL AS "suspended!",
                  email_verified_at IS NOT NULL AS "verified!"
           FROM members WHERE mailbox = mailbox_of($1) OR email = $1
           ORDER BY id FOR UPDATE"#,
        email
    )
    .fetch_all(&mut *conn)
    .await?;
    if rows.iter().any(|r| r.suspended) {
        return Ok(EmailOwner::Suspended);
    }
    // The exact address first, then another spelling of the same mailbox.
    let owner = rows
        .iter()
        .find(|r| r.email == email && r.verified)
        .or_else(|| rows.iter().find(|r| r.verified));
    if let Some(owner) = owner {
        return Ok(EmailOwner::Verified {
            display_name: owner.display_name.clone(),
            email: owner.email.clone(),
        });
    }
    Ok(match rows.iter().find(|r| r.email == email) {
        Some(unverified) => EmailOwner::Unverified(unverified.id),
        None => EmailOwner::Nobody,
    })
}

/// Makes a registered account that waits for its email to be confirmed; `None`
/// when the email was taken meanwhile (said to nobody).
pub async fn create_unverified(
    conn: &mut sqlx::PgConnection,
    registration: &Registration,
    password_hash: &str,
    replacing: Option<i64>,
) -> Result<Option<i64>, AppError> {
    if let Some(old) = replacing {
        sqlx::query!(
            "DELETE FROM members WHERE id = $1 AND email_verified_at IS NULL",
            old
        )
        .execute(&mut *conn)
        .await?;
    }
    let inserted = sqlx::query_scalar!(
        "INSERT INTO members (handle, display_name, email, password_hash, email_verified_at)
         VALUES ($1, $2, $3, $4, NULL) RETURNING id",
        registration.handle.as_str(),
        registration.display_name.as_str(),
        registration.email.as_str(),
        password_hash
    )
    .fetch_one(&mut *conn)
    .await;
    match inserted {
        Ok(id) => Ok(Some(id)),
        Err(sqlx::Error::Database(error)) if error.constraint() == Some("members_handle_key") => {
            let mut errors = FieldErrors::new();
            errors.add("handle", k::error_handle_taken);
            Err(errors.into())
        }
        Err(sqlx::Error::Database(error)) if error.constraint() == Some("members_email_key") => {
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}

/// Whether a registration's handle is free (handles are public: saying so reveals nothing).
pub async fn check_handle(pool: &PgPool, registration: &Registration) -> Result<(), AppError> {
    let taken = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM members WHERE handle = $1)
                  OR EXISTS (SELECT 1 FROM former_handles WHERE handle = $1) AS "taken!""#,
        registration.handle.as_str()
    )
    .fetch_one(pool)
    .await?;
    if taken {
        let mut errors = FieldErrors::new();
        errors.add("handle", k::error_handle_taken);
        return Err(errors.into());
    }
    Ok(())
}

/// Inserts a new member; a taken handle or email becomes a field error.
pub async fn create(
    pool: &PgPool,
    registration: &Registration,
    password_hash: &str,
) -> Result<i64, AppError> {
    let inserted = sqlx::query_scalar!(
        "INSERT INTO members (handle, display_name, email, password_hash)
         VALUES ($1, $2, $3, $4) RETURNING id",
        registration.handle.as_str(),
        registration.display_name.as_str(),
        registration.email.as_str(),
        password_hash
    )
    .fetch_one(pool)
    .await;
    match inserted {
        Ok(id) => Ok(id),
        Err(sqlx::Error::Database(error)) if error.constraint() == Some("members_handle_key") => {
            let mut errors = FieldErrors::new();
            errors.add("handle", k::error_handle_taken);
            Err(errors.into())
        }
        Err(sqlx::Error::Database(error)) if error.constraint() == Some("members_email_key") => {
            let mut errors = FieldErrors::new();
            errors.add("email", k::error_email_taken);
            Err(errors.into())
        }
        Err(error) => Err(error.into()),
    }
}

/// What signing in needs of an active account, by (normalized) email.
pub struct Credentials {
    pub id: i64,
    pub password_hash: String,
    pub verified: bool,
}

/// The credentials of an active account, by (normalized) email.
pub async fn credentials(pool: &PgPool, email: &str) -> Result<Option<Credentials>, AppError> {
    let row = sqlx::query!(
        r#"SELECT id, password_hash, email_verified_at IS NOT NULL AS "verified!" FROM members
           WHERE email = $1 AND suspended_at IS NULL AND deleted_at IS NULL"#,
        email
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Credentials {
        id: r.id,
        password_hash: r.password_hash,
        verified: r.verified,
    }))
}

/// One page of active members ordered by name, matching `query` if it is not empty.
pub async fn directory(
    pool: &PgPool,
    query: &str,
    after: Option<i64>,
    limit: i64,
) -> Result<MemberPage, AppError> {
    let rows = sqlx::query!(
        r#"SELECT m.id, m.handle, m.display_name, m.bio, m.avatar
           FROM members m
           WHERE m.suspended_at IS NULL AND m.deleted_at IS NULL
             AND ($1 = '' OR m.search_name LIKE '%' || fold_name($1) || '%')
             AND ($2::bigint IS NULL OR (fold_name(m.display_name), m.id) >
                  (SELECT fold_name(c.display_name), c.id FROM members c WHERE c.id = $2))
           ORDER BY fold_name(m.display_name), m.id
           LIMIT $3"#,
        like_escape(query),
        after,
        limit + 1
    )
    .fetch_all(pool)
    .await?;
    let mut members: Vec<MemberSummary> = rows
        .into_iter()
        .map(|r| MemberSummary {
            id: r.id,
            handle: r.handle,
            display_name: r.display_name,
            bio: r.bio,
            avatar: r.avatar,
        })
        .collect();
    let next = if members.len() as i64 > limit {
        members.truncate(limit as usize);
        members.last().map(|m| m.id)
    } else {
        None
    };
    Ok(MemberPage { members, next })
}

/// A profile by handle; `None` for unknown, suspended or deleted members alike.
pub async fn profile(pool: &PgPool, handle: &str) -> Result<Option<MemberProfile>, AppError> {
    let Some(member) = sqlx::query!(
        r#"SELECT id, handle, display_name, bio, role, avatar, created_at::date AS "since!"
           FROM members
           WHERE handle = $1 AND suspended_at IS NULL AND deleted_at IS NULL"#,
        handle
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let groups = sqlx::query!(
        r#"SELECT g.slug, g.name, gm.role = 'manager' AS "is_manager!"
           FROM group_memberships gm JOIN groups g ON g.id = gm.group_id
           WHERE gm.member_id = $1
           ORDER BY g.name"#,
        member.id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|g| GroupLink {
        slug: g.slug,
        name: g.name,
        is_manager: g.is_manager,
    })
    .collect();
    Ok(Some(MemberProfile {
        id: member.id,
        handle: member.handle,
        display_name: member.display_name,
        bio: member.bio,
        role: Role::from_db(&member.role),
        member_since: member.since,
        avatar: member.avatar,
        groups,
        viewer_blocked: None,
        viewer_is_member: false,
    }))
}
