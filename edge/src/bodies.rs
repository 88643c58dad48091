//! The HTTP API's own bodies: the request and answer shapes that are not a
//! domain type of the rules crate, and the query strings. Each is declared
//! once here; the handlers build them and the API document takes its
//! schemas from them (natively; the worker's wasm has no schema code).

use chrono::{DateTime, Utc};
use loyalty_rules::award::Answer;
use loyalty_rules::document::ProgramDocument;
use loyalty_rules::member::MemberState;
use loyalty_rules::notice::{Notice, Topic};

use crate::destinations::Kind;
use loyalty_rules::view::ProgramView;
use loyalty_rules::zone::Zone;
use loyalty_rules::{Event, Id};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::AppError;

#[cfg(not(target_arch = "wasm32"))]
use schemars::JsonSchema;

/// `GET /healthz`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct Health {
    /// Always `ok`.
    #[cfg_attr(not(target_arch = "wasm32"), schemars(extend("const" = "ok")))]
    pub status: String,
}

/// The program saved: its new version.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct ProgramSaved {
    #[cfg_attr(not(target_arch = "wasm32"), schemars(range(min = 1)))]
    pub version: u64,
}

/// The shop's program as it was saved, with its version.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct StoredProgram {
    pub version: u64,
    #[cfg_attr(not(target_arch = "wasm32"), schemars(with = "ProgramDocument"))]
    pub program: Value,
}

/// `POST …/events`: one event, or a batch of 1 to 100.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
#[serde(untagged)]
pub enum EventsBody {
    One(Box<Event>),
    Guest(Box<GuestOrder>),
    Batch(EventBatch),
}

/// A guest's order: no `member_id`, the shopper's `member.email_hash`
/// instead. Held for the program's `guest_days` from when it was paid and
/// credited, once, at a signup with the same email hash (the answer says
/// `held_until`); once a member signed up with the hash, applied as theirs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(JsonSchema),
    schemars(deny_unknown_fields)
)]
#[cfg_attr(not(target_arch = "wasm32"), schemars(extend("allOf" = [
    {"if": {"properties": {"kind": {"const": "order_paid"}}},
     "then": {"properties": {"order": {
         "type": "object", "required": ["currency", "subtotal_minor"],
         "not": {"required": ["refund_minor"]}}}}},
    {"if": {"properties": {"kind": {"const": "order_refunded"}}},
     "then": {"properties": {"order": {
         "type": "object", "required": ["refund_minor"],
         "not": {"required": ["shop_subtotal_minor"]}}}}},
    {"if": {"properties": {"kind": {"const": "order_cancelled"}}},
     "then": {"properties": {"order": {"type": "object",
         "not": {"required": ["shop_subtotal_minor"]}}}}}
])))]
pub struct GuestOrder {
    pub id: Id,
    pub kind: GuestOrderKind,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub order: loyalty_rules::event::Order,
    pub member: GuestFacts,
}

/// The kinds of a guest's event.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum GuestOrderKind {
    OrderPaid,
    OrderRefunded,
    OrderCancelled,
}

/// What a guest's order says of the shopper: only the email hash.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(JsonSchema),
    schemars(deny_unknown_fields)
)]
pub struct GuestFacts {
    #[cfg_attr(not(target_arch = "wasm32"), schemars(length(min = 1, max = 128)))]
    pub email_hash: String,
}

/// A batch of events, each answered on its own.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    #[cfg_attr(not(target_arch = "wasm32"), schemars(schema_with = "batch_items"))]
    pub events: Vec<Event>,
}

/// 1 to 100 events. Each is read on its own: one that is not a valid event
/// (not even an object) is answered with its problem in its place and the
/// others still apply, so the batch's schema takes any item.
#[cfg(not(target_arch = "wasm32"))]
fn batch_items(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let event = generator.subschema_for::<Event>();
    let guest = generator.subschema_for::<GuestOrder>();
    schemars::json_schema!({
        "type": "array",
        "minItems": 1,
        "maxItems": loyalty_rules::event::MAX_BATCH,
        "items": {
            "description": "An event. Each event of a batch is checked on its own: a bad one is answered by a problem in its place, the others apply.",
            "anyOf": [event, guest, {}],
        },
    })
}

