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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum AppError {
    Unauthenticated,
    Forbidden,
    NotFound,
    Invalid(FieldErrors),
    BadCredentials,
    /// Seconds to wait.
    Throttled(u64),
    Refused(crate::i18n::Problem),
    /// Seconds to wait.
    TooFast(u64),
    /// Seconds to wait.
    Busy(u64),
    /// Seconds to wait.
    TooManyAccounts(u64),
    /// Seconds to wait.
    TooManyGroups(u64),
    Internal,
    Unavailable,
    Transport(String),
}

impl AppError {
    /// What the reader is told, in `words`' language: the error travels as its
    /// kind (a code) and its detail, and the page words it.
    pub fn words(&self, words: crate::i18n::Words) -> String {
        use crate::i18n::k;
        let seconds = |s: &u64| {
            [(
                "seconds",
                words.number(i64::try_from(*s).unwrap_or(i64::MAX)),
            )]
        };
        let fill = |key, values: &[(&str, String)]| {
            let args: Vec<(&str, &dyn std::fmt::Display)> = values
                .iter()
                .map(|(name, value)| (*name, value as &dyn std::fmt::Display))
                .collect();
            words.f(key, &args)
        };
        match self {
            AppError::Unauthenticated => words.t(k::error_unauthenticated).into(),
            AppError::Forbidden => words.t(k::error_forbidden).into(),
            AppError::NotFound => words.t(k::error_not_found).into(),
            AppError::Invalid(errors) => {
                let details: Vec<String> = errors.0.iter().map(|(_, p)| p.words(words)).collect();
                fill(k::error_invalid, &[("details", details.join(" "))])
            }
            AppError::BadCredentials => words.t(k::error_bad_credentials).into(),
            AppError::Throttled(s) => fill(k::error_throttled, &seconds(s)),
            AppError::Refused(why) => why.words(words),
            AppError::TooFast(s) => fill(k::error_too_fast, &seconds(s)),
            AppError::Busy(s) => fill(k::error_busy, &seconds(s)),
            AppError::TooManyAccounts(s) => fill(
                k::error_too_many_accounts,
                &[(
                    "minutes",
                    words.number(i64::try_from(s.div_ceil(60)).unwrap_or(i64::MAX)),
                )],
            ),
            AppError::TooManyGroups(s) => fill(
                k::error_too_many_groups,
                &[
                    ("count", words.number(GROUPS_PER_DAY)),
                    (
                        "hours",
                        words.number(i64::try_from(s.div_ceil(3600)).unwrap_or(i64::MAX)),
                    ),
                ],
            ),
            AppError::Internal => words.t(k::error_internal).into(),
            AppError::Unavailable => words.t(k::error_unavailable).into(),
            AppError::Transport(_) => words.t(k::error_transport).into(),
        }
    }
}

/// In the reader's language on a page (server-rendered or running), English in
/// a log line (no page, no language).
impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words(crate::i18n::use_words()))
    }
}

impl std::error::Error for AppError {}

impl AppError {
    /// Field-level messages when the error is about the input.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Invalid(errors) => Some(errors),
            _ => None,
        }
    }

    pub fn field(&self, name: &str) -> Option<String> {
        self.field_errors().and_then(|errors| errors.get(name))
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
    errors.add("form", crate::i18n::k::error_form_incomplete);
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
