//! Where the portal may send a browser after a form (the `next` of sign-in): only
//! a path on the portal itself, decided by a real URL parser, the way a browser
//! would read the `Location` header.

use url::Url;

/// The origin every candidate is resolved against; only its being one origin matters.
const BASE: &str = "http://portal.invalid/";
/// Longer than any link the portal makes; bounds the parser's work.
const MAX_LEN: usize = 2048;

/// `next` as a same-origin path (with its query and fragment), or `None`.
///
/// Browsers drop tabs and newlines inside URLs and read `\` as `/`, so
/// `/\t/evil.example` or `/\evil.example` would leave the portal: any control
/// character, whitespace or backslash refuses the value outright. The rest is
/// parsed against the portal's origin and must stay on it; the answer is the
/// parser's own serialisation (percent-encoded), so a header never carries
/// anything the parser did not check, and it never starts with `//`.
pub fn local_path(next: &str) -> Option<String> {
    if next.len() > MAX_LEN
        || !next.starts_with('/')
        || next.starts_with("//")
        || next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    let base = Url::parse(BASE).ok()?;
    let url = base.join(next).ok()?;
    if url.origin() != base.origin() || url.username() != "" || url.password().is_some() {
        return None;
    }
    let mut path = url.path().to_string();
    if let Some(query) = url.query() {
        path.push('?');
        path.push_str(query);
    }
    if let Some(fragment) = url.fragment() {
        path.push('#');
        path.push_str(fragment);
    }
    // Dot segments can collapse into a protocol-relative path ("/.//evil.example").
    (path.starts_with('/') && !path.starts_with("//")).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A browser's reading of `location` on the portal: the host it goes to.
    fn host_after(location: &str) -> Option<String> {
        let base = Url::parse("https://portal.example/sign-in").unwrap();
        base.join(location).ok()?.host_str().map(str::to_string)
    }

    #[test]
    fn crafted_values_never_leave_the_portal() {
        let catalogue = [
            "//evil.example",
            "///evil.example",
            "////evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/%09/evil.example",
            "/%2f/evil.example",
            "/%5c/evil.example",
            "/.//evil.example",
            "/./\\evil.example",
            "/../evil.example",
            "/..//evil.example",
            "/x/..//evil.example",
            "/x/../..//evil.example",
            "/%2e%2e//evil.example",
            "/%2e//evil.example",
            "https://evil.example",
            "http:evil.example",
            "https:/evil.example",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "evil.example",
            "@evil.example",
            "/@evil.example",
            "/ /evil.example",
            "/\u{00a0}/evil.example",
            "/\u{2028}/evil.example",
            "/\u{3000}/evil.example",
            "/\u{0000}/evil.example",
            "/\u{007f}/evil.example",
            " //evil.example",
            "\t//evil.example",
            "/?//evil.example",
            "/#//evil.example",
            "/conversations?next=//evil.example",
            "/%0d%0aSet-Cookie:%20a=b",
            "/\r\nSet-Cookie: a=b",
            "/members/alice\u{0000}",
            "",
            "/",
        ];
        assert!(catalogue.len() >= 40);
        let mut escapes = Vec::new();
        for next in catalogue {
            if let Some(path) = local_path(next) {
                let host = host_after(&path);
                if host.as_deref() != Some("portal.example")
                    || path.contains(['\r', '\n'])
                    || path.starts_with("//")
                {
                    escapes.push((next, path, host));
                }
            }
        }
        assert!(escapes.is_empty(), "escaped: {escapes:?}");
    }

    #[test]
    fn the_portal_s_own_paths_are_kept() {
        for (next, expected) in [
            ("/", "/"),
            ("/conversations", "/conversations"),
            ("/conversations/42", "/conversations/42"),
            (
                "/conversations/new?to=member:7",
                "/conversations/new?to=member:7",
            ),
            ("/members/alice#about", "/members/alice#about"),
            ("/groups/marketing?x=%2F%2F", "/groups/marketing?x=%2F%2F"),
            ("/members/jos%C3%A9", "/members/jos%C3%A9"),
            ("/members/josé", "/members/jos%C3%A9"),
        ] {
            assert_eq!(local_path(next).as_deref(), Some(expected), "{next:?}");
        }
        assert_eq!(local_path(&format!("/{}", "a".repeat(MAX_LEN))), None);
    }
}
