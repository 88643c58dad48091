//! Spending points on rewards, and the life of a reward code: checked, used
//! once, or cancelled with its points returned.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::award::issue_code;
use crate::code::{Entropy, redemption_id};
use crate::id::Id;
use crate::member::{
    CodeSource, CodeStatus, EntryKind, IssuedCode, LedgerEntry, MemberState, RedemptionRecord,
};
use crate::program::{Benefit, Program};

/// A redemption refused: nothing changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RedeemError {
    #[error("the program has no reward {reward}")]
    UnknownReward { reward: String },
    #[error("this reward needs the {tier} tier or above")]
    TierRequired { tier: Id },
    #[error("this reward costs {needed} points and the balance is {available}")]
    InsufficientPoints { needed: i64, available: i64 },
    #[error("this idempotency key was already used for another reward")]
    KeyConflict,
    #[error("the member is not enrolled in the program: rejoin to redeem")]
    NotEnrolled,
    #[error("this code would hold {needed} of store credit and the balance holds {available}")]
    InsufficientCredit { needed: i64, available: i64 },
    #[error("store credit is spent in amounts above 0")]
    InvalidAmount,
}

impl RedeemError {
    pub fn code(&self) -> &'static str {
        match self {
            RedeemError::UnknownReward { .. } => "unknown_reward",
            RedeemError::TierRequired { .. } => "tier_required",
            RedeemError::InsufficientPoints { .. } => "insufficient_points",
            RedeemError::KeyConflict => "idempotency_key_conflict",
            RedeemError::NotEnrolled => "not_enrolled",
            RedeemError::InsufficientCredit { .. } => "insufficient_credit",
            RedeemError::InvalidAmount => "invalid_amount",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            RedeemError::UnknownReward { .. } => 404,
            RedeemError::InvalidAmount => 422,
            _ => 409,
        }
    }
}

/// The answer to a redemption, as the API returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Redemption {
    pub redemption_id: String,
    pub code: String,
    pub reward: Id,
    pub points_spent: i64,
    pub balance: i64,
    pub expires_at: Option<DateTime<Utc>>,
    /// Store credit: what this redemption added to it (a `store_credit`
    /// reward) or took from it (a code bought with credit), and what is
    /// left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_credit_minor: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedeemOutcome {
    pub redemption: Redemption,
    /// True when the idempotency key replayed an earlier redemption.
    pub replayed: bool,
    pub entries: Vec<LedgerEntry>,
    pub code: Option<IssuedCode>,
}

/// Whether the member may redeem `reward` now: the tier check wins over points.
pub fn redeem_check(
    program: &Program,
    state: &MemberState,
    reward_id: &str,
    now: DateTime<Utc>,
) -> Result<(), RedeemError> {
    let reward = program
        .reward(reward_id)
        .ok_or_else(|| RedeemError::UnknownReward {
            reward: reward_id.to_owned(),
        })?;
    if let Some(min) = reward.min_tier
        && state
            .tier_rank_at(program, now)
            .is_none_or(|rank| rank < min)
    {
        let tier = program.level(min).map(|l| l.id.clone());
        return Err(RedeemError::TierRequired {
            tier: tier.unwrap_or_else(|| reward.id.clone()),
        });
    }
    let available = state.balances(program, now).available;
    if available < reward.cost_points || available < 0 {
        return Err(RedeemError::InsufficientPoints {
            needed: reward.cost_points,
            available,
        });
    }
    Ok(())
}

/// Where a redemption is kept in `MemberState::redemptions`: under the
/// member's own idempotency key, so colleagues in a pooled account never
/// share (or learn of) one another's keys. Ids hold no space, so the first
/// space separates the two.
pub fn redemption_key(member_id: &Id, key: &str) -> String {
    format!("{} {key}", member_id.as_str())
}

