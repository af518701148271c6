//! The translation catalogue: `locales/{en,fr,de,es}/*.json` (a file per part of
//! the portal, merged; a key belongs to one file) become `OUT_DIR/catalogue.rs`,
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
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let catalogues: Vec<_> = LANGUAGES
        .iter()
        .map(|language| {
            let folder = format!("{dir}/locales/{language}");
            println!("cargo::rerun-if-changed={folder}");
            (
                *language,
                catalogue::read_folder(&folder).unwrap_or_else(|e| panic!("{e}")),
            )
        })
        .collect();
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