/// `POST …/simulate`: events put to a draft program (or, without one, the
/// current program), against the stored members, stored nowhere.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Simulation {
    /// The draft; left out (or `null`), the shop's current program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<ProgramDocument>,
    #[cfg_attr(not(target_arch = "wasm32"), schemars(schema_with = "batch_items"))]
    pub events: Vec<Event>,
}

/// `POST …/events` answers one event with an [`Answer`]; a batch (and a
/// simulation) with one result per event, in order.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
#[serde(untagged)]
pub enum EventsAnswer {
    One(Box<Answer>),
    Batch(Results),
}

/// One result per event, in the order sent.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct Results {
    pub results: Vec<Outcome>,
}

/// What became of one event: its answer, or the problem that refused it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
#[serde(untagged)]
pub enum Outcome {
    Answer(Box<Answer>),
    Problem(AppError),
}

impl From<Result<Answer, AppError>> for Outcome {
    fn from(result: Result<Answer, AppError>) -> Self {
        match result {
            Ok(answer) => Outcome::Answer(Box::new(answer)),
            Err(problem) => Outcome::Problem(problem),
        }
    }
}

/// `PUT …/platforms/{platform}`: the secret the platform signs its
/// webhooks with (Shopify: the app's client secret). Kept by the shop
/// object and its gates, never shown again.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(JsonSchema),
    schemars(deny_unknown_fields)
)]
pub struct PlatformSecret {
    #[cfg_attr(not(target_arch = "wasm32"), schemars(length(min = 1, max = 256)))]
    pub secret: String,
}

impl PlatformSecret {
    pub fn from_value(value: &Value) -> Result<Self, Vec<loyalty_rules::Problem>> {
        let secret = value
            .as_object()
            .filter(|map| map.keys().all(|k| k == "secret"))
            .and_then(|map| map.get("secret"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && s.len() <= 256 && !s.trim().is_empty());
        match secret {
            Some(secret) => Ok(Self {
                secret: secret.to_owned(),
            }),
            None => Err(vec![loyalty_rules::Problem {
                path: "$.secret".into(),
                message: "is required: the platform's signing secret, 1 to 256 characters, and no other field"
                    .into(),
            }]),
        }
    }
}

/// A platform's connection to the shop.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct PlatformConnection {
    /// `shopify`.
    pub platform: String,
    pub connected: bool,
    /// Where the platform sends its webhooks (this worker's path).
    pub webhook_path: String,
}

/// A platform's webhook payload, as the platform sends it (Shopify: the
/// order, refund or customer object of the `X-Shopify-Topic`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
#[serde(transparent)]
pub struct PlatformPayload(
    #[cfg_attr(
        not(target_arch = "wasm32"),
        schemars(with = "serde_json::Map<String, Value>")
    )]
    pub Value,
);

/// A platform's webhook answered: its topic, and what became of each event
/// it made (none for a topic this API takes no action on).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct HookAnswer {
    pub topic: String,
    /// The topic is not one this API acts on: nothing recorded.
    pub ignored: bool,
    pub results: Vec<Outcome>,
    /// The order's discount codes that were this shop's reward codes:
    /// spent now (or already, for a retry).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes_used: Vec<String>,
    /// A privacy request's outcome (Shopify's `customers/redact` and
    /// `customers/data_request`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy: Option<PrivacyDone>,
}

impl HookAnswer {
    /// An answer of `topic` that records nothing yet (the fields filled
    /// in by what the webhook came to).
    pub fn of(topic: impl Into<String>) -> Self {
        Self {
            topic: topic.into(),
            ignored: false,
            results: Vec::new(),
            codes_used: Vec::new(),
            privacy: None,
        }
    }
}

