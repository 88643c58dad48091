//! The merchant console: a Leptos (CSR) app the edge serves at
//! `/console/`, a module of its own (the widget's shoppers never load it).
//!
//! The plain modules build and test natively: `i18n` (every string in en,
//! ar and ru), `model` (the answers it reads), `series` (the daily series'
//! charts, tables, summaries and CSV), `snippets` (what the install page
//! hands out). `api` (the edge's merchant routes with the API key held
//! in the tab's `sessionStorage`) and `app` (the components) are wasm-only.

pub mod backtest;
pub mod diff;
pub mod i18n;
pub mod model;
pub mod schema;
pub mod series;
pub mod snippets;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod chart;
#[cfg(target_arch = "wasm32")]
mod form;

/// Mounts the console into `host` (the page's `#console`).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn start(host: web_sys::HtmlElement) {
    host.set_inner_html("");
    let handle = leptos::mount::mount_to(host, app::App);
    // The console lives as long as its page.
    handle.forget();
}

/// The backtest benchmark (`cargo xtask bench` runs it in Chromium): `n`
/// synthetic events replayed under a program and a draft; the
/// milliseconds the replay took, as the page's clock measures them.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn bench_backtest(n: u32) -> f64 {
    let start = chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64)
        .unwrap_or_default()
        - chrono::Duration::days(30);
    let (live, draft, events) = backtest::synthetic(n as usize, start);
    let now = start + chrono::Duration::days(31);
    let began = js_sys::Date::now();
    let result = backtest::compare(&live, &draft, &events, now);
    let took = js_sys::Date::now() - began;
    // The result is read, so the replay is not optimised away.
    if result.events != n as usize {
        return -1.0;
    }
    took
}
