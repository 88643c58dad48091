//! The state the edge stores for each member (or pooled B2B account), and the
//! ledger entries that every change of it appends.
//!
//! Balances are kept as running figures so that a read is O(pending lots),
//! not O(ledger); the ledger itself is append-only and stored beside the
//! state. The invariant, checked by property tests: the sum of all ledger
//! entries equals `available + sum(lots)`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::award::AwardLine;
use crate::code::Entropy;
use crate::id::Id;
use crate::program::{Benefit, Metric, Period, Program, Tiers, Window};
use crate::zone::Zone;

/// Why the points of a ledger entry moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Earn,
    Refund,
    Cancel,
    Referral,
    Redeem,
    CodeCancelled,
    Adjustment,
    Expiry,
}

/// One line of the member's activity history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LedgerEntry {
    /// Increasing within one member's (or account's) ledger.
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub kind: EntryKind,
    pub points: i64,
    /// Points that count as pending until this moment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_until: Option<DateTime<Utc>>,
    pub member_id: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<Id>,
    /// A reward id, a code, or an adjustment's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// How an award was made up: the answer's lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<AwardLine>,
}

/// Points that are not spendable yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PendingLot {
    pub until: DateTime<Utc>,
    pub points: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<Id>,
}

/// What the member's paid order gave, kept so refunds reverse it exactly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderRecord {
    pub member_id: Id,
    pub at: DateTime<Utc>,
    pub subtotal_minor: i64,
    /// Refunded so far, capped at the subtotal.
    pub refunded_minor: i64,
    pub cancelled: bool,
    /// Every point the `order_paid` answer gave.
    pub awarded: i64,
    pub taken_back: i64,
    pub cashback_minor: i64,
    pub cashback_taken: i64,
    /// Paid in another currency: the rate it counted by (its amounts here
    /// are in the program's currency), for its refunds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<crate::exchange::Exchange>,
}

impl OrderRecord {
    /// Spend that counts toward tiers: the subtotal less refunds; nothing if cancelled.
    pub fn net_spend(&self) -> i64 {
        if self.cancelled {
            0
        } else {
            self.subtotal_minor.saturating_sub(self.refunded_minor)
        }
    }

    /// Points of this order still standing.
    pub fn net_points(&self) -> i64 {
        self.awarded.saturating_sub(self.taken_back)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CodeStatus {
    Unused,
    Used,
    Cancelled,
}

/// Where a code came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CodeSource {
    Redemption {
        redemption_id: String,
    },
    Rule {
        rule: Id,
        event_id: Id,
    },
    /// The referee this gift thanks for (`None` once that member was erased).
    Referral {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        referee: Option<Id>,
    },
    /// The referrer whose code brought this gift (`None` once erased).
    Referred {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        referrer: Option<Id>,
    },
}

/// A reward code issued to a member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssuedCode {
    pub code: String,
    pub member_id: Id,
    /// The program's reward id, or `referral` for referral gifts.
    pub reward: String,
    pub benefit: Benefit,
    pub points_spent: i64,
    pub issued_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    pub status: CodeStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_at: Option<DateTime<Utc>>,
    pub source: CodeSource,
    /// Store credit this code was bought with (minor units), returned to
    /// the balance if the code is cancelled unused.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub credit_minor: i64,
}

fn is_zero(value: &i64) -> bool {
    *value == 0
}

impl IssuedCode {
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.status == CodeStatus::Unused && !self.is_expired(now)
    }
}

