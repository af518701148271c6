//! Sign-in throttling, counted in PostgreSQL so every instance agrees.
//!
//! Every attempt is counted *before* its password is checked, in one transaction
//! that locks the attempt's counters: of 100 guesses sent at once, only the free
//! ones are checked. Past them each attempt waits twice as long as the one before
//! (2 s, 4 s … up to 15 minutes), and the count is kept for a day, so a burst every
//! quarter of an hour does not start again from zero.
//!
//! The counters are keyed so that an attacker's guesses do not lock the member
//! out (`keys_for`): an account from one address, the address across accounts
//! (password spraying), and the account from everywhere (a botnet), with more
//! room the wider the key. A browser that has signed in to the account before
//! (it holds a device cookie, `device.rs`) is judged by its own counter alone.

use crate::error::AppError;
use sqlx::PgPool;

/// Attempts an account may make from one address (or one known device) before waiting.
pub const FREE_PER_ACCOUNT_AND_ADDRESS: i32 = 5;
/// An address may be shared by many people (an office, a campus), so it gets more.
pub const FREE_PER_ADDRESS: i32 = 50;
/// The ceiling on one account's attempts from all addresses together, in a day.
pub const FREE_PER_ACCOUNT: i32 = 100;
/// A counter untouched this long starts again from zero.
const MEMORY_HOURS: i32 = 24;
const MAX_WAIT_SECONDS: f64 = 15.0 * 60.0;

/// One counter an attempt is judged by, with its free attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleKey {
    pub key: String,
    pub free: i32,
}

/// The counters for an attempt at `account` (a normalised email) from `address`,
/// or from a browser already known to belong to the account.
pub fn keys_for(account: &str, address: &str, known_device: Option<&str>) -> Vec<ThrottleKey> {
    if let Some(device) = known_device {
        return vec![ThrottleKey {
            key: format!("device:{device}"),
            free: FREE_PER_ACCOUNT_AND_ADDRESS,
        }];
    }
    let address = address_block(address);
    vec![
        ThrottleKey {
            key: format!("pair:{account}|{address}"),
            free: FREE_PER_ACCOUNT_AND_ADDRESS,
        },
        ThrottleKey {
            key: format!("address:{address}"),
            free: FREE_PER_ADDRESS,
        },
        ThrottleKey {
            key: format!("account:{account}"),
            free: FREE_PER_ACCOUNT,
        },
    ]
}

/// IPv6 hosts get a /64 each, so an address is judged by its /64.
pub(super) fn address_block(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or(address.into(), |v4| v4.to_string()),
        _ => address.to_string(),
    }
}

/// Counts one attempt against every key, or refuses it with the seconds to wait
/// when any of them is waiting (a refused attempt counts nowhere).
pub async fn begin_attempt(pool: &PgPool, keys: &[ThrottleKey]) -> Result<(), AppError> {
    let mut keys = keys.to_vec();
    // Always locked in the same order, so two attempts cannot deadlock.
    keys.sort_by(|a, b| a.key.cmp(&b.key));
    let names: Vec<String> = keys.iter().map(|k| k.key.clone()).collect();
    let free: Vec<i32> = keys.iter().map(|k| k.free).collect();
    // No wait is written as -infinity, not now(): an attempt that queued for the
    // lock began before the one it waited for, and would see that one's now() as
    // a wait still running.
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "INSERT INTO sign_in_throttle (key, failures, last_failure_at, blocked_until)
         SELECT key, 0, now(), '-infinity' FROM unnest($1::text[]) AS key
         ON CONFLICT (key) DO NOTHING",
        &names
    )
    .execute(&mut *tx)
    .await?;
    let wait = sqlx::query_scalar!(
        r#"SELECT ceil(extract(epoch FROM max(blocked_until) FILTER (WHERE blocked_until > now())
                                 - now()))::int AS "wait"
           FROM (SELECT blocked_until FROM sign_in_throttle
                 WHERE key = ANY($1) ORDER BY key FOR UPDATE) AS locked"#,
        &names
    )
    .fetch_one(&mut *tx)
    .await?;
    if let Some(wait) = wait.filter(|w| *w > 0) {
        tx.rollback().await?;
        return Err(AppError::Throttled(wait as u64));
    }
    sqlx::query!(
        r#"UPDATE sign_in_throttle AS t SET
             failures = n.counted,
             last_failure_at = now(),
             blocked_until = CASE WHEN n.counted < n.free THEN '-infinity'::timestamptz
               ELSE now() + make_interval(secs => least(power(2, n.counted + 1 - n.free), $3)) END
           FROM (SELECT k.key, k.free,
                        CASE WHEN c.last_failure_at < now() - make_interval(hours => $4)
                             THEN 1 ELSE c.failures + 1 END AS counted
                 FROM unnest($1::text[], $2::int[]) AS k(key, free)
                 JOIN sign_in_throttle c ON c.key = k.key) AS n
           WHERE t.key = n.key"#,
        &names,
        &free,
        MAX_WAIT_SECONDS,
        MEMORY_HOURS
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A successful sign-in: its own counters (account from this address, or this
/// device) start again; on the shared ones it takes back only its own attempt,
/// so a member signing in from an address does not clear an attacker's count there.
pub async fn attempt_succeeded(pool: &PgPool, keys: &[ThrottleKey]) -> Result<(), AppError> {
    let own: Vec<String> = keys
        .iter()
        .filter(|k| k.key.starts_with("pair:") || k.key.starts_with("device:"))
        .map(|k| k.key.clone())
        .collect();
    let shared: Vec<String> = keys
        .iter()
        .filter(|k| !own.contains(&k.key))
        .map(|k| k.key.clone())
        .collect();
    sqlx::query!("DELETE FROM sign_in_throttle WHERE key = ANY($1)", &own)
        .execute(pool)
        .await?;
    sqlx::query!(
        "UPDATE sign_in_throttle SET failures = greatest(failures - 1, 0) WHERE key = ANY($1)",
        &shared
    )
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_device_is_judged_alone_and_others_by_three_counters() {
        assert_eq!(
            keys_for("a@x.org", "1.2.3.4", Some("ab")),
            vec![ThrottleKey {
                key: "device:ab".into(),
                free: 5
            }]
        );
        let keys: Vec<String> = keys_for("a@x.org", "1.2.3.4", None)
            .into_iter()
            .map(|k| k.key)
            .collect();
        assert_eq!(
            keys,
            ["pair:a@x.org|1.2.3.4", "address:1.2.3.4", "account:a@x.org"]
        );
    }

    #[test]
    fn an_ipv6_address_counts_as_its_64_block_and_a_mapped_ipv4_as_itself() {
        assert_eq!(address_block("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(address_block("2001:db8:1:2:ffff::9"), "2001:db8:1:2::/64");
        assert_eq!(address_block("::ffff:10.0.0.1"), "10.0.0.1");
        assert_eq!(address_block("10.0.0.1"), "10.0.0.1");
        assert_eq!(address_block("unknown"), "unknown");
    }
}
