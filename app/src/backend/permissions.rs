//! Who may do what. Every server function asks here rather than deciding on its own,
//! so each rule is written once.

use crate::domain::conversation::Party;
use crate::error::AppError;
use crate::i18n::{k, Problem};
use sqlx::PgPool;

/// Anyone signed in may join an open group; a closed one only when its managers
/// invited them (otherwise they ask to join, and a manager approves).
pub fn may_join_group(is_open_to_them: bool) -> Result<(), AppError> {
    if is_open_to_them {
        Ok(())
    } else {
        Err(AppError::Refused(k::error_group_closed.into()))
    }
}

/// A group's managers edit it and decide who is in it; nobody else may (the
/// group's page is public, so refusing says nothing that was secret).
pub fn may_manage_group(viewer_role: Option<&str>) -> Result<(), AppError> {
    if viewer_role == Some("manager") {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A manager steps down or is removed only while another manager remains.
pub fn keeps_a_manager(manager_count: i64) -> Result<(), AppError> {
    if manager_count > 1 {
        Ok(())
    } else {
        Err(AppError::Refused(k::error_group_needs_manager.into()))
    }
}

/// A group always keeps at least one manager to handle its conversations.
pub fn may_leave_group(is_manager: bool, manager_count: i64) -> Result<(), AppError> {
    if is_manager && manager_count <= 1 {
        Err(AppError::Refused(k::error_group_only_manager.into()))
    } else {
        Ok(())
    }
}

/// Whether `member_id` may currently write as `group_id`: a manager of it while it
/// is open. Access follows the managers list at the moment of each request: a new
/// manager sees the group's conversations at once, a former one loses them at once.
pub async fn manages_group(pool: &PgPool, member_id: i64, group_id: i64) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM group_memberships gm JOIN groups g ON g.id = gm.group_id
                          WHERE gm.member_id = $1 AND gm.group_id = $2 AND gm.role = 'manager'
                            AND g.closed_at IS NULL) AS "managed!""#,
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
    /// They are listed directly but have not accepted the conversation yet (a
    /// message request); replying accepts it.
    pub request: bool,
    /// Why nobody may write here any more, if so.
    pub read_only: Option<ReadOnly>,
}

/// A conversation that stays readable but takes no new messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOnly {
    /// One to one, and the other person deleted their account.
    DeletedMember,
    /// A group in it was closed by an administrator.
    ClosedGroup,
}

impl ReadOnly {
    /// Why, as it travels (worded by the page in the reader's language).
    pub fn problem(self) -> Problem {
        Problem::new(match self {
            ReadOnly::DeletedMember => k::error_read_only_deleted_member,
            ReadOnly::ClosedGroup => k::error_read_only_closed_group,
        })
    }
}