/// What a platform's privacy request came to.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct PrivacyDone {
    /// Whether the customer was a member (and now, for a redaction, is
    /// erased).
    pub member: bool,
    /// A redaction: everything of the customer is gone, the orders held
    /// under their email's hash too.
    pub erased: bool,
    /// A data request: where the merchant reads what is held about the
    /// member (`GET`, with the shop's API key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_path: Option<String>,
    /// A whole shop's erasure began (every member and guest's orders, a
    /// page at a time, in the background).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub whole_shop: bool,
}

/// The public program view, for a shopper's widget.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct WidgetProgram {
    #[serde(flatten)]
    pub view: ProgramView,
    /// Whether the request carried a valid customer token.
    pub signed_in: bool,
    /// With `include=preview` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<PreviewInputs>,
}

/// What the widget's cart preview computes from.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct PreviewInputs {
    #[cfg_attr(not(target_arch = "wasm32"), schemars(with = "ProgramDocument"))]
    pub program: Value,
    /// The program's `time_zone` around now: the offsets the preview's
    /// calendar needs (the widget carries no time-zone database).
    pub zone: Zone,
    /// The signed-in shopper, if any.
    pub member_id: Option<Id>,
    /// Their state (a pooled account's other members left out), if signed in.
    pub state: Option<MemberState>,
    /// The edge's clock, so the preview computes at the edge's now.
    pub now_ms: i64,
}

/// Everything held on one member (a data-subject export).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct Export {
    pub member_id: String,
    pub state: MemberState,
    /// The whole ledger, newest first.
    pub ledger: Vec<loyalty_rules::LedgerEntry>,
    /// The answers given to the member's events.
    pub event_answers: Vec<Answer>,
}

/// `?locale=`: the language of names and labels (default: the program's).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct LocaleQuery {
    /// A language tag such as `en`, `ar` or `pt-BR`.
    #[serde(default)]
    #[cfg_attr(not(target_arch = "wasm32"), schemars(example = &"ar"))]
    pub locale: Option<String>,
}

/// The ledger's paging.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct LedgerQuery {
    /// The `next_cursor` of the page before.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Entries per page, 1 to 200 (default 50).
    #[serde(default)]
    #[cfg_attr(not(target_arch = "wasm32"), schemars(range(min = 1, max = 200)))]
    pub limit: Option<u32>,
}

/// The widget's program view.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct WidgetProgramQuery {
    /// A language tag such as `en`, `ar` or `pt-BR`.
    #[serde(default)]
    pub locale: Option<String>,
    /// `preview`: also the inputs of the widget's cart preview (the program
    /// document and, for a signed-in shopper, their own state).
    #[serde(default)]
    pub include: Option<Include>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Include {
    Preview,
}

/// The shopper's member view.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct MeQuery {
    /// A language tag such as `en`, `ar` or `pt-BR`.
    #[serde(default)]
    pub locale: Option<String>,
    /// The newest `revision` this shopper has seen (digits): the answer is
    /// at least that new. Anything else reads as 0.
    #[serde(default)]
    pub after: Option<String>,
}

/// `POST /v1/shops/{shop}/webhooks`: where to send which topics. A
/// `webhook` (the default) posts each event to `url`, signed; `klaviyo`
/// and `mailchimp` keep the member's standing on their profiles with the
/// tool's API key (`url` then defaults to the tool's API).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(
    not(target_arch = "wasm32"),
    derive(JsonSchema),
    schemars(deny_unknown_fields)
)]
pub struct NewWebhook {
    #[serde(default)]
    pub kind: Kind,
    /// `https://…` (plain `http://` only to this machine, for
    /// development); required for a `webhook`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        not(target_arch = "wasm32"),
        schemars(
            length(min = 1, max = 2048),
            regex(
                pattern = r"^(https://[A-Za-z0-9.-]+|http://(localhost|127\.0\.0\.1))(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$"
            )
        )
    )]
    pub url: Option<String>,
    /// One or more topics, each once.
    #[cfg_attr(not(target_arch = "wasm32"), schemars(length(min = 1, max = 9)))]
    pub topics: Vec<Topic>,
    /// `klaviyo`: a private API key; `mailchimp`: an API key (`…-us6`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), schemars(length(min = 1, max = 256)))]
    pub api_key: Option<String>,
    /// `mailchimp`: the audience's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(target_arch = "wasm32"), schemars(length(min = 1, max = 64)))]
    pub list_id: Option<String>,
}

