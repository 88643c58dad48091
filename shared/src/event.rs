//! Events (contract section 3): their types and their parser.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::id::Id;
use crate::json::{Check, Path, Problem, optional};
use crate::program::{MAX_AMOUNT, MAX_POINTS};

/// The most order lines one event may carry.
pub const MAX_LINES: usize = 1_000;
/// The most events one batch may carry.
pub const MAX_BATCH: usize = 100;
/// How far ahead of the server clock an `occurred_at` may be.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 300;

/// What happened. `order_refunded` carries `order.order_id` and
/// `order.refund_minor`; `order_cancelled` `order.order_id`;
/// `survey_completed` `nps_score`; `membership_started` `membership`;
/// `custom` an `action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Signup,
    OrderPaid,
    OrderRefunded,
    OrderCancelled,
    ReviewPosted,
    SocialShare,
    QuizCompleted,
    SurveyCompleted,
    Birthday,
    MembershipStarted,
    MembershipEnded,
    Custom,
}

impl EventKind {
    pub const ALL: [EventKind; 12] = [
        EventKind::Signup,
        EventKind::OrderPaid,
        EventKind::OrderRefunded,
        EventKind::OrderCancelled,
        EventKind::ReviewPosted,
        EventKind::SocialShare,
        EventKind::QuizCompleted,
        EventKind::SurveyCompleted,
        EventKind::Birthday,
        EventKind::MembershipStarted,
        EventKind::MembershipEnded,
        EventKind::Custom,
    ];
    pub const NAMES: [&'static str; 12] = [
        "signup",
        "order_paid",
        "order_refunded",
        "order_cancelled",
        "review_posted",
        "social_share",
        "quiz_completed",
        "survey_completed",
        "birthday",
        "membership_started",
        "membership_ended",
        "custom",
    ];

    pub fn name(self) -> &'static str {
        let index = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::NAMES[index]
    }

    pub fn from_name(name: &str) -> Option<Self> {
        let index = Self::NAMES.iter().position(|n| *n == name)?;
        Some(Self::ALL[index])
    }
}

/// One order line; `qty * unit_price_minor` is at most 10^15.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(deny_unknown_fields)
)]
pub struct Line {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 128)))]
    pub sku: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 128)))]
    pub category: Option<String>,
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 1_000_000)))]
    pub qty: i64,
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_AMOUNT)))]
    pub unit_price_minor: i64,
}

impl Line {
    /// `qty * unit_price_minor`; parsing bounds it to [`MAX_AMOUNT`].
    pub fn amount_minor(&self) -> i64 {
        self.qty.saturating_mul(self.unit_price_minor)
    }
}

/// The order of an `order_*` event. `order_paid` needs `currency` and
/// `subtotal_minor`; `order_refunded` needs `refund_minor` (this refund's
/// amount).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(deny_unknown_fields)
)]
pub struct Order {
    pub order_id: Id,
    /// ISO 4217: the program's currency, or another that the order converts
    /// from (by `shop_subtotal_minor` or the program's `exchange_rates`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[A-Z]{3}$")))]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_AMOUNT)))]
    pub subtotal_minor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_AMOUNT)))]
    pub refund_minor: Option<i64>,
    /// `order_paid` in another currency than the program's: the subtotal
    /// in the program's currency, as the platform converted it (Shopify's
    /// `shop_money`). The order counts by it (its lines by the same rate);
    /// without it, by the program's `exchange_rates`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_AMOUNT)))]
    pub shop_subtotal_minor: Option<i64>,
    /// Where the order was placed (`online`, `pos`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 64)))]
    pub channel: Option<String>,
    /// Lines, for rules that count some of them; at most 1000.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "schema", schemars(length(max = 1000)))]
    pub lines: Vec<Line>,
}

/// Facts about the member that an event may carry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(deny_unknown_fields)
)]
pub struct MemberFacts {
    /// A hash of the shopper's e-mail address (never the address itself),
    /// used to refuse self-referrals.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 128)))]
    pub email_hash: Option<String>,
    /// The MD5 of the trimmed, lower-cased e-mail address, 32 lower-case
    /// hex digits: Mailchimp's name for the contact (its `subscriber_hash`),
    /// for the Mailchimp destination only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schemars(length(min = 32, max = 32), regex(pattern = "^[0-9a-f]{32}$"))
    )]
    pub email_md5: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schemars(length(max = 50), inner(length(min = 1, max = 64)))
    )]
    pub tags: Option<Vec<String>>,
    /// B2B: the shared account, set once and never changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthday: Option<NaiveDate>,
}

