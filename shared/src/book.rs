//! A whole shop in memory: the reference flow that the edge carries out with
//! Durable Objects, used by tests, property tests and `simulate`.
//!
//! It shows the order of operations the edge must keep: the event id is
//! claimed shop-wide (same body: the first answer again; other body: 409),
//! the event goes to the state of its member or pooled account, a referral
//! credit goes on to the referrer's state, and the analytics counters take
//! the before/after difference of every write.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::adjustment::{AdjustError, Adjusted, adjust};
use crate::analytics::{MemberFigures, ShopCounters};
use crate::award::{Answer, EventContext, EventError, Referrer, apply_event};
use crate::code::SeededEntropy;
use crate::event::{Event, EventKind, GuestEvent, Incoming};
use crate::guest::{GuestOrders, Held};
use crate::id::Id;
use crate::member::{LedgerEntry, MemberState};
use crate::privacy::{self, Erasure};
use crate::program::Program;
use crate::redemption::{RedeemError, RedeemOutcome, redeem};
use crate::referral::apply_referral_credit;
use crate::view::{MemberView, ViewContext, member_view};

#[derive(Clone, Debug)]
pub struct Book {
    pub program: Program,
    /// States by key: the member id, or the account id when pooled.
    pub states: BTreeMap<Id, MemberState>,
    pub ledgers: BTreeMap<Id, Vec<LedgerEntry>>,
    /// Answered events: fingerprint, and the member with the first answer
    /// (`None` once that member was erased: the claim stays, named by
    /// nothing but the id and the fingerprint).
    pub events: BTreeMap<Id, (String, Option<(Id, Answer)>)>,
    /// Member -> state key, for members of pooled accounts.
    pub accounts: BTreeMap<Id, Id>,
    pub referral_codes: BTreeMap<String, Id>,
    /// Guests' orders by email hash, and the held events' fingerprints.
    pub guests: BTreeMap<String, GuestOrders>,
    pub guest_events: BTreeMap<Id, String>,
    pub counters: ShopCounters,
    pub entropy: SeededEntropy,
}

impl Book {
    pub fn new(program: Program) -> Self {
        Self {
            program,
            states: BTreeMap::new(),
            ledgers: BTreeMap::new(),
            events: BTreeMap::new(),
            accounts: BTreeMap::new(),
            referral_codes: BTreeMap::new(),
            guests: BTreeMap::new(),
            guest_events: BTreeMap::new(),
            counters: ShopCounters::default(),
            entropy: SeededEntropy(1),
        }
    }

    /// The key of the state that holds `member_id`'s points.
    pub fn state_key(&self, member_id: &Id, account: Option<&Id>) -> Id {
        if let Some(key) = self.accounts.get(member_id) {
            return key.clone();
        }
        match account {
            Some(account) if self.program.pooling => account.clone(),
            _ => member_id.clone(),
        }
    }

    /// Records a member's event or a guest's order, exactly once per id.
    pub fn record_incoming(
        &mut self,
        incoming: &Incoming,
        now: DateTime<Utc>,
    ) -> Result<Answer, EventError> {
        match incoming {
            Incoming::Member(event) => self.record(event, now),
            Incoming::Guest(event) => self.record_guest(event, now),
        }
    }

    /// Holds a guest's order under its email hash (or, once a member signed
    /// up with the hash, records it as theirs), exactly once per id.
    pub fn record_guest(
        &mut self,
        event: &GuestEvent,
        now: DateTime<Utc>,
    ) -> Result<Answer, EventError> {
        let conflict = || EventError::IdConflict {
            event_id: event.id.clone(),
        };
        if let Some(seen) = self.guest_events.get(&event.id) {
            if *seen != event.fingerprint() {
                return Err(conflict());
            }
        } else if let Some((seen, answered)) = self.events.get(&event.id) {
            // Recorded as a member's: the same event if it is this guest
            // order made theirs.
            return match answered {
                Some((member, _)) if *seen == event.for_member(member).fingerprint() => {
                    let event = event.for_member(member);
                    self.record(&event, now)
                }
                None => Ok(privacy::erased_answer(
                    event.id.clone(),
                    self.program.version,
                )),
                Some(_) => Err(conflict()),
            };
        }
        let mut guest = self
            .guests
            .get(&event.email_hash)
            .cloned()
            .unwrap_or_default();
        match guest.hold(&self.program, event, now)? {
            Held::Held(answer) => {
                self.guest_events
                    .insert(event.id.clone(), event.fingerprint());
                self.guests.insert(event.email_hash.clone(), guest);
                Ok(*answer)
            }
            Held::Member(member) => self.record(&event.for_member(&member), now),
        }
    }

