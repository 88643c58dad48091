//! Rule conditions: `when` on the event and member, `lines` on order lines.

use serde_json::Value;

use crate::event::Line;
use crate::json::{Check, Path, optional};
use crate::program::Tiers;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    OrderSubtotal,
    OrderChannel,
    OrderFirst,
    MemberTier,
    MemberTags,
    MemberDaysSinceLastOrder,
    MemberDaysSinceSignup,
    LineSku,
    LineCategory,
    EventWeekday,
    EventHour,
    MemberBirthdayToday,
    MemberSignupAnniversary,
}

const FIELDS: [(&str, Field); 13] = [
    ("order.subtotal_minor", Field::OrderSubtotal),
    ("order.channel", Field::OrderChannel),
    ("order.first", Field::OrderFirst),
    ("member.tier", Field::MemberTier),
    ("member.tags", Field::MemberTags),
    (
        "member.days_since_last_order",
        Field::MemberDaysSinceLastOrder,
    ),
    ("member.days_since_signup", Field::MemberDaysSinceSignup),
    ("line.sku", Field::LineSku),
    ("line.category", Field::LineCategory),
    ("event.weekday", Field::EventWeekday),
    ("event.hour", Field::EventHour),
    ("member.birthday_today", Field::MemberBirthdayToday),
    ("member.signup_anniversary", Field::MemberSignupAnniversary),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Int,
    Text,
    Bool,
    Tags,
}

impl Field {
    /// The name a program writes (`order.subtotal_minor`).
    pub fn name(self) -> &'static str {
        FIELDS
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("", |(name, _)| name)
    }

    fn shape(self) -> Shape {
        match self {
            Field::OrderSubtotal
            | Field::MemberTier
            | Field::MemberDaysSinceLastOrder
            | Field::MemberDaysSinceSignup
            | Field::EventWeekday
            | Field::EventHour
            | Field::MemberSignupAnniversary => Shape::Int,
            Field::OrderChannel | Field::LineSku | Field::LineCategory => Shape::Text,
            Field::OrderFirst | Field::MemberBirthdayToday => Shape::Bool,
            Field::MemberTags => Shape::Tags,
        }
    }

    fn is_line(self) -> bool {
        matches!(self, Field::LineSku | Field::LineCategory)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    NotIn,
    Contains,
}

const OPS: [(&str, Op); 9] = [
    ("eq", Op::Eq),
    ("ne", Op::Ne),
    ("gt", Op::Gt),
    ("gte", Op::Gte),
    ("lt", Op::Lt),
    ("lte", Op::Lte),
    ("in", Op::In),
    ("not_in", Op::NotIn),
    ("contains", Op::Contains),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operand {
    Int(i64),
    Text(String),
    Bool(bool),
    Ints(Vec<i64>),
    Texts(Vec<String>),
}

/// Where a condition list stands: `when` (the event) or `lines` (one line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Event,
    Line,
}

/// What conditions are tested against, gathered once per event.
#[derive(Clone, Copy, Debug, Default)]
pub struct Facts<'a> {
    pub subtotal_minor: Option<i64>,
    pub channel: Option<&'a str>,
    pub first_order: Option<bool>,
    pub tier_rank: Option<usize>,
    /// `None` when no event ever sent the member's tags (the field is lacking).
    pub tags: Option<&'a [String]>,
    pub days_since_last_order: Option<i64>,
    pub days_since_signup: Option<i64>,
    /// The local weekday (1 = Monday) and hour (0 to 23) of the event in
    /// the shop's zone.
    pub weekday: i64,
    pub hour: i64,
    /// Whether the event's local date is the member's birthday; `None`
    /// when no birthday was ever sent.
    pub birthday_today: Option<bool>,
    /// Whole years since signup when the event's local date is its
    /// anniversary, else 0; `None` before signup.
    pub signup_anniversary: Option<i64>,
    pub lines: &'a [Line],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub field: Field,
    pub op: Op,
    pub value: Operand,
}

