//! The one place that knows KV keys and Durable Object names, and how the
//! worker talks to its objects (JSON over `fetch`).

use serde::Serialize;
use serde::de::DeserializeOwned;
use worker::{Env, Method, Request, RequestInit, Response, Stub, wasm_bindgen::JsValue};

use crate::error::{AppError, AppResult};
use crate::model::{
    GateCall, GateOp, HookCall, HookOp, MemberEnvelope, MemberOp, ShopCall, ShopOp,
};

const KV_BINDING: &str = crate::keys::BINDING;
pub const SHOP_OBJECTS: &str = "SHOPS";
pub const MEMBER_OBJECTS: &str = "MEMBERS";
pub const GATE_OBJECTS: &str = "GATES";
pub const HOOK_OBJECTS: &str = "HOOKS";

/// Random bytes from the runtime's CSPRNG.
pub fn fill_random(bytes: &mut [u8]) {
    if getrandom::getrandom(bytes).is_err() {
        // The runtime always has crypto.getRandomValues; refuse to go on without it.
        panic!("no source of randomness");
    }
}

/// A secret of 32 random bytes, hex-encoded, with a readable prefix.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    format!("{prefix}_{}", crate::auth::hex(&bytes))
}

pub fn log_internal(context: &str, error: impl std::fmt::Display) {
    worker::console_error!("{context}: {error}");
}

fn internal(context: &str) -> impl Fn(worker::Error) -> AppError + '_ {
    move |error| {
        log_internal(context, error);
        AppError::internal()
    }
}

fn shop_stub(env: &Env, shop: &str) -> AppResult<Stub> {
    env.durable_object(SHOP_OBJECTS)
        .and_then(|ns| ns.get_by_name(&crate::keys::shop_object(shop)))
        .map_err(internal("shop object"))
}

fn member_stub(env: &Env, shop: &str, key: &str) -> AppResult<Stub> {
    env.durable_object(MEMBER_OBJECTS)
        .and_then(|ns| ns.get_by_name(&crate::keys::member_object(shop, key)))
        .map_err(internal("member object"))
}

/// Asks the shop's object; its typed reply, or its problem as an `AppError`.
pub async fn shop<C: ShopOp>(env: &Env, shop: &str, call: C) -> AppResult<C::Reply> {
    let stub = shop_stub(env, shop)?;
    let call: ShopCall = call.into();
    send(&stub, "shop", &call).await
}

/// Asks the shop's outbound object; its typed reply, or its problem.
pub async fn hooks<C: HookOp>(env: &Env, shop: &str, call: C) -> AppResult<C::Reply> {
    let stub = env
        .durable_object(HOOK_OBJECTS)
        .and_then(|ns| ns.get_by_name(&crate::keys::hooks_object(shop)))
        .map_err(internal("hook object"))?;
    let call: HookCall = call.into();
    send(&stub, "hooks", &call).await
}

/// Asks the shop's gate number `n`; its typed reply, or its problem.
pub async fn gate<C: GateOp>(env: &Env, shop: &str, n: u64, call: C) -> AppResult<C::Reply> {
    let stub = env
        .durable_object(GATE_OBJECTS)
        .and_then(|ns| ns.get_by_name(&crate::keys::gate_object(shop, n)))
        .map_err(internal("gate object"))?;
    let call: GateCall = call.into();
    send(&stub, "gate", &(shop, call)).await
}

/// Asks the object holding the state under `key`; its typed reply, or its
/// problem as an `AppError`.
pub async fn member<C: MemberOp>(env: &Env, shop: &str, key: &str, call: C) -> AppResult<C::Reply> {
    let stub = member_stub(env, shop, key)?;
    let envelope = MemberEnvelope {
        key: key.to_owned(),
        call: call.into(),
    };
    send(&stub, "member", &envelope).await
}

async fn send<B: Serialize, R: DeserializeOwned>(
    stub: &Stub,
    object: &'static str,
    body: &B,
) -> AppResult<R> {
    let text = serde_json::to_string(body).map_err(|e| {
        log_internal("encode call", e);
        AppError::internal()
    })?;
    // No headers: the object reads the body as the call's JSON whatever
    // its type says.
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_body(Some(JsValue::from_str(&text)));
    let request = Request::new_with_init("https://object/", &init).map_err(internal("request"))?;
    let response = stub
        .fetch_with_request(request)
        .await
        .map_err(internal(object))?;
    let status = response.status_code();
    let body = body_text(response).await.map_err(internal(object))?;
    if status == 200 {
        serde_json::from_str(&body).map_err(|e| {
            log_internal(object, e);
            AppError::internal()
        })
    } else {
        Err(serde_json::from_str::<AppError>(&body).unwrap_or_else(|e| {
            log_internal(object, e);
            AppError::internal()
        }))
    }
}

/// Reads a call out of an object's request.
pub async fn received<T: DeserializeOwned>(mut req: Request) -> AppResult<T> {
    let text = req.text().await.map_err(|_| AppError::internal())?;
    serde_json::from_str(&text).map_err(|e| {
        log_internal("object request", e);
        AppError::internal()
    })
}

