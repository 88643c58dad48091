//! Thin HTTP handlers: authenticate, parse, ask the right object, answer.

use std::collections::BTreeMap;

use loyalty_rules::book::Book;
use loyalty_rules::event::parse_batch;
use loyalty_rules::member::MemberState;
use loyalty_rules::request::{Adjustment, NewShop, Redemption};
use loyalty_rules::view::program_view;
use loyalty_rules::{Event, Id, Problem, Program};
use serde::Serialize;
use serde_json::{Value, json};
use worker::{Env, Headers, Request, Response};

use crate::auth;
use crate::clock::{dev_mode, now};
use crate::error::{AppError, AppResult};
use crate::keys;
use crate::model::{
    AdjustRequest, AnalyticsRequest, ApplyRequest, ClaimRequest, ClaimStatus, CodeRequest, Context,
    ContextRequest, CreateShop, Credential, DevToken, EraseRequest, ExportRequest, KeyOf,
    LedgerRequest, LookupCode, LookupReferral, ProfileRequest, ProgramRef, PutProgram,
    RedeemRequest, ReferrerWire, Report, RotateKeys, StateRequest, ViewRequest,
};
use crate::objects::member::{cached_version, program_document};
use crate::routes::{self, Access, CredentialKind, Found, Op, Params, RouteDef};
use crate::store;

/// The largest request body accepted.
pub const MAX_BODY: usize = 256 * 1024;

/// A successful answer: status, JSON body, extra headers.
pub struct Reply {
    status: u16,
    body: String,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn json<T: Serialize>(status: u16, value: &T) -> AppResult<Self> {
        Ok(Self {
            status,
            body: serde_json::to_string(value).map_err(|_| AppError::internal())?,
            content_type: "application/json",
            headers: Vec::new(),
        })
    }

    fn redirect(location: String) -> Self {
        Self {
            status: 302,
            body: String::new(),
            content_type: "text/plain",
            headers: vec![("location", location)],
        }
    }
}

/// The worker's entry: every request, every answer, errors included.
pub async fn handle(mut req: Request, env: Env) -> worker::Result<Response> {
    let origin = req.headers().get("origin").ok().flatten();
    // The raw method: the worker's `Method` enum folds unknown ones into GET.
    let method = req.inner().method().to_ascii_uppercase();
    let path = req.path();
    let found = routes::find(&path, dev_mode(&env));
    let cors = found.as_ref().is_some_and(Found::cors);
    let mut cors_origin = None;
    let result = async {
        let Some(found) = found.as_ref() else {
            return Err(AppError::not_found("the path"));
        };
        if cors {
            cors_origin = allowed_origin(&env, &found.params.shop, origin.as_deref()).await;
            if method == "OPTIONS" {
                return Ok(Reply {
                    status: 204,
                    body: String::new(),
                    content_type: "text/plain",
                    headers: Vec::new(),
                });
            }
        }
        let Some(def) = found.for_method(&method) else {
            let allowed = found.allow().join(", ");
            let mut error = AppError::new(
                405,
                "method_not_allowed",
                format!("this path takes {allowed}"),
            );
            error.allow = Some(allowed);
            return Err(error);
        };
        // A route that needs a credential refuses a request without one
        // before reading its body.
        let presented = header(&req, "authorization").is_some()
            || (def.access.takes(CredentialKind::Signature)
                && header(&req, "loyalty-signature").is_some());
        if !def.access.open() && !presented {
            return Err(credential(def.access, &req, &env, &[])
                .err()
                .unwrap_or_else(|| AppError::unauthorized("this route needs a credential")));
        }
        let body = read_body(&mut req, &method).await?;
        route(&req, &env, def, found.params.clone(), body).await
    }
    .await;
    let (status, body, content_type, headers) = match result {
        Ok(reply) => (reply.status, reply.body, reply.content_type, reply.headers),
        Err(error) => {
            let mut headers = Vec::new();
            if let Some(seconds) = error.retry_after {
                headers.push(("retry-after", seconds.to_string()));
            }
            if let Some(allow) = &error.allow {
                headers.push(("allow", allow.clone()));
            }
            (
                error.status,
                error.body(),
                "application/problem+json",
                headers,
            )
        }
    };
    let out = Headers::new();
    out.set("content-type", content_type)?;
    out.set("cache-control", "no-store")?;
    for (name, value) in headers {
        out.set(name, &value)?;
    }
    if let Some(found) = found.as_ref().filter(|_| cors) {
        out.set("vary", "Origin")?;
        if let Some(origin) = cors_origin {
            out.set("access-control-allow-origin", &origin)?;
            let methods = found.allow().join(", ");
            out.set(
                "access-control-allow-methods",
                &format!("{methods}, OPTIONS"),
            )?;
            out.set(
                "access-control-allow-headers",
                "authorization, content-type, idempotency-key",
            )?;
            out.set("access-control-expose-headers", "retry-after")?;
            out.set("access-control-max-age", "600")?;
        }
    }
    let response = if status == 204 || status == 302 {
        Response::empty()?
    } else {
        Response::ok(body)?
    };
    Ok(response.with_status(status).with_headers(out))
}

