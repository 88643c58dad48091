//! Applying one event to a member: the award arithmetic of contract section 3.
//!
//! [`apply_event`] first checks and plans without touching the state, so an
//! error changes nothing; only then does it write. Every figure is an integer,
//! every rounding a floor, every intermediate an `i128` checked against
//! [`MAX_EVENT_POINTS`].

use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::challenge::{Progress, Span, Step, refunded_step};
use crate::code::{Entropy, reward_code};
use crate::condition::Facts;
use crate::event::{Event, EventKind};
use crate::exchange::{Exchange, to_program_currency};
use crate::id::Id;
use crate::json::Problem;
use crate::member::{
    CodeSource, CodeStatus, Earning, EntryKind, HeldMembership, IssuedCode, LedgerEntry,
    MemberState, OrderRecord,
};
use crate::program::{Benefit, EarnRule, Effect, Program};
use crate::reason::{Reason, ReasonCode, why_not};

/// The most points one event may give or take (and the bound of every step).
pub const MAX_EVENT_POINTS: i64 = 1_000_000_000_000_000;
/// The most points a balance may hold.
pub const MAX_BALANCE: i64 = 4_000_000_000_000_000_000;

/// One line of an award's explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AwardLine {
    /// A rule id, `tier:<id>` or `badge:<id>`.
    pub rule: Arc<str>,
    pub points: i64,
}

impl AwardLine {
    pub fn new(rule: Arc<str>, points: i64) -> Self {
        Self { rule, points }
    }
}

/// A code granted by an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CodeGrant {
    pub code: String,
    pub reward: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// How a referral code on a signup was decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReferralDecision {
    /// `accepted` or `refused`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The answer to one event, as the API returns it: the points it gave,
/// one line per rule, and the member's balance and tier after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(example = example_answer()))]
pub struct Answer {
    pub event_id: Id,
    pub duplicate: bool,
    pub points: i64,
    pub lines: Vec<AwardLine>,
    pub balance: i64,
    pub tier: Option<Id>,
    pub badges: Vec<Id>,
    pub codes: Vec<CodeGrant>,
    pub program_version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<ReferralDecision>,
    /// Store credit this event gave (cashback) or took back.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub store_credit_minor: i64,
    /// The event was answered before, for a member erased since: its first
    /// answer went with them, so this one says only that it was a duplicate.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub member_erased: bool,
    /// Why nothing was given: the member is out of the program (`left`,
    /// `opted_out`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_enrolled: Option<String>,
    /// An order paid in another currency (or its refund): the rate its
    /// amounts were counted by, and where it came from; every line's points
    /// are of the converted amounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<Exchange>,
    /// The rules of this event's kind that gave nothing, each with a stable
    /// reason code and its figures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_given: Vec<Reason>,
    /// A guest's order: held until then for a signup with the same email
    /// hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_until: Option<DateTime<Utc>>,
    /// A signup: the guest orders of the same email hash it was credited
    /// with (each also a `guest_order:<order id>` line).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guest_orders: Vec<crate::guest::GuestCredit>,
}

impl Answer {
    /// An answer that gives nothing (the start of every answer).
    pub fn nothing(event_id: Id, program_version: u64) -> Self {
        Self {
            event_id,
            duplicate: false,
            points: 0,
            lines: Vec::new(),
            balance: 0,
            tier: None,
            badges: Vec::new(),
            codes: Vec::new(),
            program_version,
            referral: None,
            store_credit_minor: 0,
            member_erased: false,
            not_enrolled: None,
            exchange: None,
            not_given: Vec::new(),
            held_until: None,
            guest_orders: Vec::new(),
        }
    }
}

/// The contract's worked example: a 129.99 USD order with 89.99 of shoes.
#[cfg(feature = "schema")]
fn example_answer() -> serde_json::Value {
    serde_json::json!({
        "event_id": "evt-1001", "duplicate": false, "points": 218,
        "lines": [{"rule": "base", "points": 129}, {"rule": "shoes-bonus", "points": 89}],
        "balance": 218, "tier": "bronze", "badges": [],
        "codes": [{"code": "Q7RM4K2XW9TB3NPA", "reward": "five-off",
                   "expires_at": "2026-12-07T10:00:00Z"}],
        "program_version": 1
    })
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// A referrer's credit that an order made due, for the edge to carry out on
/// the referrer's own state with [`crate::referral::apply_referral_credit`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReferralCredit {
    pub referrer: Id,
    pub referee: Id,
    pub event_id: Id,
    pub at: DateTime<Utc>,
}

/// Everything one applied event produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub answer: Answer,
    /// Ledger entries to append, in order.
    pub entries: Vec<LedgerEntry>,
    /// Codes issued, for the edge's code index.
    pub codes: Vec<IssuedCode>,
    pub referral_credit: Option<ReferralCredit>,
}

/// Who a signup's `referral_code` belongs to, as the edge resolved it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Referrer {
    #[default]
    NoCode,
    UnknownCode,
    Member {
        member_id: Id,
        email_hash: Option<String>,
    },
}

