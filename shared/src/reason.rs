//! Why a rule gave nothing: for each earn rule of an event's kind that did
//! not fire (or fired for 0 points), a stable code and the figures that let
//! a shopper act ("add 12.00 more", "resets on 1 December", "Gold only").
//!
//! Invariant: a reason names a rule that listens to the event and gave no
//! line in its answer, and at most one reason per rule: the first of its
//! window, its conditions in program order, its limit, its amount.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::condition::{Condition, Facts, Field, Op, Operand};
use crate::id::Id;
use crate::program::Program;

/// The reasons, as stable codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// Before `from` or at or after `until` (both given).
    OutsideWindow,
    /// The rule's limit is used up until `resets_at` (none: for good).
    LimitReached,
    /// The subtotal is `missing_minor` short of the rule's minimum.
    BelowMinSubtotal,
    /// The rule is for members of `tier` (or higher, as the rule says).
    TierRequired,
    /// The member carries `tag`, which the rule leaves out.
    ExcludedTag,
    /// A per-amount rule whose lines no order line meets.
    NoEligibleLines,
    /// A per-amount rule: `missing_minor` more of eligible spend makes one
    /// more step of points.
    BelowPerAmount,
    /// Another condition (`field`) does not hold.
    ConditionNotMet,
}

/// Why one rule gave nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Reason {
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub rule: Arc<str>,
    pub code: ReasonCode,
    /// What the rule gives when it applies, when that is a fixed figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resets_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Reason {
    pub fn new(rule: Arc<str>, code: ReasonCode) -> Self {
        Self {
            rule,
            code,
            points: None,
            missing_minor: None,
            resets_at: None,
            from: None,
            until: None,
            tier: None,
            tag: None,
            field: None,
        }
    }
}

/// Why `condition` does not hold for `facts`, as a reason of `rule`.
pub fn why_not(
    program: &Program,
    rule: Arc<str>,
    condition: &Condition,
    facts: &Facts<'_>,
) -> Reason {
    match (condition.field, condition.op, &condition.value) {
        (Field::OrderSubtotal, Op::Gte | Op::Gt, Operand::Int(min)) => {
            let needed = if condition.op == Op::Gt {
                min.saturating_add(1)
            } else {
                *min
            };
            let have = facts.subtotal_minor.unwrap_or(0);
            Reason {
                missing_minor: Some(needed.saturating_sub(have).max(0)),
                ..Reason::new(rule, ReasonCode::BelowMinSubtotal)
            }
        }
        (Field::MemberTier, op, Operand::Int(rank)) if matches!(op, Op::Eq | Op::Gte | Op::Gt) => {
            let rank = usize::try_from(if op == Op::Gt {
                rank.saturating_add(1)
            } else {
                *rank
            })
            .unwrap_or(usize::MAX);
            Reason {
                tier: program.level(rank).map(|level| level.id.clone()),
                ..Reason::new(rule, ReasonCode::TierRequired)
            }
        }
        (Field::MemberTier, Op::In, Operand::Ints(ranks)) => Reason {
            tier: ranks
                .iter()
                .filter_map(|r| usize::try_from(*r).ok())
                .min()
                .and_then(|r| program.level(r))
                .map(|level| level.id.clone()),
            ..Reason::new(rule, ReasonCode::TierRequired)
        },
        (Field::MemberTags, Op::NotIn, Operand::Texts(excluded)) => Reason {
            tag: facts
                .tags
                .and_then(|have| have.iter().find(|t| excluded.contains(t)))
                .cloned(),
            ..Reason::new(rule, ReasonCode::ExcludedTag)
        },
        _ => Reason {
            field: Some(condition.field.name().to_owned()),
            ..Reason::new(rule, ReasonCode::ConditionNotMet)
        },
    }
}
