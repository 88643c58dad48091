//! The console's door to the edge: the shop's merchant routes, with the
//! API key the merchant signed in with. The key is kept in the tab's
//! `sessionStorage` (gone when the tab closes), sent only as a bearer
//! header to the console's own origin, never in a URL or a cookie.

use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::model::{Problem, encode};

#[wasm_bindgen]
extern "C" {
    /// A fetch `Response`.
    type Answer;

    #[wasm_bindgen(method, getter)]
    fn status(this: &Answer) -> u16;

    #[wasm_bindgen(method, catch)]
    fn text(this: &Answer) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(catch, js_name = fetch)]
    fn fetch(url: &str, init: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["navigator", "clipboard"], js_name = writeText)]
    fn write_text(text: &str) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = crypto, js_name = randomUUID)]
    fn random_uuid() -> Result<String, JsValue>;
}

#[wasm_bindgen(
    inline_js = "export function download(n,t){var a=document.createElement('a');a.href=URL.createObjectURL(new Blob([t],{type:'application/json'}));a.download=n;document.body.appendChild(a);a.click();a.remove();setTimeout(function(){URL.revokeObjectURL(a.href)},1000)}"
)]
extern "C" {
    /// Offers `text` as a file named `name` to save.
    pub fn download(name: &str, text: &str);
}

/// Why a call gave no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// 401: the key does not open the shop (any more).
    Unauthorized,
    /// No answer at all.
    Network,
    /// Any other refusal, as the edge explained it.
    Problem(Problem),
}

impl Failure {
    /// One line for the merchant.
    pub fn detail(&self) -> String {
        match self {
            Failure::Unauthorized => "401 unauthorized".into(),
            Failure::Network => "no answer".into(),
            Failure::Problem(p) => format!(
                "{} {}{}",
                p.status,
                p.code,
                p.detail
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ),
        }
    }
}

const SHOP: &str = "loyalty.console.shop";
const KEY: &str = "loyalty.console.key";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The shop signed in to, and its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub shop: String,
    pub key: String,
}

impl Session {
    /// The session this tab holds, if any.
    pub fn load() -> Option<Self> {
        let storage = session_storage()?;
        Some(Self {
            shop: storage.get_item(SHOP).ok().flatten()?,
            key: storage.get_item(KEY).ok().flatten()?,
        })
    }

    pub fn save(&self) {
        if let Some(storage) = session_storage() {
            let _ = storage.set_item(SHOP, &self.shop);
            let _ = storage.set_item(KEY, &self.key);
        }
    }

    pub fn forget() {
        if let Some(storage) = session_storage() {
            let _ = storage.remove_item(SHOP);
            let _ = storage.remove_item(KEY);
        }
    }

    fn url(&self, path: &str) -> String {
        format!("/v1/shops/{}{path}", encode(&self.shop))
    }

    /// A merchant route of the shop: its answer read as `T`.
    pub async fn call<T: DeserializeOwned>(
        self,
        method: &'static str,
        path: String,
        body: Option<String>,
    ) -> Result<T, Failure> {
        let url = self.url(&path);
        self.call_url(method, url, body).await
    }

    /// Any route of the edge (the path from the origin on): its answer
    /// read as `T`.
    pub async fn call_url<T: DeserializeOwned>(
        self,
        method: &'static str,
        url: String,
        body: Option<String>,
    ) -> Result<T, Failure> {
        let text = self.fetch_text(method, url, body).await?;
        serde_json::from_str(&text).map_err(|e| {
            Failure::Problem(Problem {
                code: "unreadable_answer".into(),
                detail: Some(e.to_string()),
                ..Problem::default()
            })
        })
    }

    /// A merchant route of the shop: its answer as text.
    pub async fn call_text(
        self,
        method: &'static str,
        path: String,
        body: Option<String>,
    ) -> Result<String, Failure> {
        let url = self.url(&path);
        self.fetch_text(method, url, body).await
    }

    async fn fetch_text(
        self,
        method: &'static str,
        url: String,
        body: Option<String>,
    ) -> Result<String, Failure> {
        let headers = js_sys::Object::new();
        let set = |name: &str, value: &str| {
            let _ = js_sys::Reflect::set(&headers, &name.into(), &value.into());
        };
        set("authorization", &format!("Bearer {}", self.key));
        if body.is_some() {
            set("content-type", "application/json");
        }
        let init = js_sys::Object::new();
        let put = |name: &str, value: &JsValue| {
            let _ = js_sys::Reflect::set(&init, &name.into(), value);
        };
        put("method", &method.into());
        put("headers", &headers.into());
        put("credentials", &"omit".into());
        if let Some(body) = body {
            put("body", &body.into());
        }
        let promise = fetch(&url, &init).map_err(|_| Failure::Network)?;
        let answer: Answer = JsFuture::from(promise)
            .await
            .map_err(|_| Failure::Network)?
            .unchecked_into();
        let status = answer.status();
        let text = match answer.text() {
            Ok(promise) => JsFuture::from(promise)
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        match status {
            200..=299 => Ok(text),
            401 => Err(Failure::Unauthorized),
            _ => Err(Failure::Problem(serde_json::from_str(&text).unwrap_or(
                Problem {
                    status,
                    ..Problem::default()
                },
            ))),
        }
    }
}

/// Copies `text` to the clipboard; whether it worked.
pub async fn copy(text: String) -> bool {
    match write_text(&text) {
        Ok(promise) => JsFuture::from(promise).await.is_ok(),
        Err(_) => false,
    }
}

/// A fresh idempotency id (an adjustment's).
pub fn fresh_id() -> String {
    random_uuid().unwrap_or_else(|_| format!("{}", js_sys::Date::now()))
}

/// The console's own origin (the edge's), for the script tag.
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// The language the browser asks for, unless the merchant chose one here.
pub fn preferred_language() -> String {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item("loyalty.console.lang").ok().flatten())
        .or_else(|| web_sys::window().and_then(|w| w.navigator().language()))
        .unwrap_or_default()
}

/// Remembers the merchant's choice of language (not a secret).
pub fn remember_language(tag: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item("loyalty.console.lang", tag);
    }
}

/// Sets the page's language and direction (the whole page mirrors).
pub fn set_page_language(tag: &str, dir: &str) {
    if let Some(html) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = html.set_attribute("lang", tag);
        let _ = html.set_attribute("dir", dir);
    }
}
