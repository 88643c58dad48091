//! Manual adjustments by the merchant, idempotent by their id.

use chrono::{DateTime, Utc};

use crate::code::Entropy;
use crate::id::Id;
use crate::member::{EntryKind, LedgerEntry, MemberState};
use crate::program::{MAX_POINTS, Program};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AdjustError {
    #[error("adjustment {id} was already made with other figures")]
    Conflict { id: Id },
    #[error("points must be from -{MAX_POINTS} to {MAX_POINTS} and not 0")]
    OutOfRange,
    #[error("reason must be 1 to 500 characters")]
    BadReason,
}

impl AdjustError {
    pub fn code(&self) -> &'static str {
        match self {
            AdjustError::Conflict { .. } => "adjustment_conflict",
            AdjustError::OutOfRange => "out_of_range",
            AdjustError::BadReason => "invalid_adjustment",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AdjustError::Conflict { .. } => 409,
            _ => 422,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adjusted {
    pub duplicate: bool,
    pub entries: Vec<LedgerEntry>,
    pub balance: i64,
}

/// Adds (or, with negative points, removes) points by hand.
#[allow(clippy::too_many_arguments)]
pub fn adjust(
    program: &Program,
    state: &mut MemberState,
    member_id: &Id,
    id: &Id,
    points: i64,
    reason: &str,
    now: DateTime<Utc>,
    entropy: &mut dyn Entropy,
) -> Result<Adjusted, AdjustError> {
    if points == 0 || points.unsigned_abs() > MAX_POINTS.unsigned_abs() {
        return Err(AdjustError::OutOfRange);
    }
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AdjustError::BadReason);
    }
    let fingerprint = format!("{member_id}\u{0}{points}\u{0}{reason}");
    if let Some(seen) = state.adjustments.get(id) {
        if *seen != fingerprint {
            return Err(AdjustError::Conflict { id: id.clone() });
        }
        return Ok(Adjusted {
            duplicate: true,
            entries: Vec::new(),
            balance: state.balances(program, now).available,
        });
    }
    let mut entries: Vec<LedgerEntry> = state.settle(program, now).into_iter().collect();
    state.ensure_profile(member_id, now, entropy);
    state.adjustments.insert(id.clone(), fingerprint);
    state.available = state.available.saturating_add(points);
    if points > 0 {
        state.last_activity = state.last_activity.max(Some(now));
    }
    let mut entry = state.entry(now, EntryKind::Adjustment, points, member_id.clone());
    entry.note = Some(reason.to_owned());
    entry.event_id = Some(id.clone());
    entries.push(entry);
    Ok(Adjusted {
        duplicate: false,
        entries,
        balance: state.balances(program, now).available,
    })
}
