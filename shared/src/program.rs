//! The program document (contract section 2): its types and its parser.
//!
//! [`Program::parse`] is the only way to get a `Program`: it refuses unknown
//! fields and out-of-bounds figures and reports every problem with its path.
//! Everything past it can rely on the bounds of contract section 1, which
//! keep the award arithmetic inside `i128` intermediates and `i64` results.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::challenge::{Challenge, Goal};
use crate::condition::{Condition, Scope};
use crate::event::EventKind;
use crate::id::Id;
use crate::json::{Check, Path, Problem, optional};
use crate::zone::{UtcOnly, Zone, Zones};

/// Largest basis-point figure (100x).
pub const MAX_BP: i64 = 1_000_000;
/// Largest points per rule, reward cost or bonus.
pub const MAX_POINTS: i64 = 1_000_000_000;
/// Largest money amount in minor units.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;
pub const MAX_EARN_RULES: usize = 200;
pub const MAX_TIERS: usize = 50;
pub const MAX_REWARDS: usize = 200;
pub const MAX_BADGES: usize = 100;
pub const MAX_CHALLENGES: usize = 50;
/// Longest duration in days (100 years).
pub const MAX_DAYS: i64 = 36_500;
/// The longest a guest's order is held for a signup: a year.
pub const MAX_GUEST_DAYS: i64 = 366;
const MAX_TEXT: usize = 500;
const MAX_CONDITIONS: usize = 50;
const MAX_LOCALES: usize = 50;

/// Text in several languages, keyed by locale (`en`, `ar`, `ru`, `pt-BR`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Localized(pub BTreeMap<String, String>);

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Localized {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Localized".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Text by locale: 1 to 50 language tags, each text 1 to 500 characters.",
            "type": "object",
            "minProperties": 1,
            "maxProperties": MAX_LOCALES,
            "propertyNames": {"pattern": LOCALE_PATTERN, "maxLength": 35},
            "additionalProperties": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT},
            "examples": [{"en": "Gold", "ar": "ذهبي", "ru": "Золото"}],
        })
    }
}

/// A language tag as the parser takes it (`en`, `pt-BR`), for the schema.
pub const LOCALE_PATTERN: &str = "^[A-Za-z]{2}[A-Za-z0-9]{0,6}(-[A-Za-z0-9]{1,8})*$";

impl Localized {
    /// The text for `locale`, falling back to its language, then to
    /// `fallback` (the program's default locale), then English, then any.
    pub fn pick(&self, locale: &str, fallback: &str) -> &str {
        let language = locale.split(['-', '_']).next().unwrap_or(locale);
        [locale, language, fallback, "en"]
            .iter()
            .find_map(|key| self.0.get(*key))
            .or_else(|| self.0.values().next())
            .map_or("", String::as_str)
    }
}

/// Which events a rule or badge listens to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventMatch {
    Kind(EventKind),
    /// `custom:<action>`: a `custom` event with that `action`.
    Custom(Id),
}

impl EventMatch {
    pub fn name(&self) -> String {
        match self {
            EventMatch::Kind(kind) => kind.name().to_owned(),
            EventMatch::Custom(action) => format!("custom:{action}"),
        }
    }
}

/// What a rule gives when it matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// `floor(eligible_minor / per_minor) * points`.
    PerAmount {
        points: i64,
        per_minor: i64,
    },
    Fixed {
        points: i64,
    },
    /// Boosts the `per_amount` points of the same event.
    Multiplier {
        bp: i64,
    },
    /// A free code for `reward` (an index into `Program::rewards`).
    IssueReward {
        reward: usize,
        valid_days: Option<i64>,
    },
    /// Store credit of `floor(eligible_minor * bp / 10000)` minor units.
    Cashback {
        bp: i64,
    },
}

/// When a rule applies: `from` inclusive, `until` exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Active {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Active {
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from.is_none_or(|from| at >= from) && self.until.is_none_or(|until| at < until)
    }
}

/// A calendar period of the shop's zone (weeks start on Monday; quarters
/// on 1 January, April, July and October).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Lifetime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub count: u32,
    pub per: Period,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EarnRule {
    pub id: Id,
    pub name: Option<Localized>,
    pub event: EventMatch,
    pub effect: Effect,
    pub when: Vec<Condition>,
    pub lines: Vec<Condition>,
    pub active: Active,
    pub limit: Option<Limit>,
}

/// `spend` (net paid minor units), `points` (points earned) or `orders`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Spend,
    Points,
    Orders,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    Lifetime,
    CalendarYear,
    RollingDays(i64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Level {
    pub id: Id,
    pub name: Localized,
    pub threshold: i64,
    pub earn_multiplier_bp: i64,
    pub benefits: Vec<Localized>,
    /// Held only through a paid membership, never through the metric.
    pub paid: bool,
    /// Kept this many days after the metric falls below the threshold.
    pub grace_days: Option<i64>,
    /// A paid level's price (minor units) and where to join, to show.
    pub price_minor: Option<i64>,
    pub join_url: Option<String>,
    /// `tier:<id>`, the name of its award line.
    pub line: Arc<str>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tiers {
    pub metric: Metric,
    pub window: Window,
    /// In rank order: a later level is a higher tier.
    pub levels: Vec<Level>,
}

impl Tiers {
    pub fn rank_of(&self, id: &str) -> Option<usize> {
        self.levels.iter().position(|level| level.id.as_str() == id)
    }
}

/// What a reward code is worth at checkout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Benefit {
    AmountOff { amount_minor: i64 },
    PercentOff { percent: i64 },
    FreeShipping,
    FreeProduct { sku: String },
    StoreCredit { amount_minor: i64 },
    Donation { cause: String, amount_minor: i64 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reward {
    pub id: Id,
    pub name: Localized,
    pub cost_points: i64,
    pub benefit: Benefit,
    /// The lowest tier rank that may redeem it.
    pub min_tier: Option<usize>,
    pub valid_days: Option<i64>,
}

/// A reward given by a referral rather than bought with points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GiftReward {
    pub benefit: Benefit,
    pub valid_days: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReferrerPrize {
    Points(i64),
    Reward(GiftReward),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Referral {
    pub referrer: ReferrerPrize,
    pub referee_reward: Option<GiftReward>,
    pub min_order_minor: i64,
    pub max_rewarded_per_referrer: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Badge {
    pub id: Id,
    pub name: Localized,
    /// `None`: given only with a challenge's reward.
    pub event: Option<EventMatch>,
    pub count: u32,
    pub bonus_points: i64,
    /// `badge:<id>`, the name of its award line.
    pub line: Arc<str>,
}

/// Links shown in the panel: join and sign-in to guests, terms to everyone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Links {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(regex(pattern = LINK_PATTERN), length(max = 2000)))]
    pub join: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(regex(pattern = LINK_PATTERN), length(max = 2000)))]
    pub sign_in: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(regex(pattern = LINK_PATTERN), length(max = 2000)))]
    pub terms: Option<String>,
}

