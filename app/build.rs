//! The translation catalogue: `locales/{en,fr,de,es}.json` become `OUT_DIR/catalogue.rs`,
//! one table per language indexed by the same keys (`i18n::k::…`). The build fails
//! when a language lacks a key English has, has one English lacks, gives a plural
//! where English has a sentence (or the reverse), or names other `{placeholders}`:
//! a missing translation can never reach a member, nor a sentence lose its name.
//!
//! A JSON value is a sentence (`"Sign in"`, `"Hello {name}"`) or a plural
//! (`{"one": "{count} unread", "other": "{count} unread"}`; `many` where the
//! language has it, `other` stands in for any form left out).

#[path = "src/catalogue.rs"]
mod catalogue;

const LANGUAGES: [&str; 4] = ["en", "fr", "de", "es"];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/catalogue.rs");
    for language in LANGUAGES {
        println!("cargo::rerun-if-changed=locales/{language}.json");
    }
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut catalogues = Vec::new();
    for language in LANGUAGES {
        let path = format!("{dir}/locales/{language}.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        catalogues.push((language, map));
    }
    let out = catalogue::compile(&catalogues).unwrap_or_else(|problems| {
        panic!(
            "the translation catalogue has {} problems:\n{}",
            problems.len(),
            problems.join("\n")
        )
    });
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(format!("{out_dir}/catalogue.rs"), out).expect("write the catalogue");
}
