//! The backtest: the shop's recent events replayed in the browser by the
//! rules crate's own reference flow (`Book`, what the edge's objects carry
//! out), once under the live program and once under the draft, and the
//! two compared: points issued, redeemable and outstanding, the liability
//! in money, members whose tier differs, points by rule.
//!
//! Invariant: a replay under the live program of a journal that reaches
//! back to the shop's first event gives the figures the edge recorded
//! (the same arithmetic on the same events in the same order, each at the
//! moment the edge received it).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use loyalty_rules::Program;
use loyalty_rules::analytics::{Metrics, PointValue};
use loyalty_rules::book::Book;
use loyalty_rules::event::{Event, GuestEvent};
use serde::Deserialize;

/// One recent event as `GET …/events` answers it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RecentEvent {
    pub received_at: DateTime<Utc>,
    #[serde(default)]
    pub event: Option<Event>,
    #[serde(default)]
    pub guest: Option<GuestEvent>,
    /// The member whose referral code the event came with.
    #[serde(default)]
    pub referrer: Option<String>,
}

/// A page of `GET …/events`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RecentEvents {
    pub events: Vec<RecentEvent>,
    pub next_cursor: Option<String>,
    pub complete: bool,
}

/// What one program made of the events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The shop's metrics after the last event, as the edge counts them.
    pub metrics: Metrics,
    /// Points members could spend now (outstanding less pending).
    pub redeemable: i64,
    /// Points outstanding at the program's point value, floored.
    pub liability_minor: Option<i64>,
    /// Points by rule (award lines: a rule id, `tier:<id>`, `badge:<id>`).
    pub by_rule: BTreeMap<String, i64>,
    /// Each member's tier at the end.
    pub tiers: BTreeMap<String, Option<String>>,
    /// Events the rules refused (an id reused, a refund of an unknown order).
    pub refused: usize,
    /// Points issued so far after each event, by when it arrived (seconds).
    pub timeline: Vec<(i64, i64)>,
}

/// Replays `events` (oldest first) under `program`, each at the moment
/// the edge received it; `now` is when the figures are read.
pub fn replay(program: &Program, events: &[RecentEvent], now: DateTime<Utc>) -> Outcome {
    let mut book = Book::new(program.clone());
    let mut outcome = Outcome::default();
    for recent in events {
        let at = recent.received_at;
        let answer = match (&recent.event, &recent.guest) {
            (Some(event), _) => {
                let mut event = event.clone();
                // The journal keeps who referred, not the code: the
                // referrer's code in this book stands in for it.
                if let Some(referrer) = &recent.referrer {
                    event.referral_code = referral_code(&book, referrer);
                }
                book.record(&event, at)
            }
            (None, Some(guest)) => book.record_guest(guest, at),
            (None, None) => continue,
        };
        match answer {
            Ok(answer) if !answer.duplicate => {
                for line in &answer.lines {
                    let sum = outcome.by_rule.entry(line.rule.to_string()).or_default();
                    *sum = sum.saturating_add(line.points);
                }
            }
            Ok(_) => {}
            Err(_) => outcome.refused += 1,
        }
        outcome
            .timeline
            .push((at.timestamp(), book.counters.points_issued));
    }
    outcome.metrics = book.counters.metrics();
    outcome.liability_minor =
        PointValue::of(program).map(|v| v.of_points(outcome.metrics.points_outstanding));
    for state in book.states.values() {
        outcome.redeemable = outcome
            .redeemable
            .saturating_add(state.balances(program, now).available);
        let tier = state
            .tier_rank_at(program, now)
            .and_then(|rank| program.level(rank))
            .map(|level| level.id.to_string());
        for member in state.profiles.keys() {
            outcome.tiers.insert(member.to_string(), tier.clone());
        }
    }
    outcome
}

fn referral_code(book: &Book, member: &str) -> Option<String> {
    let id = loyalty_rules::Id::parse(member).ok()?;
    let state = book.state_of(&id)?;
    Some(state.profiles.get(&id)?.referral_code.clone())
}

/// The live program's outcome beside the draft's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    pub events: usize,
    pub live: Outcome,
    pub draft: Outcome,
    /// Members whose tier at the end differs between the two.
    pub tier_moves: usize,
    /// Every rule either gave points by, with live and draft points.
    pub rules: Vec<(String, i64, i64)>,
}