/// A validated program. Build one with [`Program::parse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    /// Set by the store when the program is saved; 0 for a draft.
    pub version: u64,
    pub name: Option<Localized>,
    pub currency: String,
    pub shop_url: String,
    pub allowed_origins: Vec<String>,
    pub links: Links,
    pub default_locale: String,
    pub points_label: Localized,
    pub earn_rules: Vec<EarnRule>,
    pub tiers: Option<Tiers>,
    pub rewards: Vec<Reward>,
    pub referral: Option<Referral>,
    pub badges: Vec<Badge>,
    pub challenges: Vec<Challenge>,
    pub inactivity_days: Option<i64>,
    /// How many days before the balance expires the shop's systems are
    /// told (`points_expiring`): `expiry.warning_days`.
    pub expiry_warning_days: Option<i64>,
    pub pending_days: i64,
    /// How long a guest's order (an email hash, no member id) is held for
    /// a signup with the same email hash (`guest_days`); 0: not held.
    pub guest_days: i64,
    pub pooling: bool,
    /// Rates for orders paid in other currencies (`exchange_rates`).
    pub exchange_rates: Option<crate::exchange::Rates>,
    /// The shop's zone (`time_zone`, default UTC): every calendar notion
    /// (limits' periods, weekday and hour conditions, calendar-year tier
    /// windows, rule windows written as local times, birthdays) follows it.
    pub zone: Zone,
}

impl Program {
    /// Where a referral link lands: the storefront with `ref=<code>` added
    /// (after `?`, or `&` when it has a query already), as the worker's
    /// `/r/{shop}/{code}` redirects.
    pub fn referral_url(&self, code: &str) -> String {
        let separator = if self.shop_url.contains('?') {
            '&'
        } else {
            '?'
        };
        let code: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
        format!("{}{separator}ref={code}", self.shop_url)
    }

    /// Parses and validates a program document, reporting every problem;
    /// it may name no `time_zone` but UTC (see [`Program::parse_in`]).
    pub fn parse(text: &str) -> Result<Self, Vec<Problem>> {
        Self::parse_in(text, &UtcOnly)
    }

    /// Parses a program whose `time_zone` is looked up in `zones`.
    pub fn parse_in(text: &str, zones: &dyn Zones) -> Result<Self, Vec<Problem>> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            vec![Problem {
                path: "$".into(),
                message: format!("is not valid JSON: {e}"),
            }]
        })?;
        Self::from_value_in(&value, zones)
    }

    pub fn from_value(value: &Value) -> Result<Self, Vec<Problem>> {
        Self::from_value_in(value, &UtcOnly)
    }

    pub fn from_value_in(value: &Value, zones: &dyn Zones) -> Result<Self, Vec<Problem>> {
        let mut check = Check::default();
        let program = read_program(&mut check, value, zones);
        check.finish(program)
    }

    pub fn reward(&self, id: &str) -> Option<&Reward> {
        self.rewards.iter().find(|reward| reward.id.as_str() == id)
    }

    pub fn level(&self, rank: usize) -> Option<&Level> {
        self.tiers.as_ref().and_then(|tiers| tiers.levels.get(rank))
    }

    /// Whether `id` names a level held only through a paid membership.
    pub fn is_paid_level(&self, id: &str) -> bool {
        self.tiers
            .as_ref()
            .and_then(|tiers| tiers.levels.iter().find(|l| l.id.as_str() == id))
            .is_some_and(|level| level.paid)
    }
}

const PROGRAM_FIELDS: &[&str] = &[
    "name",
    "currency",
    "shop_url",
    "allowed_origins",
    "links",
    "default_locale",
    "points_label",
    "earn_rules",
    "tiers",
    "rewards",
    "referral",
    "badges",
    "challenges",
    "expiry",
    "pending_days",
    "accounts",
    "time_zone",
    "exchange_rates",
    "guest_days",
];