    /// Records one event, exactly once per id.
    pub fn record(&mut self, event: &Event, now: DateTime<Utc>) -> Result<Answer, EventError> {
        let fingerprint = event.fingerprint();
        if let Some((seen, answer)) = self.events.get(&event.id) {
            if *seen != fingerprint {
                return Err(EventError::IdConflict {
                    event_id: event.id.clone(),
                });
            }
            let Some((_, answer)) = answer else {
                return Ok(privacy::erased_answer(
                    event.id.clone(),
                    self.program.version,
                ));
            };
            let mut again = answer.clone();
            again.duplicate = true;
            return Ok(again);
        }
        let referrer = self.resolve_referrer(event);
        let account = event.member.as_ref().and_then(|m| m.account_id.as_ref());
        let key = self.state_key(&event.member_id, account);
        let mut state = self.states.get(&key).cloned().unwrap_or_default();
        let before = MemberFigures::of(&self.program, &state, now);
        let context = EventContext { now, referrer };
        let mut outcome = apply_event(
            &self.program,
            &mut state,
            event,
            &context,
            &mut self.entropy,
        )?;
        let credited = self.credit_guest_orders(event, &mut state, &context, &mut outcome);
        let after = MemberFigures::of(&self.program, &state, now);
        self.counters.record(&before, &after);
        for profile in state.profiles.values() {
            self.referral_codes
                .insert(profile.referral_code.clone(), profile.member_id.clone());
            if key != profile.member_id {
                self.accounts.insert(profile.member_id.clone(), key.clone());
            }
        }
        self.ledgers
            .entry(key.clone())
            .or_default()
            .extend(outcome.entries);
        let mut referral_credits: Vec<_> = outcome.referral_credit.iter().cloned().collect();
        for (credited, applied) in credited {
            referral_credits.extend(applied.referral_credit);
            self.ledgers
                .entry(key.clone())
                .or_default()
                .extend(applied.entries);
            let answered = Some((credited.member_id.clone(), applied.answer));
            self.events
                .insert(credited.id.clone(), (credited.fingerprint(), answered));
        }
        self.states.insert(key, state);
        for credit in &referral_credits {
            let referrer_key = self.state_key(&credit.referrer, None);
            if let Some(referrer) = self.states.get_mut(&referrer_key) {
                let before = MemberFigures::of(&self.program, referrer, now);
                let credited =
                    apply_referral_credit(&self.program, referrer, credit, now, &mut self.entropy);
                let after = MemberFigures::of(&self.program, referrer, now);
                self.counters.record(&before, &after);
                self.ledgers
                    .entry(referrer_key)
                    .or_default()
                    .extend(credited.entries);
            }
        }
        self.events.insert(
            event.id.clone(),
            (
                fingerprint,
                Some((event.member_id.clone(), outcome.answer.clone())),
            ),
        );
        Ok(outcome.answer)
    }

    /// A signup with an email hash: the guest orders held under it, claimed
    /// and credited to the member (the edge asks the hash's object for
    /// them, then applies them with the signup).
    fn credit_guest_orders(
        &mut self,
        event: &Event,
        state: &mut MemberState,
        context: &EventContext,
        outcome: &mut crate::award::Outcome,
    ) -> Vec<(Event, crate::award::Outcome)> {
        let hash = event.member.as_ref().and_then(|m| m.email_hash.as_ref());
        let (true, Some(hash)) = (event.kind == EventKind::Signup, hash) else {
            return Vec::new();
        };
        if self.program.guest_days == 0 {
            return Vec::new();
        }
        // Claimed even with nothing held: the hash's later orders are this
        // member's.
        let guest = self.guests.entry(hash.clone()).or_default();
        let held = guest.claim(&self.program, &event.member_id, context.now);
        let answered = &self.events;
        crate::guest::credit(
            &self.program,
            state,
            &held,
            &|id| answered.contains_key(id),
            context,
            &mut self.entropy,
            &mut outcome.answer,
        )
        .applied
    }

    fn resolve_referrer(&self, event: &Event) -> Referrer {
        let Some(code) = &event.referral_code else {
            return Referrer::NoCode;
        };
        let Some(member_id) = self.referral_codes.get(code) else {
            return Referrer::UnknownCode;
        };
        let email_hash = self
            .states
            .get(&self.state_key(member_id, None))
            .and_then(|s| s.profile(member_id))
            .and_then(|p| p.email_hash.clone());
        Referrer::Member {
            member_id: member_id.clone(),
            email_hash,
        }
    }

    /// One write to `member_id`'s state: `op` changes a copy and returns
    /// its result and ledger entries; only when it succeeds do the counters
    /// take the figures' difference and the copy replace the state.
    fn write<T, E>(
        &mut self,
        member_id: &Id,
        now: DateTime<Utc>,
        op: impl FnOnce(
            &Program,
            &mut MemberState,
            &mut SeededEntropy,
        ) -> Result<(T, Vec<LedgerEntry>), E>,
    ) -> Result<T, E> {
        let state_key = self.state_key(member_id, None);
        let mut state = self.states.get(&state_key).cloned().unwrap_or_default();
        let before = MemberFigures::of(&self.program, &state, now);
        let (result, entries) = op(&self.program, &mut state, &mut self.entropy)?;
        let after = MemberFigures::of(&self.program, &state, now);
        self.counters.record(&before, &after);
        self.ledgers
            .entry(state_key.clone())
            .or_default()
            .extend(entries);
        self.states.insert(state_key, state);
        Ok(result)
    }

