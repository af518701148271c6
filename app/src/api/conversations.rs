//! Conversations: starting one, the inbox, threads, replies and read state.
//!
//! Every function here asks `permissions` whether the signed-in member may see
//! the conversation; anyone else gets `NotFound`, exactly as for a missing id,
//! so nobody can learn that a conversation exists.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Member,
    Group,
}

/// A member or group as shown in conversations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyView {
    /// `member:12` or `group:3` (see `domain::conversation::Party`).
    pub token: String,
    pub kind: PartyKind,
    pub name: String,
    /// Handle or slug: the avatar colour and the profile link come from it.
    pub handle: String,
}

impl PartyView {
    pub fn path(&self) -> String {
        match self.kind {
            PartyKind::Member => format!("/members/{}", self.handle),
            PartyKind::Group => format!("/groups/{}", self.handle),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: i64,
    /// Everyone in it except the viewer's own side.
    pub others: Vec<PartyView>,
    pub last_author: String,
    pub snippet: String,
    pub last_message_at: DateTime<Utc>,
    pub unread: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxPage {
    pub conversations: Vec<ConversationSummary>,
    /// Cursor of the next (older) page.
    pub next: Option<String>,
    /// The groups the viewer manages: each has its own list of conversations.
    pub managed_groups: Vec<PartyView>,
    /// The group whose conversations these are, when not the viewer's own.
    pub group: Option<PartyView>,
    /// Message requests waiting for the viewer (their own list only).
    pub requests: i64,
}

/// A conversation someone started with the viewer that waits for their answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    pub id: i64,
    /// Who wrote first (a member, or a group when sent as one).
    pub from: PartyView,
    /// The member who wrote it.
    pub sender: String,
    pub sender_since: DateTime<Utc>,
    /// How many days old the sender's account is.
    pub sender_age_days: i64,
    /// Groups the viewer and the sender are both in.
    pub shared_groups: Vec<String>,
    /// Everyone else in it.
    pub others: Vec<PartyView>,
    pub snippet: String,
    pub last_message_at: DateTime<Utc>,
}

/// What a thread entry is: a message, or a note about who left or was added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    #[default]
    Text,
    /// "Alice left the conversation."
    Left,
    /// "Alice added Dan and Erin."; the body names who was added.
    Added,
}

impl MessageKind {
    #[cfg(feature = "ssr")]
    pub fn from_db(value: &str) -> Self {
        match value {
            "left" => Self::Left,
            "added" => Self::Added,
            _ => Self::Text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: i64,
    #[serde(default)]
    pub kind: MessageKind,
    pub author: PartyView,
    /// The manager who wrote a message sent as a group; only that group's managers see it.
    pub written_by: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Sent by the viewer's side of the conversation.
    pub mine: bool,
    /// Removed by a moderator: the body is empty and the thread says so.
    #[serde(default)]
    pub removed: bool,
    /// From a member the viewer blocked: shown collapsed.
    #[serde(default)]
    pub collapsed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadView {
    pub id: i64,
    pub others: Vec<PartyView>,
    /// Who the viewer writes as in this conversation (themself or a group they manage).
    pub acting_as: PartyView,
    /// Oldest first.
    pub messages: Vec<MessageView>,
    /// Id to pass as `before` to load older messages, if there are any.
    pub older: Option<i64>,
    /// The viewer muted this conversation.
    pub muted: bool,
    /// A message request the viewer has not answered yet.
    pub request: bool,
    /// Three or more people: members can leave it and people can be added.
    pub multi_person: bool,
    /// The viewer is listed as themself (not answering for a group): they may leave.
    pub may_leave: bool,
}

/// What the start-conversation form needs: the preselected recipients and whom the
/// viewer can write as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComposeInfo {
    pub preselected: Vec<PartyView>,
    pub send_as: Vec<PartyView>,
    /// A fresh idempotency key for forms posted without JavaScript.
    pub key: String,
}

pub const INBOX_PAGE_SIZE: i64 = 20;
pub const THREAD_PAGE_SIZE: i64 = 30;

/// Members and groups whose name matches, for the recipient picker (never the viewer).
#[server(endpoint = "search_parties")]
pub async fn search_parties(query: String) -> Result<Vec<PartyView>, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::conversations::search_parties(&state.pool, viewer.id, &query).await
    };
    crate::error::respond(result.await)
}

/// Looks up the recipients named in a start link (`?to=member:alice`) and whom the
/// viewer can write as. Tokens here may name members by handle and groups by slug.
#[server(endpoint = "get_compose_info")]
pub async fn get_compose_info(#[server(default)] to: Vec<String>) -> Result<ComposeInfo, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::conversations::compose_info(&state.pool, &viewer, &to).await
    };
    crate::error::respond(result.await)
}