fn read_program(check: &mut Check, value: &Value, zones: &dyn Zones) -> Option<Program> {
    let root = Path::Root;
    let map = check.object(value, root, PROGRAM_FIELDS)?;

    // The zone comes first: rule windows may be written as local times.
    let zone = match optional(map, "time_zone") {
        Some(v) => read_zone(check, v, root.key("time_zone"), zones),
        None => Some(Zone::utc()),
    };

    let currency = check
        .required(map, root, "currency")
        .and_then(|v| read_currency(check, v, root.key("currency")));
    let shop_url = check
        .required(map, root, "shop_url")
        .and_then(|v| read_shop_url(check, v, root.key("shop_url")));
    let allowed_origins = match optional(map, "allowed_origins") {
        Some(_) => check.list(map, root, "allowed_origins", 50, read_origin),
        None => shop_url
            .as_deref()
            .and_then(origin_of)
            .into_iter()
            .collect(),
    };
    let links = optional(map, "links")
        .map(|v| read_links(check, v, root.key("links")))
        .unwrap_or_default();
    let default_locale = match optional(map, "default_locale") {
        Some(v) => read_locale(check, v, root.key("default_locale")),
        None => Some("en".to_owned()),
    };
    let name = optional(map, "name").and_then(|v| read_localized(check, v, root.key("name")));
    let points_label = match optional(map, "points_label") {
        Some(v) => read_localized(check, v, root.key("points_label")),
        None => Some(Localized(BTreeMap::from([("en".into(), "points".into())]))),
    };

    // Tiers and rewards come first: rules and rewards refer to them.
    let tiers = optional(map, "tiers").and_then(|v| read_tiers(check, v, root.key("tiers")));
    let rewards = read_rewards(check, map, tiers.as_ref());
    let earn_rules = read_earn_rules(
        check,
        map,
        tiers.as_ref(),
        &rewards,
        zone.as_ref().unwrap_or(&Zone::utc()),
    );
    let badges = read_badges(check, map);
    let challenges = read_challenges(check, map, &badges, zone.as_ref().unwrap_or(&Zone::utc()));
    let referral =
        optional(map, "referral").and_then(|v| read_referral(check, v, root.key("referral")));
    let mut expiry_warning_days = None;
    let inactivity_days = optional(map, "expiry").and_then(|v| {
        let path = root.key("expiry");
        let expiry = check.object(v, path, &["inactivity_days", "warning_days"])?;
        let days = check.required(expiry, path, "inactivity_days")?;
        let days = check.int(days, path.key("inactivity_days"), 1, MAX_DAYS)?;
        if let Some(warning) = optional(expiry, "warning_days") {
            let at = path.key("warning_days");
            expiry_warning_days = check.int(warning, at, 1, MAX_WARNING_DAYS);
            if expiry_warning_days.is_some_and(|w| w >= days) {
                check.report(at, "must be fewer days than inactivity_days");
            }
        }
        Some(days)
    });
    let pending_days = match optional(map, "pending_days") {
        Some(v) => check.int(v, root.key("pending_days"), 0, MAX_DAYS),
        None => Some(0),
    };
    let guest_days = match optional(map, "guest_days") {
        Some(v) => check.int(v, root.key("guest_days"), 0, MAX_GUEST_DAYS),
        None => Some(0),
    };
    let pooling = match optional(map, "accounts") {
        Some(v) => {
            let path = root.key("accounts");
            check.object(v, path, &["pooling"]).and_then(|accounts| {
                optional(accounts, "pooling")
                    .map_or(Some(false), |p| check.boolean(p, path.key("pooling")))
            })
        }
        None => Some(false),
    };

    let exchange_rates = optional(map, "exchange_rates")
        .and_then(|v| read_rates(check, v, root.key("exchange_rates"), currency.as_deref()));

    Some(Program {
        version: 0,
        exchange_rates,
        zone: zone?,
        name,
        currency: currency?,
        shop_url: shop_url?,
        allowed_origins,
        links,
        default_locale: default_locale?,
        points_label: points_label?,
        earn_rules,
        tiers,
        rewards,
        referral,
        badges,
        challenges,
        inactivity_days,
        expiry_warning_days,
        pending_days: pending_days?,
        guest_days: guest_days?,
        pooling: pooling?,
    })
}

/// The most days ahead a `points_expiring` warning may come.
pub const MAX_WARNING_DAYS: i64 = 90;

/// The largest `scale` and rate: a rate of an amount up to 10^15 stays
/// within 128-bit arithmetic, and 10^12 is finer than any market quotes.
pub const MAX_RATE: i64 = 1_000_000_000_000;

fn read_rates(
    check: &mut Check,
    value: &Value,
    path: Path<'_>,
    own: Option<&str>,
) -> Option<crate::exchange::Rates> {
    let map = check.object(value, path, &["scale", "rates"])?;
    let scale = check
        .required(map, path, "scale")
        .and_then(|v| check.int(v, path.key("scale"), 1, MAX_RATE));
    let rates_path = path.key("rates");
    let rates = check
        .required(map, path, "rates")
        .and_then(|v| match v.as_object() {
            Some(entries) => Some(entries),
            None => {
                check.report(rates_path, "must be an object");
                None
            }
        });
    let mut out = BTreeMap::new();
    if let Some(entries) = rates {
        if entries.len() > 200 {
            check.report(rates_path, "must hold at most 200 currencies");
        }
        for (code, rate) in entries {
            let at = rates_path.key(code);
            if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                check.report(
                    at,
                    "must be named by an ISO 4217 currency code such as \"EUR\"",
                );
                continue;
            }
            if Some(code.as_str()) == own {
                check.report(at, "is the program's own currency");
                continue;
            }
            if let Some(rate) = check.int(rate, at, 1, MAX_RATE) {
                out.insert(code.clone(), rate);
            }
        }
    }
    Some(crate::exchange::Rates {
        scale: scale?,
        rates: out,
    })
}

fn read_zone(check: &mut Check, value: &Value, path: Path<'_>, zones: &dyn Zones) -> Option<Zone> {
    let name = check.string(value, path, 64)?;
    let zone = zones.zone(name);
    if zone.is_none() {
        check.report(
            path,
            "is not a time zone of the IANA database (such as `Asia/Riyadh` or `UTC`)",
        );
    }
    zone
}

fn read_currency(check: &mut Check, value: &Value, path: Path<'_>) -> Option<String> {
    match value.as_str() {
        Some(code) if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) => {
            Some(code.to_owned())
        }
        _ => {
            check.report(path, "must be an ISO 4217 currency code such as \"USD\"");
            None
        }
    }
}

fn read_url(check: &mut Check, value: &Value, path: Path<'_>) -> Option<String> {
    read_url_with(check, value, path, true)
}

