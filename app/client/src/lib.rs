//! Entry point of the WASM client: takes over the server-rendered page.

/// Hydrates the page once the code of its route has arrived (each page is a part
/// of the client of its own); the promise settles when the page is live.
#[wasm_bindgen::prelude::wasm_bindgen]
pub async fn hydrate() {
    console_error_panic_hook::set_once();
    let owner = leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), app::App).await;
    owner.forget();
}
