//! The one translation layer: every sentence a member reads goes through a
//! `Words` of their language. The catalogue is `app/locales/*.json`, checked and
//! compiled by `app/build.rs` into one table per language (`k::…` names the
//! entries). The server holds every language; the client holds English and
//! reads the reader's own table from the page (`<script id="portal-words">`,
//! JSON, which a Content-Security-Policy does not treat as code), so a language
//! costs only the readers who read it.
//!
//! Hand-written rather than `leptos_i18n`: its per-language loading puts its
//! table in an inline `<script>` without the request's nonce, which the
//! portal's Content-Security-Policy refuses (the client then fails); without it,
//! every language is compiled into everyone's WebAssembly.

use crate::domain::language::Language;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt::Display;

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// A sentence of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(usize);

/// A sentence with plural forms, chosen by a `{count}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plural(usize);

/// The id of the page's table of words.
pub const WORDS_ELEMENT: &str = "portal-words";

/// The words of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words {
    pub language: Language,
    table: &'static [&'static str],
}

impl Default for Words {
    fn default() -> Self {
        Words::of(Language::En)
    }
}

impl Words {
    /// The words of `language` (English where this side does not hold them).
    pub fn of(language: Language) -> Words {
        #[cfg(feature = "ssr")]
        let table: &'static [&'static str] = match language {
            Language::En => &EN,
            Language::Fr => &FR,
            Language::De => &DE,
            Language::Es => &ES,
        };
        #[cfg(not(feature = "ssr"))]
        let table: &'static [&'static str] = match page::loaded() {
            Some((loaded, table)) if loaded == language => table,
            _ => &EN,
        };
        Words { language, table }
    }

    /// A sentence.
    pub fn t(self, key: Key) -> &'static str {
        self.table.get(key.0).copied().unwrap_or_default()
    }

    /// A sentence with its `{placeholders}` filled in.
    pub fn f(self, key: Key, args: &[(&str, &dyn Display)]) -> String {
        fill(self.t(key), args)
    }

    /// A plural sentence for `count` (written as the language writes numbers),
    /// with its other placeholders filled in.
    pub fn p(self, key: Plural, count: i64, args: &[(&str, &dyn Display)]) -> String {
        let form = self.language.plural(count) as usize;
        let text = self.table.get(key.0 + form).copied().unwrap_or_default();
        let count = self.language.number(count);
        let mut all: Vec<(&str, &dyn Display)> = vec![("count", &count)];
        all.extend_from_slice(args);
        fill(text, &all)
    }

    /// A number as the language writes it.
    pub fn number(self, n: i64) -> String {
        self.language.number(n)
    }

    /// The whole table, as the page carries it for the client.
    #[cfg(feature = "ssr")]
    pub fn table_json(self) -> String {
        let shown: Vec<&str> = self
            .table
            .iter()
            .zip(SENT_ONLY.iter())
            .map(|(entry, sent)| if *sent { "" } else { *entry })
            .collect();
        serde_json::to_string(&shown).unwrap_or_else(|_| "[]".into())
    }
}

/// A value a problem's sentence names: numbers are written as the reader's
/// language writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arg {
    Number(i64),
    Text(String),
    /// A file's size, written with the language's units and decimal comma.
    Size {
        bytes: u64,
    },
}

impl Arg {
    pub fn size(bytes: u64) -> Arg {
        Arg::Size { bytes }
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<u64> for Arg {
    fn from(n: u64) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Arg::Text(text.to_string())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Arg::Text(text)
    }
}

/// What went wrong, as it travels: the name of an `error_…` sentence of the
/// catalogue and the values it names, worded by the page in the reader's
/// language. A problem not yet given a code carries its English words
/// (`code` empty, the text as `text`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub code: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<(String, Arg)>,
}

impl Problem {
    /// The problem `key` (an `error_…` sentence) names.
    pub fn new(key: Key) -> Problem {
        let code = ERROR_KEYS
            .iter()
            .find(|(_, entry)| *entry == key.0)
            .map(|(name, _)| name.to_string())
            .unwrap_or_default();
        Problem {
            code,
            args: Vec::new(),
        }
    }

