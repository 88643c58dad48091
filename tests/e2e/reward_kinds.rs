//! Every reward kind on the worker: a free product's code used once; a
//! store-credit reward credited at once; store credit (cashback too) spent
//! as a checkout code, never beyond it, returned when the code is
//! cancelled; donations added up per cause in the analytics.

use loyalty_client::events;
use loyalty_rules::program::Benefit;
use serde_json::json;

use crate::world::{World, at, days_ago};

pub fn every_reward_kind(world: &mut World) {
    let program = json!({
        "currency": "USD",
        "shop_url": "https://shop.example",
        "earn_rules": [
            {"id": "base", "event": "order_paid", "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}},
            {"id": "back", "event": "order_paid", "effect": {"kind": "cashback", "bp": 500}}
        ],
        "rewards": [
            {"id": "mug", "name": {"en": "Mug"}, "cost_points": 300, "kind": "free_product", "sku": "mug-1"},
            {"id": "credit", "name": {"en": "$10 credit"}, "cost_points": 500, "kind": "store_credit",
             "amount_minor": 1000},
            {"id": "tree", "name": {"en": "A tree"}, "cost_points": 100, "kind": "donation",
             "cause": "Plant a tree", "amount_minor": 150}
        ]
    });
    let shop = world.shop(&program);
    // 1000.00: 1000 points and 50.00 of cashback.
    let order = events::order_paid(
        "rk-1",
        "m-kinds",
        "o-rk1",
        "USD",
        100000,
        Vec::new(),
        at(days_ago(1)),
    )
    .unwrap();
    let answer = shop.record(&order);
    assert_eq!((answer.points, answer.store_credit_minor), (1000, 5000));
    let shopper = shop.shopper("m-kinds");

    // A free product: its code, used once at checkout.
    let mug = shopper.redeem("mug", "k-mug").unwrap().redemption;
    let used = shop.api.use_code(&mug.code).unwrap();
    assert_eq!(
        used.code.benefit,
        Benefit::FreeProduct {
            sku: "mug-1".into()
        }
    );
    assert_eq!(
        shop.api.use_code(&mug.code).unwrap_err().status(),
        Some(409)
    );

    // A store-credit reward: credited at once, 50.00 + 10.00.
    let credit = shopper.redeem("credit", "k-credit").unwrap().redemption;
    assert_eq!(
        (credit.credit_minor, credit.store_credit_minor),
        (Some(1000), Some(6000))
    );

    // Spent as a code of 25.00; a retry answers the same code.
    let spent = shopper.spend_credit(2500, "k-spend").unwrap();
    assert!(!spent.replayed);
    assert_eq!(spent.redemption.store_credit_minor, Some(3500));
    let again = shopper.spend_credit(2500, "k-spend").unwrap();
    assert!(again.replayed);
    assert_eq!(again.redemption.code, spent.redemption.code);
    let code = shop.api.code(&spent.redemption.code).unwrap();
    assert_eq!(code.code.benefit, Benefit::AmountOff { amount_minor: 2500 });
    // Never beyond what is held; a body in no shape is a problem.
    let beyond = shopper.spend_credit(3501, "k-beyond").unwrap_err();
    assert_eq!(
        (beyond.status(), beyond.code()),
        (Some(409), Some("insufficient_credit"))
    );
    let token = shop.token("m-kinds");
    let bad = shop.widget(
        "POST",
        "/v1/widget/{shop}/credit",
        Some(&token),
        &[("idempotency-key", "k-bad")],
        br#"{"amount_minor": -5}"#,
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.json()["code"], "invalid_credit");
    assert_eq!(shop.view("m-kinds").view.store_credit_minor, 3500);
    // Cancelled unused, the code's credit returns.
    shop.api.cancel_code(&spent.redemption.code).unwrap();
    assert_eq!(shop.view("m-kinds").view.store_credit_minor, 6000);

    // Donations: two trees given, one cancelled: 1.50 for the cause.
    let tree = shopper.redeem("tree", "k-tree-1").unwrap().redemption;
    shopper.redeem("tree", "k-tree-2").unwrap();
    shop.api.cancel_code(&tree.code).unwrap();
    let analytics = shop.api.analytics().unwrap();
    assert_eq!(analytics.donations.get("Plant a tree"), Some(&150));
}