/// `shop_url`: the referral redirect appends `?ref=` (or `&ref=`) to it, so
/// it may not end in a fragment.
fn read_shop_url(check: &mut Check, value: &Value, path: Path<'_>) -> Option<String> {
    read_url_with(check, value, path, false)
}

fn read_url_with(
    check: &mut Check,
    value: &Value,
    path: Path<'_>,
    fragment: bool,
) -> Option<String> {
    let text = check.string(value, path, 2000)?;
    match url_problem(text, fragment) {
        None => Some(text.to_owned()),
        Some(problem) => {
            check.report(path, problem);
            None
        }
    }
}

/// Why `url` cannot be sent as a link or a redirect's `Location`, if it
/// cannot: it must be an absolute http(s) URL of printable ASCII without
/// spaces or the characters URLs never hold raw, with a port (if any) of
/// digits up to 65535, and without a fragment unless `fragment`.
pub fn url_problem(url: &str, fragment: bool) -> Option<&'static str> {
    if origin_of(url).is_none() {
        return Some("must be an http(s) URL");
    }
    let raw = |c: char| !c.is_ascii_graphic() || "\"<>\\^`{|}".contains(c);
    if url.contains(raw) {
        return Some(
            "must be written with printable ASCII only (percent-encode spaces and other characters)",
        );
    }
    if !fragment && url.contains('#') {
        return Some("must not hold a fragment (#...): the referral redirect adds ?ref= to it");
    }
    let rest = url.split_once("://").map_or("", |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if let Some((_, port)) = host.rsplit_once(':').filter(|_| !host.ends_with(']'))
        && !(port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65_535).contains(&p)))
    {
        return Some("must have a port from 1 to 65535, if any");
    }
    None
}

/// The URLs [`url_problem`] lets through, as JSON Schema patterns (for the
/// API description): a link, a `shop_url` (no fragment), an origin.
pub const LINK_PATTERN: &str = concat!(
    r"^https?://[!$-.0-9;=A-Z\[\]_a-z~]+",
    r"(:0*(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?",
    r"([/?#][!#-;=?-\[\]_a-z~]*)?$"
);
pub const SHOP_URL_PATTERN: &str = concat!(
    r"^https?://[!$-.0-9;=A-Z\[\]_a-z~]+",
    r"(:0*(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?",
    r"([/?][!$-;=?-\[\]_a-z~]*)?$"
);
pub const ORIGIN_PATTERN: &str = r"^https?://[!$-.0-9;=A-Z\[\]_a-z~:]+$";

/// `https://shop.example/a/b` -> `https://shop.example`.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let bad = |c: char| c.is_whitespace() || c == '@' || c == '\\';
    if host.is_empty() || host.contains(bad) {
        return None;
    }
    Some(format!("{scheme}://{}", host.to_ascii_lowercase()))
}

fn read_origin(check: &mut Check, value: &Value, path: Path<'_>) -> Option<String> {
    let text = check.string(value, path, 2000)?;
    match origin_of(text) {
        Some(origin) if origin.len() == text.len() => Some(origin),
        _ => {
            check.report(
                path,
                "must be an origin such as \"https://shop.example\" (no path)",
            );
            None
        }
    }
}

fn read_links(check: &mut Check, value: &Value, path: Path<'_>) -> Links {
    let Some(map) = check.object(value, path, &["join", "sign_in", "terms"]) else {
        return Links::default();
    };
    let mut link = |key: &str| optional(map, key).and_then(|v| read_url(check, v, path.key(key)));
    Links {
        join: link("join"),
        sign_in: link("sign_in"),
        terms: link("terms"),
    }
}

fn read_locale(check: &mut Check, value: &Value, path: Path<'_>) -> Option<String> {
    match value.as_str() {
        Some(tag) if is_locale(tag) => Some(tag.to_owned()),
        _ => {
            check.report(path, "must be a language tag such as \"en\" or \"pt-BR\"");
            None
        }
    }
}

fn is_locale(tag: &str) -> bool {
    (2..=35).contains(&tag.len())
        && tag.split('-').all(|part| {
            (1..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric())
        })
        && tag.bytes().take(2).all(|b| b.is_ascii_alphabetic())
}

/// `{"en": "Gold", "ar": "ذهبي"}`: at least one locale, each text non-empty.
pub(crate) fn read_localized(
    check: &mut Check,
    value: &Value,
    path: Path<'_>,
) -> Option<Localized> {
    let Value::Object(map) = value else {
        check.report(
            path,
            "must be an object of texts by locale, such as {\"en\": \"Gold\"}",
        );
        return None;
    };
    if map.is_empty() || map.len() > MAX_LOCALES {
        check.report(path, format!("must name 1 to {MAX_LOCALES} locales"));
        return None;
    }
    let before = check.problems.len();
    let mut texts = BTreeMap::new();
    for (locale, text) in map {
        let item = path.key(locale);
        if !is_locale(locale) {
            check.report(item, "is not a language tag");
            continue;
        }
        if let Some(text) = check.string(text, item, MAX_TEXT) {
            texts.insert(locale.clone(), text.to_owned());
        }
    }
    (check.problems.len() == before).then_some(Localized(texts))
}

fn read_event_match(check: &mut Check, value: &Value, path: Path<'_>) -> Option<EventMatch> {
    let name = value.as_str().unwrap_or_default();
    if let Some(action) = name.strip_prefix("custom:") {
        return Id::parse(action).ok().map(EventMatch::Custom).or_else(|| {
            check.report(
                path,
                "custom:<action> needs an action made of identifier characters",
            );
            None
        });
    }
    match EventKind::from_name(name) {
        Some(EventKind::Custom) | None => {
            check.report(
                path,
                format!(
                    "must be an event kind ({}) or custom:<action>",
                    EventKind::NAMES.join(", ")
                ),
            );
            None
        }
        Some(kind) => Some(EventMatch::Kind(kind)),
    }
}