/// A paid membership that holds a level until `until`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HeldMembership {
    pub tier: Id,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// One person: what is the member's own even when the account is pooled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Profile {
    pub member_id: Id,
    pub first_seen: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signup_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_hash: Option<String>,
    /// The MD5 of the e-mail, for the Mailchimp destination (as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_md5: Option<String>,
    /// The tags last sent; `None` until an event sends some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<NaiveDate>,
    /// This member's own shareable code.
    pub referral_code: String,
    /// Who referred this member, once a referral was accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referred_by: Option<Id>,
    /// Whether the referrer's credit for this member is already decided.
    #[serde(default)]
    pub referral_settled: bool,
    /// Referees this member has been credited for.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub credited_referees: BTreeSet<Id>,
    /// Referees credited for who were erased since: counted, not named.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub erased_referees: u64,
    /// Whether the member takes part in the program.
    #[serde(default, skip_serializing_if = "Enrollment::is_enrolled")]
    pub enrollment: Enrollment,
    /// Orders this member paid as a guest, credited at signup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest_orders: Option<GuestOrdersAdded>,
}

/// Guest orders credited to a member: how many, their points, and when.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GuestOrdersAdded {
    pub orders: u64,
    pub points: i64,
    pub at: DateTime<Utc>,
}

/// Whether a member takes part in the program: enrolled from their first
/// event on; out once they left (from the widget) or the merchant recorded
/// their opt-out (from the shop's consent tool); back only by an explicit
/// rejoin. While out they earn nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Enrollment {
    #[default]
    Enrolled,
    /// The member left the program themselves.
    Left { since: DateTime<Utc> },
    /// The merchant recorded that the shopper opted out.
    OptedOut { since: DateTime<Utc> },
}

impl Enrollment {
    pub fn is_enrolled(&self) -> bool {
        *self == Self::Enrolled
    }

    /// The status word an answer or a view names (`enrolled`, `left`,
    /// `opted_out`).
    pub fn status(&self) -> &'static str {
        match self {
            Self::Enrolled => "enrolled",
            Self::Left { .. } => "left",
            Self::OptedOut { .. } => "opted_out",
        }
    }
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

impl Profile {
    /// How many referees this member was credited for (erased ones too).
    pub fn referrals_credited(&self) -> u64 {
        (self.credited_referees.len() as u64).saturating_add(self.erased_referees)
    }
}

/// Points earned outside orders (fixed rules, badges, referrals), dated for
/// the `points` tier metric.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Earning {
    pub at: DateTime<Utc>,
    pub points: i64,
}

/// A replayable redemption, by the shopper's idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RedemptionRecord {
    pub redemption_id: String,
    pub member_id: Id,
    pub reward: Id,
    pub code: String,
    pub points_spent: i64,
    pub at: DateTime<Utc>,
}

/// Everything the edge stores for one member or one pooled account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemberState {
    /// The people who earn into this state: one, or the members of an account.
    pub profiles: BTreeMap<Id, Profile>,
    /// Spendable points not counting pending lots (may be below zero after refunds).
    pub available: i64,
    pub lots: Vec<PendingLot>,
    pub store_credit_minor: i64,
    /// Points earned, net of refunds and cancellations.
    pub lifetime_earned: i64,
    pub points_redeemed: i64,
    /// The last time the member earned or redeemed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_activity: Option<DateTime<Utc>>,
    /// The `last_activity` whose inactivity expiry is already in the ledger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_recorded_for: Option<DateTime<Utc>>,
    pub orders: BTreeMap<Id, OrderRecord>,
    pub orders_applied: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_order_at: Option<DateTime<Utc>>,
    pub earnings: Vec<Earning>,
    /// When each limited rule matched, for its `limit`.
    pub rule_hits: BTreeMap<Id, Vec<DateTime<Utc>>>,
    pub badge_progress: BTreeMap<Id, u32>,
    /// Progress in challenges, one entry per challenge and period.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub challenges: Vec<crate::challenge::Progress>,
    pub badges: BTreeMap<Id, DateTime<Utc>>,
    pub codes: Vec<IssuedCode>,
    pub redemptions: BTreeMap<String, RedemptionRecord>,
    /// Manual adjustments by id, with their fingerprint, for idempotency.
    pub adjustments: BTreeMap<Id, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership: Option<HeldMembership>,
    /// Whether the member ever earned beyond signup or redeemed (analytics).
    #[serde(default)]
    pub participant: bool,
    /// Survey answers: promoters (9-10), detractors (0-6), all answers.
    #[serde(default)]
    pub nps: [i64; 3],
    /// Referrals converted by members erased from this (pooled) state:
    /// counted, not named, so the shop's conversions stay as they were.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub erased_referrals: u64,
    pub next_seq: u64,
    /// Counts the writes the store made; readers compare it with what they saw.
    #[serde(default)]
    pub revision: u64,
}

