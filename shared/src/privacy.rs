//! What a member's privacy rights do to a state: erasing one member, other
//! states forgetting an erased member, and the part of a pooled account that
//! is one member's own. Pure; the edge carries the results to the other
//! stores (indexes, claims, analytics, other members' objects).
//!
//! Invariants: after [`erase`], nothing in the state names the member (id,
//! email hash, birthday, tags, referral code, codes, idempotency keys); after
//! [`forget`], nothing in another state names them either, and the counts
//! they were part of (a referrer's credited referees) stay the same. What
//! the account earned stays the account's: its balance, its spend and its
//! tier do not move when one colleague is erased.

use crate::award::Answer;
use crate::id::Id;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::code::Entropy;
use crate::member::{CodeSource, Enrollment, EntryKind, LedgerEntry, MemberState};

/// What erasing a member took out of a state, for the stores that hold
/// copies or references: the gates' indexes and the referrer's and referees'
/// states.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Erasure {
    /// No one is left: the whole state (and its store) goes.
    pub emptied: bool,
    /// The reward codes the member held, now cancelled (out of the state).
    pub codes: Vec<String>,
    /// The member's own referral code, which stops working.
    pub referral_code: String,
    /// The member who referred them, whose state names them.
    pub referred_by: Option<Id>,
    /// The referees they were credited for, whose states name them.
    pub referees: Vec<Id>,
    /// Their email hash: the guest orders held under it go too.
    pub email_hash: Option<String>,
}

/// Erases `member` from `state` (`None`: the state does not hold them).
///
/// A member on their own takes the whole state with them (only its
/// revision stays, so readers see a newer write). In a pooled account their
/// profile, codes, redemptions and adjustments go; their orders stay with
/// the account under the account's id (the account's spend and tier are
/// the account's), and the balance stays the account's.
pub fn erase(state: &mut MemberState, member: &Id) -> Option<Erasure> {
    let profile = state.profiles.remove(member)?;
    state.erased_referrals = state
        .erased_referrals
        .saturating_add(profile.referrals_credited());
    let mut erasure = Erasure {
        emptied: state.profiles.is_empty(),
        codes: Vec::new(),
        referral_code: profile.referral_code,
        referred_by: profile.referred_by,
        referees: profile.credited_referees.into_iter().collect(),
        email_hash: profile.email_hash,
    };
    if erasure.emptied {
        erasure.codes = state.codes.iter().map(|c| c.code.clone()).collect();
        *state = MemberState {
            revision: state.revision,
            ..MemberState::default()
        };
        return Some(erasure);
    }
    let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut state.codes)
        .into_iter()
        .partition(|c| c.member_id == *member);
    erasure.codes = gone.into_iter().map(|c| c.code).collect();
    state.codes = kept;
    state.redemptions.retain(|_, r| r.member_id != *member);
    let prefix = format!("{member}\u{0}");
    state
        .adjustments
        .retain(|_, seen| !seen.starts_with(&prefix));
    if let Some(account) = profile.account_id {
        for order in state.orders.values_mut() {
            if order.member_id == *member {
                order.member_id = account.clone();
            }
        }
        // Their steps keep counting toward the account's challenges.
        for step in state.challenges.iter_mut().flat_map(|p| p.steps.iter_mut()) {
            if step.member_id == *member {
                step.member_id = account.clone();
            }
        }
    }
    forget(state, member);
    Some(erasure)
}

/// Forgets an erased member in another state (a referrer's or a referee's,
/// or a colleague's): a credited referee becomes a count, a referrer becomes
/// no one (the referral is settled, so no credit is due to anyone), gift
/// codes stop naming them. Answers whether anything changed.
pub fn forget(state: &mut MemberState, gone: &Id) -> bool {
    let mut changed = false;
    for profile in state.profiles.values_mut() {
        if profile.credited_referees.remove(gone) {
            profile.erased_referees = profile.erased_referees.saturating_add(1);
            changed = true;
        }
        if profile.referred_by.as_ref() == Some(gone) {
            profile.referred_by = None;
            profile.referral_settled = true;
            changed = true;
        }
    }
    for code in &mut state.codes {
        match &mut code.source {
            CodeSource::Referral { referee: named } | CodeSource::Referred { referrer: named }
                if named.as_ref() == Some(gone) =>
            {
                *named = None;
                changed = true;
            }
            _ => {}
        }
    }
    changed
}

