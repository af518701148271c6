//! Conversations: the SQL and the rules of starting, listing, reading and
//! replying. Access is always decided by `permissions`. One job per file; the
//! helpers they share are here.

mod compose;
mod drafts;
mod edit;
mod find_messages;
mod inbox;
mod membership;
mod react;
mod read;
mod requests;
mod search;
mod send;
mod start;
mod thread;

pub use compose::{compose_info, start_page_with};
pub use drafts::save_draft;
pub use edit::{delete_message, edit_message};
pub use find_messages::find_messages;
pub use inbox::inbox;
pub use membership::{add_people, leave};
pub use react::react;
pub use read::{mark_read, mark_unread, unread_count, unread_ids};
pub use requests::{answer_request, requests};
pub use search::search_parties;
pub use send::{reply, Reply};
pub use start::{start, Start};
pub use thread::{thread, thread_reaching, REACH_MAX};

use crate::domain::conversation::Party;
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::model::conversation::{PartyKind, PartyView};

fn field_error(field: &str, message: impl Into<crate::i18n::Problem>) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add(field, message);
    AppError::Invalid(errors)
}

fn member_view(id: i64, handle: String, name: String) -> PartyView {
    PartyView {
        token: Party::Member(id).token(),
        kind: PartyKind::Member,
        name,
        handle,
        avatar: None,
    }
}

fn group_view(id: i64, slug: String, name: String) -> PartyView {
    PartyView {
        token: Party::Group(id).token(),
        kind: PartyKind::Group,
        name,
        handle: slug,
        avatar: None,
    }
}

/// Member ids and group ids, for `= ANY($n)` parameters.
fn split_parties(parties: &[Party]) -> (Vec<i64>, Vec<i64>) {
    let mut members = Vec::new();
    let mut groups = Vec::new();
    for party in parties {
        match party {
            Party::Member(id) => members.push(*id),
            Party::Group(id) => groups.push(*id),
        }
    }
    (members, groups)
}
