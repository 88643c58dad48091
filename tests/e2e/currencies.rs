//! Orders paid in another currency than the program's, on the worker.

use loyalty_client::events;
use serde_json::json;

use crate::world::{World, days_ago};

/// Orders in another currency on the worker: by the program's rate, by the
/// shop money an order carries, refused without either (nothing kept),
/// refunds by the order's rate until every point is back.
pub fn orders_in_another_currency(world: &mut World) {
    let program = json!({
        "currency": "USD",
        "shop_url": "https://shop.example",
        "exchange_rates": {"scale": 1_000_000, "rates": {"EUR": 1_085_000}},
        "earn_rules": [{"id": "base", "event": "order_paid",
                        "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}}]
    });
    let shop = world.shop(&program);
    let when = crate::world::at(days_ago(2));
    let paid = |id: &str, order: &str, currency: &str, subtotal: i64| {
        events::order_paid(id, "m-fx", order, currency, subtotal, Vec::new(), when).unwrap()
    };
    // 100.00 EUR at 1.085: 10850 cents, 108 points; the answer names the rate.
    let answer = shop.record(&paid("fx-1", "o-fx1", "EUR", 10000));
    assert_eq!(answer.points, 108);
    let exchange = answer.exchange.expect("the rate used");
    assert_eq!((exchange.rate, exchange.scale), (1_085_000, 1_000_000));
    // The order's own shop money wins: 100.00 EUR = 109.12 USD, 109 points.
    let mut with_money = paid("fx-2", "o-fx2", "EUR", 10000);
    with_money.order.as_mut().unwrap().shop_subtotal_minor = Some(10912);
    assert_eq!(shop.record(&with_money).points, 109);
    // No rate for GBP and no shop money: a problem saying what to send.
    let refused = shop.send(&crate::world::raw(&paid("fx-3", "o-fx3", "GBP", 10000)));
    assert_eq!(refused.status, 422, "{}", refused.body);
    let body = refused.json();
    assert_eq!(body["code"], "currency_mismatch");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("shop_subtotal_minor"),
        "{body}"
    );
    // Refunds in two parts by the order's rate: all 109 points back.
    let refund =
        |id: &str, part: i64| events::order_refunded(id, "m-fx", "o-fx2", part, when).unwrap();
    let first = shop.record(&refund("fx-r1", 5000)).points;
    let second = shop.record(&refund("fx-r2", 5000)).points;
    // floor(109 * floor(5000 * 1.0912) / 10912) = floor(109 * 5456 / 10912) = 54; then 55.
    assert_eq!((first, second), (-54, -55));
    let view = shop.view("m-fx").view;
    assert_eq!(view.balance, 108);
}
