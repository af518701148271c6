//! Rules for files attached to messages, shared by the browser (which checks a
//! file before uploading it) and the server (which checks it again, and then
//! its content: see `backend::attachments`).

use crate::i18n::{k, Arg, Problem};
use serde::{Deserialize, Serialize};

/// How much a member may attach (PORTAL_ATTACHMENTS_PER_MESSAGE,
/// PORTAL_ATTACHMENT_MB, PORTAL_STORAGE_QUOTA_MB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRules {
    pub per_message: usize,
    /// The largest file accepted, in bytes.
    pub file_bytes: u64,
    /// What one member's files may take in all, in bytes.
    pub quota_bytes: u64,
}

impl Default for AttachmentRules {
    fn default() -> Self {
        Self {
            per_message: 5,
            file_bytes: 10 * 1000 * 1000,
            quota_bytes: 500 * 1000 * 1000,
        }
    }
}

/// The longest file name kept (in characters); longer ones are shortened.
pub const NAME_MAX: usize = 120;

/// What a file is, by its name's extension: the content must agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFamily {
    /// JPEG, PNG or WebP: re-encoded and shown in the thread.
    Picture,
    Pdf,
    /// Plain UTF-8 text.
    Text,
    /// Word, Excel and PowerPoint files, and OpenDocument ones.
    Office,
}

/// The extensions accepted, by family (lower case).
const EXTENSIONS: &[(&str, FileFamily)] = &[
    ("jpg", FileFamily::Picture),
    ("jpeg", FileFamily::Picture),
    ("png", FileFamily::Picture),
    ("webp", FileFamily::Picture),
    ("pdf", FileFamily::Pdf),
    ("txt", FileFamily::Text),
    ("md", FileFamily::Text),
    ("csv", FileFamily::Text),
    ("log", FileFamily::Text),
    ("doc", FileFamily::Office),
    ("docx", FileFamily::Office),
    ("xls", FileFamily::Office),
    ("xlsx", FileFamily::Office),
    ("ppt", FileFamily::Office),
    ("pptx", FileFamily::Office),
    ("odt", FileFamily::Office),
    ("ods", FileFamily::Office),
    ("odp", FileFamily::Office),
];

/// The file picker's `accept`: the same list.
pub const ACCEPT: &str = "image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp,.pdf,.txt,.md,.csv,.log,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp";

/// The family a file name says, if it is one accepted.
pub fn family_of_name(name: &str) -> Option<FileFamily> {
    let (_, extension) = name.rsplit_once('.')?;
    let extension = extension.to_ascii_lowercase();
    EXTENSIONS
        .iter()
        .find(|(e, _)| *e == extension)
        .map(|(_, family)| *family)
}

/// A file name as the portal keeps it: the last part of a path only, without
/// control or direction-changing characters, at most `NAME_MAX` characters
/// (the extension kept), never empty.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let name = if cleaned.is_empty() { "file" } else { cleaned };
    if name.chars().count() <= NAME_MAX {
        return name.to_string();
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| e.chars().count() <= 8)
        .unwrap_or_default();
    let keep = NAME_MAX - extension.chars().count() - 1;
    let stem: String = name.chars().take(keep).collect();
    if extension.is_empty() {
        stem
    } else {
        format!("{stem}.{extension}")
    }
}

/// Whether a file may be uploaded, by what the browser knows before sending it:
/// its name and size. The server checks the same, then the content.
pub fn check_file(rules: AttachmentRules, name: &str, size: u64) -> Result<FileFamily, Problem> {
    let name = clean_name(name);
    let family = family_of_name(&name)
        .ok_or_else(|| Problem::new(k::error_file_kind).with("name", name.as_str()))?;
    if size == 0 {
        return Err(Problem::new(k::error_file_empty).with("name", name));
    }
    if size > rules.file_bytes {
        return Err(Problem::new(k::error_file_too_large)
            .with("name", name)
            .with("size", Arg::size(size))
            .with("max", Arg::size(rules.file_bytes)));
    }
    Ok(family)
}

/// The uploads a message takes, as the form sends them: ids separated by commas.
pub fn parse_ids(raw: &str, rules: AttachmentRules) -> Result<Vec<i64>, Problem> {
    let mut ids = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if ids.len() == rules.per_message {
            return Err(too_many(rules));
        }
        let id = part
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| Problem::new(k::error_files_unreadable))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

pub fn too_many(rules: AttachmentRules) -> Problem {
    Problem::new(k::error_files_too_many).with("max", rules.per_message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_last_part_without_control_characters() {
        assert_eq!(clean_name("C:\\Users\\a\\photo.JPG"), "photo.JPG");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("in\u{202E}gpj.exe"), "ingpj.exe");
        assert_eq!(clean_name("..."), "file");
        assert_eq!(clean_name(".hidden.txt"), "hidden.txt");
        let long = format!("{}.pdf", "a".repeat(300));
        let cleaned = clean_name(&long);
        assert_eq!(cleaned.chars().count(), NAME_MAX);
        assert!(cleaned.ends_with(".pdf"));
    }

    #[test]
    fn files_are_checked_by_name_and_size() {
        let rules = AttachmentRules::default();
        assert_eq!(check_file(rules, "a.PNG", 10), Ok(FileFamily::Picture));
        assert_eq!(check_file(rules, "report.docx", 10), Ok(FileFamily::Office));
        assert!(check_file(rules, "run.exe", 10).is_err());
        assert!(check_file(rules, "noextension", 10).is_err());
        assert!(check_file(rules, "a.pdf", 0).is_err());
        assert!(check_file(rules, "a.pdf", 10_000_000).is_ok());
        let refused = check_file(rules, "a.pdf", 10_001_000)
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("10.1\u{a0}MB") && refused.contains("at most 10\u{a0}MB"),
            "{refused}"
        );
    }

    #[test]
    fn ids_are_bounded_and_deduplicated() {
        let rules = AttachmentRules::default();
        assert_eq!(parse_ids("", rules), Ok(vec![]));
        assert_eq!(parse_ids("3, 4,3,", rules), Ok(vec![3, 4]));
        assert!(parse_ids("1,2,3,4,5,6", rules).is_err());
        assert!(parse_ids("1,x", rules).is_err());
        assert!(parse_ids("-1", rules).is_err());
    }

    #[test]
    fn sizes_read_as_file_managers_show_them() {
        use crate::domain::language::Language;
        assert_eq!(Language::En.size(12), "12\u{a0}bytes");
        assert_eq!(Language::En.size(830_001), "831\u{a0}KB");
        assert_eq!(Language::En.size(2_400_000), "2.4\u{a0}MB");
        assert_eq!(Language::En.size(10_000_000), "10\u{a0}MB");
        assert_eq!(Language::Fr.size(2_400_000), "2,4\u{a0}Mo");
        assert_eq!(Language::De.size(1_234_500_000), "1.234,5\u{a0}MB");
    }
}
