//! Outbound webhooks against a receiver the test starts: every delivery
//! signed with the subscription's secret and carrying its event id; a
//! delivery that fails twice arrives on its third try, across a restart of
//! the runtime, once; one that never succeeds becomes a dead letter, and
//! its replay arrives; an erased member's notice goes out and their other
//! deliveries go.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::receiver::{Policy, Received, Receiver};
use crate::world::{Shop, World, days_ago};

fn subscribe(shop: &Shop, url: &str, topics: &[&str]) -> (String, String) {
    let body = json!({"url": url, "topics": topics}).to_string();
    let made = shop.merchant("POST", "/v1/shops/{shop}/webhooks", body.as_bytes());
    assert_eq!(made.status, 201, "{}", made.body);
    let made = made.json();
    (
        made["id"].as_str().unwrap().to_owned(),
        made["secret"].as_str().unwrap().to_owned(),
    )
}

/// Checks a delivery as a receiver must: the signature over `t.body`
/// with the secret, the event id and topic in headers and body alike.
fn check_signed(got: &Received, secret: &str) {
    let signature = got.header("loyalty-signature");
    let (t, v1) = signature
        .split_once(',')
        .and_then(|(t, v1)| Some((t.strip_prefix("t=")?, v1.strip_prefix("v1=")?)))
        .unwrap_or_else(|| panic!("a signature: {signature:?}"));
    let expected = loyalty_edge::auth::hmac_hex(secret, format!("{t}.{}", got.body).as_bytes());
    assert_eq!(v1, expected, "signed with the subscription's secret");
    let body = got.json();
    assert_eq!(got.header("loyalty-event-id"), body["id"].as_str().unwrap());
    assert_eq!(got.header("loyalty-topic"), body["topic"].as_str().unwrap());
    assert_eq!(got.header("content-type"), "application/json");
    assert_eq!(got.method, "POST");
}

/// The tries of each event id that reached `path`: (attempt, status).
fn tries(received: &[Received], path: &str) -> BTreeMap<String, Vec<(u32, u16)>> {
    let mut by_event: BTreeMap<String, Vec<(u32, u16)>> = BTreeMap::new();
    for got in received.iter().filter(|r| r.path == path) {
        by_event
            .entry(got.header("loyalty-event-id").to_owned())
            .or_default()
            .push((
                got.header("loyalty-attempt").parse().unwrap_or(0),
                got.status,
            ));
    }
    by_event
}

fn paid(id: &str, member: &str, order: &str, subtotal: i64) -> Value {
    json!({"id": id, "kind": "order_paid", "member_id": member, "occurred_at": days_ago(0),
           "order": {"order_id": order, "currency": "USD", "subtotal_minor": subtotal}})
}

