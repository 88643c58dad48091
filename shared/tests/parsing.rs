//! Parsing tables: programs and events are refused with every problem and its
//! JSON path, bounds and identifiers follow contract section 1, and the
//! contract's own examples (sections 2 and 3) parse.

use std::collections::BTreeSet;

use crate::contract::{CONTRACT_EVENT, CONTRACT_PROGRAM, merge, with};
use crate::schema;
use chrono::{DateTime, Utc};
use loyalty_rules::event::parse_batch;
use loyalty_rules::{Event, EventKind, Program};
use serde_json::{Value, json};

const NOW: &str = "2026-11-23T12:00:00Z";

fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

/// A small valid program with three rules, tiers, a reward, a referral and a
/// badge, so that every section can be broken on its own.
fn base_program() -> Value {
    json!({
        "currency": "USD",
        "shop_url": "https://shop.example",
        "earn_rules": [
            {"id": "base", "event": "order_paid", "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}},
            {"id": "signup", "event": "signup", "effect": {"kind": "fixed", "points": 100}},
            {"id": "review", "event": "review_posted", "effect": {"kind": "fixed", "points": 50}}
        ],
        "tiers": {"metric": "spend", "window": {"kind": "rolling_days", "days": 365}, "levels": [
            {"id": "bronze", "name": {"en": "Bronze"}, "threshold": 0, "earn_multiplier_bp": 10000},
            {"id": "silver", "name": {"en": "Silver"}, "threshold": 50000, "earn_multiplier_bp": 12500}
        ]},
        "rewards": [{"id": "five-off", "name": {"en": "$5 off"}, "cost_points": 500, "kind": "amount_off", "amount_minor": 500}],
        "referral": {"referrer_points": 500, "referee_reward": {"kind": "amount_off", "amount_minor": 1000}, "min_order_minor": 2000},
        "badges": [{"id": "critic", "name": {"en": "Critic"}, "event": "review_posted", "count": 3, "bonus_points": 100}],
        "expiry": {"inactivity_days": 365},
        "accounts": {"pooling": false},
        "links": {"terms": "https://shop.example/terms"}
    })
}

/// The base program with `patch` merged in (arrays are replaced whole).
fn program(patch: Value) -> Value {
    with(base_program(), patch)
}

/// The base program whose earn rule `index` is replaced by `rule`.
fn with_rule(index: usize, rule: Value) -> Value {
    let mut doc = base_program();
    doc["earn_rules"][index] = rule;
    doc
}

/// The base program whose first level is patched.
fn with_level(patch: Value) -> Value {
    let mut doc = base_program();
    merge(&mut doc["tiers"]["levels"][0], patch);
    doc
}

/// The base program whose reward is patched.
fn with_reward(patch: Value) -> Value {
    let mut doc = base_program();
    merge(&mut doc["rewards"][0], patch);
    doc
}

fn fixed(id: &str, points: Value) -> Value {
    json!({"id": id, "event": "review_posted", "effect": {"kind": "fixed", "points": points}})
}

fn condition(field: &str, op: &str, value: Value) -> Value {
    json!({"id": "cond", "event": "order_paid", "effect": {"kind": "fixed", "points": 1},
           "when": [{"field": field, "op": op, "value": value}]})
}

/// The distinct paths of a program's problems; empty when it parses.
/// Every case is also put to the program's JSON Schema (see `schema.rs`).
fn program_paths(doc: &Value) -> BTreeSet<String> {
    let problems = Program::parse_in(&doc.to_string(), &crate::zones::Atlas)
        .err()
        .unwrap_or_default();
    schema::agrees(schema::program(), doc, &problems);
    problems.into_iter().map(|p| p.path).collect()
}

fn event_paths(doc: &Value) -> BTreeSet<String> {
    let problems = Event::parse(&doc.to_string(), now())
        .err()
        .unwrap_or_default();
    schema::agrees(schema::event(), doc, &problems);
    problems.into_iter().map(|p| p.path).collect()
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| (*p).to_owned()).collect()
}

/// Runs a table of (what, document, expected problem paths); no paths means
/// the document must parse.
fn table(read: fn(&Value) -> BTreeSet<String>, cases: &[(&str, Value, &[&str])]) {
    for (what, doc, paths) in cases {
        assert_eq!(read(doc), set(paths), "{what}");
    }
}

fn many(count: usize, item: impl Fn(usize) -> Value) -> Value {
    Value::Array((0..count).map(item).collect())
}

// ---------------------------------------------------------------- programs

#[test]
fn the_contract_example_program_parses() {
    let program = Program::parse(CONTRACT_PROGRAM).unwrap();
    schema::agrees(
        schema::program(),
        &serde_json::from_str(CONTRACT_PROGRAM).unwrap(),
        &[],
    );
    // Six earn rules, three levels, three rewards, one badge, as written.
    assert_eq!(program.earn_rules.len(), 6);
    assert_eq!(program.tiers.as_ref().unwrap().levels.len(), 3);
    assert_eq!(program.rewards.len(), 3);
    assert_eq!(program.badges.len(), 1);
    assert_eq!(program.currency, "USD");
    assert_eq!(program.inactivity_days, Some(365));
    assert_eq!(program.points_label.pick("ar", "en"), "نقاط");
}

#[test]
fn the_base_program_of_these_tables_parses() {
    assert_eq!(program_paths(&base_program()), set(&[]));
}

