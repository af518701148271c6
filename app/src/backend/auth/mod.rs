//! Sessions, password hashing, sign-in throttling and known devices. They live in PostgreSQL so
//! that every server instance behind the load balancer agrees on them.

mod device;
mod password;
mod session;
mod throttle;

pub use device::{known_device, remember_device, DEVICE_COOKIE, DEVICE_DAYS};
pub use password::Passwords;
pub use session::{
    create_session, delete_session, session_key, token_from_headers, viewer_for_token,
    SESSION_COOKIE,
};
pub use throttle::{attempt_succeeded, begin_attempt, keys_for, ThrottleKey};
