//! Sessions, password hashing and sign-in throttling. They live in PostgreSQL so
//! that every server instance behind the load balancer agrees on them.

mod password;
mod session;
mod throttle;

pub use password::{hash_password, verify_password};
pub use session::{
    create_session, delete_session, session_key, token_from_headers, viewer_for_token,
    SESSION_COOKIE,
};
pub use throttle::{
    clear_failures, record_failure, throttle_wait, FREE_FAILURES_PER_ACCOUNT,
    FREE_FAILURES_PER_ADDRESS,
};
