//! The shopper's widget: a Leptos panel compiled to WebAssembly, mounted by
//! `static/loader.js` into an element inside its shadow root.
//!
//! The logic lives in plain types that build and test natively (`i18n`,
//! `model`, `format`, `present`, `flow`, `config`); only `api` (the browser's
//! fetch, clipboard and share sheet), `app` (the components) and the mount
//! functions below are compiled for wasm32 alone.
//!
//! The cart preview ("this cart earns N points") is computed by the rules
//! crate in a second module (`widget/preview`), which `api::cart_points`
//! loads only when the page passes a cart.

pub mod config;
pub mod flow;
pub mod format;
pub mod i18n;
pub mod model;
pub mod present;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod app;

/// The panel's style sheet, adopted by the loader into the shadow root
/// (a constructed sheet, so a strict `style-src` policy does not block it).
pub const PANEL_CSS: &str = include_str!("panel.css");

#[cfg(target_arch = "wasm32")]
pub use web::{mount, panel_css, set_cart, unmount};

#[cfg(target_arch = "wasm32")]
mod web {
    use std::any::Any;
    use std::cell::RefCell;

    use leptos::prelude::*;
    use wasm_bindgen::prelude::*;

    use crate::app::App;
    use crate::config::Config;

    thread_local! {
        /// The page's cart as JSON text (`Loyalty.setCart`); outlives panels.
        static CART: ArcRwSignal<Option<String>> = ArcRwSignal::new(None);
        /// What is mounted where; dropping a handle unmounts its panel.
        static MOUNTED: RefCell<Vec<(web_sys::HtmlElement, Box<dyn Any>)>> =
            const { RefCell::new(Vec::new()) };
    }

    /// The cart the page passed last, as JSON text.
    pub(crate) fn cart() -> ArcRwSignal<Option<String>> {
        CART.with(Clone::clone)
    }

    /// The page's current cart (`{subtotal_minor, lines}`), or null for none.
    #[wasm_bindgen]
    pub fn set_cart(cart: JsValue) {
        let text = if cart.is_null() || cart.is_undefined() {
            None
        } else {
            js_sys::JSON::stringify(&cart).ok().map(String::from)
        };
        CART.with(|signal| signal.set(text));
    }

    /// Mounts the panel into `host` (an element inside the loader's shadow
    /// root) with the loader's configuration object; mounting again into
    /// the same host replaces the panel (a new customer token, a new locale).
    #[wasm_bindgen]
    pub fn mount(host: web_sys::HtmlElement, config: JsValue) -> Result<(), JsValue> {
        let config = Config::read(&config).map_err(JsValue::from_str)?;
        unmount(&host);
        // The loader's placeholder skeleton goes; the panel brings its own.
        host.set_inner_html("");
        let handle = leptos::mount::mount_to(host.clone(), move || view! { <App config /> });
        MOUNTED.with(|mounted| mounted.borrow_mut().push((host, Box::new(handle))));
        Ok(())
    }

    /// Removes the panel mounted into `host`, if any.
    #[wasm_bindgen]
    pub fn unmount(host: &web_sys::HtmlElement) {
        let removed: Vec<Box<dyn Any>> = MOUNTED.with(|mounted| {
            let mut mounted = mounted.borrow_mut();
            let (gone, kept) = mounted.drain(..).partition(|(element, _)| {
                AsRef::<JsValue>::as_ref(element) == AsRef::<JsValue>::as_ref(&host)
            });
            *mounted = kept;
            gone.into_iter()
                .map(|(_, handle)| handle)
                .collect::<Vec<_>>()
        });
        // Dropped outside the borrow: unmounting runs cleanups that may
        // reach this list again.
        drop(removed);
    }

    /// The panel's CSS, for the loader to adopt into its shadow root.
    #[wasm_bindgen]
    pub fn panel_css() -> String {
        crate::PANEL_CSS.to_owned()
    }
}
