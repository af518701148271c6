//! Limits against spam, from the code of conduct: how many messages a member may
//! send a minute and how many conversations they may start an hour, stricter for
//! accounts younger than a day. Pure rules, so the numbers can be shown and tested.

use chrono::{DateTime, Duration, Utc};

/// The limits (configurable: PORTAL_LIMIT_MESSAGES_PER_MINUTE and
/// PORTAL_LIMIT_CONVERSATIONS_PER_HOUR). Accounts younger than a day get a quarter
/// of the messages and under a third of the conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub messages_per_minute: usize,
    pub conversations_per_hour: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            messages_per_minute: 20,
            conversations_per_hour: 10,
        }
    }
}

impl Limits {
    /// Reactions (added or taken back) a member may make a minute: three for every
    /// message they may send, 60 by default.
    pub fn reactions_per_minute(self) -> i64 {
        (self.messages_per_minute as i64).saturating_mul(3)
    }

    /// Searches of their messages a member may run a minute: each reads an index
    /// over all of their conversations; three for every message, 60 by default.
    pub fn searches_per_minute(self) -> i64 {
        (self.messages_per_minute as i64).saturating_mul(3)
    }

    fn for_account(self, new_account: bool) -> (usize, usize) {
        if new_account {
            (
                (self.messages_per_minute / 4).max(1),
                (self.conversations_per_hour * 3 / 10).max(1),
            )
        } else {
            (self.messages_per_minute, self.conversations_per_hour)
        }
    }
}

/// What the member sent recently, newest first.
pub struct RecentSends<'a> {
    pub now: DateTime<Utc>,
    pub joined: DateTime<Utc>,
    /// Their messages of the last minute.
    pub messages: &'a [DateTime<Utc>],
    /// Conversations they started in the last hour (only checked when starting one).
    pub conversations: Option<&'a [DateTime<Utc>]>,
}

/// `Err(seconds)` to wait when one more send would break a limit.
pub fn check_send(limits: Limits, recent: &RecentSends<'_>) -> Result<(), u64> {
    let new_account = recent.now - recent.joined < Duration::days(1);
    let (message_limit, conversation_limit) = limits.for_account(new_account);
    let wait = |times: &[DateTime<Utc>], limit: usize, window: Duration| -> Option<u64> {
        // The send that made the limit full must leave the window first.
        let oldest = times.get(limit.checked_sub(1)?)?;
        let free_at = *oldest + window;
        Some(
            ((free_at - recent.now).num_milliseconds().max(0) as u64)
                .div_ceil(1000)
                .max(1),
        )
    };
    let mut longest = wait(recent.messages, message_limit, Duration::minutes(1));
    if let Some(conversations) = recent.conversations {
        longest = longest.max(wait(conversations, conversation_limit, Duration::hours(1)));
    }
    match longest {
        Some(seconds) => Err(seconds),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds_ago: i64, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::seconds(seconds_ago)
    }

    #[test]
    fn twenty_messages_a_minute_then_wait_until_the_oldest_leaves() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let joined = now - Duration::days(30);
        let nineteen: Vec<_> = (0..19).map(|i| at(i, now)).collect();
        let ok = RecentSends {
            now,
            joined,
            messages: &nineteen,
            conversations: None,
        };
        assert_eq!(check_send(Limits::default(), &ok), Ok(()));
        let twenty: Vec<_> = (0..20).map(|i| at(i * 2, now)).collect();
        let full = RecentSends {
            now,
            joined,
            messages: &twenty,
            conversations: None,
        };
        // The oldest of the twenty was 38 s ago: free in 22 s.
        assert_eq!(check_send(Limits::default(), &full), Err(22));
    }

    #[test]
    fn new_accounts_have_stricter_limits() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let joined = now - Duration::hours(2);
        let five: Vec<_> = (0..5).map(|i| at(i, now)).collect();
        let recent = RecentSends {
            now,
            joined,
            messages: &five,
            conversations: None,
        };
        assert_eq!(check_send(Limits::default(), &recent), Err(56));
        let three: Vec<_> = (0..3).map(|i| at(i * 60, now)).collect();
        let starting = RecentSends {
            now,
            joined,
            messages: &[],
            conversations: Some(&three),
        };
        assert_eq!(check_send(Limits::default(), &starting), Err(3480));
    }
}
