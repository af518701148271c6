//! The translation catalogue's check and compilation, shared by `app/build.rs`
//! (which turns `locales/*.json` into the tables) and the unit tests (which show
//! that a broken catalogue is refused).

use std::collections::BTreeSet;
use std::fmt::Write;

/// The plural forms a plural key holds, in this order, in every language.
const FORMS: [&str; 3] = ["one", "many", "other"];

/// Keys of words only the server sends (emails, pushes): the client does not
/// carry them.
pub const SENT_PREFIX: &str = "sent_";

fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                found.insert(after[..end].to_string());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    found
}

/// The strings of one key in one language: one, or `FORMS.len()` for a plural.
fn entries(language: &str, key: &str, value: &serde_json::Value) -> Result<Vec<String>, String> {
    match value {
        serde_json::Value::String(text) => Ok(vec![text.clone()]),
        serde_json::Value::Object(forms) => {
            let other = forms
                .get("other")
                .and_then(|v| v.as_str())
                .ok_or_else(|| format!("{language}: {key} is a plural without \"other\""))?;
            for name in forms.keys() {
                if !FORMS.contains(&name.as_str()) {
                    return Err(format!(
                        "{language}: {key} has an unknown plural form {name:?}"
                    ));
                }
            }
            Ok(FORMS
                .iter()
                .map(|form| {
                    forms
                        .get(*form)
                        .and_then(|v| v.as_str())
                        .unwrap_or(other)
                        .to_string()
                })
                .collect())
        }
        _ => Err(format!(
            "{language}: {key} is neither a sentence nor a plural"
        )),
    }
}

