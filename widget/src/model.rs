//! The widget API's answers as the panel reads them: the public program view,
//! the member view, a ledger page, a redemption and a problem.
//!
//! These mirror `loyalty_rules::view` but keep only what the panel shows,
//! keep timestamps as RFC 3339 text (the browser's Intl formats them) and
//! default every missing field, so a newer edge that adds or drops a field
//! never breaks an older widget. A test checks them against what the rules
//! crate serializes.
//!
//! They are read through the small [`Json`] trait rather than serde: in the
//! browser the answer is parsed by `Response.json()` and read field by field,
//! so the wasm carries no JSON parser and no derive-generated visitors (about
//! a quarter of its size when it did). Natively, for the tests, the same
//! readers run over `serde_json::Value`.

/// A parsed JSON value, as the model's readers see it.
pub trait Json: Sized {
    /// The member `key` of an object; `None` when missing or `null`.
    fn field(&self, key: &str) -> Option<Self>;
    fn as_text(&self) -> Option<String>;
    /// A whole number; JSON numbers of the API are integers within 2^53.
    fn as_int(&self) -> Option<i64>;
    fn as_flag(&self) -> Option<bool>;
    /// The items of an array; empty for anything else.
    fn items(&self) -> Vec<Self>;

    fn text(&self, key: &str) -> String {
        self.opt_text(key).unwrap_or_default()
    }

    fn opt_text(&self, key: &str) -> Option<String> {
        self.field(key).and_then(|v| v.as_text())
    }

    fn int(&self, key: &str) -> i64 {
        self.opt_int(key).unwrap_or_default()
    }

    fn opt_int(&self, key: &str) -> Option<i64> {
        self.field(key).and_then(|v| v.as_int())
    }

    fn flag(&self, key: &str) -> bool {
        self.opt_flag(key).unwrap_or_default()
    }

    fn opt_flag(&self, key: &str) -> Option<bool> {
        self.field(key).and_then(|v| v.as_flag())
    }

    fn texts(&self, key: &str) -> Vec<String> {
        self.field(key)
            .map(|v| v.items().iter().filter_map(Json::as_text).collect())
            .unwrap_or_default()
    }

    fn list<T: FromJson>(&self, key: &str) -> Vec<T> {
        self.field(key)
            .map(|v| v.items().iter().map(T::from_json).collect())
            .unwrap_or_default()
    }

    fn object<T: FromJson>(&self, key: &str) -> Option<T> {
        self.field(key).map(|v| T::from_json(&v))
    }
}

/// Built from a parsed JSON value; missing fields take their default.
pub trait FromJson {
    fn from_json(json: &impl Json) -> Self;
}

#[cfg(target_arch = "wasm32")]
impl Json for wasm_bindgen::JsValue {
    fn field(&self, key: &str) -> Option<Self> {
        if !self.is_object() {
            return None;
        }
        let value = js_sys::Reflect::get(self, &key.into()).ok()?;
        (!value.is_undefined() && !value.is_null()).then_some(value)
    }

    fn as_text(&self) -> Option<String> {
        self.as_string()
    }

    fn as_int(&self) -> Option<i64> {
        // `as` saturates and maps NaN to 0; the API sends integers only.
        self.as_f64().map(|n| n as i64)
    }

    fn as_flag(&self) -> Option<bool> {
        self.as_bool()
    }

