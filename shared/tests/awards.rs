//! Award tables: one helper records a program's events and compares each
//! answer with figures worked out by hand from CONTRACT.md sections 2 to 4.
//!
//! Every expected figure carries its arithmetic in a comment. An answer's
//! lines are compared as a set: the contract fixes which lines there are and
//! what each holds, not their order. Unless a row says otherwise, events
//! happen at `AT` (a Monday) and are recorded at `NOW`, two hours later.

use std::collections::BTreeMap;

use crate::contract::{CONTRACT_EVENT, CONTRACT_PROGRAM, merge, with};
use chrono::{DateTime, Duration, Utc};
use loyalty_rules::award::ReferralDecision;
use loyalty_rules::book::Book;
use loyalty_rules::member::EntryKind;
use loyalty_rules::redemption::{CodeError, RedeemError, RedeemOutcome, cancel_code, use_code};
use loyalty_rules::view::MemberView;
use loyalty_rules::{Answer, Event, EventError, Id, Program};
use serde_json::{Value, json};

/// The fixed clock of every test.
const NOW: &str = "2026-11-23T12:00:00Z";
/// The default `occurred_at`: Monday 2026-11-23, two hours before `NOW`.
const AT: &str = "2026-11-23T10:00:00Z";

fn time(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn now() -> DateTime<Utc> {
    time(NOW)
}

fn id(text: &str) -> Id {
    Id::parse(text).unwrap()
}

// ------------------------------------------------------------ the helper

/// What one event must answer.
#[derive(Debug)]
enum Expect {
    /// The award lines `(rule, points)`, the answer's `points` and `balance`.
    Award {
        lines: Vec<(String, i64)>,
        points: i64,
        balance: i64,
        duplicate: bool,
    },
    /// Refused by the rules with this problem `code` and HTTP status; nothing changes.
    Refused { code: &'static str, status: u16 },
    /// Refused by the event parser with a problem at this JSON path.
    Unparsed(&'static str),
}

fn award(lines: &[(&str, i64)], points: i64, balance: i64) -> Expect {
    Expect::Award {
        lines: lines.iter().map(|(r, p)| ((*r).to_owned(), *p)).collect(),
        points,
        balance,
        duplicate: false,
    }
}

/// A refund or cancellation: negative `points`. The contract says nothing of
/// lines on a take-back; the code lists none, and the tables expect none.
fn took(points: i64, balance: i64) -> Expect {
    award(&[], points, balance)
}

/// A repeated event: the first answer again, `duplicate: true`, nothing changed.
fn repeat(lines: &[(&str, i64)], points: i64, balance: i64) -> Expect {
    let Expect::Award { lines, .. } = award(lines, points, balance) else {
        unreachable!()
    };
    Expect::Award {
        lines,
        points,
        balance,
        duplicate: true,
    }
}

fn refused(code: &'static str, status: u16) -> Expect {
    Expect::Refused { code, status }
}

/// A shop in memory, with the test clock.
struct Shop {
    book: Book,
}

impl Shop {
    fn new(program: &str) -> Self {
        let program = Program::parse(program).unwrap_or_else(|p| panic!("program refused: {p:?}"));
        Self {
            book: Book::new(program),
        }
    }

    /// Records one event at `now`; the event must parse.
    fn record_at(&mut self, event: &Value, now: DateTime<Utc>) -> Result<Answer, EventError> {
        let event = Event::parse(&event.to_string(), now)
            .unwrap_or_else(|p| panic!("event refused: {p:?}\n{event}"));
        self.book.record(&event, now)
    }

    /// The table runner: each event recorded at `NOW` and its answer checked.
    fn run(&mut self, rows: &[(Value, Expect)]) -> Vec<Answer> {
        let mut answers = Vec::new();
        for (row, (event, expect)) in rows.iter().enumerate() {
            let text = event.to_string();
            let parsed = Event::parse(&text, now());
            if let Expect::Unparsed(path) = expect {
                let problems = parsed.expect_err("the event should not parse");
                assert!(
                    problems.iter().any(|p| p.path == *path),
                    "row {row}: expected a problem at {path}, got {problems:?}\n{text}"
                );
                continue;
            }
            let event = parsed
                .unwrap_or_else(|p| panic!("row {row}: the event was refused: {p:?}\n{text}"));
            let states = self.book.states.clone();
            let ledgers = self.book.ledgers.clone();
            let result = self.book.record(&event, now());
            let unchanged = states == self.book.states && ledgers == self.book.ledgers;
            match (expect, result) {
                (
                    Expect::Award {
                        lines,
                        points,
                        balance,
                        duplicate,
                    },
                    Ok(answer),
                ) => {
                    let mut got: Vec<(String, i64)> = answer
                        .lines
                        .iter()
                        .map(|l| (l.rule.to_string(), l.points))
                        .collect();
                    got.sort();
                    let mut want = lines.clone();
                    want.sort();
                    assert_eq!(got, want, "row {row}: lines\n{text}");
                    assert_eq!(
                        (answer.points, answer.balance, answer.duplicate),
                        (*points, *balance, *duplicate),
                        "row {row}: (points, balance, duplicate)\n{text}"
                    );
                    // Section 3, step 4: lines of 0 are left out; they sum to `points`.
                    assert!(answer.lines.iter().all(|l| l.points != 0), "row {row}");
                    if answer.points >= 0 {
                        let sum: i64 = answer.lines.iter().map(|l| l.points).sum();
                        assert_eq!(sum, answer.points, "row {row}: lines sum to points");
                    }
                    if *duplicate {
                        assert!(unchanged, "row {row}: a duplicate changed the book");
                    }
                    answers.push(answer);
                }
                (Expect::Refused { code, status }, Err(error)) => {
                    assert_eq!(
                        (error.code(), error.status()),
                        (*code, *status),
                        "row {row}: {error}\n{text}"
                    );
                    assert!(unchanged, "row {row}: a refused event changed the book");
                }
                (expect, result) => {
                    panic!("row {row}: expected {expect:?}, got {result:?}\n{text}")
                }
            }
        }
        answers
    }

    fn view(&self, member: &str, at: DateTime<Utc>) -> MemberView {
        self.book.view(&id(member), at, "en")
    }

    fn referral_code(&self, member: &str) -> String {
        self.view(member, now()).referral.unwrap().code
    }

    fn redeem(
        &mut self,
        member: &str,
        reward: &str,
        key: &str,
    ) -> Result<RedeemOutcome, RedeemError> {
        self.book.redeem(&id(member), reward, key, now())
    }
}

/// THE helper: a program, its events in order, and what each must answer.
fn check(program: &str, rows: &[(Value, Expect)]) -> (Shop, Vec<Answer>) {
    let mut shop = Shop::new(program);
    let answers = shop.run(rows);
    (shop, answers)
}

// ------------------------------------------------------- document builders

fn program_doc(parts: Value) -> Value {
    with(
        json!({"currency": "USD", "shop_url": "https://shop.example"}),
        parts,
    )
}

fn program(parts: Value) -> String {
    program_doc(parts).to_string()
}

fn rules(list: Value) -> String {
    program(json!({ "earn_rules": list }))
}

fn per_amount(id: &str, points: i64, per_minor: i64) -> Value {
    json!({"id": id, "event": "order_paid",
           "effect": {"kind": "per_amount", "points": points, "per_minor": per_minor}})
}

/// One point per 100 minor units of the subtotal.
fn base() -> Value {
    per_amount("base", 1, 100)
}

fn fixed(id: &str, event: &str, points: i64) -> Value {
    json!({"id": id, "event": event, "effect": {"kind": "fixed", "points": points}})
}

fn multiplier(id: &str, bp: i64) -> Value {
    json!({"id": id, "event": "order_paid", "effect": {"kind": "multiplier", "bp": bp}})
}

fn push(mut rule: Value, list: &str, condition: Value) -> Value {
    let items = rule
        .as_object_mut()
        .unwrap()
        .entry(list)
        .or_insert_with(|| json!([]));
    items.as_array_mut().unwrap().push(condition);
    rule
}

/// Adds a `when` condition to a rule.
fn only_if(rule: Value, field: &str, op: &str, value: Value) -> Value {
    push(
        rule,
        "when",
        json!({"field": field, "op": op, "value": value}),
    )
}

/// Adds a `lines` condition to a `per_amount` rule.
fn on_lines(rule: Value, field: &str, op: &str, value: Value) -> Value {
    push(
        rule,
        "lines",
        json!({"field": field, "op": op, "value": value}),
    )
}

fn limited(rule: Value, count: u32, per: &str) -> Value {
    with(rule, json!({"limit": {"count": count, "per": per}}))
}

fn level(id: &str, threshold: i64, bp: i64) -> Value {
    json!({"id": id, "name": {"en": id}, "threshold": threshold, "earn_multiplier_bp": bp})
}

/// Bronze 0 (1x), silver 50000 (1.25x), gold 150000 (1.5x), like the contract's example.
fn spend_tiers(window: Value) -> Value {
    json!({"metric": "spend", "window": window, "levels": [
        level("bronze", 0, 10000), level("silver", 50000, 12500), level("gold", 150000, 15000)]})
}

fn lifetime() -> Value {
    json!({"kind": "lifetime"})
}

fn event(id: &str, kind: &str) -> Value {
    json!({"id": id, "kind": kind, "member_id": "m-1", "occurred_at": AT})
}

fn paid(id: &str, order: &str, subtotal: i64) -> Value {
    with(
        event(id, "order_paid"),
        json!({"order": {"order_id": order, "currency": "USD", "subtotal_minor": subtotal}}),
    )
}

fn refunded(id: &str, order: &str, refund: i64) -> Value {
    with(
        event(id, "order_refunded"),
        json!({"order": {"order_id": order, "refund_minor": refund}}),
    )
}

fn cancelled(id: &str, order: &str) -> Value {
    with(
        event(id, "order_cancelled"),
        json!({"order": {"order_id": order}}),
    )
}

fn review(id: &str) -> Value {
    event(id, "review_posted")
}

fn at(event: Value, when: &str) -> Value {
    with(event, json!({ "occurred_at": when }))
}

fn by(event: Value, member: &str) -> Value {
    with(event, json!({ "member_id": member }))
}

fn channel(event: Value, channel: &str) -> Value {
    with(event, json!({"order": {"channel": channel}}))
}

fn tags(event: Value, tags: &[&str]) -> Value {
    with(event, json!({"member": {"tags": tags}}))
}

fn lines(event: Value, lines: Value) -> Value {
    with(event, json!({"order": {"lines": lines}}))
}

fn line(sku: &str, category: Option<&str>, qty: i64, price: i64) -> Value {
    let mut line = json!({"sku": sku, "qty": qty, "unit_price_minor": price});
    if let Some(category) = category {
        line["category"] = json!(category);
    }
    line
}

fn account(event: Value, account: &str) -> Value {
    with(event, json!({"member": {"account_id": account}}))
}

// ------------------------------------------------ the contract's examples

#[test]
fn contract_example_event_under_contract_example_program() {
    let event: Value = serde_json::from_str(CONTRACT_EVENT).unwrap();
    let (_, answers) = check(
        CONTRACT_PROGRAM,
        &[(
            event,
            // New member c-42: spend 0 before the event, so bronze (threshold 0, 10000bp).
            // base: floor(12999/100)*1 = 129.
            // shoes-bonus: only boot-1 is shoes, 1*8999 = 8999; floor(8999/100) = 89.
            // double-week: active from 2026-12-01, the event is 2026-11-23: no.
            // bronze: floor(218*10000/10000) = 218, line +0 left out.
            // next-order: 12999 >= 10000 gives a five-off code, no points.
            // points = 0 fixed + 218 earned = 218; balance 0 + 218 = 218.
            award(&[("base", 129), ("shoes-bonus", 89)], 218, 218),
        )],
    );
    let answer = &answers[0];
    // Spend 12999 < 50000 after the event: still bronze.
    assert_eq!(answer.tier, Some(id("bronze")));
    assert_eq!(answer.codes.len(), 1);
    assert_eq!(answer.codes[0].reward, "five-off");
    // valid_days 14 from 2026-11-23T10:00Z: 2026-12-07T10:00Z.
    assert_eq!(
        answer.codes[0].expires_at,
        Some(time("2026-12-07T10:00:00Z"))
    );
    assert!(answer.badges.is_empty());
    assert_eq!(answer.program_version, 0);
}

#[test]
fn contract_example_signup_limit_is_once_per_lifetime() {
    check(
        CONTRACT_PROGRAM,
        &[
            (event("e-1", "signup"), award(&[("signup", 100)], 100, 100)), // fixed 100
            (event("e-2", "signup"), award(&[], 0, 100)), // limit 1 per lifetime used: no line
            (review("e-3"), award(&[("review", 50)], 50, 150)), // 100 + 50
        ],
    );
}

#[test]
fn answer_names_the_program_version() {
    let mut shop = Shop::new(&rules(json!([base()])));
    shop.book.program.version = 7;
    let answers = shop.run(&[(paid("e-1", "o-1", 1000), award(&[("base", 10)], 10, 10))]); // 1000/100
    assert_eq!(answers[0].program_version, 7);
}

// --------------------------------------------------------------- effects

#[test]
fn per_amount_floors_each_rule_on_its_own() {
    check(
        &rules(json!([base(), per_amount("triple", 3, 250)])),
        &[
            // base floor(12999/100)*1 = 129; triple floor(12999/250)*3 = 51*3 = 153
            // (not floor(12999*3/250) = 155); 129 + 153 = 282.
            (
                paid("e-1", "o-1", 12999),
                award(&[("base", 129), ("triple", 153)], 282, 282),
            ),
            // floor(99/100) = 0 and floor(99/250) = 0: no lines. Balance stays 282.
            (paid("e-2", "o-2", 99), award(&[], 0, 282)),
            // floor(250/100)*1 = 2; floor(250/250)*3 = 3; 282 + 5 = 287.
            (
                paid("e-3", "o-3", 250),
                award(&[("base", 2), ("triple", 3)], 5, 287),
            ),
        ],
    );
}

#[test]
fn fixed_is_the_sum_of_the_matching_fixed_rules() {
    check(
        &rules(json!([
            fixed("thanks", "order_paid", 10),
            fixed("gift", "order_paid", 25),
            fixed("review", "review_posted", 50)
        ])),
        &[
            // 10 + 25 = 35; the review rule does not match order_paid.
            (
                paid("e-1", "o-1", 12999),
                award(&[("thanks", 10), ("gift", 25)], 35, 35),
            ),
            (review("e-2"), award(&[("review", 50)], 50, 85)), // 35 + 50
        ],
    );
}

#[test]
fn multipliers_boost_only_earned_points() {
    check(
        &rules(json!([
            fixed("thanks", "order_paid", 100),
            base(),
            multiplier("double", 20000)
        ])),
        &[(
            paid("e-1", "o-1", 12999),
            // earned floor(12999/100) = 129; double floor(129*20000/10000) = 258, line +129;
            // fixed 100 is not boosted: 100 + 258 = 358.
            award(&[("thanks", 100), ("base", 129), ("double", 129)], 358, 358),
        )],
    );
}

#[test]
fn multipliers_apply_one_after_the_other_in_program_order() {
    // Multipliers may stand before the per_amount rules they boost.
    check(
        &rules(json!([
            multiplier("a", 15000),
            multiplier("b", 13000),
            base()
        ])),
        &[(
            paid("e-1", "o-1", 300),
            // earned floor(300/100) = 3; a: floor(3*15000/10000) = floor(4.5) = 4, +1;
            // b: floor(4*13000/10000) = floor(5.2) = 5, +1. Points 5.
            award(&[("base", 3), ("a", 1), ("b", 1)], 5, 5),
        )],
    );
    check(
        &rules(json!([
            base(),
            multiplier("b", 13000),
            multiplier("a", 15000)
        ])),
        &[(
            paid("e-1", "o-1", 300),
            // earned 3; b: floor(3*13000/10000) = floor(3.9) = 3, +0 left out;
            // a: floor(3*15000/10000) = floor(4.5) = 4, +1. Points 4.
            award(&[("base", 3), ("a", 1)], 4, 4),
        )],
    );
}

#[test]
fn a_multiplier_without_earned_points_gives_no_line() {
    check(
        &rules(json!([
            fixed("thanks", "order_paid", 100),
            multiplier("double", 20000)
        ])),
        // earned 0; floor(0*20000/10000) = 0, line +0 left out; fixed 100.
        &[(
            paid("e-1", "o-1", 12999),
            award(&[("thanks", 100)], 100, 100),
        )],
    );
}

#[test]
fn tier_line_holds_the_increase_and_comes_before_multipliers() {
    let doc = program(json!({
        "earn_rules": [base(), only_if(multiplier("app-double", 20000), "order.channel", "eq", json!("app"))],
        "tiers": spend_tiers(lifetime()),
    }));
    let (_, answers) = check(
        &doc,
        &[
            // Spend 0 before: bronze 10000bp. floor(60000/100) = 600; bronze +0 left out.
            (
                at(paid("e-1", "o-1", 60000), "2026-11-20T10:00:00Z"),
                award(&[("base", 600)], 600, 600),
            ),
            // Spend 60000 >= 50000 before: silver. 129 -> floor(129*12500/10000) =
            // floor(161.25) = 161, line +32. Balance 600 + 161 = 761.
            (
                paid("e-2", "o-2", 12999),
                award(&[("base", 129), ("tier:silver", 32)], 161, 761),
            ),
            // Silver (72999 < 150000). floor(1000/100) = 10; tier floor(10*12500/10000) = 12, +2;
            // then app-double floor(12*20000/10000) = 24, +12. (Double first would give
            // floor(20*1.25) = 25.) Balance 761 + 24 = 785.
            (
                channel(paid("e-3", "o-3", 1000), "app"),
                award(
                    &[("base", 10), ("tier:silver", 2), ("app-double", 12)],
                    24,
                    785,
                ),
            ),
        ],
    );
    // `tier` in the answer is the tier after the event: spend 60000 is silver.
    assert_eq!(answers[0].tier, Some(id("silver")));
}

#[test]
fn a_tier_below_1x_gives_a_negative_line() {
    let doc = program(json!({
        "earn_rules": [base()],
        "tiers": {"metric": "spend", "levels": [level("basic", 0, 5000)]},
    }));
    check(
        &doc,
        &[(
            paid("e-1", "o-1", 12999),
            // 129 -> floor(129*5000/10000) = floor(64.5) = 64: the line holds 64 - 129 = -65.
            award(&[("base", 129), ("tier:basic", -65)], 64, 64),
        )],
    );
}

#[test]
fn badge_bonus_is_a_line_of_its_own_granted_once() {
    let doc = program(json!({
        "earn_rules": [fixed("review", "review_posted", 50)],
        "badges": [{"id": "critic", "name": {"en": "Critic"}, "event": "review_posted", "count": 3, "bonus_points": 100}],
    }));
    let (_, answers) = check(
        &doc,
        &[
            (review("e-1"), award(&[("review", 50)], 50, 50)),
            (review("e-2"), award(&[("review", 50)], 50, 100)),
            // The third review completes critic: 50 + 100 = 150; balance 250.
            (
                review("e-3"),
                award(&[("review", 50), ("badge:critic", 100)], 150, 250),
            ),
            // Already held: no bonus again. 250 + 50 = 300.
            (review("e-4"), award(&[("review", 50)], 50, 300)),
        ],
    );
    let badges: Vec<_> = answers.iter().map(|a| a.badges.len()).collect();
    assert_eq!(badges, [0, 0, 1, 0]);
    assert_eq!(answers[2].badges, [id("critic")]);
}

#[test]
fn lines_of_zero_points_are_left_out() {
    let doc = program(json!({
        "earn_rules": [base(), fixed("nothing", "order_paid", 0)],
        "tiers": spend_tiers(lifetime()),
    }));
    // floor(99/100) = 0; fixed 0; bronze +0: no line at all.
    check(&doc, &[(paid("e-1", "o-1", 99), award(&[], 0, 0))]);
}

#[test]
fn rules_match_every_other_event_kind() {
    let doc = rules(json!([
        fixed("share", "social_share", 1),
        fixed("quiz", "quiz_completed", 2),
        fixed("birthday", "birthday", 4),
        fixed("survey", "survey_completed", 8),
        fixed("signup", "signup", 16),
    ]));
    check(
        &doc,
        &[
            (event("e-1", "social_share"), award(&[("share", 1)], 1, 1)),
            (event("e-2", "quiz_completed"), award(&[("quiz", 2)], 2, 3)), // 1 + 2
            (event("e-3", "birthday"), award(&[("birthday", 4)], 4, 7)),   // 3 + 4
            (
                with(event("e-4", "survey_completed"), json!({"nps_score": 8})),
                award(&[("survey", 8)], 8, 15), // 7 + 8
            ),
            (event("e-5", "signup"), award(&[("signup", 16)], 16, 31)), // 15 + 16
        ],
    );
}

#[test]
fn custom_events_match_custom_action_rules() {
    let custom = |id: &str, action: &str| with(event(id, "custom"), json!({ "action": action }));
    check(
        &rules(json!([fixed("news", "custom:newsletter", 30)])),
        &[
            (custom("e-1", "newsletter"), award(&[("news", 30)], 30, 30)),
            (custom("e-2", "poll"), award(&[], 0, 30)), // another action: no match
        ],
    );
}

// ---------------------------------------------------------- when: fields

#[test]
fn when_order_subtotal_every_int_operator() {
    // Each rule gives a power of two, so the sum shows exactly which held.
    let rule = |name: &str, points: i64, op: &str, value: Value| {
        only_if(
            fixed(name, "order_paid", points),
            "order.subtotal_minor",
            op,
            value,
        )
    };
    let doc = rules(json!([
        rule("eq", 1, "eq", json!(5000)),
        rule("ne", 2, "ne", json!(5000)),
        rule("gt", 4, "gt", json!(5000)),
        rule("gte", 8, "gte", json!(5000)),
        rule("lt", 16, "lt", json!(5000)),
        rule("lte", 32, "lte", json!(5000)),
        rule("in", 64, "in", json!([5000, 7000])),
        rule("not_in", 128, "not_in", json!([5000, 7000])),
    ]));
    check(
        &doc,
        &[
            // 4999: ne, lt, lte, not_in = 2 + 16 + 32 + 128 = 178.
            (
                paid("e-1", "o-1", 4999),
                award(
                    &[("ne", 2), ("lt", 16), ("lte", 32), ("not_in", 128)],
                    178,
                    178,
                ),
            ),
            // 5000: eq, gte, lte, in = 1 + 8 + 32 + 64 = 105; 178 + 105 = 283.
            (
                paid("e-2", "o-2", 5000),
                award(&[("eq", 1), ("gte", 8), ("lte", 32), ("in", 64)], 105, 283),
            ),
            // 5001: ne, gt, gte, not_in = 2 + 4 + 8 + 128 = 142; 283 + 142 = 425.
            (
                paid("e-3", "o-3", 5001),
                award(
                    &[("ne", 2), ("gt", 4), ("gte", 8), ("not_in", 128)],
                    142,
                    425,
                ),
            ),
            // 7000: ne, gt, gte, in = 2 + 4 + 8 + 64 = 78; 425 + 78 = 503.
            (
                paid("e-4", "o-4", 7000),
                award(&[("ne", 2), ("gt", 4), ("gte", 8), ("in", 64)], 78, 503),
            ),
        ],
    );
}

#[test]
fn when_order_channel_every_text_operator() {
    let rule = |name: &str, points: i64, op: &str, value: Value| {
        only_if(
            fixed(name, "order_paid", points),
            "order.channel",
            op,
            value,
        )
    };
    let doc = rules(json!([
        rule("eq", 1, "eq", json!("online")),
        rule("ne", 2, "ne", json!("online")),
        rule("in", 4, "in", json!(["app", "pos"])),
        rule("not_in", 8, "not_in", json!(["pos"])),
        rule("contains", 16, "contains", json!("line")),
    ]));
    check(
        &doc,
        &[
            // online: eq, not_in, contains "line" = 1 + 8 + 16 = 25.
            (
                channel(paid("e-1", "o-1", 100), "online"),
                award(&[("eq", 1), ("not_in", 8), ("contains", 16)], 25, 25),
            ),
            // pos: ne, in = 2 + 4 = 6; 25 + 6 = 31.
            (
                channel(paid("e-2", "o-2", 100), "pos"),
                award(&[("ne", 2), ("in", 4)], 6, 31),
            ),
            // offline: ne, not_in, contains = 2 + 8 + 16 = 26; 31 + 26 = 57.
            (
                channel(paid("e-3", "o-3", 100), "offline"),
                award(&[("ne", 2), ("not_in", 8), ("contains", 16)], 26, 57),
            ),
            // No channel: a field the event lacks makes every condition false, ne and not_in too.
            (paid("e-4", "o-4", 100), award(&[], 0, 57)),
        ],
    );
}

#[test]
fn when_order_first_is_true_only_before_any_applied_order() {
    let doc = rules(json!([
        only_if(
            fixed("first", "order_paid", 50),
            "order.first",
            "eq",
            json!(true)
        ),
        only_if(
            fixed("later", "order_paid", 5),
            "order.first",
            "eq",
            json!(false)
        ),
        only_if(
            fixed("not-first", "order_paid", 1),
            "order.first",
            "ne",
            json!(true)
        ),
    ]));
    check(
        &doc,
        &[
            (paid("e-1", "o-1", 100), award(&[("first", 50)], 50, 50)),
            // 5 + 1 = 6; 50 + 6 = 56.
            (
                paid("e-2", "o-2", 100),
                award(&[("later", 5), ("not-first", 1)], 6, 56),
            ),
            // The cancel takes back the rest of o-2: 6 - 0 = 6. 56 - 6 = 50.
            (cancelled("e-3", "o-2"), took(-6, 50)),
            // o-1 and o-2 were applied before, cancelled or not: not first. 50 + 6 = 56.
            (
                paid("e-4", "o-3", 100),
                award(&[("later", 5), ("not-first", 1)], 6, 56),
            ),
            // Another member's first order is first for them.
            (
                by(paid("e-5", "o-9", 100), "m-2"),
                award(&[("first", 50)], 50, 50),
            ),
            // "Applied before" is arrival order: m-2's import dated earlier is still not first.
            // 50 + 5 + 1 = 56.
            (
                by(at(paid("e-6", "o-8", 100), "2026-01-01T10:00:00Z"), "m-2"),
                award(&[("later", 5), ("not-first", 1)], 6, 56),
            ),
        ],
    );
}

#[test]
fn when_member_tier_compares_tiers_and_a_member_without_one_fails() {
    let rule = |name: &str, points: i64, op: &str, value: Value| {
        only_if(fixed(name, "order_paid", points), "member.tier", op, value)
    };
    // No level at 0: a new member holds no tier. 1x levels keep tier lines out.
    let doc = program(json!({
        "earn_rules": [
            rule("eq-silver", 1, "eq", json!("silver")),
            rule("gte-silver", 2, "gte", json!("silver")),
            rule("in-gold", 4, "in", json!(["gold"])),
            rule("ne-gold", 8, "ne", json!("gold")),
            rule("lt-gold", 16, "lt", json!("gold")),
        ],
        "tiers": {"metric": "spend", "levels": [level("silver", 50000, 10000), level("gold", 150000, 10000)]},
    }));
    check(
        &doc,
        &[
            // Spend 0 before: no tier, so even ne and lt fail.
            (paid("e-1", "o-1", 60000), award(&[], 0, 0)),
            // Spend 60000 before: silver. eq 1 + gte 2 + ne-gold 8 + lt-gold 16 = 27.
            (
                paid("e-2", "o-2", 100000),
                award(
                    &[
                        ("eq-silver", 1),
                        ("gte-silver", 2),
                        ("ne-gold", 8),
                        ("lt-gold", 16),
                    ],
                    27,
                    27,
                ),
            ),
            // Spend 160000 before: gold. gte-silver 2 + in-gold 4 = 6; 27 + 6 = 33.
            (
                paid("e-3", "o-3", 10),
                award(&[("gte-silver", 2), ("in-gold", 4)], 6, 33),
            ),
        ],
    );
}

#[test]
fn when_member_tags_contains_and_not_in() {
    let doc = rules(json!([
        only_if(
            fixed("wholesale", "order_paid", 1),
            "member.tags",
            "contains",
            json!("wholesale")
        ),
        only_if(
            fixed("retail", "order_paid", 2),
            "member.tags",
            "not_in",
            json!(["wholesale", "staff"])
        ),
    ]));
    check(
        &doc,
        &[
            (
                tags(paid("e-1", "o-1", 100), &["wholesale", "eu"]),
                award(&[("wholesale", 1)], 1, 1),
            ),
            // 1 + 2
            (
                tags(paid("e-2", "o-2", 100), &["vip"]),
                award(&[("retail", 2)], 2, 3),
            ),
            // Contract silent on whether tags persist between events; the code
            // keeps the last ones sent (["vip"]): retail again, 3 + 2 = 5.
            (paid("e-3", "o-3", 100), award(&[("retail", 2)], 2, 5)),
            // An empty list is present: holds none of them.
            (
                by(tags(paid("e-4", "o-4", 100), &[]), "m-2"),
                award(&[("retail", 2)], 2, 2),
            ),
        ],
    );
}

#[test]
fn when_member_tags_never_sent_is_a_lacking_field() {
    // Arguable: the code reads missing tags as an empty list.
    let doc = rules(json!([
        only_if(
            fixed("wholesale", "order_paid", 1),
            "member.tags",
            "contains",
            json!("wholesale")
        ),
        only_if(
            fixed("retail", "order_paid", 2),
            "member.tags",
            "not_in",
            json!(["wholesale"])
        ),
    ]));
    // Neither this event nor any before carried member.tags: both conditions are false.
    check(&doc, &[(paid("e-1", "o-1", 100), award(&[], 0, 0))]);
}

#[test]
fn when_member_days_since_last_order_in_whole_days() {
    let doc = rules(json!([
        only_if(
            fixed("lapsed", "order_paid", 10),
            "member.days_since_last_order",
            "gte",
            json!(10)
        ),
        only_if(
            fixed("recent", "order_paid", 1),
            "member.days_since_last_order",
            "lt",
            json!(10)
        ),
    ]));
    check(
        &doc,
        &[
            // No earlier order: the field is lacking, both false.
            (
                at(paid("e-1", "o-1", 100), "2026-11-03T10:00:00Z"),
                award(&[], 0, 0),
            ),
            // 2026-11-03T10:00 -> 2026-11-13T09:00 is 9 days 23 hours: 9 whole days.
            (
                at(paid("e-2", "o-2", 100), "2026-11-13T09:00:00Z"),
                award(&[("recent", 1)], 1, 1),
            ),
            // 2026-11-13T09:00 -> 2026-11-23T10:00 is 10 days 1 hour: 10. 1 + 10 = 11.
            (paid("e-3", "o-3", 100), award(&[("lapsed", 10)], 10, 11)),
        ],
    );
}

#[test]
fn when_member_days_since_signup() {
    let doc = rules(json!([
        only_if(
            fixed("new", "review_posted", 5),
            "member.days_since_signup",
            "lte",
            json!(7)
        ),
        only_if(
            fixed("old", "review_posted", 20),
            "member.days_since_signup",
            "gt",
            json!(7)
        ),
    ]));
    check(
        &doc,
        &[
            (review("e-1"), award(&[], 0, 0)), // never signed up: lacking, both false
            (
                at(event("e-2", "signup"), "2026-11-10T10:00:00Z"),
                award(&[], 0, 0),
            ),
            // 2026-11-10T10:00 -> 2026-11-17T10:00 = 7 days: lte 7.
            (
                at(review("e-3"), "2026-11-17T10:00:00Z"),
                award(&[("new", 5)], 5, 5),
            ),
            // -> 2026-11-23T10:00 = 13 days: gt 7. 5 + 20 = 25.
            (review("e-4"), award(&[("old", 20)], 20, 25)),
        ],
    );
}

#[test]
fn when_event_weekday_counts_monday_as_1_in_utc() {
    let doc = rules(json!([
        only_if(
            fixed("monday", "review_posted", 10),
            "event.weekday",
            "eq",
            json!(1)
        ),
        only_if(
            fixed("weekend", "review_posted", 3),
            "event.weekday",
            "in",
            json!([6, 7])
        ),
    ]));
    check(
        &doc,
        &[
            (review("e-1"), award(&[("monday", 10)], 10, 10)), // 2026-11-23 is a Monday
            // 2026-11-22 is a Sunday (7). 10 + 3 = 13.
            (
                at(review("e-2"), "2026-11-22T10:00:00Z"),
                award(&[("weekend", 3)], 3, 13),
            ),
            // Sunday 23:30 at -05:00 is Monday 04:30 UTC: Monday. 13 + 10 = 23.
            (
                at(review("e-3"), "2026-11-22T23:30:00-05:00"),
                award(&[("monday", 10)], 10, 23),
            ),
            // 2026-11-18 is a Wednesday (3): neither.
            (at(review("e-4"), "2026-11-18T10:00:00Z"), award(&[], 0, 23)),
        ],
    );
}

#[test]
fn when_a_field_the_event_lacks_makes_the_condition_false() {
    // Order and member-history fields on a review of a member with no orders.
    let doc = rules(json!([
        only_if(
            fixed("sub", "review_posted", 1),
            "order.subtotal_minor",
            "gte",
            json!(0)
        ),
        only_if(
            fixed("chan", "review_posted", 2),
            "order.channel",
            "ne",
            json!("pos")
        ),
        only_if(
            fixed("first", "review_posted", 4),
            "order.first",
            "ne",
            json!(true)
        ),
        only_if(
            fixed("days", "review_posted", 8),
            "member.days_since_last_order",
            "gte",
            json!(0)
        ),
        only_if(
            fixed("sku", "review_posted", 16),
            "line.sku",
            "ne",
            json!("x")
        ),
    ]));
    check(&doc, &[(review("e-1"), award(&[], 0, 0))]);
}

#[test]
fn when_line_fields_hold_if_any_line_meets_them() {
    // Contract silent on line.* inside `when`; the code holds it when any line matches.
    let doc = rules(json!([
        only_if(
            fixed("shoes", "order_paid", 10),
            "line.category",
            "eq",
            json!("shoes")
        ),
        only_if(
            fixed("gift", "order_paid", 5),
            "line.sku",
            "in",
            json!(["gift-card"])
        ),
    ]));
    check(
        &doc,
        &[
            (
                lines(
                    paid("e-1", "o-1", 10000),
                    json!([
                        line("boot-1", Some("shoes"), 1, 8000),
                        line("sock-2", Some("socks"), 1, 2000)
                    ]),
                ),
                award(&[("shoes", 10)], 10, 10),
            ),
            (
                lines(
                    paid("e-2", "o-2", 2000),
                    json!([line("sock-2", Some("socks"), 1, 2000)]),
                ),
                award(&[], 0, 10),
            ),
            (paid("e-3", "o-3", 2000), award(&[], 0, 10)), // no lines: lacking
        ],
    );
}

#[test]
fn when_every_condition_must_hold() {
    let rule = only_if(
        only_if(
            fixed("big-online", "order_paid", 10),
            "order.subtotal_minor",
            "gte",
            json!(5000),
        ),
        "order.channel",
        "eq",
        json!("online"),
    );
    check(
        &rules(json!([rule])),
        &[
            (
                channel(paid("e-1", "o-1", 6000), "online"),
                award(&[("big-online", 10)], 10, 10),
            ),
            (channel(paid("e-2", "o-2", 6000), "pos"), award(&[], 0, 10)),
            (
                channel(paid("e-3", "o-3", 4000), "online"),
                award(&[], 0, 10),
            ),
        ],
    );
}

// ------------------------------------------------------------------ lines

#[test]
fn lines_choose_what_counts_toward_eligible_minor() {
    let doc = rules(json!([
        base(),
        on_lines(
            per_amount("shoes", 1, 100),
            "line.category",
            "eq",
            json!("shoes")
        ),
        on_lines(
            on_lines(
                per_amount("shoes-but-boot-2", 1, 100),
                "line.category",
                "eq",
                json!("shoes")
            ),
            "line.sku",
            "ne",
            json!("boot-2")
        ),
        on_lines(
            per_amount("socks", 1, 100),
            "line.sku",
            "in",
            json!(["sock-9"])
        ),
    ]));
    let cart = json!([
        line("boot-1", Some("shoes"), 2, 3050), // 6100
        line("boot-2", Some("shoes"), 1, 5000), // 5000
        line("sock-9", Some("socks"), 3, 999),  // 2997
        line("gift", None, 1, 1000)             // 1000, no category
    ]);
    check(
        &doc,
        &[
            (
                // subtotal 6100 + 5000 + 2997 + 1000 = 15097.
                lines(paid("e-1", "o-1", 15097), cart),
                award(
                    &[
                        ("base", 150),            // floor(15097/100) = 150
                        ("shoes", 111),           // 2*3050 + 1*5000 = 11100; /100 = 111
                        ("shoes-but-boot-2", 61), // 6100; /100 = 61
                        ("socks", 29),            // 3*999 = 2997; floor(29.97) = 29
                    ],
                    351, // 150 + 111 + 61 + 29
                    351,
                ),
            ),
            // No lines: rules with `lines` count 0; base floor(5000/100) = 50. 351 + 50 = 401.
            (paid("e-2", "o-2", 5000), award(&[("base", 50)], 50, 401)),
        ],
    );
}

// ----------------------------------------------------------------- active

#[test]
fn active_from_is_inclusive_and_until_exclusive() {
    let rule = with(
        fixed("launch", "review_posted", 10),
        json!({"active": {"from": "2026-11-20T00:00:00Z", "until": "2026-11-21T00:00:00Z"}}),
    );
    check(
        &rules(json!([rule])),
        &[
            (at(review("e-1"), "2026-11-19T23:59:59Z"), award(&[], 0, 0)),
            // from: in
            (
                at(review("e-2"), "2026-11-20T00:00:00Z"),
                award(&[("launch", 10)], 10, 10),
            ),
            (
                at(review("e-3"), "2026-11-20T23:59:59Z"),
                award(&[("launch", 10)], 10, 20),
            ),
            (at(review("e-4"), "2026-11-21T00:00:00Z"), award(&[], 0, 20)), // until: out
            // 00:30 at +01:00 is 2026-11-20T23:30Z: inside. 20 + 10 = 30.
            (
                at(review("e-5"), "2026-11-21T00:30:00+01:00"),
                award(&[("launch", 10)], 10, 30),
            ),
        ],
    );
}

// ----------------------------------------------------------------- limits

fn limited_review(count: u32, per: &str) -> String {
    rules(json!([limited(
        fixed("review", "review_posted", 50),
        count,
        per
    )]))
}

#[test]
fn limit_per_day_in_utc() {
    check(
        &limited_review(2, "day"),
        &[
            (
                at(review("e-1"), "2026-11-20T10:00:00Z"),
                award(&[("review", 50)], 50, 50),
            ),
            (
                at(review("e-2"), "2026-11-20T18:00:00Z"),
                award(&[("review", 50)], 50, 100),
            ),
            // third on the 20th
            (
                at(review("e-3"), "2026-11-20T23:59:59Z"),
                award(&[], 0, 100),
            ),
            // 23:30 at -05:00 on the 20th is 04:30Z on the 21st: a new UTC day. 100 + 50.
            (
                at(review("e-4"), "2026-11-20T23:30:00-05:00"),
                award(&[("review", 50)], 50, 150),
            ),
        ],
    );
}

#[test]
fn limit_per_week_starts_on_monday() {
    check(
        &limited_review(1, "week"),
        &[
            // Sunday
            (
                at(review("e-1"), "2026-11-15T10:00:00Z"),
                award(&[("review", 50)], 50, 50),
            ),
            // Monday: new week
            (
                at(review("e-2"), "2026-11-16T10:00:00Z"),
                award(&[("review", 50)], 50, 100),
            ),
            // Sunday, week of the 16th
            (
                at(review("e-3"), "2026-11-22T10:00:00Z"),
                award(&[], 0, 100),
            ),
            (review("e-4"), award(&[("review", 50)], 50, 150)), // Monday the 23rd: new week
        ],
    );
}

#[test]
fn limit_per_month() {
    check(
        &limited_review(1, "month"),
        &[
            (
                at(review("e-1"), "2026-10-31T23:59:59Z"),
                award(&[("review", 50)], 50, 50),
            ),
            (
                at(review("e-2"), "2026-11-01T00:00:00Z"),
                award(&[("review", 50)], 50, 100),
            ),
            (
                at(review("e-3"), "2026-11-20T10:00:00Z"),
                award(&[], 0, 100),
            ),
        ],
    );
}

#[test]
fn limit_per_year() {
    check(
        &limited_review(1, "year"),
        &[
            (
                at(review("e-1"), "2025-12-31T23:59:59Z"),
                award(&[("review", 50)], 50, 50),
            ),
            (
                at(review("e-2"), "2026-01-01T00:00:00Z"),
                award(&[("review", 50)], 50, 100),
            ),
            (
                at(review("e-3"), "2026-11-20T10:00:00Z"),
                award(&[], 0, 100),
            ),
        ],
    );
}

#[test]
fn limit_per_lifetime() {
    check(
        &limited_review(2, "lifetime"),
        &[
            (
                at(review("e-1"), "2024-01-01T10:00:00Z"),
                award(&[("review", 50)], 50, 50),
            ),
            (
                at(review("e-2"), "2025-06-01T10:00:00Z"),
                award(&[("review", 50)], 50, 100),
            ),
            (review("e-3"), award(&[], 0, 100)),
        ],
    );
}

#[test]
fn limit_counts_matches_not_points() {
    let doc = rules(json!([
        limited(per_amount("daily-base", 1, 100), 1, "day"),
        limited(
            only_if(
                fixed("big", "order_paid", 5),
                "order.subtotal_minor",
                "gte",
                json!(1000)
            ),
            1,
            "day"
        ),
    ]));
    check(
        &doc,
        &[
            // daily-base matches but floor(50/100) = 0 (no line); big does not match (50 < 1000).
            (
                at(paid("e-1", "o-1", 50), "2026-11-20T10:00:00Z"),
                award(&[], 0, 0),
            ),
            // daily-base matched once today: held back. big matches for the first time: 5.
            (
                at(paid("e-2", "o-2", 5000), "2026-11-20T12:00:00Z"),
                award(&[("big", 5)], 5, 5),
            ),
            // both used up
            (
                at(paid("e-3", "o-3", 5000), "2026-11-20T14:00:00Z"),
                award(&[], 0, 5),
            ),
            // Next day: floor(5000/100) = 50 and 5; 5 + 55 = 60.
            (
                at(paid("e-4", "o-4", 5000), "2026-11-21T10:00:00Z"),
                award(&[("daily-base", 50), ("big", 5)], 55, 60),
            ),
        ],
    );
}

#[test]
fn a_limited_multiplier_boosts_only_within_its_limit() {
    let doc = rules(json!([
        base(),
        limited(multiplier("double", 20000), 1, "lifetime")
    ]));
    check(
        &doc,
        &[
            // 10 -> floor(10*20000/10000) = 20, +10.
            (
                paid("e-1", "o-1", 1000),
                award(&[("base", 10), ("double", 10)], 20, 20),
            ),
            (paid("e-2", "o-2", 1000), award(&[("base", 10)], 10, 30)), // used up: 20 + 10
        ],
    );
}

#[test]
fn events_held_back_by_a_limit_still_count_toward_badges() {
    let doc = program(json!({
        "earn_rules": [limited(fixed("review", "review_posted", 50), 1, "day")],
        "badges": [{"id": "critic", "name": {"en": "Critic"}, "event": "review_posted", "count": 2, "bonus_points": 100}],
    }));
    check(
        &doc,
        &[
            (
                at(review("e-1"), "2026-11-20T10:00:00Z"),
                award(&[("review", 50)], 50, 50),
            ),
            // The rule is held back (no line), yet this is the second review: critic, +100.
            (
                at(review("e-2"), "2026-11-20T11:00:00Z"),
                award(&[("badge:critic", 100)], 100, 150),
            ),
        ],
    );
}

// ------------------------------------------------------------------ tiers

#[test]
fn spend_shrinks_with_refunds_and_cancellations() {
    let doc = program(json!({"earn_rules": [base()], "tiers": spend_tiers(lifetime())}));
    let (_, answers) = check(
        &doc,
        &[
            (paid("e-1", "o-1", 60000), award(&[("base", 600)], 600, 600)), // bronze before
            // floor(600*20000/60000) = 200 back; 600 - 200 = 400. Spend 60000 - 20000 = 40000.
            (refunded("e-2", "o-1", 20000), took(-200, 400)),
            // Spend 40000 < 50000: bronze, no boost. floor(1000/100) = 10; 410.
            (paid("e-3", "o-2", 1000), award(&[("base", 10)], 10, 410)),
            // o-1 cancelled counts nothing: takes the rest 600 - 200 = 400; 410 - 400 = 10.
            (cancelled("e-4", "o-1"), took(-400, 10)),
        ],
    );
    let tiers: Vec<_> = answers.iter().map(|a| a.tier.clone().unwrap()).collect();
    // 60000 silver; 40000 bronze; 41000 bronze; 1000 bronze.
    assert_eq!(
        tiers,
        [id("silver"), id("bronze"), id("bronze"), id("bronze")]
    );
}

#[test]
fn tier_window_lifetime_versus_calendar_year() {
    let rows = |second: Expect| {
        vec![
            (
                at(paid("e-1", "o-1", 60000), "2025-12-31T10:00:00Z"),
                award(&[("base", 600)], 600, 600),
            ),
            (paid("e-2", "o-2", 12999), second),
        ]
    };
    // Lifetime: 60000 counts, silver. floor(129*12500/10000) = 161, +32. 600 + 161 = 761.
    check(
        &program(json!({"earn_rules": [base()], "tiers": spend_tiers(lifetime())})),
        &rows(award(&[("base", 129), ("tier:silver", 32)], 161, 761)),
    );
    // Calendar year 2026: the 2025 order is outside; bronze. 600 + 129 = 729.
    check(
        &program(
            json!({"earn_rules": [base()], "tiers": spend_tiers(json!({"kind": "calendar_year"}))}),
        ),
        &rows(award(&[("base", 129)], 129, 729)),
    );
    // The year starts at 2026-01-01T00:00:00Z inclusive: silver again.
    check(
        &program(
            json!({"earn_rules": [base()], "tiers": spend_tiers(json!({"kind": "calendar_year"}))}),
        ),
        &[
            (
                at(paid("e-1", "o-1", 60000), "2026-01-01T00:00:00Z"),
                award(&[("base", 600)], 600, 600),
            ),
            (
                paid("e-2", "o-2", 12999),
                award(&[("base", 129), ("tier:silver", 32)], 161, 761),
            ),
        ],
    );
}

#[test]
fn tier_window_rolling_days_is_open_at_its_start() {
    let doc = program(json!({"earn_rules": [base()],
                             "tiers": spend_tiers(json!({"kind": "rolling_days", "days": 365}))}));
    // AT - 365 days = 2025-11-23T10:00:00Z (no 29 February between). The window is
    // (2025-11-23T10:00:00Z, AT]: an order exactly at its start is out.
    check(
        &doc,
        &[
            (
                at(paid("e-1", "o-1", 60000), "2025-11-23T10:00:00Z"),
                award(&[("base", 600)], 600, 600),
            ),
            (paid("e-2", "o-2", 12999), award(&[("base", 129)], 129, 729)), // bronze: 600 + 129
        ],
    );
    let (shop, answers) = check(
        &doc,
        &[
            (
                at(paid("e-1", "o-1", 60000), "2025-11-23T10:00:01Z"),
                award(&[("base", 600)], 600, 600),
            ),
            // One second later it is in: silver, 161 (+32). 600 + 161 = 761.
            (
                paid("e-2", "o-2", 12999),
                award(&[("base", 129), ("tier:silver", 32)], 161, 761),
            ),
        ],
    );
    // Read at NOW (12:00), the window (2025-11-23T12:00Z, NOW] has lost o-1:
    // spend 12999, bronze. The award used silver, the tier at occurred_at.
    assert_eq!(answers[1].tier, Some(id("bronze")));
    assert_eq!(shop.view("m-1", now()).tier.unwrap().id, id("bronze"));
    // At AT it was silver, by the view at that moment.
    assert_eq!(shop.view("m-1", time(AT)).tier.unwrap().id, id("silver"));
}

#[test]
fn the_tier_used_is_the_tier_at_occurred_at_before_the_event() {
    let doc = program(json!({"earn_rules": [base()], "tiers": spend_tiers(lifetime())}));
    let (_, answers) = check(
        &doc,
        &[
            (paid("e-1", "o-1", 60000), award(&[("base", 600)], 600, 600)), // bronze before
            // An import dated 2026-11-01, before o-1: spend then 0, bronze. 600 + 129 = 729.
            (
                at(paid("e-2", "o-2", 12999), "2026-11-01T10:00:00Z"),
                award(&[("base", 129)], 129, 729),
            ),
            // At 11:00 spend is 60000 + 12999 = 72999: silver, floor(129*1.25) = 161 (+32). 890.
            (
                at(paid("e-3", "o-3", 12999), "2026-11-23T11:00:00Z"),
                award(&[("base", 129), ("tier:silver", 32)], 161, 890),
            ),
            // Reaching the threshold exactly is enough: m-2 spends exactly 50000 first.
            (
                by(paid("e-4", "o-1", 50000), "m-2"),
                award(&[("base", 500)], 500, 500),
            ),
            // floor(1000/100) = 10 -> floor(10*12500/10000) = floor(12.5) = 12, +2. 512.
            (
                by(paid("e-5", "o-2", 1000), "m-2"),
                award(&[("base", 10), ("tier:silver", 2)], 12, 512),
            ),
        ],
    );
    // The import's answer names the tier after it, as of now: 72999, silver.
    assert_eq!(answers[1].tier, Some(id("silver")));
}

#[test]
fn tier_metric_points_counts_points_earned() {
    let doc = program(json!({
        "earn_rules": [base(), fixed("review", "review_posted", 60)],
        "tiers": {"metric": "points", "levels": [level("bronze", 0, 10000), level("silver", 100, 12500)]},
    }));
    check(
        &doc,
        &[
            (review("e-1"), award(&[("review", 60)], 60, 60)), // points earned 60
            // 60 < 100: bronze. floor(3000/100) = 30; 60 + 30 = 90 earned.
            (paid("e-2", "o-1", 3000), award(&[("base", 30)], 30, 90)),
            (review("e-3"), award(&[("review", 60)], 60, 150)), // 150 earned
            // 150 >= 100: silver. floor(30*12500/10000) = floor(37.5) = 37, +7; 150 + 37 = 187.
            (
                paid("e-4", "o-2", 3000),
                award(&[("base", 30), ("tier:silver", 7)], 37, 187),
            ),
        ],
    );
}

#[test]
fn tier_metric_orders_counts_orders_but_not_cancelled_ones() {
    let doc = program(json!({
        "earn_rules": [base()],
        "tiers": {"metric": "orders", "levels": [level("bronze", 0, 10000), level("silver", 2, 20000)]},
    }));
    check(
        &doc,
        &[
            (paid("e-1", "o-1", 1000), award(&[("base", 10)], 10, 10)), // 0 orders before
            (paid("e-2", "o-2", 1000), award(&[("base", 10)], 10, 20)), // 1 order before
            (cancelled("e-3", "o-2"), took(-10, 10)),                   // the rest of o-2: 10
            // Before: o-1 only (o-2 cancelled counts nothing): 1 < 2, bronze. 10 + 10 = 20.
            (paid("e-4", "o-3", 1000), award(&[("base", 10)], 10, 20)),
            // Before: o-1 and o-3 = 2: silver. floor(10*20000/10000) = 20, +10. 20 + 20 = 40.
            (
                paid("e-5", "o-4", 1000),
                award(&[("base", 10), ("tier:silver", 10)], 20, 40),
            ),
        ],
    );
}

#[test]
fn paid_levels_are_held_through_membership_events_only() {
    let doc = program(json!({
        "earn_rules": [base()],
        "tiers": {"metric": "spend", "levels": [
            level("bronze", 0, 10000),
            {"id": "vip", "name": {"en": "VIP"}, "paid": true, "earn_multiplier_bp": 20000},
            level("gold", 150000, 15000),
        ]},
    }));
    let membership = |id: &str, from: &str, until: &str| {
        at(
            with(
                event(id, "membership_started"),
                json!({"membership": {"tier": "vip", "until": until}}),
            ),
            from,
        )
    };
    let (_, answers) = check(
        &doc,
        &[
            (
                membership("e-1", "2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z"),
                award(&[], 0, 0),
            ),
            // vip (rank 1) beats bronze: floor(1000/100) = 10 -> floor(10*20000/10000) = 20, +10.
            (
                at(paid("e-2", "o-1", 1000), "2026-11-10T10:00:00Z"),
                award(&[("base", 10), ("tier:vip", 10)], 20, 20),
            ),
            // Still vip (spend 1000 is bronze): 1500 -> 3000, +1500. 20 + 3000 = 3020.
            (
                at(paid("e-3", "o-2", 150000), "2026-11-11T10:00:00Z"),
                award(&[("base", 1500), ("tier:vip", 1500)], 3000, 3020),
            ),
            // Spend 151000 >= 150000: gold is higher than vip and wins.
            // 10 -> floor(10*15000/10000) = 15, +5. 3020 + 15 = 3035.
            (
                at(paid("e-4", "o-3", 1000), "2026-11-12T10:00:00Z"),
                award(&[("base", 10), ("tier:gold", 5)], 15, 3035),
            ),
            // Ended by an event: m-2 back to bronze.
            (
                by(
                    membership("e-5", "2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z"),
                    "m-2",
                ),
                award(&[], 0, 0),
            ),
            (
                by(
                    at(event("e-6", "membership_ended"), "2026-11-20T00:00:00Z"),
                    "m-2",
                ),
                award(&[], 0, 0),
            ),
            (
                by(paid("e-7", "o-1", 1000), "m-2"),
                award(&[("base", 10)], 10, 10),
            ),
            // Ended by `until`: m-3's membership ran out on the 15th.
            (
                by(
                    membership("e-8", "2026-11-01T00:00:00Z", "2026-11-15T00:00:00Z"),
                    "m-3",
                ),
                award(&[], 0, 0),
            ),
            (
                by(paid("e-9", "o-1", 1000), "m-3"),
                award(&[("base", 10)], 10, 10),
            ),
        ],
    );
    // The membership itself gives the level; it never counts toward the metric.
    assert_eq!(answers[0].tier, Some(id("vip")));
    // Contract silent on a membership for a level that is not paid; the code refuses it.
    check(
        &doc,
        &[(
            with(
                event("e-1", "membership_started"),
                json!({"membership": {"tier": "gold", "until": "2026-12-31T00:00:00Z"}}),
            ),
            refused("unknown_tier", 422),
        )],
    );
}

#[test]
fn tier_progress_in_the_member_view() {
    let doc = program(json!({"earn_rules": [base()], "tiers": spend_tiers(lifetime())}));
    let (shop, _) = check(
        &doc,
        &[(paid("e-1", "o-1", 60000), award(&[("base", 600)], 600, 600))],
    );
    let view = shop.view("m-1", now());
    assert_eq!(view.tier.unwrap().id, id("silver"));
    let next = view.next_tier.unwrap();
    assert_eq!(next.id, id("gold"));
    assert_eq!(next.remaining, 90000); // 150000 - 60000
    assert_eq!(next.progress_bp, 1000); // floor(10000*(60000-50000)/(150000-50000)) = 1000

    // Below the first level: no tier, and the current threshold counts as 0.
    let doc = program(json!({"earn_rules": [base()],
        "tiers": {"metric": "spend", "levels": [level("silver", 50000, 10000), level("gold", 150000, 10000)]}}));
    let (shop, _) = check(
        &doc,
        &[(paid("e-1", "o-1", 33333), award(&[("base", 333)], 333, 333))],
    ); // floor(333.33)
    let view = shop.view("m-1", now());
    assert!(view.tier.is_none());
    let next = view.next_tier.unwrap();
    assert_eq!(next.id, id("silver"));
    assert_eq!(next.remaining, 16667); // 50000 - 33333
    assert_eq!(next.progress_bp, 6666); // floor(10000*33333/50000) = floor(6666.6)

    // At the top: no next tier.
    let (shop, _) = check(
        &doc,
        &[(
            paid("e-1", "o-1", 150000),
            award(&[("base", 1500)], 1500, 1500),
        )],
    );
    let view = shop.view("m-1", now());
    assert_eq!(view.tier.unwrap().id, id("gold"));
    assert!(view.next_tier.is_none());
}

// ---------------------------------------------------------------- refunds

fn first_order_program() -> String {
    rules(json!([
        base(),
        only_if(
            fixed("first", "order_paid", 50),
            "order.first",
            "eq",
            json!(true)
        )
    ]))
}

#[test]
fn refunds_take_back_a_proportional_share_floored() {
    check(
        &first_order_program(),
        &[
            // awarded = floor(12999/100) + 50 = 129 + 50 = 179.
            (
                paid("e-1", "o-1", 12999),
                award(&[("base", 129), ("first", 50)], 179, 179),
            ),
            // floor(179*5000/12999) = floor(68.85) = 68. 179 - 68 = 111.
            (refunded("e-2", "o-1", 5000), took(-68, 111)),
            // so far 10000: floor(179*10000/12999) = floor(137.70) = 137; 137 - 68 = 69. 111 - 69 = 42.
            (refunded("e-3", "o-1", 5000), took(-69, 42)),
            // so far min(15000, 12999) = 12999: floor(179*12999/12999) = 179; 179 - 137 = 42. 0.
            (refunded("e-4", "o-1", 5000), took(-42, 0)),
            // Still capped at 12999: 179 - 179 = 0.
            (refunded("e-5", "o-1", 100), took(0, 0)),
        ],
    );
}

#[test]
fn refunds_take_back_tier_multiplier_and_badge_points_too() {
    let doc = program(json!({
        "earn_rules": [base(), multiplier("double", 20000)],
        "badges": [{"id": "first-buy", "name": {"en": "First"}, "event": "order_paid", "count": 1, "bonus_points": 20}],
    }));
    let (shop, _) = check(
        &doc,
        &[
            // 129 -> double 258 (+129); first-buy +20: awarded 278.
            (
                paid("e-1", "o-1", 12999),
                award(
                    &[("base", 129), ("double", 129), ("badge:first-buy", 20)],
                    278,
                    278,
                ),
            ),
            // floor(278*6500/12999) = floor(139.01) = 139. 278 - 139 = 139.
            (refunded("e-2", "o-1", 6500), took(-139, 139)),
        ],
    );
    // Badges stay.
    assert_eq!(shop.view("m-1", now()).badges.len(), 1);
}

#[test]
fn an_order_of_subtotal_zero_has_nothing_to_refund_but_cancel_takes_the_rest() {
    check(
        &rules(json!([fixed("thanks", "order_paid", 10)])),
        &[
            (paid("e-1", "o-1", 0), award(&[("thanks", 10)], 10, 10)),
            (refunded("e-2", "o-1", 0), took(0, 10)), // subtotal 0: nothing
            (refunded("e-3", "o-1", 500), took(0, 10)), // still nothing
            (cancelled("e-4", "o-1"), took(-10, 0)),  // the rest: 10 - 0
        ],
    );
}

#[test]
fn cancel_takes_back_the_rest() {
    check(
        &first_order_program(),
        &[
            (
                paid("e-1", "o-1", 12999),
                award(&[("base", 129), ("first", 50)], 179, 179),
            ),
            (refunded("e-2", "o-1", 5000), took(-68, 111)), // floor(179*5000/12999) = 68
            (cancelled("e-3", "o-1"), took(-111, 0)),       // 179 - 68 = 111
            // Nothing is left to take (contract: cancel took the rest); the code answers 0.
            (refunded("e-4", "o-1", 5000), took(0, 0)),
        ],
    );
}

#[test]
fn pending_points_are_taken_back_before_available_ones() {
    let doc = program(json!({"earn_rules": [base()], "pending_days": 30}));
    let (mut shop, _) = check(
        &doc,
        &[
            // Pending until 2026-10-31T10:00Z, already past NOW: available. floor(10000/100) = 100.
            (
                at(paid("e-1", "o-1", 10000), "2026-10-01T10:00:00Z"),
                award(&[("base", 100)], 100, 100),
            ),
            // Pending until 2026-12-23T10:00Z: balance (available) stays 100.
            (paid("e-2", "o-2", 12999), award(&[("base", 129)], 129, 100)),
            // floor(129*5000/12999) = floor(49.6) = 49, from o-2's pending points.
            (refunded("e-3", "o-2", 5000), took(-49, 100)),
        ],
    );
    let view = shop.view("m-1", now());
    assert_eq!((view.balance, view.pending), (100, 80)); // 129 - 49 = 80 pending
    // The cancel takes the rest, 129 - 49 = 80, again from pending.
    shop.run(&[(cancelled("e-4", "o-2"), took(-80, 100))]);
    let view = shop.view("m-1", now());
    assert_eq!((view.balance, view.pending), (100, 0));
}

#[test]
fn pending_points_mature_by_time_alone() {
    let doc = program(
        json!({"earn_rules": [base(), fixed("review", "review_posted", 50)], "pending_days": 14}),
    );
    let (shop, _) = check(
        &doc,
        &[
            (paid("e-1", "o-1", 12999), award(&[("base", 129)], 129, 0)), // pending: balance 0
            (review("e-2"), award(&[("review", 50)], 50, 50)), // not an order: available at once
        ],
    );
    let view = shop.view("m-1", now());
    assert_eq!((view.balance, view.pending), (50, 129));
    // AT + 14 days = 2026-12-07T10:00Z: matured, with no write.
    let view = shop.view("m-1", time("2026-12-07T10:00:00Z"));
    assert_eq!((view.balance, view.pending), (179, 0)); // 50 + 129
    let view = shop.view("m-1", time("2026-12-07T09:59:59Z"));
    assert_eq!((view.balance, view.pending), (50, 129));
}

#[test]
fn refusals_unknown_order_duplicate_order_currency_and_the_future() {
    check(
        &rules(json!([base()])),
        &[
            (refunded("e-1", "o-9", 100), refused("unknown_order", 422)),
            (cancelled("e-2", "o-9"), refused("unknown_order", 422)),
            (paid("e-3", "o-1", 1000), award(&[("base", 10)], 10, 10)),
            // Another member does not have m-1's order.
            (
                by(refunded("e-4", "o-1", 100), "m-2"),
                refused("unknown_order", 422),
            ),
            (paid("e-5", "o-1", 2000), refused("duplicate_order", 409)),
            // The contract names only the 422; `currency_mismatch` is the code's name.
            (
                with(
                    paid("e-6", "o-2", 1000),
                    json!({"order": {"currency": "EUR"}}),
                ),
                refused("currency_mismatch", 422),
            ),
            // Another member may use the same order id ("an order_id the member already has").
            (
                by(paid("e-7", "o-1", 1000), "m-2"),
                award(&[("base", 10)], 10, 10),
            ),
            // Exactly 5 minutes ahead is accepted; one second more is refused.
            (
                at(paid("e-8", "o-3", 1000), "2026-11-23T12:05:00Z"),
                award(&[("base", 10)], 10, 20),
            ),
            (
                at(paid("e-9", "o-4", 1000), "2026-11-23T12:05:01Z"),
                Expect::Unparsed("$.occurred_at"),
            ),
            // Past ones (imports) are accepted.
            (
                at(paid("e-10", "o-5", 1000), "2020-01-01T00:00:00Z"),
                award(&[("base", 10)], 10, 30),
            ),
        ],
    );
}

#[test]
fn a_future_event_is_refused_by_the_rules_too() {
    // Parsed against a later clock, then applied at NOW: still refused, nothing changes.
    let mut shop = Shop::new(&rules(json!([base()])));
    let later = now() + Duration::hours(1);
    let event = Event::parse(
        &at(paid("e-1", "o-1", 1000), "2026-11-23T12:30:00Z").to_string(),
        later,
    )
    .unwrap();
    let error = shop.book.record(&event, now()).unwrap_err();
    assert_eq!((error.code(), error.status()), ("invalid_event", 422));
    assert!(shop.book.states.is_empty());
}

// ----------------------------------------------------------------- expiry

#[test]
fn inactivity_expires_the_balance_in_views_then_in_the_ledger() {
    let doc = program(
        json!({"earn_rules": [base(), fixed("review", "review_posted", 50)],
                             "expiry": {"inactivity_days": 30}}),
    );
    let mut shop = Shop::new(&doc);
    let t0 = time("2026-10-01T10:00:00Z");
    let answer = shop
        .record_at(&at(paid("e-1", "o-1", 10000), "2026-10-01T10:00:00Z"), t0)
        .unwrap();
    assert_eq!(answer.balance, 100); // floor(10000/100)
    // 20 days on: shown as expiring at t0 + 30 days.
    let view = shop.view("m-1", time("2026-10-21T10:00:00Z"));
    assert_eq!(view.balance, 100);
    let expiring = view.expiring.unwrap();
    assert_eq!(
        (expiring.points, expiring.at),
        (100, time("2026-10-31T10:00:00Z"))
    );
    assert_eq!(shop.view("m-1", time("2026-10-31T09:59:59Z")).balance, 100);
    // 30 days without earning or redeeming: every view shows it expired.
    assert_eq!(shop.view("m-1", time("2026-10-31T10:00:00Z")).balance, 0);
    assert_eq!(shop.view("m-1", now()).balance, 0);
    assert!(
        shop.book
            .ledger_of(&id("m-1"))
            .iter()
            .all(|e| e.kind != EntryKind::Expiry)
    );
    // The next write records the expiry as a ledger entry of its own.
    let answer = shop.record_at(&review("e-2"), now()).unwrap();
    assert_eq!(answer.balance, 50); // 100 - 100 expired + 50
    let ledger = shop.book.ledger_of(&id("m-1"));
    let expiry: Vec<_> = ledger
        .iter()
        .filter(|e| e.kind == EntryKind::Expiry)
        .collect();
    assert_eq!(expiry.len(), 1);
    assert_eq!(
        (expiry[0].points, expiry[0].at),
        (-100, time("2026-10-31T10:00:00Z"))
    );
    assert_eq!(ledger.iter().map(|e| e.points).sum::<i64>(), 50); // 100 - 100 + 50
    // The review earned at AT: the clock restarts, AT + 30 days.
    let expiring = shop.view("m-1", now()).expiring.unwrap();
    assert_eq!(
        (expiring.points, expiring.at),
        (50, time("2026-12-23T10:00:00Z"))
    );
}

#[test]
fn a_redemption_restarts_the_inactivity_clock() {
    let doc = program(json!({
        "earn_rules": [base()],
        "rewards": [{"id": "ship", "name": {"en": "Ship"}, "cost_points": 30, "kind": "free_shipping"}],
        "expiry": {"inactivity_days": 30},
    }));
    let mut shop = Shop::new(&doc);
    let t0 = time("2026-10-01T10:00:00Z");
    shop.record_at(&at(paid("e-1", "o-1", 10000), "2026-10-01T10:00:00Z"), t0)
        .unwrap(); // 100
    let redeemed = time("2026-10-21T10:00:00Z");
    let outcome = shop
        .book
        .redeem(&id("m-1"), "ship", "k-1", redeemed)
        .unwrap();
    assert_eq!(outcome.redemption.balance, 70); // 100 - 30
    // 35 days after earning, 15 after redeeming: still there.
    assert_eq!(shop.view("m-1", time("2026-11-05T10:00:00Z")).balance, 70);
    // 30 days after the redemption: expired.
    assert_eq!(shop.view("m-1", time("2026-11-20T10:00:00Z")).balance, 0);
}

// ---------------------------------------------------- codes and cashback

#[test]
fn issue_reward_gives_a_free_code_valid_for_valid_days() {
    let doc = program(json!({
        "earn_rules": [
            only_if(
                json!({"id": "next-order", "event": "order_paid", "effect": {"kind": "issue_reward", "reward": "five-off", "valid_days": 14}}),
                "order.subtotal_minor", "gte", json!(10000)),
            {"id": "thanks", "event": "review_posted", "effect": {"kind": "issue_reward", "reward": "ship"}},
        ],
        "rewards": [
            {"id": "five-off", "name": {"en": "$5 off"}, "cost_points": 500, "kind": "amount_off", "amount_minor": 500},
            {"id": "ship", "name": {"en": "Free shipping"}, "cost_points": 300, "kind": "free_shipping"},
        ],
    }));
    let (shop, answers) = check(
        &doc,
        &[
            (paid("e-1", "o-1", 12999), award(&[], 0, 0)), // a code, no points, no line
            (paid("e-2", "o-2", 9999), award(&[], 0, 0)),  // 9999 < 10000: no code
            (review("e-3"), award(&[], 0, 0)),
            (cancelled("e-4", "o-1"), took(0, 0)), // nothing to take back; the code stays
        ],
    );
    assert_eq!(answers[0].codes.len(), 1);
    // AT + 14 days.
    assert_eq!(
        answers[0].codes[0].expires_at,
        Some(time("2026-12-07T10:00:00Z"))
    );
    assert!(answers[1].codes.is_empty());
    // Neither the rule nor the reward gives valid_days: the code does not expire.
    assert_eq!(answers[2].codes[0].reward, "ship");
    assert_eq!(answers[2].codes[0].expires_at, None);
    let codes: Vec<_> = shop
        .view("m-1", now())
        .codes
        .into_iter()
        .map(|c| c.reward)
        .collect();
    assert_eq!(codes, ["five-off", "ship"]);
}

#[test]
fn cashback_is_store_credit_taken_back_in_proportion() {
    let doc = rules(
        json!([{"id": "cash", "event": "order_paid", "effect": {"kind": "cashback", "bp": 300}}]),
    );
    let mut shop = Shop::new(&doc);
    // No points line: points 0.
    shop.run(&[(paid("e-1", "o-1", 12999), award(&[], 0, 0))]);
    // floor(12999*300/10000) = floor(389.97) = 389.
    assert_eq!(shop.view("m-1", now()).store_credit_minor, 389);
    shop.run(&[(refunded("e-2", "o-1", 5000), took(0, 0))]);
    // floor(389*5000/12999) = floor(149.63) = 149 back: 389 - 149 = 240.
    assert_eq!(shop.view("m-1", now()).store_credit_minor, 240);
    shop.run(&[(cancelled("e-3", "o-1"), took(0, 0))]);
    // The rest: 389 - 149 = 240 back: 0.
    assert_eq!(shop.view("m-1", now()).store_credit_minor, 0);
}

// ------------------------------------------------------- negative balance

#[test]
fn a_refund_of_spent_points_can_leave_the_balance_below_zero() {
    let doc = program(json!({
        "earn_rules": [base()],
        "rewards": [
            {"id": "five-off", "name": {"en": "$5 off"}, "cost_points": 500, "kind": "amount_off", "amount_minor": 500},
            {"id": "gift", "name": {"en": "Gift"}, "cost_points": 0, "kind": "free_shipping"},
        ],
    }));
    let (mut shop, _) = check(
        &doc,
        &[(
            paid("e-1", "o-1", 100000),
            award(&[("base", 1000)], 1000, 1000),
        )],
    );
    assert_eq!(
        shop.redeem("m-1", "five-off", "k-1")
            .unwrap()
            .redemption
            .balance,
        500
    ); // 1000 - 500
    // floor(1000*100000/100000) = 1000 back: 500 - 1000 = -500.
    shop.run(&[(refunded("e-2", "o-1", 100000), took(-1000, -500))]);
    assert_eq!(shop.view("m-1", now()).balance, -500);
    // No reward, not even a free one, until the balance is positive again.
    let refusal = shop.redeem("m-1", "gift", "k-2").unwrap_err();
    assert_eq!(
        (refusal.code(), refusal.status()),
        ("insufficient_points", 409)
    );
    assert!(matches!(
        shop.redeem("m-1", "five-off", "k-3"),
        Err(RedeemError::InsufficientPoints { .. })
    ));
    // floor(60000/100) = 600: -500 + 600 = 100.
    shop.run(&[(paid("e-3", "o-2", 60000), award(&[("base", 600)], 600, 100))]);
    assert_eq!(
        shop.redeem("m-1", "gift", "k-4")
            .unwrap()
            .redemption
            .balance,
        100
    ); // 100 - 0
}

#[test]
fn a_negative_balance_does_not_expire() {
    let doc = program(json!({
        "earn_rules": [base()],
        "rewards": [{"id": "five-off", "name": {"en": "$5 off"}, "cost_points": 500, "kind": "amount_off", "amount_minor": 500}],
        "expiry": {"inactivity_days": 30},
    }));
    let mut shop = Shop::new(&doc);
    let t0 = time("2026-09-01T10:00:00Z");
    let order = at(paid("e-1", "o-1", 100000), "2026-09-01T10:00:00Z");
    assert_eq!(shop.record_at(&order, t0).unwrap().balance, 1000); // floor(100000/100)
    shop.book.redeem(&id("m-1"), "five-off", "k-1", t0).unwrap(); // 1000 - 500 = 500
    let refund = at(refunded("e-2", "o-1", 100000), "2026-09-02T10:00:00Z");
    let answer = shop
        .record_at(&refund, time("2026-09-02T10:00:00Z"))
        .unwrap();
    assert_eq!((answer.points, answer.balance), (-1000, -500)); // 500 - 1000
    // 60 days without activity: only a positive balance expires; -500 stays, nothing expiring.
    let view = shop.view("m-1", time("2026-10-31T10:00:00Z"));
    assert_eq!((view.balance, view.expiring), (-500, None));
}

// --------------------------------------------------------------- referral

/// Signup 100, one point per 100, and the contract's referral scheme with a cap of 2;
/// `referral` patches the scheme (`null` removes a member), `extra` the program.
fn referral_program(referral: Value, extra: Value) -> String {
    let mut doc = program_doc(json!({
        "earn_rules": [base(), fixed("signup", "signup", 100)],
        "referral": {"referrer_points": 500, "referee_reward": {"kind": "amount_off", "amount_minor": 1000},
                     "min_order_minor": 2000, "max_rewarded_per_referrer": 2},
    }));
    merge(&mut doc["referral"], referral);
    merge(&mut doc, extra);
    doc.to_string()
}

fn signup(id: &str, member: &str, email_hash: &str) -> Value {
    by(
        with(
            event(id, "signup"),
            json!({"member": {"email_hash": email_hash}}),
        ),
        member,
    )
}

fn referred(event: Value, code: &str) -> Value {
    with(event, json!({ "referral_code": code }))
}

fn decision(status: &str, reason: Option<&str>) -> Option<ReferralDecision> {
    Some(ReferralDecision {
        status: status.to_owned(),
        reason: reason.map(str::to_owned),
    })
}

#[test]
fn referral_accepted_and_credited_on_the_first_qualifying_order_once() {
    let mut shop = Shop::new(&referral_program(json!({}), json!({})));
    shop.run(&[(
        signup("e-1", "a", "ha"),
        award(&[("signup", 100)], 100, 100),
    )]);
    let code = shop.referral_code("a");
    let answers = shop.run(&[
        // The signup counts (100) and the referee gets the referee_reward code.
        (
            referred(signup("e-2", "b", "hb"), &code),
            award(&[("signup", 100)], 100, 100),
        ),
    ]);
    assert_eq!(answers[0].referral, decision("accepted", None));
    assert_eq!(answers[0].codes.len(), 1);
    // 1500 < min_order_minor 2000: does not qualify. b: 100 + 15.
    shop.run(&[(
        by(paid("e-3", "o-1", 1500), "b"),
        award(&[("base", 15)], 15, 115),
    )]);
    assert_eq!(shop.view("a", now()).balance, 100);
    // 2000 >= 2000: the first that qualifies. a: 100 + 500 = 600. b: 115 + 20 = 135.
    shop.run(&[(
        by(paid("e-4", "o-2", 2000), "b"),
        award(&[("base", 20)], 20, 135),
    )]);
    assert_eq!(shop.view("a", now()).balance, 600);
    // Once per referee. b: 135 + 50 = 185.
    shop.run(&[(
        by(paid("e-5", "o-3", 5000), "b"),
        award(&[("base", 50)], 50, 185),
    )]);
    assert_eq!(shop.view("a", now()).balance, 600);
    // A refund of the qualifying order leaves the referrer's credit. floor(20*2000/2000) = 20.
    shop.run(&[(by(refunded("e-6", "o-2", 2000), "b"), took(-20, 165))]);
    assert_eq!(shop.view("a", now()).balance, 600);
    assert_eq!(shop.view("a", now()).referral.unwrap().referred, 1);
}

#[test]
fn referrals_refused_with_a_reason_while_the_signup_still_counts() {
    let mut shop = Shop::new(&referral_program(json!({}), json!({})));
    shop.run(&[
        (
            signup("e-1", "a", "ha"),
            award(&[("signup", 100)], 100, 100),
        ),
        (
            signup("e-2", "d", "hd"),
            award(&[("signup", 100)], 100, 100),
        ),
    ]);
    let a = shop.referral_code("a");
    let d = shop.referral_code("d");
    // The reasons are the code's names; the contract only asks that one is recorded.
    let cases = [
        // Self-referral by member_id: 100 + 100 = 200, no referral award.
        (referred(signup("e-3", "a", "ha"), &a), 200, "self_referral"),
        // Self-referral by email_hash: c sends a's hash.
        (referred(signup("e-4", "c", "ha"), &a), 100, "self_referral"),
    ];
    for (event, balance, reason) in cases {
        let answers = shop.run(&[(event, award(&[("signup", 100)], 100, balance))]);
        assert_eq!(answers[0].referral, decision("refused", Some(reason)));
        assert!(answers[0].codes.is_empty());
    }
    // A second referral for one referee.
    let answers = shop.run(&[
        (
            referred(signup("e-5", "b", "hb"), &a),
            award(&[("signup", 100)], 100, 100),
        ),
        (
            referred(signup("e-6", "b", "hb"), &d),
            award(&[("signup", 100)], 100, 200),
        ),
    ]);
    assert_eq!(answers[0].referral, decision("accepted", None));
    assert_eq!(
        answers[1].referral,
        decision("refused", Some("already_referred"))
    );
    // An unknown code (the contract is silent on it; the code refuses it).
    let answers = shop.run(&[(
        referred(signup("e-7", "e", "he"), "NOPE"),
        award(&[("signup", 100)], 100, 100),
    )]);
    assert_eq!(
        answers[0].referral,
        decision("refused", Some("unknown_code"))
    );
    // b's qualifying order credits a, not d. a: 200 + 500 = 700.
    shop.run(&[(
        by(paid("e-8", "o-1", 2000), "b"),
        award(&[("base", 20)], 20, 220),
    )]);
    assert_eq!(shop.view("a", now()).balance, 700);
    assert_eq!(shop.view("d", now()).balance, 100);
}

#[test]
fn referral_credit_stops_at_max_rewarded_per_referrer_checked_when_due() {
    let mut shop = Shop::new(&referral_program(
        json!({"max_rewarded_per_referrer": 1}),
        json!({}),
    ));
    shop.run(&[(
        signup("e-1", "a", "ha"),
        award(&[("signup", 100)], 100, 100),
    )]);
    let code = shop.referral_code("a");
    shop.run(&[
        (
            referred(signup("e-2", "b", "hb"), &code),
            award(&[("signup", 100)], 100, 100),
        ),
        // b qualifies: a is credited, 100 + 500 = 600, and has reached the cap of 1.
        (
            by(paid("e-3", "o-1", 2000), "b"),
            award(&[("base", 20)], 20, 120),
        ),
    ]);
    assert_eq!(shop.view("a", now()).balance, 600);
    // The cap is checked when the credit is due, not at the signup: c is accepted.
    let answers = shop.run(&[(
        referred(signup("e-4", "c", "hc"), &code),
        award(&[("signup", 100)], 100, 100),
    )]);
    assert_eq!(answers[0].referral, decision("accepted", None));
    assert_eq!(answers[0].codes.len(), 1); // c still gets the referee reward
    // c qualifies, but a is past the cap: no credit.
    shop.run(&[(
        by(paid("e-5", "o-1", 2000), "c"),
        award(&[("base", 20)], 20, 120),
    )]);
    let view = shop.view("a", now());
    assert_eq!(view.balance, 600);
    assert_eq!(view.referral.unwrap().referred, 1);
    assert_eq!(shop.book.counters.metrics().referral_conversions, 1);
}

#[test]
fn referral_credit_is_pending_like_order_points() {
    let mut shop = Shop::new(&referral_program(json!({}), json!({"pending_days": 14})));
    shop.run(&[(
        signup("e-1", "a", "ha"),
        award(&[("signup", 100)], 100, 100),
    )]);
    let code = shop.referral_code("a");
    shop.run(&[
        (
            referred(signup("e-2", "b", "hb"), &code),
            award(&[("signup", 100)], 100, 100),
        ),
        // 20 pending
        (
            by(paid("e-3", "o-1", 2000), "b"),
            award(&[("base", 20)], 20, 100),
        ),
    ]);
    let view = shop.view("a", now());
    assert_eq!((view.balance, view.pending), (100, 500));
    // Pending until AT + 14 days = 2026-12-07T10:00Z.
    let view = shop.view("a", time("2026-12-07T10:00:00Z"));
    assert_eq!((view.balance, view.pending), (600, 0));
}

#[test]
fn referrer_reward_gives_a_code_instead_of_points() {
    let doc = referral_program(json!({}), json!({})).replace(
        r#""referrer_points":500"#,
        r#""referrer_reward":{"kind":"free_shipping"}"#,
    );
    let mut shop = Shop::new(&doc);
    shop.run(&[(
        signup("e-1", "a", "ha"),
        award(&[("signup", 100)], 100, 100),
    )]);
    let code = shop.referral_code("a");
    shop.run(&[
        (
            referred(signup("e-2", "b", "hb"), &code),
            award(&[("signup", 100)], 100, 100),
        ),
        (
            by(paid("e-3", "o-1", 2000), "b"),
            award(&[("base", 20)], 20, 120),
        ),
    ]);
    let view = shop.view("a", now());
    assert_eq!(view.balance, 100); // no points
    assert_eq!(view.codes.len(), 1);
    assert_eq!(view.referral.unwrap().referred, 1);
}

// ------------------------------------------------------------- redemption

fn shop_program() -> String {
    program(json!({
        "earn_rules": [base()],
        "tiers": spend_tiers(lifetime()),
        "rewards": [
            {"id": "five-off", "name": {"en": "$5 off"}, "cost_points": 500, "kind": "amount_off", "amount_minor": 500},
            {"id": "ten-pct", "name": {"en": "10% off"}, "cost_points": 1000, "kind": "percent_off", "percent": 10, "min_tier": "silver"},
            {"id": "ship", "name": {"en": "Free shipping"}, "cost_points": 300, "kind": "free_shipping", "valid_days": 30},
        ],
    }))
}

#[test]
fn redemption_answers_its_fields_and_replays_by_key() {
    let (mut shop, _) = check(
        &shop_program(),
        // floor(90000/100) = 900; spend 90000: silver after.
        &[(paid("e-1", "o-1", 90000), award(&[("base", 900)], 900, 900))],
    );
    let first = shop.redeem("m-1", "five-off", "k-1").unwrap();
    let r = &first.redemption;
    assert!(!first.replayed);
    assert!(r.redemption_id.len() > 4 && r.code.len() >= 12);
    assert_eq!(
        (r.reward.as_str(), r.points_spent, r.balance, r.expires_at),
        ("five-off", 500, 400, None)
    ); // 900 - 500
    // The same key again: the same redemption, not charged twice.
    let again = shop.redeem("m-1", "five-off", "k-1").unwrap();
    assert!(again.replayed);
    assert_eq!(
        (
            &again.redemption.redemption_id,
            &again.redemption.code,
            again.redemption.balance
        ),
        (&r.redemption_id, &r.code, 400)
    );
    // The same key for another reward: 409.
    let conflict = shop.redeem("m-1", "ship", "k-1").unwrap_err();
    assert_eq!(
        (conflict, shop.view("m-1", now()).balance),
        (RedeemError::KeyConflict, 400)
    );
    assert_eq!(RedeemError::KeyConflict.status(), 409);
    // valid_days 30 from NOW: 2026-12-23T12:00Z. 400 - 300 = 100.
    let ship = shop.redeem("m-1", "ship", "k-2").unwrap().redemption;
    assert_eq!(
        (ship.expires_at, ship.balance),
        (Some(time("2026-12-23T12:00:00Z")), 100)
    );
    assert_ne!(ship.code, r.code);
}

#[test]
fn redemption_refusals_tier_required_wins_over_insufficient_points() {
    let (mut shop, _) = check(
        &shop_program(),
        &[
            (paid("e-1", "o-1", 90000), award(&[("base", 900)], 900, 900)), // silver, 900
            // bronze, 100
            (
                by(paid("e-2", "o-1", 10000), "m-2"),
                award(&[("base", 100)], 100, 100),
            ),
        ],
    );
    // Silver but 900 < 1000.
    let error = shop.redeem("m-1", "ten-pct", "k-1").unwrap_err();
    assert_eq!(
        error,
        RedeemError::InsufficientPoints {
            needed: 1000,
            available: 900
        }
    );
    assert_eq!((error.code(), error.status()), ("insufficient_points", 409));
    // Bronze and 100 < 1000: both hold, tier_required wins.
    let error = shop.redeem("m-2", "ten-pct", "k-2").unwrap_err();
    assert_eq!((error.code(), error.status()), ("tier_required", 409));
    // Nothing was spent.
    assert_eq!(shop.view("m-1", now()).balance, 900);
    // `affordable` when both allow it: m-1 (silver, 900): five-off and ship yes, ten-pct no (points).
    let affordable = |shop: &Shop, member: &str| -> BTreeMap<String, bool> {
        shop.view(member, now())
            .rewards
            .into_iter()
            .map(|r| (r.id.to_string(), r.affordable.unwrap()))
            .collect()
    };
    let want = |five: bool, ten: bool, ship: bool| {
        BTreeMap::from([
            ("five-off".to_owned(), five),
            ("ten-pct".to_owned(), ten),
            ("ship".to_owned(), ship),
        ])
    };
    assert_eq!(affordable(&shop, "m-1"), want(true, false, true));
    // m-2 (bronze, 100): nothing.
    assert_eq!(affordable(&shop, "m-2"), want(false, false, false));
}

#[test]
fn a_code_is_used_once_and_a_cancelled_code_returns_its_points() {
    let (mut shop, _) = check(
        &shop_program(),
        &[(paid("e-1", "o-1", 90000), award(&[("base", 900)], 900, 900))],
    );
    let five = shop
        .redeem("m-1", "five-off", "k-1")
        .unwrap()
        .redemption
        .code; // 400 left
    let ship = shop.redeem("m-1", "ship", "k-2").unwrap().redemption.code; // 100 left
    let Book {
        program, states, ..
    } = &mut shop.book;
    let state = states.get_mut(&id("m-1")).unwrap();
    use_code(state, &five, now()).unwrap();
    let second = use_code(state, &five, now()).unwrap_err();
    assert_eq!(
        (second.clone(), second.status()),
        (CodeError::AlreadyUsed, 409)
    );
    // A used code cannot be cancelled.
    assert_eq!(
        cancel_code(program, state, &five, now()).unwrap_err(),
        CodeError::AlreadyUsed
    );
    // Cancelling the unused ship code returns its 300 points: 100 + 300 = 400.
    cancel_code(program, state, &ship, now()).unwrap();
    assert_eq!(shop.view("m-1", now()).balance, 400);
    let codes: Vec<_> = shop
        .view("m-1", now())
        .codes
        .into_iter()
        .map(|c| c.code)
        .collect();
    assert!(
        codes.is_empty(),
        "used and cancelled codes are not listed: {codes:?}"
    );
}

// ------------------------------------------------------------ idempotency

#[test]
fn the_same_event_id_answers_the_first_result_or_conflicts() {
    let (shop, _) = check(
        &rules(json!([base(), fixed("review", "review_posted", 50)])),
        &[
            (paid("e-1", "o-1", 12999), award(&[("base", 129)], 129, 129)), // floor(12999/100)
            (review("e-2"), award(&[("review", 50)], 50, 179)),             // 129 + 50
            // Same id, same body: the first result (balance then: 129), duplicate, nothing changes.
            (
                paid("e-1", "o-1", 12999),
                repeat(&[("base", 129)], 129, 129),
            ),
            // Same id, another body: 409, nothing changes.
            (paid("e-1", "o-1", 13000), refused("event_id_conflict", 409)),
            (
                by(paid("e-1", "o-1", 12999), "m-2"),
                refused("event_id_conflict", 409),
            ),
            (
                at(review("e-2"), "2026-11-23T10:00:01Z"),
                refused("event_id_conflict", 409),
            ),
        ],
    );
    assert_eq!(shop.view("m-1", now()).balance, 179);
    assert!(!shop.view("m-2", now()).known);
}

#[test]
fn adjustments_are_idempotent_by_id() {
    let mut shop = Shop::new(&rules(json!([base()])));
    let (m1, a1) = (id("m-1"), id("a-1"));
    assert_eq!(
        shop.book
            .adjust(&m1, &a1, 100, "goodwill", now())
            .unwrap()
            .balance,
        100
    );
    let again = shop.book.adjust(&m1, &a1, 100, "goodwill", now()).unwrap();
    assert_eq!((again.duplicate, again.balance), (true, 100));
    let conflict = shop
        .book
        .adjust(&m1, &a1, 90, "goodwill", now())
        .unwrap_err();
    assert_eq!(conflict.status(), 409);
    assert_eq!(
        shop.book
            .adjust(&m1, &id("a-2"), -30, "fix", now())
            .unwrap()
            .balance,
        70
    ); // 100 - 30
}

// ---------------------------------------------------------------- pooling

#[test]
fn pooled_members_earn_into_one_account() {
    let doc = program(json!({
        "earn_rules": [
            base(),
            only_if(fixed("first", "order_paid", 50), "order.first", "eq", json!(true)),
            limited(fixed("review", "review_posted", 50), 1, "day"),
        ],
        "rewards": [{"id": "ship", "name": {"en": "Ship"}, "cost_points": 300, "kind": "free_shipping"}],
        "badges": [{"id": "critic", "name": {"en": "Critic"}, "event": "review_posted", "count": 2, "bonus_points": 100}],
        "accounts": {"pooling": true},
    }));
    let (mut shop, _) = check(
        &doc,
        &[
            // floor(10000/100) = 100 + first 50 = 150.
            (
                account(paid("e-1", "o-1", 10000), "acc-1"),
                award(&[("base", 100), ("first", 50)], 150, 150),
            ),
            // order.first is the account's: not first. 150 + 100 = 250 in the account.
            (
                by(account(paid("e-2", "o-2", 10000), "acc-1"), "m-2"),
                award(&[("base", 100)], 100, 250),
            ),
            (review("e-3"), award(&[("review", 50)], 50, 300)),
            // The limit (1 a day) and the badge (2 reviews) are the account's.
            (
                by(review("e-4"), "m-2"),
                award(&[("badge:critic", 100)], 100, 400),
            ),
            // An account_id never changes.
            (
                account(paid("e-5", "o-3", 1000), "acc-2"),
                refused("account_id_immutable", 422),
            ),
        ],
    );
    assert_eq!(shop.view("m-1", now()).balance, 400);
    assert_eq!(shop.view("m-2", now()).balance, 400);
    // m-2 redeems from the account: 400 - 300 = 100, seen by m-1.
    assert_eq!(
        shop.redeem("m-2", "ship", "k-1")
            .unwrap()
            .redemption
            .balance,
        100
    );
    assert_eq!(shop.view("m-1", now()).balance, 100);
    // The referral code stays the member's.
    assert_ne!(shop.referral_code("m-1"), shop.referral_code("m-2"));
    // An idempotency key is the member's own: m-1's "k-1" is not m-2's.
    // 100 left, the reward costs 300: m-1's own attempt is refused for want
    // of points (not answered as m-2's replay, not as a key conflict).
    let refusal = shop.redeem("m-1", "ship", "k-1").unwrap_err();
    assert_eq!(refusal.code(), "insufficient_points");
    // m-2's own key still replays m-2's redemption.
    assert!(shop.redeem("m-2", "ship", "k-1").unwrap().replayed);
}

#[test]
fn without_pooling_an_account_id_shares_nothing() {
    let doc = program(json!({
        "earn_rules": [base(), only_if(fixed("first", "order_paid", 50), "order.first", "eq", json!(true))],
    }));
    check(
        &doc,
        &[
            (
                account(paid("e-1", "o-1", 10000), "acc-1"),
                award(&[("base", 100), ("first", 50)], 150, 150),
            ),
            (
                by(account(paid("e-2", "o-2", 10000), "acc-1"), "m-2"),
                award(&[("base", 100), ("first", 50)], 150, 150),
            ),
        ],
    );
}

// -------------------------------------------------------------- analytics

#[test]
fn analytics_counters() {
    let doc = program(json!({
        "earn_rules": [base(), fixed("signup", "signup", 100)],
        "tiers": {"metric": "spend", "levels": [level("bronze", 0, 10000), level("silver", 50000, 12500)]},
        "rewards": [{"id": "five-off", "name": {"en": "$5 off"}, "cost_points": 500, "kind": "amount_off", "amount_minor": 500}],
    }));
    let survey = |id: &str, member: &str, score: i64| {
        by(
            with(event(id, "survey_completed"), json!({"nps_score": score})),
            member,
        )
    };
    let (mut shop, _) = check(
        &doc,
        &[
            (event("e-1", "signup"), award(&[("signup", 100)], 100, 100)),
            (paid("e-2", "o-1", 60000), award(&[("base", 600)], 600, 700)), // bronze before
            // Silver: floor(100*12500/10000) = 125, +25. 700 + 125 = 825.
            (
                paid("e-3", "o-2", 10000),
                award(&[("base", 100), ("tier:silver", 25)], 125, 825),
            ),
            (
                by(event("e-4", "signup"), "m-2"),
                award(&[("signup", 100)], 100, 100),
            ),
            (
                by(paid("e-5", "o-3", 32500), "m-3"),
                award(&[("base", 325)], 325, 325),
            ),
            (survey("e-6", "m-1", 10), award(&[], 0, 825)),
            (survey("e-7", "m-2", 9), award(&[], 0, 100)),
            (survey("e-8", "m-3", 7), award(&[], 0, 325)),
            (survey("e-9", "m-4", 3), award(&[], 0, 0)),
        ],
    );
    shop.redeem("m-1", "five-off", "k-1").unwrap(); // 825 - 500 = 325
    let report = shop.book.counters.report();
    assert_eq!(report.metrics.members, 4); // m-1 .. m-4
    // Earned beyond signup or redeemed: m-1 and m-3, of 4: 2/4 = 5000 bp.
    assert_eq!(report.metrics.participation_rate, 5000);
    // Issued (100 + 600 + 125) + 100 + 325 = 1250; redeemed 500: 500/1250 = 0.4 = 4000 bp.
    assert_eq!(
        (report.metrics.points_issued, report.metrics.points_redeemed),
        (1250, 500)
    );
    assert_eq!(report.metrics.redemption_rate, 4000);
    // Two or more orders: m-1; one or more: m-1, m-3. 1/2 = 5000 bp.
    assert_eq!(report.metrics.repeat_customer_rate, 5000);
    // Outstanding: 325 + 100 + 325 + 0 = 750.
    assert_eq!(report.metrics.points_outstanding, 750);
    // m-1 silver (70000); m-2, m-3 (32500), m-4 bronze.
    assert_eq!(
        report.metrics.tier_counts,
        BTreeMap::from([("bronze".to_owned(), 3), ("silver".to_owned(), 1)])
    );
    // 10 and 9 promote (2 of 4 = 50%), 3 detracts (1 of 4 = 25%), 7 neither: 50 - 25 = 25.
    assert_eq!(report.metrics.nps, Some(25));
    // Net spend per member who ordered: (70000 + 32500) / 2 = 51250.
    assert_eq!(report.metrics.clv_minor, 51250);
    // floor(325*5000/32500) = 50 back; m-3 spend 32500 - 5000 = 27500: (70000 + 27500) / 2 = 48750.
    // Everything was recorded at NOW, on 23 November (UTC): one day of the
    // daily series. Spend 102500, 4 members.
    assert_eq!(
        serde_json::to_value(&report.daily).unwrap(),
        json!([{"date": "2026-11-23", "points_issued": 1250, "points_redeemed": 500,
                "net_spend": 102500, "members": 4}])
    );
    shop.run(&[(by(refunded("e-10", "o-3", 5000), "m-3"), took(-50, 275))]);
    assert_eq!(shop.book.counters.metrics().clv_minor, 48750);
    // The refund lowers the day's spend: 102500 - 5000 = 97500.
    assert_eq!(shop.book.counters.report().daily[0].totals.net_spend, 97500);
}

// ---------------------------------------------------------------- privacy

/// Everything the book holds, as text, and how often `needle` occurs in it.
/// A claim's fingerprint is left out: the book keeps the canonical body,
/// where the edge keeps only its SHA-256.
fn book_mentions(shop: &Shop, needle: &str) -> usize {
    let book = &shop.book;
    let answered: Vec<_> = book.events.iter().map(|(id, (_, a))| (id, a)).collect();
    let text = format!(
        "{}{}{:?}{:?}{:?}{}",
        serde_json::to_string(&book.states).unwrap(),
        serde_json::to_string(&book.ledgers).unwrap(),
        answered,
        book.accounts,
        book.referral_codes,
        serde_json::to_string(&book.counters).unwrap(),
    );
    text.matches(needle).count()
}

#[test]
fn an_erased_member_leaves_no_trace_and_no_one_loses_a_count() {
    let mut shop = Shop::new(&referral_program(
        json!({"referee_reward": {"kind": "amount_off", "amount_minor": 1000}}),
        json!({"rewards": [{"id": "ship", "name": {"en": "Ship"}, "cost_points": 100, "kind": "free_shipping"}]}),
    ));
    shop.run(&[(
        signup("e-1", "ref-a", "hash-ref-a"),
        award(&[("signup", 100)], 100, 100),
    )]);
    let code_a = shop.referral_code("ref-a");
    // erin-7 signs up with ref-a's code, orders (ref-a is credited 500),
    // redeems and is adjusted; then refers ref-c.
    shop.run(&[
        (
            referred(signup("e-2", "erin-7", "hash-erin-7"), &code_a),
            award(&[("signup", 100)], 100, 100),
        ),
        (
            by(paid("e-3", "o-erin", 5000), "erin-7"),
            award(&[("base", 50)], 50, 150),
        ),
    ]);
    let code_erin = shop.referral_code("erin-7");
    shop.redeem("erin-7", "ship", "key-erin").unwrap();
    shop.book
        .adjust(&id("erin-7"), &id("adj-1"), 10, "goodwill", now())
        .unwrap();
    shop.run(&[
        (
            referred(signup("e-4", "ref-c", "hash-ref-c"), &code_erin),
            award(&[("signup", 100)], 100, 100),
        ),
        (
            by(paid("e-5", "o-c", 3000), "ref-c"),
            award(&[("base", 30)], 30, 130),
        ),
    ]);
    // erin-7 now: 150 - 100 + 10 + 500 (ref-c's order) = 560.
    assert_eq!(shop.view("erin-7", now()).balance, 560);
    assert_eq!(shop.view("ref-a", now()).referral.unwrap().referred, 1);
    let counters = shop.book.counters.clone();
    for needle in ["erin-7", &code_erin] {
        assert!(book_mentions(&shop, needle) > 0, "{needle} is there before");
    }

    let erasure = shop.book.erase(&id("erin-7"), now()).expect("erased");
    assert!(erasure.emptied);
    assert_eq!(erasure.referral_code, code_erin);
    assert_eq!(erasure.referred_by, Some(id("ref-a")));
    assert_eq!(erasure.referees, vec![id("ref-c")]);
    // Two codes went with the member: the referee gift and the redemption's.
    assert_eq!(erasure.codes.len(), 2);
    for needle in [
        "erin-7",
        "hash-erin-7",
        &code_erin,
        &erasure.codes[0],
        &erasure.codes[1],
    ] {
        assert_eq!(book_mentions(&shop, needle), 0, "{needle} remains");
    }
    // The others' counts stay: ref-a referred one member, ref-c keeps 130.
    assert_eq!(shop.view("ref-a", now()).referral.unwrap().referred, 1);
    assert_eq!(shop.view("ref-a", now()).balance, 600);
    assert_eq!(shop.view("ref-c", now()).balance, 130);
    // Analytics: one member fewer, 560 fewer outstanding; issued (100 + 50
    // + 10 + 500 = 660 of erin-7's) and redeemed (100) stay as totals.
    let after = &shop.book.counters;
    assert_eq!(after.members, counters.members - 1);
    assert_eq!(after.points_outstanding, counters.points_outstanding - 560);
    assert_eq!(after.points_issued, counters.points_issued);
    assert_eq!(after.points_redeemed, counters.points_redeemed);
    assert_eq!(after.referral_conversions, counters.referral_conversions);
    // Sent again, an old event of the erased member is a duplicate that
    // brings no one back; another body under its id is still a conflict.
    let answers = shop.run(&[(by(paid("e-3", "o-erin", 5000), "erin-7"), repeat(&[], 0, 0))]);
    assert!(answers[0].duplicate && answers[0].member_erased);
    assert_eq!(book_mentions(&shop, "erin-7"), 0);
    shop.run(&[(
        by(paid("e-3", "o-erin", 5001), "erin-7"),
        refused("event_id_conflict", 409),
    )]);
    // The referral code stops working.
    let answers = shop.run(&[(
        referred(signup("e-6", "dan", "hash-dan"), &code_erin),
        award(&[("signup", 100)], 100, 100),
    )]);
    assert_eq!(
        answers[0].referral,
        decision("refused", Some("unknown_code"))
    );
}

#[test]
fn in_a_pooled_account_erasing_one_keeps_the_account_and_a_member_sees_only_their_own() {
    let doc = program(json!({
        "earn_rules": [base()],
        "rewards": [{"id": "ship", "name": {"en": "Ship"}, "cost_points": 50, "kind": "free_shipping"}],
        "accounts": {"pooling": true},
    }));
    let mut shop = Shop::new(&doc);
    shop.run(&[
        (
            by(account(paid("e-1", "o-1", 10000), "acc-9"), "col-a"),
            award(&[("base", 100)], 100, 100),
        ),
        (
            by(account(paid("e-2", "o-colb", 20000), "acc-9"), "col-b"),
            award(&[("base", 200)], 200, 300),
        ),
    ]);
    shop.redeem("col-b", "ship", "key-colb").unwrap();
    shop.book
        .adjust(&id("col-b"), &id("adj-colb"), 5, "sorry", now())
        .unwrap();
    // 300 - 50 + 5 = 255, shared.
    let state = shop.book.state_of(&id("col-a")).unwrap().clone();
    let own = loyalty_rules::privacy::own_records(&state, &id("col-a"));
    let text = serde_json::to_string(&own).unwrap();
    for needle in [
        "col-b",
        "key-colb",
        "adj-colb",
        "o-colb",
        &shop.referral_code("col-b"),
    ] {
        assert!(!text.contains(needle), "{needle} in col-a's own records");
    }
    // The shared balance and the account's spend (tier) are in it.
    let balances = own.balances(&shop.book.program, now());
    assert_eq!(balances.available, 255);
    assert_eq!(own.net_spend(), state.net_spend());

    let code_b = shop.referral_code("col-b");
    let erasure = shop.book.erase(&id("col-b"), now()).expect("erased");
    assert!(!erasure.emptied);
    assert_eq!(erasure.codes.len(), 1);
    for needle in ["col-b", "key-colb", &code_b] {
        assert_eq!(book_mentions(&shop, needle), 0, "{needle} remains");
    }
    // The account keeps its balance and its spend.
    assert_eq!(shop.view("col-a", now()).balance, 255);
    assert_eq!(
        shop.book.state_of(&id("col-a")).unwrap().net_spend(),
        state.net_spend()
    );
    assert_eq!(shop.book.counters.members, 1);
}

#[test]
fn an_erased_colleague_s_referrals_stay_counted() {
    let doc = referral_program(json!({}), json!({"accounts": {"pooling": true}}));
    let mut shop = Shop::new(&doc);
    shop.run(&[
        (
            account(signup("e-1", "col-a", "ha"), "acc-1"),
            award(&[("signup", 100)], 100, 100),
        ),
        (
            account(signup("e-2", "col-b", "hb"), "acc-1"),
            award(&[("signup", 100)], 100, 200),
        ),
    ]);
    let code = shop.referral_code("col-b");
    shop.run(&[
        (
            referred(signup("e-3", "fr", "hf"), &code),
            award(&[("signup", 100)], 100, 100),
        ),
        (
            by(paid("e-4", "o-1", 2000), "fr"),
            award(&[("base", 20)], 20, 120),
        ),
    ]);
    // col-b's referral: 200 + 500 in the account.
    assert_eq!(shop.view("col-a", now()).balance, 700);
    assert_eq!(shop.book.counters.referral_conversions, 1);
    shop.book.erase(&id("col-b"), now()).expect("erased");
    assert_eq!(shop.book.counters.referral_conversions, 1);
    assert_eq!(shop.view("col-a", now()).balance, 700);
    assert_eq!(book_mentions(&shop, "col-b"), 0);
}

#[test]
fn a_member_out_of_the_program_earns_nothing_until_they_rejoin() {
    use loyalty_rules::privacy::Consent;
    let doc = program(json!({
        "earn_rules": [base()],
        "rewards": [{"id": "ship", "name": {"en": "Ship"}, "cost_points": 50, "kind": "free_shipping"}],
    }));
    let mut shop = Shop::new(&doc);
    shop.run(&[(paid("e-1", "o-1", 10000), award(&[("base", 100)], 100, 100))]);
    assert!(shop.book.set_enrollment(&id("m-1"), Consent::Left, now()));
    assert!(
        !shop.book.set_enrollment(&id("m-1"), Consent::Left, now()),
        "already out"
    );
    assert_eq!(shop.view("m-1", now()).enrollment, "left");
    let answers = shop.run(&[
        // Out: nothing given, nothing changed, and why.
        (paid("e-2", "o-2", 5000), award(&[], 0, 100)),
        // A refund of an order paid while enrolled still takes back:
        // floor(100 * 5000 / 10000) = 50.
        (refunded("e-3", "o-1", 5000), took(-50, 50)),
        // One of an order paid while out has nothing to take.
        (refunded("e-4", "o-2", 5000), award(&[], 0, 50)),
        // A bad event is still refused.
        (
            with(
                paid("e-5", "o-5", 100),
                json!({"order": {"currency": "EUR"}}),
            ),
            refused("currency_mismatch", 422),
        ),
    ]);
    assert_eq!(answers[0].not_enrolled.as_deref(), Some("left"));
    assert_eq!(answers[1].not_enrolled, None);
    assert_eq!(answers[2].not_enrolled.as_deref(), Some("left"));
    assert_eq!(
        shop.redeem("m-1", "ship", "k").unwrap_err().code(),
        "not_enrolled"
    );
    // The merchant records an opt-out from the shop's consent tool.
    assert!(
        shop.book
            .set_enrollment(&id("m-1"), Consent::OptedOut, now())
    );
    let answers = shop.run(&[(paid("e-6", "o-6", 5000), award(&[], 0, 50))]);
    assert_eq!(answers[0].not_enrolled.as_deref(), Some("opted_out"));
    // Rejoining is an explicit act; from then on they earn again: 50 + 10.
    assert!(
        shop.book
            .set_enrollment(&id("m-1"), Consent::Enrolled, now())
    );
    shop.run(&[(paid("e-7", "o-7", 1000), award(&[("base", 10)], 10, 60))]);
    assert_eq!(shop.view("m-1", now()).enrollment, "enrolled");
    assert!(shop.redeem("m-1", "ship", "k").is_ok());
    // An opt-out recorded before the shopper ever earned holds from the start.
    assert!(
        shop.book
            .set_enrollment(&id("m-2"), Consent::OptedOut, now())
    );
    let answers = shop.run(&[(by(paid("e-8", "o-8", 5000), "m-2"), award(&[], 0, 0))]);
    assert_eq!(answers[0].not_enrolled.as_deref(), Some("opted_out"));
}

mod local_time;

mod currencies;

mod challenges;

mod reasons;

mod grace;

mod reward_kinds;

mod guests;

mod notices;

mod schedule;
