//! The formatting members may use in messages: a small Markdown subset, parsed
//! by this one function on both sides, so the page, the live message, the preview
//! and the email show the same thing.
//!
//! Blocks: paragraphs (a newline is a line break, as in chat), code blocks between
//! ``` lines, quotes (`>`), lists (`-`, `*`, `+` or `1.`), nested by indenting.
//! Inline: `**bold**`, `*italic*` or `_italic_`, `~~strikethrough~~`, `` `code` ``,
//! `[text](https://…)` and bare web addresses; `\` before punctuation keeps it
//! literal. Nothing else: no raw HTML (it stays text), no images, no headings, and
//! links only to http and https addresses.
//!
//! Hand-written rather than a CommonMark crate: the whole of pulldown-cmark in a
//! size-optimised WebAssembly build is 211 KB (85 KB gzipped), this is a few KB,
//! and the subset needs none of CommonMark's corners. Every step is linear in the
//! text (no backtracking search), so a hostile message costs no more than a long one.

use serde::{Deserialize, Serialize};

/// How deep quotes and lists may nest; deeper markers stay text.
pub const MAX_DEPTH: usize = 4;
/// The longest link target kept as a link.
const MAX_URL_BYTES: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    Paragraph(Vec<Inline>),
    Code(String),
    Quote(Vec<Block>),
    List {
        /// The first number of an ordered list; `None` for bullets.
        start: Option<u32>,
        items: Vec<Vec<Block>>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Inline {
    Text(String),
    Strong(Vec<Inline>),
    Emphasis(Vec<Inline>),
    Strike(Vec<Inline>),
    Code(String),
    Link { href: String, text: Vec<Inline> },
    LineBreak,
}

/// A message's text as blocks.
pub fn parse(body: &str) -> Vec<Block> {
    let lines: Vec<&str> = body.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    blocks(&lines, 0)
}

fn blocks(lines: &[&str], depth: usize) -> Vec<Block> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim().is_empty() {
            i += 1;
        } else if is_fence(line) {
            let end = (i + 1..lines.len())
                .find(|&j| is_fence(lines[j]))
                .unwrap_or(lines.len());
            out.push(Block::Code(lines[i + 1..end].join("\n")));
            i = end + 1;
        } else if depth < MAX_DEPTH && quote_content(line).is_some() {
            let mut inner = Vec::new();
            while let Some(content) = lines.get(i).and_then(|l| quote_content(l)) {
                inner.push(content);
                i += 1;
            }
            out.push(Block::Quote(blocks(&inner, depth + 1)));
        } else if depth < MAX_DEPTH && list_marker(line).is_some() {
            let (list, next) = list(lines, i, depth);
            out.push(list);
            i = next;
        } else {
            let start = i;
            i += 1;
            while i < lines.len() && !interrupts(lines[i], depth) {
                i += 1;
            }
            out.push(Block::Paragraph(inline(&lines[start..i].join("\n"))));
        }
    }
    out
}