/// How many subscriptions a shop may have.
pub const MAX_WEBHOOKS: usize = 20;

impl NewWebhook {
    /// Reads and checks the body: every problem with its path.
    pub fn from_value(value: &Value) -> Result<Self, Vec<loyalty_rules::Problem>> {
        let problem = |path: &str, message: &str| loyalty_rules::Problem {
            path: path.to_owned(),
            message: message.to_owned(),
        };
        let Some(map) = value.as_object() else {
            return Err(vec![problem("$", "must be an object with url and topics")]);
        };
        let mut problems: Vec<_> = map
            .keys()
            .filter(|k| {
                !matches!(
                    k.as_str(),
                    "kind" | "url" | "topics" | "api_key" | "list_id"
                )
            })
            .map(|k| problem(&format!("$.{k}"), "is not a field of a webhook"))
            .collect();
        let kind = match map.get("kind") {
            None => Some(Kind::Webhook),
            Some(v) => {
                let kind = serde_json::from_value::<Kind>(v.clone()).ok();
                if kind.is_none() {
                    problems.push(problem("$.kind", "must be webhook, klaviyo or mailchimp"));
                }
                kind
            }
        };
        let text = |key: &str, max: usize| {
            map.get(key)
                .and_then(Value::as_str)
                .filter(|t| !t.trim().is_empty() && t.len() <= max)
                .map(str::to_owned)
        };
        let api_key = text("api_key", 256);
        let list_id = text("list_id", 64).filter(|l| l.chars().all(|c| c.is_ascii_alphanumeric()));
        match kind {
            Some(Kind::Klaviyo | Kind::Mailchimp) if api_key.is_none() => problems.push(problem(
                "$.api_key",
                "is required: the tool's API key, 1 to 256 characters",
            )),
            Some(Kind::Webhook) if map.contains_key("api_key") || map.contains_key("list_id") => {
                problems.push(problem(
                    "$.api_key",
                    "belongs to a klaviyo or mailchimp webhook",
                ));
            }
            _ => {}
        }
        if kind == Some(Kind::Mailchimp) && list_id.is_none() {
            problems.push(problem(
                "$.list_id",
                "is required: the audience's id (letters and digits)",
            ));
        }
        let url = match (map.get("url"), kind) {
            (Some(_), _) => {
                let url = map.get("url").and_then(Value::as_str).unwrap_or_default();
                if webhook_url_allowed(url) {
                    Some(url.to_owned())
                } else {
                    problems.push(problem(
                        "$.url",
                        "must be an https:// URL of at most 2048 characters (http:// only to localhost)",
                    ));
                    None
                }
            }
            (None, Some(Kind::Webhook)) => {
                problems.push(problem("$.url", "is required: where to send the events"));
                None
            }
            (None, Some(kind)) => {
                let base = kind.default_base(api_key.as_deref().unwrap_or_default());
                if base.is_none() && api_key.is_some() {
                    problems.push(problem(
                        "$.api_key",
                        "must end in its data centre (…-us6), or give url",
                    ));
                }
                base
            }
            (None, None) => None,
        };
        let mut topics = Vec::new();
        match map.get("topics").and_then(Value::as_array) {
            Some(list) if !list.is_empty() => {
                for (n, item) in list.iter().enumerate() {
                    match item.as_str().and_then(Topic::parse) {
                        Some(topic) if !topics.contains(&topic) => topics.push(topic),
                        Some(_) => {
                            problems.push(problem(&format!("$.topics[{n}]"), "is listed twice"))
                        }
                        None => problems.push(problem(
                            &format!("$.topics[{n}]"),
                            &format!("must be one of {}", Topic::ALL.map(Topic::name).join(", ")),
                        )),
                    }
                }
            }
            _ => problems.push(problem(
                "$.topics",
                "is required: a list of one or more topics",
            )),
        }
        match (problems.is_empty(), kind) {
            (true, Some(kind)) => Ok(Self {
                kind,
                url,
                topics,
                api_key,
                list_id,
            }),
            _ => Err(problems),
        }
    }
}

