//! Domain types and rules shared by the server and the WASM client.
//!
//! Every rule that decides whether input is acceptable lives here, so that the
//! browser can tell the user about a mistake before a round trip and the server,
//! which never trusts the browser, applies exactly the same function again.

pub mod account;
pub mod admin;
pub mod attachment;
pub mod conversation;
pub mod group;
pub mod language;
pub mod limits;
pub mod markdown;
pub mod moderation;
pub mod profile;
#[cfg(test)]
mod properties;
pub mod push;
pub mod redirect;
pub mod search;
pub mod text;
pub mod time_zone;

use serde::{Deserialize, Serialize};

/// Validation problems keyed by form field name, in the order they were found.
///
/// Field names match the `name` attributes of the form inputs (and the server
/// function arguments) so a page can show each message next to its field. Each
/// problem travels as a code the page words (`i18n::Problem`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<(String, crate::i18n::Problem)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, problem: impl Into<crate::i18n::Problem>) {
        self.0.push((field.to_string(), problem.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was found.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// The first problem for `field`, in the reader's words.
    pub fn get(&self, field: &str) -> Option<String> {
        self.problem(field).map(|p| p.to_string())
    }

    /// The first problem for `field`, as it travels.
    pub fn problem(&self, field: &str) -> Option<&crate::i18n::Problem> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, p)| p)
    }

    /// Records the error of a parse under `field` and returns the value if it was valid.
    pub fn check<T, E: Into<crate::i18n::Problem>>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(field, problem);
                None
            }
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let messages: Vec<String> = self.0.iter().map(|(_, p)| p.to_string()).collect();
        f.write_str(&messages.join(" "))
    }
}