    /// Words not yet given a code (English).
    pub fn text(text: impl Into<String>) -> Problem {
        Problem {
            code: String::new(),
            args: vec![("text".into(), Arg::Text(text.into()))],
        }
    }

    /// The value its sentence names `{name}`.
    pub fn with(mut self, name: &str, value: impl Into<Arg>) -> Problem {
        self.args.push((name.to_string(), value.into()));
        self
    }

    /// The problem in `words`' language (a code this build does not know is
    /// said as an unknown problem: never the raw code).
    pub fn words(&self, words: Words) -> String {
        let values: Vec<(&str, String)> = self
            .args
            .iter()
            .map(|(name, value)| {
                let written = match value {
                    Arg::Number(n) => words.number(*n),
                    Arg::Text(text) => text.clone(),
                    Arg::Size { bytes } => words.language.size(*bytes),
                };
                (name.as_str(), written)
            })
            .collect();
        if self.code.is_empty() {
            return values
                .iter()
                .find(|(name, _)| *name == "text")
                .map(|(_, text)| text.clone())
                .unwrap_or_default();
        }
        let entry = ERROR_KEYS
            .binary_search_by(|(name, _)| (*name).cmp(self.code.as_str()))
            .ok()
            .map(|i| ERROR_KEYS[i].1)
            .unwrap_or(k::error_internal.0);
        let args: Vec<(&str, &dyn Display)> = values
            .iter()
            .map(|(name, value)| (*name, value as &dyn Display))
            .collect();
        words.f(Key(entry), &args)
    }
}

impl From<String> for Problem {
    fn from(text: String) -> Self {
        Problem::text(text)
    }
}

impl From<&str> for Problem {
    fn from(text: &str) -> Self {
        Problem::text(text)
    }
}

impl From<Key> for Problem {
    fn from(key: Key) -> Self {
        Problem::new(key)
    }
}

/// In the reader's language where there is one (a page being written or run),
/// else English (a log line).
impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.words(use_words()))
    }
}

/// `{name}` → its value; unknown or unclosed braces stay as written.
fn fill(text: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(&value.to_string()),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The reader's words, for the whole app (in `App`): on the server from the
/// request (`domain::language`), in the browser from `<html lang>` and the
/// page's table, so both write the same page.
pub fn provide_words() -> Words {
    #[cfg(feature = "ssr")]
    let language = request_language();
    #[cfg(not(feature = "ssr"))]
    let language = page::loaded()
        .map(|(language, _)| language)
        .unwrap_or_default();
    let words = Words::of(language);
    provide_context(words);
    words
}

/// The language of the request being rendered: the `lang` cookie, else
/// `Accept-Language`, else the portal's first language; among those it offers.
#[cfg(feature = "ssr")]
pub fn request_language() -> Language {
    let offered = offered_on_server();
    match crate::api::context::request_headers() {
        Some(headers) => language_of_request(&headers, &offered),
        None => offered.first().copied().unwrap_or_default(),
    }
}

/// The portal's languages from the application state; English where there is
/// none, as when the router renders the app once to list its routes (asked
/// quietly: that is not the missing-state bug `app_state` reports).
#[cfg(feature = "ssr")]
fn offered_on_server() -> Vec<Language> {
    leptos::prelude::use_context::<crate::backend::state::AppState>()
        .map(|state| state.settings.languages.clone())
        .unwrap_or_else(|| vec![Language::En])
}

/// The reader's language from a request's headers (for answers written
/// outside the app's pages too): the `lang` cookie, else `Accept-Language`,
/// else the first of `offered`.
#[cfg(feature = "ssr")]
pub fn language_of_request(headers: &http::HeaderMap, offered: &[Language]) -> Language {
    let cookie = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == crate::domain::language::LANGUAGE_COOKIE)
        .map(|(_, value)| value);
    let accept = headers
        .get(http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Language::for_reader(cookie, accept, offered)
}

/// The languages the portal offers, the fallback first: on the server from its
/// settings, in the browser from `<html data-languages>` (the shell writes it).
pub fn offered_languages() -> Vec<Language> {
    #[cfg(feature = "ssr")]
    let offered = offered_on_server();
    #[cfg(feature = "hydrate")]
    let offered = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|html| html.get_attribute("data-languages"))
        .map(|codes| codes.split(',').filter_map(Language::from_code).collect())
        .unwrap_or_else(|| vec![Language::En]);
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let offered = vec![Language::En];
    offered
}

