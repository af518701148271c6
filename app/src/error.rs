//! The error every server function returns, shaped for the person reading it.
//!
//! It crosses the network as JSON, so the client can react to the kind of
//! error (show field messages, ask to sign in) rather than parse text.
//! Internal failures carry no detail: the server logs the cause and the user
//! only learns that it was our fault and what to do next.

use crate::domain::group::GROUPS_PER_DAY;
use crate::domain::FieldErrors;
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("You are not allowed to do that.")]
    Forbidden,
    #[error("We could not find that. It may have been removed, or the address may be mistyped.")]
    NotFound,
    #[error("Please correct the highlighted fields: {0}")]
    Invalid(FieldErrors),
    #[error("That email and password do not match an account. Check both and try again.")]
    BadCredentials,
    #[error("Too many failed sign-ins. Please wait {0} seconds, then try again.")]
    Throttled(u64),
    #[error("{0}")]
    Refused(String),
    #[error("You are sending faster than our code of conduct allows. Please wait {0} seconds, then send again; your message is kept.")]
    TooFast(u64),
    #[error("Many people are signing in right now. Please try again in {0} seconds; what you typed is kept.")]
    Busy(u64),
    #[error("Too many accounts were made from your network in the last hour. Please try again in {} minutes.", .0.div_ceil(60))]
    TooManyAccounts(u64),
    #[error("You have created {GROUPS_PER_DAY} groups in the last day. Please try again in {} hours.", .0.div_ceil(3600))]
    TooManyGroups(u64),
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    #[error(
        "The portal is briefly unavailable. Please try again in a moment; what you typed is kept."
    )]
    Unavailable,
    #[error("We could not reach the portal. Check your connection and try again.")]
    Transport(String),
}

impl AppError {
    /// Field-level messages when the error is about the input.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Invalid(errors) => Some(errors),
            _ => None,
        }
    }

    pub fn field(&self, name: &str) -> Option<String> {
        self.field_errors()
            .and_then(|errors| errors.get(name))
            .map(str::to_string)
    }

    /// Seconds after which trying again will work, for `Retry-After`.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::Throttled(s)
            | AppError::TooFast(s)
            | AppError::Busy(s)
            | AppError::TooManyAccounts(s)
            | AppError::TooManyGroups(s) => Some(*s),
            _ => None,
        }
    }

    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) | AppError::BadCredentials => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Throttled(_)
            | AppError::TooFast(_)
            | AppError::TooManyAccounts(_)
            | AppError::TooManyGroups(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Refused(_) => StatusCode::CONFLICT,
            AppError::Internal | AppError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Unavailable | AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Invalid(errors)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Arguments that do not even decode are bad input, not a network fault.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => undecodable_form(),
            // On the server, a request body that does not decode (bytes that are
            // not UTF-8, say) is bad input too; the decoder's words stay out of it.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(_) => undecodable_form(),
            other => AppError::Transport(other.to_string()),
        }
    }
}

/// "The form was incomplete", answered with 422 like any other invalid input (the
/// server-function layer would otherwise answer 500 before our code runs).
fn undecodable_form() -> AppError {
    let mut errors = FieldErrors::new();
    errors.add("form", "The form was incomplete. Please fill it in again.");
    let error = AppError::Invalid(errors);
    #[cfg(feature = "ssr")]
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(error.status());
    }
    error
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        // Database text stays in the log; the user gets a generic message. The
        // database being unreachable or restarting is said as such (503): trying
        // again shortly will work, and nothing was stored.
        let unavailable = match &error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
            sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                // 08: connection exceptions; 57P0x: shutdown, crash, starting up.
                code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
            }),
            _ => false,
        };
        if unavailable {
            tracing::warn!(%error, "database unavailable");
            AppError::Unavailable
        } else {
            tracing::error!(%error, "database error");
            AppError::Internal
        }
    }
}

/// Sets the HTTP status of the current response from a server function's
/// result, so clients and logs see 404, 422, 429... rather than a blanket 500.
#[cfg(feature = "ssr")]
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(error.status());
            if let Some(seconds) = error.retry_after() {
                response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
            }
        }
    }
    result
}