/// Whether a line ends a paragraph: a blank line or the start of another block.
fn interrupts(line: &str, depth: usize) -> bool {
    line.trim().is_empty()
        || is_fence(line)
        || (depth < MAX_DEPTH && (quote_content(line).is_some() || list_marker(line).is_some()))
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Three backticks and at most a language name (a line of more backticks is text).
fn is_fence(line: &str) -> bool {
    indent(line) <= 3
        && line
            .trim_start()
            .strip_prefix("```")
            .is_some_and(|info| !info.contains('`'))
}

fn quote_content(line: &str) -> Option<&str> {
    if indent(line) > 3 {
        return None;
    }
    let rest = line.trim_start().strip_prefix('>')?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// A list item's marker: (ordered start, indent of the marker, width up to the content).
fn list_marker(line: &str) -> Option<(Option<u32>, usize, usize)> {
    let lead = indent(line);
    if lead > 3 {
        return None;
    }
    let rest = &line[lead..];
    let (number, marker_len) = if rest.starts_with(['-', '*', '+']) {
        (None, 1)
    } else {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 || !rest[digits..].starts_with(['.', ')']) {
            return None;
        }
        (rest[..digits].parse().ok(), digits + 1)
    };
    let after = &rest[marker_len..];
    let spaces = after.len() - after.trim_start_matches(' ').len();
    if spaces == 0 && !after.is_empty() {
        return None;
    }
    // "- " with nothing after is an empty item; "-" alone is text.
    if after.is_empty() {
        return None;
    }
    Some((number, lead, lead + marker_len + spaces.clamp(1, 4)))
}

/// A list starting at `lines[first]`: its items (each parsed as blocks) and the
/// index of the first line after it.
fn list(lines: &[&str], first: usize, depth: usize) -> (Block, usize) {
    let (start, lead, _) = list_marker(lines[first]).unwrap_or((None, 0, 0));
    let ordered = start.is_some();
    let mut items: Vec<Vec<&str>> = Vec::new();
    let mut content_indent = 0;
    let mut i = first;
    while i < lines.len() {
        let line = lines[i];
        match list_marker(line) {
            Some((number, at, width)) if at <= lead + 1 && number.is_some() == ordered => {
                items.push(vec![&line[width.min(line.len())..]]);
                content_indent = width;
            }
            _ if line.trim().is_empty() => {
                // A blank line continues the list only if it goes on indented.
                let next = lines.get(i + 1).copied().unwrap_or("");
                let same_list = list_marker(next)
                    .is_some_and(|(n, at, _)| at <= lead + 1 && n.is_some() == ordered);
                if !(same_list || (!next.trim().is_empty() && indent(next) >= content_indent)) {
                    break;
                }
                if let Some(item) = items.last_mut() {
                    item.push("");
                }
            }
            _ if indent(line) >= content_indent => {
                if let Some(item) = items.last_mut() {
                    item.push(&line[content_indent..]);
                }
            }
            _ if indent(line) > lead && list_marker(line).is_some() => {
                // A nested list indented less than the content: still nested.
                if let Some(item) = items.last_mut() {
                    item.push(line.trim_start_matches(' '));
                }
            }
            _ if !interrupts(line, depth)
                && items
                    .last()
                    .is_some_and(|i| i.last().is_some_and(|l| !l.trim().is_empty())) =>
            {
                // A line straight after an item's text goes on with it.
                if let Some(item) = items.last_mut() {
                    item.push(line);
                }
            }
            _ => break,
        }
        i += 1;
    }
    let items = items
        .into_iter()
        .map(|item| blocks(&item, depth + 1))
        .collect();
    (Block::List { start, items }, i)
}

/// What a delimiter run may do, from the characters around it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mark {
    Strong,
    Emphasis(u8),
    Strike,
}

impl Mark {
    fn slot(self) -> usize {
        match self {
            Mark::Strong => 0,
            Mark::Emphasis(b'_') => 1,
            Mark::Emphasis(_) => 2,
            Mark::Strike => 3,
        }
    }
}

struct Opener {
    mark: Mark,
    /// Where its literal text sits in the output, should it never close.
    at: usize,
}

/// Inline formatting of one paragraph.
pub fn inline(text: &str) -> Vec<Inline> {
    let chars: Vec<char> = text.chars().collect();
    let marks = Scan::new(&chars);
    let mut out = Vec::new();
    marks.run(0, chars.len(), &mut out);
    autolink(out)
}

/// Precomputed jumps that keep parsing linear: for each position, where the next
/// `]`, `)` and whitespace are, and for each backtick run the next run of the same length.
struct Scan<'a> {
    chars: &'a [char],
    next_open_bracket: Vec<usize>,
    next_close_bracket: Vec<usize>,
    next_close_paren: Vec<usize>,
    next_space: Vec<usize>,
    /// For the backtick run starting here: where its closing run starts.
    code_close: std::collections::HashMap<usize, usize>,
}

