//! Shop analytics as counters updated write by write, never by scanning members.
//!
//! Each write of a member state reports its [`MemberFigures`] before and
//! after; [`ShopCounters::record`] adds the difference. The edge keeps the
//! counters in one Durable Object per shop, with the last figures it recorded
//! for each member state, so a repeated report adds nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::member::{CodeStatus, MemberState, Profile};
use crate::program::{Benefit, Program};

/// What one member state contributes to the shop's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemberFigures {
    pub members: i64,
    pub participants: i64,
    pub ordering: i64,
    pub repeat: i64,
    pub net_spend: i64,
    pub issued: i64,
    pub redeemed: i64,
    pub outstanding: i64,
    pub referrals: i64,
    pub tier: Option<String>,
    /// Survey answers: promoters, detractors, all.
    #[serde(default)]
    pub nps: [i64; 3],
    /// The shop's local date of the write these figures were taken at: the
    /// day of the daily series its difference counts on (none: no day, as
    /// for what an erasure leaves).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<NaiveDate>,
    /// Donations redeemed (not cancelled), minor units by cause.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub donations: BTreeMap<String, i64>,
    /// The state's days for the shop's schedule (birthdays, anniversaries,
    /// the warning before expiry): the shop object's index by day follows
    /// them. No count.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<crate::schedule::Dated>,
    /// The state's members as the shop's list of members shows them (the
    /// shop object's index follows them, as it follows `dates`). No count.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roster: Vec<Listed>,
    /// Points available now (without pending), for the list's sorting.
    #[serde(default)]
    pub balance: i64,
    /// The state's last earning or spending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_activity: Option<DateTime<Utc>>,
    /// The rank of `tier` among the program's levels (0: the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_rank: Option<u32>,
}

/// One member as the shop's list of members shows them, and finds them by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Listed {
    pub member_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_hash: Option<String>,
    pub referral_code: String,
    /// When the shop first saw the member.
    pub joined_at: DateTime<Utc>,
}

impl MemberFigures {
    /// What stays of a state's figures once its last member is erased: the
    /// points issued and redeemed and the referrals converted, as anonymous
    /// totals. It leaves the member, participant, ordering, spend, survey,
    /// tier and outstanding counts (points outstanding drop by the balance).
    pub fn after_erasure(&self) -> Self {
        Self {
            issued: self.issued,
            redeemed: self.redeemed,
            referrals: self.referrals,
            donations: self.donations.clone(),
            ..Self::default()
        }
    }

    /// Whether the list of members shows these figures otherwise than
    /// `before` (its index is written again only then).
    pub fn listed_differently(&self, before: &Self) -> bool {
        self.roster != before.roster
            || self.balance != before.balance
            || self.last_activity != before.last_activity
            || self.tier != before.tier
            || self.tier_rank != before.tier_rank
    }

    /// The figures of a state at the moment of a write.
    pub fn of(program: &Program, state: &MemberState, now: DateTime<Utc>) -> Self {
        let orders = state.standing_orders();
        let balances = state.balances(program, now);
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let tier_rank = state.tier_rank_at(program, now);
        Self {
            members: count(state.profiles.len()),
            participants: if state.participant {
                count(state.profiles.len())
            } else {
                0
            },
            ordering: i64::from(orders >= 1),
            repeat: i64::from(orders >= 2),
            net_spend: state.net_spend(),
            issued: state.lifetime_earned,
            redeemed: state.points_redeemed,
            outstanding: balances.available.saturating_add(balances.pending),
            referrals: i64::try_from(
                state
                    .profiles
                    .values()
                    .map(Profile::referrals_credited)
                    .sum::<u64>()
                    .saturating_add(state.erased_referrals),
            )
            .unwrap_or(i64::MAX),
            tier: tier_rank
                .and_then(|rank| program.level(rank))
                .map(|level| level.id.to_string()),
            tier_rank: tier_rank.and_then(|rank| u32::try_from(rank).ok()),
            balance: balances.available,
            last_activity: state.last_activity,
            roster: state
                .profiles
                .values()
                .map(|profile| Listed {
                    member_id: profile.member_id.to_string(),
                    email_hash: profile.email_hash.clone(),
                    referral_code: profile.referral_code.clone(),
                    joined_at: profile.first_seen,
                })
                .collect(),
            nps: state.nps,
            dates: crate::schedule::dates(program, state, now),
            day: Some(program.zone.local(now).date()),
            donations: state
                .codes
                .iter()
                .filter(|code| code.status != CodeStatus::Cancelled)
                .filter_map(|code| match &code.benefit {
                    Benefit::Donation {
                        cause,
                        amount_minor,
                    } => Some((cause, *amount_minor)),
                    _ => None,
                })
                .fold(BTreeMap::new(), |mut sums, (cause, amount)| {
                    let sum: &mut i64 = sums.entry(cause.clone()).or_default();
                    *sum = sum.saturating_add(amount);
                    sums
                }),
        }
    }
}