/// An event refused: it changed nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the event is not valid")]
    Invalid(Vec<Problem>),
    #[error(
        "the order is in {got} and the program counts in {expected}: send the subtotal in \
         {expected} as order.shop_subtotal_minor, or set a rate for {got} in the program's \
         exchange_rates"
    )]
    CurrencyMismatch { expected: String, got: String },
    #[error("order {order_id} was already paid")]
    DuplicateOrder { order_id: Id },
    #[error("the member has no order {order_id}")]
    UnknownOrder { order_id: Id },
    #[error("member {member_id} belongs to account {account}: an account_id never changes")]
    AccountChanged { member_id: Id, account: String },
    #[error("{tier} is not a paid tier of the program")]
    UnknownTier { tier: Id },
    #[error("the award or balance would pass the largest figure allowed")]
    OutOfRange,
    #[error("event id {event_id} was already used with another body")]
    IdConflict { event_id: Id },
    #[error(
        "the program holds no guests' orders: send the member_id, or set guest_days to hold \
         a guest's order for a signup with the same email hash"
    )]
    GuestsNotHeld,
}

impl EventError {
    /// The stable `code` of the problem document.
    pub fn code(&self) -> &'static str {
        match self {
            EventError::Invalid(_) => "invalid_event",
            EventError::CurrencyMismatch { .. } => "currency_mismatch",
            EventError::DuplicateOrder { .. } => "duplicate_order",
            EventError::UnknownOrder { .. } => "unknown_order",
            EventError::AccountChanged { .. } => "account_id_immutable",
            EventError::UnknownTier { .. } => "unknown_tier",
            EventError::OutOfRange => "out_of_range",
            EventError::IdConflict { .. } => "event_id_conflict",
            EventError::GuestsNotHeld => "guest_orders_off",
        }
    }

    /// The HTTP status the problem is answered with.
    pub fn status(&self) -> u16 {
        match self {
            EventError::DuplicateOrder { .. } | EventError::IdConflict { .. } => 409,
            _ => 422,
        }
    }
}

/// The moment of a write and the referral resolution the edge made for it.
#[derive(Clone, Debug)]
pub struct EventContext {
    pub now: DateTime<Utc>,
    pub referrer: Referrer,
}

impl EventContext {
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            now,
            referrer: Referrer::NoCode,
        }
    }
}

/// What the rules decide for an earning event, before anything is written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwardPlan {
    pub points: i64,
    pub lines: Vec<AwardLine>,
    pub cashback_minor: i64,
    pub badges_won: Vec<Id>,
    /// Rules whose `limit` this event uses.
    hits: Vec<Id>,
    /// `issue_reward` rules that matched: rule, reward index, valid days.
    issue: Vec<(Id, usize, Option<i64>)>,
    badge_steps: Vec<Id>,
    /// Challenges this event counts toward: index, period, step, reached.
    challenge_steps: Vec<(usize, Span, i64, bool)>,
    /// The rules of the event's kind that gave nothing, and why.
    pub reasons: Vec<Reason>,
    /// Points of challenge rewards (and their badges' bonuses) in `points`:
    /// the challenge's, not the order's, so a refund takes them back only by
    /// falling below the goal.
    challenge_points: i64,
}

impl AwardPlan {
    /// The ids of the rewards whose codes the event would issue.
    pub fn rewards_issued<'p>(&self, program: &'p Program) -> Vec<&'p Id> {
        self.issue
            .iter()
            .filter_map(|(_, index, _)| program.rewards.get(*index).map(|r| &r.id))
            .collect()
    }
}

/// What an earning event would give the member, computed and not applied:
/// the widget's cart preview and `simulate` use it. Refunds and
/// cancellations give an empty plan (they only take back).
pub fn preview_award(
    program: &Program,
    state: &MemberState,
    event: &Event,
    now: DateTime<Utc>,
) -> Result<AwardPlan, EventError> {
    let converted = to_program_currency(program, state, event)?.map(|(converted, _)| converted);
    let event = converted.as_ref().unwrap_or(event);
    check_event(program, state, event, now)?;
    match event.kind {
        EventKind::OrderRefunded | EventKind::OrderCancelled => Ok(AwardPlan::default()),
        _ => plan_award(program, state, event),
    }
}

