//! Sessions, password hashing, sign-in throttling and known devices. They live in PostgreSQL so
//! that every server instance behind the load balancer agrees on them.

mod device;
mod device_name;
mod password;
mod password_change;
mod password_reset;
mod registration_limit;
mod session;
mod throttle;
mod verification;

pub use device::{known_device, remember_device, DEVICE_COOKIE, DEVICE_DAYS};
pub use device_name::describe as describe_device;
pub use password::Passwords;
pub use password_change::{account_email, change_password, confirm_password};
pub use password_reset::{
    request_reset, reset_account, reset_password, RESETS_PER_HOUR, RESET_MINUTES,
};
pub use registration_limit::{reserve_registration, Reservation};
pub use session::{
    create_session, delete_session, end_other_sessions, end_session, list_sessions, session_key,
    token_from_headers, token_hash, viewer_for_token, SESSIONS_PER_MEMBER, SESSION_COOKIE,
    SESSION_MAX_DAYS,
};
pub use throttle::{attempt_succeeded, begin_attempt, keys_for, ThrottleKey};
pub use verification::{new_verification, verify_email, VERIFICATION_HOURS};

/// 256 random bits from the operating system, as hex: the secret in a link.
pub fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