/// Spends points on a reward and issues its code; the same `key` of the
/// same member replays.
pub fn redeem(
    program: &Program,
    state: &mut MemberState,
    member_id: &Id,
    reward_id: &str,
    key: &str,
    now: DateTime<Utc>,
    entropy: &mut dyn Entropy,
) -> Result<RedeemOutcome, RedeemError> {
    if state
        .profile(member_id)
        .is_some_and(|p| !p.enrollment.is_enrolled())
    {
        return Err(RedeemError::NotEnrolled);
    }
    let record_key = redemption_key(member_id, key);
    if let Some(replayed) = replay(program, state, &record_key, now, |done, _| {
        done.reward.as_str() == reward_id
    }) {
        return replayed;
    }
    redeem_check(program, state, reward_id, now)?;
    let Some(reward) = program.reward(reward_id) else {
        return Err(RedeemError::UnknownReward {
            reward: reward_id.to_owned(),
        });
    };

    let mut entries: Vec<LedgerEntry> = state.settle(program, now).into_iter().collect();
    let cost = reward.cost_points;
    state.available = state.available.saturating_sub(cost);
    state.points_redeemed = state.points_redeemed.saturating_add(cost);
    state.last_activity = state.last_activity.max(Some(now));
    state.participant = true;
    let id = redemption_id(entropy);
    let mut code = issue_code(
        state,
        entropy,
        member_id,
        reward.id.as_str(),
        reward.benefit.clone(),
        now,
        reward.valid_days,
        CodeSource::Redemption {
            redemption_id: id.clone(),
        },
    );
    code.points_spent = cost;
    // A store-credit reward is credit at once: the balance grows and its
    // code is spent in the same moment (it shows as used).
    let credited = match reward.benefit {
        Benefit::StoreCredit { amount_minor } => {
            state.store_credit_minor = state.store_credit_minor.saturating_add(amount_minor);
            code.status = CodeStatus::Used;
            code.status_at = Some(now);
            Some(amount_minor)
        }
        _ => None,
    };
    if let Some(stored) = state.codes.last_mut() {
        stored.points_spent = cost;
        stored.status = code.status;
        stored.status_at = code.status_at;
    }
    let mut entry = state.entry(
        now,
        EntryKind::Redeem,
        cost.saturating_neg(),
        member_id.clone(),
    );
    entry.note = Some(format!("{} {}", reward.id, code.code));
    entries.push(entry);
    state.redemptions.insert(
        record_key,
        RedemptionRecord {
            redemption_id: id.clone(),
            member_id: member_id.clone(),
            reward: reward.id.clone(),
            code: code.code.clone(),
            points_spent: cost,
            at: now,
        },
    );
    Ok(RedeemOutcome {
        redemption: Redemption {
            redemption_id: id,
            code: code.code.clone(),
            reward: reward.id.clone(),
            points_spent: cost,
            balance: state.balances(program, now).available,
            expires_at: code.expires_at,
            credit_minor: credited,
            store_credit_minor: credited.map(|_| state.store_credit_minor),
        },
        replayed: false,
        entries,
        code: Some(code),
    })
}

/// The first answer to a redemption key used again: the same redemption
/// (its code, its credit, the balances now) when `same` finds the request
/// the same, else a key conflict; `None` for a key not used yet.
fn replay(
    program: &Program,
    state: &MemberState,
    record_key: &str,
    now: DateTime<Utc>,
    same: impl FnOnce(&RedemptionRecord, Option<&IssuedCode>) -> bool,
) -> Option<Result<RedeemOutcome, RedeemError>> {
    let done = state.redemptions.get(record_key)?;
    let code = state.code(&done.code);
    if !same(done, code) {
        return Some(Err(RedeemError::KeyConflict));
    }
    let credit_minor = code.and_then(credit_of);
    Some(Ok(RedeemOutcome {
        redemption: Redemption {
            redemption_id: done.redemption_id.clone(),
            code: done.code.clone(),
            reward: done.reward.clone(),
            points_spent: done.points_spent,
            balance: state.balances(program, now).available,
            expires_at: code.and_then(|c| c.expires_at),
            credit_minor,
            store_credit_minor: credit_minor.map(|_| state.store_credit_minor),
        },
        replayed: true,
        entries: Vec::new(),
        code: None,
    }))
}

/// What a code moved of the store credit: a store-credit reward's credit, or
/// the credit a code was bought with (negative).
fn credit_of(code: &IssuedCode) -> Option<i64> {
    match code.benefit {
        Benefit::StoreCredit { amount_minor } => Some(amount_minor),
        _ if code.credit_minor > 0 => Some(code.credit_minor.saturating_neg()),
        _ => None,
    }
}

/// The reward id of codes bought with store credit.
pub const STORE_CREDIT: &str = "store-credit";