impl<'a> Scan<'a> {
    fn new(chars: &'a [char]) -> Self {
        let n = chars.len();
        let mut next_open_bracket = vec![n; n + 1];
        let mut next_close_bracket = vec![n; n + 1];
        let mut next_close_paren = vec![n; n + 1];
        let mut next_space = vec![n; n + 1];
        for i in (0..n).rev() {
            next_open_bracket[i] = if chars[i] == '[' {
                i
            } else {
                next_open_bracket[i + 1]
            };
            next_close_bracket[i] = if chars[i] == ']' {
                i
            } else {
                next_close_bracket[i + 1]
            };
            next_close_paren[i] = if chars[i] == ')' {
                i
            } else {
                next_close_paren[i + 1]
            };
            next_space[i] = if chars[i].is_whitespace() {
                i
            } else {
                next_space[i + 1]
            };
        }
        // Backtick runs, paired left to right with the next run of the same length.
        let mut runs = Vec::new();
        let mut i = 0;
        while i < n {
            if chars[i] == '`' && (i == 0 || chars[i - 1] != '\\') {
                let start = i;
                while i < n && chars[i] == '`' {
                    i += 1;
                }
                runs.push((start, i - start));
            } else {
                i += 1;
            }
        }
        let mut code_close = std::collections::HashMap::new();
        let mut waiting: std::collections::HashMap<usize, usize> = Default::default();
        for &(start, len) in &runs {
            if let Some(open) = waiting.remove(&len) {
                code_close.insert(open, start);
            } else {
                waiting.insert(len, start);
            }
        }
        Scan {
            chars,
            next_open_bracket,
            next_close_bracket,
            next_close_paren,
            next_space,
            code_close,
        }
    }

    /// Parses `chars[from..to]` into `out`.
    fn run(&self, from: usize, to: usize, out: &mut Vec<Inline>) {
        let chars = self.chars;
        let mut openers: Vec<Opener> = Vec::new();
        // How many of each mark are open: a closer with none open does not search,
        // and a search that finds one pops all above it, so the stack costs O(n).
        let mut open = [0usize; 4];
        let mut i = from;
        while i < to {
            let c = chars[i];
            match c {
                '\\' if i + 1 < to && chars[i + 1].is_ascii_punctuation() => {
                    push_text(out, chars[i + 1]);
                    i += 2;
                }
                '\n' => {
                    out.push(Inline::LineBreak);
                    i += 1;
                }
                '`' => {
                    let len = chars[i..to].iter().take_while(|&&c| c == '`').count();
                    match self.code_close.get(&i).filter(|&&close| close + len <= to) {
                        Some(&close) => {
                            let code: String = chars[i + len..close].iter().collect();
                            let code = if code.starts_with(' ')
                                && code.ends_with(' ')
                                && code.trim() != ""
                            {
                                code[1..code.len() - 1].to_string()
                            } else {
                                code
                            };
                            out.push(Inline::Code(code.replace('\n', " ")));
                            i = close + len;
                        }
                        None => {
                            for _ in 0..len {
                                push_text(out, '`');
                            }
                            i += len;
                        }
                    }
                }
                '[' => match self.link(i, to) {
                    Some((href, text_end, end)) => {
                        let mut text = Vec::new();
                        self.run(i + 1, text_end, &mut text);
                        out.push(Inline::Link { href, text });
                        i = end;
                    }
                    None => {
                        push_text(out, '[');
                        i += 1;
                    }
                },
                '*' | '_' | '~' => {
                    let len = chars[i..to].iter().take_while(|&&x| x == c).count();
                    let before = if i > from { Some(chars[i - 1]) } else { None };
                    let after = chars.get(i + len).filter(|_| i + len < to).copied();
                    let mark = match (c, len) {
                        ('*', 2) => Some(Mark::Strong),
                        ('*', 1) | ('_', 1) => Some(Mark::Emphasis(c as u8)),
                        ('~', 2) => Some(Mark::Strike),
                        _ => None,
                    };
                    let opens = after.is_some_and(|a| !a.is_whitespace())
                        && !(c == '_' && before.is_some_and(char::is_alphanumeric));
                    let closes = before.is_some_and(|b| !b.is_whitespace())
                        && !(c == '_' && after.is_some_and(char::is_alphanumeric));
                    let matched = mark
                        .filter(|_| closes)
                        .filter(|&mark| open[mark.slot()] > 0)
                        .and_then(|mark| openers.iter().rposition(|o| o.mark == mark));
                    match (mark, matched) {
                        (Some(mark), Some(k)) => {
                            let at = openers[k].at;
                            // Openers inside it that never closed stay text.
                            for popped in openers.drain(k..) {
                                open[popped.mark.slot()] -= 1;
                            }
                            let children = out.split_off(at + 1);
                            out[at] = match mark {
                                Mark::Strong => Inline::Strong(children),
                                Mark::Emphasis(_) => Inline::Emphasis(children),
                                Mark::Strike => Inline::Strike(children),
                            };
                        }
                        (Some(mark), None) if opens => {
                            out.push(Inline::Text(std::iter::repeat_n(c, len).collect()));
                            open[mark.slot()] += 1;
                            openers.push(Opener {
                                mark,
                                at: out.len() - 1,
                            });
                        }
                        _ => {
                            for _ in 0..len {
                                push_text(out, c);
                            }
                        }
                    }
                    i += len;
                }
                c => {
                    push_text(out, c);
                    i += 1;
                }
            }
        }
    }