/// Applies one event to the member's state and says what it gave.
///
/// The edge has already made sure the event id is new; [`crate::book`] shows
/// the whole flow, idempotency included.
pub fn apply_event(
    program: &Program,
    state: &mut MemberState,
    event: &Event,
    context: &EventContext,
    entropy: &mut dyn Entropy,
) -> Result<Outcome, EventError> {
    // An order in another currency is applied as the program's currency
    // sees it, by the rate the answer names and the order keeps.
    let (converted, exchange) = match to_program_currency(program, state, event)? {
        Some((converted, used)) => (Some(converted), Some(used)),
        None => (None, None),
    };
    let event = converted.as_ref().unwrap_or(event);
    let now = context.now;
    let checked = check_event(program, state, event, now);
    if let Some(out) = state
        .profiles
        .get(&event.member_id)
        .map(|p| &p.enrollment)
        .filter(|e| !e.is_enrolled())
    {
        // Out of the program: an earning event gives nothing and changes
        // nothing; a refund or cancellation of an order paid while enrolled
        // still takes its points back, one of an order paid while out has
        // nothing to take.
        let takes_back = matches!(
            event.kind,
            EventKind::OrderRefunded | EventKind::OrderCancelled
        ) && checked.is_ok();
        let nothing_to_take = matches!(checked, Err(EventError::UnknownOrder { .. }));
        if !takes_back && (checked.is_ok() || nothing_to_take) {
            return Ok(withheld(program, state, event, now, out.status()));
        }
    }
    checked?;
    let at = event.occurred_at;

    // Plan everything that can fail before the first write.
    let plan = match event.kind {
        EventKind::OrderRefunded | EventKind::OrderCancelled => None,
        _ => Some(plan_award(program, state, event)?),
    };

    let mut entries: Vec<LedgerEntry> = state.settle(program, now).into_iter().collect();
    let profile = state.ensure_profile(&event.member_id, at.min(now), entropy);
    let already_signed_up = profile.signup_at.is_some();
    if let Some(facts) = &event.member {
        if facts.email_hash.is_some() {
            profile.email_hash.clone_from(&facts.email_hash);
        }
        if facts.email_md5.is_some() {
            profile.email_md5.clone_from(&facts.email_md5);
        }
        if facts.tags.is_some() {
            profile.tags.clone_from(&facts.tags);
        }
        if facts.account_id.is_some() {
            profile.account_id.clone_from(&facts.account_id);
        }
        if facts.birthday.is_some() {
            profile.birthday = facts.birthday;
        }
    }
    if event.kind == EventKind::Signup && profile.signup_at.is_none() {
        profile.signup_at = Some(at);
    }
    if let (EventKind::SurveyCompleted, Some(score)) = (event.kind, event.nps_score) {
        let [promoters, detractors, answers] = &mut state.nps;
        *answers = answers.saturating_add(1);
        if score >= 9 {
            *promoters = promoters.saturating_add(1);
        } else if score <= 6 {
            *detractors = detractors.saturating_add(1);
        }
    }

    let mut answer = Answer::nothing(event.id.clone(), program.version);
    let mut issued = Vec::new();
    let mut referral_credit = None;

    match plan {
        None => {
            let (mut taken, credit_taken, entry) = take_back(state, event, now);
            entries.extend(entry);
            let (lost, lines, entry) = challenges_refunded(program, state, event, now);
            taken = taken.saturating_add(lost);
            answer.lines = lines;
            if let (Some(order), Some(used)) = (&event.order, &exchange)
                && let Some(record) = state.orders.get_mut(&order.order_id)
            {
                record.exchange = Some(used.clone());
            }
            answer.points = taken.saturating_neg();
            answer.store_credit_minor = credit_taken.saturating_neg();
            entries.extend(entry);
        }
        Some(plan) => {
            for rule in &plan.hits {
                state.rule_hits.entry(rule.clone()).or_default().push(at);
            }
            for badge in &plan.badge_steps {
                let progress = state.badge_progress.entry(badge.clone()).or_insert(0);
                *progress = progress.saturating_add(1);
            }
            for badge in &plan.badges_won {
                state.badges.insert(badge.clone(), at);
            }
            record_challenges(program, state, event, &plan, at);
            let pending_until = (event.kind == EventKind::OrderPaid && program.pending_days > 0)
                .then(|| at + Duration::days(program.pending_days));
            let order_id = event.order.as_ref().map(|o| &o.order_id);
            if plan.points != 0 {
                state.credit(plan.points, pending_until, order_id, now);
                state.lifetime_earned = state.lifetime_earned.saturating_add(plan.points);
                state.last_activity = state.last_activity.max(Some(at));
                let mut entry =
                    state.entry(at, EntryKind::Earn, plan.points, event.member_id.clone());
                entry.pending_until = pending_until.filter(|until| *until > now);
                entry.event_id = Some(event.id.clone());
                entry.order_id = order_id.cloned();
                entry.lines.clone_from(&plan.lines);
                entries.push(entry);
            }
            state.store_credit_minor = state.store_credit_minor.saturating_add(plan.cashback_minor);
            match (&event.order, event.kind) {
                (Some(order), EventKind::OrderPaid) => {
                    state.orders.insert(
                        order.order_id.clone(),
                        OrderRecord {
                            member_id: event.member_id.clone(),
                            at,
                            subtotal_minor: order.subtotal_minor.unwrap_or(0),
                            refunded_minor: 0,
                            cancelled: false,
                            awarded: plan.points.saturating_sub(plan.challenge_points),
                            taken_back: 0,
                            cashback_minor: plan.cashback_minor,
                            cashback_taken: 0,
                            exchange: exchange.clone(),
                        },
                    );
                    state.orders_applied = state.orders_applied.saturating_add(1);
                    state.last_order_at = state.last_order_at.max(Some(at));
                    referral_credit = referral_credit_due(program, state, event);
                }
                _ if plan.points > 0 => state.earnings.push(Earning {
                    at,
                    points: plan.points,
                }),
                _ => {}
            }
            if plan.points > 0 && event.kind != EventKind::Signup {
                state.participant = true;
            }
            for (rule, reward, valid_days) in &plan.issue {
                let Some(reward) = program.rewards.get(*reward) else {
                    continue;
                };
                let days = valid_days.or(reward.valid_days);
                let code = issue_code(
                    state,
                    entropy,
                    &event.member_id,
                    reward.id.as_str(),
                    reward.benefit.clone(),
                    at,
                    days,
                    CodeSource::Rule {
                        rule: rule.clone(),
                        event_id: event.id.clone(),
                    },
                );
                issued.push(code);
            }
            match event.kind {
                EventKind::Signup => {
                    let (decision, code) = decide_referral(
                        program,
                        state,
                        event,
                        &context.referrer,
                        already_signed_up,
                        entropy,
                    );
                    answer.referral = decision;
                    issued.extend(code);
                }
                EventKind::MembershipStarted => {
                    if let Some(membership) = &event.membership {
                        state.membership = Some(HeldMembership {
                            tier: membership.tier.clone(),
                            from: at,
                            until: membership.until,
                        });
                    }
                }
                EventKind::MembershipEnded => {
                    if let Some(held) = &mut state.membership {
                        held.until = held.until.min(at);
                    }
                }
                _ => {}
            }
            answer.points = plan.points;
            answer.lines = plan.lines;
            answer.not_given = plan.reasons;
            answer.badges = plan.badges_won;
            answer.store_credit_minor = plan.cashback_minor;
        }
    }

    answer.codes = issued
        .iter()
        .map(|c| CodeGrant {
            code: c.code.clone(),
            reward: c.reward.clone(),
            expires_at: c.expires_at,
        })
        .collect();
    answer.balance = state.balances(program, now).available;
    answer.exchange = exchange;
    answer.tier = state
        .tier_rank_at(program, now.max(at))
        .and_then(|rank| program.level(rank))
        .map(|level| level.id.clone());
    Ok(Outcome {
        answer,
        entries,
        codes: issued,
        referral_credit,
    })
}

