//! A browser's push subscription as the settings page sends it (W3C Push API's
//! `PushSubscription.toJSON()`), checked by shape on both sides. Which push
//! services the portal will send to is the server's decision (`PushServices`).

/// The parts of a subscription the portal keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The push service's address for this browser.
    pub endpoint: String,
    /// The browser's P-256 public key (65 bytes, base64url).
    pub p256dh: String,
    /// The browser's authentication secret (16 bytes, base64url).
    pub auth: String,
}

use crate::i18n::{k, Problem};

fn not_a_subscription() -> Problem {
    Problem::new(k::error_push_subscription)
}

/// Base64url of `bytes` bytes, with or without its padding; returned unpadded.
fn key(raw: &str, bytes: usize) -> Option<String> {
    let text = raw.trim().trim_end_matches('=');
    let length = (bytes * 4).div_ceil(3);
    (text.len() == length
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then(|| text.to_string())
}

/// An endpoint (an `https` address of at most 1,024 characters, no user or
/// password in it) and its two keys.
pub fn check_subscription(
    endpoint: &str,
    p256dh: &str,
    auth: &str,
) -> Result<Subscription, Problem> {
    let endpoint = endpoint.trim();
    let parsed = url::Url::parse(endpoint).map_err(|_| not_a_subscription())?;
    let shaped = endpoint.len() <= 1024
        && matches!(parsed.scheme(), "https" | "http")
        && parsed.host_str().is_some()
        && parsed.username().is_empty()
        && parsed.password().is_none();
    match (shaped, key(p256dh, 65), key(auth, 16)) {
        (true, Some(p256dh), Some(auth)) => Ok(Subscription {
            endpoint: endpoint.to_string(),
            p256dh,
            auth,
        }),
        _ => Err(not_a_subscription()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P256DH: &str =
        "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM";
    const AUTH: &str = "tBHItJI5svbpez7KI4CCXg";

    #[test]
    fn a_browser_subscription_is_read() {
        let s = check_subscription("https://fcm.googleapis.com/fcm/send/abc:def", P256DH, AUTH)
            .expect("a subscription");
        assert_eq!(s.p256dh, P256DH);
        assert!(check_subscription(
            "https://push.example/x",
            &format!("{P256DH}="),
            &format!("{AUTH}==")
        )
        .is_ok());
    }

    #[test]
    fn anything_else_is_refused() {
        for (endpoint, p256dh, auth) in [
            ("javascript:alert(1)", P256DH, AUTH),
            ("https://user:pw@push.example/x", P256DH, AUTH),
            ("file:///etc/passwd", P256DH, AUTH),
            ("https://push.example/x", "short", AUTH),
            ("https://push.example/x", P256DH, "tBHItJI5svbpez7KI4CC+g"),
            ("https://push.example/x", P256DH, ""),
        ] {
            assert!(
                check_subscription(endpoint, p256dh, auth).is_err(),
                "{endpoint} {p256dh} {auth}"
            );
        }
        let long = format!("https://push.example/{}", "a".repeat(1024));
        assert!(check_subscription(&long, P256DH, AUTH).is_err());
    }
}
