//! Challenges: time-boxed goals a member works toward ("3 orders in
//! December", "2 reviews a month", "200.00 of shoes a quarter"), with their
//! progress kept per period and a reward given when the goal is reached.
//!
//! A challenge counts the events it listens to in a period: one window
//! (`active`), or each calendar period of the shop's zone (`per`) within
//! it. Each counted event is a step: 1 toward a count goal, or the order's
//! eligible amount toward a spend goal. A refund shrinks its order's step
//! (to the unrefunded share of the amount; a count step ends when the order
//! is cancelled or refunded in full); if that takes the member below the
//! goal before the period ends, the reward is taken back, and the goal can
//! be reached again in that period.
//!
//! Invariant: in each period a member holds a challenge's reward at most
//! once: given when progress reaches the goal while not held, taken back
//! only while held.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::event::Line;
use crate::id::Id;
use crate::program::{Active, EventMatch, Localized, Period};
use crate::zone::Zone;

/// What reaching the goal takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// This many events.
    Count(i64),
    /// This much eligible spend (minor units of the program's currency).
    Spend(i64),
}

impl Goal {
    pub fn target(self) -> i64 {
        match self {
            Goal::Count(n) | Goal::Spend(n) => n,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub id: Id,
    pub name: Localized,
    pub event: EventMatch,
    pub goal: Goal,
    /// Spend goals: the order lines that count (none: the subtotal).
    pub lines: Vec<Condition>,
    pub active: Active,
    /// Repeats each calendar period of the shop's zone; `None`: once, over
    /// the whole `active` window.
    pub per: Option<Period>,
    pub points: i64,
    /// A badge of the program (an index) given with the reward.
    pub badge: Option<usize>,
    /// `challenge:<id>`, the name of its award line.
    pub line: Arc<str>,
}

impl Challenge {
    /// The period holding `at`, as `[start, end)` (`end` `None`: open), if
    /// the challenge runs at `at`.
    pub fn period(&self, zone: &Zone, at: DateTime<Utc>) -> Option<Span> {
        if !self.active.contains(at) {
            return None;
        }
        let (start, end) = match self.per {
            Some(per) => match zone.bounds(per, at) {
                Some((start, end)) => (
                    self.active.from.map_or(start, |from| from.max(start)),
                    Some(self.active.until.map_or(end, |until| until.min(end))),
                ),
                None => (
                    self.active.from.unwrap_or(DateTime::<Utc>::MIN_UTC),
                    self.active.until,
                ),
            },
            None => (
                self.active.from.unwrap_or(DateTime::<Utc>::MIN_UTC),
                self.active.until,
            ),
        };
        Some(Span { start, end })
    }

    /// What an event adds: 1, or the eligible amount of its order.
    pub fn step(&self, subtotal_minor: Option<i64>, lines: &[Line]) -> i64 {
        match self.goal {
            Goal::Count(_) => 1,
            Goal::Spend(_) if self.lines.is_empty() => subtotal_minor.unwrap_or(0),
            Goal::Spend(_) => lines
                .iter()
                .filter(|line| self.lines.iter().all(|c| c.holds_for_line(line)))
                .fold(0i64, |sum, line| sum.saturating_add(line.amount_minor())),
        }
    }
}

/// One period of a challenge: `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

/// One counted event of a member's progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Step {
    /// Whose event it was (in a pooled account, a colleague's counts too).
    pub member_id: Id,
    /// The order it came with, whose refunds shrink it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<Id>,
    /// What it counted when it came (1, or the eligible amount).
    pub full: i64,
    /// What it counts now, after refunds.
    pub counts: i64,
}

/// A member's progress in one period of one challenge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Progress {
    pub challenge: Id,
    pub start: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
    pub steps: Vec<Step>,
    /// Held: when the goal was reached, the points given and whether the
    /// badge came with it (for a take-back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reached_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub points: i64,
    #[serde(default)]
    pub badge: bool,
}

impl Progress {
    pub fn total(&self) -> i64 {
        self.steps
            .iter()
            .fold(0i64, |sum, step| sum.saturating_add(step.counts))
    }

    /// Whether `at` falls in this period.
    pub fn holds(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && self.end.is_none_or(|end| at < end)
    }
}

/// What a refund leaves of an order's step: a count step ends when the
/// order is cancelled or refunded in full; a spend step keeps the
/// unrefunded share, floored.
pub fn refunded_step(
    goal: Goal,
    full: i64,
    subtotal_minor: i64,
    refunded_minor: i64,
    cancelled: bool,
) -> i64 {
    if cancelled || (subtotal_minor > 0 && refunded_minor >= subtotal_minor) {
        return 0;
    }
    match goal {
        Goal::Count(_) => full,
        Goal::Spend(_) if subtotal_minor <= 0 => full,
        Goal::Spend(_) => {
            let left = i128::from(subtotal_minor.saturating_sub(refunded_minor));
            i64::try_from(i128::from(full) * left / i128::from(subtotal_minor)).unwrap_or(full)
        }
    }
}