#[test]
fn unknown_program_fields_are_refused_with_their_path() {
    let mut rule_with_lines = base_program()["earn_rules"][0].clone();
    rule_with_lines["lines"] = json!([{"field": "line.sku", "op": "eq", "value": "a", "x": 1}]);
    table(
        program_paths,
        &[
            (
                "top level",
                program(json!({"colour": "red"})),
                &["$.colour"],
            ),
            (
                "rule",
                with_rule(0, with(fixed("r", json!(1)), json!({"bonus": 1}))),
                &["$.earn_rules[0].bonus"],
            ),
            (
                "effect: per_minor does not belong to fixed",
                with_rule(
                    2,
                    json!({"id": "r", "event": "review_posted", "effect": {"kind": "fixed", "points": 5, "per_minor": 100}}),
                ),
                &["$.earn_rules[2].effect.per_minor"],
            ),
            (
                "when condition",
                with_rule(
                    1,
                    with(
                        condition("order.channel", "eq", json!("pos")),
                        json!({"when": [{"field": "order.channel", "op": "eq", "value": "pos", "unit": "x"}]}),
                    ),
                ),
                &["$.earn_rules[1].when[0].unit"],
            ),
            (
                "lines condition",
                with_rule(0, rule_with_lines),
                &["$.earn_rules[0].lines[0].x"],
            ),
            (
                "active",
                with_rule(
                    0,
                    with(
                        fixed("r", json!(1)),
                        json!({"active": {"from": "2026-01-01T00:00:00Z", "to": "x"}}),
                    ),
                ),
                &["$.earn_rules[0].active.to"],
            ),
            (
                "limit",
                with_rule(
                    0,
                    with(
                        fixed("r", json!(1)),
                        json!({"limit": {"count": 1, "per": "day", "window": 2}}),
                    ),
                ),
                &["$.earn_rules[0].limit.window"],
            ),
            (
                "tiers",
                program(json!({"tiers": {"colour": 1}})),
                &["$.tiers.colour"],
            ),
            (
                "tier window",
                program(json!({"tiers": {"window": {"start": 1}}})),
                &["$.tiers.window.start"],
            ),
            (
                "level",
                with_level(json!({"colour": "red"})),
                &["$.tiers.levels[0].colour"],
            ),
            (
                "reward",
                with_reward(json!({"colour": "red"})),
                &["$.rewards[0].colour"],
            ),
            (
                "referral",
                program(json!({"referral": {"bonus": 1}})),
                &["$.referral.bonus"],
            ),
            (
                "referee reward",
                program(json!({"referral": {"referee_reward": {"colour": 1}}})),
                &["$.referral.referee_reward.colour"],
            ),
            (
                "badge",
                program(
                    json!({"badges": [{"id": "b", "name": {"en": "B"}, "event": "signup", "colour": 1}]}),
                ),
                &["$.badges[0].colour"],
            ),
            (
                "expiry",
                program(json!({"expiry": {"days": 3}})),
                &["$.expiry.days"],
            ),
            (
                "accounts",
                program(json!({"accounts": {"shared": true}})),
                &["$.accounts.shared"],
            ),
            (
                "links",
                program(json!({"links": {"home": "https://shop.example"}})),
                &["$.links.home"],
            ),
        ],
    );
}

#[test]
fn the_contracts_example_path_is_reported() {
    // Contract section 2 names `$.earn_rules[2].effect.points` as a path.
    let doc = with_rule(2, fixed("review", json!(-1)));
    assert_eq!(program_paths(&doc), set(&["$.earn_rules[2].effect.points"]));
}

#[test]
fn every_problem_of_a_program_is_reported_at_once() {
    let mut doc = with_rule(2, fixed("review", json!(-1)));
    doc["colour"] = json!("red");
    doc["tiers"]["levels"][1]["earn_multiplier_bp"] = json!(0);
    doc["rewards"][0]["colour"] = json!(1);
    doc["badges"][0]["bonus_points"] = json!(1_000_000_001i64);
    doc["currency"] = json!("usd");
    assert_eq!(
        program_paths(&doc),
        set(&[
            "$.colour",
            "$.currency",
            "$.earn_rules[2].effect.points",
            "$.tiers.levels[1].earn_multiplier_bp",
            "$.rewards[0].colour",
            "$.badges[0].bonus_points",
        ])
    );
}

#[test]
fn every_problem_of_one_condition_is_reported() {
    // "order.bogus" is not a field and "equals" is no operator whatever the
    // field: both are problems, and the contract asks for every one.
    let doc = with_rule(0, condition("order.bogus", "equals", json!(1)));
    assert_eq!(
        program_paths(&doc),
        set(&[
            "$.earn_rules[0].when[0].field",
            "$.earn_rules[0].when[0].op"
        ])
    );
}

#[test]
fn basis_points_are_bounded_from_1_to_1_000_000() {
    let multiplier = |bp: i64| {
        with_rule(
            0,
            json!({"id": "m", "event": "order_paid", "effect": {"kind": "multiplier", "bp": bp}}),
        )
    };
    let cashback = |bp: i64| {
        with_rule(
            0,
            json!({"id": "c", "event": "order_paid", "effect": {"kind": "cashback", "bp": bp}}),
        )
    };
    let level = |bp: i64| with_level(json!({"earn_multiplier_bp": bp}));
    table(
        program_paths,
        &[
            (
                "multiplier 0",
                multiplier(0),
                &["$.earn_rules[0].effect.bp"],
            ),
            ("multiplier 1", multiplier(1), &[]),
            ("multiplier 1_000_000", multiplier(1_000_000), &[]),
            (
                "multiplier 1_000_001",
                multiplier(1_000_001),
                &["$.earn_rules[0].effect.bp"],
            ),
            ("cashback 0", cashback(0), &["$.earn_rules[0].effect.bp"]),
            ("cashback 1", cashback(1), &[]),
            ("cashback 1_000_000", cashback(1_000_000), &[]),
            (
                "cashback 1_000_001",
                cashback(1_000_001),
                &["$.earn_rules[0].effect.bp"],
            ),
            (
                "level 0",
                level(0),
                &["$.tiers.levels[0].earn_multiplier_bp"],
            ),
            ("level 1", level(1), &[]),
            ("level 1_000_000", level(1_000_000), &[]),
            (
                "level 1_000_001",
                level(1_000_001),
                &["$.tiers.levels[0].earn_multiplier_bp"],
            ),
        ],
    );
}