/// A paid membership: the level `tier` (a paid level) until `until`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(deny_unknown_fields)
)]
pub struct Membership {
    pub tier: Id,
    pub until: DateTime<Utc>,
}

/// One parsed event. Its serialization is canonical: the same event always
/// gives the same JSON, which the idempotency check compares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(deny_unknown_fields)
)]
#[cfg_attr(feature = "schema", schemars(extend("allOf" = [
    {"if": {"properties": {"kind": {"const": "order_paid"}}},
     "then": {"required": ["order"], "properties": {"order": {
         "type": "object", "required": ["currency", "subtotal_minor"],
         "not": {"required": ["refund_minor"]}}}}},
    {"if": {"properties": {"kind": {"const": "order_refunded"}}},
     "then": {"required": ["order"], "properties": {"order": {
         "type": "object", "required": ["refund_minor"],
         "not": {"required": ["shop_subtotal_minor"]}}}}},
    {"if": {"properties": {"kind": {"const": "order_cancelled"}}},
     "then": {"required": ["order"], "properties": {"order": {"type": "object",
         "not": {"required": ["shop_subtotal_minor"]}}}}},
    {"if": {"properties": {"kind": {"const": "custom"}}},
     "then": {"required": ["action"], "properties": {"action": {"type": "string"}}}},
    {"if": {"properties": {"kind": {"const": "survey_completed"}}},
     "then": {"required": ["nps_score"], "properties": {"nps_score": {"type": "integer"}}}},
    {"if": {"properties": {"kind": {"const": "membership_started"}}},
     "then": {"required": ["membership"], "properties": {"membership": {"type": "object"}}}}
])))]
pub struct Event {
    /// Unique per shop: a second delivery of the same id is answered as a
    /// duplicate and awards nothing.
    pub id: Id,
    pub kind: EventKind,
    pub member_id: Id,
    /// At most 5 minutes ahead of the server's clock.
    pub occurred_at: DateTime<Utc>,
    /// `custom` events: the name rules match as `custom:<action>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    /// The referral code the shopper arrived with (`?ref=`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 128)))]
    pub referral_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<MemberFacts>,
    /// `survey_completed`: 0 to 10.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = 10)))]
    pub nps_score: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub membership: Option<Membership>,
}

/// An order paid (or refunded, or cancelled) by a guest: the shopper's
/// email hash and no member id. It is held for the program's `guest_days`
/// and credited, once, to the member who later signs up with that hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GuestEvent {
    pub id: Id,
    pub kind: EventKind,
    pub email_hash: String,
    pub occurred_at: DateTime<Utc>,
    pub order: Order,
}

impl GuestEvent {
    /// The canonical form compared by the idempotency check.
    pub fn fingerprint(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The same event as the member `member_id`'s own.
    pub fn for_member(&self, member_id: &Id) -> Event {
        Event {
            id: self.id.clone(),
            kind: self.kind,
            member_id: member_id.clone(),
            occurred_at: self.occurred_at,
            action: None,
            order: Some(self.order.clone()),
            referral_code: None,
            member: Some(MemberFacts {
                email_hash: Some(self.email_hash.clone()),
                ..MemberFacts::default()
            }),
            nps_score: None,
            membership: None,
        }
    }
}

/// An event as it arrives: a member's, or a guest's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incoming {
    Member(Event),
    Guest(GuestEvent),
}

impl Incoming {
    /// Reads one member's event or guest's order, reporting every problem.
    pub fn from_value(value: &Value, now: DateTime<Utc>) -> Result<Self, Vec<Problem>> {
        let mut check = Check::default();
        let event = read_event(&mut check, value, Path::Root, now, true);
        check.finish(event)
    }

    pub fn id(&self) -> &Id {
        match self {
            Incoming::Member(event) => &event.id,
            Incoming::Guest(event) => &event.id,
        }
    }

    pub fn fingerprint(&self) -> String {
        match self {
            Incoming::Member(event) => event.fingerprint(),
            Incoming::Guest(event) => event.fingerprint(),
        }
    }
}