/// The answer to an event of a member out of the program: nothing given,
/// nothing changed, and why.
fn withheld(
    program: &Program,
    state: &MemberState,
    event: &Event,
    now: DateTime<Utc>,
    status: &str,
) -> Outcome {
    let answer = Answer {
        balance: state.balances(program, now).available,
        tier: state
            .tier_rank_at(program, now)
            .and_then(|rank| program.level(rank))
            .map(|level| level.id.clone()),
        not_enrolled: Some(status.to_owned()),
        ..Answer::nothing(event.id.clone(), program.version)
    };
    Outcome {
        answer,
        entries: Vec::new(),
        codes: Vec::new(),
        referral_credit: None,
    }
}

/// Everything that refuses an event, checked before any write.
fn check_event(
    program: &Program,
    state: &MemberState,
    event: &Event,
    now: DateTime<Utc>,
) -> Result<(), EventError> {
    if event.occurred_at > now + Duration::seconds(crate::event::MAX_CLOCK_SKEW_SECONDS) {
        return Err(EventError::Invalid(vec![Problem {
            path: "$.occurred_at".into(),
            message: "is more than 5 minutes in the future".into(),
        }]));
    }
    if let Some(currency) = event.order.as_ref().and_then(|o| o.currency.as_ref())
        && *currency != program.currency
    {
        return Err(EventError::CurrencyMismatch {
            expected: program.currency.clone(),
            got: currency.clone(),
        });
    }
    if let (Some(profile), Some(wanted)) = (
        state.profiles.get(&event.member_id),
        event.member.as_ref().and_then(|m| m.account_id.as_ref()),
    ) && profile.account_id.as_ref() != Some(wanted)
    {
        return Err(EventError::AccountChanged {
            member_id: event.member_id.clone(),
            account: profile
                .account_id
                .as_ref()
                .map_or_else(|| "none".to_owned(), Id::to_string),
        });
    }
    if let Some(order) = &event.order {
        let known = state.orders.contains_key(&order.order_id);
        match event.kind {
            EventKind::OrderPaid if known => {
                return Err(EventError::DuplicateOrder {
                    order_id: order.order_id.clone(),
                });
            }
            EventKind::OrderRefunded | EventKind::OrderCancelled if !known => {
                return Err(EventError::UnknownOrder {
                    order_id: order.order_id.clone(),
                });
            }
            _ => {}
        }
    }
    if let Some(membership) = &event.membership
        && event.kind == EventKind::MembershipStarted
        && !program.is_paid_level(membership.tier.as_str())
    {
        return Err(EventError::UnknownTier {
            tier: membership.tier.clone(),
        });
    }
    Ok(())
}

