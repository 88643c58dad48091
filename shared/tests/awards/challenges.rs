//! Challenges: a goal per period, the reward given once when it is reached,
//! taken back when a refund before the period ends takes the member below
//! it (kept when the refund comes after), and reached again after that.
//! Events at `NOW` (2026-11-23) or before; the program keeps UTC.

use super::*;

fn challenge_program(challenge: Value) -> String {
    program(json!({
        "earn_rules": [base()],
        "badges": [{"id": "winter", "name": {"en": "Winter"}},
                   {"id": "critic", "name": {"en": "Critic"}, "event": "review_posted", "count": 3}],
        "challenges": [challenge]
    }))
}

fn order_on(id: &str, order: &str, subtotal: i64, day: &str) -> Value {
    at(paid(id, order, subtotal), &format!("{day}T10:00:00Z"))
}

fn on(event: Value, day: &str) -> Value {
    at(event, &format!("{day}T10:00:00Z"))
}

#[test]
fn three_orders_in_october_give_500_points_and_the_winter_badge_once() {
    let doc = challenge_program(json!({
        "id": "october", "name": {"en": "Three in October"}, "event": "order_paid",
        "goal": {"count": 3}, "active": {"from": "2026-10-01", "until": "2026-11-01"},
        "reward": {"points": 500, "badge": "winter"}
    }));
    let (shop, answers) = check(
        &doc,
        &[
            (
                order_on("e-1", "o-1", 1000, "2026-10-02"),
                award(&[("base", 10)], 10, 10),
            ),
            (
                order_on("e-2", "o-2", 1000, "2026-10-05"),
                award(&[("base", 10)], 10, 20),
            ),
            // The third: 10 + 500; the badge comes with it. 530.
            (
                order_on("e-3", "o-3", 1000, "2026-10-10"),
                award(&[("base", 10), ("challenge:october", 500)], 510, 530),
            ),
            // A fourth gives no second reward. 540.
            (
                order_on("e-4", "o-4", 1000, "2026-10-12"),
                award(&[("base", 10)], 10, 540),
            ),
            // o-4 cancelled: three orders still stand; its 10 back. 530.
            (on(cancelled("e-5", "o-4"), "2026-10-13"), took(-10, 530)),
            // o-3 cancelled before the month ends: two orders, below the
            // goal; its 10 and the 500 back, the badge gone. 20.
            (
                on(cancelled("e-6", "o-3"), "2026-10-20"),
                award(&[("challenge:october", -500)], -510, 20),
            ),
            // A new third order in October reaches it again. 20 + 510 = 530.
            (
                order_on("e-7", "o-5", 1000, "2026-10-25"),
                award(&[("base", 10), ("challenge:october", 500)], 510, 530),
            ),
            // o-5 cancelled in November, after the period: only its 10. 520.
            (on(cancelled("e-8", "o-5"), "2026-11-05"), took(-10, 520)),
            // November is outside the window. 530.
            (
                order_on("e-9", "o-6", 1000, "2026-11-06"),
                award(&[("base", 10)], 10, 530),
            ),
        ],
    );
    assert_eq!(answers[2].badges, vec![id("winter")]);
    // The take-back says which reward went.
    let lines: Vec<_> = answers[5]
        .lines
        .iter()
        .map(|l| (l.rule.to_string(), l.points))
        .collect();
    assert_eq!(lines, [("challenge:october".to_owned(), -500)]);
    // Reached again and kept: the badge is held.
    let view = shop.view("m-1", now());
    assert!(view.badges.iter().any(|b| b.id == id("winter")));
}

#[test]
fn two_reviews_a_month_repeat_each_month() {
    let doc = challenge_program(json!({
        "id": "reviewer", "name": {"en": "Two reviews a month"}, "event": "review_posted",
        "goal": {"count": 2}, "per": "month", "reward": {"points": 100}
    }));
    check(
        &doc,
        &[
            (on(review("e-1"), "2026-11-02"), award(&[], 0, 0)),
            (
                on(review("e-2"), "2026-11-03"),
                award(&[("challenge:reviewer", 100)], 100, 100),
            ),
            (on(review("e-3"), "2026-11-04"), award(&[], 0, 100)),
            // October is a period of its own, even sent late.
            (on(review("e-4"), "2026-10-30"), award(&[], 0, 100)),
            (
                on(review("e-5"), "2026-10-31"),
                award(&[("challenge:reviewer", 100)], 100, 200),
            ),
        ],
    );
}