/// The body as text, read by the runtime in one piece (`Response::text` of
/// the worker crate reads a stream chunk by chunk through wasm).
async fn body_text(response: Response) -> worker::Result<String> {
    let response: worker::web_sys::Response = response.into();
    let text = worker::wasm_bindgen_futures::JsFuture::from(response.text()?).await?;
    Ok(text.as_string().unwrap_or_default())
}

/// An object's answer to a call: its reply's text as serialized.
pub fn reply(result: AppResult<String>) -> worker::Result<Response> {
    match result {
        Ok(text) => Ok(Response::builder().fixed(text.into_bytes())),
        Err(error) => Ok(Response::ok(error.body())?.with_status(error.status)),
    }
}

/// KV: the lagging copies (programs by version, the code and referral
/// indexes, member snapshots). Every read and write of KV goes through
/// these typed functions; writes are best effort, as the objects stay the
/// truth and every reader falls back to them. The deletes an erase makes
/// are not: the erase fails (and is sent again) when one does.
pub mod kv {
    use loyalty_rules::member::MemberState;
    use worker::{Env, kv::KvStore};

    use super::log_internal;
    use crate::error::{AppError, AppResult};
    use crate::keys;

    fn namespace(env: &Env) -> Option<KvStore> {
        env.kv(super::KV_BINDING).ok()
    }

    async fn get(env: &Env, key: &str) -> Option<String> {
        namespace(env)?.get(key).text().await.ok().flatten()
    }

    async fn put(env: &Env, key: &str, value: &str) {
        if let Some(store) = namespace(env)
            && let Ok(put) = store.put(key, value)
        {
            let _ = put.execute().await;
        }
    }

    /// Puts the shop in the registry the schedule visits (idempotent).
    pub async fn register_shop(env: &Env, shop: &str) {
        put(env, &keys::shop_registry(shop), "").await;
    }

    /// The registered shops, a page at a time: the names and the cursor of
    /// the next page (none: the last).
    pub async fn registered_shops(
        env: &Env,
        cursor: Option<String>,
    ) -> AppResult<(Vec<String>, Option<String>)> {
        let store = namespace(env).ok_or_else(AppError::internal)?;
        let mut list = store.list().prefix(keys::SHOP_REGISTRY.to_owned());
        if let Some(cursor) = cursor {
            list = list.cursor(cursor);
        }
        let page = list.execute().await.map_err(|e| {
            log_internal("kv list", e);
            AppError::internal()
        })?;
        let shops = page
            .keys
            .iter()
            .filter_map(|k| keys::registered_shop(&k.name))
            .collect();
        Ok((
            shops,
            (!page.list_complete).then_some(page.cursor).flatten(),
        ))
    }

    /// A program version's document, if the copy has it.
    pub async fn program(env: &Env, shop: &str, version: u64) -> Option<String> {
        get(env, &keys::program(shop, version)).await
    }

    /// A program version's document (versions never change).
    pub async fn put_program(env: &Env, shop: &str, version: u64, doc: &str) {
        put(env, &keys::program(shop, version), doc).await;
    }

    /// The state key a reward code belongs to, if the copy has it.
    pub async fn code_owner(env: &Env, shop: &str, code: &str) -> Option<String> {
        get(env, &keys::code(shop, code)).await
    }

    pub async fn put_code_owner(env: &Env, shop: &str, code: &str, state_key: &str) {
        put(env, &keys::code(shop, code), state_key).await;
    }

    /// The member a referral code belongs to, if the copy has it.
    pub async fn referrer(env: &Env, shop: &str, code: &str) -> Option<String> {
        get(env, &keys::referral(shop, code)).await
    }

    pub async fn put_referrer(env: &Env, shop: &str, code: &str, member: &str) {
        put(env, &keys::referral(shop, code), member).await;
    }

    /// Deletes a code's copy; an erase waits for it (and fails, to be sent
    /// again, when KV does).
    pub async fn delete_code_owner(env: &Env, shop: &str, code: &str) -> AppResult<()> {
        delete(env, &keys::code(shop, code)).await
    }

    /// Deletes a referral code's copy (as `delete_code_owner`).
    pub async fn delete_referrer(env: &Env, shop: &str, code: &str) -> AppResult<()> {
        delete(env, &keys::referral(shop, code)).await
    }

    async fn delete(env: &Env, key: &str) -> AppResult<()> {
        let store = namespace(env).ok_or_else(AppError::internal)?;
        store.delete(key).await.map_err(|e| {
            log_internal("kv delete", e);
            AppError::internal()
        })
    }

    /// The member snapshot under `state_key`, if there is a readable one.
    pub async fn snapshot(env: &Env, shop: &str, state_key: &str) -> Option<MemberState> {
        let text = get(env, &keys::member_snapshot(shop, state_key)).await?;
        serde_json::from_str(&text).ok()
    }

    pub async fn put_snapshot(env: &Env, shop: &str, state_key: &str, state: &MemberState) {
        if let Ok(text) = serde_json::to_string(state) {
            put(env, &keys::member_snapshot(shop, state_key), &text).await;
        }
    }

    /// Deletes the snapshot; whether KV took the deletion.
    pub async fn delete_snapshot(env: &Env, shop: &str, state_key: &str) -> bool {
        match namespace(env) {
            Some(store) => store
                .delete(&keys::member_snapshot(shop, state_key))
                .await
                .is_ok(),
            None => false,
        }
    }
}