/// Whether the worker may send to `url`: https, or http to this machine
/// (a developer's receiver; in a deployment it reaches nothing).
pub fn webhook_url_allowed(url: &str) -> bool {
    if url.len() > 2048 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    let local = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    parsed.username().is_empty()
        && parsed.password().is_none()
        && parsed.host_str().is_some_and(|h| !h.is_empty())
        && (parsed.scheme() == "https" || (parsed.scheme() == "http" && local))
}

/// A subscription as the merchant sees it (the secret only when made;
/// an email tool's API key never).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct Webhook {
    pub id: String,
    pub kind: Kind,
    pub url: String,
    pub topics: Vec<Topic>,
    pub created_at: DateTime<Utc>,
    /// The secret each delivery is signed with (`Loyalty-Signature`):
    /// shown once, in the answer that made the subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `GET /v1/shops/{shop}/webhooks`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct Webhooks {
    pub webhooks: Vec<Webhook>,
}

/// A delivery given up after its last try.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct DeadLetter {
    /// The delivery's id, for the replay.
    pub id: i64,
    pub webhook_id: String,
    /// The event's id (the same in every delivery of it).
    pub event_id: String,
    pub topic: Topic,
    pub attempts: u32,
    /// What the last try met: a status, or why nothing was answered.
    pub last_error: String,
    pub failed_at: DateTime<Utc>,
}

/// `GET /v1/shops/{shop}/webhooks/dead`: the dead letters, oldest first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct DeadLetters {
    pub deliveries: Vec<DeadLetter>,
}

/// A dead delivery sent again (from its first try's schedule).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct Replayed {
    pub id: i64,
    pub replayed: bool,
}

/// What each delivery to a subscription carries: the event's id (stable
/// over retries: the receiver's idempotency key), the shop, when it was
/// sent first, and the notice.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct OutboundEvent {
    pub id: String,
    pub shop: String,
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub notice: Notice,
}

/// `DELETE …/webhooks/{webhook_id}`: whether there was one to remove.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct WebhookRemoved {
    pub id: String,
    pub removed: bool,
}

/// How the list of members is sorted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberSort {
    /// The last earning or spending (members who never did come last).
    #[default]
    LastActivity,
    /// Points available now.
    Balance,
    /// The tier's rank among the program's levels (none below the first).
    Tier,
    /// When the shop first saw the member.
    Joined,
    MemberId,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Desc,
    Asc,
}

/// The list of members' query.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct MembersQuery {
    /// Finds members whose id begins with it, or whose email hash (the
    /// SHA-256 hex the events sent) or referral code is it.
    #[serde(default)]
    #[cfg_attr(not(target_arch = "wasm32"), schemars(length(max = 128)))]
    pub q: Option<String>,
    /// Default `last_activity`.
    #[serde(default)]
    pub sort: Option<MemberSort>,
    /// Default `desc`.
    #[serde(default)]
    pub order: Option<SortOrder>,
    /// The `next_cursor` of the page before (with the same `q`, `sort`
    /// and `order`).
    #[serde(default)]
    pub cursor: Option<String>,
    /// Members per page, 1 to 200 (default 50).
    #[serde(default)]
    #[cfg_attr(not(target_arch = "wasm32"), schemars(range(min = 1, max = 200)))]
    pub limit: Option<u32>,
}

/// One member in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct MemberRow {
    pub member_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_hash: Option<String>,
    pub referral_code: String,
    /// Points available now (a pooled account's members share it).
    pub balance: i64,
    /// The tier's id.
    pub tier: Option<String>,
    pub last_activity: Option<DateTime<Utc>>,
    pub joined_at: DateTime<Utc>,
}