/// Balances as of a moment, with maturing and expiry applied by time alone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Balances {
    pub available: i64,
    pub pending: i64,
    /// Points that inactivity has expired but no write has recorded yet.
    pub expired: i64,
    /// When the current balance will expire, if nothing happens first.
    pub expires_at: Option<DateTime<Utc>>,
}

impl MemberState {
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// The sum of every ledger entry ever appended.
    pub fn total_points(&self) -> i64 {
        self.lots
            .iter()
            .fold(self.available, |sum, lot| sum.saturating_add(lot.points))
    }

    /// The moment inactivity expires the balance, if the program expires points.
    fn expiry_moment(&self, program: &Program) -> Option<DateTime<Utc>> {
        let days = program.inactivity_days?;
        let last = self.last_activity?;
        Some(last + Duration::days(days))
    }

    /// Balances at `now`, computed from the state by time alone (no write).
    pub fn balances(&self, program: &Program, now: DateTime<Utc>) -> Balances {
        let matured = |by: DateTime<Utc>| {
            self.lots
                .iter()
                .filter(|lot| lot.until <= by)
                .fold(0i64, |sum, lot| sum.saturating_add(lot.points))
        };
        let pending_total = self.total_points().saturating_sub(self.available);
        let mut available = self.available.saturating_add(matured(now));
        let mut expired = 0;
        let mut expires_at = None;
        if let Some(moment) = self.expiry_moment(program) {
            let unrecorded = self.expiry_recorded_for != self.last_activity;
            if moment <= now && unrecorded {
                let at_moment = self.available.saturating_add(matured(moment));
                if at_moment > 0 {
                    expired = at_moment;
                    available = available.saturating_sub(at_moment);
                }
            } else if moment > now && available > 0 {
                expires_at = Some(moment);
            }
        }
        Balances {
            available,
            pending: pending_total.saturating_sub(matured(now)),
            expired,
            expires_at,
        }
    }

    /// Brings the state up to `now` before a write: records an expiry that
    /// inactivity has caused, and moves matured lots into `available`.
    pub(crate) fn settle(&mut self, program: &Program, now: DateTime<Utc>) -> Option<LedgerEntry> {
        let mut entry = None;
        if let Some(moment) = self.expiry_moment(program)
            && moment <= now
            && self.expiry_recorded_for != self.last_activity
        {
            self.mature(moment);
            self.expiry_recorded_for = self.last_activity;
            if let (true, Some(member_id)) = (self.available > 0, self.primary_member()) {
                let points = self.available;
                self.available = 0;
                entry = Some(self.entry(
                    moment,
                    EntryKind::Expiry,
                    points.saturating_neg(),
                    member_id,
                ));
            }
        }
        self.mature(now);
        entry
    }

    fn mature(&mut self, by: DateTime<Utc>) {
        let mut matured = 0i64;
        self.lots.retain(|lot| {
            let ripe = lot.until <= by;
            if ripe {
                matured = matured.saturating_add(lot.points);
            }
            !ripe
        });
        self.available = self.available.saturating_add(matured);
    }