pub fn deliveries_retry_survive_a_restart_and_dead_letters_replay(world: &mut World) {
    let program = json!({
        "currency": "USD", "shop_url": "https://shop.example",
        "earn_rules": [{"id": "base", "event": "order_paid",
                        "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}}],
        "tiers": {"metric": "spend", "window": {"kind": "lifetime"}, "levels": [
            {"id": "member", "name": {"en": "Member"}, "threshold": 0, "earn_multiplier_bp": 10000},
            {"id": "gold", "name": {"en": "Gold"}, "threshold": 20000, "earn_multiplier_bp": 10000}]},
        "rewards": [{"id": "five", "name": {"en": "$5 off"}, "cost_points": 100,
                     "kind": "amount_off", "amount_minor": 500}]
    });
    let shop = world.shop(&program);
    let receiver = Receiver::start();

    // Bad subscriptions: every problem named, nothing made.
    let bad =
        json!({"url": "ftp://example.com/x", "topics": ["points_earned", "points_earned", "nope"],
                     "extra": 1})
        .to_string();
    let refused = shop.merchant("POST", "/v1/shops/{shop}/webhooks", bad.as_bytes());
    assert_eq!(refused.status, 422, "{}", refused.body);
    let paths: Vec<String> = refused.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(paths, ["$.extra", "$.url", "$.topics[1]", "$.topics[2]"]);
    let listed = shop.merchant("GET", "/v1/shops/{shop}/webhooks", b"");
    assert_eq!(listed.json()["webhooks"], json!([]), "{}", listed.body);

    // A: every try of every event fails twice, then succeeds.
    receiver.set("/a", Policy::FailFirst(2));
    let (a, secret_a) = subscribe(
        &shop,
        &receiver.url("/a"),
        &[
            "points_earned",
            "tier_changed",
            "points_spent",
            "reward_redeemed",
            "code_used",
            "member_erased",
        ],
    );
    let member = world.unique("out");
    let order = world.unique("o");
    let first = shop.send(&paid(&format!("{order}-paid"), &member, &order, 25_000));
    assert_eq!(first.status, 200, "{}", first.body);
    // Two notices (250 points earned, member -> gold), each failed twice.
    let got = receiver.wait_until(30, |got| {
        let by_event = tries(got, "/a");
        by_event.len() == 2 && by_event.values().all(|t| t.len() >= 2)
    });
    assert!(
        tries(&got, "/a")
            .values()
            .all(|t| t.iter().all(|(_, s)| *s == 500)),
        "{:?}",
        tries(&got, "/a")
    );
    // The runtime restarts before the third tries are due.
    world.restart(true);
    let got = receiver.wait_until(60, |got| {
        tries(got, "/a")
            .values()
            .all(|t| t.iter().any(|(_, s)| *s == 200))
    });
    // Nothing more comes once each is delivered.
    std::thread::sleep(std::time::Duration::from_secs(4));
    let got_later = receiver.received();
    assert_eq!(
        got_later.len(),
        got.len(),
        "a delivered event is not sent again"
    );
    let by_event = tries(&got_later, "/a");
    for (event, attempts) in &by_event {
        assert_eq!(
            attempts,
            &vec![(1, 500), (2, 500), (3, 200)],
            "{event}: three tries, the third delivered, once"
        );
    }
    for delivery in got_later.iter().filter(|r| r.path == "/a") {
        check_signed(delivery, &secret_a);
    }
    let delivered: Vec<Value> = got_later
        .iter()
        .filter(|r| r.status == 200)
        .map(Received::json)
        .collect();
    let earned = delivered
        .iter()
        .find(|e| e["topic"] == "points_earned")
        .expect("points_earned");
    assert_eq!(earned["points"], 250, "{earned}");
    assert_eq!(earned["member_id"], json!(member));
    assert_eq!(earned["event_id"], json!(format!("{order}-paid")));
    assert_eq!(earned["shop"], json!(shop.name));
    assert_eq!(earned["member"]["balance"], 250);
    let tier = delivered
        .iter()
        .find(|e| e["topic"] == "tier_changed")
        .expect("tier_changed");
    assert_eq!(
        (tier["from"].clone(), tier["to"].clone()),
        (json!("member"), json!("gold"))
    );
    assert_eq!(tier["member"]["tier_name"], "Gold");

    // B: always failing; its points_earned becomes a dead letter after
    // four tries (1 + 2 + 4 s apart).
    receiver.set("/b", Policy::Fail);
    let (b, _) = subscribe(&shop, &receiver.url("/b"), &["points_earned"]);
    let second = shop.send(&paid(
        &format!("{order}-2"),
        &member,
        &format!("{order}-2"),
        1_000,
    ));
    assert_eq!(second.status, 200, "{}", second.body);
    // The same event again: a duplicate tells nothing new.
    let again = shop.send(&paid(
        &format!("{order}-2"),
        &member,
        &format!("{order}-2"),
        1_000,
    ));
    assert_eq!(again.json()["duplicate"], true);
    receiver.wait_until(30, |got| got.iter().filter(|r| r.path == "/b").count() >= 4);
    let dead = loop {
        let dead = shop.merchant("GET", "/v1/shops/{shop}/webhooks/dead", b"");
        assert_eq!(dead.status, 200, "{}", dead.body);
        let dead = dead.json();
        if dead["deliveries"].as_array().is_some_and(|d| !d.is_empty()) {
            break dead;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let letters = dead["deliveries"].as_array().unwrap();
    assert_eq!(letters.len(), 1, "{dead}");
    let letter = &letters[0];
    assert_eq!(
        (
            letter["webhook_id"].clone(),
            letter["topic"].clone(),
            letter["attempts"].clone(),
            letter["last_error"].clone()
        ),
        (
            json!(b),
            json!("points_earned"),
            json!(4),
            json!("answered 500")
        ),
        "{letter}"
    );
    let event_id = letter["event_id"].as_str().unwrap().to_owned();
    assert_eq!(
        tries(&receiver.received(), "/b")[&event_id].len(),
        4,
        "no try after the last"
    );
    // Replayed once /b works again: delivered, and no longer dead.
    receiver.set("/b", Policy::Accept);
    let path = format!("/v1/shops/{{shop}}/webhooks/dead/{}/replay", letter["id"]);
    let replayed = shop.merchant("POST", &path, b"");
    assert_eq!(replayed.status, 200, "{}", replayed.body);
    let got = receiver.wait_until(30, |got| {
        tries(got, "/b")
            .get(&event_id)
            .is_some_and(|t| t.iter().any(|(_, s)| *s == 200))
    });
    assert_eq!(
        tries(&got, "/b")[&event_id].last(),
        Some(&(1, 200)),
        "the replay starts over"
    );
    let dead = shop.merchant("GET", "/v1/shops/{shop}/webhooks/dead", b"");
    assert_eq!(dead.json()["deliveries"], json!([]), "{}", dead.body);
    let again = shop.merchant("POST", &path, b"");
    assert_eq!(again.status, 404, "{}", again.body);

    // A redemption and its code used at checkout: told to A (which still
    // fails each first two tries).
    let code = shop
        .shopper(&member)
        .redeem("five", &world.unique("redeem"))
        .expect("redeemed")
        .redemption
        .code;
    shop.api.use_code(&code).expect("used");
    let delivered_to_a = |got: &[Received], topic: &str| {
        got.iter()
            .filter(|r| r.path == "/a" && r.status == 200)
            .map(Received::json)
            .find(|e| e["topic"] == topic)
    };
    let got = receiver.wait_until(30, |got| {
        ["points_spent", "reward_redeemed", "code_used"]
            .iter()
            .all(|topic| delivered_to_a(got, topic).is_some())
    });
    let used = delivered_to_a(&got, "code_used").unwrap();
    assert_eq!(
        (used["code"].clone(), used["reward_id"].clone()),
        (json!(code), json!("five"))
    );
    let spent = delivered_to_a(&got, "points_spent").unwrap();
    assert_eq!(
        (spent["points"].clone(), spent["member"]["balance"].clone()),
        (json!(100), json!(160))
    );

    // The erasure: a delivery about the member still being tried (B fails
    // again) goes with them, and is never a dead letter; A is told.
    receiver.set("/b", Policy::Fail);
    let third = shop.send(&paid(
        &format!("{order}-3"),
        &member,
        &format!("{order}-3"),
        1_000,
    ));
    assert_eq!(third.status, 200, "{}", third.body);
    let got = receiver.wait_until(30, |got| {
        got.iter()
            .any(|r| r.path == "/b" && r.json()["event_id"] == json!(format!("{order}-3")))
    });
    let pending_id = got
        .iter()
        .find(|r| r.path == "/b" && r.json()["event_id"] == json!(format!("{order}-3")))
        .map(|r| r.header("loyalty-event-id").to_owned())
        .unwrap();
    shop.api.erase(&member).expect("erased");
    let got = receiver.wait_until(30, |got| delivered_to_a(got, "member_erased").is_some());
    let erased = delivered_to_a(&got, "member_erased").unwrap();
    assert_eq!(erased["member_id"], json!(member));
    assert!(erased.get("member").is_none(), "{erased}");
    // Had it stayed, its fourth try would have made it dead by now (7 s).
    std::thread::sleep(std::time::Duration::from_secs(8));
    let dead = shop.merchant("GET", "/v1/shops/{shop}/webhooks/dead", b"");
    assert_eq!(dead.json()["deliveries"], json!([]), "{}", dead.body);
    assert!(
        tries(&receiver.received(), "/b")[&pending_id].len() < 4,
        "the erased member's delivery stopped"
    );

    // Removing B: listed no more; removing it again changes nothing.
    let path = format!("/v1/shops/{{shop}}/webhooks/{b}");
    let removed = shop.merchant("DELETE", &path, b"");
    assert_eq!(removed.json(), json!({"id": b, "removed": true}));
    let again = shop.merchant("DELETE", &path, b"");
    assert_eq!(again.json()["removed"], false);
    let listed = shop
        .merchant("GET", "/v1/shops/{shop}/webhooks", b"")
        .json();
    let ids: Vec<&str> = listed["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [a.as_str()]);
    assert!(listed["webhooks"][0].get("secret").is_none(), "{listed}");
}

/// The two email tools' destinations against stand-ins of their APIs (on
/// the test's receiver): each request's method, path, headers and body as
/// Klaviyo's and Mailchimp's documentation give them; a member without
/// an e-mail MD5 is not sent to Mailchimp, Mailchimp's 404 (a contact not
/// in the audience) is not tried again, and an erasure clears Klaviyo's
/// properties.
pub fn klaviyo_and_mailchimp_profiles(world: &mut World) {
    let program = json!({
        "currency": "USD", "shop_url": "https://shop.example",
        "earn_rules": [{"id": "base", "event": "order_paid",
                        "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}}],
        "tiers": {"metric": "spend", "window": {"kind": "lifetime"}, "levels": [
            {"id": "member", "name": {"en": "Member"}, "threshold": 0, "earn_multiplier_bp": 10000},
            {"id": "gold", "name": {"en": "Gold"}, "threshold": 20000, "earn_multiplier_bp": 10000}]}
    });
    let shop = world.shop(&program);
    let receiver = Receiver::start();
    let add = |body: Value| {
        let made = shop.merchant(
            "POST",
            "/v1/shops/{shop}/webhooks",
            body.to_string().as_bytes(),
        );
        assert_eq!(made.status, 201, "{}", made.body);
        let made = made.json();
        assert!(made.get("secret").is_none(), "{made}");
        assert!(made.get("api_key").is_none(), "{made}");
        made
    };
    add(
        json!({"kind": "klaviyo", "api_key": "pk_test_123", "url": receiver.url("/klaviyo"),
               "topics": ["points_earned", "tier_changed", "member_erased"]}),
    );
    add(
        json!({"kind": "mailchimp", "api_key": "0123abcd-us6", "list_id": "a1b2c3",
               "url": receiver.url("/mailchimp"), "topics": ["points_earned"]}),
    );
    // Refused: a Mailchimp key without its list, a Klaviyo one without key.
    let bad = shop.merchant(
        "POST",
        "/v1/shops/{shop}/webhooks",
        json!({"kind": "mailchimp", "api_key": "k", "topics": ["points_earned"]})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    let paths: Vec<String> = bad.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(paths, ["$.list_id", "$.api_key"], "{}", bad.body);

    // A member whose e-mail MD5 the shop sent (Mailchimp's test address).
    let md5 = "62eeb292278cc15f5817cb78f7790b08";
    let member = world.unique("kl");
    let signup = json!({"id": format!("{member}-s"), "kind": "signup", "member_id": member,
                        "occurred_at": days_ago(0), "member": {"email_md5": md5}});
    assert_eq!(shop.send(&signup).status, 200);
    let order = world.unique("o");
    assert_eq!(
        shop.send(&paid(&format!("{order}-p"), &member, &order, 25_000))
            .status,
        200
    );
    let got = receiver.wait_until(30, |got| {
        got.iter().any(|r| r.path.starts_with("/mailchimp"))
            && got
                .iter()
                .filter(|r| r.path.starts_with("/klaviyo"))
                .count()
                >= 2
    });
    let klaviyo: Vec<&Received> = got
        .iter()
        .filter(|r| r.path.starts_with("/klaviyo"))
        .collect();
    for request in &klaviyo {
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/klaviyo/api/profile-import")
        );
        assert_eq!(
            request.header("authorization"),
            "Klaviyo-API-Key pk_test_123"
        );
        assert_eq!(request.header("revision"), "2026-10-15");
        assert_eq!(request.header("content-type"), "application/vnd.api+json");
        assert_eq!(request.header("accept"), "application/vnd.api+json");
        let body = request.json();
        assert_eq!(body["data"]["type"], "profile", "{body}");
        assert_eq!(
            body["data"]["attributes"]["external_id"],
            json!(member),
            "{body}"
        );
        let properties = &body["data"]["attributes"]["properties"];
        assert_eq!(properties["loyalty_points"], 250, "{body}");
        assert_eq!(properties["loyalty_tier"], "Gold", "{body}");
        assert!(
            properties["loyalty_referral_url"]
                .as_str()
                .unwrap()
                .starts_with("https://shop.example?ref="),
            "{body}"
        );
    }
    let mailchimp = got
        .iter()
        .find(|r| r.path.starts_with("/mailchimp"))
        .unwrap();
    assert_eq!(mailchimp.method, "PATCH");
    assert_eq!(
        mailchimp.path,
        format!("/mailchimp/3.0/lists/a1b2c3/members/{md5}")
    );
    // base64 of "loyalty:0123abcd-us6" (any user name, the key as password).
    assert_eq!(
        mailchimp.header("authorization"),
        "Basic bG95YWx0eTowMTIzYWJjZC11czY="
    );
    assert_eq!(mailchimp.header("content-type"), "application/json");
    let merge = &mailchimp.json()["merge_fields"];
    assert_eq!(
        (merge["LOYPTS"].clone(), merge["LOYTIER"].clone()),
        (json!(250), json!("Gold")),
        "{merge}"
    );
    assert!(
        merge["LOYREF"].as_str().unwrap().contains("ref="),
        "{merge}"
    );

    // Without an e-mail MD5: Klaviyo only. Mailchimp answering 404 (not in
    // the audience) is not tried again.
    receiver.set(
        &format!("/mailchimp/3.0/lists/a1b2c3/members/{md5}"),
        Policy::Status(404),
    );
    let other = world.unique("kl");
    assert_eq!(
        shop.send(&paid(
            &format!("{other}-p"),
            &other,
            &world.unique("o"),
            1_000
        ))
        .status,
        200
    );
    assert_eq!(
        shop.send(&paid(
            &format!("{member}-p2"),
            &member,
            &world.unique("o"),
            1_000
        ))
        .status,
        200
    );
    let got = receiver.wait_until(30, |got| {
        got.iter()
            .any(|r| r.path.starts_with("/klaviyo") && r.body.contains(&other))
            && got
                .iter()
                .filter(|r| r.path.starts_with("/mailchimp"))
                .count()
                >= 2
    });
    std::thread::sleep(std::time::Duration::from_secs(3));
    let later = receiver.received();
    assert_eq!(
        later
            .iter()
            .filter(|r| r.path.starts_with("/mailchimp"))
            .count(),
        2,
        "no retry of a 404"
    );
    assert!(
        !later
            .iter()
            .any(|r| r.path.starts_with("/mailchimp") && r.body.contains(&other))
    );
    assert!(got.len() <= later.len());

    // Erased: Klaviyo's properties cleared.
    shop.api.erase(&member).expect("erased");
    let got = receiver.wait_until(30, |got| {
        got.iter().any(|r| {
            r.path.starts_with("/klaviyo")
                && r.json()["data"]["attributes"]["properties"]["loyalty_points"].is_null()
        })
    });
    let cleared = got
        .iter()
        .find(|r| {
            r.path.starts_with("/klaviyo")
                && r.json()["data"]["attributes"]["properties"]["loyalty_points"].is_null()
        })
        .unwrap();
    assert_eq!(
        cleared.json()["data"]["attributes"]["external_id"],
        json!(member)
    );
}