#[test]
fn spend_on_shoes_in_a_quarter_counts_the_shoe_lines_net_of_refunds() {
    let doc = challenge_program(json!({
        "id": "shoes-q", "name": {"en": "200.00 of shoes a quarter"}, "event": "order_paid",
        "goal": {"spend_minor": 20000}, "per": "quarter",
        "lines": [{"field": "line.category", "op": "eq", "value": "shoes"}],
        "reward": {"points": 300}
    }));
    let shoes = |event: Value, shoes: i64, other: i64| {
        let mut list = vec![line("boot", Some("shoes"), 1, shoes)];
        if other > 0 {
            list.push(line("sock", None, 1, other));
        }
        lines(event, json!(list))
    };
    check(
        &doc,
        &[
            // 120.00 of shoes in a 150.00 order: base 150. Shoes 12000.
            (
                shoes(order_on("e-1", "o-1", 15000, "2026-10-02"), 12000, 3000),
                award(&[("base", 150)], 150, 150),
            ),
            // 90.00 more: 21000 >= 20000. 90 + 300; 540.
            (
                shoes(order_on("e-2", "o-2", 9000, "2026-10-10"), 9000, 0),
                award(&[("base", 90), ("challenge:shoes-q", 300)], 390, 540),
            ),
            // Half of o-2 refunded: floor(90 * 4500 / 9000) = 45 back; its
            // shoes count floor(9000 * 4500 / 9000) = 4500: 16500 < 20000,
            // so the 300 go too. 540 - 345 = 195.
            (
                on(refunded("e-3", "o-2", 4500), "2026-10-15"),
                award(&[("challenge:shoes-q", -300)], -345, 195),
            ),
            // 40.00 of shoes: 20500. 40 + 300; 535.
            (
                shoes(order_on("e-4", "o-3", 4000, "2026-10-20"), 4000, 0),
                award(&[("base", 40), ("challenge:shoes-q", 300)], 340, 535),
            ),
            // The third quarter is its own: 250.00 of shoes on 30 September.
            // 250 + 300; 535 + 550 = 1085.
            (
                shoes(order_on("e-5", "o-4", 25000, "2026-09-30"), 25000, 0),
                award(&[("base", 250), ("challenge:shoes-q", 300)], 550, 1085),
            ),
        ],
    );
}

#[test]
fn the_member_view_shows_each_running_challenge_and_badge_progress() {
    let doc = program(json!({
        "badges": [{"id": "critic", "name": {"en": "Critic"}, "event": "review_posted", "count": 3}],
        "challenges": [
            {"id": "reviewer", "name": {"en": "Two reviews a month"}, "event": "review_posted",
             "goal": {"count": 2}, "per": "month", "reward": {"points": 100, "badge": "critic"}},
            {"id": "past", "name": {"en": "Over"}, "event": "review_posted", "goal": {"count": 1},
             "active": {"until": "2026-11-01"}, "reward": {"points": 1}}
        ]
    }));
    let (shop, _) = check(&doc, &[(on(review("e-1"), "2026-11-02"), award(&[], 0, 0))]);
    let view = serde_json::to_value(shop.view("m-1", now())).unwrap();
    // November (NOW is the 23rd): 1 of 2, 5000 bp; "past" ended in October.
    assert_eq!(
        view["challenges"],
        json!([{"id": "reviewer", "name": "Two reviews a month", "goal": "count",
                "event": "review_posted", "target": 2, "progress": 1, "progress_bp": 5000,
                "starts_at": "2026-11-01T00:00:00Z", "ends_at": "2026-12-01T00:00:00Z",
                "reached": false, "points": 100, "badge": "Critic"}])
    );
    // The badge's own count: 1 of 3 reviews.
    assert_eq!(
        view["badge_progress"],
        json!([{"id": "critic", "done": 1, "count": 3}])
    );
}