#[test]
fn points_are_bounded_from_0_to_1_000_000_000() {
    const MAX: i64 = 1_000_000_000;
    let per_amount = |points: i64| {
        with_rule(
            0,
            json!({"id": "base", "event": "order_paid", "effect": {"kind": "per_amount", "points": points, "per_minor": 100}}),
        )
    };
    let cost = |points: i64| with_reward(json!({"cost_points": points}));
    let bonus = |points: i64| {
        program(
            json!({"badges": [{"id": "b", "name": {"en": "B"}, "event": "signup", "bonus_points": points}]}),
        )
    };
    let referrer = |points: i64| program(json!({"referral": {"referrer_points": points}}));
    table(
        program_paths,
        &[
            (
                "fixed -1",
                with_rule(2, fixed("r", json!(-1))),
                &["$.earn_rules[2].effect.points"],
            ),
            ("fixed 0", with_rule(2, fixed("r", json!(0))), &[]),
            ("fixed max", with_rule(2, fixed("r", json!(MAX))), &[]),
            (
                "fixed max+1",
                with_rule(2, fixed("r", json!(MAX + 1))),
                &["$.earn_rules[2].effect.points"],
            ),
            // Points are never fractional (section 1).
            (
                "fixed 1.5",
                with_rule(2, fixed("r", json!(1.5))),
                &["$.earn_rules[2].effect.points"],
            ),
            (
                "per_amount -1",
                per_amount(-1),
                &["$.earn_rules[0].effect.points"],
            ),
            ("per_amount max", per_amount(MAX), &[]),
            (
                "per_amount max+1",
                per_amount(MAX + 1),
                &["$.earn_rules[0].effect.points"],
            ),
            ("cost -1", cost(-1), &["$.rewards[0].cost_points"]),
            ("cost 0", cost(0), &[]),
            ("cost max", cost(MAX), &[]),
            ("cost max+1", cost(MAX + 1), &["$.rewards[0].cost_points"]),
            ("bonus -1", bonus(-1), &["$.badges[0].bonus_points"]),
            ("bonus 0", bonus(0), &[]),
            ("bonus max", bonus(MAX), &[]),
            ("bonus max+1", bonus(MAX + 1), &["$.badges[0].bonus_points"]),
            ("referrer -1", referrer(-1), &["$.referral.referrer_points"]),
            ("referrer 0", referrer(0), &[]),
            ("referrer max", referrer(MAX), &[]),
            (
                "referrer max+1",
                referrer(MAX + 1),
                &["$.referral.referrer_points"],
            ),
        ],
    );
}

#[test]
fn program_amounts_are_bounded_from_0_to_10_pow_15() {
    const MAX: i64 = 1_000_000_000_000_000;
    let per_minor = |minor: i64| {
        with_rule(
            0,
            json!({"id": "base", "event": "order_paid", "effect": {"kind": "per_amount", "points": 1, "per_minor": minor}}),
        )
    };
    let threshold = |minor: i64| {
        let mut doc = base_program();
        doc["tiers"]["levels"] =
            json!([{"id": "only", "name": {"en": "Only"}, "threshold": minor}]);
        doc
    };
    let min_order = |minor: i64| program(json!({"referral": {"min_order_minor": minor}}));
    let amount = |minor: i64| with_reward(json!({"amount_minor": minor}));
    table(
        program_paths,
        &[
            // `per_minor` is at least 1 (section 2).
            (
                "per_minor 0",
                per_minor(0),
                &["$.earn_rules[0].effect.per_minor"],
            ),
            ("per_minor 1", per_minor(1), &[]),
            ("per_minor max", per_minor(MAX), &[]),
            (
                "per_minor max+1",
                per_minor(MAX + 1),
                &["$.earn_rules[0].effect.per_minor"],
            ),
            (
                "threshold -1",
                threshold(-1),
                &["$.tiers.levels[0].threshold"],
            ),
            ("threshold 0", threshold(0), &[]),
            ("threshold max", threshold(MAX), &[]),
            (
                "threshold max+1",
                threshold(MAX + 1),
                &["$.tiers.levels[0].threshold"],
            ),
            (
                "min_order -1",
                min_order(-1),
                &["$.referral.min_order_minor"],
            ),
            ("min_order 0", min_order(0), &[]),
            ("min_order max", min_order(MAX), &[]),
            (
                "min_order max+1",
                min_order(MAX + 1),
                &["$.referral.min_order_minor"],
            ),
            (
                "reward amount -1",
                amount(-1),
                &["$.rewards[0].amount_minor"],
            ),
            ("reward amount max", amount(MAX), &[]),
            (
                "reward amount max+1",
                amount(MAX + 1),
                &["$.rewards[0].amount_minor"],
            ),
        ],
    );
}

#[test]
fn a_reward_amount_of_zero_is_within_bounds() {
    // Arguable: a $0 reward is useless, but section 1 says amounts run from 0
    // and 422 is for figures beyond the bounds.
    assert_eq!(
        program_paths(&with_reward(json!({"amount_minor": 0}))),
        set(&[])
    );
}