/// Whether a rule's limit is used up for an event at `at`, and if so when
/// it resets (`None` inside: a lifetime limit never does): the limit counts
/// the rule's matches in the calendar period of `at` in the shop's zone.
fn limit_reached(
    program: &Program,
    state: &MemberState,
    rule: &EarnRule,
    at: DateTime<Utc>,
) -> Option<Option<DateTime<Utc>>> {
    let limit = rule.limit?;
    let hits = state.rule_hits.get(&rule.id)?;
    let bounds = program.zone.bounds(limit.per, at);
    let used = match bounds {
        None => hits.len(),
        Some((start, end)) => hits.iter().filter(|t| start <= **t && **t < end).count(),
    };
    (used >= limit.count as usize).then_some(bounds.map(|(_, end)| end))
}

/// The contract's four steps, without writing anything.
fn plan_award(
    program: &Program,
    state: &MemberState,
    event: &Event,
) -> Result<AwardPlan, EventError> {
    let at = event.occurred_at;
    let order = event.order.as_ref();
    let profile = state.profiles.get(&event.member_id);
    let tier_rank = state.tier_rank_at(program, at);
    let days_since = |from: Option<DateTime<Utc>>| from.map(|t| (at - t).num_days().max(0));
    let facts = Facts {
        subtotal_minor: order.and_then(|o| o.subtotal_minor),
        channel: order.and_then(|o| o.channel.as_deref()),
        first_order: (event.kind == EventKind::OrderPaid).then_some(state.orders_applied == 0),
        tier_rank,
        tags: event
            .member
            .as_ref()
            .and_then(|m| m.tags.as_deref())
            .or(profile.and_then(|p| p.tags.as_deref())),
        days_since_last_order: days_since(state.last_order_at),
        days_since_signup: days_since(profile.and_then(|p| p.signup_at)),
        weekday: i64::from(program.zone.local(at).weekday().number_from_monday()),
        hour: i64::from(program.zone.hour(at)),
        birthday_today: event
            .member
            .as_ref()
            .and_then(|m| m.birthday)
            .or(profile.and_then(|p| p.birthday))
            .map(|day| program.zone.is_return_of(day, at)),
        signup_anniversary: profile
            .and_then(|p| p.signup_at)
            .map(|since| program.zone.anniversary(since, at)),
        lines: order.map_or(&[], |o| o.lines.as_slice()),
    };

    let mut plan = AwardPlan::default();
    let mut fixed: i64 = 0;
    let mut earned: i64 = 0;
    let mut lines = Vec::with_capacity(program.earn_rules.len().min(16));
    let mut multipliers = Vec::new();
    for rule in &program.earn_rules {
        if !event.matches(&rule.event) {
            continue;
        }
        // A rule of this kind that does not fire says why.
        let fixed_points = match rule.effect {
            Effect::Fixed { points } => Some(points),
            _ => None,
        };
        if !rule.active.contains(at) {
            plan.reasons.push(Reason {
                from: rule.active.from,
                until: rule.active.until,
                points: fixed_points,
                ..Reason::new(rule.id.shared(), ReasonCode::OutsideWindow)
            });
            continue;
        }
        if let Some(failed) = rule.when.iter().find(|c| !c.holds(&facts)) {
            plan.reasons.push(Reason {
                points: fixed_points,
                ..why_not(program, rule.id.shared(), failed, &facts)
            });
            continue;
        }
        if let Some(resets_at) = limit_reached(program, state, rule, at) {
            plan.reasons.push(Reason {
                resets_at,
                points: fixed_points,
                ..Reason::new(rule.id.shared(), ReasonCode::LimitReached)
            });
            continue;
        }
        if rule.limit.is_some() {
            plan.hits.push(rule.id.clone());
        }
        match &rule.effect {
            Effect::Fixed { points } => {
                fixed = add(fixed, *points)?;
                lines.push(AwardLine::new(rule.id.shared(), *points));
            }
            Effect::PerAmount { points, per_minor } => {
                let eligible = eligible_minor(rule, &facts);
                let given = mul_div(eligible / per_minor, *points, 1)?;
                earned = add(earned, given)?;
                lines.push(AwardLine::new(rule.id.shared(), given));
                if given == 0 && *points > 0 {
                    plan.reasons
                        .push(if eligible == 0 && !rule.lines.is_empty() {
                            Reason::new(rule.id.shared(), ReasonCode::NoEligibleLines)
                        } else {
                            Reason {
                                missing_minor: Some(per_minor.saturating_sub(eligible % per_minor)),
                                points: Some(*points),
                                ..Reason::new(rule.id.shared(), ReasonCode::BelowPerAmount)
                            }
                        });
                }
            }
            Effect::Multiplier { bp } => multipliers.push((rule.id.shared(), *bp)),
            Effect::IssueReward { reward, valid_days } => {
                plan.issue.push((rule.id.clone(), *reward, *valid_days));
            }
            Effect::Cashback { bp } => {
                let credit = mul_div(eligible_minor(rule, &facts), *bp, 10_000)?;
                plan.cashback_minor = add(plan.cashback_minor, credit)?;
            }
        }
    }

    // Step 2: the tier's multiplier, then each multiplier rule in program
    // order; each line holds the increase it caused.
    if let Some(level) = tier_rank.and_then(|rank| program.level(rank)) {
        let boosted = mul_div(earned, level.earn_multiplier_bp, 10_000)?;
        lines.push(AwardLine::new(
            level.line.clone(),
            boosted.saturating_sub(earned),
        ));
        earned = boosted;
    }
    for (rule, bp) in multipliers {
        let boosted = mul_div(earned, bp, 10_000)?;
        lines.push(AwardLine::new(rule, boosted.saturating_sub(earned)));
        earned = boosted;
    }
    let mut points = add(fixed, earned)?;
    for badge in &program.badges {
        if !badge.event.as_ref().is_some_and(|e| event.matches(e))
            || state.badges.contains_key(&badge.id)
        {
            continue;
        }
        plan.badge_steps.push(badge.id.clone());
        let progress = state.badge_progress.get(&badge.id).copied().unwrap_or(0);
        if progress.saturating_add(1) >= badge.count {
            plan.badges_won.push(badge.id.clone());
            points = add(points, badge.bonus_points)?;
            lines.push(AwardLine::new(badge.line.clone(), badge.bonus_points));
        }
    }
    for (index, challenge) in program.challenges.iter().enumerate() {
        if !event.matches(&challenge.event) {
            continue;
        }
        let Some(span) = challenge.period(&program.zone, at) else {
            continue;
        };
        let step = challenge.step(facts.subtotal_minor, facts.lines);
        let progress = state
            .challenges
            .iter()
            .find(|p| p.challenge == challenge.id && p.start == span.start);
        let held = progress.is_some_and(|p| p.reached_at.is_some());
        let before = progress.map_or(0, Progress::total);
        let reached = !held && before.saturating_add(step) >= challenge.goal.target();
        plan.challenge_steps.push((index, span, step, reached));
        if reached {
            points = add(points, challenge.points)?;
            plan.challenge_points = add(plan.challenge_points, challenge.points)?;
            lines.push(AwardLine::new(challenge.line.clone(), challenge.points));
            if let Some(badge) = challenge.badge.and_then(|b| program.badges.get(b))
                && !state.badges.contains_key(&badge.id)
                && !plan.badges_won.contains(&badge.id)
            {
                plan.badges_won.push(badge.id.clone());
                points = add(points, badge.bonus_points)?;
                plan.challenge_points = add(plan.challenge_points, badge.bonus_points)?;
                lines.push(AwardLine::new(badge.line.clone(), badge.bonus_points));
            }
        }
    }
    if state
        .total_points()
        .checked_add(points)
        .is_none_or(|total| total > MAX_BALANCE)
    {
        return Err(EventError::OutOfRange);
    }
    lines.retain(|line| line.points != 0);
    plan.points = points;
    plan.lines = lines;
    Ok(plan)
}