const EVENT_FIELDS: &[&str] = &[
    "id",
    "kind",
    "member_id",
    "occurred_at",
    "action",
    "order",
    "referral_code",
    "member",
    "nps_score",
    "membership",
];
const ORDER_FIELDS: &[&str] = &[
    "order_id",
    "currency",
    "subtotal_minor",
    "refund_minor",
    "channel",
    "lines",
    "shop_subtotal_minor",
];

impl Event {
    /// Parses one event from JSON text, checking `occurred_at` against `now`.
    pub fn parse(text: &str, now: DateTime<Utc>) -> Result<Self, Vec<Problem>> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            vec![Problem {
                path: "$".into(),
                message: format!("is not valid JSON: {e}"),
            }]
        })?;
        Self::from_value(&value, now)
    }

    /// Reads one event from a JSON value, reporting every problem.
    pub fn from_value(value: &Value, now: DateTime<Utc>) -> Result<Self, Vec<Problem>> {
        let mut check = Check::default();
        let event = read_event(&mut check, value, Path::Root, now, false).and_then(|e| match e {
            Incoming::Member(event) => Some(event),
            Incoming::Guest(_) => None,
        });
        check.finish(event)
    }

    /// The canonical form compared by the idempotency check.
    pub fn fingerprint(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The name a rule's `event` matches (`custom:<action>` for custom events).
    pub fn matches(&self, wanted: &crate::program::EventMatch) -> bool {
        match wanted {
            crate::program::EventMatch::Kind(kind) => *kind == self.kind,
            crate::program::EventMatch::Custom(action) => {
                self.kind == EventKind::Custom && self.action.as_ref() == Some(action)
            }
        }
    }
}

fn read_event(
    check: &mut Check,
    value: &Value,
    root: Path<'_>,
    now: DateTime<Utc>,
    guests: bool,
) -> Option<Incoming> {
    let map = check.object(value, root, EVENT_FIELDS)?;
    let id = check
        .required(map, root, "id")
        .and_then(|v| check.id(v, root.key("id")));
    let kind = check.required(map, root, "kind").and_then(|v| {
        let kind = v.as_str().and_then(EventKind::from_name);
        if kind.is_none() {
            check.report(
                root.key("kind"),
                format!("must be one of {}", EventKind::NAMES.join(", ")),
            );
        }
        kind
    });
    let member_id = optional(map, "member_id").and_then(|v| check.id(v, root.key("member_id")));
    let no_member = map.get("member_id").is_none();
    let occurred_at = check
        .required(map, root, "occurred_at")
        .and_then(|v| check.timestamp(v, root.key("occurred_at")));
    if let Some(at) = occurred_at
        && at > now + Duration::seconds(MAX_CLOCK_SKEW_SECONDS)
    {
        check.report(
            root.key("occurred_at"),
            "is more than 5 minutes in the future",
        );
    }
    let action = optional(map, "action").and_then(|v| check.id(v, root.key("action")));
    let order = optional(map, "order").and_then(|v| read_order(check, v, root.key("order")));
    let referral_code = optional(map, "referral_code")
        .and_then(|v| check.string(v, root.key("referral_code"), 128))
        .map(str::to_owned);
    let member = optional(map, "member").and_then(|v| read_member(check, v, root.key("member")));
    let nps_score =
        optional(map, "nps_score").and_then(|v| check.int(v, root.key("nps_score"), 0, 10));
    let membership =
        optional(map, "membership").and_then(|v| read_membership(check, v, root.key("membership")));

    let kind = kind?;
    require_for_kind(
        check,
        root,
        kind,
        &order,
        action.is_some(),
        nps_score.is_some(),
        membership.is_some(),
    );
    let guest_hash = member.as_ref().and_then(|m| m.email_hash.clone());
    if no_member {
        let is_order = matches!(
            kind,
            EventKind::OrderPaid | EventKind::OrderRefunded | EventKind::OrderCancelled
        );
        match guest_hash {
            Some(email_hash) if guests && is_order => {
                let facts = member.as_ref().filter(|m| {
                    m.tags.is_some()
                        || m.account_id.is_some()
                        || m.birthday.is_some()
                        || m.email_md5.is_some()
                });
                let extra = [
                    ("referral_code", referral_code.is_some()),
                    ("action", action.is_some()),
                    ("nps_score", nps_score.is_some()),
                    ("membership", membership.is_some()),
                    ("member", facts.is_some()),
                ];
                for (key, present) in extra {
                    if present {
                        check.report(
                            root.key(key),
                            "belongs to a member's event: a guest's order carries only \
                             order and member.email_hash",
                        );
                    }
                }
                return Some(Incoming::Guest(GuestEvent {
                    id: id?,
                    kind,
                    email_hash,
                    occurred_at: occurred_at?,
                    order: order?,
                }));
            }
            _ => {
                let message = if guests && is_order {
                    "is required (or, for a guest's order, member.email_hash)"
                } else {
                    "is required"
                };
                check.report(root.key("member_id"), message);
                return None;
            }
        }
    }
    Some(Incoming::Member(Event {
        id: id?,
        kind,
        member_id: member_id?,
        occurred_at: occurred_at?,
        action,
        order,
        referral_code,
        member,
        nps_score,
        membership,
    }))
}

