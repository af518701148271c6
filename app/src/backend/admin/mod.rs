//! Administration: members (roles, suspensions), groups (closing, appointing a
//! manager) and the site's settings. Who may do it is decided in `permissions`
//! (`may_administer`); every action is written to the audit log in the same
//! transaction as the change.

mod groups;
mod members;
mod settings;

pub use groups::{appoint_manager, close_group, groups};
pub use members::{lift, members, set_role, suspend};
pub use settings::{invite, save_settings};

use crate::error::AppError;
use sqlx::PgConnection;

/// One line of the audit log (`moderation_log`, shared with the moderators').
pub(crate) struct Logged<'a> {
    pub action: &'a str,
    pub member_id: Option<i64>,
    pub group_id: Option<i64>,
    pub note: String,
}

impl<'a> Logged<'a> {
    /// An action on a member.
    pub fn member(action: &'a str, member_id: i64, note: impl Into<String>) -> Self {
        Logged {
            action,
            member_id: Some(member_id),
            group_id: None,
            note: note.into(),
        }
    }

    /// An action on a group (and perhaps one of its members).
    pub fn group(
        action: &'a str,
        group_id: i64,
        member_id: Option<i64>,
        note: impl Into<String>,
    ) -> Self {
        Logged {
            action,
            member_id,
            group_id: Some(group_id),
            note: note.into(),
        }
    }

    /// An action on the site itself (its settings, its invitations).
    pub fn site(action: &'a str, note: impl Into<String>) -> Self {
        Logged {
            action,
            member_id: None,
            group_id: None,
            note: note.into(),
        }
    }
}

pub(crate) async fn log(
    conn: &mut PgConnection,
    admin_id: i64,
    entry: Logged<'_>,
) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO moderation_log (moderator_id, action, member_id, group_id, note)
         VALUES ($1, $2, $3, $4, $5)",
        admin_id,
        entry.action,
        entry.member_id,
        entry.group_id,
        entry.note
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The member with this handle (suspended ones included, deleted ones not),
/// locked for the change; `NotFound` otherwise.
pub(crate) async fn lock_member(
    conn: &mut PgConnection,
    handle: &str,
) -> Result<(i64, crate::model::account::Role), AppError> {
    let row = sqlx::query!(
        "SELECT id, role FROM members WHERE handle = $1 AND deleted_at IS NULL FOR UPDATE",
        handle.trim().trim_start_matches('@').to_lowercase()
    )
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok((row.id, crate::model::account::Role::from_db(&row.role)))
}
