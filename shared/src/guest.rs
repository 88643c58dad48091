//! Guests' orders: held under the shopper's email hash for the program's
//! `guest_days`, then credited, once, to the member who signs up with that
//! hash.
//!
//! Invariants: a held order is credited to at most one member (the first to
//! claim the hash; later claims by that member get the same orders again,
//! which their state answers as duplicates by event id, so a retried signup
//! credits nothing twice); an order of a claimed hash (a refund of a
//! credited order, or a new guest checkout) goes to that member; an order
//! older than `guest_days` is neither held nor credited.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::award::{Answer, AwardLine, EventContext, EventError, Outcome, apply_event};
use crate::code::Entropy;
use crate::event::{Event, EventKind, GuestEvent};
use crate::id::Id;
use crate::member::MemberState;
use crate::program::Program;

/// One email hash's orders while no member has it, and whose they became.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestOrders {
    /// Held events in the order they came: each paid order, then its
    /// refunds and cancellation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<GuestEvent>,
    /// The answers given to held events, by event id (for duplicates).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub answers: BTreeMap<Id, Answer>,
    /// The member who signed up with this hash and was credited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_by: Option<Id>,
}

/// What became of a guest's event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Held {
    /// Held: the answer says until when.
    Held(Box<Answer>),
    /// The hash belongs to this member now: the event is theirs.
    Member(Id),
}

/// A guest order credited at signup: its id and the points it brought (its
/// refunds and cancellation already netted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GuestCredit {
    pub order_id: Id,
    pub points: i64,
    /// The award lines of the order's own events.
    pub lines: Vec<AwardLine>,
}

/// The note on ledger entries of a credited guest order.
pub const GUEST_NOTE: &str = "guest_order";

/// Why a guest's order is refused.
fn too_old(event: &GuestEvent, days: i64) -> EventError {
    EventError::Invalid(vec![crate::json::Problem {
        path: "$.occurred_at".into(),
        message: format!(
            "a guest's order is held for {days} days from when it was paid; order {} is older",
            event.order.order_id
        ),
    }])
}

impl GuestOrders {
    /// The paid event of `order_id`, if held.
    fn paid(&self, order_id: &Id) -> Option<&GuestEvent> {
        self.held
            .iter()
            .find(|e| e.kind == EventKind::OrderPaid && e.order.order_id == *order_id)
    }

    /// Until when an order paid at `paid_at` is held.
    pub fn until(paid_at: DateTime<Utc>, days: i64) -> DateTime<Utc> {
        paid_at + Duration::days(days)
    }

    /// Holds a guest's event, or names the member it belongs to. Refused
    /// (changing nothing) when the program holds no guest orders, the order
    /// was paid longer ago than `guest_days`, a paid order comes twice, or a
    /// refund names an order not held.
    pub fn hold(
        &mut self,
        program: &Program,
        event: &GuestEvent,
        now: DateTime<Utc>,
    ) -> Result<Held, EventError> {
        if let Some(answer) = self.answers.get(&event.id) {
            let mut again = answer.clone();
            again.duplicate = true;
            return Ok(Held::Held(Box::new(again)));
        }
        if let Some(member) = &self.claimed_by {
            return Ok(Held::Member(member.clone()));
        }
        let days = program.guest_days;
        if days == 0 {
            return Err(EventError::GuestsNotHeld);
        }
        let paid_at = match event.kind {
            EventKind::OrderPaid => {
                if self.paid(&event.order.order_id).is_some() {
                    return Err(EventError::DuplicateOrder {
                        order_id: event.order.order_id.clone(),
                    });
                }
                // Its currency must convert now, or crediting would fail.
                let as_own = event.for_member(&event.id);
                crate::exchange::to_program_currency(program, &MemberState::default(), &as_own)?;
                event.occurred_at
            }
            _ => match self.paid(&event.order.order_id) {
                Some(paid) => paid.occurred_at,
                None => {
                    return Err(EventError::UnknownOrder {
                        order_id: event.order.order_id.clone(),
                    });
                }
            },
        };
        let until = Self::until(paid_at, days);
        if until <= now {
            return Err(too_old(event, days));
        }
        let mut answer = Answer::nothing(event.id.clone(), program.version);
        answer.held_until = Some(until);
        self.held.push(event.clone());
        self.answers.insert(event.id.clone(), answer.clone());
        Ok(Held::Held(Box::new(answer)))
    }

    /// The held events, as `member`'s own, for crediting at their signup;
    /// none when another member claimed the hash first. Orders past their
    /// hold are dropped.
    pub fn claim(&mut self, program: &Program, member: &Id, now: DateTime<Utc>) -> Vec<Event> {
        match &self.claimed_by {
            Some(owner) if owner != member => return Vec::new(),
            Some(_) => {}
            None => {
                self.expire(program.guest_days, now);
                self.claimed_by = Some(member.clone());
            }
        }
        self.held.iter().map(|e| e.for_member(member)).collect()
    }

