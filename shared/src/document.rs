//! The program document as it travels: typed for clients that write one and
//! for the API description, which derives its JSON Schema from these types.
//!
//! [`crate::program::Program::parse`] stays the one judge of a document (it
//! reports every problem with its path, and checks what a schema cannot: ids
//! used twice, references to rewards and tiers, rising thresholds). These
//! types say the same shape and bounds; `tests/document.rs` holds them to the
//! parser: the field names match its field lists, documents these types
//! accept parse, and the contract tests' bad documents are refused by both
//! at the same path.

use serde::{Deserialize, Serialize};

#[cfg(feature = "schema")]
use crate::event::EventKind;
use crate::id::Id;
use crate::program::Localized;
#[cfg(feature = "schema")]
use crate::program::{
    LOCALE_PATTERN, MAX_AMOUNT, MAX_BP, MAX_DAYS, MAX_POINTS, ORIGIN_PATTERN, SHOP_URL_PATTERN,
};

/// A program: how members earn, the tiers they climb, the rewards they buy.
/// Unknown fields are refused; an optional member sent as `null` counts as
/// left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(rename = "Program", example = crate::document::example_program()))]
pub struct ProgramDocument {
    /// The program's name, shown to shoppers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Localized>,
    /// ISO 4217 code; events in another currency are refused.
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[A-Z]{3}$")))]
    pub currency: String,
    /// The storefront; the referral redirect adds `?ref=` to it, so it holds
    /// no fragment.
    #[cfg_attr(feature = "schema", schemars(regex(pattern = SHOP_URL_PATTERN), length(max = 2000)))]
    pub shop_url: String,
    /// The pages whose browsers may call the widget endpoints (default: the
    /// origin of `shop_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = 50), inner(regex(pattern = ORIGIN_PATTERN), length(max = 2000))))]
    pub allowed_origins: Option<Vec<String>>,
    /// Shown in the panel: join and sign-in to guests, the terms to everyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Links>,
    /// A language tag (`en`, `ar`, `pt-BR`); default `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(regex(pattern = LOCALE_PATTERN), length(min = 2, max = 35)))]
    pub default_locale: Option<String>,
    /// What points are called, by locale; default `{"en": "points"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_label: Option<Localized>,
    /// How members earn, evaluated in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = 200)))]
    pub earn_rules: Option<Vec<EarnRule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<Tiers>,
    /// What points buy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = 200)))]
    pub rewards: Option<Vec<Reward>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = 100)))]
    pub badges: Option<Vec<Badge>>,
    /// Time-boxed goals with a reward, in the shop's calendar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = 50)))]
    pub challenges: Option<Vec<Challenge>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<Expiry>,
    /// Days before earned points can be spent (refund window); default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_DAYS)))]
    pub pending_days: Option<i64>,
    /// Days a guest's order (sent with `member.email_hash` and no
    /// `member_id`) is held, from when it was paid, for a signup with the
    /// same email hash, which is then credited with it once. 0 or absent:
    /// guests' orders are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = 366)))]
    pub guest_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Accounts>,
    /// The shop's IANA time zone (`Asia/Riyadh`); default `UTC`. Days,
    /// weeks, months and years of limits, weekday and hour conditions,
    /// calendar-year tier windows, local times in `active` and birthdays
    /// follow it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(regex(pattern = ZONE_PATTERN), length(min = 1, max = 64), example = "Asia/Riyadh"))]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_rates: Option<ExchangeRates>,
}

/// Rates for orders paid in other currencies, used when an order does not
/// carry its subtotal in the program's currency (`shop_subtotal_minor`):
/// an amount in a listed currency counts as
/// `floor(amount_minor * rate / scale)` minor units of the program's
/// currency, minor units to minor units (at scale 1000000, 1 EUR = 1.085 USD
/// is 1085000; a yen at 0.0067 USD is 0.67 cents: 670000). An order in a
/// currency with no rate and no `shop_subtotal_minor` is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ExchangeRates {
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = crate::program::MAX_RATE)))]
    pub scale: i64,
    /// By ISO 4217 code (not the program's own).
    #[cfg_attr(feature = "schema", schemars(length(max = 200), extend("propertyNames" = {"pattern": "^[A-Z]{3}$"}, "additionalProperties" = {"type": "integer", "minimum": 1, "maximum": crate::program::MAX_RATE})))]
    pub rates: std::collections::BTreeMap<String, i64>,
}