    /// The member's profile, created on first sight with a fresh referral code.
    pub fn ensure_profile(
        &mut self,
        member_id: &Id,
        at: DateTime<Utc>,
        entropy: &mut dyn Entropy,
    ) -> &mut Profile {
        self.profiles
            .entry(member_id.clone())
            .or_insert_with(|| Profile {
                member_id: member_id.clone(),
                first_seen: at,
                signup_at: None,
                email_hash: None,
                email_md5: None,
                tags: None,
                account_id: None,
                birthday: None,
                referral_code: crate::code::referral_code(entropy),
                referred_by: None,
                referral_settled: false,
                credited_referees: BTreeSet::new(),
                erased_referees: 0,
                enrollment: Enrollment::Enrolled,
                guest_orders: None,
            })
    }

    /// The member the state was first created for.
    pub fn primary_member(&self) -> Option<Id> {
        self.profiles
            .values()
            .min_by_key(|p| p.first_seen)
            .map(|p| p.member_id.clone())
    }

    /// A new ledger entry with the next sequence number.
    pub(crate) fn entry(
        &mut self,
        at: DateTime<Utc>,
        kind: EntryKind,
        points: i64,
        member_id: Id,
    ) -> LedgerEntry {
        self.next_seq = self.next_seq.saturating_add(1);
        LedgerEntry {
            seq: self.next_seq,
            at,
            kind,
            points,
            pending_until: None,
            member_id,
            event_id: None,
            order_id: None,
            note: None,
            lines: Vec::new(),
        }
    }

    /// Credits points, pending until `pending_until` when that is after `now`.
    pub(crate) fn credit(
        &mut self,
        points: i64,
        pending_until: Option<DateTime<Utc>>,
        order_id: Option<&Id>,
        now: DateTime<Utc>,
    ) {
        match pending_until {
            Some(until) if until > now => self.lots.push(PendingLot {
                until,
                points,
                order_id: order_id.cloned(),
            }),
            _ => self.available = self.available.saturating_add(points),
        }
    }

    /// The tier metric within the window ending at `at` (events after `at` excluded).
    /// A calendar-year window is the shop's local year (`zone`).
    pub fn metric_at(&self, tiers: &Tiers, zone: &Zone, at: DateTime<Utc>) -> i64 {
        let start = window_start(tiers.window, zone, at);
        let in_window = |t: DateTime<Utc>| t <= at && start.is_none_or(|s| s.admits(t));
        let orders = self.orders.values().filter(|o| in_window(o.at));
        match tiers.metric {
            Metric::Spend => orders.fold(0i64, |sum, o| sum.saturating_add(o.net_spend())),
            Metric::Orders => {
                i64::try_from(orders.filter(|o| !o.cancelled).count()).unwrap_or(i64::MAX)
            }
            Metric::Points => {
                let from_orders = orders.fold(0i64, |sum, o| sum.saturating_add(o.net_points()));
                self.earnings
                    .iter()
                    .filter(|e| in_window(e.at))
                    .fold(from_orders, |sum, e| sum.saturating_add(e.points))
            }
        }
    }

    /// The rank of the level reached by the metric alone (paid levels never are).
    pub fn earned_rank_at(&self, tiers: &Tiers, zone: &Zone, at: DateTime<Utc>) -> Option<usize> {
        let metric = self.metric_at(tiers, zone, at);
        tiers
            .levels
            .iter()
            .enumerate()
            .filter(|(_, level)| !level.paid && level.threshold <= metric)
            .map(|(rank, _)| rank)
            .next_back()
    }