/// How many local days the daily series keeps, counted back from the
/// newest day it holds.
pub const DAYS_KEPT: i64 = 92;

/// What one local day changed: points issued and redeemed, net spend (a
/// refund lowers it) and members (new, less erased).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DayTotals {
    pub points_issued: i64,
    pub points_redeemed: i64,
    pub net_spend: i64,
    pub members: i64,
}

/// One day of the daily series, on the shop's clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DayFigures {
    pub date: NaiveDate,
    #[serde(flatten)]
    pub totals: DayTotals,
}

/// The shop's running totals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ShopCounters {
    pub members: i64,
    pub participants: i64,
    pub ordering: i64,
    pub repeat: i64,
    pub net_spend: i64,
    pub points_issued: i64,
    pub points_redeemed: i64,
    pub points_outstanding: i64,
    pub referral_conversions: i64,
    pub tier_counts: BTreeMap<String, i64>,
    pub nps_promoters: i64,
    pub nps_detractors: i64,
    pub nps_answers: i64,
    /// The daily series by local date (the last [`DAYS_KEPT`] days).
    #[serde(default)]
    pub days: BTreeMap<NaiveDate, DayTotals>,
    /// What shoppers gave, minor units by cause.
    #[serde(default)]
    pub donations: BTreeMap<String, i64>,
}

/// The contract's metrics at one moment; rates in basis points.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Metrics {
    pub members: i64,
    pub participation_rate: i64,
    pub redemption_rate: i64,
    pub repeat_customer_rate: i64,
    pub points_outstanding: i64,
    pub points_issued: i64,
    pub points_redeemed: i64,
    pub tier_counts: BTreeMap<String, i64>,
    pub referral_conversions: i64,
    pub clv_minor: i64,
    /// Per cent of promoters minus per cent of detractors, floored; null without answers.
    pub nps: Option<i64>,
    pub nps_answers: i64,
}

/// The analytics endpoint's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Analytics {
    #[serde(flatten)]
    pub metrics: Metrics,
    /// What each local day of the program's `time_zone` changed, oldest
    /// first, up to 92 days back from the newest; days without a change
    /// are left out.
    pub daily: Vec<DayFigures>,
    /// What shoppers gave through donation rewards (redeemed, not
    /// cancelled), minor units of the program's currency by cause.
    pub donations: BTreeMap<String, i64>,
}

/// What a point is worth at most: the money reward that gives the most
/// per point, as `amount_minor` for `points` (kept as a ratio, so no
/// rounding happens before the one floor of a liability).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PointValue {
    pub amount_minor: i64,
    pub points: i64,
}

impl PointValue {
    /// The program's best rate among rewards that give money (an amount
    /// off, store credit, a donation); `None` when none does.
    pub fn of(program: &Program) -> Option<Self> {
        program
            .rewards
            .iter()
            .filter(|reward| reward.cost_points > 0)
            .filter_map(|reward| match reward.benefit {
                Benefit::AmountOff { amount_minor }
                | Benefit::StoreCredit { amount_minor }
                | Benefit::Donation { amount_minor, .. } => Some(Self {
                    amount_minor,
                    points: reward.cost_points,
                }),
                _ => None,
            })
            .max_by(|a, b| {
                (i128::from(a.amount_minor) * i128::from(b.points))
                    .cmp(&(i128::from(b.amount_minor) * i128::from(a.points)))
            })
    }

    /// What `points` would cost the shop at this rate, floored.
    pub fn of_points(self, points: i64) -> i64 {
        if self.points <= 0 {
            return 0;
        }
        i64::try_from(i128::from(points) * i128::from(self.amount_minor) / i128::from(self.points))
            .unwrap_or(i64::MAX)
    }
}

/// One local day of the daily series: the metrics as the day closed (as
/// of the last write recorded that day; a day without one carries the day
/// before), what the day changed, and the liability in money.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DayPoint {
    pub date: NaiveDate,
    #[serde(flatten)]
    pub metrics: Metrics,
    /// `points_outstanding` in minor units at the program's point value
    /// (null when no reward gives money).
    pub liability_minor: Option<i64>,
    pub changes: DayTotals,
}

/// What the shop object keeps of one day: the metrics as of its last
/// write, and its changes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRecord {
    pub metrics: Metrics,
    pub changes: DayTotals,
}

/// Every day from `from` to `to` (at most 366), from the days recorded in
/// that span and the last one recorded before it (`before`).
pub fn series(
    from: NaiveDate,
    to: NaiveDate,
    before: Option<&Metrics>,
    recorded: &BTreeMap<NaiveDate, DayRecord>,
    value: Option<PointValue>,
) -> Vec<DayPoint> {
    let mut carried = before.cloned().unwrap_or_default();
    let mut points = Vec::new();
    let mut day = from;
    while day <= to && points.len() < 366 {
        let changes = match recorded.get(&day) {
            Some(record) => {
                carried = record.metrics.clone();
                record.changes.clone()
            }
            None => DayTotals::default(),
        };
        points.push(DayPoint {
            date: day,
            liability_minor: value.map(|v| v.of_points(carried.points_outstanding)),
            metrics: carried.clone(),
            changes,
        });
        day += Duration::days(1);
    }
    points
}