/// Forgets an erased member in a ledger entry of another member (a
/// referrer's credit notes the referee, and the referee's order event that
/// earned it). Answers whether it changed.
pub fn forget_entry(entry: &mut LedgerEntry, gone: &Id) -> bool {
    if entry.kind == EntryKind::Referral && entry.note.as_deref() == Some(gone.as_str()) {
        entry.note = None;
        entry.event_id = None;
        entry.order_id = None;
        return true;
    }
    false
}

/// The part of a state that is `member`'s own, with what the account
/// shares: their profile, codes, redemptions, adjustments and orders; the
/// account's balance, pending lots, limits and tier. Colleagues' orders
/// count toward the account's spend and tier, so they stay, held by the
/// account and under numbers of their own (`@1`, `@2`, ...), not their
/// order ids. A member on their own owns all of it. What a shopper is
/// shown, and what their export holds.
pub fn own_records(state: &MemberState, member: &Id) -> MemberState {
    let mut own = state.clone();
    let account = own.profiles.get(member).and_then(|p| p.account_id.clone());
    own.profiles.retain(|id, _| id == member);
    own.codes.retain(|c| c.member_id == *member);
    own.redemptions.retain(|_, r| r.member_id == *member);
    let prefix = format!("{member}\u{0}");
    own.adjustments.retain(|_, seen| seen.starts_with(&prefix));
    // A colleague's challenge steps count, held by the account, without
    // their order.
    for step in own.challenges.iter_mut().flat_map(|p| p.steps.iter_mut()) {
        if step.member_id != *member
            && let Some(account) = &account
        {
            step.member_id = account.clone();
            step.order_id = None;
        }
    }
    let orders = std::mem::take(&mut own.orders);
    let mut n = 0_u64;
    for (id, mut order) in orders {
        if order.member_id == *member {
            own.orders.insert(id, order);
            continue;
        }
        let Some(account) = &account else { continue };
        n = n.saturating_add(1);
        if let Ok(anonymous) = Id::parse(&format!("@{n}")) {
            order.member_id = account.clone();
            own.orders.insert(anonymous, order);
        }
    }
    own
}

/// The answer to an event sent again after its member was erased: a
/// duplicate (it changes nothing and brings no one back), with no figures,
/// since the first answer went with the member.
pub fn erased_answer(event_id: Id, program_version: u64) -> Answer {
    Answer {
        duplicate: true,
        member_erased: true,
        ..Answer::nothing(event_id, program_version)
    }
}

/// What a member or the merchant asks of the member's part in the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    /// Join, or rejoin: an explicit act of the shopper.
    Enrolled,
    /// The shopper leaves the program (from the widget).
    Left,
    /// The merchant records the shopper's opt-out (from the shop's consent tool).
    OptedOut,
}

/// Moves a member between enrolled and out of the program. A member not
/// seen before is recorded with that status (a shop's consent tool may
/// record an opt-out before the shopper ever earns). Answers whether
/// anything changed: asking for the status held changes nothing (the
/// first `since` stays).
pub fn set_enrollment(
    state: &mut MemberState,
    member: &Id,
    consent: Consent,
    now: DateTime<Utc>,
    entropy: &mut dyn Entropy,
) -> bool {
    let profile = state.ensure_profile(member, now, entropy);
    let wanted = match consent {
        Consent::Enrolled => Enrollment::Enrolled,
        Consent::Left => Enrollment::Left { since: now },
        Consent::OptedOut => Enrollment::OptedOut { since: now },
    };
    if profile.enrollment.status() == wanted.status() {
        return false;
    }
    profile.enrollment = wanted;
    true
}
