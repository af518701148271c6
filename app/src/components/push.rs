//! "Notifications on this device" (web push): turning pushes on in this
//! browser (the browser asks for permission only after that click), the
//! choices, and the browsers that receive them, each with "Remove".

use crate::api::notifications::{
    get_push_settings, PushSettings, RemovePushDevice, SavePushChoices,
};
use crate::components::time::Time;
use crate::i18n::{k, use_words};
use leptos::prelude::*;

#[component]
pub fn PushSection() -> impl IntoView {
    let words = use_words();
    let save = ServerAction::<SavePushChoices>::new();
    let remove = ServerAction::<RemovePushDevice>::new();
    let added = RwSignal::new(0u32);
    let settings = Resource::new(
        move || (save.version().get(), remove.version().get(), added.get()),
        |_| get_push_settings(),
    );
    view! {
        <h2 id="push">{words.t(k::push_heading)}</h2>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                settings.await.ok().map(|settings| view! { <PushChoices settings save remove added/> })
            })}
        </Suspense>
    }
}

#[component]
fn PushChoices(
    settings: PushSettings,
    save: ServerAction<SavePushChoices>,
    remove: ServerAction<RemovePushDevice>,
    added: RwSignal<u32>,
) -> impl IntoView {
    let words = use_words();
    if !settings.available {
        return view! { <p class="meta">{words.t(k::push_unavailable)}</p> }.into_any();
    }
    // This browser's own subscription, once the page runs (to mark it in the list).
    let this_browser = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let working = RwSignal::new(false);
    // The button works once the page runs; until then it says what it needs.
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    #[cfg(not(feature = "hydrate"))]
    let _ = added;
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        this_browser.set(browser::current_endpoint().await);
    });
    let key = settings.public_key.clone().unwrap_or_default();
    let turn_on = move |_| {
        let key = key.clone();
        working.set(true);
        problem.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match browser::subscribe(&key, words).await {
                Ok(subscription) => {
                    let result = crate::api::notifications::subscribe_push(
                        subscription.endpoint.clone(),
                        subscription.keys.p256dh,
                        subscription.keys.auth,
                    )
                    .await;
                    match result {
                        Ok(_) => {
                            this_browser.set(Some(subscription.endpoint));
                            added.update(|n| *n += 1);
                        }
                        Err(error) => problem.set(Some(error.to_string())),
                    }
                }
                Err(reason) => problem.set(Some(reason)),
            }
            working.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = key;
    };
    let devices = settings.devices.clone();
    let listed = devices
        .iter()
        .map(|d| d.endpoint.clone())
        .collect::<Vec<_>>();
    let here = Memo::new(move |_| this_browser.get().is_some_and(|e| listed.contains(&e)));
    view! {
        <p class="meta" role="status">
            {move || if here.get() {
                words.t(k::push_on_here)
            } else {
                words.t(k::push_offer)
            }}
        </p>
        <p hidden=move || !interactive.get() || here.get()>
            <button type="button" class="button" on:click=turn_on disabled=move || working.get()>
                {words.t(k::push_turn_on)}
            </button>
        </p>
        <p class="meta" hidden=move || interactive.get()>{words.t(k::push_needs_javascript)}</p>
        <p class="form-error" role="alert">{move || problem.get()}</p>
        <ActionForm action=save>
            <label class="choice">
                <input type="checkbox" name="enabled" value="on" checked=settings.enabled/>
                {words.t(k::push_enabled)}
            </label>
            <label class="choice">
                <input type="checkbox" name="shows_text" value="on" checked=settings.shows_text/>
                {words.t(k::push_shows_text)}
            </label>
            <button type="submit" class="button button-quiet" disabled=move || save.pending().get()>{words.t(k::push_save)}</button>
        </ActionForm>
        {(!devices.is_empty()).then(|| view! {
            <ul class="device-list" aria-label=words.t(k::push_devices)>
                {devices.into_iter().map(|device| {
                    let endpoint = device.endpoint.clone();
                    let mine = move || this_browser.get().as_deref() == Some(endpoint.as_str());
                    view! {
                        <li>
                            <span>{device.device.clone()}</span>
                            <span class="meta" hidden=move || !mine()>{words.t(k::push_this_browser)}</span>
                            <span class="meta">{words.t(k::push_added)} <Time at=device.added/></span>
                            <ActionForm action=remove>
                                <input type="hidden" name="device" value=device.id.to_string()/>
                                <button type="submit" class="button button-quiet" aria-label=words.f(k::push_remove_device, &[("device", &device.device)])>{words.t(k::push_remove)}</button>
                            </ActionForm>
                        </li>
                    }
                }).collect_view()}
            </ul>
        })}
    }
    .into_any()
}

/// The browser's side: its push subscription, through the service worker.
#[cfg(feature = "hydrate")]
mod browser {
    use crate::i18n::{k, Words};
    use leptos::wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    #[derive(serde::Deserialize)]
    pub struct Keys {
        pub p256dh: String,
        pub auth: String,
    }

    /// `PushSubscription.toJSON()`.
    #[derive(serde::Deserialize)]
    pub struct Subscription {
        pub endpoint: String,
        pub keys: Keys,
    }

    async fn registration() -> Option<web_sys::ServiceWorkerRegistration> {
        let container = web_sys::window()?.navigator().service_worker();
        let ready = container.ready().ok()?;
        JsFuture::from(ready).await.ok()?.dyn_into().ok()
    }

    /// This browser's subscription's endpoint, if it has one.
    pub async fn current_endpoint() -> Option<String> {
        let manager = registration().await?.push_manager().ok()?;
        let found = JsFuture::from(manager.get_subscription().ok()?)
            .await
            .ok()?;
        let subscription: web_sys::PushSubscription = found.dyn_into().ok()?;
        Some(subscription.endpoint())
    }

    /// Bytes of a base64url text (the portal's public key).
    fn bytes(base64url: &str) -> Option<js_sys::Uint8Array> {
        let mut text = base64url.replace('-', "+").replace('_', "/");
        while !text.len().is_multiple_of(4) {
            text.push('=');
        }
        let binary = web_sys::window()?.atob(&text).ok()?;
        let bytes: Vec<u8> = binary.chars().map(|c| c as u8).collect();
        Some(js_sys::Uint8Array::from(bytes.as_slice()))
    }

    /// Asks for permission (now, after the member's click), then subscribes
    /// this browser with the portal's key.
    pub async fn subscribe(key: &str, words: Words) -> Result<Subscription, String> {
        let denied = words.t(k::push_denied);
        let failed = words.t(k::push_failed);
        let permission =
            JsFuture::from(web_sys::Notification::request_permission().map_err(|_| failed)?)
                .await
                .ok()
                .and_then(|p| p.as_string());
        if permission.as_deref() != Some("granted") {
            return Err(denied.into());
        }
        let registration = registration().await.ok_or(failed)?;
        let manager = registration.push_manager().map_err(|_| failed)?;
        let options = web_sys::PushSubscriptionOptionsInit::new();
        options.set_user_visible_only(true);
        let key = bytes(key).ok_or(failed)?;
        options.set_application_server_key(&JsValue::from(key));
        let subscribed = JsFuture::from(
            manager
                .subscribe_with_options(&options)
                .map_err(|_| failed)?,
        )
        .await
        .map_err(|_| failed)?;
        let json = js_sys::JSON::stringify(&subscribed)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or(failed)?;
        serde_json::from_str(&json).map_err(|_| failed.to_string())
    }
}