/// Replays `newest_first` (as the pages come) under both programs.
pub fn compare(
    live: &Program,
    draft: &Program,
    newest_first: &[RecentEvent],
    now: DateTime<Utc>,
) -> Comparison {
    let events: Vec<RecentEvent> = newest_first.iter().rev().cloned().collect();
    let (live, draft) = (replay(live, &events, now), replay(draft, &events, now));
    let members: BTreeSet<&String> = live.tiers.keys().chain(draft.tiers.keys()).collect();
    let tier_moves = members
        .into_iter()
        .filter(|m| live.tiers.get(*m).cloned().flatten() != draft.tiers.get(*m).cloned().flatten())
        .count();
    let names: BTreeSet<&String> = live.by_rule.keys().chain(draft.by_rule.keys()).collect();
    let rules = names
        .into_iter()
        .map(|rule| {
            let of = |o: &Outcome| o.by_rule.get(rule).copied().unwrap_or(0);
            (rule.clone(), of(&live), of(&draft))
        })
        .collect();
    Comparison {
        events: events.len(),
        live,
        draft,
        tier_moves,
        rules,
    }
}

/// What the backtest benchmark replays: `n` events of `n / 10` members (a
/// signup each, then orders of $10 to $250 a few minutes apart, newest
/// first as the journal's pages come), and a program with a draft that
/// doubles its `base` rule.
pub fn synthetic(n: usize, start: DateTime<Utc>) -> (Program, Program, Vec<RecentEvent>) {
    let program = |points: i64| {
        Program::from_value(&serde_json::json!({
            "currency": "USD", "shop_url": "https://shop.example",
            "allowed_origins": ["https://shop.example"], "default_locale": "en",
            "points_label": {"en": "points"},
            "earn_rules": [
                {"id": "base", "event": "order_paid",
                 "effect": {"kind": "per_amount", "points": points, "per_minor": 100}},
                {"id": "signup", "event": "signup", "effect": {"kind": "fixed", "points": 100},
                 "limit": {"count": 1, "per": "lifetime"}},
                {"id": "big-order", "event": "order_paid",
                 "effect": {"kind": "fixed", "points": 50},
                 "when": [{"field": "order.subtotal_minor", "op": "gte", "value": 20000}]}
            ],
            "tiers": {"metric": "spend", "window": {"kind": "lifetime"}, "levels": [
                {"id": "bronze", "name": {"en": "Bronze"}, "threshold": 0},
                {"id": "silver", "name": {"en": "Silver"}, "threshold": 50000,
                 "earn_multiplier_bp": 12500}
            ]},
            "rewards": [{"id": "five-off", "name": {"en": "$5 off"}, "cost_points": 500,
                         "kind": "amount_off", "amount_minor": 500}]
        }))
        .unwrap_or_else(|problems| panic!("the benchmark's program: {problems:?}"))
    };
    let members = (n / 10).max(1);
    let mut events = Vec::with_capacity(n);
    for i in 0..n {
        let member = format!("m-{}", i % members);
        let at = start + chrono::Duration::minutes(i as i64);
        let text = |id: String, body: serde_json::Value| {
            let mut event = body;
            event["id"] = serde_json::json!(id);
            event["member_id"] = serde_json::json!(member);
            event["occurred_at"] = serde_json::json!(at.to_rfc3339());
            serde_json::from_value::<Event>(event).ok()
        };
        let event = if i < members {
            text(format!("s-{i}"), serde_json::json!({"kind": "signup"}))
        } else {
            let minor = 1_000 + (i as i64 * 7_919) % 24_000;
            text(
                format!("o-{i}"),
                serde_json::json!({"kind": "order_paid",
                    "order": {"order_id": format!("o-{i}"), "currency": "USD", "subtotal_minor": minor}}),
            )
        };
        events.push(RecentEvent {
            received_at: at,
            event,
            guest: None,
            referrer: None,
        });
    }
    events.reverse();
    (program(1), program(2), events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn program(base_points: i64) -> Program {
        Program::from_value(&json!({
            "currency": "USD", "shop_url": "https://shop.example",
            "allowed_origins": ["https://shop.example"], "default_locale": "en",
            "points_label": {"en": "points"},
            "earn_rules": [
                {"id": "base", "event": "order_paid",
                 "effect": {"kind": "per_amount", "points": base_points, "per_minor": 100}},
                {"id": "signup", "event": "signup", "effect": {"kind": "fixed", "points": 100}}
            ],
            "tiers": {"metric": "points", "window": {"kind": "lifetime"}, "levels": [
                {"id": "bronze", "name": {"en": "Bronze"}, "threshold": 0},
                {"id": "gold", "name": {"en": "Gold"}, "threshold": 400}
            ]},
            "rewards": [{"id": "five-off", "name": {"en": "$5 off"}, "cost_points": 500,
                         "kind": "amount_off", "amount_minor": 500}]
        }))
        .unwrap()
    }

    fn recent(value: serde_json::Value, at: &str) -> RecentEvent {
        RecentEvent {
            received_at: at.parse().unwrap(),
            event: Some(serde_json::from_value(value).unwrap()),
            guest: None,
            referrer: None,
        }
    }

    fn events() -> Vec<RecentEvent> {
        let order = |id: &str, member: &str, minor: i64| {
            json!({"id": id, "kind": "order_paid", "member_id": member,
                   "occurred_at": "2026-11-02T10:00:00Z",
                   "order": {"order_id": id, "currency": "USD", "subtotal_minor": minor}})
        };
        let signup = |member: &str| {
            json!({"id": format!("{member}-s"), "kind": "signup", "member_id": member,
                   "occurred_at": "2026-11-01T10:00:00Z"})
        };
        // Newest first, as the journal's pages come.
        vec![
            recent(order("o-3", "b", 25_000), "2026-11-02T12:00:00Z"),
            recent(order("o-2", "a", 10_000), "2026-11-02T11:00:00Z"),
            recent(order("o-1", "a", 20_000), "2026-11-02T10:00:00Z"),
            recent(signup("b"), "2026-11-01T11:00:00Z"),
            recent(signup("a"), "2026-11-01T10:00:00Z"),
        ]
    }

    #[test]
    fn a_doubled_rule_doubles_its_points_and_moves_tiers() {
        let now = "2026-11-03T00:00:00Z".parse().unwrap();
        let result = compare(&program(1), &program(2), &events(), now);
        assert_eq!(result.events, 5);
        // Live: a 100 + 200 + 100 = 400 (gold), b 100 + 250 = 350 (bronze).
        // Draft: a 100 + 400 + 200 = 700 (gold), b 100 + 500 = 600 (gold).
        assert_eq!(
            result.rules,
            vec![("base".into(), 550, 1100), ("signup".into(), 200, 200)]
        );
        assert_eq!(result.live.metrics.points_issued, 750);
        assert_eq!(result.draft.metrics.points_issued, 1300);
        assert_eq!(
            (result.live.redeemable, result.draft.redeemable),
            (750, 1300)
        );
        // $5 for 500 points: a cent a point.
        assert_eq!(result.draft.liability_minor, Some(1300));
        assert_eq!(result.tier_moves, 1, "b reaches gold under the draft");
        assert_eq!(result.live.refused, 0);
        let last = result.draft.timeline.last().copied();
        assert_eq!(
            last,
            Some((1_793_620_800, 1300)),
            "issued so far, by arrival"
        );
    }

    #[test]
    fn the_benchmarks_events_replay_under_both_programs() {
        let start = "2026-11-01T00:00:00Z".parse().unwrap();
        let (live, draft, events) = synthetic(1_000, start);
        assert_eq!(events.len(), 1_000);
        let result = compare(&live, &draft, &events, start + chrono::Duration::days(2));
        assert_eq!((result.live.refused, result.draft.refused), (0, 0));
        assert_eq!(result.live.metrics.members, 100);
        let base = result.rules.iter().find(|(r, _, _)| r == "base").unwrap();
        assert!(base.2 > base.1 && base.1 > 0, "{base:?}");
    }

    #[test]
    fn the_answers_of_the_edge_read_into_recent_events() {
        let page: RecentEvents = serde_json::from_value(json!({
            "events": [{"received_at": "2026-11-02T12:00:00Z", "referrer": "a",
                        "event": {"id": "s-1", "kind": "signup", "member_id": "c",
                                  "occurred_at": "2026-11-02T11:00:00Z"}}],
            "next_cursor": null, "complete": true
        }))
        .unwrap();
        assert_eq!(page.events[0].referrer.as_deref(), Some("a"));
        assert!(page.complete);
    }
}
