//! The HTTP side of the worker: read the request, find its route in the
//! table, authorize it by the route's row, and dispatch to the handler of
//! its operation, one small function per route in the module of its
//! audience; then render the answer (problems as RFC 9457).

mod admin;
mod console;
mod merchant;
mod platforms;
mod public;
mod webhooks;
mod widget;

use std::collections::BTreeMap;

use loyalty_rules::award::Answer;
use loyalty_rules::book::Book;
use loyalty_rules::event::{EventKind, GuestEvent, Incoming, parse_batch};
use loyalty_rules::privacy::Consent;
use loyalty_rules::request::{Adjustment, ConsentChange, CreditSpend, NewShop, Redemption};
use loyalty_rules::view::program_view;
use loyalty_rules::{Event, Id, Problem, Program};
use serde::Serialize;
use serde_json::{Value, json};
use worker::{Env, Headers, Request, Response};

use crate::auth;
use crate::bodies::{
    Health, Outcome, PreviewInputs, ProgramSaved, Results, StoredProgram, WidgetProgram,
};
use crate::clock::{dev_mode, now};
use crate::error::{AppError, AppResult};
use crate::keys;
use crate::model::{
    AdjustRequest, AnalyticsRequest, ApplyRequest, BoundKey, CallsRequest, ClaimGuest,
    ClaimRequest, ClaimStatus, CodeAction, CodeRequest, ConsentRequest, Context, ContextRequest,
    CreateShop, Credential, DevToken, EraseRequest, ExportRequest, Figures, Held, HoldRequest,
    KeyOf, LedgerRequest, LookupCode, LookupReferral, ProfileRequest, ProgramRef, PutProgram,
    RedeemRequest, ReferrerWire, Report, RotateKeys, StateRequest, Unbind, ViewAnswer, ViewRequest,
};
use crate::programs::{cached_version, program_document};
use crate::routes::{self, Access, CredentialKind, Found, Op, Params, RouteDef};
use crate::store;
use crate::zones::Tzdb;

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

/// One request as a handler sees it: authorized by its route's row.
struct Ask<'a> {
    req: &'a Request,
    env: &'a Env,
    access: Access,
    shop: String,
    member: String,
    code: String,
    /// A webhook's or a delivery's id.
    id: String,
    body: Vec<u8>,
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
        if cors && method == "OPTIONS" {
            cors_origin = allowed_origin(&env, &found.params.shop, origin.as_deref()).await;
            return Ok(Reply {
                status: 204,
                body: String::new(),
                content_type: "text/plain",
                headers: Vec::new(),
            });
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
                && header(&req, "loyalty-signature").is_some())
            || matches!(def.access, Access::Platform(p) if header(&req, p.signature_header()).is_some()
                // Its unsigned ping is answered (200, nothing read further).
                || p.pings_unsigned());
        if !def.access.open() && !presented {
            return Err(credential(def.access, &req, &env, &[])
                .err()
                .unwrap_or_else(|| AppError::unauthorized("this route needs a credential")));
        }
        let body = read_body(&mut req, &method).await?;
        route(&req, &env, def, found.params.clone(), body).await
    }
    .await;
    // Judged after the route ran: a widget route has just asked the shop
    // object for its context, so this isolate holds the current program and
    // its allowed origins, and no second call is needed.
    if let Some(found) = found.as_ref().filter(|_| cors && method != "OPTIONS") {
        cors_origin = allowed_origin(&env, &found.params.shop, origin.as_deref()).await;
    }
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
    let response = Response::builder().with_status(status).with_headers(out);
    Ok(if status == 204 || status == 302 {
        response.empty()
    } else {
        response.fixed(body.into_bytes())
    })
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
    if declared.is_some() {
        // A declared length within the limit (the runtime holds the body to
        // it): read in one piece, the fast path.
        let bytes = req
            .bytes()
            .await
            .map_err(|_| AppError::new(400, "unreadable_body", "the body could not be read"))?;
        return if bytes.len() > MAX_BODY {
            Err(too_large())
        } else {
            Ok(bytes)
        };
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
            Access::Platform(_) => "this route takes the platform's own webhook signature",
            _ => "send Authorization: Bearer <api_key>",
        })
    };
    if let Access::Platform(platform) = access {
        return match header(req, platform.signature_header()) {
            Some(signature) => Ok(Credential::Platform {
                platform: platform.name().to_owned(),
                signature,
                body: String::from_utf8_lossy(body).into_owned(),
            }),
            None => Err(refused()),
        };
    }
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
    /// object in batches (each also waits in its member's state row, so one
    /// lost here is delivered by the alarm), with when each was carried.
    static CARRIED: std::cell::RefCell<Vec<(String, i64, Report)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// At most this many reports wait in an isolate; older ones are left to the
