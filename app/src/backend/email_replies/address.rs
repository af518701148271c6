//! Reply addresses: `reply+<conversation>-<member>-<generation>-<signature>@domain`,
//! one per member and conversation, signed with the portal's key (HMAC-SHA-256,
//! cut to 96 bits). Nobody can make one for another member or conversation, and a
//! member revokes every address they were ever sent by moving their generation on.
//! Lowercase hex and digits only: mail servers may change the case of a local part.

use crate::error::AppError;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;

/// What a reply address stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyToken {
    pub conversation_id: i64,
    pub member_id: i64,
    pub generation: i32,
}

/// Bytes of the signature kept in the address (96 bits: each guess costs an SMTP
/// delivery, so this is far beyond reach).
const SIGNATURE_BYTES: usize = 12;

/// The portal's signing key, shared by every instance (made by the migration).
pub async fn site_key(pool: &PgPool) -> Result<Vec<u8>, AppError> {
    Ok(
        sqlx::query_scalar!("SELECT value FROM site_secrets WHERE name = 'reply_addresses'")
            .fetch_one(pool)
            .await?,
    )
}

/// The token's MAC (HMAC takes a key of any length: `None` does not happen,
/// and would mean no address rather than a panic).
fn signature(key: &[u8], token: ReplyToken) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).ok()?;
    mac.update(
        format!(
            "reply-address\n{}\n{}\n{}",
            token.conversation_id, token.member_id, token.generation
        )
        .as_bytes(),
    );
    Some(mac)
}

/// The address a member replies to (`base` is the configured `reply@example.org`).
pub fn reply_address(key: &[u8], base: &str, token: ReplyToken) -> Option<String> {
    let (local, domain) = base.rsplit_once('@')?;
    let tag = signature(key, token)?.finalize().into_bytes();
    Some(format!(
        "{local}+{}-{}-{}-{}@{domain}",
        token.conversation_id,
        token.member_id,
        token.generation,
        hex::encode(&tag[..SIGNATURE_BYTES])
    ))
}

/// The token an inbound recipient carries, if it is one of ours with a valid
/// signature (compared in constant time).
pub fn read_reply_address(key: &[u8], base: &str, recipient: &str) -> Option<ReplyToken> {
    let (local, domain) = base.rsplit_once('@')?;
    let recipient = recipient
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    let (their_local, their_domain) = recipient.rsplit_once('@')?;
    if !their_domain.eq_ignore_ascii_case(domain) {
        return None;
    }
    let tail = their_local
        .to_ascii_lowercase()
        .strip_prefix(&format!("{}+", local.to_ascii_lowercase()))?
        .to_string();
    let mut parts = tail.split('-');
    let token = ReplyToken {
        conversation_id: parts.next()?.parse().ok()?,
        member_id: parts.next()?.parse().ok()?,
        generation: parts.next()?.parse().ok()?,
    };
    let tag = hex::decode(parts.next()?).ok()?;
    if parts.next().is_some() || tag.len() != SIGNATURE_BYTES {
        return None;
    }
    signature(key, token)?.verify_truncated_left(&tag).ok()?;
    Some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
    const BASE: &str = "reply@portal.example.org";
    const TOKEN: ReplyToken = ReplyToken {
        conversation_id: 42,
        member_id: 7,
        generation: 0,
    };

    #[test]
    fn an_address_reads_back_as_its_token_whatever_the_case() {
        let address = reply_address(KEY, BASE, TOKEN).unwrap();
        assert!(address.starts_with("reply+42-7-0-"), "{address}");
        assert!(address.ends_with("@portal.example.org"));
        assert!(address.split('@').next().unwrap().len() <= 64);
        assert_eq!(read_reply_address(KEY, BASE, &address), Some(TOKEN));
        assert_eq!(
            read_reply_address(KEY, BASE, &format!("<{}>", address.to_uppercase())),
            Some(TOKEN)
        );
    }

    #[test]
    fn a_changed_or_foreign_address_is_not_ours() {
        let address = reply_address(KEY, BASE, TOKEN).unwrap();
        let (_, signature) = address.split_at(address.rfind('-').unwrap());
        for forged in [
            format!("reply+43-7-0{signature}"),
            format!("reply+42-8-0{signature}"),
            format!("reply+42-7-1{signature}"),
            address.replace("@portal.example.org", "@elsewhere.example.org"),
            address.replace("reply+", "other+"),
            address.replace(&signature[1..3], "00"),
            "reply+42-7-0@portal.example.org".into(),
            "reply@portal.example.org".into(),
            String::new(),
        ] {
            assert_eq!(read_reply_address(KEY, BASE, &forged), None, "{forged}");
        }
        assert_eq!(
            read_reply_address(b"another key, another portal....", BASE, &address),
            None
        );
    }
}