#[test]
fn program_lists_are_bounded() {
    let rules = |n: usize| {
        program(
            json!({"earn_rules": many(n, |i| json!({"id": format!("r{i}"), "event": "signup", "effect": {"kind": "fixed", "points": 1}}))}),
        )
    };
    let tiers = |n: usize| {
        program(
            json!({"tiers": {"metric": "spend", "levels": many(n, |i| json!({"id": format!("l{i}"), "name": {"en": "L"}, "threshold": i}))}}),
        )
    };
    let rewards = |n: usize| {
        program(
            json!({"rewards": many(n, |i| json!({"id": format!("w{i}"), "name": {"en": "W"}, "cost_points": 1, "kind": "free_shipping"}))}),
        )
    };
    let badges = |n: usize| {
        program(
            json!({"badges": many(n, |i| json!({"id": format!("b{i}"), "name": {"en": "B"}, "event": "signup"}))}),
        )
    };
    table(
        program_paths,
        &[
            ("200 rules", rules(200), &[]),
            ("201 rules", rules(201), &["$.earn_rules"]),
            ("50 tiers", tiers(50), &[]),
            ("51 tiers", tiers(51), &["$.tiers.levels"]),
            ("200 rewards", rewards(200), &[]),
            ("201 rewards", rewards(201), &["$.rewards"]),
            ("100 badges", badges(100), &[]),
            ("101 badges", badges(101), &["$.badges"]),
        ],
    );
}

#[test]
fn program_identifiers_follow_the_contract_syntax() {
    let rule = |id: &str| with_rule(2, fixed(id, json!(1)));
    let long = "x".repeat(128);
    let too_long = "x".repeat(129);
    table(
        program_paths,
        &[
            ("every allowed character", rule("a.b_c:d@e-F9"), &[]),
            ("128 characters", rule(&long), &[]),
            ("129 characters", rule(&too_long), &["$.earn_rules[2].id"]),
            ("empty", rule(""), &["$.earn_rules[2].id"]),
            ("space", rule("a b"), &["$.earn_rules[2].id"]),
            ("slash", rule("a/b"), &["$.earn_rules[2].id"]),
            ("non-ASCII", rule("é"), &["$.earn_rules[2].id"]),
            (
                "reward id",
                with_reward(json!({"id": "five off"})),
                &["$.rewards[0].id"],
            ),
            (
                "level id",
                with_level(json!({"id": "gold/1"})),
                &["$.tiers.levels[0].id"],
            ),
            (
                "badge id",
                program(json!({"badges": [{"id": "", "name": {"en": "B"}, "event": "signup"}]})),
                &["$.badges[0].id"],
            ),
        ],
    );
}

#[test]
fn rule_ids_may_not_begin_with_tier_or_badge() {
    let rule = |id: &str| with_rule(2, fixed(id, json!(1)));
    table(
        program_paths,
        &[
            ("tier:", rule("tier:gold"), &["$.earn_rules[2].id"]),
            ("badge:", rule("badge:critic"), &["$.earn_rules[2].id"]),
            ("tier: alone", rule("tier:"), &["$.earn_rules[2].id"]),
            // Only those two prefixes are reserved.
            ("tiers:", rule("tiers:x"), &[]),
            ("tier-", rule("tier-bonus"), &[]),
            ("inside", rule("x:tier:y"), &[]),
        ],
    );
}

#[test]
fn conditions_take_only_the_operators_of_their_field() {
    let lines_on_fixed = with(
        fixed("r", json!(1)),
        json!({"lines": [{"field": "line.category", "op": "eq", "value": "shoes"}]}),
    );
    table(
        program_paths,
        &[
            // `member.tags` (a list) takes `contains` and `not_in` only.
            (
                "tags contains",
                with_rule(0, condition("member.tags", "contains", json!("vip"))),
                &[],
            ),
            (
                "tags not_in",
                with_rule(0, condition("member.tags", "not_in", json!(["vip"]))),
                &[],
            ),
            (
                "tags eq",
                with_rule(0, condition("member.tags", "eq", json!("vip"))),
                &["$.earn_rules[0].when[0].op"],
            ),
            (
                "tags in",
                with_rule(0, condition("member.tags", "in", json!(["vip"]))),
                &["$.earn_rules[0].when[0].op"],
            ),
            (
                "unknown field",
                with_rule(0, condition("order.coupon", "eq", json!("x"))),
                &["$.earn_rules[0].when[0].field"],
            ),
            (
                "unknown op",
                with_rule(0, condition("order.channel", "like", json!("x"))),
                &["$.earn_rules[0].when[0].op"],
            ),
            // `lines` stands on `per_amount` rules only.
            (
                "lines on fixed",
                with_rule(2, lines_on_fixed),
                &["$.earn_rules[2].lines"],
            ),
            (
                "every listed field",
                with_rule(
                    0,
                    json!({"id": "all", "event": "order_paid", "effect": {"kind": "fixed", "points": 1}, "when": [
                        {"field": "order.subtotal_minor", "op": "gte", "value": 1},
                        {"field": "order.channel", "op": "in", "value": ["pos"]},
                        {"field": "order.first", "op": "eq", "value": true},
                        {"field": "member.tier", "op": "gte", "value": "silver"},
                        {"field": "member.tags", "op": "contains", "value": "vip"},
                        {"field": "member.days_since_last_order", "op": "lt", "value": 30},
                        {"field": "member.days_since_signup", "op": "gt", "value": 1},
                        {"field": "line.sku", "op": "ne", "value": "x"},
                        {"field": "line.category", "op": "not_in", "value": ["y"]},
                        {"field": "event.weekday", "op": "lte", "value": 5},
                        {"field": "event.hour", "op": "in", "value": [18, 19]},
                        {"field": "member.birthday_today", "op": "eq", "value": true},
                        {"field": "member.signup_anniversary", "op": "gte", "value": 1}
                    ]}),
                ),
                &[],
            ),
        ],
    );
}

