//! Guests' orders on the worker: held in the object of their email hash,
//! credited once at a signup with that hash (a retried or doubled signup,
//! a replayed order and a restart change nothing), later orders of the
//! hash go to its member, and the member's erasure takes what was held.

use std::thread;

use serde_json::{Value, json};

use crate::privacy::stores_holding;
use crate::world::{World, at, days_ago};

fn program(guest_days: u32) -> Value {
    json!({
        "currency": "USD",
        "shop_url": "https://shop.example",
        "guest_days": guest_days,
        "earn_rules": [
            {"id": "base", "event": "order_paid",
             "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}},
            {"id": "welcome", "event": "signup", "effect": {"kind": "fixed", "points": 50}}]
    })
}

fn guest(id: &str, kind: &str, hash: &str, order: Value, when: &str) -> Value {
    json!({"id": id, "kind": kind, "occurred_at": when,
           "member": {"email_hash": hash}, "order": order})
}

fn paid(id: &str, hash: &str, order: &str, subtotal: i64, days: i64) -> Value {
    let order = json!({"order_id": order, "currency": "USD", "subtotal_minor": subtotal});
    guest(id, "order_paid", hash, order, &days_ago(days))
}

fn refund(id: &str, hash: &str, order: &str, amount: i64) -> Value {
    let order = json!({"order_id": order, "refund_minor": amount});
    guest(id, "order_refunded", hash, order, &days_ago(0))
}

fn signup(id: &str, member: &str, hash: &str) -> Value {
    json!({"id": id, "kind": "signup", "member_id": member, "occurred_at": days_ago(0),
           "member": {"email_hash": hash}})
}

pub fn guest_orders_wait_for_signup(world: &mut World) {
    let shop = world.shop(&program(30));
    let u = world.unique("gu");
    let hash = format!("hash-{u}");
    let (anna, ben) = (format!("anna-{u}"), format!("ben-{u}"));
    let id = |n: &str| format!("{u}-{n}");
    let ok = |event: &Value| {
        let answer = shop.send(event);
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()
    };
    // 120.00 ten days ago, 80.00 five days ago with 30.00 refunded: held.
    let first = ok(&paid(&id("g1"), &hash, &id("o1"), 12000, 10));
    let until = at(days_ago(10)) + chrono::Duration::days(30);
    assert_eq!(first["points"], 0, "{first}");
    assert_eq!(first["held_until"], json!(until), "{first}");
    ok(&paid(&id("g2"), &hash, &id("o2"), 8000, 5));
    ok(&refund(&id("g3"), &hash, &id("o2"), 3000));
    let again = ok(&paid(&id("g1"), &hash, &id("o1"), 12000, 10));
    assert_eq!(
        (again["duplicate"].clone(), again["held_until"].clone()),
        (json!(true), json!(until))
    );
    // A refund of an order never held: 422, nothing kept.
    let unknown = shop.send(&refund(&id("g9"), &hash, &id("o9"), 100));
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert_eq!(unknown.json()["code"], "unknown_order");

    // Anna's signup sent twice at once: one credit. 50 + 120 + (80 - 30).
    let join = signup(&id("s1"), &anna, &hash);
    let answers: Vec<Value> = thread::scope(|scope| {
        let sends: Vec<_> = (0..2).map(|_| scope.spawn(|| shop.send(&join))).collect();
        sends
            .into_iter()
            .map(|s| {
                let answer = s.join().unwrap();
                assert_eq!(answer.status, 200, "{}", answer.body);
                answer.json()
            })
            .collect()
    });
    for answer in &answers {
        assert_eq!(answer["points"], 220, "{answer}");
        let mut lines: Vec<(String, i64)> = answer["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                let rule = l["rule"].as_str().unwrap().to_owned();
                (rule, l["points"].as_i64().unwrap())
            })
            .collect();
        lines.sort();
        let mut expected = vec![
            (format!("guest_order:{}", id("o1")), 120),
            (format!("guest_order:{}", id("o2")), 50),
            ("welcome".to_owned(), 50),
        ];
        expected.sort();
        assert_eq!(lines, expected, "{answer}");
        assert_eq!(answer["guest_orders"].as_array().unwrap().len(), 2);
    }
    let duplicates = answers.iter().filter(|a| a["duplicate"] == true).count();
    assert_eq!(duplicates, 1, "{answers:?}");
    let view = shop.view(&anna).view;
    assert_eq!(view.balance, 220);
    let added = view.guest_orders.expect("the view says orders were added");
    assert_eq!((added.orders, added.points), (2, 170));
    // Ben, with the same hash, gets only his welcome.
    assert_eq!(ok(&signup(&id("s2"), &ben, &hash))["points"], 50);
    assert!(shop.view(&ben).view.guest_orders.is_none());

    // The hash is Anna's now: a refund of o1 and a new guest checkout.
    let back = ok(&refund(&id("g4"), &hash, &id("o1"), 2000));
    assert_eq!(
        (back["points"].clone(), back["balance"].clone()),
        (json!(-20), json!(200))
    );
    let more = ok(&paid(&id("g5"), &hash, &id("o5"), 1000, 0));
    assert_eq!(
        (more["points"].clone(), more["balance"].clone()),
        (json!(10), json!(210))
    );

    // Cleo signed up before any guest order of hers: her later checkout as
    // a guest is hers at once. 45.00: 45 + her welcome 50.
    let cleo_hash = format!("hash-cleo-{u}");
    let cleo = format!("cleo-{u}");
    assert_eq!(ok(&signup(&id("s3"), &cleo, &cleo_hash))["points"], 50);
    let hers = ok(&paid(&id("g6"), &cleo_hash, &id("o6"), 4500, 0));
    assert_eq!(
        (hers["points"].clone(), hers["balance"].clone()),
        (json!(45), json!(95))
    );
    assert!(hers.get("held_until").is_none(), "{hers}");

    // After a restart every delivery again is a duplicate: nothing changes.
    world.restart(true);
    for event in [
        paid(&id("g2"), &hash, &id("o2"), 8000, 5),
        refund(&id("g4"), &hash, &id("o1"), 2000),
        paid(&id("g5"), &hash, &id("o5"), 1000, 0),
        join.clone(),
    ] {
        assert_eq!(ok(&event)["duplicate"], true, "{event}");
    }
    assert_eq!(shop.view(&anna).view.balance, 210);

    // A program that holds none: a clear problem, nothing held.
    let closed = world.shop(&program(0));
    let refused = closed.send(&paid(&id("c1"), &hash, &id("c1"), 1000, 0));
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.json()["code"], "guest_orders_off");

    // Erased, Anna and Ben take the hash with them: what was held under it
    // goes with Anna (the claimant), their profiles with each.
    world.stop();
    let before = stores_holding(&world.state.join("wrangler"), &hash);
    world.restart(true);
    assert!(!before.is_empty(), "the search finds the hash");
    shop.api.erase(&anna).unwrap();
    shop.api.erase(&ben).unwrap();
    world.stop();
    let left = stores_holding(&world.state.join("wrangler"), &hash);
    world.restart(true);
    assert!(left.is_empty(), "still held: {left:#?}");
}