    /// A level with `grace_days` held by grace at `at`: the highest such
    /// level above the metric's own that the metric reached at some moment
    /// of the last `grace_days`, and when its grace ends (the last such
    /// moment plus the grace). The metric changes only when an order or an
    /// earning enters the window or leaves it (or a calendar year starts),
    /// so those moments are the ones to look at.
    pub fn grace_at(
        &self,
        tiers: &Tiers,
        zone: &Zone,
        at: DateTime<Utc>,
    ) -> Option<(usize, DateTime<Utc>)> {
        let earned = self.earned_rank_at(tiers, zone, at);
        let longest = tiers.levels.iter().filter_map(|l| l.grace_days).max()?;
        let from = at - Duration::days(longest);
        let second = Duration::seconds(1);
        let leave = |t: DateTime<Utc>| match tiers.window {
            Window::RollingDays(days) => Some(t + Duration::days(days)),
            _ => None,
        };
        let mut moments: Vec<DateTime<Utc>> = vec![from, at];
        let times = self
            .orders
            .values()
            .map(|o| o.at)
            .chain(self.earnings.iter().map(|e| e.at));
        for t in times {
            moments.push(t);
            // Just before it leaves a rolling window.
            moments.extend(leave(t).map(|end| end - second));
        }
        if tiers.window == Window::CalendarYear {
            // Just before each local new year in reach.
            let mut year = zone.bounds(Period::Year, from);
            while let Some((_, end)) = year.filter(|(_, end)| *end <= at) {
                moments.push(end - second);
                year = zone.bounds(Period::Year, end);
            }
        }
        moments.retain(|m| *m >= from && *m <= at);
        moments.sort_unstable();
        moments.dedup();
        let mut best: Option<(usize, DateTime<Utc>)> = None;
        for moment in moments.into_iter().rev() {
            let Some(rank) = self.earned_rank_at(tiers, zone, moment) else {
                continue;
            };
            // The highest level with grace reached then, above today's.
            let held = (0..=rank).rev().find(|r| {
                earned.is_none_or(|e| *r > e)
                    && tiers.levels[*r]
                        .grace_days
                        .is_some_and(|days| moment + Duration::days(days) > at)
            });
            if let Some(r) = held {
                let days = tiers.levels[r].grace_days.unwrap_or(0);
                let until = moment + Duration::days(days);
                if best.is_none_or(|(b, _)| r > b) {
                    best = Some((r, until));
                }
            }
        }
        best
    }

    /// The tier held at `at`: the metric's level, a level kept by its grace,
    /// or a paid membership's, whichever is highest.
    pub fn tier_rank_at(&self, program: &Program, at: DateTime<Utc>) -> Option<usize> {
        let tiers = program.tiers.as_ref()?;
        let earned = self.earned_rank_at(tiers, &program.zone, at).max(
            self.grace_at(tiers, &program.zone, at)
                .map(|(rank, _)| rank),
        );
        let paid = self
            .membership
            .as_ref()
            .filter(|m| m.from <= at && at < m.until)
            .and_then(|m| tiers.rank_of(m.tier.as_str()));
        earned.max(paid)
    }

    /// Net spend over all orders, for analytics' lifetime value.
    pub fn net_spend(&self) -> i64 {
        self.orders
            .values()
            .fold(0i64, |sum, o| sum.saturating_add(o.net_spend()))
    }

    pub fn standing_orders(&self) -> u64 {
        self.orders.values().filter(|o| !o.cancelled).count() as u64
    }

    pub fn profile(&self, member_id: &Id) -> Option<&Profile> {
        self.profiles.get(member_id)
    }

    pub fn code(&self, code: &str) -> Option<&IssuedCode> {
        self.codes.iter().find(|c| c.code == code)
    }
}

/// The start of a tier window ending at `at`.
#[derive(Clone, Copy, Debug)]
enum WindowStart {
    /// `t >= start` (calendar year).
    Inclusive(DateTime<Utc>),
    /// `t > start` (rolling days: the window is (at - days, at]).
    Exclusive(DateTime<Utc>),
}

impl WindowStart {
    fn admits(self, t: DateTime<Utc>) -> bool {
        match self {
            WindowStart::Inclusive(start) => t >= start,
            WindowStart::Exclusive(start) => t > start,
        }
    }
}

fn window_start(window: Window, zone: &Zone, at: DateTime<Utc>) -> Option<WindowStart> {
    match window {
        Window::Lifetime => None,
        Window::CalendarYear => zone
            .bounds(Period::Year, at)
            .map(|(start, _)| WindowStart::Inclusive(start)),
        Window::RollingDays(days) => Some(WindowStart::Exclusive(at - Duration::days(days))),
    }
}