/// One language's catalogue: every `*.json` of its folder, merged (a key in
/// two files is refused), in file-name order.
pub fn read_folder(folder: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .map_err(|e| format!("{folder}: {e}"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut merged = serde_json::Map::new();
    for path in files {
        println!("cargo::rerun-if-changed={}", path.display());
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for (key, value) in map {
            if merged.insert(key.clone(), value).is_some() {
                return Err(format!(
                    "{}: the key {key} is in another file too",
                    path.display()
                ));
            }
        }
    }
    Ok(merged)
}

/// Checks every language against English and writes the Rust source of the
/// tables; the problems found, if any.
pub fn compile(
    catalogues: &[(&str, serde_json::Map<String, serde_json::Value>)],
) -> Result<String, Vec<String>> {
    let (_, english) = &catalogues[0];
    let mut problems = Vec::new();
    let mut tables: Vec<Vec<String>> = vec![Vec::new(); catalogues.len()];
    let mut keys = String::new();
    // Error codes travel by name (`error_…` sentences): name → entry.
    let mut error_keys: Vec<(String, usize)> = Vec::new();
    // Entry by entry: words only the server sends (emails, pushes).
    let mut sent_only: Vec<bool> = Vec::new();
    for (key, value) in english {
        let valid_ident = key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid_ident {
            problems.push(format!("en: the key {key:?} is not snake_case"));
            continue;
        }
        let english_entries = match entries("en", key, value) {
            Ok(found) => found,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let plural = value.is_object();
        sent_only.extend(std::iter::repeat_n(
            key.starts_with(SENT_PREFIX),
            english_entries.len(),
        ));
        if key.starts_with("error_") && !plural {
            error_keys.push((key.clone(), tables[0].len()));
        }
        let expected: BTreeSet<String> = english_entries
            .iter()
            .flat_map(|e| placeholders(e))
            .collect();
        let _ = writeln!(
            keys,
            "    pub const {key}: super::{kind} = super::{kind}({});",
            tables[0].len(),
            kind = if plural { "Plural" } else { "Key" }
        );
        for (i, (language, catalogue)) in catalogues.iter().enumerate() {
            let found = match catalogue.get(key) {
                None => {
                    problems.push(format!("{language}: the key {key} is missing"));
                    english_entries.clone()
                }
                Some(translated) if translated.is_object() != plural => {
                    problems.push(format!(
                        "{language}: {key} must be {} as in English",
                        if plural { "a plural" } else { "a sentence" }
                    ));
                    english_entries.clone()
                }
                Some(translated) => match entries(language, key, translated) {
                    Ok(found) => found,
                    Err(problem) => {
                        problems.push(problem);
                        english_entries.clone()
                    }
                },
            };
            let named: BTreeSet<String> = found.iter().flat_map(|e| placeholders(e)).collect();
            if named != expected && !(plural && named.is_subset(&expected)) {
                problems.push(format!(
                    "{language}: {key} names {named:?}, English {expected:?}"
                ));
            }
            tables[i].extend(found);
        }
    }
    for (language, catalogue) in &catalogues[1..] {
        for key in catalogue.keys() {
            if !english.contains_key(key) {
                problems.push(format!("{language}: the key {key} is not in English"));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "/// Every key, by name: a sentence (`Key`) or a plural (`Plural`)."
    );
    let _ = writeln!(
        out,
        "#[allow(non_upper_case_globals)]\npub mod k {{\n{keys}}}"
    );
    let _ = writeln!(
        out,
        "/// Entries in each language's table.\npub const ENTRIES: usize = {};",
        tables[0].len()
    );
    error_keys.sort();
    let _ = writeln!(
        out,
        "/// The sentences an error code may name, by name (sorted).\npub static ERROR_KEYS: [(&str, usize); {}] = [",
        error_keys.len()
    );
    for (name, entry) in &error_keys {
        let _ = writeln!(out, "    ({name:?}, {entry}),");
    }
    let _ = writeln!(out, "];");
    let _ = writeln!(
        out,
        "/// Entries only the server uses (keys `{SENT_PREFIX}…`): empty in the client's\n/// English and in the table a page carries.\n#[cfg(feature = \"ssr\")]\npub static SENT_ONLY: [bool; ENTRIES] = {sent_only:?};"
    );
    for (i, (language, _)) in catalogues.iter().enumerate() {
        let name = language.to_uppercase();
        // The client carries English only, without the server's own words; the
        // server every language.
        let _ = writeln!(out, "#[cfg(feature = \"ssr\")]");
        let _ = writeln!(out, "pub static {name}: [&str; ENTRIES] = [");
        for entry in &tables[i] {
            let _ = writeln!(out, "    {entry:?},");
        }
        let _ = writeln!(out, "];");
        if i == 0 {
            let _ = writeln!(out, "#[cfg(not(feature = \"ssr\"))]");
            let _ = writeln!(out, "pub static {name}: [&str; ENTRIES] = [");
            for (entry, sent) in tables[i].iter().zip(&sent_only) {
                let entry = if *sent { "" } else { entry.as_str() };
                let _ = writeln!(out, "    {entry:?},");
            }
            let _ = writeln!(out, "];");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue(json: &str) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(json).expect("test JSON")
    }

    #[test]
    fn a_missing_extra_or_mismatched_translation_fails_the_build() {
        let en = catalogue(
            r#"{"hello": "Hello {name}", "unread": {"one": "{count} unread", "other": "{count} unread"}}"#,
        );
        let good = catalogue(
            r#"{"hello": "Bonjour {name}", "unread": {"one": "{count} non lue", "other": "{count} non lues"}}"#,
        );
        assert!(compile(&[("en", en.clone()), ("fr", good)]).is_ok());
        let broken = catalogue(r#"{"unread": "non lues", "extra": "x", "hello": "Bonjour {nom}"}"#);
        let problems = compile(&[("en", en.clone()), ("fr", broken)]).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("unread must be a plural")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("extra is not in English")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("hello names")),
            "{problems:?}"
        );
        let missing = catalogue(r#"{"hello": "Bonjour {name}"}"#);
        let problems = compile(&[("en", en), ("fr", missing)]).unwrap_err();
        assert_eq!(problems, ["fr: the key unread is missing"]);
    }

    /// The real catalogue: every language complete (the build checks it too).
    #[test]
    fn the_portal_catalogue_is_complete() {
        let mut catalogues = Vec::new();
        for language in ["en", "fr", "de", "es"] {
            let folder = format!("{}/locales/{language}", env!("CARGO_MANIFEST_DIR"));
            catalogues.push((language, read_folder(&folder).expect("read a catalogue")));
        }
        assert_eq!(compile(&catalogues).err(), None);
    }
}