/// A page of the list of members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct MemberList {
    pub members: Vec<MemberRow>,
    /// The next page's `cursor`; null on the last page.
    pub next_cursor: Option<String>,
    /// How many members the search matches (all of the shop's without one).
    pub total: i64,
}

/// One saved version of the program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct ProgramVersion {
    #[cfg_attr(not(target_arch = "wasm32"), schemars(range(min = 1)))]
    pub version: u64,
    /// When it was saved (null for versions saved before this was kept).
    pub saved_at: Option<DateTime<Utc>>,
    /// Who saved it: `key:` and the first 12 hex digits of the SHA-256 of
    /// the API key used, or `admin`.
    pub saved_by: Option<String>,
}

/// The program's saved versions, newest first (the newest 200).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct ProgramVersions {
    /// The version in force.
    pub current: u64,
    /// The fingerprint of the credential that asked, as `saved_by` writes it.
    pub your_key: String,
    pub versions: Vec<ProgramVersion>,
}

/// The daily series' range.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct DailyQuery {
    /// The first local day (`YYYY-MM-DD`); default 29 days before `to`.
    #[serde(default)]
    pub from: Option<chrono::NaiveDate>,
    /// The last local day; default today on the shop's clock. At most 366
    /// days from `from`.
    #[serde(default)]
    pub to: Option<chrono::NaiveDate>,
}

/// The shop's metrics day by day, on the program's clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct DailySeries {
    /// The IANA zone the days are of (`UTC` until the program names one).
    pub time_zone: String,
    /// The currency of `*_minor` figures.
    pub currency: String,
    /// What one point is worth at most, in minor units over points (the
    /// best money reward's rate), that `liability_minor` is reckoned by;
    /// null when no reward gives money.
    pub point_value: Option<loyalty_rules::analytics::PointValue>,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    /// Every day from `from` to `to`, oldest first.
    pub days: Vec<loyalty_rules::analytics::DayPoint>,
}

/// An event as the shop recorded it: a member's, or a guest's order (held
/// for the signup with its email hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct Recorded {
    /// A member's event; a referral code it came with is not kept (see
    /// `referrer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest: Option<loyalty_rules::event::GuestEvent>,
    /// The member whose referral code the event came with, when the code
    /// was theirs as it arrived (a replay gives the event that member's
    /// code of its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
}

impl Recorded {
    /// An event as the journal keeps it, with the referrer its code named.
    pub fn of(incoming: &loyalty_rules::event::Incoming, referrer: Option<String>) -> Self {
        use loyalty_rules::event::Incoming;
        match incoming {
            Incoming::Member(event) => Self {
                event: Some(Event {
                    referral_code: None,
                    ..event.clone()
                }),
                guest: None,
                referrer,
            },
            Incoming::Guest(guest) => Self {
                event: None,
                guest: Some(guest.clone()),
                referrer: None,
            },
        }
    }
}

/// One recent event, with when the edge received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct RecentEvent {
    pub received_at: DateTime<Utc>,
    #[serde(flatten)]
    pub recorded: Recorded,
}

/// A page of the shop's recent events, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct RecentEvents {
    pub events: Vec<RecentEvent>,
    /// The next (older) page's `cursor`; null on the last page.
    pub next_cursor: Option<String>,
    /// On the last page: whether the pages went back to the shop's first
    /// event (false once the journal let old events go, or before the last
    /// page).
    pub complete: bool,
}

/// The recent events' paging.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct RecentEventsQuery {
    /// The `next_cursor` of the page before.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Events per page, 1 to 1000 (default 500).
    #[serde(default)]
    #[cfg_attr(not(target_arch = "wasm32"), schemars(range(min = 1, max = 1000)))]
    pub limit: Option<u32>,
}

/// The install checklist as it stands: each step with when it first
/// happened (null: not yet).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(JsonSchema))]
pub struct Setup {
    /// 0 until a program is saved.
    pub program_version: u64,
    #[serde(flatten)]
    pub firsts: crate::model::Firsts,
}