/// The shape of an IANA zone name (the parser also asks the database).
#[cfg(feature = "schema")]
const ZONE_PATTERN: &str = r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$";

/// The program's links are the parsed program's own type.
pub use crate::program::Links;

/// One way to earn: when an event matches, the effect applies.
/// `per_amount` and `cashback` rules listen to `order_paid` only; `lines`
/// belongs to `per_amount` rules only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend("allOf" = [
    {
        "if": {"required": ["effect"], "properties": {"effect": {
            "required": ["kind"], "properties": {"kind": {"enum": ["per_amount", "cashback"]}}}}},
        "then": {"properties": {"event": {"const": "order_paid"}}}
    },
    {
        "if": {"required": ["effect"], "properties": {"effect": {
            "required": ["kind"], "properties": {"kind": {"not": {"const": "per_amount"}}}}}},
        "then": {"properties": {"lines": {"maxItems": 0}}}
    }
])))]
#[serde(deny_unknown_fields)]
pub struct EarnRule {
    /// Unique among the rules; may not begin with `tier:` or `badge:`.
    #[cfg_attr(feature = "schema", schemars(extend("not" = {"pattern": "^(tier|badge):"})))]
    pub id: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Localized>,
    pub event: EventName,
    pub effect: Effect,
    /// All must hold (a condition on a field the event lacks is false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = 50)))]
    pub when: Option<Vec<Condition>>,
    /// `per_amount` rules only: the order lines that count toward the
    /// eligible amount (`line.sku` and `line.category` conditions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = 50)))]
    pub lines: Option<Vec<LineCondition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<Active>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
}

/// An event kind (`order_paid`, `signup`, …) or `custom:<action>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventName(pub String);

#[cfg(feature = "schema")]
impl schemars::JsonSchema for EventName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "EventName".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let kinds: Vec<&str> = EventKind::NAMES
            .into_iter()
            .filter(|name| *name != "custom")
            .collect();
        schemars::json_schema!({
            "description": "An event kind, or `custom:<action>` for custom events with that action.",
            "type": "string",
            "pattern": format!("^({}|custom:[A-Za-z0-9._:@-]{{1,128}})$", kinds.join("|")),
            "examples": ["order_paid", "custom:newsletter"],
        })
    }
}

/// What a rule gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Effect {
    /// `floor(eligible_minor / per_minor) * points` (`order_paid` only).
    PerAmount {
        #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_POINTS)))]
        points: i64,
        #[cfg_attr(feature = "schema", schemars(range(min = 1, max = MAX_AMOUNT)))]
        per_minor: i64,
    },
    /// A fixed number of points.
    Fixed {
        #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_POINTS)))]
        points: i64,
    },
    /// Boosts the `per_amount` points of the same event (10000 = 1.0x).
    Multiplier {
        #[cfg_attr(feature = "schema", schemars(range(min = 1, max = MAX_BP)))]
        bp: i64,
    },
    /// A free code for one of the program's rewards.
    IssueReward {
        /// The id of a reward of this program.
        reward: Id,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "schema", schemars(range(min = 1, max = MAX_DAYS)))]
        valid_days: Option<i64>,
    },
    /// Store credit of `floor(eligible_minor * bp / 10000)` minor units
    /// (`order_paid` only).
    Cashback {
        #[cfg_attr(feature = "schema", schemars(range(min = 1, max = MAX_BP)))]
        bp: i64,
    },
}

/// A test on the event, the member or one order line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Condition {
    Number(NumberCondition),
    Text(TextCondition),
    Flag(FlagCondition),
    Tags(TagsCondition),
    Tier(TierCondition),
}

