//! Reading an inbound email: who sent it, whether a machine did, and the new
//! text a member wrote above the quoted notification (MIME, character sets and
//! HTML-only mail through `mail-parser`).

use mail_parser::{MessageParser, MimeHeaders, PartType};

/// What the portal needs of an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundEmail {
    pub message_id: Option<String>,
    /// The `From` address, lowercase.
    pub from: Option<String>,
    /// Sent by a machine: an auto-reply, a bounce, a list. Never answered.
    pub automatic: bool,
    /// The member's new text: quoted history and signature cut.
    pub text: String,
}

/// Whether `line` is the one notification emails carry above their content (in
/// any language: the member may have changed theirs since): whatever a reply
/// has below it is the notification quoted back.
fn is_reply_above(line: &str) -> bool {
    crate::domain::language::Language::ALL
        .iter()
        .any(|language| {
            line.contains(crate::i18n::Words::of(*language).t(crate::i18n::k::sent_reply_above))
        })
}

/// Most bytes of text read from one email (a reply is at most 1,000 characters;
/// the rest is quoted history).
const TEXT_BYTES: usize = 64 * 1024;

pub fn read_email(raw: &[u8]) -> Option<InboundEmail> {
    let message = MessageParser::default().parse(raw)?;
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    let automatic = header("Auto-Submitted").is_some_and(|v| v != "no")
        || header("Precedence")
            .is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list" | "auto_reply"))
        || header("X-Autoreply").is_some()
        || header("X-Autorespond").is_some()
        || message.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("multipart")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        });
    let from = message
        .from()
        .and_then(|from| from.first())
        .and_then(|addr| addr.address())
        .map(|a| a.trim().to_lowercase());
    let mut body = match message.text_part(0).map(|part| &part.body) {
        Some(PartType::Text(text)) => text.to_string(),
        _ => message
            .body_html(0)
            .map(|html| html_text(&html))
            .unwrap_or_default(),
    };
    if body.len() > TEXT_BYTES {
        let mut end = TEXT_BYTES;
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        body.truncate(end);
    }
    Some(InboundEmail {
        message_id: message.message_id().map(str::to_string),
        from,
        automatic,
        text: new_text(&body),
    })
}

/// HTML mail as text: blocks on their own lines, quoted blocks (`<blockquote>`)
/// as `>` lines, which the cut below leaves out; no wrapping.
fn html_text(html: &str) -> String {
    let text = html2text::config::plain()
        .string_from_read(html.as_bytes(), 100_000)
        .unwrap_or_default();
    inline_links(&text)
}

/// html2text writes links as `[text][1]` with `[1]: https://…` at the end; the
/// thread's Markdown writes `[text](https://…)`.
fn inline_links(text: &str) -> String {
    let mut targets: Vec<(String, String)> = Vec::new();
    let mut body: Vec<&str> = text.lines().collect();
    while let Some(last) = body.last() {
        let last = last.trim();
        if last.is_empty() {
            body.pop();
            continue;
        }
        let Some((number, url)) = last
            .strip_prefix('[')
            .and_then(|rest| rest.split_once("]: "))
            .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        else {
            break;
        };
        targets.push((format!("][{number}]"), url.trim().to_string()));
        body.pop();
    }
    let mut joined = body.join("\n");
    for (reference, url) in targets {
        joined = joined.replace(&reference, &format!("]({url})"));
    }
    joined
}

/// The lines that start a quoted email, in the languages the portal speaks
/// ("On Mon, 7 Dec 2026 … wrote:", "Le … a écrit :", "Am … schrieb …:", "El … escribió:").
fn starts_quote(line: &str, next: &[&str]) -> bool {
    const OPENINGS: [&str; 4] = ["On ", "Le ", "Am ", "El "];
    const VERBS: [&str; 4] = ["wrote", "écrit", "schrieb", "escribió"];
    if !OPENINGS.iter().any(|o| line.starts_with(o)) {
        return false;
    }
    // Mail programs wrap a long attribution line: read up to two more.
    let mut joined = line.to_string();
    for more in next.iter().take(2) {
        if joined.trim_end().ends_with(':') {
            break;
        }
        joined.push(' ');
        joined.push_str(more.trim());
    }
    joined.trim_end().ends_with(':') && VERBS.iter().any(|v| joined.contains(v))
}

/// Outlook's quoted header: "From: …" followed by "Sent: …"/"Date: …".
fn starts_outlook_quote(line: &str, next: &[&str]) -> bool {
    (line.starts_with("From:") || line.starts_with("De :") || line.starts_with("Von:"))
        && next.iter().take(3).any(|l| {
            let l = l.trim();
            l.starts_with("Sent:")
                || l.starts_with("Date:")
                || l.starts_with("Envoyé :")
                || l.starts_with("Gesendet:")
        })
}

