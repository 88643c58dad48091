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

    /// The figures of a state at the moment of a write.
    pub fn of(program: &Program, state: &MemberState, now: DateTime<Utc>) -> Self {
        let orders = state.standing_orders();
        let balances = state.balances(program, now);
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
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
            tier: state
                .tier_rank_at(program, now)
                .and_then(|rank| program.level(rank))
                .map(|level| level.id.to_string()),
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

/// The analytics endpoint's answer; rates in basis points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Analytics {
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
    /// What each local day of the program's `time_zone` changed, oldest
    /// first, up to 92 days back from the newest; days without a change
    /// are left out.
    pub daily: Vec<DayFigures>,
    /// What shoppers gave through donation rewards (redeemed, not
    /// cancelled), minor units of the program's currency by cause.
    pub donations: BTreeMap<String, i64>,
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
        let nps = (self.nps_answers > 0).then(|| {
            (self.nps_promoters.saturating_sub(self.nps_detractors))
                .saturating_mul(100)
                .div_euclid(self.nps_answers)
        });
        Analytics {
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
}