/// A test on a whole number: `in` and `not_in` take a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NumberCondition {
    pub field: NumberField,
    pub op: NumberOp,
    pub value: OneOrMany<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum NumberField {
    #[serde(rename = "order.subtotal_minor")]
    OrderSubtotal,
    #[serde(rename = "member.days_since_last_order")]
    DaysSinceLastOrder,
    #[serde(rename = "member.days_since_signup")]
    DaysSinceSignup,
    /// 1 = Monday, in the program's time zone.
    #[serde(rename = "event.weekday")]
    Weekday,
    /// The hour on the shop's clock, 0 to 23.
    #[serde(rename = "event.hour")]
    Hour,
    /// Whole years since signup on the local date of its anniversary,
    /// else 0.
    #[serde(rename = "member.signup_anniversary")]
    SignupAnniversary,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NumberOp {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    NotIn,
}

/// A test on a text: `in` and `not_in` take a list. In `lines`, only
/// `line.sku` and `line.category`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TextCondition {
    pub field: TextField,
    pub op: TextOp,
    pub value: OneOrMany<Text128>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TextField {
    #[serde(rename = "order.channel")]
    OrderChannel,
    #[serde(rename = "line.sku")]
    LineSku,
    #[serde(rename = "line.category")]
    LineCategory,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TextOp {
    Eq,
    Ne,
    In,
    NotIn,
    Contains,
}

/// A test on one order line, in a rule's `lines`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LineCondition {
    pub field: LineField,
    pub op: TextOp,
    pub value: OneOrMany<Text128>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum LineField {
    #[serde(rename = "line.sku")]
    LineSku,
    #[serde(rename = "line.category")]
    LineCategory,
}

/// Whether this is the member's first order, or the event falls on the
/// member's birthday (on the shop's clock; 29 February on the 28th in a
/// common year).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FlagCondition {
    pub field: FlagField,
    pub op: FlagOp,
    pub value: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum FlagField {
    #[serde(rename = "order.first")]
    OrderFirst,
    #[serde(rename = "member.birthday_today")]
    BirthdayToday,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FlagOp {
    Eq,
    Ne,
}

/// The member's tags: `contains` one tag, or `not_in` (none of) a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TagsCondition {
    pub field: TagsField,
    pub op: TagsOp,
    pub value: OneOrMany<Text128>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TagsField {
    #[serde(rename = "member.tags")]
    MemberTags,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TagsOp {
    Contains,
    NotIn,
}

/// The member's tier, compared by rank (`gte` `silver`: silver and above);
/// the value names a level of `tiers`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TierCondition {
    pub field: TierField,
    pub op: NumberOp,
    pub value: OneOrMany<Id>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TierField {
    #[serde(rename = "member.tier")]
    MemberTier,
}

/// One value, or a list of 1 to 1000 for `in` and `not_in`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "{T}OrList"))]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(#[cfg_attr(feature = "schema", schemars(length(max = 1000)))] Vec<T>),
}

/// Text of 1 to 128 characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct Text128(
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 128)))] pub String,
);

/// When a rule applies, by the event's `occurred_at`: `from` inclusive,
/// `until` exclusive (after `from`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Active {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Moment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Moment>,
}

/// An instant (RFC 3339 with its offset: `2026-12-01T00:00:00Z`), or a time
/// on the shop's clock in the program's `time_zone`: a date
/// (`2026-12-01`, from its first instant) or a date and time
/// (`2026-12-01T09:00`, seconds optional).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Moment(pub String);

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Moment {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Moment".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An RFC 3339 instant, or a local date (YYYY-MM-DD) or date and time (YYYY-MM-DDTHH:MM[:SS]) on the shop's clock (the program's time_zone).",
            "type": "string",
            "anyOf": [
                {"format": "date-time"},
                {"pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"}
            ],
            "examples": ["2026-12-01", "2026-12-01T09:00", "2026-12-01T00:00:00Z"],
        })
    }
}

/// How often a rule may award one member, per calendar period of the
/// shop's time zone (weeks from Monday).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Limit {
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 1_000_000)))]
    pub count: i64,
    pub per: crate::program::Period,
}