/// member objects' alarms.
const CARRIED_MAX: usize = 512;

/// A shop's carried reports go to its object once this many wait...
const CARRIED_BATCH: usize = 32;

/// ...or once the oldest has waited this long (milliseconds).
const CARRIED_WAIT_MS: i64 = 2_000;

/// Carries a member object's report; delivers the shop's batch when due
/// (one shop-object call per `CARRIED_BATCH` awards under load).
async fn carry(env: &Env, shop: &str, report: Report) {
    let at = now().timestamp_millis();
    let due = CARRIED.with(|carried| {
        let mut carried = carried.borrow_mut();
        if carried.len() >= CARRIED_MAX {
            carried.remove(0);
        }
        carried.push((shop.to_owned(), at, report));
        let mine = carried.iter().filter(|(s, _, _)| s == shop);
        let (count, oldest) = mine.fold((0, at), |(n, oldest), (_, t, _)| (n + 1, oldest.min(*t)));
        count >= CARRIED_BATCH || at - oldest >= CARRIED_WAIT_MS
    });
    if due {
        let reports = carried(shop);
        let _ = store::shop(env, shop, Figures { reports }).await;
    }
}

/// Takes the reports carried for `shop`.
fn carried(shop: &str) -> Vec<Report> {
    CARRIED.with(|carried| {
        let mut carried = carried.borrow_mut();
        let (mine, others) = std::mem::take(&mut *carried)
            .into_iter()
            .partition(|(s, _, _)| s == shop);
        *carried = others;
        mine.into_iter().map(|(_, _, report)| report).collect()
    })
}

/// Asks the shop's gate number `n` (`keys::gate_of` a routing key, or
/// `any_gate` when any will do).
async fn door(env: &Env, shop: &str, n: u64, request: ContextRequest) -> AppResult<Context> {
    store::gate(env, shop, n, request).await
}

/// A gate picked at random: for requests that only need a credential
/// checked or the program version, spread evenly over the gates.
fn any_gate() -> u64 {
    let mut byte = [0u8; 1];
    store::fill_random(&mut byte);
    u64::from(byte[0]) % keys::GATES
}

/// The state key of a member: its own when the program does not pool
/// accounts, else the shop object's binding.
async fn state_key(env: &Env, shop: &str, context: &Context, member: &str) -> AppResult<String> {
    if !context.pooling {
        return Ok(keys::own_state(member));
    }
    let member = member.to_owned();
    let ask = KeyOf {
        member,
        ..KeyOf::default()
    };
    Ok(store::shop(env, shop, ask).await?.key)
}

/// The state key an event goes to. On a pooling program the shop object
/// binds a member it sees for the first time (to the event's account, or
/// to their own state), so no later event moves them.
async fn event_key(env: &Env, shop: &str, context: &Context, event: &Event) -> AppResult<BoundKey> {
    let member = event.member_id.to_string();
    let account = event
        .member
        .as_ref()
        .and_then(|m| m.account_id.as_ref())
        .map(Id::to_string);
    bound_key(env, shop, context, member, account).await
}

/// The state key of a member the request is about to write: their own on
/// a program that does not pool, else the shop object's binding, made now
/// (to `account`, or to their own state) for a member seen the first time.
async fn bound_key(
    env: &Env,
    shop: &str,
    context: &Context,
    member: String,
    account: Option<String>,
) -> AppResult<BoundKey> {
    if !context.pooling {
        return Ok(BoundKey {
            key: keys::own_state(&member),
            fresh: false,
        });
    }
    let ask = KeyOf {
        member,
        account,
        bind: true,
    };
    store::shop(env, shop, ask).await
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
        doc: String::new(),
        topics: context.topics,
    }
}

