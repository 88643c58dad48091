//! Tier grace: a level with `grace_days` stays the member's for that many
//! days after the metric falls below it, boosting their awards meanwhile.

use super::*;

/// Spend over a rolling 30 days: bronze, silver 500.00 (1.25x), gold
/// 1500.00 (1.5x) kept 14 days after falling below.
fn graced() -> String {
    program(json!({
        "earn_rules": [base()],
        "tiers": {"metric": "spend", "window": {"kind": "rolling_days", "days": 30}, "levels": [
            level("bronze", 0, 10000), level("silver", 50000, 12500),
            with(level("gold", 150000, 15000), json!({"grace_days": 14}))]}
    }))
}

#[test]
fn gold_is_kept_for_its_grace_after_the_metric_falls_below_it() {
    let (shop, _) = check(
        &graced(),
        &[
            // 1500.00 on 1 October: the order's own spend counts from the
            // next event; bronze, 1500.
            (
                at(paid("e-1", "o-1", 150000), "2026-10-01T10:00:00Z"),
                award(&[("base", 1500)], 1500, 1500),
            ),
            // 20 October: o-1 makes gold. 1000 + 500; 3000.
            (
                at(paid("e-2", "o-2", 100000), "2026-10-20T10:00:00Z"),
                award(&[("base", 1000), ("tier:gold", 500)], 1500, 3000),
            ),
            // o-1 left the 30 days on 31 October 10:00: 1000.00 is silver by
            // the metric, but gold is kept until 14 November (31 October +
            // 14 days): 100 + 50 = 150. 3150.
            (
                at(paid("e-3", "o-3", 10000), "2026-11-10T12:00:00Z"),
                award(&[("base", 100), ("tier:gold", 50)], 150, 3150),
            ),
            // 15 November: the grace is over; silver, 100 + 25. 3275.
            (
                at(paid("e-4", "o-4", 10000), "2026-11-15T12:00:00Z"),
                award(&[("base", 100), ("tier:silver", 25)], 125, 3275),
            ),
        ],
    );
    // Seen on 12 November: gold until the last second before 14 November
    // 10:00 (the last moment o-1 counted, 31 October 09:59:59, + 14 days);
    // 1500.00 - (1000.00 + 100.00) = 400.00 more keeps it.
    let view = serde_json::to_value(shop.view("m-1", time("2026-11-12T00:00:00Z"))).unwrap();
    assert_eq!(
        view["tier"],
        json!({"id": "gold", "name": "gold", "grace_until": "2026-11-14T09:59:59Z",
               "keep_remaining": 40000})
    );
    // At NOW (23 November) o-2 has left too: 200.00, bronze; silver has no
    // grace to keep it.
    let view = serde_json::to_value(shop.view("m-1", now())).unwrap();
    assert_eq!(view["tier"], json!({"id": "bronze", "name": "bronze"}));
}