/// Levels a member climbs by a metric within a window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Tiers {
    pub metric: crate::program::Metric,
    /// Default `lifetime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    /// In rank order, thresholds rising (paid levels aside).
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 50)))]
    pub levels: Vec<Level>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Window {
    Lifetime,
    CalendarYear,
    /// The last `days` days, (t - days, t].
    RollingDays {
        #[cfg_attr(feature = "schema", schemars(range(min = 1, max = MAX_DAYS)))]
        days: i64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend("allOf" = [
    {"if": {"not": {"required": ["paid"], "properties": {"paid": {"const": true}}}},
     "then": {"properties": {"price_minor": false, "join_url": false}}},
    {"if": {"required": ["paid"], "properties": {"paid": {"const": true}}},
     "then": {"properties": {"grace_days": false}}}
])))]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub id: Id,
    pub name: Localized,
    /// The metric's figure that reaches this level (required unless paid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_AMOUNT)))]
    pub threshold: Option<i64>,
    /// Applied to the member's earnings at this level; default 10000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = MAX_BP)))]
    pub earn_multiplier_bp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = 20)))]
    pub benefits: Option<Vec<Localized>>,
    /// Held only through a paid membership, never through the metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<bool>,
    /// Levels held by the metric: how many days a member keeps the level
    /// after the metric falls below its threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = MAX_DAYS)))]
    pub grace_days: Option<i64>,
    /// Paid levels: what the membership costs (minor units of the
    /// program's currency) and the page where a shopper joins, both shown
    /// in the panel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_AMOUNT)))]
    pub price_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(regex(pattern = crate::program::LINK_PATTERN), length(max = 2000)))]
    pub join_url: Option<String>,
}

/// A reward bought with points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
// serde cannot refuse unknown fields beside a flattened member; the
// schema does (and the parser).
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct Reward {
    pub id: Id,
    pub name: Localized,
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_POINTS)))]
    pub cost_points: i64,
    #[serde(flatten)]
    pub benefit: Benefit,
    /// The lowest tier that may redeem it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_tier: Option<Id>,
    /// Codes expire this many days after issue; without it they do not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = MAX_DAYS)))]
    pub valid_days: Option<i64>,
}

/// What a code is worth at checkout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Benefit {
    AmountOff {
        #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_AMOUNT)))]
        amount_minor: i64,
    },
    PercentOff {
        #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 100)))]
        percent: i64,
    },
    FreeShipping,
    FreeProduct {
        #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 128)))]
        sku: String,
    },
    StoreCredit {
        #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_AMOUNT)))]
        amount_minor: i64,
    },
    Donation {
        #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 500)))]
        cause: String,
        #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_AMOUNT)))]
        amount_minor: i64,
    },
}

/// A reward given by a referral rather than bought.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
// serde cannot refuse unknown fields beside a flattened member; the
// schema does (and the parser).
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
pub struct Gift {
    #[serde(flatten)]
    pub benefit: Benefit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = MAX_DAYS)))]
    pub valid_days: Option<i64>,
}

/// Refer-a-friend: the referrer earns `referrer_points` or
/// `referrer_reward` (one of the two) when a friend's first qualifying
/// order is paid; the friend gets `referee_reward`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend("oneOf" = [
    {"required": ["referrer_points"], "properties": {"referrer_points": {"type": "integer"}}},
    {"required": ["referrer_reward"], "properties": {"referrer_reward": {"type": "object"}}}
])))]
#[serde(deny_unknown_fields)]
pub struct Referral {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_POINTS)))]
    pub referrer_points: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer_reward: Option<Gift>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referee_reward: Option<Gift>,
    /// The friend's order must reach this subtotal; default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_AMOUNT)))]
    pub min_order_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = 1_000_000)))]
    pub max_rewarded_per_referrer: Option<i64>,
}

/// Won after `count` matching events; pays `bonus_points` once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Badge {
    pub id: Id,
    pub name: Localized,
    /// What earns it (`count` times); without it, only a challenge whose
    /// reward names it gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<EventName>,
    /// Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 1_000_000)))]
    pub count: Option<i64>,
    /// Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_POINTS)))]
    pub bonus_points: Option<i64>,
}