    /// Spends points of `member_id` on a reward.
    pub fn redeem(
        &mut self,
        member_id: &Id,
        reward: &str,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<RedeemOutcome, RedeemError> {
        self.write(member_id, now, |program, state, entropy| {
            let outcome = redeem(program, state, member_id, reward, key, now, entropy)?;
            let entries = outcome.entries.clone();
            Ok((outcome, entries))
        })
    }

    /// Spends `member_id`'s store credit as a checkout code.
    pub fn spend_credit(
        &mut self,
        member_id: &Id,
        amount_minor: i64,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<RedeemOutcome, RedeemError> {
        self.write(member_id, now, |program, state, entropy| {
            let outcome = crate::redemption::spend_credit(
                program,
                state,
                member_id,
                amount_minor,
                key,
                now,
                entropy,
            )?;
            let entries = outcome.entries.clone();
            Ok((outcome, entries))
        })
    }

    /// Cancels an unused code of `member_id`: its points (or credit) return.
    pub fn cancel_code(
        &mut self,
        member_id: &Id,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<crate::member::IssuedCode, crate::redemption::CodeError> {
        self.write(member_id, now, |program, state, _| {
            crate::redemption::cancel_code(program, state, code, now)
        })
    }

    /// A manual adjustment.
    pub fn adjust(
        &mut self,
        member_id: &Id,
        id: &Id,
        points: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Adjusted, AdjustError> {
        self.write(member_id, now, |program, state, entropy| {
            let adjusted = adjust(program, state, member_id, id, points, reason, now, entropy)?;
            let entries = adjusted.entries.clone();
            Ok((adjusted, entries))
        })
    }

    /// Erases a member the way the edge does: out of their state (the whole
    /// state when they were alone in it), their ledger entries, the referral
    /// index, account bindings; their referrer's and referees' states and
    /// ledgers forget them; their answered events keep only the claim; the
    /// counters keep what was issued and redeemed as anonymous totals.
    pub fn erase(&mut self, member_id: &Id, now: DateTime<Utc>) -> Option<Erasure> {
        let key = self.state_key(member_id, None);
        let mut state = self.states.get(&key)?.clone();
        let before = MemberFigures::of(&self.program, &state, now);
        let erasure = privacy::erase(&mut state, member_id)?;
        let after = if erasure.emptied {
            before.after_erasure()
        } else {
            MemberFigures::of(&self.program, &state, now)
        };
        self.counters.record(&before, &after);
        if erasure.emptied {
            self.states.remove(&key);
            self.ledgers.remove(&key);
        } else {
            self.states.insert(key.clone(), state);
            if let Some(ledger) = self.ledgers.get_mut(&key) {
                ledger.retain(|e| e.member_id != *member_id);
                for entry in ledger.iter_mut() {
                    privacy::forget_entry(entry, member_id);
                }
            }
        }
        self.referral_codes.remove(&erasure.referral_code);
        self.accounts.remove(member_id);
        let others = erasure.referred_by.iter().chain(&erasure.referees);
        for other in others.cloned().collect::<Vec<_>>() {
            let other_key = self.state_key(&other, None);
            if let Some(state) = self.states.get_mut(&other_key) {
                privacy::forget(state, member_id);
            }
            for entry in self.ledgers.get_mut(&other_key).into_iter().flatten() {
                privacy::forget_entry(entry, member_id);
            }
        }
        for (_, answered) in self.events.values_mut() {
            if answered.as_ref().is_some_and(|(m, _)| m == member_id) {
                *answered = None;
            }
        }
        if let Some(hash) = &erasure.email_hash {
            self.guests.remove(hash);
        }
        Some(erasure)
    }

    /// Records a member's consent (leave, opt-out, rejoin); whether it
    /// changed anything.
    pub fn set_enrollment(
        &mut self,
        member_id: &Id,
        consent: privacy::Consent,
        now: DateTime<Utc>,
    ) -> bool {
        let key = self.state_key(member_id, None);
        let mut state = self.states.get(&key).cloned().unwrap_or_default();
        let before = MemberFigures::of(&self.program, &state, now);
        let changed =
            privacy::set_enrollment(&mut state, member_id, consent, now, &mut self.entropy);
        if changed {
            let after = MemberFigures::of(&self.program, &state, now);
            self.counters.record(&before, &after);
            self.states.insert(key, state);
        }
        changed
    }

    pub fn state_of(&self, member_id: &Id) -> Option<&MemberState> {
        self.states.get(&self.state_key(member_id, None))
    }

    pub fn ledger_of(&self, member_id: &Id) -> &[LedgerEntry] {
        self.ledgers
            .get(&self.state_key(member_id, None))
            .map_or(&[], Vec::as_slice)
    }

    pub fn view(&self, member_id: &Id, now: DateTime<Utc>, locale: &str) -> MemberView {
        let empty = MemberState::default();
        let state = self.state_of(member_id).unwrap_or(&empty);
        let ctx = ViewContext {
            now,
            locale,
            referral_base: "https://edge.example/r/shop/",
        };
        member_view(&self.program, state, member_id, &ctx)
    }
}