impl Condition {
    pub(crate) fn read(
        check: &mut Check,
        value: &Value,
        path: Path<'_>,
        scope: Scope,
        tiers: Option<&Tiers>,
    ) -> Option<Condition> {
        let map = check.object(value, path, &["field", "op", "value"])?;
        let field = check.required(map, path, "field").and_then(|v| {
            let found = v
                .as_str()
                .and_then(|name| FIELDS.iter().find(|(n, _)| *n == name))
                .map(|(_, field)| *field);
            if found.is_none() {
                let names: Vec<_> = FIELDS.iter().map(|(n, _)| *n).collect();
                check.report(
                    path.key("field"),
                    format!("must be one of {}", names.join(", ")),
                );
            }
            found
        });
        if scope == Scope::Line && field.is_some_and(|f| !f.is_line()) {
            check.report(
                path.key("field"),
                "lines conditions take line.sku or line.category",
            );
        }
        let op = check.required(map, path, "op").and_then(|v| {
            let found = v
                .as_str()
                .and_then(|name| OPS.iter().find(|(n, _)| *n == name))
                .map(|(_, op)| *op);
            if found.is_none() {
                check.report(
                    path.key("op"),
                    "must be eq, ne, gt, gte, lt, lte, in, not_in or contains",
                );
            }
            found
        });
        // Both are read before giving up, so every problem is reported.
        let (field, op) = (field?, op?);
        if scope == Scope::Line && !field.is_line() {
            return None;
        }
        let allowed = match field.shape() {
            Shape::Int => matches!(
                op,
                Op::Eq | Op::Ne | Op::Gt | Op::Gte | Op::Lt | Op::Lte | Op::In | Op::NotIn
            ),
            Shape::Text => matches!(op, Op::Eq | Op::Ne | Op::In | Op::NotIn | Op::Contains),
            Shape::Bool => matches!(op, Op::Eq | Op::Ne),
            Shape::Tags => matches!(op, Op::Contains | Op::NotIn),
        };
        if !allowed {
            check.report(path.key("op"), "does not apply to this field");
            return None;
        }
        let Some(raw) = optional(map, "value") else {
            check.report(path.key("value"), "is required");
            return None;
        };
        let vpath = path.key("value");
        let list = matches!(op, Op::In | Op::NotIn);
        let value = if field == Field::MemberTier {
            read_tier_operand(check, raw, vpath, list, tiers)?
        } else {
            match (field.shape(), list) {
                (Shape::Int, false) => Operand::Int(check.int(raw, vpath, i64::MIN, i64::MAX)?),
                (Shape::Int, true) => Operand::Ints(
                    check
                        .array(raw, vpath, 1000)?
                        .iter()
                        .enumerate()
                        .filter_map(|(i, v)| check.int(v, vpath.index(i), i64::MIN, i64::MAX))
                        .collect(),
                ),
                (Shape::Bool, _) => Operand::Bool(check.boolean(raw, vpath)?),
                (_, false) => Operand::Text(check.string(raw, vpath, 128)?.to_owned()),
                (_, true) => Operand::Texts(
                    check
                        .array(raw, vpath, 1000)?
                        .iter()
                        .enumerate()
                        .filter_map(|(i, v)| {
                            check.string(v, vpath.index(i), 128).map(str::to_owned)
                        })
                        .collect(),
                ),
            }
        };
        Some(Condition { field, op, value })
    }

