//! Tier grace on the worker: a level with `grace_days` stays the member's
//! after the metric falls below it, and the view says until when and what
//! keeps it.

use chrono::Duration;
use loyalty_client::events;
use serde_json::json;

use crate::world::{World, at, days_ago};

pub fn gold_is_kept_for_its_grace(world: &mut World) {
    let program = json!({
        "currency": "USD",
        "shop_url": "https://shop.example",
        "earn_rules": [{"id": "base", "event": "order_paid",
                        "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}}],
        "tiers": {"metric": "spend", "window": {"kind": "rolling_days", "days": 30}, "levels": [
            {"id": "bronze", "name": {"en": "Bronze"}, "threshold": 0},
            {"id": "gold", "name": {"en": "Gold"}, "threshold": 150000,
             "earn_multiplier_bp": 15000, "grace_days": 14}]}
    });
    let shop = world.shop(&program);
    // 1500.00 forty days ago: out of the 30 days since ten days ago, so
    // bronze by the metric, gold by its 14 days of grace for four more days.
    let paid_at = at(days_ago(40));
    let order =
        events::order_paid("g-1", "m-grace", "o-g1", "USD", 150000, Vec::new(), paid_at).unwrap();
    assert_eq!(shop.record(&order).points, 1500);
    let view = shop.view("m-grace").view;
    let tier = view.tier.expect("a tier");
    assert_eq!(tier.id.as_str(), "gold");
    // The last second o-1 counted, plus 14 days.
    let until = paid_at + Duration::days(30) - Duration::seconds(1) + Duration::days(14);
    assert_eq!(tier.grace_until, Some(until));
    assert_eq!(tier.keep_remaining, Some(150000));
    // An order now earns at gold: floor(100 * 1.5) = 150.
    let now_order = events::order_paid(
        "g-2",
        "m-grace",
        "o-g2",
        "USD",
        10000,
        Vec::new(),
        at(days_ago(0)),
    )
    .unwrap();
    assert_eq!(shop.record(&now_order).points, 150);
}
