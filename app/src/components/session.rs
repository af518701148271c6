//! The session every page shares: the sign-in, sign-out and register actions and
//! the signed-in member.

use crate::api::auth::{current_member, Register, SignIn, SignOut, Viewer};
use leptos::prelude::*;

/// Session actions and the signed-in member, shared by every page.
///
/// The viewer is reloaded whenever one of the actions completes, so the header
/// changes right after signing in or out.
#[derive(Clone, Copy)]
pub struct Session {
    pub sign_in: ServerAction<SignIn>,
    pub sign_out: ServerAction<SignOut>,
    pub register: ServerAction<Register>,
    pub viewer: Resource<Option<Viewer>>,
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Creates the session for the whole app (in `App`) and provides it as context.
pub fn provide_session() -> Session {
    let sign_in = ServerAction::<SignIn>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let register = ServerAction::<Register>::new();
    let viewer = Resource::new(
        move || {
            (
                sign_in.version().get(),
                sign_out.version().get(),
                register.version().get(),
            )
        },
        // An error reading the session shows the page as signed out rather than failing it.
        |_| async move { current_member().await.ok().flatten() },
    );
    let session = Session {
        sign_in,
        sign_out,
        register,
        viewer,
    };
    provide_context(session);
    session
}
