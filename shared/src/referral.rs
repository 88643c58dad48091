//! The referrer's side of a referral: the credit an order of the referee made
//! due, carried out on the referrer's own state, once per referee.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::award::{ReferralCredit, issue_code};
use crate::code::Entropy;
use crate::member::{CodeSource, Earning, EntryKind, IssuedCode, LedgerEntry, MemberState};
use crate::program::{Program, ReferrerPrize};

/// What became of a referral credit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CreditStatus {
    Credited,
    /// This referee was already credited: nothing changed.
    AlreadyCredited,
    /// The referrer reached `max_rewarded_per_referrer`.
    CapReached,
    /// The program has no referral scheme, or the referrer is gone.
    NotApplicable,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditOutcome {
    pub status: CreditStatus,
    pub points: i64,
    pub entries: Vec<LedgerEntry>,
    pub codes: Vec<IssuedCode>,
}

/// Credits `credit.referrer` for `credit.referee`, checking the cap now.
pub fn apply_referral_credit(
    program: &Program,
    state: &mut MemberState,
    credit: &ReferralCredit,
    now: DateTime<Utc>,
    entropy: &mut dyn Entropy,
) -> CreditOutcome {
    let mut outcome = CreditOutcome {
        status: CreditStatus::NotApplicable,
        points: 0,
        entries: Vec::new(),
        codes: Vec::new(),
    };
    let (Some(referral), Some(profile)) = (&program.referral, state.profiles.get(&credit.referrer))
    else {
        return outcome;
    };
    if profile.credited_referees.contains(&credit.referee) {
        outcome.status = CreditStatus::AlreadyCredited;
        return outcome;
    }
    let credited = profile.referrals_credited();
    if referral
        .max_rewarded_per_referrer
        .is_some_and(|max| credited >= u64::from(max))
    {
        outcome.status = CreditStatus::CapReached;
        return outcome;
    }
    outcome.entries.extend(state.settle(program, now));
    if let Some(profile) = state.profiles.get_mut(&credit.referrer) {
        profile.credited_referees.insert(credit.referee.clone());
    }
    outcome.status = CreditStatus::Credited;
    match &referral.referrer {
        ReferrerPrize::Points(points) => {
            let points = *points;
            if points > 0 {
                let pending_until = (program.pending_days > 0)
                    .then(|| credit.at + Duration::days(program.pending_days));
                state.credit(points, pending_until, None, now);
                state.lifetime_earned = state.lifetime_earned.saturating_add(points);
                state.last_activity = state.last_activity.max(Some(credit.at));
                state.participant = true;
                state.earnings.push(Earning {
                    at: credit.at,
                    points,
                });
                let mut entry = state.entry(
                    credit.at,
                    EntryKind::Referral,
                    points,
                    credit.referrer.clone(),
                );
                entry.pending_until = pending_until.filter(|until| *until > now);
                entry.event_id = Some(credit.event_id.clone());
                entry.note = Some(credit.referee.to_string());
                outcome.entries.push(entry);
                outcome.points = points;
            }
        }
        ReferrerPrize::Reward(gift) => {
            let code = issue_code(
                state,
                entropy,
                &credit.referrer,
                "referral",
                gift.benefit.clone(),
                credit.at,
                gift.valid_days,
                CodeSource::Referral {
                    referee: Some(credit.referee.clone()),
                },
            );
            outcome.codes.push(code);
        }
    }
    outcome
}
