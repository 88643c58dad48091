//! What shoppers and merchants read: the member view and the public program
//! view of contract section 6, localized, computed from state and `now`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::id::Id;
use crate::member::MemberState;
use crate::program::{
    Benefit, Effect, EventMatch, Localized, Metric, Program, ReferrerPrize, Window,
};

/// Locales whose script runs right to left.
const RTL_LANGUAGES: [&str; 6] = ["ar", "fa", "he", "ur", "ps", "yi"];

/// `rtl` or `ltr` for a locale such as `ar-SA`.
pub fn direction(locale: &str) -> &'static str {
    let language = locale.split(['-', '_']).next().unwrap_or(locale);
    if RTL_LANGUAGES.contains(&language.to_ascii_lowercase().as_str()) {
        "rtl"
    } else {
        "ltr"
    }
}

/// What a view needs besides the state: the moment, the language, and where
/// referral links point.
#[derive(Clone, Copy, Debug)]
pub struct ViewContext<'a> {
    pub now: DateTime<Utc>,
    pub locale: &'a str,
    /// The referral link without the code, e.g. `https://edge.example/r/demo/`.
    pub referral_base: &'a str,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TierRef {
    pub id: Id,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub benefits: Vec<String>,
    /// Held by its grace: until when, and how much more of the metric
    /// keeps it ("Gold until 12 March: spend 150.00 to keep it").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_remaining: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NextTier {
    pub id: Id,
    pub name: String,
    /// How much more of the metric reaches it.
    pub remaining: i64,
    pub progress_bp: i64,
    /// `spend` (minor units), `points` or `orders`.
    pub metric: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub benefits: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReferralView {
    pub code: String,
    pub url: String,
    pub referred: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BadgeView {
    pub id: Id,
    pub name: String,
    pub earned_at: DateTime<Utc>,
}

/// How far a member is toward a badge not yet earned ("2 of 3 reviews").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BadgeStep {
    pub id: Id,
    pub done: u32,
    pub count: u32,
}

/// A member's standing in the current period of a running challenge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChallengeView {
    pub id: Id,
    pub name: String,
    /// `count` (events) or `spend` (minor units of the program's currency).
    pub goal: String,
    /// `order_paid`, `review_posted`, … or `custom:<action>`.
    pub event: String,
    pub target: i64,
    /// Counted so far in this period (net of refunds), and as basis points
    /// of the target (at most 10000).
    pub progress: i64,
    pub progress_bp: i64,
    /// This period, `[starts_at, ends_at)` (`ends_at` none: open-ended).
    pub starts_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// The reward is held for this period.
    pub reached: bool,
    pub points: i64,
    /// The badge that comes with it, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge: Option<String>,
}

/// A challenge as anyone may read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChallengeInfo {
    pub id: Id,
    pub name: String,
    pub event: String,
    pub goal: String,
    pub target: i64,
    /// Repeats each such period of the shop's zone; none: once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<crate::program::Period>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    pub points: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge: Option<String>,
}

fn goal_name(goal: crate::challenge::Goal) -> &'static str {
    match goal {
        crate::challenge::Goal::Count(_) => "count",
        crate::challenge::Goal::Spend(_) => "spend",
    }
}

fn badge_name(program: &Program, badge: Option<usize>, locale: &str) -> Option<String> {
    badge
        .and_then(|b| program.badges.get(b))
        .map(|b| b.name.pick(locale, &program.default_locale).to_owned())
}

