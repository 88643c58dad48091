//! The widget's only door to the network and the browser's services: the
//! four widget endpoints, the clipboard, the share sheet and random keys.
//!
//! It binds `fetch` and friends directly rather than through web-sys's
//! generated types, which keeps the JS glue small; every binding that can
//! throw is declared `catch`, so a missing API becomes an error value.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::config::{Config, encode};
use crate::flow::Failure;
use crate::model::{CartPreview, FromJson, Json, LedgerPage, MemberView, ProgramView, Redemption};

#[wasm_bindgen]
extern "C" {
    /// A fetch `Response`.
    type Answer;

    #[wasm_bindgen(method, getter)]
    fn status(this: &Answer) -> u16;

    #[wasm_bindgen(method, catch)]
    fn json(this: &Answer) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(catch, js_name = fetch)]
    fn fetch(url: &str, init: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["navigator", "clipboard"], js_name = writeText)]
    fn write_text(text: &str) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = navigator, js_name = share)]
    fn navigator_share(data: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = crypto, js_name = randomUUID)]
    fn random_uuid() -> Result<String, JsValue>;
}

// The cart preview's module is loaded only when a page passes a cart; it
// sits beside the widget's, two folders up from this snippet. Its inputs
// (the program and the shopper's state) are fetched once per page and
// shopper, so a theme may call `setCart` on every change of quantity; the
// edge's clock comes with them, so the figure is worked out at the edge's
// `now` even on a device whose clock is off.
#[wasm_bindgen(
    inline_js = "var P={};export function cart_preview(u,t,c){var k=u+' '+t,h=t?{authorization:'Bearer '+t}:{},m=new URL('../../loyalty_preview.js',import.meta.url).href;P[k]=P[k]||Promise.all([fetch(u,{headers:h,credentials:'omit'}).then(function(r){if(!r.ok)throw r.status;return r.json()}).then(function(j){j.skew=(j.preview.now_ms||Date.now())-Date.now();return j}),import(m).then(function(x){return x.default().then(function(){return x})})]).catch(function(e){delete P[k];throw e});return P[k].then(function(a){var p=a[0].preview;return JSON.parse(a[1].cart_points(JSON.stringify(p.program),JSON.stringify(p.zone),JSON.stringify(p.state),c,p.member_id||'',Date.now()+a[0].skew))})}"
)]
extern "C" {
    #[wasm_bindgen(catch)]
    fn cart_preview(url: &str, token: &str, cart: &str) -> Result<js_sys::Promise, JsValue>;
}

/// What the cart (`Loyalty.setCart`'s object, as JSON text) would earn now,
/// computed by the rules crate in the browser, and the nearest bonus a
/// bigger cart would bring; `None` when it cannot be worked out.
pub async fn cart_points(config: &Config, cart: &str) -> Option<CartPreview> {
    let url = config.url("/program?include=preview");
    let token = config.token.clone().unwrap_or_default();
    let promise = cart_preview(&url, &token, cart).ok()?;
    let answer = JsFuture::from(promise).await.ok()?;
    answer
        .opt_int("points")
        .is_some()
        .then(|| CartPreview::from_json(&answer))
}