/// `a + b`, within [`MAX_EVENT_POINTS`].
fn add(a: i64, b: i64) -> Result<i64, EventError> {
    a.checked_add(b)
        .filter(|sum| (0..=MAX_EVENT_POINTS).contains(sum))
        .ok_or(EventError::OutOfRange)
}

/// `floor(a * b / d)` of non-negative figures, within [`MAX_EVENT_POINTS`];
/// `i128` only when the product leaves `i64`.
fn mul_div(a: i64, b: i64, d: i64) -> Result<i64, EventError> {
    let exact = match a.checked_mul(b) {
        Some(product) => product / d,
        None => i64::try_from(i128::from(a) * i128::from(b) / i128::from(d))
            .map_err(|_| EventError::OutOfRange)?,
    };
    add(0, exact)
}

/// The order amount a `per_amount` or `cashback` rule counts. Parsing bounds
/// the lines' total to `MAX_AMOUNT`, so the sum fits.
fn eligible_minor(rule: &EarnRule, facts: &Facts<'_>) -> i64 {
    if rule.lines.is_empty() {
        return facts.subtotal_minor.unwrap_or(0);
    }
    facts
        .lines
        .iter()
        .filter(|line| rule.lines.iter().all(|c| c.holds_for_line(line)))
        .fold(0i64, |sum, line| sum.saturating_add(line.amount_minor()))
}

/// Writes an earning event's challenge steps, and the rewards it reached.
fn record_challenges(
    program: &Program,
    state: &mut MemberState,
    event: &Event,
    plan: &AwardPlan,
    at: DateTime<Utc>,
) {
    if event.kind == EventKind::OrderPaid && plan.challenge_points > 0 {
        // The order's record counts its own points; a challenge's count
        // toward the points metric as an earning of their own.
        state.earnings.push(Earning {
            at,
            points: plan.challenge_points,
        });
    }
    for (index, span, step, reached) in &plan.challenge_steps {
        let Some(challenge) = program.challenges.get(*index) else {
            continue;
        };
        let position = state
            .challenges
            .iter()
            .position(|p| p.challenge == challenge.id && p.start == span.start);
        let progress = match position {
            Some(i) => &mut state.challenges[i],
            None => {
                state.challenges.push(Progress {
                    challenge: challenge.id.clone(),
                    start: span.start,
                    end: span.end,
                    steps: Vec::new(),
                    reached_at: None,
                    points: 0,
                    badge: false,
                });
                let last = state.challenges.len() - 1;
                &mut state.challenges[last]
            }
        };
        progress.steps.push(Step {
            member_id: event.member_id.clone(),
            order_id: event.order.as_ref().map(|o| o.order_id.clone()),
            full: *step,
            counts: *step,
        });
        if *reached {
            let progress = state
                .challenges
                .iter_mut()
                .find(|p| p.challenge == challenge.id && p.start == span.start)
                .expect("just written");
            progress.reached_at = Some(at);
            progress.points = challenge.points;
            progress.badge = challenge
                .badge
                .and_then(|b| program.badges.get(b))
                .is_some_and(|badge| plan.badges_won.contains(&badge.id));
        }
    }
}