    /// `[text](https://…)` starting at `open`: the target, where the text ends and
    /// where the link ends.
    fn link(&self, open: usize, to: usize) -> Option<(String, usize, usize)> {
        let close = self.next_close_bracket[open + 1];
        if close + 1 >= to || self.chars[close + 1] != '(' {
            return None;
        }
        // No `[` inside the text: links do not nest.
        if self.next_open_bracket[open + 1] < close || close == open + 1 {
            return None;
        }
        let url_start = close + 2;
        let url_end = self.next_close_paren[url_start.min(self.chars.len())];
        if url_end >= to || self.next_space[url_start] < url_end {
            return None;
        }
        let href: String = self.chars[url_start..url_end].iter().collect();
        web_address(&href).then_some((href, close, url_end + 1))
    }
}

/// An address a link may point to: http or https with a host, not too long.
pub fn web_address(href: &str) -> bool {
    let lower = href.get(..8).unwrap_or(href).to_ascii_lowercase();
    href.len() <= MAX_URL_BYTES
        && (lower.starts_with("https://") || lower.starts_with("http://"))
        && href
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with('/'))
        && !href
            .chars()
            .any(|c| c.is_control() || matches!(c, '<' | '>' | '"'))
}

fn push_text(out: &mut Vec<Inline>, c: char) {
    // An unclosed opener's text stays its own node (it may still be replaced).
    if let Some(Inline::Text(text)) = out.last_mut() {
        if !text.starts_with(['*', '_', '~']) || text.chars().any(|x| !matches!(x, '*' | '_' | '~'))
        {
            text.push(c);
            return;
        }
    }
    out.push(Inline::Text(c.to_string()));
}

/// Joins neighbouring text and turns bare web addresses in it into links.
fn autolink(nodes: Vec<Inline>) -> Vec<Inline> {
    let mut joined: Vec<Inline> = Vec::new();
    for node in nodes {
        match (joined.last_mut(), node) {
            (Some(Inline::Text(previous)), Inline::Text(text)) => previous.push_str(&text),
            (_, Inline::Strong(c)) => joined.push(Inline::Strong(autolink(c))),
            (_, Inline::Emphasis(c)) => joined.push(Inline::Emphasis(autolink(c))),
            (_, Inline::Strike(c)) => joined.push(Inline::Strike(autolink(c))),
            (_, Inline::Link { href, text }) => joined.push(Inline::Link {
                href,
                text: join_text(text),
            }),
            (_, node) => joined.push(node),
        }
    }
    let mut out = Vec::new();
    for node in joined {
        match node {
            Inline::Text(text) => {
                for segment in super::conversation::segments(&text) {
                    out.push(match segment {
                        super::conversation::Segment::Text(t) => Inline::Text(t),
                        super::conversation::Segment::Link(url) => Inline::Link {
                            text: vec![Inline::Text(url.clone())],
                            href: url,
                        },
                        super::conversation::Segment::LineBreak => Inline::LineBreak,
                    });
                }
            }
            node => out.push(node),
        }
    }
    out
}

/// Neighbouring text in a link's text as one node (no autolinks inside a link).
fn join_text(nodes: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::new();
    for node in nodes {
        match (out.last_mut(), node) {
            (Some(Inline::Text(previous)), Inline::Text(text)) => previous.push_str(&text),
            (_, node) => out.push(node),
        }
    }
    out
}