/// Starts a conversation (or continues the one with exactly these people) and
/// returns its id. `send_as` is `member:<own id>` or `group:<id>` of a managed group.
#[server(endpoint = "start_conversation")]
pub async fn start_conversation(
    send_as: String,
    #[server(default)] to: Vec<String>,
    body: String,
    key: String,
) -> Result<i64, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        let id = crate::conversations::start(
            &state.pool,
            &viewer,
            &send_as,
            &to,
            &body,
            &key,
            &state.settings,
        )
        .await?;
        leptos_axum::redirect(&format!("/conversations/{id}"));
        Ok(id)
    };
    crate::error::respond(result.await)
}

/// The viewer's conversations, most recent activity first; with `group` (a slug),
/// the conversations of a group the viewer manages.
#[server(endpoint = "list_conversations")]
pub async fn list_conversations(
    #[server(default)] group: Option<String>,
    #[server(default)] before: Option<String>,
) -> Result<InboxPage, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::conversations::inbox(&state.pool, &viewer, group.as_deref(), before.as_deref()).await
    };
    crate::error::respond(result.await)
}

/// A thread's newest messages (or those before `before`). Opening the newest page
/// marks the conversation read up to the newest message shown.
#[server(endpoint = "get_thread")]
pub async fn get_thread(
    id: i64,
    #[server(default)] before: Option<i64>,
) -> Result<ThreadView, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::conversations::thread(&state.pool, &viewer, id, before).await
    };
    crate::error::respond(result.await)
}

/// Replies in a conversation. A retry with the same `key` returns the first result.
#[server(endpoint = "send_message")]
pub async fn send_message(
    conversation: i64,
    body: String,
    key: String,
) -> Result<MessageView, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        let message = crate::conversations::reply(
            &state.pool,
            &viewer,
            conversation,
            &body,
            &key,
            &state.settings,
        )
        .await?;
        // A plain form post (no JavaScript) goes back to the thread.
        leptos_axum::redirect(&format!("/conversations/{conversation}"));
        Ok(message)
    };
    crate::error::respond(result.await)
}

/// How many conversations have unread messages (0 when signed out): the envelope
/// turns gold while this is above zero.
#[server(endpoint = "unread_conversations")]
pub async fn unread_conversations() -> Result<i64, AppError> {
    let result = async {
        let Some(viewer) = crate::auth::current_viewer().await? else {
            return Ok(0);
        };
        let state = crate::state::app_state()?;
        crate::conversations::unread_count(&state.pool, viewer.id).await
    };
    crate::error::respond(result.await)
}

/// Leaves a conversation with three or more people (see `conversations::leave`).
#[server(endpoint = "leave_conversation")]
pub async fn leave_conversation(conversation: i64) -> Result<(), AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::conversations::leave(&state.pool, &viewer, conversation, &state.settings).await?;
        leptos_axum::redirect("/conversations");
        Ok(())
    };
    crate::error::respond(result.await)
}

/// Adds members or groups (`member:<id>`, `group:<id>`) to a multi-person conversation.
#[server(endpoint = "add_people")]
pub async fn add_people(
    conversation: i64,
    #[server(default)] to: Vec<String>,
) -> Result<(), AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::conversations::add_people(&state.pool, &viewer, conversation, &to, &state.settings)
            .await?;
        leptos_axum::redirect(&format!("/conversations/{conversation}"));
        Ok(())
    };
    crate::error::respond(result.await)
}

/// Message requests waiting for the viewer's answer.
#[server(endpoint = "list_requests")]
pub async fn list_requests() -> Result<Vec<RequestView>, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::conversations::requests(&state.pool, &viewer).await
    };
    crate::error::respond(result.await)
}

/// Answers a message request: `accept`, `decline` or `decline_and_report`.
#[server(endpoint = "answer_request")]
pub async fn answer_request(conversation: i64, answer: String) -> Result<(), AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        let answer = crate::domain::moderation::RequestAnswer::parse(&answer).map_err(|e| {
            let mut errors = crate::domain::FieldErrors::new();
            errors.add("answer", e);
            AppError::Invalid(errors)
        })?;
        crate::conversations::answer_request(&state.pool, &viewer, conversation, answer).await?;
        let to = match answer {
            crate::domain::moderation::RequestAnswer::Accept => {
                format!("/conversations/{conversation}")
            }
            _ => "/conversations/requests".to_string(),
        };
        leptos_axum::redirect(&to);
        Ok(())
    };
    crate::error::respond(result.await)
}