/// A goal to reach in a period: `count` events, or `spend_minor` of
/// eligible spend (`order_paid` only; `lines` say which lines count, else
/// the subtotal). Repeats each `per` period of the shop's zone within
/// `active`, or runs once over `active`. The reward is given once a period
/// when the goal is reached, and taken back if a refund before the period
/// ends takes the member below it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend("allOf" = [
    {
        "if": {"required": ["goal"], "properties": {"goal": {"required": ["spend_minor"]}}},
        "then": {"properties": {"event": {"const": "order_paid"}}}
    },
    {
        "if": {"required": ["goal"], "properties": {"goal": {"required": ["count"]}}},
        "then": {"properties": {"lines": {"maxItems": 0}}}
    }
])))]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    pub id: Id,
    pub name: Localized,
    pub event: EventName,
    pub goal: ChallengeGoal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(length(max = 50)))]
    pub lines: Option<Vec<LineCondition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<Active>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<crate::program::Period>,
    pub reward: ChallengeReward,
}

/// A count of events, or an amount of spend in minor units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChallengeGoal {
    Count { count: i64 },
    Spend { spend_minor: i64 },
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for ChallengeGoal {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ChallengeGoal".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Either `count` events or `spend_minor` of eligible spend.",
            "oneOf": [
                {"type": "object", "required": ["count"], "additionalProperties": false,
                 "properties": {"count": {"type": "integer", "minimum": 1, "maximum": 1_000_000}}},
                {"type": "object", "required": ["spend_minor"], "additionalProperties": false,
                 "properties": {"spend_minor": {"type": "integer", "minimum": 1, "maximum": MAX_AMOUNT}}}
            ],
            "examples": [{"count": 3}, {"spend_minor": 20000}],
        })
    }
}

/// Points, a badge of the program, or both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend("anyOf" = [
    {"required": ["badge"]},
    {"required": ["points"], "properties": {"points": {"minimum": 1}}}
])))]
#[serde(deny_unknown_fields)]
pub struct ChallengeReward {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = MAX_POINTS)))]
    pub points: Option<i64>,
    /// The id of a badge of this program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge: Option<Id>,
}

/// Points lapse after this many days without an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Expiry {
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = MAX_DAYS)))]
    pub inactivity_days: i64,
    /// How many days before the balance expires the shop's subscribed
    /// systems are told (`points_expiring`); fewer than `inactivity_days`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schemars(range(min = 1, max = crate::program::MAX_WARNING_DAYS))
    )]
    pub warning_days: Option<i64>,
}

/// B2B: members sharing an `account_id` earn, redeem and climb as one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Accounts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pooling: Option<bool>,
}

/// A small program a merchant can start from (the API document's example).
#[cfg(feature = "schema")]
pub fn example_program() -> serde_json::Value {
    serde_json::json!({
        "currency": "USD",
        "shop_url": "https://shop.example",
        "points_label": {"en": "points", "ar": "نقاط", "ru": "баллы"},
        "earn_rules": [
            {"id": "base", "event": "order_paid",
             "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}},
            {"id": "signup", "event": "signup", "effect": {"kind": "fixed", "points": 100},
             "limit": {"count": 1, "per": "lifetime"}}
        ],
        "tiers": {"metric": "spend", "window": {"kind": "rolling_days", "days": 365},
                  "levels": [
                      {"id": "bronze", "name": {"en": "Bronze"}, "threshold": 0},
                      {"id": "silver", "name": {"en": "Silver"}, "threshold": 50000,
                       "earn_multiplier_bp": 12500}
                  ]},
        "rewards": [
            {"id": "five-off", "name": {"en": "$5 off"}, "cost_points": 500,
             "kind": "amount_off", "amount_minor": 500}
        ],
        "referral": {"referrer_points": 500,
                     "referee_reward": {"kind": "amount_off", "amount_minor": 1000}},
        "expiry": {"inactivity_days": 365}
    })
}