/// Spends store credit as a checkout code of `amount_minor` off an order
/// (never more than the state holds); the same `key` of the same member
/// replays. Cancelling the code unused returns the credit.
pub fn spend_credit(
    program: &Program,
    state: &mut MemberState,
    member_id: &Id,
    amount_minor: i64,
    key: &str,
    now: DateTime<Utc>,
    entropy: &mut dyn Entropy,
) -> Result<RedeemOutcome, RedeemError> {
    if state
        .profile(member_id)
        .is_some_and(|p| !p.enrollment.is_enrolled())
    {
        return Err(RedeemError::NotEnrolled);
    }
    let record_key = redemption_key(member_id, key);
    if let Some(replayed) = replay(program, state, &record_key, now, |done, code| {
        done.reward.as_str() == STORE_CREDIT && code.is_some_and(|c| c.credit_minor == amount_minor)
    }) {
        return replayed;
    }
    if amount_minor <= 0 {
        return Err(RedeemError::InvalidAmount);
    }
    if amount_minor > state.store_credit_minor {
        return Err(RedeemError::InsufficientCredit {
            needed: amount_minor,
            available: state.store_credit_minor,
        });
    }
    let entries: Vec<LedgerEntry> = state.settle(program, now).into_iter().collect();
    state.store_credit_minor = state.store_credit_minor.saturating_sub(amount_minor);
    state.last_activity = state.last_activity.max(Some(now));
    let id = redemption_id(entropy);
    let mut code = issue_code(
        state,
        entropy,
        member_id,
        STORE_CREDIT,
        Benefit::AmountOff { amount_minor },
        now,
        None,
        CodeSource::Redemption {
            redemption_id: id.clone(),
        },
    );
    code.credit_minor = amount_minor;
    if let Some(stored) = state.codes.last_mut() {
        stored.credit_minor = amount_minor;
    }
    let reward = Id::parse(STORE_CREDIT).map_err(|_| RedeemError::InvalidAmount)?;
    state.redemptions.insert(
        record_key,
        RedemptionRecord {
            redemption_id: id.clone(),
            member_id: member_id.clone(),
            reward: reward.clone(),
            code: code.code.clone(),
            points_spent: 0,
            at: now,
        },
    );
    Ok(RedeemOutcome {
        redemption: Redemption {
            redemption_id: id,
            code: code.code.clone(),
            reward,
            points_spent: 0,
            balance: state.balances(program, now).available,
            expires_at: None,
            credit_minor: Some(amount_minor.saturating_neg()),
            store_credit_minor: Some(state.store_credit_minor),
        },
        replayed: false,
        entries,
        code: Some(code),
    })
}

/// Why a code cannot be used or cancelled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("no such code")]
    Unknown,
    #[error("the code was already used")]
    AlreadyUsed,
    #[error("the code was cancelled")]
    Cancelled,
    #[error("the code expired")]
    Expired,
}

impl CodeError {
    pub fn code(&self) -> &'static str {
        match self {
            CodeError::Unknown => "unknown_code",
            CodeError::AlreadyUsed => "code_used",
            CodeError::Cancelled => "code_cancelled",
            CodeError::Expired => "code_expired",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            CodeError::Unknown => 404,
            _ => 409,
        }
    }
}

fn unused_code<'s>(
    state: &'s mut MemberState,
    code: &str,
) -> Result<&'s mut IssuedCode, CodeError> {
    let found = state
        .codes
        .iter_mut()
        .find(|c| c.code == code)
        .ok_or(CodeError::Unknown)?;
    match found.status {
        CodeStatus::Used => Err(CodeError::AlreadyUsed),
        CodeStatus::Cancelled => Err(CodeError::Cancelled),
        CodeStatus::Unused => Ok(found),
    }
}

/// Spends a code at checkout: once only, and not after it expired.
pub fn use_code(
    state: &mut MemberState,
    code: &str,
    now: DateTime<Utc>,
) -> Result<IssuedCode, CodeError> {
    let found = unused_code(state, code)?;
    if found.is_expired(now) {
        return Err(CodeError::Expired);
    }
    found.status = CodeStatus::Used;
    found.status_at = Some(now);
    Ok(found.clone())
}

/// Cancels an unused code; the points it cost return to the balance.
pub fn cancel_code(
    program: &Program,
    state: &mut MemberState,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(IssuedCode, Vec<LedgerEntry>), CodeError> {
    unused_code(state, code)?;
    let mut entries: Vec<LedgerEntry> = state.settle(program, now).into_iter().collect();
    let found = unused_code(state, code)?;
    found.status = CodeStatus::Cancelled;
    found.status_at = Some(now);
    let cancelled = found.clone();
    state.store_credit_minor = state
        .store_credit_minor
        .saturating_add(cancelled.credit_minor);
    let points = cancelled.points_spent;
    if points > 0 {
        state.available = state.available.saturating_add(points);
        state.points_redeemed = state.points_redeemed.saturating_sub(points);
        let mut entry = state.entry(
            now,
            EntryKind::CodeCancelled,
            points,
            cancelled.member_id.clone(),
        );
        entry.note = Some(format!("{} {}", cancelled.reward, cancelled.code));
        entries.push(entry);
    }
    Ok((cancelled, entries))
}