/// The reader's words (English outside an app, as in a test).
pub fn use_words() -> Words {
    use_context::<Words>().unwrap_or_default()
}

/// The browser's side: the table the server put into the page.
#[cfg(not(feature = "ssr"))]
mod page {
    use super::Language;
    use std::sync::OnceLock;

    static LOADED: OnceLock<Option<(Language, &'static [&'static str])>> = OnceLock::new();

    /// Reads `<html lang>` and the page's table once (before hydrating); a table
    /// of the wrong length (a page from another build) is not used.
    pub fn loaded() -> Option<(Language, &'static [&'static str])> {
        *LOADED.get_or_init(read)
    }

    #[cfg(feature = "hydrate")]
    fn read() -> Option<(Language, &'static [&'static str])> {
        let document = web_sys::window()?.document()?;
        let language = Language::from_code(&document.document_element()?.get_attribute("lang")?)?;
        if language == Language::En {
            return Some((language, &super::EN));
        }
        let json = document
            .get_element_by_id(super::WORDS_ELEMENT)?
            .text_content()?;
        let table: Vec<String> = serde_json::from_str(&json).ok()?;
        if table.len() != super::ENTRIES {
            return None;
        }
        let table: Vec<&'static str> = table
            .into_iter()
            .map(|s| &*Box::leak(s.into_boxed_str()))
            .collect();
        Some((language, Box::leak(table.into_boxed_slice())))
    }

    #[cfg(not(feature = "hydrate"))]
    fn read() -> Option<(Language, &'static [&'static str])> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_carries_none_of_the_words_only_the_server_sends() {
        let french = Words::of(Language::Fr);
        assert_eq!(french.t(k::sent_push_new_message), "Nouveau message");
        let table: Vec<String> = serde_json::from_str(&french.table_json()).expect("JSON");
        assert_eq!(table.len(), ENTRIES);
        assert_eq!(table[k::sent_push_new_message.0], "");
        assert_eq!(table[k::signin_submit.0], "Se connecter");
        assert!(SENT_ONLY.iter().filter(|s| **s).count() > 50);
    }

    #[test]
    fn every_error_code_has_words_in_every_language() {
        assert!(!ERROR_KEYS.is_empty());
        assert!(
            ERROR_KEYS.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted for the search"
        );
        for language in Language::ALL {
            let words = Words::of(language);
            for (name, entry) in ERROR_KEYS {
                let problem = Problem::new(Key(entry));
                assert_eq!(problem.code, name);
                let said = problem.words(words);
                assert!(!said.trim().is_empty(), "{name} in {language:?}");
            }
        }
        // A code from another build is said, never shown raw.
        let unknown = Problem {
            code: "error_from_the_future".into(),
            args: vec![],
        };
        assert_eq!(
            unknown.words(Words::of(Language::En)),
            Words::of(Language::En).t(k::error_internal)
        );
        // Numbers as the language writes them.
        let fast = Problem::new(k::error_too_fast).with("seconds", 1500_i64);
        assert!(fast
            .words(Words::of(Language::De))
            .contains("1.500 Sekunden"));
        let json = serde_json::to_string(&fast).unwrap();
        assert_eq!(
            json,
            r#"{"code":"error_too_fast","args":[["seconds",1500]]}"#
        );
        assert_eq!(serde_json::from_str::<Problem>(&json).unwrap(), fast);
    }

    #[test]
    fn placeholders_are_filled_and_plurals_chosen() {
        assert_eq!(fill("Hello {name}!", &[("name", &"Ana")]), "Hello Ana!");
        assert_eq!(fill("{a}{b} {c", &[("a", &1), ("b", &2)]), "12 {c");
        assert_eq!(fill("{unknown}", &[]), "{unknown}");
        let fr = Words::of(Language::Fr);
        assert_eq!(
            fr.p(k::header_unread, 0, &[]),
            fr.p(k::header_unread, 1, &[]).replace('1', "0")
        );
        assert!(Words::of(Language::De)
            .p(k::header_unread, 1000, &[])
            .contains("1.000"));
    }
}
