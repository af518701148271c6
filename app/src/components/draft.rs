//! Keeping a message box's text on the server as a draft, a moment after the
//! member stops typing, so it follows them to another device.

use leptos::prelude::*;

/// How long after the last keystroke the draft is saved.
#[cfg(feature = "hydrate")]
const SAVE_AFTER: std::time::Duration = std::time::Duration::from_millis(1000);

/// Saves `body` as the draft of `conversation` (the start dialog when `None`)
/// a second after it last changed; an emptied box (a sent message) clears it.
pub fn keep_draft(conversation: Option<i64>, body: RwSignal<String>) {
    #[cfg(feature = "hydrate")]
    {
        let generation = StoredValue::new(0u64);
        Effect::new(move |previous: Option<String>| {
            let text = body.get();
            // The text the page opened with is already the draft.
            if previous.as_ref().is_some_and(|p| *p != text) {
                let mine = generation.get_value() + 1;
                generation.set_value(mine);
                let saving = text.clone();
                set_timeout(
                    move || {
                        if generation.get_value() != mine {
                            return;
                        }
                        leptos::task::spawn_local(async move {
                            let _ = crate::api::conversations::save_draft(
                                conversation,
                                saving,
                                false,
                                None,
                            )
                            .await;
                        });
                    },
                    SAVE_AFTER,
                );
            }
            text
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (conversation, body);
}
