//! Who may do what. Every server function asks here rather than deciding on its own,
//! so each rule is written once.

use crate::error::AppError;

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