/// A refund's or cancellation's effect on challenges: the order's steps
/// shrink; a reward held in a period that has not ended when the refund
/// happens, and whose progress falls below the goal, is taken back (its
/// points, and its badge with the badge's bonus). Returns the points taken,
/// the lines that say which, and the ledger entry.
fn challenges_refunded(
    program: &Program,
    state: &mut MemberState,
    event: &Event,
    now: DateTime<Utc>,
) -> (i64, Vec<AwardLine>, Option<LedgerEntry>) {
    let Some(order_ref) = &event.order else {
        return (0, Vec::new(), None);
    };
    let Some(order) = state.orders.get(&order_ref.order_id).cloned() else {
        return (0, Vec::new(), None);
    };
    let at = event.occurred_at;
    let mut taken = 0i64;
    let mut lines = Vec::new();
    let mut badges_lost = Vec::new();
    for progress in &mut state.challenges {
        let Some(challenge) = program
            .challenges
            .iter()
            .find(|c| c.id == progress.challenge)
        else {
            continue;
        };
        let mut touched = false;
        for step in &mut progress.steps {
            if step.order_id.as_ref() == Some(&order_ref.order_id) {
                step.counts = refunded_step(
                    challenge.goal,
                    step.full,
                    order.subtotal_minor,
                    order.refunded_minor,
                    order.cancelled,
                );
                touched = true;
            }
        }
        let open = progress.end.is_none_or(|end| at < end);
        if touched
            && open
            && progress.reached_at.is_some()
            && progress.total() < challenge.goal.target()
        {
            let mut points = progress.points;
            lines.push(AwardLine::new(
                challenge.line.clone(),
                progress.points.saturating_neg(),
            ));
            if progress.badge
                && let Some(badge) = challenge.badge.and_then(|b| program.badges.get(b))
            {
                badges_lost.push(badge.id.clone());
                points = points.saturating_add(badge.bonus_points);
                if badge.bonus_points != 0 {
                    lines.push(AwardLine::new(
                        badge.line.clone(),
                        badge.bonus_points.saturating_neg(),
                    ));
                }
            }
            taken = taken.saturating_add(points);
            progress.reached_at = None;
            progress.points = 0;
            progress.badge = false;
        }
    }
    for badge in &badges_lost {
        state.badges.remove(badge);
    }
    lines.retain(|line| line.points != 0);
    if taken == 0 {
        return (0, lines, None);
    }
    take_points(state, &order_ref.order_id, taken);
    state.earnings.push(Earning {
        at,
        points: taken.saturating_neg(),
    });
    let kind = if event.kind == EventKind::OrderCancelled {
        EntryKind::Cancel
    } else {
        EntryKind::Refund
    };
    let mut entry = state.entry(
        at.min(now),
        kind,
        taken.saturating_neg(),
        event.member_id.clone(),
    );
    entry.event_id = Some(event.id.clone());
    entry.order_id = Some(order_ref.order_id.clone());
    entry.lines.clone_from(&lines);
    (taken, lines, Some(entry))
}

/// Takes `points` back for an order: its pending points first, then
/// available ones.
fn take_points(state: &mut MemberState, order_id: &Id, points: i64) {
    let mut left = points;
    for lot in state
        .lots
        .iter_mut()
        .filter(|lot| lot.order_id.as_ref() == Some(order_id))
    {
        let part = left.min(lot.points).max(0);
        lot.points = lot.points.saturating_sub(part);
        left = left.saturating_sub(part);
    }
    state.lots.retain(|lot| lot.points != 0);
    state.available = state.available.saturating_sub(left);
    state.lifetime_earned = state.lifetime_earned.saturating_sub(points);
}

