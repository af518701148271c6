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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: i64,
    pub author: PartyView,
    /// The manager who wrote a message sent as a group; only that group's managers see it.
    pub written_by: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Sent by the viewer's side of the conversation.
    pub mine: bool,
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
