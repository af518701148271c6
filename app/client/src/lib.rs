//! Entry point of the WASM client: takes over the server-rendered page.

/// Hydrates the page; the promise settles when the page is live. A client in
/// parts (`--cfg split_client`) first fetches the code of the page's group.
#[wasm_bindgen::prelude::wasm_bindgen]
pub async fn hydrate() {
    console_error_panic_hook::set_once();
    #[cfg(split_client)]
    {
        let path = leptos::prelude::window()
            .location()
            .pathname()
            .unwrap_or_default();
        app::preload_page(&path).await;
    }
    leptos::mount::hydrate_body(app::App);
}