/// The origin of the request if the shop's program allows it.
///
/// The program is this isolate's newest copy, which every widget request
/// brings up to date (its gate answers the current version); only an
/// isolate that has none asks a gate. So a change of
/// `allowed_origins` reaches an isolate with its first widget request after
/// the change (a preflight before that is judged by the origins before).
async fn allowed_origin(env: &Env, shop: &str, origin: Option<&str>) -> Option<String> {
    let origin = origin?;
    let context = match cached_version(shop) {
        Some(version) => Context {
            program_version: version,
            ..Context::default()
        },
        None => door(env, shop, any_gate(), ContextRequest::default())
            .await
            .ok()?,
    };
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

/// Dispatches a request its route's row has authorized to the handler of
/// its operation.
async fn route(
    req: &Request,
    env: &Env,
    def: &RouteDef,
    params: Params,
    body: Vec<u8>,
) -> AppResult<Reply> {
    let Params {
        shop,
        member,
        code,
        id,
    } = params;
    let ask = Ask {
        req,
        env,
        access: def.access,
        shop,
        member,
        code,
        id,
        body,
    };
    match def.op {
        Op::Healthz => public::healthz(ask).await,
        Op::OpenApi => public::open_api(ask).await,
        Op::CreateShop => admin::create_shop(ask).await,
        Op::PutProgram => merchant::put_program(ask).await,
        Op::GetProgram => merchant::get_program(ask).await,
        Op::Simulate => merchant::simulate(ask).await,
        Op::Events => merchant::events(ask).await,
        Op::Member => merchant::member(ask).await,
        Op::Ledger => merchant::member_ledger(ask).await,
        Op::Adjust => merchant::adjust(ask).await,
        Op::Consent => merchant::consent(ask).await,
        Op::Export => merchant::export(ask).await,
        Op::EraseMember => merchant::erase_member(ask).await,
        Op::Code => merchant::code(ask).await,
        Op::UseCode => merchant::use_code(ask).await,
        Op::CancelCode => merchant::cancel_code(ask).await,
        Op::RotateKeys => admin::rotate_keys(ask).await,
        Op::Analytics => merchant::analytics(ask).await,
        Op::WidgetProgram => widget::widget_program(ask).await,
        Op::WidgetMe => widget::widget_me(ask).await,
        Op::WidgetLedger => widget::widget_ledger(ask).await,
        Op::WidgetLeave => widget::enrollment(ask, Consent::Left).await,
        Op::WidgetJoin => widget::enrollment(ask, Consent::Enrolled).await,
        Op::WidgetRedeem => widget::widget_redeem(ask).await,
        Op::WidgetSpendCredit => widget::widget_spend_credit(ask).await,
        Op::Referral => public::referral(ask).await,
        Op::DevToken => admin::dev_token(ask).await,
        Op::DevCalls => admin::dev_calls(ask).await,
        Op::ConnectPlatform(platform) => platforms::connect(ask, platform, true).await,
        Op::DisconnectPlatform(platform) => platforms::connect(ask, platform, false).await,
        Op::PlatformHook(platform) => platforms::hook(ask, platform).await,
        Op::AddWebhook => webhooks::add(ask).await,
        Op::ListWebhooks => webhooks::list(ask).await,
        Op::RemoveWebhook => webhooks::remove(ask).await,
        Op::DeadLetters => webhooks::dead(ask).await,
        Op::ReplayDelivery => webhooks::replay(ask).await,
        Op::Members => console::members(ask).await,
        Op::ProgramVersions => console::versions(ask).await,
        Op::ProgramVersion => console::version(ask).await,
        Op::DailyAnalytics => console::daily(ask).await,
        Op::RecentEvents => console::recent_events(ask).await,
        Op::Setup => console::setup(ask).await,
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

/// The visitor's address, as the platform reports it.
fn client_ip(req: &Request) -> String {
    header(req, "cf-connecting-ip")
        .or_else(|| header(req, "x-real-ip"))
        .unwrap_or_else(|| "local".into())
}

/// A page of the ledger of the state under `key` (only `member`'s
/// entries with `own_only`).
async fn ledger(
    req: &Request,
    env: &Env,
    shop: &str,
    key: &str,
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
    let page = store::member(
        env,
        shop,
        key,
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

async fn resolve_referral(env: &Env, shop: &str, code: &str) -> AppResult<Option<String>> {
    if let Some(member) = store::kv::referrer(env, shop, code).await {
        return Ok(Some(member));
    }
    let n = keys::referral_gate(code);
    let code = code.to_owned();
    store::gate(env, shop, n, LookupReferral { code }).await
}