/// The body, read chunk by chunk and refused as soon as it passes 256 KiB,
/// whatever its framing (a declared length, or chunked with none).
async fn read_body(req: &mut Request, method: &str) -> AppResult<Vec<u8>> {
    use futures_util::StreamExt;
    if method == "GET" || method == "HEAD" || method == "DELETE" {
        return Ok(Vec::new());
    }
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Err(too_large());
    }
    if req.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let mut stream = req
        .stream()
        .map_err(|_| AppError::new(400, "unreadable_body", "the body could not be read"))?;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|_| AppError::new(400, "unreadable_body", "the body could not be read"))?;
        if bytes.len() + chunk.len() > MAX_BODY {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn too_large() -> AppError {
    AppError::new(413, "body_too_large", "the body is larger than 256 KiB")
}

fn parse_json(body: &[u8]) -> AppResult<Value> {
    serde_json::from_slice(body).map_err(AppError::bad_json)
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

fn query(req: &Request, name: &str) -> Option<String> {
    let url = req.url().ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn check_id(value: &str, what: &str) -> AppResult<Id> {
    Id::parse(value).map_err(|e| {
        AppError::invalid(
            "invalid_id",
            vec![Problem {
                path: format!("$.{what}"),
                message: format!("is not a valid identifier: {e}"),
            }],
        )
    })
}

fn admin_token(env: &Env) -> Option<String> {
    env.secret("ADMIN_TOKEN")
        .map(|s| s.to_string())
        .or_else(|_| env.var("ADMIN_TOKEN").map(|v| v.to_string()))
        .ok()
        .filter(|t| !t.is_empty())
}

/// The credential a merchant-side request carries, if it is of a kind its
/// route takes (the route table says which): a signature is taken only by
/// events, the platform token only by shop creation and key rotation.
fn credential(access: Access, req: &Request, env: &Env, body: &[u8]) -> AppResult<Credential> {
    let refused = || {
        AppError::unauthorized(match access {
            Access::Admin => "this route takes the platform admin token",
            Access::MerchantOrAdmin => {
                "send Authorization: Bearer <api_key> (or the platform admin token)"
            }
            Access::MerchantOrSigned => {
                "send Authorization: Bearer <api_key> or a Loyalty-Signature"
            }
            Access::Shopper => "a valid customer token is required",
            _ => "send Authorization: Bearer <api_key>",
        })
    };
    if let Some(token) = auth::bearer(header(req, "authorization").as_deref()) {
        let admin = admin_token(env).is_some_and(|admin| auth::same_secret(&admin, token));
        let kind = if admin {
            CredentialKind::Admin
        } else {
            CredentialKind::ApiKey
        };
        if !access.takes(kind) {
            return Err(refused());
        }
        return Ok(if admin {
            Credential::Admin
        } else {
            Credential::ApiKey {
                key: token.to_owned(),
            }
        });
    }
    if access.takes(CredentialKind::Signature)
        && let Some(signature) = header(req, "loyalty-signature")
    {
        return Ok(Credential::Signature {
            header: signature,
            body: String::from_utf8_lossy(body).into_owned(),
        });
    }
    Err(refused())
}

thread_local! {
    /// Figures-only reports from member objects, carried to their shop
    /// object with this isolate's next call to it (each also waits in its
    /// member's outbox, so one lost here is delivered by the alarm).
    static CARRIED: std::cell::RefCell<Vec<(String, Report)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// At most this many reports wait in an isolate; older ones are left to the
/// member objects' alarms.
const CARRIED_MAX: usize = 512;

fn carry(shop: &str, report: Report) {
    CARRIED.with(|carried| {
        let mut carried = carried.borrow_mut();
        if carried.len() >= CARRIED_MAX {
            carried.remove(0);
        }
        carried.push((shop.to_owned(), report));
    });
}

async fn shop_context(env: &Env, shop: &str, mut request: ContextRequest) -> AppResult<Context> {
    request.reports = CARRIED.with(|carried| {
        let mut carried = carried.borrow_mut();
        let (mine, others) = std::mem::take(&mut *carried)
            .into_iter()
            .partition(|(s, _)| s == shop);
        *carried = others;
        mine.into_iter().map(|(_, report)| report).collect()
    });
    store::shop(env, shop, request).await
}

/// Authenticates a merchant (or admin) request on `shop`.
async fn merchant(
    access: Access,
    req: &Request,
    env: &Env,
    shop: &str,
    body: &[u8],
    mut request: ContextRequest,
) -> AppResult<Context> {
    check_id(shop, "shop")?;
    request.credential = Some(credential(access, req, env, body)?);
    let context = shop_context(env, shop, request).await.map_err(|e| {
        if e.status == 404 {
            AppError::unauthorized("no such shop, or the key is not valid for it")
        } else {
            e
        }
    })?;
    if !context.merchant {
        return Err(AppError::unauthorized(
            "the credential is not valid for this shop",
        ));
    }
    Ok(context)
}

/// Authenticates a merchant request about `member`: its context (with the
/// program) and the key of the state that holds the member.
async fn merchant_for_member(
    access: Access,
    req: &Request,
    env: &Env,
    shop: &str,
    body: &[u8],
    member: &str,
) -> AppResult<(Context, String)> {
    check_id(member, "member_id")?;
    let request = ContextRequest {
        want_program: true,
        cached_version: cached_version(shop),
        member: Some(member.to_owned()),
        ..Default::default()
    };
    let context = merchant(access, req, env, shop, body, request).await?;
    let key = context.key.clone().unwrap_or_default();
    Ok((context, key))
}

/// The current program: this isolate's parsed copy, else parsed from the
/// document the shop object sent, else (when the worker told the object it
/// had the version cached and the cache lost it since) fetched again.
async fn program_for(env: &Env, shop: &str, context: &Context) -> AppResult<std::rc::Rc<Program>> {
    if context.program_version == 0 {
        return Err(AppError::not_found("the program"));
    }
    program_ref(shop, context).load(env).await
}

fn program_ref(shop: &str, context: &Context) -> ProgramRef {
    ProgramRef {
        shop: shop.to_owned(),
        version: context.program_version,
        doc: context.program.clone().unwrap_or_default(),
    }
}

/// The origin of the request if the shop's program allows it.
async fn allowed_origin(env: &Env, shop: &str, origin: Option<&str>) -> Option<String> {
    let origin = origin?;
    let context = shop_context(
        env,
        shop,
        ContextRequest {
            want_program: true,
            cached_version: cached_version(shop),
            ..ContextRequest::default()
        },
    )
    .await
    .ok()?;
    let program = program_for(env, shop, &context).await.ok()?;
    let origin = origin.to_ascii_lowercase();
    program.allowed_origins.contains(&origin).then_some(origin)
}

fn referral_base(req: &Request, shop: &str) -> String {
    let origin = req
        .url()
        .ok()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    format!("{origin}/r/{shop}/")
}

async fn route(
    req: &Request,
    env: &Env,
    def: &RouteDef,
    params: Params,
    body: Vec<u8>,
) -> AppResult<Reply> {
    let access = def.access;
    let Params { shop, member, code } = params;
    match def.op {
        Op::Healthz => Reply::json(200, &json!({"status": "ok"})),
        Op::OpenApi => Ok(Reply {
            status: 200,
            body: crate::openapi::DOCUMENT.to_owned(),
            content_type: "application/json",
            headers: Vec::new(),
        }),
        Op::CreateShop => create_shop(access, req, env, &body).await,
        Op::PutProgram => put_program(access, req, env, &shop, &body).await,
        Op::GetProgram => {
            let context = merchant(
                access,
                req,
                env,
                &shop,
                &body,
                ContextRequest {
                    want_program: true,
                    ..Default::default()
                },
            )
            .await?;
            let doc = context
                .program
                .ok_or_else(|| AppError::not_found("the program"))?;
            let program: Value = serde_json::from_str(&doc).map_err(|_| AppError::internal())?;
            Reply::json(
                200,
                &json!({"version": context.program_version, "program": program}),
            )
        }
        Op::Simulate => simulate(access, req, env, &shop, &body).await,
        Op::Events => events(access, req, env, &shop, &body).await,
        Op::Member => {
            let (context, key) =
                merchant_for_member(access, req, env, &shop, &body, &member).await?;
            let locale = query(req, "locale").unwrap_or_else(|| "en".into());
            object_view(req, env, &shop, &key, &context, member, locale).await
        }
        Op::Ledger => {
            let (context, _) = merchant_for_member(access, req, env, &shop, &body, &member).await?;
            ledger(req, env, &shop, &context, member, false).await
        }
        Op::Adjust => {
            let value = parse_json(&body)?;
            let (context, key) =
                merchant_for_member(access, req, env, &shop, &body, &member).await?;
            let adjustment = Adjustment::from_value(&value)
                .map_err(|problems| AppError::invalid("invalid_adjustment", problems))?;
            let answer = store::member(
                env,
                &shop,
                &key,
                AdjustRequest {
                    program: program_ref(&shop, &context),
                    member,
                    id: adjustment.id.to_string(),
                    points: adjustment.points,
                    reason: adjustment.reason,
                },
            )
            .await?;
            let status = if answer.duplicate { 200 } else { 201 };
            Reply::json(status, &answer)
        }
        Op::Export => {
            let (_, key) = merchant_for_member(access, req, env, &shop, &body, &member).await?;
            let export = store::member(env, &shop, &key, ExportRequest { member }).await?;
            Reply::json(200, &export)
        }
        Op::EraseMember => {
            let (_, key) = merchant_for_member(access, req, env, &shop, &body, &member).await?;
            let request = EraseRequest {
                shop: shop.clone(),
                member,
            };
            let erased = store::member(env, &shop, &key, request).await?;
            Reply::json(200, &erased)
        }
        Op::Code => code_action(access, req, env, &shop, &code, "get", &body).await,
        Op::UseCode => code_action(access, req, env, &shop, &code, "use", &body).await,
        Op::CancelCode => code_action(access, req, env, &shop, &code, "cancel", &body).await,
        Op::RotateKeys => {
            merchant(access, req, env, &shop, &body, ContextRequest::default()).await?;
            let secrets = store::shop(env, &shop, RotateKeys::default()).await?;
            Reply::json(200, &secrets)
        }
        Op::Analytics => {
            merchant(access, req, env, &shop, &body, ContextRequest::default()).await?;
            let analytics = store::shop(env, &shop, AnalyticsRequest::default()).await?;
            Reply::json(200, &analytics)
        }
        Op::WidgetProgram => {
            let include = query(req, "include");
            if include.as_deref().is_some_and(|i| i != "preview") {
                return Err(AppError::new(
                    400,
                    "invalid_query",
                    "the query parameter include must be `preview` or left out",
                ));
            }
            let context = widget_context(req, env, &shop, access == Access::Shopper).await?;
            let program = program_for(env, &shop, &context).await?;
            let locale = locale_of(req, &program);
            let mut view = serde_json::to_value(program_view(&program, &locale))
                .map_err(|_| AppError::internal())?;
            if let Some(map) = view.as_object_mut() {
                map.insert("signed_in".into(), Value::Bool(context.customer.is_some()));
                if include.is_some() {
                    map.insert(
                        "preview".into(),
                        preview_inputs(env, &shop, &context).await?,
                    );
                }
            }
            Reply::json(200, &view)
        }
        Op::WidgetMe => {
            let context = widget_context(req, env, &shop, access == Access::Shopper).await?;
            let member = context.customer.clone().unwrap_or_default();
            let program = program_for(env, &shop, &context).await?;
            let key = context.key.clone().unwrap_or_default();
            let locale = locale_of(req, &program);
            // The KV snapshot serves the read when it is at least as new as
            // what this shopper has already seen (`after`); else the object.
            let after = crate::snapshot::after(query(req, "after").as_deref());
            if let Some(view) =
                snapshot_view(req, env, &shop, &key, &member, &program, &locale, after).await
            {
                return Reply::json(200, &view);
            }
            object_view(req, env, &shop, &key, &context, member, locale).await
        }
        Op::WidgetLedger => {
            let context = widget_context(req, env, &shop, access == Access::Shopper).await?;
            let member = context.customer.clone().unwrap_or_default();
            ledger(req, env, &shop, &context, member, true).await
        }
        Op::WidgetRedeem => {
            let key = header(req, "idempotency-key")
                .filter(|k| !k.is_empty() && k.len() <= 128)
                .ok_or_else(|| {
                    AppError::new(
                        400,
                        "idempotency_key_required",
                        "send an Idempotency-Key header (1 to 128 characters)",
                    )
                })?;
            let reward = Redemption::from_value(&parse_json(&body)?)
                .map_err(|problems| AppError::invalid("invalid_redemption", problems))?
                .reward
                .to_string();
            let context = widget_context(req, env, &shop, access == Access::Shopper).await?;
            let member = context.customer.clone().unwrap_or_default();
            let state_key = context.key.clone().unwrap_or_default();
            let answer = store::member(
                env,
                &shop,
                &state_key,
                RedeemRequest {
                    program: program_ref(&shop, &context),
                    member,
                    reward,
                    key,
                },
            )
            .await?;
            let status = if answer.replayed { 200 } else { 201 };
            Reply::json(status, &answer)
        }
        Op::Referral => {
            // A link from anywhere: its ids are checked before any storage
            // is asked, and each visitor gets the shopper's rate window.
            let unknown = || AppError::not_found("the referral code");
            check_id(&shop, "shop").map_err(|_| unknown())?;
            check_id(&code, "code").map_err(|_| unknown())?;
            let context = shop_context(
                env,
                &shop,
                ContextRequest {
                    want_program: true,
                    cached_version: cached_version(&shop),
                    rate_key: Some(format!("r:ip:{}", client_ip(req))),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| if e.status == 404 { unknown() } else { e })?;
            let program = program_for(env, &shop, &context).await?;
            if resolve_referral(env, &shop, &code).await?.is_none() {
                return Err(AppError::not_found("the referral code"));
            }
            let separator = if program.shop_url.contains('?') {
                '&'
            } else {
                '?'
            };
            let code: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
            Ok(Reply::redirect(format!(
                "{}{separator}ref={code}",
                program.shop_url
            )))
        }
        Op::DevToken => {
            // The table routes here only in development mode.
            let member = query(req, "member_id").unwrap_or_default();
            check_id(&member, "member_id")?;
            let token = store::shop(
                env,
                &shop,
                DevToken {
                    member: member.clone(),
                },
            )
            .await?;
            Reply::json(200, &json!({"token": token, "member_id": member}))
        }
    }
}

/// The member view from the member's object (always current).
async fn object_view(
    req: &Request,
    env: &Env,
    shop: &str,
    key: &str,
    context: &Context,
    member: String,
    locale: String,
) -> AppResult<Reply> {
    let request = ViewRequest {
        program: program_ref(shop, context),
        member,
        locale,
        referral_base: referral_base(req, shop),
    };
    let view = store::member(env, shop, key, request).await?;
    Reply::json(200, &view)
}

/// The member view computed from the KV snapshot, if there is one new enough.
#[allow(clippy::too_many_arguments)]
async fn snapshot_view(
    req: &Request,
    env: &Env,
    shop: &str,
    key: &str,
    member: &str,
    program: &Program,
    locale: &str,
    after: u64,
) -> Option<Value> {
    let kv_store = env.kv(store::KV_BINDING).ok()?;
    let text = kv_store
        .get(&keys::member_snapshot(shop, key))
        .text()
        .await
        .ok()??;
    let state: MemberState = serde_json::from_str(&text).ok()?;
    if !crate::snapshot::serves(state.revision, after) {
        return None;
    }
    let member = Id::parse(member).ok()?;
    let base = referral_base(req, shop);
    let ctx = loyalty_rules::view::ViewContext {
        now: now(),
        locale,
        referral_base: &base,
    };
    let view = loyalty_rules::view::member_view(program, &state, &member, &ctx);
    let mut value = serde_json::to_value(view).ok()?;
    value
        .as_object_mut()?
        .insert("revision".into(), json!(state.revision));
    Some(value)
}

/// What the widget's cart preview computes from: the program document and,
/// for a signed-in shopper, their current state (a pooled account's other
/// members' profiles left out).
async fn preview_inputs(env: &Env, shop: &str, context: &Context) -> AppResult<Value> {
    let doc = program_document(env, shop, context.program_version)
        .await?
        .ok_or_else(|| AppError::not_found("the program"))?;
    let program: Value = serde_json::from_str(&doc).map_err(|_| AppError::internal())?;
    let (member, state) = match (&context.customer, &context.key) {
        (Some(member), Some(key)) => {
            let mut state = store::member(env, shop, key, StateRequest::default()).await?;
            state.profiles.retain(|id, _| id.as_str() == member);
            let state = serde_json::to_value(state).map_err(|_| AppError::internal())?;
            (Value::String(member.clone()), state)
        }
        _ => (Value::Null, Value::Null),
    };
    // The server's clock, so the preview computes at the edge's `now` even
    // when the shopper's device clock is off.
    Ok(
        json!({"program": program, "member_id": member, "state": state,
              "now_ms": now().timestamp_millis()}),
    )
}

fn locale_of(req: &Request, program: &Program) -> String {
    query(req, "locale")
        .filter(|l| {
            (2..=35).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .unwrap_or_else(|| program.default_locale.clone())
}

/// The shopper's context: a customer token, or a guest; rate-limited.
async fn widget_context(
    req: &Request,
    env: &Env,
    shop: &str,
    need_member: bool,
) -> AppResult<Context> {
    check_id(shop, "shop").map_err(|_| AppError::not_found("the shop"))?;
    let token = auth::bearer(header(req, "authorization").as_deref()).map(str::to_owned);
    let ip = client_ip(req);
    let request = ContextRequest {
        credential: Some(match token {
            Some(token) => Credential::Customer { token },
            None => Credential::Guest,
        }),
        rate_key: Some(format!("ip:{ip}")),
        want_program: true,
        cached_version: cached_version(shop),
        ..ContextRequest::default()
    };
    let context = shop_context(env, shop, request).await?;
    if need_member && context.customer.is_none() {
        return Err(AppError::unauthorized("a valid customer token is required"));
    }
    Ok(context)
}

/// The visitor's address, as the platform reports it.
fn client_ip(req: &Request) -> String {
    header(req, "cf-connecting-ip")
        .or_else(|| header(req, "x-real-ip"))
        .unwrap_or_else(|| "local".into())
}

async fn ledger(
    req: &Request,
    env: &Env,
    shop: &str,
    context: &Context,
    member: String,
    own_only: bool,
) -> AppResult<Reply> {
    let cursor = match query(req, "cursor") {
        Some(c) if !c.is_empty() => Some(c.parse::<u64>().map_err(|_| {
            AppError::invalid(
                "invalid_cursor",
                vec![Problem {
                    path: "$.cursor".into(),
                    message: "is not a cursor this API gave".into(),
                }],
            )
        })?),
        _ => None,
    };
    let limit = match query(req, "limit") {
        None => None,
        Some(text) => Some(
            text.parse::<u64>()
                .ok()
                .filter(|n| (1..=200).contains(n) && text.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| {
                    AppError::new(
                        400,
                        "invalid_query",
                        "the query parameter limit must be a whole number from 1 to 200",
                    )
                })?,
        ),
    };
    let key = context.key.clone().unwrap_or_default();
    let page = store::member(
        env,
        shop,
        &key,
        LedgerRequest {
            member,
            cursor,
            limit,
            own_only,
        },
    )
    .await?;
    Reply::json(200, &page)
}

async fn create_shop(access: Access, req: &Request, env: &Env, body: &[u8]) -> AppResult<Reply> {
    if !matches!(credential(access, req, env, body)?, Credential::Admin) {
        return Err(AppError::unauthorized(
            "creating a shop needs the platform admin token",
        ));
    }
    let shop = NewShop::from_value(&parse_json(body)?)
        .map_err(|problems| AppError::invalid("invalid_shop", problems))?
        .shop
        .to_string();
    let secrets = store::shop(env, &shop, CreateShop { shop: shop.clone() }).await?;
    Reply::json(201, &secrets)
}

async fn put_program(
    access: Access,
    req: &Request,
    env: &Env,
    shop: &str,
    body: &[u8],
) -> AppResult<Reply> {
    let value = parse_json(body)?;
    merchant(access, req, env, shop, body, ContextRequest::default()).await?;
    let program = Program::from_value(&value)
        .map_err(|problems| AppError::invalid("invalid_program", problems))?;
    let doc = value.to_string();
    let version = store::shop(
        env,
        shop,
        PutProgram {
            doc: doc.clone(),
            pooling: program.pooling,
        },
    )
    .await?;
    if let Ok(kv_store) = env.kv(store::KV_BINDING)
        && let Ok(put) = kv_store.put(&keys::program(shop, version), doc.as_str())
    {
        let _ = put.execute().await;
    }
    Reply::json(200, &json!({"version": version}))
}

async fn resolve_referral(env: &Env, shop: &str, code: &str) -> AppResult<Option<String>> {
    if let Ok(kv_store) = env.kv(store::KV_BINDING)
        && let Ok(Some(member)) = kv_store.get(&keys::referral(shop, code)).text().await
    {
        return Ok(Some(member));
    }
    let code = code.to_owned();
    store::shop(env, shop, LookupReferral { code }).await
}

async fn resolve_code(env: &Env, shop: &str, code: &str) -> AppResult<Option<String>> {
    if let Ok(kv_store) = env.kv(store::KV_BINDING)
        && let Ok(Some(key)) = kv_store.get(&keys::code(shop, code)).text().await
    {
        return Ok(Some(key));
    }
    let code = code.to_owned();
    store::shop(env, shop, LookupCode { code }).await
}

async fn code_action(
    access: Access,
    req: &Request,
    env: &Env,
    shop: &str,
    code: &str,
    action: &str,
    body: &[u8],
) -> AppResult<Reply> {
    let context = merchant(
        access,
        req,
        env,
        shop,
        body,
        ContextRequest {
            want_program: true,
            ..Default::default()
        },
    )
    .await?;
    let key = resolve_code(env, shop, code)
        .await?
        .ok_or_else(|| AppError::new(404, "unknown_code", "no such code"))?;
    let answer = store::member(
        env,
        shop,
        &key,
        CodeRequest {
            program: program_ref(shop, &context),
            code: code.to_owned(),
            action: action.to_owned(),
        },
    )
    .await?;
    Reply::json(200, &answer)
}

async fn referrer_of(env: &Env, shop: &str, event: &Event) -> AppResult<ReferrerWire> {
    let Some(code) = &event.referral_code else {
        return Ok(ReferrerWire::None);
    };
    let Some(member) = resolve_referral(env, shop, code).await? else {
        return Ok(ReferrerWire::Unknown);
    };
    let key = store::shop(
        env,
        shop,
        KeyOf {
            member: member.clone(),
        },
    )
    .await?;
    let request = ProfileRequest {
        member: member.clone(),
    };
    let profile = store::member(env, shop, &key, request).await?;
    Ok(ReferrerWire::Member {
        member_id: member,
        email_hash: profile.email_hash,
    })
}

async fn events(
    access: Access,
    req: &Request,
    env: &Env,
    shop: &str,
    body: &[u8],
) -> AppResult<Reply> {
    let value = parse_json(body)?;
    let now = now();
    let batch = value.get("events").is_some();
    let parsed = parse_batch(&value, now)
        .map_err(|problems| AppError::invalid("invalid_event", problems))?;
    let claims: Vec<ClaimRequest> = parsed
        .iter()
        .flatten()
        .map(|event| ClaimRequest {
            event_id: event.id.to_string(),
            fingerprint: event.fingerprint(),
            member: event.member_id.to_string(),
            account: event
                .member
                .as_ref()
                .and_then(|m| m.account_id.as_ref())
                .map(Id::to_string),
        })
        .collect();
    let context = merchant(
        access,
        req,
        env,
        shop,
        body,
        ContextRequest {
            want_program: true,
            cached_version: cached_version(shop),
            claims: claims.clone(),
            ..Default::default()
        },
    )
    .await?;
    if context.program_version == 0 {
        return Err(AppError::new(
            409,
            "no_program",
            "the shop has no program yet: PUT /v1/shops/{shop}/program first",
        ));
    }
    let mut claims = context.claims.iter().zip(claims.iter());
    let mut results = Vec::with_capacity(parsed.len());
    for item in parsed {
        let outcome: AppResult<Value> = match item {
            Err(problems) => Err(AppError::invalid("invalid_event", problems)),
            Ok(event) => match claims.next() {
                None => Err(AppError::internal()),
                Some((claim, request)) if claim.status == ClaimStatus::Conflict => {
                    let _ = request;
                    Err(loyalty_rules::EventError::IdConflict {
                        event_id: event.id.clone(),
                    }
                    .into())
                }
                Some((claim, request)) => {
                    let applied = async {
                        let referrer = referrer_of(env, shop, &event).await?;
                        let reply = store::member(
                            env,
                            shop,
                            &claim.key,
                            ApplyRequest {
                                program: program_ref(shop, &context),
                                event: event.clone(),
                                referrer,
                            },
                        )
                        .await?;
                        if let Some(report) = reply.report {
                            carry(shop, report);
                        }
                        serde_json::to_value(reply.answer).map_err(|_| AppError::internal())
                    }
                    .await;
                    if applied.is_err() && claim.status == ClaimStatus::New {
                        let _ = store::shop(env, shop, request.clone()).await;
                    }
                    applied
                }
            },
        };
        results.push(outcome);
    }
    if batch {
        let items: Vec<Value> = results
            .into_iter()
            .map(|r| match r {
                Ok(answer) => answer,
                Err(error) => serde_json::to_value(&error).unwrap_or_default(),
            })
            .collect();
        Reply::json(200, &json!({"results": items}))
    } else {
        let answer = results
            .into_iter()
            .next()
            .unwrap_or_else(|| Err(AppError::internal()))?;
        Reply::json(200, &answer)
    }
}

/// What a draft (or the current) program would answer, from the stored
/// members, stored nowhere.
async fn simulate(
    access: Access,
    req: &Request,
    env: &Env,
    shop: &str,
    body: &[u8],
) -> AppResult<Reply> {
    let value = parse_json(body)?;
    let context = merchant(
        access,
        req,
        env,
        shop,
        body,
        ContextRequest {
            want_program: true,
            ..Default::default()
        },
    )
    .await?;
    if let Some(map) = value.as_object() {
        let unknown: Vec<Problem> = map
            .keys()
            .filter(|k| *k != "program" && *k != "events")
            .map(|k| Problem {
                path: format!("$.{k}"),
                message: "is not a known field".into(),
            })
            .collect();
        if !unknown.is_empty() {
            return Err(AppError::invalid("invalid_simulation", unknown));
        }
    }
    let program = match value.get("program") {
        Some(doc) if !doc.is_null() => Program::from_value(doc).map_err(|problems| {
            let problems = problems
                .into_iter()
                .map(|p| Problem {
                    path: p.path.replacen('$', "$.program", 1),
                    message: p.message,
                })
                .collect();
            AppError::invalid("invalid_program", problems)
        })?,
        _ => (*program_for(env, shop, &context).await?).clone(),
    };
    let events = value
        .get("events")
        .cloned()
        .unwrap_or(Value::Array(Vec::new()));
    let parsed = parse_batch(&json!({"events": events}), now())
        .map_err(|problems| AppError::invalid("invalid_event", problems))?;
    let mut book = Book::new(program);
    let mut loaded: BTreeMap<String, ()> = BTreeMap::new();
    let mut results = Vec::new();
    for item in parsed {
        match item {
            Err(problems) => results.push(
                serde_json::to_value(AppError::invalid("invalid_event", problems))
                    .unwrap_or_default(),
            ),
            Ok(event) => {
                let member = event.member_id.to_string();
                if loaded.insert(member.clone(), ()).is_none() {
                    let key = store::shop(env, shop, KeyOf { member }).await?;
                    let state = store::member(env, shop, &key, StateRequest::default()).await?;
                    if !state.is_empty() {
                        book.states.insert(event.member_id.clone(), state);
                    }
                }
                match book.record(&event, now()) {
                    Ok(answer) => results.push(serde_json::to_value(answer).unwrap_or_default()),
                    Err(error) => results
                        .push(serde_json::to_value(AppError::from(error)).unwrap_or_default()),
                }
            }
        }
    }
    Reply::json(200, &json!({"results": results}))
}