fn read_unique_id(
    check: &mut Check,
    map: &Map<String, Value>,
    path: Path<'_>,
    seen: &mut BTreeSet<Id>,
) -> Option<Id> {
    let id = check
        .required(map, path, "id")
        .and_then(|v| check.id(v, path.key("id")))?;
    if !seen.insert(id.clone()) {
        check.report(path.key("id"), format!("`{id}` is used twice"));
        return None;
    }
    Some(id)
}

fn read_days(check: &mut Check, map: &Map<String, Value>, path: Path<'_>) -> Option<Option<i64>> {
    match optional(map, "valid_days") {
        Some(v) => check.int(v, path.key("valid_days"), 1, MAX_DAYS).map(Some),
        None => Some(None),
    }
}

const RULE_FIELDS: &[&str] = &[
    "id", "name", "event", "effect", "when", "lines", "active", "limit",
];

fn read_earn_rules(
    check: &mut Check,
    map: &Map<String, Value>,
    tiers: Option<&Tiers>,
    rewards: &[Reward],
    zone: &Zone,
) -> Vec<EarnRule> {
    let mut seen = BTreeSet::new();
    check.list(
        map,
        Path::Root,
        "earn_rules",
        MAX_EARN_RULES,
        |check, value, path| {
            let rule = check.object(value, path, RULE_FIELDS)?;
            let id = read_unique_id(check, rule, path, &mut seen);
            if let Some(id) = &id
                && (id.as_str().starts_with("tier:") || id.as_str().starts_with("badge:"))
            {
                check.report(path.key("id"), "may not begin with `tier:` or `badge:`");
            }
            let name =
                optional(rule, "name").and_then(|v| read_localized(check, v, path.key("name")));
            let event = check
                .required(rule, path, "event")
                .and_then(|v| read_event_match(check, v, path.key("event")));
            let effect = check
                .required(rule, path, "effect")
                .and_then(|v| read_effect(check, v, path.key("effect"), rewards));
            let when = check.list(rule, path, "when", MAX_CONDITIONS, |check, v, p| {
                Condition::read(check, v, p, Scope::Event, tiers)
            });
            let lines = check.list(rule, path, "lines", MAX_CONDITIONS, |check, v, p| {
                Condition::read(check, v, p, Scope::Line, tiers)
            });
            let order_only = matches!(
                effect,
                Some(Effect::PerAmount { .. } | Effect::Cashback { .. })
            );
            if order_only
                && event
                    .as_ref()
                    .is_some_and(|e| *e != EventMatch::Kind(EventKind::OrderPaid))
            {
                check.report(
                    path.key("event"),
                    "per_amount and cashback rules apply to order_paid only",
                );
            }
            if !lines.is_empty() && !matches!(effect, Some(Effect::PerAmount { .. })) {
                check.report(path.key("lines"), "is allowed on per_amount rules only");
            }
            let active = optional(rule, "active")
                .map(|v| read_active(check, v, path.key("active"), zone))
                .unwrap_or_default();
            let limit =
                optional(rule, "limit").and_then(|v| read_limit(check, v, path.key("limit")));
            Some(EarnRule {
                id: id?,
                name,
                event: event?,
                effect: effect?,
                when,
                lines,
                active,
                limit,
            })
        },
    )
}

fn read_effect(
    check: &mut Check,
    value: &Value,
    path: Path<'_>,
    rewards: &[Reward],
) -> Option<Effect> {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let fields: &[&str] = match kind {
        "per_amount" => &["kind", "points", "per_minor"],
        "fixed" => &["kind", "points"],
        "multiplier" | "cashback" => &["kind", "bp"],
        "issue_reward" => &["kind", "reward", "valid_days"],
        _ => {
            check.report(
                path.key("kind"),
                "must be per_amount, fixed, multiplier, issue_reward or cashback",
            );
            return None;
        }
    };
    let map = check.object(value, path, fields)?;
    let int = |check: &mut Check, key: &str, min: i64, max: i64| {
        check
            .required(map, path, key)
            .and_then(|v| check.int(v, path.key(key), min, max))
    };
    match kind {
        "per_amount" => {
            let points = int(check, "points", 0, MAX_POINTS);
            let per_minor = int(check, "per_minor", 1, MAX_AMOUNT);
            Some(Effect::PerAmount {
                points: points?,
                per_minor: per_minor?,
            })
        }
        "fixed" => Some(Effect::Fixed {
            points: int(check, "points", 0, MAX_POINTS)?,
        }),
        "multiplier" => Some(Effect::Multiplier {
            bp: int(check, "bp", 1, MAX_BP)?,
        }),
        "cashback" => Some(Effect::Cashback {
            bp: int(check, "bp", 1, MAX_BP)?,
        }),
        _ => {
            let reward = check.required(map, path, "reward").and_then(|v| {
                let id = check.id(v, path.key("reward"))?;
                let found = rewards.iter().position(|r| r.id == id);
                if found.is_none() {
                    check.report(path.key("reward"), format!("no reward has the id `{id}`"));
                }
                found
            });
            let valid_days = read_days(check, map, path);
            Some(Effect::IssueReward {
                reward: reward?,
                valid_days: valid_days?,
            })
        }
    }
}

fn read_active(check: &mut Check, value: &Value, path: Path<'_>, zone: &Zone) -> Active {
    let Some(map) = check.object(value, path, &["from", "until"]) else {
        return Active::default();
    };
    let from = optional(map, "from").and_then(|v| read_moment(check, v, path.key("from"), zone));
    let until = optional(map, "until").and_then(|v| read_moment(check, v, path.key("until"), zone));
    if let (Some(from), Some(until)) = (from, until)
        && from >= until
    {
        check.report(path.key("until"), "must be after `from`");
    }
    Active { from, until }
}