    /// Whether the condition holds; a field the event lacks makes it false.
    /// A line condition in `when` holds when any line of the order meets it.
    pub fn holds(&self, facts: &Facts<'_>) -> bool {
        match self.field {
            Field::LineSku | Field::LineCategory => {
                facts.lines.iter().any(|line| self.holds_for_line(line))
            }
            Field::OrderSubtotal => self.test_int(facts.subtotal_minor),
            Field::MemberTier => self.test_int(facts.tier_rank.and_then(|r| i64::try_from(r).ok())),
            Field::MemberDaysSinceLastOrder => self.test_int(facts.days_since_last_order),
            Field::MemberDaysSinceSignup => self.test_int(facts.days_since_signup),
            Field::EventWeekday => self.test_int(Some(facts.weekday)),
            Field::EventHour => self.test_int(Some(facts.hour)),
            Field::MemberSignupAnniversary => self.test_int(facts.signup_anniversary),
            Field::OrderChannel => self.test_text(facts.channel),
            Field::OrderFirst => self.test_bool(facts.first_order),
            Field::MemberBirthdayToday => self.test_bool(facts.birthday_today),
            Field::MemberTags => match (facts.tags, &self.value) {
                (Some(have), Operand::Text(tag)) => have.iter().any(|t| t == tag),
                (Some(have), Operand::Texts(tags)) => !have.iter().any(|t| tags.contains(t)),
                _ => false,
            },
        }
    }

    fn test_bool(&self, have: Option<bool>) -> bool {
        match (have, &self.value) {
            (Some(have), Operand::Bool(wanted)) => match self.op {
                Op::Eq => have == *wanted,
                _ => have != *wanted,
            },
            _ => false,
        }
    }

    pub fn holds_for_line(&self, line: &Line) -> bool {
        let text = match self.field {
            Field::LineSku => line.sku.as_deref(),
            Field::LineCategory => line.category.as_deref(),
            _ => return false,
        };
        self.test_text(text)
    }

    fn test_int(&self, actual: Option<i64>) -> bool {
        let Some(actual) = actual else {
            return false;
        };
        match (&self.value, self.op) {
            (Operand::Int(v), Op::Eq) => actual == *v,
            (Operand::Int(v), Op::Ne) => actual != *v,
            (Operand::Int(v), Op::Gt) => actual > *v,
            (Operand::Int(v), Op::Gte) => actual >= *v,
            (Operand::Int(v), Op::Lt) => actual < *v,
            (Operand::Int(v), Op::Lte) => actual <= *v,
            (Operand::Ints(vs), Op::In) => vs.contains(&actual),
            (Operand::Ints(vs), Op::NotIn) => !vs.contains(&actual),
            _ => false,
        }
    }

    fn test_text(&self, actual: Option<&str>) -> bool {
        let Some(actual) = actual else {
            return false;
        };
        match (&self.value, self.op) {
            (Operand::Text(v), Op::Eq) => actual == v,
            (Operand::Text(v), Op::Ne) => actual != v,
            (Operand::Text(v), Op::Contains) => actual.contains(v.as_str()),
            (Operand::Texts(vs), Op::In) => vs.iter().any(|v| v == actual),
            (Operand::Texts(vs), Op::NotIn) => !vs.iter().any(|v| v == actual),
            _ => false,
        }
    }
}

/// Tier conditions name tiers and compare by rank (`gte silver` holds for gold).
fn read_tier_operand(
    check: &mut Check,
    raw: &Value,
    path: Path<'_>,
    list: bool,
    tiers: Option<&Tiers>,
) -> Option<Operand> {
    let rank = |check: &mut Check, v: &Value, p: Path<'_>| -> Option<i64> {
        let id = check.string(v, p, 128)?;
        let found = tiers.and_then(|t| t.rank_of(id));
        if found.is_none() {
            check.report(p, format!("no tier has the id `{id}`"));
        }
        found.and_then(|r| i64::try_from(r).ok())
    };
    if list {
        let items = check.array(raw, path, 1000)?;
        let ranks: Vec<_> = items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| rank(check, v, path.index(i)))
            .collect();
        (ranks.len() == items.len()).then_some(Operand::Ints(ranks))
    } else {
        rank(check, raw, path).map(Operand::Int)
    }
}