    fn items(&self) -> Vec<Self> {
        if js_sys::Array::is_array(self) {
            js_sys::Array::from(self).iter().collect()
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
impl Json for serde_json::Value {
    fn field(&self, key: &str) -> Option<Self> {
        self.get(key).filter(|v| !v.is_null()).cloned()
    }

    fn as_text(&self) -> Option<String> {
        self.as_str().map(str::to_owned)
    }

    fn as_int(&self) -> Option<i64> {
        self.as_i64()
    }

    fn as_flag(&self) -> Option<bool> {
        self.as_bool()
    }

    fn items(&self) -> Vec<Self> {
        self.as_array().cloned().unwrap_or_default()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Links {
    pub join: Option<String>,
    pub sign_in: Option<String>,
    pub terms: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WayToEarn {
    pub id: String,
    pub name: Option<String>,
    pub event: String,
    pub kind: String,
    pub points: Option<i64>,
    pub per_minor: Option<i64>,
    pub bp: Option<i64>,
    pub reward: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reward {
    pub id: String,
    pub name: String,
    pub cost_points: i64,
    pub min_tier: Option<String>,
    /// Only in the member view: whether balance and tier allow it now.
    pub affordable: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Level {
    pub id: String,
    pub name: String,
    pub threshold: i64,
    pub paid: bool,
    pub benefits: Vec<String>,
    /// A paid level's price and where to join.
    pub price_minor: Option<i64>,
    pub join_url: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tiers {
    /// `spend`, `points` or `orders`.
    pub metric: String,
    pub levels: Vec<Level>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferralProgram {
    pub referrer_points: Option<i64>,
    pub min_order_minor: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BadgeInfo {
    pub id: String,
    pub name: String,
    /// None: given only by a challenge.
    pub event: Option<String>,
    pub count: u32,
    pub bonus_points: i64,
}

impl ProgramView {
    /// Whether holding tier `held` (none below the first level) meets a
    /// reward's `needed` tier; the levels are listed lowest first.
    pub fn tier_meets(&self, held: Option<&str>, needed: &str) -> bool {
        let levels = self.tiers.as_ref().map_or(&[][..], |t| &t.levels[..]);
        let rank = |id: &str| levels.iter().position(|l| l.id == id);
        match (held.and_then(rank), rank(needed)) {
            (Some(held), Some(needed)) => held >= needed,
            // A tier the program no longer names cannot be checked here;
            // the edge decides when the shopper tries.
            (_, None) => true,
            (None, Some(_)) => false,
        }
    }
}

/// `GET /v1/widget/{shop}/program`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProgramView {
    pub name: Option<String>,
    pub currency: String,
    pub points_label: String,
    pub links: Links,
    pub ways_to_earn: Vec<WayToEarn>,
    pub rewards: Vec<Reward>,
    pub tiers: Option<Tiers>,
    pub referral: Option<ReferralProgram>,
    pub badges: Vec<BadgeInfo>,
    /// The shop's IANA zone: dates show on its clock.
    pub time_zone: String,
    /// Added by the edge: whether the customer token was valid.
    pub signed_in: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TierRef {
    pub id: String,
    pub name: String,
    pub benefits: Vec<String>,
    /// Held by its grace until then; this much more of the metric keeps it.
    pub grace_until: Option<String>,
    pub keep_remaining: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NextTier {
    pub id: String,
    pub name: String,
    pub remaining: i64,
    pub progress_bp: i64,
    pub metric: String,
    pub benefits: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Referral {
    pub code: String,
    pub url: String,
    pub referred: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Badge {
    pub id: String,
    pub name: String,
    pub earned_at: String,
}

/// What the cart earns, and the nearest bonus a bigger cart would bring.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CartPreview {
    pub points: i64,
    pub hint: Option<CartHint>,
}

/// "Add 12.00 more for 200 points": a rule's minimum subtotal not reached.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CartHint {
    pub missing_minor: i64,
    pub points: i64,
}

impl FromJson for CartPreview {
    fn from_json(json: &impl Json) -> Self {
        let hint = json
            .field("not_given")
            .map(|list| list.items())
            .unwrap_or_default()
            .iter()
            .filter(|reason| reason.text("code") == "below_min_subtotal")
            .map(|reason| CartHint {
                missing_minor: reason.int("missing_minor"),
                points: reason.int("points"),
            })
            .filter(|hint| hint.missing_minor > 0 && hint.points > 0)
            .min_by_key(|hint| hint.missing_minor);
        Self {
            points: json.int("points"),
            hint,
        }
    }
}

/// A badge begun: `done` of `count`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BadgeStep {
    pub id: String,
    pub done: i64,
    pub count: i64,
}

/// A running challenge and the member's progress in its period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Challenge {
    pub id: String,
    pub name: String,
    /// `count` or `spend`.
    pub goal: String,
    pub event: String,
    pub target: i64,
    pub progress: i64,
    pub progress_bp: i64,
    pub ends_at: Option<String>,
    pub reached: bool,
    pub points: i64,
    pub badge: Option<String>,
}

/// Orders paid as a guest, credited at signup.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuestOrders {
    pub orders: i64,
    pub points: i64,
}

impl FromJson for GuestOrders {
    fn from_json(json: &impl Json) -> Self {
        Self {
            orders: json.int("orders"),
            points: json.int("points"),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expiring {
    pub points: i64,
    pub at: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Code {
    pub code: String,
    pub reward: String,
    pub name: String,
    pub expires_at: Option<String>,
}

/// `GET /v1/widget/{shop}/me`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberView {
    pub member_id: String,
    pub known: bool,
    pub balance: i64,
    pub pending: i64,
    pub store_credit_minor: i64,
    pub currency: String,
    pub points_label: String,
    pub tier: Option<TierRef>,
    pub next_tier: Option<NextTier>,
    pub referral: Option<Referral>,
    pub badges: Vec<Badge>,
    pub badge_progress: Vec<BadgeStep>,
    pub challenges: Vec<Challenge>,
    pub expiring: Option<Expiring>,
    pub rewards: Vec<Reward>,
    pub codes: Vec<Code>,
    /// The member state's revision; asking `me?after=` with a newer one makes
    /// the edge skip a snapshot older than what the shopper just did.
    pub revision: u64,
    /// `enrolled`, or why the member is out of the program: `left` (they
    /// left) or `opted_out` (the shop recorded their opt-out).
    pub enrollment: String,
    pub guest_orders: Option<GuestOrders>,
}

impl MemberView {
    pub fn enrolled(&self) -> bool {
        self.enrollment.is_empty() || self.enrollment == "enrolled"
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    pub seq: u64,
    pub at: String,
    /// `earn`, `refund`, `cancel`, `referral`, `redeem`, `code_cancelled`,
    /// `adjustment` or `expiry`.
    pub kind: String,
    pub points: i64,
}

/// `GET /v1/widget/{shop}/me/ledger`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerPage {
    pub entries: Vec<Entry>,
    pub next_cursor: Option<String>,
}

/// `POST /v1/widget/{shop}/redeem`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Redemption {
    pub code: String,
    pub reward: String,
    pub points_spent: i64,
    pub balance: i64,
    pub expires_at: Option<String>,
}

/// An RFC 9457 problem; the panel needs only its stable `code`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problem {
    pub code: String,
}

impl FromJson for Links {
    fn from_json(json: &impl Json) -> Self {
        Self {
            join: json.opt_text("join"),
            sign_in: json.opt_text("sign_in"),
            terms: json.opt_text("terms"),
        }
    }
}

impl FromJson for WayToEarn {
    fn from_json(json: &impl Json) -> Self {
        Self {
            id: json.text("id"),
            name: json.opt_text("name"),
            event: json.text("event"),
            kind: json.text("kind"),
            points: json.opt_int("points"),
            per_minor: json.opt_int("per_minor"),
            bp: json.opt_int("bp"),
            reward: json.opt_text("reward"),
        }
    }
}

impl FromJson for Reward {
    fn from_json(json: &impl Json) -> Self {
        Self {
            id: json.text("id"),
            name: json.text("name"),
            cost_points: json.int("cost_points"),
            min_tier: json.opt_text("min_tier"),
            affordable: json.opt_flag("affordable"),
        }
    }
}

impl FromJson for Level {
    fn from_json(json: &impl Json) -> Self {
        Self {
            id: json.text("id"),
            name: json.text("name"),
            threshold: json.int("threshold"),
            paid: json.flag("paid"),
            benefits: json.texts("benefits"),
            price_minor: json.opt_int("price_minor"),
            join_url: json.opt_text("join_url"),
        }
    }
}

impl FromJson for Tiers {
    fn from_json(json: &impl Json) -> Self {
        Self {
            metric: json.text("metric"),
            levels: json.list("levels"),
        }
    }
}

impl FromJson for ReferralProgram {
    fn from_json(json: &impl Json) -> Self {
        Self {
            referrer_points: json.opt_int("referrer_points"),
            min_order_minor: json.int("min_order_minor"),
        }
    }
}

impl FromJson for BadgeInfo {
    fn from_json(json: &impl Json) -> Self {
        Self {
            id: json.text("id"),
            name: json.text("name"),
            event: json.opt_text("event"),
            count: u32::try_from(json.int("count")).unwrap_or_default(),
            bonus_points: json.int("bonus_points"),
        }
    }
}

impl FromJson for ProgramView {
    fn from_json(json: &impl Json) -> Self {
        Self {
            name: json.opt_text("name"),
            currency: json.text("currency"),
            points_label: json.text("points_label"),
            links: json.object("links").unwrap_or_default(),
            ways_to_earn: json.list("ways_to_earn"),
            rewards: json.list("rewards"),
            tiers: json.object("tiers"),
            referral: json.object("referral"),
            badges: json.list("badges"),
            time_zone: json.text("time_zone"),
            signed_in: json.flag("signed_in"),
        }
    }
}

impl FromJson for TierRef {
    fn from_json(json: &impl Json) -> Self {
        Self {
            id: json.text("id"),
            name: json.text("name"),
            benefits: json.texts("benefits"),
            grace_until: json.opt_text("grace_until"),
            keep_remaining: json.int("keep_remaining"),
        }
    }
}

impl FromJson for NextTier {
    fn from_json(json: &impl Json) -> Self {
        Self {
            id: json.text("id"),
            name: json.text("name"),
            remaining: json.int("remaining"),
            progress_bp: json.int("progress_bp"),
            metric: json.text("metric"),
            benefits: json.texts("benefits"),
        }
    }
}

impl FromJson for Referral {
    fn from_json(json: &impl Json) -> Self {
        Self {
            code: json.text("code"),
            url: json.text("url"),
            referred: json.int("referred").max(0).unsigned_abs(),
        }
    }
}

impl FromJson for Badge {
    fn from_json(json: &impl Json) -> Self {
        Self {
            id: json.text("id"),
            name: json.text("name"),
            earned_at: json.text("earned_at"),
        }
    }
}

impl FromJson for BadgeStep {
    fn from_json(json: &impl Json) -> Self {
        Self {
            id: json.text("id"),
            done: json.int("done"),
            count: json.int("count"),
        }
    }
}

impl FromJson for Challenge {
    fn from_json(json: &impl Json) -> Self {
        Self {
            id: json.text("id"),
            name: json.text("name"),
            goal: json.text("goal"),
            event: json.text("event"),
            target: json.int("target"),
            progress: json.int("progress"),
            progress_bp: json.int("progress_bp"),
            ends_at: json.opt_text("ends_at"),
            reached: json.flag("reached"),
            points: json.int("points"),
            badge: json.opt_text("badge"),
        }
    }
}

impl FromJson for Expiring {
    fn from_json(json: &impl Json) -> Self {
        Self {
            points: json.int("points"),
            at: json.text("at"),
        }
    }
}

impl FromJson for Code {
    fn from_json(json: &impl Json) -> Self {
        Self {
            code: json.text("code"),
            reward: json.text("reward"),
            name: json.text("name"),
            expires_at: json.opt_text("expires_at"),
        }
    }
}

impl FromJson for MemberView {
    fn from_json(json: &impl Json) -> Self {
        Self {
            member_id: json.text("member_id"),
            known: json.flag("known"),
            balance: json.int("balance"),
            pending: json.int("pending"),
            store_credit_minor: json.int("store_credit_minor"),
            currency: json.text("currency"),
            points_label: json.text("points_label"),
            tier: json.object("tier"),
            next_tier: json.object("next_tier"),
            referral: json.object("referral"),
            badges: json.list("badges"),
            badge_progress: json.list("badge_progress"),
            challenges: json.list("challenges"),
            expiring: json.object("expiring"),
            rewards: json.list("rewards"),
            codes: json.list("codes"),
            revision: json.int("revision").max(0).unsigned_abs(),
            enrollment: json.text("enrollment"),
            guest_orders: json.object("guest_orders"),
        }
    }
}

impl FromJson for Entry {
    fn from_json(json: &impl Json) -> Self {
        Self {
            seq: json.int("seq").max(0).unsigned_abs(),
            at: json.text("at"),
            kind: json.text("kind"),
            points: json.int("points"),
        }
    }
}

impl FromJson for LedgerPage {
    fn from_json(json: &impl Json) -> Self {
        Self {
            entries: json.list("entries"),
            next_cursor: json.opt_text("next_cursor"),
        }
    }
}

impl FromJson for Redemption {
    fn from_json(json: &impl Json) -> Self {
        Self {
            code: json.text("code"),
            reward: json.text("reward"),
            points_spent: json.int("points_spent"),
            balance: json.int("balance"),
            expires_at: json.opt_text("expires_at"),
        }
    }
}

impl FromJson for Problem {
    fn from_json(json: &impl Json) -> Self {
        Self {
            code: json.text("code"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use loyalty_rules::Id;
    use loyalty_rules::book::Book;
    use loyalty_rules::program::Program;

    const PROGRAM: &str = include_str!("../../static/demo/program.json");
    const EVENTS: &str = include_str!("../../static/demo/events.json");

    fn now() -> DateTime<Utc> {
        "2026-11-25T00:00:00Z".parse().unwrap()
    }

    /// The demo shop after its seed events, as the edge holds it.
    fn demo_book() -> Book {
        // The demo shop keeps Riyadh's clock (+03:00, no daylight saving).
        let riyadh = loyalty_rules::zone::Zone::fixed("Asia/Riyadh", 3 * 3600);
        let program = Program::parse_in(PROGRAM, &riyadh).expect("the demo program is valid");
        let mut book = Book::new(program);
        let batch: serde_json::Value = serde_json::from_str(EVENTS).unwrap();
        for event in loyalty_rules::event::parse_batch(&batch, now()).unwrap() {
            book.record_incoming(&event.unwrap(), now()).unwrap();
        }
        book
    }

    fn parse<T: FromJson>(json: &str) -> T {
        T::from_json(&serde_json::from_str::<serde_json::Value>(json).unwrap())
    }

    #[test]
    fn reads_the_program_view_the_rules_crate_writes() {
        let book = demo_book();
        let written = loyalty_rules::view::program_view(&book.program, "ar");
        let json = serde_json::to_string(&written).unwrap();
        let read: ProgramView = parse(&json);
        assert_eq!(read.name.as_deref(), Some("مكافآت مابل"));
        assert_eq!(read.currency, "USD");
        assert_eq!(read.ways_to_earn.len(), written.ways_to_earn.len());
        assert_eq!(read.ways_to_earn[0].per_minor, Some(100));
        assert_eq!(read.rewards[2].min_tier.as_deref(), Some("silver"));
        let tiers = read.tiers.unwrap();
        assert_eq!(tiers.metric, "spend");
        assert_eq!(tiers.levels[2].threshold, 150_000);
        assert_eq!(read.referral.unwrap().referrer_points, Some(500));
        assert_eq!(
            read.links.join.as_deref(),
            Some("http://127.0.0.1:8787/demo/#join")
        );
        assert!(!read.signed_in);
    }

    #[test]
    fn reads_the_member_view_the_rules_crate_writes() {
        let book = demo_book();
        let alice = Id::parse("alice").unwrap();
        let written = book.view(&alice, now(), "en");
        let json = serde_json::to_string(&written).unwrap();
        let read: MemberView = parse(&json);
        assert_eq!(read.member_id, "alice");
        assert!(read.known);
        assert_eq!(read.balance, written.balance);
        assert_eq!(read.tier.unwrap().id, "bronze");
        let next = read.next_tier.unwrap();
        assert_eq!(next.id, "silver");
        assert_eq!(next.metric, "spend");
        assert_eq!(next.remaining, written.next_tier.unwrap().remaining);
        let referral = read.referral.unwrap();
        assert!(referral.url.ends_with(&referral.code), "{}", referral.url);
        assert_eq!(read.rewards.len(), 3);
        assert!(read.rewards.iter().all(|r| r.affordable.is_some()));
        assert!(read.expiring.unwrap().at.starts_with("2027-"));
    }

    #[test]
    fn reads_a_ledger_page_and_tolerates_new_fields() {
        let json = r#"{"entries":[{"at":"2026-11-06T08:00:00Z","event_id":"e","kind":"earn",
            "lines":[{"points":50,"rule":"review"}],"member_id":"alice","points":50,"seq":3,
            "something_new":true}],"next_cursor":"2"}"#;
        let page: LedgerPage = parse(json);
        assert_eq!(page.entries[0].points, 50);
        assert_eq!(page.entries[0].kind, "earn");
        assert_eq!(page.next_cursor.as_deref(), Some("2"));
        let last: LedgerPage = parse(r#"{"entries":[],"next_cursor":null}"#);
        assert!(last.next_cursor.is_none());
    }

    #[test]
    fn tiers_are_compared_by_their_order_in_the_program() {
        let book = demo_book();
        let json = serde_json::to_string(&loyalty_rules::view::program_view(&book.program, "en"));
        let program: ProgramView = parse(&json.unwrap());
        assert!(!program.tier_meets(Some("bronze"), "silver"));
        assert!(program.tier_meets(Some("silver"), "silver"));
        assert!(program.tier_meets(Some("gold"), "silver"));
        assert!(!program.tier_meets(None, "bronze"));
        assert!(program.tier_meets(None, "platinum"));
    }

    #[test]
    fn missing_and_null_fields_take_their_default() {
        let reward: Reward = parse(r#"{"id":"ship","min_tier":null,"cost_points":"300"}"#);
        assert_eq!(reward.id, "ship");
        assert_eq!(reward.name, "");
        assert_eq!(reward.min_tier, None);
        // A number sent as text is not a number: the default, not a guess.
        assert_eq!(reward.cost_points, 0);
        let view: MemberView = parse(r#"{"tier":null,"rewards":{"not":"a list"}}"#);
        assert_eq!(view.tier, None);
        assert!(view.rewards.is_empty());
    }

    #[test]
    fn reads_a_problem_code() {
        let json = r#"{"type":"https://loyalty.dev/problems/tier_required","title":"Conflict",
            "status":409,"code":"tier_required","detail":"this reward needs the silver tier"}"#;
        let problem: Problem = parse(json);
        assert_eq!(problem.code, "tier_required");
    }
}