/// An instant (RFC 3339, with its offset), or a time on the shop's clock:
/// a local date (`2026-12-01`, its first instant) or a local date and time
/// (`2026-12-01T09:00`, seconds optional), read in `zone`.
fn read_moment(
    check: &mut Check,
    value: &Value,
    path: Path<'_>,
    zone: &Zone,
) -> Option<DateTime<Utc>> {
    let text = value.as_str();
    let instant = text.and_then(|t| DateTime::parse_from_rfc3339(t).ok());
    if let Some(instant) = instant {
        return Some(instant.with_timezone(&Utc));
    }
    let local = text.and_then(|t| {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .or_else(|| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").ok())
            .or_else(|| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M").ok())
    });
    if local.is_none() {
        check.report(
            path,
            "must be an RFC 3339 timestamp, or a date (YYYY-MM-DD) or date and time \
             (YYYY-MM-DDTHH:MM) on the shop's clock",
        );
    }
    local.map(|l| zone.first_instant(l))
}

/// A calendar period of the shop's zone, or `lifetime`.
pub(crate) fn read_period(check: &mut Check, value: &Value, path: Path<'_>) -> Option<Period> {
    let per = match value.as_str() {
        Some("day") => Period::Day,
        Some("week") => Period::Week,
        Some("month") => Period::Month,
        Some("quarter") => Period::Quarter,
        Some("year") => Period::Year,
        Some("lifetime") => Period::Lifetime,
        _ => {
            check.report(path, "must be day, week, month, quarter, year or lifetime");
            return None;
        }
    };
    Some(per)
}

fn read_limit(check: &mut Check, value: &Value, path: Path<'_>) -> Option<Limit> {
    let map = check.object(value, path, &["count", "per"])?;
    let count = check
        .required(map, path, "count")
        .and_then(|v| check.int(v, path.key("count"), 1, 1_000_000));
    let per = check
        .required(map, path, "per")
        .and_then(|v| read_period(check, v, path.key("per")));
    Some(Limit {
        count: u32::try_from(count?).ok()?,
        per: per?,
    })
}

const TIERS_FIELDS: &[&str] = &["metric", "window", "levels"];
const LEVEL_FIELDS: &[&str] = &[
    "id",
    "name",
    "threshold",
    "earn_multiplier_bp",
    "benefits",
    "paid",
    "price_minor",
    "join_url",
    "grace_days",
];

fn read_tiers(check: &mut Check, value: &Value, path: Path<'_>) -> Option<Tiers> {
    let map = check.object(value, path, TIERS_FIELDS)?;
    let metric = check
        .required(map, path, "metric")
        .and_then(|v| match v.as_str() {
            Some("spend") => Some(Metric::Spend),
            Some("points") => Some(Metric::Points),
            Some("orders") => Some(Metric::Orders),
            _ => {
                check.report(path.key("metric"), "must be spend, points or orders");
                None
            }
        });
    let window = match optional(map, "window") {
        Some(v) => read_window(check, v, path.key("window")),
        None => Some(Window::Lifetime),
    };
    let mut seen = BTreeSet::new();
    let mut last_threshold: Option<i64> = None;
    let levels = check.list(map, path, "levels", MAX_TIERS, |check, value, path| {
        let level = check.object(value, path, LEVEL_FIELDS)?;
        let id = read_unique_id(check, level, path, &mut seen);
        let name = check
            .required(level, path, "name")
            .and_then(|v| read_localized(check, v, path.key("name")));
        let paid = match optional(level, "paid") {
            Some(v) => check.boolean(v, path.key("paid")),
            None => Some(false),
        };
        let threshold = match optional(level, "threshold") {
            Some(v) => check.int(v, path.key("threshold"), 0, MAX_AMOUNT),
            None if paid == Some(true) => Some(0),
            None => {
                check.report(path.key("threshold"), "is required");
                None
            }
        };
        if let (Some(threshold), Some(false)) = (threshold, paid) {
            if last_threshold.is_some_and(|last| threshold <= last) {
                check.report(
                    path.key("threshold"),
                    "must be above the threshold of the level before it",
                );
            }
            last_threshold = Some(threshold);
        }
        let earn_multiplier_bp = match optional(level, "earn_multiplier_bp") {
            Some(v) => check.int(v, path.key("earn_multiplier_bp"), 1, MAX_BP),
            None => Some(10_000),
        };
        let benefits = check.list(level, path, "benefits", 20, read_localized);
        // What a paid level costs and where to buy it, to show shoppers.
        let price_minor = optional(level, "price_minor")
            .and_then(|v| check.int(v, path.key("price_minor"), 0, MAX_AMOUNT));
        let join_url =
            optional(level, "join_url").and_then(|v| read_url(check, v, path.key("join_url")));
        if paid == Some(false) {
            for key in ["price_minor", "join_url"] {
                if optional(level, key).is_some() {
                    check.report(path.key(key), "belongs to paid levels only");
                }
            }
        }
        let grace_days = optional(level, "grace_days")
            .and_then(|v| check.int(v, path.key("grace_days"), 1, MAX_DAYS));
        if paid == Some(true) && grace_days.is_some() {
            check.report(
                path.key("grace_days"),
                "belongs to levels held by the metric",
            );
        }
        let id = id?;
        Some(Level {
            grace_days,
            price_minor,
            join_url,
            line: Arc::from(format!("tier:{id}")),
            id,
            name: name?,
            threshold: threshold?,
            earn_multiplier_bp: earn_multiplier_bp?,
            benefits,
            paid: paid?,
        })
    });
    if levels.is_empty() && check.problems.is_empty() {
        check.report(path.key("levels"), "must hold at least one level");
    }
    Some(Tiers {
        metric: metric?,
        window: window?,
        levels,
    })
}

fn read_window(check: &mut Check, value: &Value, path: Path<'_>) -> Option<Window> {
    let kind = value.get("kind").and_then(Value::as_str);
    match kind {
        Some("lifetime") => check
            .object(value, path, &["kind"])
            .map(|_| Window::Lifetime),
        Some("calendar_year") => check
            .object(value, path, &["kind"])
            .map(|_| Window::CalendarYear),
        Some("rolling_days") => {
            let map = check.object(value, path, &["kind", "days"])?;
            let days = check.required(map, path, "days")?;
            check
                .int(days, path.key("days"), 1, MAX_DAYS)
                .map(Window::RollingDays)
        }
        _ => {
            check.report(
                path.key("kind"),
                "must be lifetime, calendar_year or rolling_days",
            );
            None
        }
    }
}

const REWARD_FIELDS: &[&str] = &[
    "id",
    "name",
    "cost_points",
    "kind",
    "amount_minor",
    "percent",
    "sku",
    "cause",
    "min_tier",
    "valid_days",
];

fn read_rewards(check: &mut Check, map: &Map<String, Value>, tiers: Option<&Tiers>) -> Vec<Reward> {
    let mut seen = BTreeSet::new();
    check.list(
        map,
        Path::Root,
        "rewards",
        MAX_REWARDS,
        |check, value, path| {
            let reward = check.object(value, path, REWARD_FIELDS)?;
            let id = read_unique_id(check, reward, path, &mut seen);
            let name = check
                .required(reward, path, "name")
                .and_then(|v| read_localized(check, v, path.key("name")));
            let cost_points = check
                .required(reward, path, "cost_points")
                .and_then(|v| check.int(v, path.key("cost_points"), 0, MAX_POINTS));
            let benefit = read_benefit(check, reward, path);
            let min_tier = match optional(reward, "min_tier") {
                Some(v) => {
                    let tier = check.id(v, path.key("min_tier"));
                    let rank = tier.and_then(|t| {
                        let rank = tiers.and_then(|tiers| tiers.rank_of(t.as_str()));
                        if rank.is_none() {
                            check.report(path.key("min_tier"), format!("no tier has the id `{t}`"));
                        }
                        rank
                    });
                    Some(Some(rank?))
                }
                None => Some(None),
            };
            let valid_days = read_days(check, reward, path);
            Some(Reward {
                id: id?,
                name: name?,
                cost_points: cost_points?,
                benefit: benefit?,
                min_tier: min_tier?,
                valid_days: valid_days?,
            })
        },
    )
}

/// The `kind` of a reward and the fields that kind needs (and no others).
fn read_benefit(check: &mut Check, map: &Map<String, Value>, path: Path<'_>) -> Option<Benefit> {
    let kind = check.required(map, path, "kind")?;
    let needs: &[&str] = match kind.as_str() {
        Some("amount_off" | "store_credit") => &["amount_minor"],
        Some("percent_off") => &["percent"],
        Some("free_shipping") => &[],
        Some("free_product") => &["sku"],
        Some("donation") => &["cause", "amount_minor"],
        _ => {
            check.report(
                path.key("kind"),
                "must be amount_off, percent_off, free_shipping, free_product, store_credit or donation",
            );
            return None;
        }
    };
    for key in ["amount_minor", "percent", "sku", "cause"] {
        if optional(map, key).is_some() && !needs.contains(&key) {
            check.report(path.key(key), "does not belong to this kind of reward");
        }
    }
    let mut amount = || {
        check
            .required(map, path, "amount_minor")
            .and_then(|v| check.int(v, path.key("amount_minor"), 0, MAX_AMOUNT))
    };
    match kind.as_str() {
        Some("amount_off") => Some(Benefit::AmountOff {
            amount_minor: amount()?,
        }),
        Some("store_credit") => Some(Benefit::StoreCredit {
            amount_minor: amount()?,
        }),
        Some("percent_off") => {
            let percent = check.required(map, path, "percent")?;
            Some(Benefit::PercentOff {
                percent: check.int(percent, path.key("percent"), 1, 100)?,
            })
        }
        Some("free_product") => {
            let sku = check.required(map, path, "sku")?;
            Some(Benefit::FreeProduct {
                sku: check.string(sku, path.key("sku"), 128)?.to_owned(),
            })
        }
        Some("donation") => {
            let amount_minor = amount();
            let cause = check
                .required(map, path, "cause")
                .and_then(|v| check.string(v, path.key("cause"), MAX_TEXT));
            Some(Benefit::Donation {
                cause: cause?.to_owned(),
                amount_minor: amount_minor?,
            })
        }
        _ => Some(Benefit::FreeShipping),
    }
}

fn read_gift(check: &mut Check, value: &Value, path: Path<'_>) -> Option<GiftReward> {
    let map = check.object(
        value,
        path,
        &[
            "kind",
            "amount_minor",
            "percent",
            "sku",
            "cause",
            "valid_days",
        ],
    )?;
    let benefit = read_benefit(check, map, path);
    let valid_days = read_days(check, map, path);
    Some(GiftReward {
        benefit: benefit?,
        valid_days: valid_days?,
    })
}

const REFERRAL_FIELDS: &[&str] = &[
    "referrer_points",
    "referrer_reward",
    "referee_reward",
    "min_order_minor",
    "max_rewarded_per_referrer",
];

fn read_referral(check: &mut Check, value: &Value, path: Path<'_>) -> Option<Referral> {
    let map = check.object(value, path, REFERRAL_FIELDS)?;
    let referrer = match (
        optional(map, "referrer_points"),
        optional(map, "referrer_reward"),
    ) {
        (Some(points), None) => check
            .int(points, path.key("referrer_points"), 0, MAX_POINTS)
            .map(ReferrerPrize::Points),
        (None, Some(reward)) => {
            read_gift(check, reward, path.key("referrer_reward")).map(ReferrerPrize::Reward)
        }
        (Some(_), Some(_)) => {
            check.report(
                path.key("referrer_reward"),
                "give referrer_points or referrer_reward, not both",
            );
            None
        }
        (None, None) => {
            check.report(
                path.key("referrer_points"),
                "is required (or referrer_reward)",
            );
            None
        }
    };
    let referee_reward =
        optional(map, "referee_reward").map(|v| read_gift(check, v, path.key("referee_reward")));
    let min_order_minor = match optional(map, "min_order_minor") {
        Some(v) => check.int(v, path.key("min_order_minor"), 0, MAX_AMOUNT),
        None => Some(0),
    };
    let max = match optional(map, "max_rewarded_per_referrer") {
        Some(v) => check
            .int(v, path.key("max_rewarded_per_referrer"), 0, 1_000_000)
            .and_then(|n| u32::try_from(n).ok())
            .map(Some),
        None => Some(None),
    };
    Some(Referral {
        referrer: referrer?,
        referee_reward: match referee_reward {
            Some(gift) => Some(gift?),
            None => None,
        },
        min_order_minor: min_order_minor?,
        max_rewarded_per_referrer: max?,
    })
}

const CHALLENGE_FIELDS: &[&str] = &[
    "id", "name", "event", "goal", "lines", "active", "per", "reward",
];

fn read_challenges(
    check: &mut Check,
    map: &Map<String, Value>,
    badges: &[Badge],
    zone: &Zone,
) -> Vec<Challenge> {
    let mut seen = BTreeSet::new();
    check.list(
        map,
        Path::Root,
        "challenges",
        MAX_CHALLENGES,
        |check, value, path| {
            let challenge = check.object(value, path, CHALLENGE_FIELDS)?;
            let id = read_unique_id(check, challenge, path, &mut seen);
            let name = check
                .required(challenge, path, "name")
                .and_then(|v| read_localized(check, v, path.key("name")));
            let event = check
                .required(challenge, path, "event")
                .and_then(|v| read_event_match(check, v, path.key("event")));
            let goal = check
                .required(challenge, path, "goal")
                .and_then(|v| read_goal(check, v, path.key("goal")));
            let lines = check.list(challenge, path, "lines", MAX_CONDITIONS, |check, v, p| {
                Condition::read(check, v, p, Scope::Line, None)
            });
            if matches!(goal, Some(Goal::Spend(_)))
                && event
                    .as_ref()
                    .is_some_and(|e| *e != EventMatch::Kind(EventKind::OrderPaid))
            {
                check.report(path.key("event"), "a spend goal counts order_paid only");
            }
            if !lines.is_empty() && matches!(goal, Some(Goal::Count(_))) {
                check.report(path.key("lines"), "is allowed with a spend goal only");
            }
            let active = optional(challenge, "active")
                .map(|v| read_active(check, v, path.key("active"), zone))
                .unwrap_or_default();
            let per = match optional(challenge, "per") {
                Some(v) => read_period(check, v, path.key("per"))
                    .map(|per| (per != Period::Lifetime).then_some(per)),
                None => Some(None),
            };
            let (points, badge) = check
                .required(challenge, path, "reward")
                .and_then(|v| read_challenge_reward(check, v, path.key("reward"), badges))
                .unzip();
            let id = id?;
            Some(Challenge {
                line: Arc::from(format!("challenge:{id}")),
                id,
                name: name?,
                event: event?,
                goal: goal?,
                lines,
                active,
                per: per?,
                points: points?,
                badge: badge?,
            })
        },
    )
}

fn read_goal(check: &mut Check, value: &Value, path: Path<'_>) -> Option<Goal> {
    let map = check.object(value, path, &["count", "spend_minor"])?;
    match (optional(map, "count"), optional(map, "spend_minor")) {
        (Some(count), None) => check
            .int(count, path.key("count"), 1, 1_000_000)
            .map(Goal::Count),
        (None, Some(spend)) => check
            .int(spend, path.key("spend_minor"), 1, MAX_AMOUNT)
            .map(Goal::Spend),
        _ => {
            check.report(path, "must hold either count or spend_minor");
            None
        }
    }
}

fn read_challenge_reward(
    check: &mut Check,
    value: &Value,
    path: Path<'_>,
    badges: &[Badge],
) -> Option<(i64, Option<usize>)> {
    let map = check.object(value, path, &["points", "badge"])?;
    let points = match optional(map, "points") {
        Some(v) => check.int(v, path.key("points"), 0, MAX_POINTS),
        None => Some(0),
    };
    let badge = match optional(map, "badge") {
        Some(v) => {
            let id = check.id(v, path.key("badge"))?;
            let found = badges.iter().position(|b| b.id == id);
            if found.is_none() {
                check.report(path.key("badge"), format!("no badge has the id `{id}`"));
            }
            Some(Some(found?))
        }
        None => Some(None),
    };
    let (points, badge) = (points?, badge?);
    if points == 0 && badge.is_none() {
        check.report(path, "must give points or a badge");
        return None;
    }
    Some((points, badge))
}

fn read_badges(check: &mut Check, map: &Map<String, Value>) -> Vec<Badge> {
    let mut seen = BTreeSet::new();
    check.list(
        map,
        Path::Root,
        "badges",
        MAX_BADGES,
        |check, value, path| {
            let badge = check.object(
                value,
                path,
                &["id", "name", "event", "count", "bonus_points"],
            )?;
            let id = read_unique_id(check, badge, path, &mut seen);
            let name = check
                .required(badge, path, "name")
                .and_then(|v| read_localized(check, v, path.key("name")));
            // Without `event`, a badge comes only with a challenge's reward.
            let event = match optional(badge, "event") {
                Some(v) => read_event_match(check, v, path.key("event")).map(Some),
                None => Some(None),
            };
            let count = match optional(badge, "count") {
                Some(v) => check.int(v, path.key("count"), 1, 1_000_000),
                None => Some(1),
            };
            let bonus_points = match optional(badge, "bonus_points") {
                Some(v) => check.int(v, path.key("bonus_points"), 0, MAX_POINTS),
                None => Some(0),
            };
            let id = id?;
            Some(Badge {
                line: Arc::from(format!("badge:{id}")),
                id,
                name: name?,
                event: event?,
                count: u32::try_from(count?).ok()?,
                bonus_points: bonus_points?,
            })
        },
    )
}
