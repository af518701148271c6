//! Who may do what. Every server function asks here rather than deciding on its own,
//! so each rule is written once.

use crate::domain::conversation::Party;
use crate::error::AppError;
use sqlx::PgPool;

/// Anyone signed in may join an open group; closed groups are joined by invitation.
pub fn may_join_group(is_open: bool) -> Result<(), AppError> {
    if is_open {
        Ok(())
    } else {
        Err(AppError::Refused(
            "This group is closed. Ask one of its managers to add you.".into(),
        ))
    }
}

/// A group always keeps at least one manager to handle its conversations.
pub fn may_leave_group(is_manager: bool, manager_count: i64) -> Result<(), AppError> {
    if is_manager && manager_count <= 1 {
        Err(AppError::Refused(
            "You are this group's only manager. Appoint another manager before leaving.".into(),
        ))
    } else {
        Ok(())
    }
}

/// Whether `member_id` is currently a manager of `group_id`. Access follows the
/// managers list at the moment of each request: a new manager sees the group's
/// conversations at once, a former one loses them at once.
pub async fn manages_group(pool: &PgPool, member_id: i64, group_id: i64) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM group_memberships
                          WHERE member_id = $1 AND group_id = $2 AND role = 'manager') AS "managed!""#,
        member_id,
        group_id
    )
    .fetch_one(pool)
    .await?)
}

/// How a member takes part in a conversation they may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// Who they read and write as: themself when listed directly, otherwise a
    /// group they manage.
    pub acting_as: Party,
}

impl Access {
    pub fn as_group(&self) -> Option<i64> {
        match self.acting_as {
            Party::Group(id) => Some(id),
            Party::Member(_) => None,
        }
    }
}

/// The one rule for reading and writing a conversation: its participants are the
/// members listed directly and the current managers of the groups listed. Anyone
/// else gets `NotFound`, the same answer as for an id that does not exist.
pub async fn conversation_access(
    pool: &PgPool,
    member_id: i64,
    conversation_id: i64,
) -> Result<Access, AppError> {
    let row = sqlx::query!(
        r#"SELECT
             EXISTS (SELECT 1 FROM conversation_parties
                     WHERE conversation_id = $1 AND member_id = $2) AS "direct!",
             (SELECT min(cp.group_id) FROM conversation_parties cp
              JOIN group_memberships gm ON gm.group_id = cp.group_id
              WHERE cp.conversation_id = $1 AND gm.member_id = $2 AND gm.role = 'manager') AS managed_group"#,
        conversation_id,
        member_id
    )
    .fetch_one(pool)
    .await?;
    match (row.direct, row.managed_group) {
        (true, _) => Ok(Access {
            acting_as: Party::Member(member_id),
        }),
        (false, Some(group_id)) => Ok(Access {
            acting_as: Party::Group(group_id),
        }),
        (false, None) => Err(AppError::NotFound),
    }
}
