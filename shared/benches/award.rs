//! The award path on a realistic program (20 rules, 3 tiers, badges) and an
//! order of 10 lines: evaluated with the program already parsed, as the edge
//! caches it; with the event's JSON parsed too; and applied (the whole write).
//!
//! Run with `cargo xtask bench`; figures go in docs/PERFORMANCE.md.

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use loyalty_rules::award::preview_award;
use loyalty_rules::code::SeededEntropy;
use loyalty_rules::{Event, EventContext, MemberState, Program, apply_event};
use serde_json::{Value, json};

fn realistic_program() -> Program {
    let mut rules = vec![
        json!({"id": "base", "event": "order_paid", "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}}),
        json!({"id": "signup", "event": "signup", "effect": {"kind": "fixed", "points": 100}, "limit": {"count": 1, "per": "lifetime"}}),
        json!({"id": "first-order", "event": "order_paid", "effect": {"kind": "fixed", "points": 200},
               "when": [{"field": "order.first", "op": "eq", "value": true}]}),
        json!({"id": "double-week", "event": "order_paid", "effect": {"kind": "multiplier", "bp": 20000},
               "active": {"from": "2026-12-01T00:00:00Z", "until": "2026-12-08T00:00:00Z"}}),
        json!({"id": "review", "event": "review_posted", "effect": {"kind": "fixed", "points": 50}, "limit": {"count": 5, "per": "month"}}),
        json!({"id": "next-order", "event": "order_paid", "effect": {"kind": "issue_reward", "reward": "five-off", "valid_days": 14},
               "when": [{"field": "order.subtotal_minor", "op": "gte", "value": 1_000_000}]}),
        json!({"id": "weekend", "event": "order_paid", "effect": {"kind": "multiplier", "bp": 15000},
               "when": [{"field": "event.weekday", "op": "in", "value": [6, 7]}]}),
        json!({"id": "vip-tag", "event": "order_paid", "effect": {"kind": "fixed", "points": 25},
               "when": [{"field": "member.tags", "op": "contains", "value": "vip"}]}),
        json!({"id": "app", "event": "order_paid", "effect": {"kind": "fixed", "points": 10},
               "when": [{"field": "order.channel", "op": "eq", "value": "app"}]}),
        json!({"id": "winback", "event": "order_paid", "effect": {"kind": "fixed", "points": 300},
               "when": [{"field": "member.days_since_last_order", "op": "gte", "value": 180}]}),
    ];
    for (i, category) in [
        "shoes", "socks", "hats", "bags", "coats", "shirts", "belts", "gloves", "scarves", "boots",
    ]
    .iter()
    .enumerate()
    {
        rules.push(
            json!({"id": format!("cat-{category}"), "event": "order_paid",
            "effect": {"kind": "per_amount", "points": (i % 3) + 1, "per_minor": 100},
            "lines": [{"field": "line.category", "op": "eq", "value": category}],
            "limit": {"count": 10, "per": "day"}}),
        );
    }
    assert_eq!(rules.len(), 20);
    let doc = json!({
        "currency": "USD", "shop_url": "https://shop.example",
        "earn_rules": rules,
        "tiers": {"metric": "spend", "window": {"kind": "rolling_days", "days": 365}, "levels": [
            {"id": "bronze", "name": {"en": "Bronze"}, "threshold": 0},
            {"id": "silver", "name": {"en": "Silver"}, "threshold": 50000, "earn_multiplier_bp": 12500},
            {"id": "gold", "name": {"en": "Gold"}, "threshold": 150000, "earn_multiplier_bp": 15000}]},
        "rewards": [{"id": "five-off", "name": {"en": "$5 off"}, "cost_points": 500, "kind": "amount_off", "amount_minor": 500}],
        "badges": [{"id": "regular", "name": {"en": "Regular"}, "event": "order_paid", "count": 5, "bonus_points": 100}]
    });
    Program::from_value(&doc).expect("the benchmark program is valid")
}

fn order_json() -> Value {
    let categories = [
        "shoes", "socks", "hats", "bags", "coats", "shirts", "belts", "gloves", "scarves", "boots",
    ];
    let lines: Vec<Value> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"sku": format!("sku-{i}"), "category": c, "qty": 1 + i % 3, "unit_price_minor": 1999 + 100 * i}))
        .collect();
    json!({"id": "evt-1", "kind": "order_paid", "member_id": "c-42", "occurred_at": "2026-11-21T10:00:00Z",
        "order": {"order_id": "o-1", "currency": "USD", "subtotal_minor": 45000, "channel": "online", "lines": lines},
        "member": {"tags": ["vip"]}})
}

/// A member with some history, so limits, tiers and badges have work to do.
fn member_with_history(program: &Program, now: DateTime<Utc>) -> MemberState {
    let mut state = MemberState::default();
    let mut entropy = SeededEntropy(3);
    for n in 0..3 {
        let mut doc = order_json();
        doc["id"] = json!(format!("old-{n}"));
        doc["order"]["order_id"] = json!(format!("old-{n}"));
        doc["occurred_at"] = json!(format!("2026-0{}-10T10:00:00Z", n + 3));
        let event = Event::from_value(&doc, now).expect("valid");
        apply_event(
            program,
            &mut state,
            &event,
            &EventContext::at(now),
            &mut entropy,
        )
        .expect("applies");
    }
    state
}

fn award(c: &mut Criterion) {
    let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().expect("a timestamp");
    let program = realistic_program();
    let state = member_with_history(&program, now);
    let text = order_json().to_string();
    let event = Event::parse(&text, now).expect("valid");
    let context = EventContext::at(now);
    let mut entropy = SeededEntropy(9);

    let mut group = c.benchmark_group("award");
    group.throughput(Throughput::Elements(1));
    // Evaluation: the award the rules give, computed from the parsed program
    // and the stored member, written nowhere.
    group.bench_function("evaluate_parsed", |b| {
        b.iter(|| preview_award(&program, &state, black_box(&event), now))
    });
    group.bench_function("parse_event_and_evaluate", |b| {
        b.iter(|| {
            let event = Event::parse(black_box(&text), now).expect("valid");
            preview_award(&program, &state, &event, now)
        })
    });
    // The whole write: evaluation plus the new state, ledger entry and answer.
    group.bench_function("apply_parsed", |b| {
        b.iter_batched_ref(
            || state.clone(),
            |member| apply_event(&program, member, black_box(&event), &context, &mut entropy),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, award);
criterion_main!(benches);