/// The running challenges at `now` and the member's progress in each.
fn challenge_views(
    program: &Program,
    state: &MemberState,
    now: DateTime<Utc>,
    locale: &str,
) -> Vec<ChallengeView> {
    program
        .challenges
        .iter()
        .filter_map(|challenge| {
            let span = challenge.period(&program.zone, now)?;
            let progress = state
                .challenges
                .iter()
                .find(|p| p.challenge == challenge.id && p.start == span.start);
            let target = challenge.goal.target();
            let done = progress.map_or(0, crate::challenge::Progress::total);
            let bp = (i128::from(done) * 10_000 / i128::from(target.max(1))).clamp(0, 10_000);
            Some(ChallengeView {
                id: challenge.id.clone(),
                name: challenge
                    .name
                    .pick(locale, &program.default_locale)
                    .to_owned(),
                goal: goal_name(challenge.goal).to_owned(),
                event: event_name(&challenge.event),
                target,
                progress: done,
                progress_bp: i64::try_from(bp).unwrap_or(0),
                starts_at: span.start,
                ends_at: span.end,
                reached: progress.is_some_and(|p| p.reached_at.is_some()),
                points: challenge.points,
                badge: badge_name(program, challenge.badge, locale),
            })
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Expiring {
    pub points: i64,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RewardView {
    pub id: Id,
    pub name: String,
    pub cost_points: i64,
    #[serde(flatten)]
    pub benefit: Benefit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_tier: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_days: Option<i64>,
    /// Whether the member may redeem it now (tier and balance allow it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affordable: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CodeView {
    pub code: String,
    pub reward: String,
    pub name: String,
    #[serde(flatten)]
    pub benefit: Benefit,
    pub issued_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// The member view of contract section 6.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemberView {
    pub member_id: Id,
    pub known: bool,
    pub balance: i64,
    pub pending: i64,
    pub lifetime_earned: i64,
    pub store_credit_minor: i64,
    pub currency: String,
    pub points_label: String,
    pub tier: Option<TierRef>,
    pub next_tier: Option<NextTier>,
    pub referral: Option<ReferralView>,
    pub badges: Vec<BadgeView>,
    /// Badges not yet earned that the member has begun.
    #[serde(default)]
    pub badge_progress: Vec<BadgeStep>,
    /// The challenges running now, with the member's progress.
    #[serde(default)]
    pub challenges: Vec<ChallengeView>,
    pub expiring: Option<Expiring>,
    pub rewards: Vec<RewardView>,
    pub codes: Vec<CodeView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<Id>,
    /// `enrolled`, or why the member is out of the program (`left`,
    /// `opted_out`): the panel then offers the way back in.
    #[serde(default = "enrolled")]
    pub enrollment: String,
    /// Orders paid as a guest and credited at signup, shown for
    /// [`GUEST_NOTICE_DAYS`] after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest_orders: Option<crate::member::GuestOrdersAdded>,
    pub locale: String,
    pub dir: String,
}

/// How long the panel tells a member that their guest orders were added.
pub const GUEST_NOTICE_DAYS: i64 = 30;

fn enrolled() -> String {
    "enrolled".to_owned()
}

fn tier_ref(program: &Program, rank: usize, locale: &str) -> Option<TierRef> {
    let level = program.level(rank)?;
    Some(TierRef {
        id: level.id.clone(),
        name: level.name.pick(locale, &program.default_locale).to_owned(),
        benefits: pick_all(&level.benefits, locale, &program.default_locale),
        grace_until: None,
        keep_remaining: None,
    })
}

fn pick_all(texts: &[Localized], locale: &str, fallback: &str) -> Vec<String> {
    texts
        .iter()
        .map(|t| t.pick(locale, fallback).to_owned())
        .collect()
}

fn metric_name(metric: Metric) -> &'static str {
    match metric {
        Metric::Spend => "spend",
        Metric::Points => "points",
        Metric::Orders => "orders",
    }
}

/// The level after the one held, and how far the metric is from it.
fn next_tier(
    program: &Program,
    state: &MemberState,
    held: Option<usize>,
    ctx: &ViewContext<'_>,
) -> Option<NextTier> {
    let tiers = program.tiers.as_ref()?;
    let metric = state.metric_at(tiers, &program.zone, ctx.now);
    let earned = state.earned_rank_at(tiers, &program.zone, ctx.now);
    let from = held.map_or(0, |rank| rank.saturating_add(1));
    let (_, next) = tiers
        .levels
        .iter()
        .enumerate()
        .skip(from)
        .find(|(_, level)| !level.paid)?;
    let current = earned
        .and_then(|rank| tiers.levels.get(rank))
        .map_or(0, |l| l.threshold);
    let span = i128::from(next.threshold) - i128::from(current);
    let progress = if span <= 0 {
        0
    } else {
        (10_000 * (i128::from(metric) - i128::from(current)) / span).clamp(0, 10_000)
    };
    Some(NextTier {
        id: next.id.clone(),
        name: next
            .name
            .pick(ctx.locale, &program.default_locale)
            .to_owned(),
        remaining: next.threshold.saturating_sub(metric).max(0),
        progress_bp: i64::try_from(progress).unwrap_or(0),
        metric: metric_name(tiers.metric).to_owned(),
        benefits: pick_all(&next.benefits, ctx.locale, &program.default_locale),
    })
}

fn reward_views(program: &Program, locale: &str) -> Vec<RewardView> {
    program
        .rewards
        .iter()
        .map(|reward| RewardView {
            id: reward.id.clone(),
            name: reward.name.pick(locale, &program.default_locale).to_owned(),
            cost_points: reward.cost_points,
            benefit: reward.benefit.clone(),
            min_tier: reward
                .min_tier
                .and_then(|r| program.level(r))
                .map(|l| l.id.clone()),
            valid_days: reward.valid_days,
            affordable: None,
        })
        .collect()
}

/// The member view at `ctx.now`. A member the shop has never seen gets an
/// empty view, not an error.
pub fn member_view(
    program: &Program,
    state: &MemberState,
    member_id: &Id,
    ctx: &ViewContext<'_>,
) -> MemberView {
    let locale = ctx.locale;
    let profile = state.profile(member_id);
    let balances = state.balances(program, ctx.now);
    let held = state.tier_rank_at(program, ctx.now);
    let rewards = reward_views(program, locale)
        .into_iter()
        .map(|mut view| {
            let allowed =
                crate::redemption::redeem_check(program, state, view.id.as_str(), ctx.now).is_ok();
            view.affordable = Some(profile.is_some() && allowed);
            view
        })
        .collect();
    let codes = state
        .codes
        .iter()
        .filter(|code| code.member_id == *member_id && code.is_usable(ctx.now))
        .map(|code| CodeView {
            code: code.code.clone(),
            reward: code.reward.clone(),
            name: program
                .reward(&code.reward)
                .map(|r| r.name.pick(locale, &program.default_locale).to_owned())
                .unwrap_or_else(|| code.reward.clone()),
            benefit: code.benefit.clone(),
            issued_at: code.issued_at,
            expires_at: code.expires_at,
        })
        .collect();
    let badges = program
        .badges
        .iter()
        .filter_map(|badge| {
            state.badges.get(&badge.id).map(|at| BadgeView {
                id: badge.id.clone(),
                name: badge.name.pick(locale, &program.default_locale).to_owned(),
                earned_at: *at,
            })
        })
        .collect();
    let guest_orders = profile
        .and_then(|p| p.guest_orders.clone())
        .filter(|added| ctx.now - added.at < chrono::Duration::days(GUEST_NOTICE_DAYS));
    MemberView {
        guest_orders,
        member_id: member_id.clone(),
        known: profile.is_some(),
        balance: balances.available,
        pending: balances.pending,
        lifetime_earned: state.lifetime_earned,
        store_credit_minor: state.store_credit_minor,
        currency: program.currency.clone(),
        points_label: program
            .points_label
            .pick(locale, &program.default_locale)
            .to_owned(),
        tier: held.and_then(|rank| {
            let mut tier = tier_ref(program, rank, locale)?;
            let tiers = program.tiers.as_ref()?;
            // Held by grace (and by nothing higher): until when, and what
            // keeps it.
            if let Some((graced, until)) = state.grace_at(tiers, &program.zone, ctx.now)
                && graced == rank
            {
                tier.grace_until = Some(until);
                let metric = state.metric_at(tiers, &program.zone, ctx.now);
                tier.keep_remaining = tiers
                    .levels
                    .get(rank)
                    .map(|level| level.threshold.saturating_sub(metric).max(0));
            }
            Some(tier)
        }),
        next_tier: next_tier(program, state, held, ctx),
        referral: profile.map(|p| ReferralView {
            code: p.referral_code.clone(),
            url: format!("{}{}", ctx.referral_base, p.referral_code),
            referred: p.referrals_credited(),
        }),
        badges,
        badge_progress: program
            .badges
            .iter()
            .filter(|badge| !state.badges.contains_key(&badge.id))
            .filter_map(|badge| {
                let done = state.badge_progress.get(&badge.id).copied()?;
                (done > 0).then(|| BadgeStep {
                    id: badge.id.clone(),
                    done,
                    count: badge.count,
                })
            })
            .collect(),
        challenges: challenge_views(program, state, ctx.now, locale),
        expiring: balances.expires_at.map(|at| Expiring {
            points: balances.available,
            at,
        }),
        rewards,
        codes,
        account_id: profile.and_then(|p| p.account_id.clone()),
        enrollment: profile
            .map_or("enrolled", |p| p.enrollment.status())
            .to_owned(),
        locale: locale.to_owned(),
        dir: direction(locale).to_owned(),
    }
}

/// One way to earn, as the panel lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WayToEarn {
    pub id: Id,
    pub name: Option<String>,
    pub event: String,
    /// `per_amount`, `fixed`, `multiplier`, `issue_reward` or `cashback`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LevelView {
    pub id: Id,
    pub name: String,
    pub threshold: i64,
    pub earn_multiplier_bp: i64,
    pub paid: bool,
    pub benefits: Vec<String>,
    /// A paid level's price and where to join.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TiersView {
    pub metric: String,
    /// `lifetime`, `calendar_year` or `rolling_days`.
    pub window: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_days: Option<i64>,
    pub levels: Vec<LevelView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReferralProgramView {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer_points: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer_reward: Option<Benefit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referee_reward: Option<Benefit>,
    pub min_order_minor: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BadgeInfo {
    pub id: Id,
    pub name: String,
    /// What earns it `count` times; none when only a challenge gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    pub count: u32,
    pub bonus_points: i64,
}

/// The public program view: what a guest sees, in one locale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProgramView {
    pub version: u64,
    pub name: Option<String>,
    pub currency: String,
    pub points_label: String,
    pub locale: String,
    pub dir: String,
    pub links: crate::program::Links,
    pub ways_to_earn: Vec<WayToEarn>,
    pub rewards: Vec<RewardView>,
    pub tiers: Option<TiersView>,
    pub referral: Option<ReferralProgramView>,
    pub badges: Vec<BadgeInfo>,
    #[serde(default)]
    pub challenges: Vec<ChallengeInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactivity_days: Option<i64>,
    pub pending_days: i64,
    /// The shop's IANA zone: dates are shown on its clock.
    #[serde(default = "utc")]
    pub time_zone: String,
}

fn utc() -> String {
    "UTC".to_owned()
}

fn event_name(event: &EventMatch) -> String {
    event.name()
}

/// The public view of the program in `locale`.
pub fn program_view(program: &Program, locale: &str) -> ProgramView {
    let fallback = program.default_locale.as_str();
    let ways_to_earn = program
        .earn_rules
        .iter()
        .map(|rule| {
            let mut way = WayToEarn {
                id: rule.id.clone(),
                name: rule
                    .name
                    .as_ref()
                    .map(|n| n.pick(locale, fallback).to_owned()),
                event: event_name(&rule.event),
                kind: String::new(),
                points: None,
                per_minor: None,
                bp: None,
                reward: None,
                from: rule.active.from,
                until: rule.active.until,
            };
            match &rule.effect {
                Effect::PerAmount { points, per_minor } => {
                    way.kind = "per_amount".into();
                    way.points = Some(*points);
                    way.per_minor = Some(*per_minor);
                }
                Effect::Fixed { points } => {
                    way.kind = "fixed".into();
                    way.points = Some(*points);
                }
                Effect::Multiplier { bp } => {
                    way.kind = "multiplier".into();
                    way.bp = Some(*bp);
                }
                Effect::Cashback { bp } => {
                    way.kind = "cashback".into();
                    way.bp = Some(*bp);
                }
                Effect::IssueReward { reward, .. } => {
                    way.kind = "issue_reward".into();
                    way.reward = program.rewards.get(*reward).map(|r| r.id.clone());
                }
            }
            way
        })
        .collect();
    let tiers = program.tiers.as_ref().map(|tiers| {
        let (window, window_days) = match tiers.window {
            Window::Lifetime => ("lifetime", None),
            Window::CalendarYear => ("calendar_year", None),
            Window::RollingDays(days) => ("rolling_days", Some(days)),
        };
        TiersView {
            metric: metric_name(tiers.metric).to_owned(),
            window: window.to_owned(),
            window_days,
            levels: tiers
                .levels
                .iter()
                .map(|level| LevelView {
                    id: level.id.clone(),
                    name: level.name.pick(locale, fallback).to_owned(),
                    threshold: level.threshold,
                    earn_multiplier_bp: level.earn_multiplier_bp,
                    paid: level.paid,
                    benefits: pick_all(&level.benefits, locale, fallback),
                    price_minor: level.price_minor,
                    join_url: level.join_url.clone(),
                })
                .collect(),
        }
    });
    let referral = program.referral.as_ref().map(|referral| {
        let (points, reward) = match &referral.referrer {
            ReferrerPrize::Points(points) => (Some(*points), None),
            ReferrerPrize::Reward(gift) => (None, Some(gift.benefit.clone())),
        };
        ReferralProgramView {
            referrer_points: points,
            referrer_reward: reward,
            referee_reward: referral.referee_reward.as_ref().map(|g| g.benefit.clone()),
            min_order_minor: referral.min_order_minor,
        }
    });
    ProgramView {
        version: program.version,
        name: program
            .name
            .as_ref()
            .map(|n| n.pick(locale, fallback).to_owned()),
        currency: program.currency.clone(),
        points_label: program.points_label.pick(locale, fallback).to_owned(),
        locale: locale.to_owned(),
        dir: direction(locale).to_owned(),
        links: program.links.clone(),
        ways_to_earn,
        rewards: reward_views(program, locale),
        tiers,
        referral,
        badges: program
            .badges
            .iter()
            .map(|badge| BadgeInfo {
                id: badge.id.clone(),
                name: badge.name.pick(locale, fallback).to_owned(),
                event: badge.event.as_ref().map(event_name),
                count: badge.count,
                bonus_points: badge.bonus_points,
            })
            .collect(),
        challenges: program
            .challenges
            .iter()
            .map(|challenge| ChallengeInfo {
                id: challenge.id.clone(),
                name: challenge.name.pick(locale, fallback).to_owned(),
                event: event_name(&challenge.event),
                goal: goal_name(challenge.goal).to_owned(),
                target: challenge.goal.target(),
                per: challenge.per,
                from: challenge.active.from,
                until: challenge.active.until,
                points: challenge.points,
                badge: badge_name(program, challenge.badge, locale),
            })
            .collect(),
        inactivity_days: program.inactivity_days,
        pending_days: program.pending_days,
        time_zone: program.zone.name.clone(),
    }
}