/// A signature or a phone's footer starts here.
fn starts_signature(line: &str) -> bool {
    line == "--"
        || line == "-- "
        || line.starts_with("Sent from my ")
        || line.starts_with("Get Outlook for ")
        || line.starts_with("Envoyé de mon ")
        || line.starts_with("Von meinem ")
        || line.starts_with("Enviado desde mi ")
}

/// The new text of a reply: everything above the quoted notification, the
/// signature and the phone footer, without `>` quoted lines, trimmed.
pub fn new_text(body: &str) -> String {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = body.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        let next = &lines[i + 1..];
        if is_reply_above(trimmed)
            || starts_quote(trimmed, next)
            || starts_outlook_quote(trimmed, next)
            || starts_signature(line)
            || trimmed == "-----Original Message-----"
            || trimmed.starts_with("________________")
        {
            break;
        }
        if trimmed.starts_with('>') {
            continue;
        }
        kept.push(line);
    }
    // Blank lines: none at the ends, at most one in a row.
    let mut text = String::new();
    let mut blank = false;
    for line in kept {
        if line.trim().is_empty() {
            blank = !text.is_empty();
            continue;
        }
        if blank {
            text.push('\n');
            blank = false;
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(line);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_history_signatures_and_footers_are_cut() {
        let reply = "Thanks, see you there!\r\n\r\n\r\nBest\r\n-- \r\nAlice\r\nMautic team\r\n\r\nOn Mon, Dec 7, 2026 at 2:02 PM Conversations <\r\nno-reply@portal.example.org> wrote:\r\n> Bob: are you coming?\r\n";
        assert_eq!(new_text(reply), "Thanks, see you there!\n\nBest");
        assert_eq!(
            new_text("Oui !\n\nLe lun. 7 déc. 2026 à 14:02, Conversations a écrit :\n> Bob"),
            "Oui !"
        );
        assert_eq!(
            new_text("Ja.\nAm Mo., 7. Dez. 2026 um 14:02 Uhr schrieb Conversations <\nno-reply@portal.example.org>:\n> x"),
            "Ja."
        );
        assert_eq!(new_text("Sí\n\nSent from my iPhone"), "Sí");
        assert_eq!(
            new_text(
                "Fine\n\nFrom: Conversations <no-reply@x>\nSent: Monday\nTo: Alice\n\nBob wrote"
            ),
            "Fine"
        );
        assert_eq!(
            new_text("Above\n\n— Reply above this line to answer in the conversation —\nBob: hi"),
            "Above"
        );
        // The line in another language than the member reads now.
        assert_eq!(
            new_text("Oben\n\n— Antworte oberhalb dieser Zeile, um in der Unterhaltung zu antworten —\nBob: hi"),
            "Oben"
        );
        // Interleaved: the member's lines between quotes stay.
        assert_eq!(
            new_text("> question one\nanswer one\n> question two\nanswer two"),
            "answer one\nanswer two"
        );
        // A line that merely starts like an attribution stays.
        assert_eq!(
            new_text("On Monday I can come.\nEl martes no."),
            "On Monday I can come.\nEl martes no."
        );
    }

    #[test]
    fn machines_are_recognised_and_html_only_mail_becomes_text() {
        let auto = read_email(b"From: Alice <Alice@Example.org>\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <a@b>\r\nSubject: Out of office\r\n\r\nI am away.\r\n").unwrap();
        assert!(auto.automatic);
        assert_eq!(auto.from.as_deref(), Some("alice@example.org"));
        assert_eq!(auto.message_id.as_deref(), Some("a@b"));
        let list = read_email(b"From: a@example.org\r\nPrecedence: bulk\r\n\r\nx\r\n").unwrap();
        assert!(list.automatic);
        let person = read_email(b"From: a@example.org\r\nAuto-Submitted: no\r\n\r\nx\r\n").unwrap();
        assert!(!person.automatic);
        let html = read_email(
            b"From: a@example.org\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<div dir=3D\"ltr\">Caf=E9 at <b>noon</b>?</div><div class=3D\"gmail_quote\"><div>On Mon, Dec 7, 2026 at 2:02 PM Conversations wrote:<br></div><blockquote>Bob</blockquote></div>\r\n",
        )
        .unwrap();
        // Bold stays bold: the thread's Markdown has the same mark.
        assert_eq!(html.text, "Café at **noon**?");
        let linked = read_email(
            b"From: a@example.org\r\nContent-Type: text/html\r\n\r\n<p>See <a href=\"https://example.org/x\">the agenda</a></p><p>Line two</p><style>p{color:red}</style>\r\n",
        )
        .unwrap();
        assert_eq!(
            linked.text,
            "See [the agenda](https://example.org/x)\n\nLine two"
        );
    }
}
