//! Reasons for every "no": each rule of the event's kind that gave nothing
//! says why, with a stable code and the figures a shopper can act on.

use super::*;

fn reasons(answer: &Answer) -> Value {
    serde_json::to_value(&answer.not_given).unwrap()
}

#[test]
fn each_rule_that_gave_nothing_says_why() {
    let doc = program(json!({
        "earn_rules": [
            base(),
            only_if(fixed("big-basket", "order_paid", 200), "order.subtotal_minor", "gte", json!(15000)),
            only_if(fixed("gold-only", "order_paid", 50), "member.tier", "gte", json!("gold")),
            only_if(fixed("no-staff", "order_paid", 5), "member.tags", "not_in", json!(["staff", "vip"])),
            only_if(fixed("pos", "order_paid", 7), "order.channel", "eq", json!("pos")),
            with(fixed("december", "order_paid", 9),
                 json!({"active": {"from": "2026-12-01T00:00:00Z", "until": "2027-01-01T00:00:00Z"}})),
            limited(fixed("daily", "order_paid", 3), 1, "day"),
            on_lines(per_amount("shoes", 1, 100), "line.category", "eq", json!("shoes")),
            fixed("review", "review_posted", 50)
        ],
        "tiers": spend_tiers(lifetime())
    }));
    let first = tags(
        lines(
            paid("e-1", "o-1", 13800),
            json!([line("sock", Some("socks"), 1, 13800)]),
        ),
        &["vip"],
    );
    let (_, answers) = check(
        &doc,
        &[
            // base floor(13800 / 100) = 138; daily 3: 141.
            (first, award(&[("base", 138), ("daily", 3)], 141, 141)),
            // 99 cents: base floor(99 / 100) = 0, one cent short of a point.
            (paid("e-2", "o-2", 99), award(&[], 0, 141)),
        ],
    );
    assert_eq!(
        reasons(&answers[0]),
        json!([
            // 15000 - 13800 = 1200 short of 200 points.
            {"rule": "big-basket", "code": "below_min_subtotal", "points": 200, "missing_minor": 1200},
            {"rule": "gold-only", "code": "tier_required", "points": 50, "tier": "gold"},
            {"rule": "no-staff", "code": "excluded_tag", "points": 5, "tag": "vip"},
            {"rule": "pos", "code": "condition_not_met", "points": 7, "field": "order.channel"},
            {"rule": "december", "code": "outside_window", "points": 9,
             "from": "2026-12-01T00:00:00Z", "until": "2027-01-01T00:00:00Z"},
            {"rule": "shoes", "code": "no_eligible_lines"}
        ])
    );
    let second = reasons(&answers[1]);
    // The day's limit resets at the next midnight (UTC here); 100 - 99 = 1
    // cent more makes a point.
    assert!(second.as_array().unwrap().contains(&json!(
        {"rule": "daily", "code": "limit_reached", "points": 3, "resets_at": "2026-11-24T00:00:00Z"}
    )), "{second}");
    assert!(
        second.as_array().unwrap().contains(&json!(
            {"rule": "base", "code": "below_per_amount", "points": 1, "missing_minor": 1}
        )),
        "{second}"
    );
    // Reasons name only rules of the event's kind: never the review rule.
    assert!(!second.to_string().contains("\"review\""));
}

#[test]
fn a_lifetime_limit_never_resets_and_a_fired_rule_has_no_reason() {
    let doc = rules(json!([limited(
        fixed("welcome", "signup", 100),
        1,
        "lifetime"
    )]));
    let (_, answers) = check(
        &doc,
        &[
            (event("e-1", "signup"), award(&[("welcome", 100)], 100, 100)),
            (event("e-2", "signup"), award(&[], 0, 100)),
        ],
    );
    assert!(answers[0].not_given.is_empty());
    assert_eq!(
        reasons(&answers[1]),
        json!([{"rule": "welcome", "code": "limit_reached", "points": 100}])
    );
}