    /// Drops orders whose hold ended (with their refunds), while no member
    /// has claimed the hash. Answers whether anything is left to keep.
    pub fn expire(&mut self, days: i64, now: DateTime<Utc>) -> bool {
        if self.claimed_by.is_some() {
            return true;
        }
        let live: Vec<Id> = self
            .held
            .iter()
            .filter(|e| e.kind == EventKind::OrderPaid)
            .filter(|e| Self::until(e.occurred_at, days) > now)
            .map(|e| e.order.order_id.clone())
            .collect();
        self.held.retain(|e| live.contains(&e.order.order_id));
        let ids: Vec<Id> = self.held.iter().map(|e| e.id.clone()).collect();
        self.answers.retain(|id, _| ids.contains(id));
        !self.held.is_empty()
    }

    /// When the next held order's hold ends (for an alarm), if unclaimed.
    pub fn next_expiry(&self, days: i64) -> Option<DateTime<Utc>> {
        if self.claimed_by.is_some() {
            return None;
        }
        self.held
            .iter()
            .filter(|e| e.kind == EventKind::OrderPaid)
            .map(|e| Self::until(e.occurred_at, days))
            .min()
    }
}

/// What crediting a signup's held orders did.
#[derive(Debug, Default)]
pub struct Credited {
    /// Each event applied, with its answer (stored for duplicates).
    pub applied: Vec<(Event, Outcome)>,
    /// Per order, for the signup's answer.
    pub credits: Vec<GuestCredit>,
}

/// Applies `events` (a claim's, in order) to `state`, skipping those
/// `answered` already knows and those the rules refuse (each changes
/// nothing), and adds to the signup's `answer` one line per order,
/// `guest_order:<order id>`, with its points, and `guest_orders` with the
/// details. The credited entries' note is [`GUEST_NOTE`]; the member's
/// profile counts the orders for the panel.
pub fn credit(
    program: &Program,
    state: &mut MemberState,
    events: &[Event],
    answered: &dyn Fn(&Id) -> bool,
    context: &EventContext,
    entropy: &mut dyn Entropy,
    answer: &mut Answer,
) -> Credited {
    let mut credited = Credited::default();
    for event in events {
        if answered(&event.id) {
            continue;
        }
        let Ok(mut outcome) = apply_event(program, state, event, context, entropy) else {
            continue;
        };
        for entry in outcome.entries.iter_mut().filter(|e| e.note.is_none()) {
            entry.note = Some(GUEST_NOTE.to_owned());
        }
        let order_id = event
            .order
            .as_ref()
            .map(|o| o.order_id.clone())
            .unwrap_or_else(|| event.id.clone());
        match credited.credits.iter_mut().find(|c| c.order_id == order_id) {
            Some(credit) => {
                credit.points += outcome.answer.points;
                credit.lines.extend(outcome.answer.lines.iter().cloned());
            }
            None => credited.credits.push(GuestCredit {
                order_id,
                points: outcome.answer.points,
                lines: outcome.answer.lines.clone(),
            }),
        }
        answer.balance = outcome.answer.balance;
        answer.tier.clone_from(&outcome.answer.tier);
        for badge in &outcome.answer.badges {
            if !answer.badges.contains(badge) {
                answer.badges.push(badge.clone());
            }
        }
        answer.codes.extend(outcome.answer.codes.iter().cloned());
        answer.store_credit_minor += outcome.answer.store_credit_minor;
        credited.applied.push((event.clone(), outcome));
    }
    let orders = credited
        .credits
        .iter()
        .filter(|c| {
            events.iter().any(|e| {
                e.kind == EventKind::OrderPaid
                    && e.order.as_ref().map(|o| &o.order_id) == Some(&c.order_id)
                    && !answered(&e.id)
            })
        })
        .count();
    for credit in &credited.credits {
        let rule = format!("{}:{}", GUEST_NOTE, credit.order_id);
        answer
            .lines
            .push(AwardLine::new(rule.into(), credit.points));
        answer.points += credit.points;
    }
    answer.guest_orders.clone_from(&credited.credits);
    if orders > 0
        && let Some(member) = events.first().map(|e| e.member_id.clone())
        && let Some(profile) = state.profiles.get_mut(&member)
    {
        let points: i64 = credited.credits.iter().map(|c| c.points).sum();
        let before = profile.guest_orders.take().unwrap_or_default();
        profile.guest_orders = Some(crate::member::GuestOrdersAdded {
            orders: before.orders + orders as u64,
            points: before.points + points,
            at: context.now,
        });
    }
    credited
}