fn rate_bp(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    i64::try_from(i128::from(part) * 10_000 / i128::from(whole)).unwrap_or(0)
}

impl ShopCounters {
    /// Adds the change one write made to one member state.
    pub fn record(&mut self, before: &MemberFigures, after: &MemberFigures) {
        let delta = |a: i64, b: i64| b.saturating_sub(a);
        self.members = self
            .members
            .saturating_add(delta(before.members, after.members));
        self.participants = self
            .participants
            .saturating_add(delta(before.participants, after.participants));
        self.ordering = self
            .ordering
            .saturating_add(delta(before.ordering, after.ordering));
        self.repeat = self
            .repeat
            .saturating_add(delta(before.repeat, after.repeat));
        self.net_spend = self
            .net_spend
            .saturating_add(delta(before.net_spend, after.net_spend));
        self.points_issued = self
            .points_issued
            .saturating_add(delta(before.issued, after.issued));
        self.points_redeemed = self
            .points_redeemed
            .saturating_add(delta(before.redeemed, after.redeemed));
        self.points_outstanding = self
            .points_outstanding
            .saturating_add(delta(before.outstanding, after.outstanding));
        self.referral_conversions = self
            .referral_conversions
            .saturating_add(delta(before.referrals, after.referrals));
        self.nps_promoters = self
            .nps_promoters
            .saturating_add(delta(before.nps[0], after.nps[0]));
        self.nps_detractors = self
            .nps_detractors
            .saturating_add(delta(before.nps[1], after.nps[1]));
        self.nps_answers = self
            .nps_answers
            .saturating_add(delta(before.nps[2], after.nps[2]));
        let causes: std::collections::BTreeSet<String> = before
            .donations
            .keys()
            .chain(after.donations.keys())
            .cloned()
            .collect();
        for cause in causes {
            let was = before.donations.get(&cause).copied().unwrap_or(0);
            let is = after.donations.get(&cause).copied().unwrap_or(0);
            if was != is {
                let sum = self.donations.entry(cause.clone()).or_insert(0);
                *sum = sum.saturating_add(is.saturating_sub(was));
                if *sum == 0 {
                    self.donations.remove(&cause);
                }
            }
        }
        if let Some(day) = after.day {
            let totals = self.days.entry(day).or_default();
            totals.points_issued = totals
                .points_issued
                .saturating_add(delta(before.issued, after.issued));
            totals.points_redeemed = totals
                .points_redeemed
                .saturating_add(delta(before.redeemed, after.redeemed));
            totals.net_spend = totals
                .net_spend
                .saturating_add(delta(before.net_spend, after.net_spend));
            totals.members = totals
                .members
                .saturating_add(delta(before.members, after.members));
            if *totals == DayTotals::default() {
                self.days.remove(&day);
            }
            if let Some(newest) = self.days.keys().next_back().copied() {
                let first = newest - Duration::days(DAYS_KEPT - 1);
                self.days.retain(|date, _| *date >= first);
            }
        }
        if before.tier != after.tier || before.members != after.members {
            if let Some(tier) = &before.tier {
                let count = self.tier_counts.entry(tier.clone()).or_insert(0);
                *count = count.saturating_sub(before.members);
            }
            if let Some(tier) = &after.tier {
                let count = self.tier_counts.entry(tier.clone()).or_insert(0);
                *count = count.saturating_add(after.members);
            }
            self.tier_counts.retain(|_, count| *count != 0);
        }
    }

    pub fn report(&self) -> Analytics {
        Analytics {
            metrics: self.metrics(),
            daily: self
                .days
                .iter()
                .map(|(date, totals)| DayFigures {
                    date: *date,
                    totals: totals.clone(),
                })
                .collect(),
            donations: self.donations.clone(),
        }
    }

    /// The metrics now.
    pub fn metrics(&self) -> Metrics {
        let nps = (self.nps_answers > 0).then(|| {
            (self.nps_promoters.saturating_sub(self.nps_detractors))
                .saturating_mul(100)
                .div_euclid(self.nps_answers)
        });
        Metrics {
            members: self.members,
            participation_rate: rate_bp(self.participants, self.members),
            redemption_rate: rate_bp(self.points_redeemed, self.points_issued),
            repeat_customer_rate: rate_bp(self.repeat, self.ordering),
            points_outstanding: self.points_outstanding,
            points_issued: self.points_issued,
            points_redeemed: self.points_redeemed,
            tier_counts: self.tier_counts.clone(),
            referral_conversions: self.referral_conversions,
            clv_minor: if self.ordering > 0 {
                self.net_spend / self.ordering
            } else {
                0
            },
            nps,
            nps_answers: self.nps_answers,
        }
    }
}