#[test]
fn program_odds_and_ends() {
    table(
        program_paths,
        &[
            (
                "an unknown limit period",
                with_rule(
                    0,
                    with(
                        fixed("r", json!(1)),
                        json!({"limit": {"count": 1, "per": "fortnight"}}),
                    ),
                ),
                &["$.earn_rules[0].limit.per"],
            ),
            (
                "an unknown effect kind",
                with_rule(
                    0,
                    json!({"id": "r", "event": "signup", "effect": {"kind": "bonus"}}),
                ),
                &["$.earn_rules[0].effect.kind"],
            ),
            (
                "issue_reward of an unknown reward",
                with_rule(
                    0,
                    json!({"id": "r", "event": "signup", "effect": {"kind": "issue_reward", "reward": "nope"}}),
                ),
                &["$.earn_rules[0].effect.reward"],
            ),
            (
                "min_tier of an unknown tier",
                with_reward(json!({"min_tier": "platinum"})),
                &["$.rewards[0].min_tier"],
            ),
            (
                // `lines` stands on per_amount rules only, so not on cashback.
                "lines on cashback",
                with_rule(
                    0,
                    json!({"id": "c", "event": "order_paid", "effect": {"kind": "cashback", "bp": 100},
                                    "lines": [{"field": "line.sku", "op": "eq", "value": "a"}]}),
                ),
                &["$.earn_rules[0].lines"],
            ),
            (
                // Contract silent; eligible_minor exists only for orders, and the code refuses it elsewhere.
                "per_amount on another event",
                with_rule(
                    0,
                    json!({"id": "r", "event": "signup", "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}}),
                ),
                &["$.earn_rules[0].event"],
            ),
            (
                "active until not after from",
                with_rule(
                    0,
                    with(
                        fixed("r", json!(1)),
                        json!({"active": {"from": "2026-12-08T00:00:00Z", "until": "2026-12-01T00:00:00Z"}}),
                    ),
                ),
                &["$.earn_rules[0].active.until"],
            ),
            (
                "a time zone of the database",
                program(json!({"time_zone": "Asia/Riyadh"})),
                &[],
            ),
            ("UTC", program(json!({"time_zone": "UTC"})), &[]),
            (
                "a zone the database does not know",
                program(json!({"time_zone": "Mars/Olympus"})),
                &["$.time_zone"],
            ),
            (
                "a zone that is no name",
                program(json!({"time_zone": "+03:00"})),
                &["$.time_zone"],
            ),
            (
                "a zone that is no text",
                program(json!({"time_zone": 3})),
                &["$.time_zone"],
            ),
            (
                "windows on the shop's clock",
                with_rule(
                    0,
                    with(
                        fixed("r", json!(1)),
                        json!({"active": {"from": "2026-12-01", "until": "2026-12-08T09:30"}}),
                    ),
                ),
                &[],
            ),
            (
                "a local until not after a local from",
                with_rule(
                    0,
                    with(
                        fixed("r", json!(1)),
                        json!({"active": {"from": "2026-12-01T10:00:00", "until": "2026-12-01T10:00"}}),
                    ),
                ),
                &["$.earn_rules[0].active.until"],
            ),
            (
                "a window that is no time",
                with_rule(
                    0,
                    with(
                        fixed("r", json!(1)),
                        json!({"active": {"from": "next week"}}),
                    ),
                ),
                &["$.earn_rules[0].active.from"],
            ),
            (
                "challenges of every shape",
                program(json!({
                    "badges": [{"id": "winter", "name": {"en": "Winter"}}],
                    "challenges": [
                        {"id": "w", "name": {"en": "Winter"}, "event": "order_paid", "goal": {"count": 3},
                         "active": {"from": "2026-12-01", "until": "2027-01-01"},
                         "reward": {"points": 500, "badge": "winter"}},
                        {"id": "r", "name": {"en": "Reviews"}, "event": "review_posted", "goal": {"count": 2},
                         "per": "month", "reward": {"points": 100}},
                        {"id": "s", "name": {"en": "Shoes"}, "event": "order_paid", "goal": {"spend_minor": 20000},
                         "lines": [{"field": "line.category", "op": "eq", "value": "shoes"}],
                         "per": "quarter", "reward": {"badge": "winter"}}
                    ]
                })),
                &[],
            ),
            (
                "a challenge's goal of both kinds, a spend goal on reviews",
                program(json!({"challenges": [
                    {"id": "a", "name": {"en": "A"}, "event": "order_paid",
                     "goal": {"count": 3, "spend_minor": 5}, "reward": {"points": 1}},
                    {"id": "b", "name": {"en": "B"}, "event": "review_posted",
                     "goal": {"spend_minor": 5}, "reward": {"points": 1}}
                ]})),
                &["$.challenges[0].goal", "$.challenges[1].event"],
            ),
            (
                "lines on a count goal, a reward of nothing, an unknown period",
                program(json!({"challenges": [
                    {"id": "a", "name": {"en": "A"}, "event": "order_paid", "goal": {"count": 3},
                     "lines": [{"field": "line.sku", "op": "eq", "value": "x"}], "reward": {"points": 1}},
                    {"id": "b", "name": {"en": "B"}, "event": "order_paid", "goal": {"count": 1},
                     "reward": {"points": 0}},
                    {"id": "c", "name": {"en": "C"}, "event": "order_paid", "goal": {"count": 1},
                     "per": "fortnight", "reward": {"points": 1}}
                ]})),
                &[
                    "$.challenges[0].lines",
                    "$.challenges[1].reward",
                    "$.challenges[2].per",
                ],
            ),
            (
                "a challenge's badge the program does not have",
                program(json!({"challenges": [
                    {"id": "a", "name": {"en": "A"}, "event": "order_paid", "goal": {"count": 3},
                     "reward": {"badge": "nope"}}
                ]})),
                &["$.challenges[0].reward.badge"],
            ),
            (
                "a paid level's price and join page",
                with_level(json!({"paid": true, "price_minor": 4900,
                                  "join_url": "https://shop.example/club"})),
                &[],
            ),
            (
                "a grace on a level held by the metric",
                with_level(json!({"grace_days": 30})),
                &[],
            ),
            (
                "a grace on a paid level",
                with_level(json!({"paid": true, "grace_days": 30})),
                &["$.tiers.levels[0].grace_days"],
            ),
            (
                "a price on a level held by the metric",
                with_level(json!({"price_minor": 4900})),
                &["$.tiers.levels[0].price_minor"],
            ),
            (
                "exchange rates",
                program(
                    json!({"exchange_rates": {"scale": 1_000_000, "rates": {"EUR": 1_085_000, "JPY": 6700}}}),
                ),
                &[],
            ),
            (
                "exchange rates without a scale, a rate of 0, a code in no shape",
                program(json!({"exchange_rates": {"rates": {"EUR": 0, "euro": 5}}})),
                &[
                    "$.exchange_rates.scale",
                    "$.exchange_rates.rates.EUR",
                    "$.exchange_rates.rates.euro",
                ],
            ),
            (
                "a rate for the program's own currency",
                program(json!({"exchange_rates": {"scale": 100, "rates": {"USD": 100}}})),
                &["$.exchange_rates.rates.USD"],
            ),
            (
                "rates that are no object",
                program(json!({"exchange_rates": {"scale": 100, "rates": [1], "x": 1}})),
                &["$.exchange_rates.rates", "$.exchange_rates.x"],
            ),
            (
                "lower-case currency",
                program(json!({"currency": "usd"})),
                &["$.currency"],
            ),
            (
                "missing currency",
                program(json!({"currency": null})),
                &["$.currency"],
            ),
            (
                "display names in any script",
                program(json!({"points_label": {"ar": "نقاط", "ru": "баллы", "ja": "ポイント"}})),
                &[],
            ),
            (
                "custom:<action> events",
                with_rule(
                    2,
                    json!({"id": "news", "event": "custom:newsletter", "effect": {"kind": "fixed", "points": 5}}),
                ),
                &[],
            ),
        ],
    );
}

// ------------------------------------------------------------------ events

fn order_event() -> Value {
    json!({"id": "e-1", "kind": "order_paid", "member_id": "m-1", "occurred_at": "2026-11-23T10:00:00Z",
           "order": {"order_id": "o-1", "currency": "USD", "subtotal_minor": 1000,
                     "lines": [{"sku": "a", "category": "c", "qty": 1, "unit_price_minor": 600},
                               {"sku": "b", "qty": 2, "unit_price_minor": 200}]}})
}

fn order_with(patch: Value) -> Value {
    with(order_event(), patch)
}

fn line_with(patch: Value) -> Value {
    let mut doc = order_event();
    merge(&mut doc["order"]["lines"][0], patch);
    doc
}

/// An order of one line, so that the line alone makes the order's total.
fn only_line(patch: Value) -> Value {
    let mut doc = line_with(patch);
    doc["order"]["lines"].as_array_mut().unwrap().truncate(1);
    doc
}

fn kind_event(kind: &str) -> Value {
    json!({"id": "e-1", "kind": kind, "member_id": "m-1", "occurred_at": "2026-11-23T10:00:00Z"})
}

#[test]
fn the_contract_example_event_parses() {
    let event = Event::parse(CONTRACT_EVENT, now()).unwrap();
    assert_eq!(event.kind, EventKind::OrderPaid);
    assert_eq!(event.member_id.as_str(), "c-42");
    let order = event.order.unwrap();
    assert_eq!(order.subtotal_minor, Some(12999));
    assert_eq!(order.lines.len(), 2);
    // `null` stands for absent.
    assert_eq!(event.referral_code, None);
    let member = event.member.unwrap();
    assert_eq!(member.account_id, None);
    assert_eq!(member.tags, Some(vec!["wholesale".to_owned()]));
}

#[test]
fn unknown_event_fields_are_refused_with_their_path() {
    let membership = with(
        kind_event("membership_started"),
        json!({"membership": {"tier": "vip", "until": "2027-01-01T00:00:00Z", "plan": "x"}}),
    );
    table(
        event_paths,
        &[
            ("the base event parses", order_event(), &[]),
            (
                "top level",
                order_with(json!({"colour": "red"})),
                &["$.colour"],
            ),
            (
                "order",
                order_with(json!({"order": {"coupon": "X"}})),
                &["$.order.coupon"],
            ),
            (
                "line",
                line_with(json!({"colour": "red"})),
                &["$.order.lines[0].colour"],
            ),
            (
                "member",
                order_with(json!({"member": {"phone": "1"}})),
                &["$.member.phone"],
            ),
            ("membership", membership, &["$.membership.plan"]),
        ],
    );
}

#[test]
fn every_problem_of_an_event_is_reported_at_once() {
    let doc = order_with(
        json!({"id": "e 1", "member_id": "", "occurred_at": "yesterday", "colour": 1,
                                "order": {"order_id": "o/1", "coupon": 1}}),
    );
    assert_eq!(
        event_paths(&doc),
        set(&[
            "$.id",
            "$.member_id",
            "$.occurred_at",
            "$.colour",
            "$.order.order_id",
            "$.order.coupon"
        ])
    );
}

#[test]
fn event_figures_are_bounded() {
    const MAX: i64 = 1_000_000_000_000_000;
    let subtotal = |minor: Value| order_with(json!({"order": {"subtotal_minor": minor}}));
    let refund = |minor: i64| {
        with(
            kind_event("order_refunded"),
            json!({"order": {"order_id": "o-1", "refund_minor": minor}}),
        )
    };
    let survey = |score: i64| with(kind_event("survey_completed"), json!({"nps_score": score}));
    let lines = |n: usize| {
        order_with(
            json!({"order": {"lines": many(n, |_| json!({"qty": 1, "unit_price_minor": 1}))}}),
        )
    };
    table(
        event_paths,
        &[
            (
                "qty 0",
                line_with(json!({"qty": 0})),
                &["$.order.lines[0].qty"],
            ),
            ("qty 1", line_with(json!({"qty": 1})), &[]),
            ("qty 1_000_000", line_with(json!({"qty": 1_000_000})), &[]),
            (
                "qty 1_000_001",
                line_with(json!({"qty": 1_000_001})),
                &["$.order.lines[0].qty"],
            ),
            ("1000 lines", lines(1000), &[]),
            ("1001 lines", lines(1001), &["$.order.lines"]),
            (
                "subtotal -1",
                subtotal(json!(-1)),
                &["$.order.subtotal_minor"],
            ),
            ("subtotal 0", subtotal(json!(0)), &[]),
            ("subtotal 10^15", subtotal(json!(MAX)), &[]),
            (
                "subtotal 10^15+1",
                subtotal(json!(MAX + 1)),
                &["$.order.subtotal_minor"],
            ),
            (
                "subtotal 10.5",
                subtotal(json!(10.5)),
                &["$.order.subtotal_minor"],
            ),
            (
                "unit price -1",
                line_with(json!({"unit_price_minor": -1})),
                &["$.order.lines[0].unit_price_minor"],
            ),
            (
                "unit price 10^15",
                only_line(json!({"unit_price_minor": MAX})),
                &[],
            ),
            (
                "unit price 10^15+1",
                line_with(json!({"unit_price_minor": MAX + 1})),
                &["$.order.lines[0].unit_price_minor"],
            ),
            ("refund -1", refund(-1), &["$.order.refund_minor"]),
            ("refund 0", refund(0), &[]),
            ("refund 10^15", refund(MAX), &[]),
            ("refund 10^15+1", refund(MAX + 1), &["$.order.refund_minor"]),
            ("nps -1", survey(-1), &["$.nps_score"]),
            ("nps 0", survey(0), &[]),
            ("nps 10", survey(10), &[]),
            ("nps 11", survey(11), &["$.nps_score"]),
        ],
    );
}

#[test]
fn event_identifiers_follow_the_contract_syntax() {
    let long = "e".repeat(128);
    let too_long = "e".repeat(129);
    table(
        event_paths,
        &[
            ("id of 128", order_with(json!({"id": long})), &[]),
            ("id of 129", order_with(json!({"id": too_long})), &["$.id"]),
            (
                "id with a space",
                order_with(json!({"id": "evt 1"})),
                &["$.id"],
            ),
            (
                "every allowed character",
                order_with(json!({"member_id": "a.b_c:d@e-F9"})),
                &[],
            ),
            (
                "member id with a space",
                order_with(json!({"member_id": "c 42"})),
                &["$.member_id"],
            ),
            (
                "empty member id",
                order_with(json!({"member_id": ""})),
                &["$.member_id"],
            ),
            (
                "order id with a slash",
                order_with(json!({"order": {"order_id": "o/1"}})),
                &["$.order.order_id"],
            ),
            (
                "account id",
                order_with(json!({"member": {"account_id": "acc 1"}})),
                &["$.member.account_id"],
            ),
        ],
    );
}

#[test]
fn occurred_at_may_be_at_most_5_minutes_ahead() {
    table(
        event_paths,
        &[
            (
                "now + 5 min",
                order_with(json!({"occurred_at": "2026-11-23T12:05:00Z"})),
                &[],
            ),
            (
                "now + 5 min 1 s",
                order_with(json!({"occurred_at": "2026-11-23T12:05:01Z"})),
                &["$.occurred_at"],
            ),
            // The same instant written with an offset: 13:05:01+01:00 is 12:05:01Z.
            (
                "offset",
                order_with(json!({"occurred_at": "2026-11-23T13:05:01+01:00"})),
                &["$.occurred_at"],
            ),
            (
                "an import from the past",
                order_with(json!({"occurred_at": "2001-01-01T00:00:00Z"})),
                &[],
            ),
            (
                "no offset is not RFC 3339",
                order_with(json!({"occurred_at": "2026-11-23T10:00:00"})),
                &["$.occurred_at"],
            ),
        ],
    );
}

#[test]
fn each_kind_carries_what_it_needs() {
    table(
        event_paths,
        &[
            (
                "order_paid without order",
                kind_event("order_paid"),
                &["$.order"],
            ),
            (
                "order_refunded without refund_minor",
                with(
                    kind_event("order_refunded"),
                    json!({"order": {"order_id": "o-1"}}),
                ),
                &["$.order.refund_minor"],
            ),
            (
                "order_paid with its subtotal in shop money",
                order_with(json!({"order": {"currency": "EUR", "shop_subtotal_minor": 1085}})),
                &[],
            ),
            (
                "shop money on a refund",
                with(
                    kind_event("order_refunded"),
                    json!({"order": {"order_id": "o-1", "refund_minor": 5, "shop_subtotal_minor": 5}}),
                ),
                &["$.order.shop_subtotal_minor"],
            ),
            (
                "shop money below zero",
                order_with(json!({"order": {"shop_subtotal_minor": -1}})),
                &["$.order.shop_subtotal_minor"],
            ),
            (
                "order_cancelled with order_id",
                with(
                    kind_event("order_cancelled"),
                    json!({"order": {"order_id": "o-1"}}),
                ),
                &[],
            ),
            ("custom without action", kind_event("custom"), &["$.action"]),
            (
                "custom with action",
                with(kind_event("custom"), json!({"action": "newsletter"})),
                &[],
            ),
            (
                "survey without score",
                kind_event("survey_completed"),
                &["$.nps_score"],
            ),
            (
                "membership_started without membership",
                kind_event("membership_started"),
                &["$.membership"],
            ),
            ("unknown kind", kind_event("order_shipped"), &["$.kind"]),
            ("signup", kind_event("signup"), &[]),
            ("review_posted", kind_event("review_posted"), &[]),
            ("social_share", kind_event("social_share"), &[]),
            ("quiz_completed", kind_event("quiz_completed"), &[]),
            ("birthday", kind_event("birthday"), &[]),
            ("membership_ended", kind_event("membership_ended"), &[]),
        ],
    );
}

#[test]
fn a_batch_holds_up_to_100_events_each_parsed_on_its_own() {
    let batch = |n: usize| json!({"events": many(n, |i| with(kind_event("signup"), json!({"id": format!("e-{i}")})))});
    let hundred = parse_batch(&batch(100), now()).unwrap();
    assert_eq!(hundred.len(), 100);
    assert!(hundred.iter().all(Result::is_ok));
    let problems = parse_batch(&batch(101), now()).unwrap_err();
    assert!(
        problems.iter().any(|p| p.path == "$.events"),
        "{problems:?}"
    );
    // A bad event spoils only itself.
    let mixed =
        json!({"events": [kind_event("signup"), kind_event("bogus"), kind_event("review_posted")]});
    let results = parse_batch(&mixed, now()).unwrap();
    let ok: Vec<bool> = results.iter().map(Result::is_ok).collect();
    assert_eq!(ok, [true, false, true]);
}

#[test]
fn urls_are_ones_a_link_and_a_redirect_can_carry() {
    table(
        program_paths,
        &[
            (
                "a plain shop URL",
                program(json!({"shop_url": "https://shop.example/path?x=1"})),
                &[],
            ),
            (
                "a port",
                program(json!({"shop_url": "http://127.0.0.1:8787/demo/"})),
                &[],
            ),
            (
                "a space",
                program(json!({"shop_url": "https://shop.example/my shop"})),
                &["$.shop_url"],
            ),
            (
                "a line break",
                program(json!({"shop_url": "https://shop.example/\r\nx: y"})),
                &["$.shop_url"],
            ),
            (
                "non-ASCII",
                program(json!({"shop_url": "https://shop.example/магазин"})),
                &["$.shop_url"],
            ),
            (
                "a fragment",
                program(json!({"shop_url": "https://shop.example/#top"})),
                &["$.shop_url"],
            ),
            (
                "a quote",
                program(json!({"shop_url": "https://shop.example/\"x"})),
                &["$.shop_url"],
            ),
            (
                "port 0",
                program(json!({"shop_url": "https://shop.example:0/"})),
                &["$.shop_url"],
            ),
            (
                "port 65536",
                program(json!({"shop_url": "https://shop.example:65536/"})),
                &["$.shop_url"],
            ),
            (
                "a port of letters",
                program(json!({"shop_url": "https://shop.example:80a/"})),
                &["$.shop_url"],
            ),
            (
                "a link with a fragment",
                program(json!({"links": {"join": "https://shop.example/#join"}})),
                &[],
            ),
            (
                "a link with a space",
                program(json!({"links": {"terms": "https://shop.example/t c"}})),
                &["$.links.terms"],
            ),
        ],
    );
}

// ---------------------------------------------------------------- small bodies

fn body_paths<T>(
    read: fn(&Value) -> Result<T, Vec<loyalty_rules::Problem>>,
    doc: &Value,
) -> BTreeSet<String> {
    read(doc)
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.path)
        .collect()
}

#[test]
fn adjustments_shops_and_redemptions_report_every_problem_with_its_path() {
    use loyalty_rules::request::{Adjustment, NewShop, Redemption};
    let adjust = |doc: Value| body_paths(Adjustment::from_value, &doc);
    assert_eq!(
        adjust(json!({"id": "a-1", "points": 250, "reason": "late parcel"})),
        set(&[])
    );
    assert_eq!(
        Adjustment::from_value(&json!({"id": "a-1", "points": -5, "reason": "x"}))
            .unwrap()
            .points,
        -5
    );
    assert_eq!(
        adjust(json!({"id": "bad id", "points": 0, "reason": "", "extra": 1})),
        set(&["$.id", "$.points", "$.reason", "$.extra"])
    );
    assert_eq!(adjust(json!({})), set(&["$.id", "$.points", "$.reason"]));
    // 1_000_000_001 is past MAX_POINTS; 2.5 is not whole.
    assert_eq!(
        adjust(json!({"id": "a", "points": 1_000_000_001_i64, "reason": "r"})),
        set(&["$.points"])
    );
    assert_eq!(
        adjust(json!({"id": "a", "points": 2.5, "reason": "r"})),
        set(&["$.points"])
    );
    assert_eq!(
        adjust(json!({"id": "a", "points": 1, "reason": "r".repeat(501)})),
        set(&["$.reason"])
    );
    assert_eq!(adjust(json!([1])), set(&["$"]));

    let shop = |doc: Value| body_paths(NewShop::from_value, &doc);
    assert_eq!(shop(json!({"shop": "demo"})), set(&[]));
    assert_eq!(
        shop(json!({"shop": "no spaces", "x": 1})),
        set(&["$.shop", "$.x"])
    );
    assert_eq!(shop(json!({})), set(&["$.shop"]));

    let redeem = |doc: Value| body_paths(Redemption::from_value, &doc);
    assert_eq!(redeem(json!({"reward": "ship"})), set(&[]));
    assert_eq!(
        redeem(json!({"reward": 5, "key": "k"})),
        set(&["$.reward", "$.key"])
    );
    assert_eq!(redeem(json!("ship")), set(&["$"]));

    use loyalty_rules::request::{ConsentChange, MerchantConsent};
    let consent = |doc: Value| body_paths(ConsentChange::from_value, &doc);
    assert_eq!(consent(json!({"status": "opted_out"})), set(&[]));
    assert_eq!(
        ConsentChange::from_value(&json!({"status": "enrolled"}))
            .unwrap()
            .status,
        MerchantConsent::Enrolled
    );
    // Leaving is the shopper's own act: not the merchant's to record.
    assert_eq!(consent(json!({"status": "left"})), set(&["$.status"]));
    assert_eq!(
        consent(json!({"status": 1, "why": "x"})),
        set(&["$.status", "$.why"])
    );
    assert_eq!(consent(json!({})), set(&["$.status"]));
}