/// Reverses a refund or cancellation from the original award, pending first.
/// Returns the points and store credit taken back, and the ledger entry.
fn take_back(
    state: &mut MemberState,
    event: &Event,
    now: DateTime<Utc>,
) -> (i64, i64, Option<LedgerEntry>) {
    let Some(order_ref) = &event.order else {
        return (0, 0, None);
    };
    let Some(order) = state.orders.get_mut(&order_ref.order_id) else {
        return (0, 0, None);
    };
    let (points, credit) = if order.cancelled {
        (0, 0)
    } else if event.kind == EventKind::OrderCancelled {
        order.cancelled = true;
        (
            order.awarded.saturating_sub(order.taken_back),
            order.cashback_minor.saturating_sub(order.cashback_taken),
        )
    } else {
        let refund = order_ref.refund_minor.unwrap_or(0);
        let so_far = order
            .refunded_minor
            .saturating_add(refund)
            .min(order.subtotal_minor);
        order.refunded_minor = so_far;
        let share = |whole: i64| -> i64 {
            if order.subtotal_minor == 0 {
                return 0;
            }
            let part = i128::from(whole) * i128::from(so_far) / i128::from(order.subtotal_minor);
            i64::try_from(part).unwrap_or(whole)
        };
        (
            share(order.awarded).saturating_sub(order.taken_back).max(0),
            share(order.cashback_minor)
                .saturating_sub(order.cashback_taken)
                .max(0),
        )
    };
    order.taken_back = order.taken_back.saturating_add(points);
    order.cashback_taken = order.cashback_taken.saturating_add(credit);
    state.store_credit_minor = state.store_credit_minor.saturating_sub(credit);
    if points == 0 {
        return (0, credit, None);
    }

    take_points(state, &order_ref.order_id, points);

    let kind = if event.kind == EventKind::OrderCancelled {
        EntryKind::Cancel
    } else {
        EntryKind::Refund
    };
    let mut entry = state.entry(
        event.occurred_at.min(now),
        kind,
        points.saturating_neg(),
        event.member_id.clone(),
    );
    entry.event_id = Some(event.id.clone());
    entry.order_id = Some(order_ref.order_id.clone());
    (points, credit, Some(entry))
}

/// Creates a code on the member's state.
#[allow(clippy::too_many_arguments)]
pub(crate) fn issue_code(
    state: &mut MemberState,
    entropy: &mut dyn Entropy,
    member_id: &Id,
    reward: &str,
    benefit: Benefit,
    at: DateTime<Utc>,
    valid_days: Option<i64>,
    source: CodeSource,
) -> IssuedCode {
    let mut code = reward_code(entropy);
    while state.code(&code).is_some() {
        code = reward_code(entropy);
    }
    let issued = IssuedCode {
        code,
        member_id: member_id.clone(),
        reward: reward.to_owned(),
        benefit,
        points_spent: 0,
        issued_at: at,
        expires_at: valid_days.map(|days| at + Duration::days(days)),
        status: CodeStatus::Unused,
        status_at: None,
        source,
        credit_minor: 0,
    };
    state.codes.push(issued.clone());
    issued
}

/// Decides a signup's referral code and gives the referee their gift.
fn decide_referral(
    program: &Program,
    state: &mut MemberState,
    event: &Event,
    referrer: &Referrer,
    already_signed_up: bool,
    entropy: &mut dyn Entropy,
) -> (Option<ReferralDecision>, Option<IssuedCode>) {
    if event.referral_code.is_none() {
        return (None, None);
    }
    let refused = |reason: &str| {
        Some(ReferralDecision {
            status: "refused".into(),
            reason: Some(reason.into()),
        })
    };
    let Some(referral) = &program.referral else {
        return (refused("no_referral_program"), None);
    };
    let Some(profile) = state.profiles.get(&event.member_id) else {
        return (None, None);
    };
    let (referrer_id, referrer_hash) = match referrer {
        Referrer::Member {
            member_id,
            email_hash,
        } => (member_id, email_hash),
        Referrer::NoCode | Referrer::UnknownCode => return (refused("unknown_code"), None),
    };
    if *referrer_id == event.member_id
        || state.profiles.contains_key(referrer_id)
        || (referrer_hash.is_some() && *referrer_hash == profile.email_hash)
    {
        return (refused("self_referral"), None);
    }
    if profile.referred_by.is_some() || already_signed_up {
        return (refused("already_referred"), None);
    }
    if let Some(profile) = state.profiles.get_mut(&event.member_id) {
        profile.referred_by = Some(referrer_id.clone());
    }
    let code = referral.referee_reward.as_ref().map(|gift| {
        issue_code(
            state,
            entropy,
            &event.member_id,
            "referral",
            gift.benefit.clone(),
            event.occurred_at,
            gift.valid_days,
            CodeSource::Referred {
                referrer: Some(referrer_id.clone()),
            },
        )
    });
    let accepted = ReferralDecision {
        status: "accepted".into(),
        reason: None,
    };
    (Some(accepted), code)
}

/// The referrer's credit that this paid order makes due, at most once per referee.
fn referral_credit_due(
    program: &Program,
    state: &mut MemberState,
    event: &Event,
) -> Option<ReferralCredit> {
    let referral = program.referral.as_ref()?;
    let subtotal = event.order.as_ref()?.subtotal_minor?;
    let profile = state.profiles.get_mut(&event.member_id)?;
    let referrer = profile.referred_by.clone()?;
    if profile.referral_settled || subtotal < referral.min_order_minor {
        return None;
    }
    profile.referral_settled = true;
    Some(ReferralCredit {
        referrer,
        referee: event.member_id.clone(),
        event_id: event.id.clone(),
        at: event.occurred_at,
    })
}