fn object(pairs: &[(&str, &JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        // Setting a plain property on a fresh object cannot fail.
        let _ = js_sys::Reflect::set(&object, &(*key).into(), value);
    }
    object.into()
}

/// Starts one request at once (so requests made one after the other run side
/// by side) and reads its answer when awaited; a problem answer becomes its
/// [`Failure`].
fn send<T: FromJson>(
    config: &Config,
    method: &str,
    url: &str,
    extra: Option<(&str, &str)>,
    body: Option<JsValue>,
) -> impl Future<Output = Result<T, Failure>> + use<T> {
    let headers = js_sys::Object::new();
    let set = |name: &str, value: &str| {
        let _ = js_sys::Reflect::set(&headers, &name.into(), &value.into());
    };
    if let Some(token) = &config.token {
        set("authorization", &format!("Bearer {token}"));
    }
    if let Some((name, value)) = extra {
        set(name, value);
    }
    if body.is_some() {
        set("content-type", "application/json");
    }
    let init = object(&[
        ("method", &method.into()),
        ("headers", &headers.into()),
        ("body", &body.unwrap_or(JsValue::UNDEFINED)),
        // Never send the shop's cookies to the edge: the token is the only
        // credential, so a cookie cannot be replayed across sites.
        ("credentials", &"omit".into()),
    ]);
    let started = fetch(url, &init);
    async move {
        let promise = started.map_err(|_| Failure::Network)?;
        let answer: Answer = JsFuture::from(promise)
            .await
            .map_err(|_| Failure::Network)?
            .unchecked_into();
        let status = answer.status();
        // A body that is not JSON (a proxy's error page) reads as empty.
        let json = match answer.json() {
            Ok(promise) => JsFuture::from(promise).await.unwrap_or(JsValue::NULL),
            Err(_) => JsValue::NULL,
        };
        if (200..300).contains(&status) {
            Ok(T::from_json(&json))
        } else {
            Err(Failure::from_answer(status, &json.text("code")))
        }
    }
}

pub fn program(config: &Config) -> impl Future<Output = Result<ProgramView, Failure>> + use<> {
    let url = config.url(&format!("/program?locale={}", config.language().tag()));
    send(config, "GET", &url, None, None)
}

/// The member view; `after` asks for a state at least that new.
pub fn me(
    config: &Config,
    after: u64,
) -> impl Future<Output = Result<MemberView, Failure>> + use<> {
    let mut url = config.url(&format!("/me?locale={}", config.language().tag()));
    if after > 0 {
        url.push_str(&format!("&after={after}"));
    }
    send(config, "GET", &url, None, None)
}

pub fn ledger(
    config: &Config,
    cursor: Option<String>,
) -> impl Future<Output = Result<LedgerPage, Failure>> + use<> {
    let mut url = config.url("/me/ledger?limit=10");
    if let Some(cursor) = cursor {
        url.push_str(&format!("&cursor={}", encode(&cursor)));
    }
    send(config, "GET", &url, None, None)
}

pub fn redeem(
    config: &Config,
    reward: &str,
    key: &str,
) -> impl Future<Output = Result<Redemption, Failure>> + use<> {
    code(config, "/redeem", ("reward", reward.into()), key)
}

/// Spends `amount_minor` of the member's store credit as a checkout code.
pub fn spend_credit(
    config: &Config,
    amount_minor: i64,
    key: &str,
) -> impl Future<Output = Result<Redemption, Failure>> + use<> {
    let amount = JsValue::from_f64(amount_minor as f64);
    code(config, "/credit", ("amount_minor", amount), key)
}

/// A code for points or credit: one request shape (and one future type,
/// so the panel's code for awaiting it is compiled once).
fn code(
    config: &Config,
    path: &str,
    field: (&str, JsValue),
    key: &str,
) -> impl Future<Output = Result<Redemption, Failure>> + use<> {
    // The browser writes the JSON, so the wasm needs no serializer.
    let body = js_sys::JSON::stringify(&object(&[(field.0, &field.1)]))
        .map(JsValue::from)
        .ok();
    send(
        config,
        "POST",
        &config.url(path),
        Some(("idempotency-key", key)),
        body,
    )
}

/// Leaves the program (`join` false) or rejoins it. The answer (the
/// member's status) is read as a member view, whose reader the wasm has
/// already: only whether it succeeded matters, the panel reloads `me`.
pub fn enrollment(
    config: &Config,
    join: bool,
) -> impl Future<Output = Result<MemberView, Failure>> + use<> {
    let path = if join { "/me/join" } else { "/me/leave" };
    send(config, "POST", &config.url(path), None, None)
}

/// Copies text; false when the browser refuses (no permission, old browser).
pub async fn copy(text: &str) -> bool {
    match write_text(text) {
        Ok(promise) => JsFuture::from(promise).await.is_ok(),
        Err(_) => false,
    }
}

/// Whether the browser has a share sheet (phones mostly).
pub fn can_share() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|navigator| js_sys::Reflect::has(&navigator, &"share".into()))
        .unwrap_or(false)
}

/// Opens the share sheet with a link; a dismissed sheet is not an error
/// worth showing.
pub async fn share(title: &str, url: &str) {
    let data = object(&[("title", &title.into()), ("url", &url.into())]);
    if let Ok(promise) = navigator_share(&data) {
        let _ = JsFuture::from(promise).await;
    }
}

/// A fresh idempotency key for one redemption.
pub fn new_key() -> String {
    random_uuid().unwrap_or_else(|_| {
        // Outside a secure context randomUUID is missing; Math.random is
        // enough here, since the key only has to differ between attempts.
        let a = (js_sys::Math::random() * 1e15) as u64;
        let b = (js_sys::Math::random() * 1e15) as u64;
        format!("{a:x}-{b:x}")
    })
}