/// The members each kind needs, present and well-formed.
fn require_for_kind(
    check: &mut Check,
    root: Path<'_>,
    kind: EventKind,
    order: &Option<Order>,
    has_action: bool,
    has_nps: bool,
    has_membership: bool,
) {
    let order_path = root.key("order");
    let needs_order = matches!(
        kind,
        EventKind::OrderPaid | EventKind::OrderRefunded | EventKind::OrderCancelled
    );
    if needs_order && order.is_none() && check.problems.is_empty() {
        check.report(order_path, format!("is required for {}", kind.name()));
    }
    if let Some(order) = order {
        match kind {
            EventKind::OrderPaid => {
                if order.currency.is_none() {
                    check.report(order_path.key("currency"), "is required for order_paid");
                }
                if order.subtotal_minor.is_none() {
                    check.report(
                        order_path.key("subtotal_minor"),
                        "is required for order_paid",
                    );
                }
                if order.refund_minor.is_some() {
                    check.report(
                        order_path.key("refund_minor"),
                        "belongs to order_refunded only",
                    );
                }
            }
            EventKind::OrderRefunded if order.refund_minor.is_none() => {
                check.report(
                    order_path.key("refund_minor"),
                    "is required for order_refunded",
                );
            }
            _ => {}
        }
        if kind != EventKind::OrderPaid && order.shop_subtotal_minor.is_some() {
            check.report(
                order_path.key("shop_subtotal_minor"),
                "belongs to order_paid only (a refund counts by its order's rate)",
            );
        }
    }
    if kind == EventKind::Custom && !has_action {
        check.report(root.key("action"), "is required for custom events");
    }
    if kind == EventKind::SurveyCompleted && !has_nps {
        check.report(root.key("nps_score"), "is required for survey_completed");
    }
    if kind == EventKind::MembershipStarted && !has_membership {
        check.report(root.key("membership"), "is required for membership_started");
    }
}

fn read_order(check: &mut Check, value: &Value, path: Path<'_>) -> Option<Order> {
    let map = check.object(value, path, ORDER_FIELDS)?;
    let order_id = check
        .required(map, path, "order_id")
        .and_then(|v| check.id(v, path.key("order_id")));
    let currency = optional(map, "currency").and_then(|v| match v.as_str() {
        Some(code) if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) => {
            Some(code.to_owned())
        }
        _ => {
            check.report(
                path.key("currency"),
                "must be an ISO 4217 currency code such as \"USD\"",
            );
            None
        }
    });
    let amount = |check: &mut Check, key: &str| {
        optional(map, key).and_then(|v| check.int(v, path.key(key), 0, MAX_AMOUNT))
    };
    let subtotal_minor = amount(check, "subtotal_minor");
    let refund_minor = amount(check, "refund_minor");
    let shop_subtotal_minor = amount(check, "shop_subtotal_minor");
    let channel = optional(map, "channel")
        .and_then(|v| check.string(v, path.key("channel"), 64))
        .map(str::to_owned);
    let lines = check.list(map, path, "lines", MAX_LINES, read_line);
    let total = lines
        .iter()
        .try_fold(0i64, |sum, line| sum.checked_add(line.amount_minor()));
    if total.is_none_or(|total| total > MAX_AMOUNT) {
        check.report(
            path.key("lines"),
            format!("must total at most {MAX_AMOUNT} minor units"),
        );
    }
    Some(Order {
        order_id: order_id?,
        currency,
        subtotal_minor,
        refund_minor,
        shop_subtotal_minor,
        channel,
        lines,
    })
}