/// The text without its formatting, on one line: for list snippets and quotes.
pub fn plain_text(body: &str) -> String {
    fn inlines(nodes: &[Inline], out: &mut String) {
        for node in nodes {
            match node {
                Inline::Text(t) | Inline::Code(t) => out.push_str(t),
                Inline::Strong(c) | Inline::Emphasis(c) | Inline::Strike(c) => inlines(c, out),
                Inline::Link { text, .. } => inlines(text, out),
                Inline::LineBreak => out.push(' '),
            }
        }
    }
    fn blocks(nodes: &[Block], out: &mut String) {
        for node in nodes {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            match node {
                Block::Paragraph(i) => inlines(i, out),
                Block::Code(code) => out.push_str(code),
                Block::Quote(b) => blocks(b, out),
                Block::List { items, .. } => items.iter().for_each(|item| blocks(item, out)),
            }
        }
    }
    let mut out = String::new();
    blocks(&parse(body), &mut out);
    out
}

/// The start of a message without its formatting, on one line (see `text::excerpt`).
pub fn excerpt(body: &str, max: usize) -> String {
    super::text::excerpt(&plain_text(body), max)
}

/// The blocks as HTML, every text escaped: for emails.
pub fn to_html(doc: &[Block]) -> String {
    use super::text::escape_html as escape;
    fn inlines(nodes: &[Inline], out: &mut String) {
        for node in nodes {
            match node {
                Inline::Text(t) => out.push_str(&escape(t)),
                Inline::Code(t) => out.push_str(&format!("<code>{}</code>", escape(t))),
                Inline::Strong(c) => wrap("strong", c, out),
                Inline::Emphasis(c) => wrap("em", c, out),
                Inline::Strike(c) => wrap("del", c, out),
                Inline::Link { href, text } => {
                    out.push_str(&format!("<a href=\"{}\" rel=\"nofollow\">", escape(href)));
                    inlines(text, out);
                    out.push_str("</a>");
                }
                Inline::LineBreak => out.push_str("<br>"),
            }
        }
    }
    fn wrap(tag: &str, children: &[Inline], out: &mut String) {
        out.push_str(&format!("<{tag}>"));
        inlines(children, out);
        out.push_str(&format!("</{tag}>"));
    }
    fn blocks(nodes: &[Block], out: &mut String) {
        for node in nodes {
            match node {
                Block::Paragraph(i) => {
                    out.push_str("<p style=\"margin:0 0 .5em\">");
                    inlines(i, out);
                    out.push_str("</p>");
                }
                Block::Code(code) => {
                    out.push_str(&format!("<pre><code>{}</code></pre>", escape(code)));
                }
                Block::Quote(b) => {
                    out.push_str("<blockquote style=\"border-left:3px solid #ccc;margin:0 0 .5em;padding-left:.75em\">");
                    blocks(b, out);
                    out.push_str("</blockquote>");
                }
                Block::List { start, items } => {
                    let tag = match start {
                        Some(1) => "ol".to_string(),
                        Some(n) => format!("ol start=\"{n}\""),
                        None => "ul".to_string(),
                    };
                    out.push_str(&format!("<{tag}>"));
                    for item in items {
                        out.push_str("<li>");
                        blocks(item, out);
                        out.push_str("</li>");
                    }
                    out.push_str(if start.is_some() { "</ol>" } else { "</ul>" });
                }
            }
        }
    }
    let mut out = String::new();
    blocks(doc, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Inline {
        Inline::Text(s.into())
    }

    #[test]
    fn inline_formatting() {
        assert_eq!(
            inline("**bold** and *it* and _it_ and ~~gone~~ and `x*y`"),
            vec![
                Inline::Strong(vec![t("bold")]),
                t(" and "),
                Inline::Emphasis(vec![t("it")]),
                t(" and "),
                Inline::Emphasis(vec![t("it")]),
                t(" and "),
                Inline::Strike(vec![t("gone")]),
                t(" and "),
                Inline::Code("x*y".into()),
            ]
        );
        assert_eq!(inline("snake_case_name"), vec![t("snake_case_name")]);
        assert_eq!(inline("2 * 3 * 4"), vec![t("2 * 3 * 4")]);
        assert_eq!(inline(r"\*not\*"), vec![t("*not*")]);
        assert_eq!(inline("**unclosed"), vec![t("**unclosed")]);
        assert_eq!(
            inline("**a *b* c**"),
            vec![Inline::Strong(vec![
                t("a "),
                Inline::Emphasis(vec![t("b")]),
                t(" c")
            ])]
        );
    }

    #[test]
    fn links_only_to_web_addresses() {
        assert_eq!(
            inline("[docs](https://mautic.org/docs)"),
            vec![Inline::Link {
                href: "https://mautic.org/docs".into(),
                text: vec![t("docs")]
            }]
        );
        assert_eq!(
            inline("[x](javascript:alert(1))"),
            vec![t("[x](javascript:alert(1))")]
        );
        assert_eq!(
            inline("[x](JAVASCRIPT:alert(1))"),
            vec![t("[x](JAVASCRIPT:alert(1))")]
        );
        assert_eq!(
            inline("[x](data:text/html,hi)"),
            vec![t("[x](data:text/html,hi)")]
        );
        assert_eq!(
            inline("see https://a.example/x."),
            vec![
                t("see "),
                Inline::Link {
                    href: "https://a.example/x".into(),
                    text: vec![t("https://a.example/x")]
                },
                t(".")
            ]
        );
        // An image is not fetched: at most a link.
        assert!(!to_html(&parse("![a](https://evil.example/p.png)")).contains("<img"));
    }

    #[test]
    fn blocks_lists_quotes_code() {
        assert_eq!(
            parse("Options:\n- one\n- two\n\n> quoted\n\n```\n<b>*x*</b>\n```"),
            vec![
                Block::Paragraph(vec![t("Options:")]),
                Block::List {
                    start: None,
                    items: vec![
                        vec![Block::Paragraph(vec![t("one")])],
                        vec![Block::Paragraph(vec![t("two")])]
                    ]
                },
                Block::Quote(vec![Block::Paragraph(vec![t("quoted")])]),
                Block::Code("<b>*x*</b>".into()),
            ]
        );
        assert_eq!(
            parse("3. c\n4. d\n   - nested"),
            vec![Block::List {
                start: Some(3),
                items: vec![
                    vec![Block::Paragraph(vec![t("c")])],
                    vec![
                        Block::Paragraph(vec![t("d")]),
                        Block::List {
                            start: None,
                            items: vec![vec![Block::Paragraph(vec![t("nested")])]]
                        }
                    ]
                ]
            }]
        );
        assert_eq!(
            parse("line one\nline two"),
            vec![Block::Paragraph(vec![
                t("line one"),
                Inline::LineBreak,
                t("line two")
            ])]
        );
    }

    #[test]
    fn raw_html_stays_text_everywhere() {
        let html = to_html(&parse(
            "<script>alert(1)</script> **<img src=x onerror=alert(1)>**",
        ));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        let html = to_html(&parse(
            "[a\"onmouseover=\"x](https://a.example/\"onclick=\"x)",
        ));
        assert!(!html.contains("\"onclick"), "{html}");
    }

    #[test]
    fn hostile_shapes_stay_bounded() {
        // Deep nesting stops at MAX_DEPTH: the rest is text.
        let deep: String = (0..200)
            .map(|d| format!("{}- x\n", "  ".repeat(d)))
            .collect();
        fn depth(b: &[Block]) -> usize {
            b.iter()
                .map(|b| match b {
                    Block::Quote(inner) => 1 + depth(inner),
                    Block::List { items, .. } => {
                        1 + items.iter().map(|i| depth(i)).max().unwrap_or(0)
                    }
                    _ => 0,
                })
                .max()
                .unwrap_or(0)
        }
        assert!(depth(&parse(&deep)) <= MAX_DEPTH);
        assert!(depth(&parse(&">".repeat(5000))) <= MAX_DEPTH);
        // Long runs of unmatched delimiters, brackets and backticks: each is
        // a few hundred million steps for a parser that searches ahead from every
        // opener; here they stay literal text.
        for hostile in [
            "*".repeat(50_000),
            "[a](".repeat(10_000),
            "[".repeat(50_000),
            "_a".repeat(20_000),
        ] {
            let text = plain_text(&hostile);
            assert_eq!(
                text.chars().filter(|c| !c.is_whitespace()).count(),
                hostile.chars().filter(|c| !c.is_whitespace()).count()
            );
        }
        assert_eq!(
            parse(&"`".repeat(1000)),
            vec![Block::Paragraph(vec![t(&"`".repeat(1000))])]
        );
    }

    #[test]
    fn plain_text_drops_the_marks() {
        assert_eq!(
            plain_text("**Hi** _there_, see [docs](https://a.example)\n- one"),
            "Hi there, see docs one"
        );
    }
}