impl Access {
    /// Refuses writing to a read-only conversation.
    pub fn may_write(&self) -> Result<(), AppError> {
        match self.read_only {
            Some(why) => Err(AppError::Refused(why.problem())),
            None => Ok(()),
        }
    }
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
/// members listed directly (who have not declined it or left) and the current
/// managers of the groups listed (the SQL view `conversation_viewers`, which every
/// listing and reading query uses too). Listed directly wins over managing a
/// group listed in it. Anyone else gets `NotFound`, the same answer as for an id
/// that does not exist.
pub async fn conversation_access(
    pool: &PgPool,
    member_id: i64,
    conversation_id: i64,
) -> Result<Access, AppError> {
    let row = sqlx::query!(
        r#"SELECT via_group_id, request AS "request!",
                  EXISTS (SELECT 1 FROM conversation_parties cp JOIN groups g ON g.id = cp.group_id
                          WHERE cp.conversation_id = $1 AND g.closed_at IS NOT NULL) AS "closed_group!",
                  -- Counted only when someone in it deleted their account (rare).
                  CASE WHEN EXISTS (SELECT 1 FROM conversation_parties cp
                                    JOIN members m ON m.id = cp.member_id
                                    WHERE cp.conversation_id = $1 AND m.deleted_at IS NOT NULL)
                       THEN (SELECT count(*) FROM conversation_parties WHERE conversation_id = $1) = 2
                       ELSE false END AS "deleted_partner!"
           FROM conversation_viewers
           WHERE conversation_id = $1 AND member_id = $2
           ORDER BY via_group_id NULLS FIRST LIMIT 1"#,
        conversation_id,
        member_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Access {
        acting_as: match row.via_group_id {
            Some(group_id) => Party::Group(group_id),
            None => Party::Member(member_id),
        },
        request: row.request,
        read_only: if row.closed_group {
            Some(ReadOnly::ClosedGroup)
        } else if row.deleted_partner {
            Some(ReadOnly::DeletedMember)
        } else {
            None
        },
    })
}

/// Only the member who wrote a message edits or deletes it, and only while they
/// take part as the side it was sent from: a manager who wrote for a group loses
/// it with the group, and no other manager of the group may change their words.
/// Other participants see the message, so they are told no rather than NotFound.
pub fn may_change_message(
    access: &Access,
    viewer_id: i64,
    author_id: i64,
    as_group_id: Option<i64>,
) -> Result<(), AppError> {
    let same_side = match access.acting_as {
        Party::Member(id) => as_group_id.is_none() && id == author_id,
        Party::Group(id) => as_group_id == Some(id),
    };
    if same_side && author_id == viewer_id {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Only moderators and administrators reach reports, the review queue and the log.
pub fn may_moderate(viewer: &crate::model::account::Viewer) -> Result<(), AppError> {
    if viewer.role.moderates() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Only administrators reach `/admin`: members' roles and suspensions, groups,
/// the site's settings and invitations.
pub fn may_administer(viewer: &crate::model::account::Viewer) -> Result<(), AppError> {
    if viewer.role == crate::model::account::Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// How long a member must have been in an open group before it counts as shared
/// for "only members who share a group with me".
pub const SHARED_GROUP_DAYS: i32 = 7;

/// What the code of conduct says about `writer` bringing these members into a
/// conversation (starting one with them or adding them): refused outright if any
/// of them blocked the writer, with a neutral message that does not say so; and
/// which of them receive it as a request, because they only take messages from
/// members they share a group with. Writing as a group counts that group as shared.
///
/// A shared group counts only when the writer's membership is at least
/// `SHARED_GROUP_DAYS` old, or the group is closed (its managers let them in):
/// joining an open group of the recipient's, writing and leaving again would
/// otherwise get round the recipient's choice.
pub async fn reach_members(
    conn: &mut sqlx::PgConnection,
    writer_id: i64,
    as_group: Option<i64>,
    member_ids: &[i64],
) -> Result<Vec<i64>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT m.id, m.display_name,
                  EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = m.id AND b.blocked_id = $1) AS "blocked!",
                  m.message_policy = 'shared_groups' AND NOT EXISTS (
                    SELECT 1 FROM group_memberships mine
                    JOIN group_memberships theirs ON theirs.group_id = mine.group_id
                    JOIN groups g ON g.id = mine.group_id
                    WHERE theirs.member_id = m.id
                      AND ((mine.member_id = $1
                            AND (mine.joined_at <= now() - make_interval(days => $4) OR NOT g.is_open))
                           OR mine.group_id = $3)
                  ) AS "request!"
           FROM members m WHERE m.id = ANY($2) ORDER BY m.display_name"#,
        writer_id,
        member_ids,
        as_group,
        SHARED_GROUP_DAYS
    )
    .fetch_all(&mut *conn)
    .await?;
    if let Some(blocked) = rows.iter().find(|r| r.blocked) {
        let mut errors = crate::domain::FieldErrors::new();
        errors.add(
            "to",
            Problem::new(k::error_cannot_message).with("name", blocked.display_name.as_str()),
        );
        return Err(AppError::Invalid(errors));
    }
    Ok(rows
        .into_iter()
        .filter(|r| r.request)
        .map(|r| r.id)
        .collect())
}

/// An attached file someone may read: where its bytes are and how to serve them.
#[derive(Debug, Clone)]
pub struct ReadableFile {
    pub name: String,
    pub media_type: String,
    pub picture: bool,
    pub file_key: String,
    pub thumbnail_key: Option<String>,
}

/// Who reads an attached file: its uploader while it is not sent; once sent,
/// the conversation's current participants (`conversation_viewers`, as for its
/// messages) while the message is neither deleted nor removed; and moderators
/// when the message was reported (they review what was reported). Everyone
/// else gets `NotFound`, as for a file that does not exist.
pub async fn readable_file(
    pool: &PgPool,
    viewer: &crate::model::account::Viewer,
    attachment_id: i64,
) -> Result<ReadableFile, AppError> {
    let row = sqlx::query!(
        r#"SELECT a.name, a.media_type, a.width IS NOT NULL AS "picture!", a.file_key, a.thumbnail_key
           FROM attachments a LEFT JOIN messages m ON m.id = a.message_id
           WHERE a.id = $1 AND (
               (a.message_id IS NULL AND a.uploader_id = $2)
               OR (m.deleted_at IS NULL AND m.removed_at IS NULL
                   AND EXISTS (SELECT 1 FROM conversation_viewers v
                               WHERE v.conversation_id = m.conversation_id AND v.member_id = $2))
               OR ($3 AND EXISTS (SELECT 1 FROM reports r WHERE r.message_id = a.message_id)))"#,
        attachment_id,
        viewer.id,
        viewer.role.moderates()
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(ReadableFile {
        name: row.name,
        media_type: row.media_type,
        picture: row.picture,
        file_key: row.file_key,
        thumbnail_key: row.thumbnail_key,
    })
}