fn read_line(check: &mut Check, value: &Value, path: Path<'_>) -> Option<Line> {
    let map = check.object(value, path, &["sku", "category", "qty", "unit_price_minor"])?;
    let text = |check: &mut Check, key: &str| {
        optional(map, key)
            .and_then(|v| check.string(v, path.key(key), 128))
            .map(str::to_owned)
    };
    let sku = text(check, "sku");
    let category = text(check, "category");
    let qty = check
        .required(map, path, "qty")
        .and_then(|v| check.int(v, path.key("qty"), 1, 1_000_000));
    let unit_price_minor = check
        .required(map, path, "unit_price_minor")
        .and_then(|v| check.int(v, path.key("unit_price_minor"), 0, MAX_AMOUNT));
    let line = Line {
        sku,
        category,
        qty: qty?,
        unit_price_minor: unit_price_minor?,
    };
    if line
        .qty
        .checked_mul(line.unit_price_minor)
        .is_none_or(|a| a > MAX_AMOUNT)
    {
        check.report(
            path,
            format!("qty * unit_price_minor must be at most {MAX_AMOUNT}"),
        );
        return None;
    }
    Some(line)
}

fn read_member(check: &mut Check, value: &Value, path: Path<'_>) -> Option<MemberFacts> {
    let map = check.object(
        value,
        path,
        &["email_hash", "email_md5", "tags", "account_id", "birthday"],
    )?;
    let email_hash = optional(map, "email_hash")
        .and_then(|v| check.string(v, path.key("email_hash"), 128))
        .map(str::to_owned);
    let email_md5 = optional(map, "email_md5").and_then(|v| {
        let at = path.key("email_md5");
        let text = check.string(v, at, 32)?;
        if text.len() == 32
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Some(text.to_owned())
        } else {
            check.report(
                at,
                "must be 32 lower-case hex digits: the MD5 of the lower-cased e-mail",
            );
            None
        }
    });
    let tags = optional(map, "tags").map(|_| {
        check.list(map, path, "tags", 50, |check, v, p| {
            check.string(v, p, 64).map(str::to_owned)
        })
    });
    let account_id = optional(map, "account_id").and_then(|v| check.id(v, path.key("account_id")));
    let birthday = optional(map, "birthday").and_then(|v| check.date(v, path.key("birthday")));
    Some(MemberFacts {
        email_hash,
        email_md5,
        tags,
        account_id,
        birthday,
    })
}

fn read_membership(check: &mut Check, value: &Value, path: Path<'_>) -> Option<Membership> {
    let map = check.object(value, path, &["tier", "until"])?;
    let tier = check
        .required(map, path, "tier")
        .and_then(|v| check.id(v, path.key("tier")));
    let until = check
        .required(map, path, "until")
        .and_then(|v| check.timestamp(v, path.key("until")));
    Some(Membership {
        tier: tier?,
        until: until?,
    })
}

/// Reads `{"events": [...]}` or a single event: each item parsed on its own,
/// so one bad event does not spoil the batch.
pub fn parse_batch(
    value: &Value,
    now: DateTime<Utc>,
) -> Result<Vec<Result<Incoming, Vec<Problem>>>, Vec<Problem>> {
    match value.get("events") {
        Some(events) => {
            let mut check = Check::default();
            check.object(value, Path::Root, &["events"]);
            let items = check
                .array(events, Path::Root.key("events"), MAX_BATCH)
                .map(<[Value]>::to_vec);
            let items = check.finish(items)?;
            if items.is_empty() {
                return Err(vec![Problem {
                    path: "$.events".into(),
                    message: "must hold at least one event".into(),
                }]);
            }
            Ok(items
                .iter()
                .map(|item| Incoming::from_value(item, now))
                .collect())
        }
        None => Ok(vec![Incoming::from_value(value, now)]),
    }
}

/// Points figures of manual adjustments are bounded like rule points.
pub const MAX_ADJUSTMENT: i64 = MAX_POINTS;
