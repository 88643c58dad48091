//! Shopify's webhooks on the worker, with Shopify's published payloads
//! (`tests/fixtures/platforms`, made this run's by their ids and times) and
//! Shopify's signature scheme: a paid order credits its customer once
//! however often Shopify retries it, a forged signature and a payload
//! missing fields change nothing, a guest's order waits for the customer's
//! signup, a cancellation takes the points back, and a shop that has not
//! connected Shopify (or disconnected it) refuses every webhook.

use loyalty_edge::platforms::Platform;
use serde_json::{Value, json};
use xtask::http::Answer;

use crate::world::{Shop, World, days_ago};

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/platforms/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("the fixture")).unwrap()
}

/// Posts a webhook as Shopify does: the raw body, its topic, a delivery id
/// and the base64 HMAC-SHA256 of the body with `secret`.
fn deliver(world: &World, shop: &Shop, topic: &str, body: &Value, secret: &str, n: u32) -> Answer {
    let body = body.to_string();
    let signature = Platform::Shopify.sign(secret, body.as_bytes());
    let delivery = format!("delivery-{n}");
    let headers = [
        ("content-type", "application/json"),
        ("x-shopify-topic", topic),
        ("x-shopify-hmac-sha256", signature.as_str()),
        ("x-shopify-webhook-id", delivery.as_str()),
        ("x-shopify-shop-domain", "shop.myshopify.com"),
    ];
    world.call(
        "POST",
        &format!("/v1/hooks/{}/shopify", shop.name),
        &headers,
        body.as_bytes(),
    )
}

fn connect(shop: &Shop, secret: &str) -> Answer {
    let body = json!({"secret": secret}).to_string();
    shop.merchant("PUT", "/v1/shops/{shop}/platforms/shopify", body.as_bytes())
}

fn balance(shop: &Shop, member: &str) -> i64 {
    shop.view(member).view.balance
}

pub fn shopify_webhooks(world: &mut World) {
    let program = json!({
        "currency": "USD", "shop_url": "https://shop.example", "guest_days": 30,
        "earn_rules": [
            {"id": "base", "event": "order_paid",
             "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}},
            {"id": "welcome", "event": "signup", "effect": {"kind": "fixed", "points": 50}}],
        "rewards": [{"id": "five", "name": {"en": "$5 off"}, "cost_points": 100,
                     "kind": "amount_off", "amount_minor": 500}]
    });
    let shop = world.shop(&program);
    let secret = format!("shpss_{}", shop.name);
    // Not connected yet: refused.
    let paid = fixture("shopify-orders-paid.json");
    let refused = deliver(world, &shop, "orders/paid", &paid, &secret, 0);
    assert_eq!(refused.status, 401, "{}", refused.body);
    let connected = connect(&shop, &secret);
    assert_eq!(connected.status, 200, "{}", connected.body);
    assert_eq!(
        connected.json(),
        json!({"platform": "shopify", "connected": true,
               "webhook_path": format!("/v1/hooks/{}/shopify", shop.name)})
    );
    let bad = connect(&shop, "");
    assert_eq!(bad.status, 422, "{}", bad.body);

    // The published paid order, made this run's: its ids and its time.
    let base = u64::try_from(xtask::clock::unix_now()).unwrap() * 100;
    let (order_id, customer_id) = (base + 1, base + 2);
    let mut paid = paid;
    paid["id"] = json!(order_id);
    paid["customer"]["id"] = json!(customer_id);
    paid["processed_at"] = json!(days_ago(1));
    let member = customer_id.to_string();
    let first = deliver(world, &shop, "orders/paid", &paid, &secret, 1);
    assert_eq!(first.status, 200, "{}", first.body);
    let answer = &first.json()["results"][0];
    // 181.09 of shop money: 181 points.
    assert_eq!(answer["points"], 181, "{}", first.body);
    assert_eq!(answer["duplicate"], false);
    // Shopify retries (another delivery id, the same order): once.
    let again = deliver(world, &shop, "orders/paid", &paid, &secret, 2);
    assert_eq!(
        again.json()["results"][0]["duplicate"],
        true,
        "{}",
        again.body
    );
    assert_eq!(balance(&shop, &member), 181);

    // Forged: another secret, or the body changed after signing.
    let forged = deliver(world, &shop, "orders/paid", &paid, "shpss_forged", 3);
    assert_eq!(forged.status, 401, "{}", forged.body);
    let mut bigger = paid.clone();
    bigger["id"] = json!(base + 9);
    let body = bigger.to_string();
    let signature = Platform::Shopify.sign(&secret, paid.to_string().as_bytes());
    let tampered = world.call(
        "POST",
        &format!("/v1/hooks/{}/shopify", shop.name),
        &[
            ("x-shopify-topic", "orders/paid"),
            ("x-shopify-hmac-sha256", signature.as_str()),
        ],
        body.as_bytes(),
    );
    assert_eq!(tampered.status, 401, "{}", tampered.body);

    // A payload missing its buyer and its money: 422 naming each, nothing kept.
    let mut missing = paid.clone();
    missing["id"] = json!(base + 3);
    for key in [
        "customer",
        "email",
        "contact_email",
        "current_subtotal_price_set",
        "subtotal_price_set",
    ] {
        missing.as_object_mut().unwrap().remove(key);
    }
    let problem = deliver(world, &shop, "orders/paid", &missing, &secret, 4);
    assert_eq!(problem.status, 422, "{}", problem.body);
    let problem = problem.json();
    assert_eq!(problem["code"], "invalid_payload");
    let paths: Vec<&str> = problem["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["$.customer", "$.current_subtotal_price_set.shop_money"]
    );
    assert_eq!(balance(&shop, &member), 181);

    // A guest's order (no customer): held under the email's hash until the
    // customer's account is created; then credited with the signup.
    let steve = fixture("shopify-customers-create.json");
    let email = steve["email"].as_str().unwrap().to_owned();
    let mut guest = paid.clone();
    guest["id"] = json!(base + 4);
    guest.as_object_mut().unwrap().remove("customer");
    guest["email"] = json!(email);
    guest["contact_email"] = json!(email);
    let held = deliver(world, &shop, "orders/paid", &guest, &secret, 5);
    assert_eq!(held.status, 200, "{}", held.body);
    assert!(
        held.json()["results"][0]["held_until"].is_string(),
        "{}",
        held.body
    );
    let mut created = steve;
    let steve_id = base + 5;
    created["id"] = json!(steve_id);
    created["created_at"] = json!(days_ago(0));
    let joined = deliver(world, &shop, "customers/create", &created, &secret, 6);
    assert_eq!(joined.status, 200, "{}", joined.body);
    // 50 for joining + 181 for the order paid as a guest.
    assert_eq!(
        joined.json()["results"][0]["points"],
        231,
        "{}",
        joined.body
    );
    assert_eq!(balance(&shop, &steve_id.to_string()), 231);

    // The customer redeems 100 points for a code and uses it at Shopify's
    // checkout with Shopify's own FAKE30: the order spends our code (once,
    // whatever the retries) and leaves Shopify's alone. 81 + 181 = 262.
    let code = shop
        .shopper(&member)
        .redeem("five", "shopify-e2e-redeem")
        .expect("redeemed")
        .redemption
        .code;
    assert_eq!(balance(&shop, &member), 81);
    let mut second = paid.clone();
    second["id"] = json!(base + 6);
    second["processed_at"] = json!(days_ago(0));
    second["discount_codes"] = json!([{"code": code, "amount": "5.00", "type": "fixed_amount"},
                                      {"code": "FAKE30", "amount": "17.91", "type": "percentage"}]);
    for n in [10, 11] {
        let used = deliver(world, &shop, "orders/paid", &second, &secret, n);
        assert_eq!(used.status, 200, "{}", used.body);
        assert_eq!(used.json()["codes_used"], json!([code]), "{}", used.body);
    }
    let view = shop.api.code(&code).expect("the code");
    assert!(!view.usable, "the code is spent");
    assert_eq!(
        serde_json::to_value(view.code.status).unwrap(),
        json!("used")
    );
    assert_eq!(balance(&shop, &member), 262);

    // Refunds name only the order: its owner comes from the index the paid
    // order wrote. Steve's order, paid as a guest and credited at his
    // signup, refunded in full (181.09): -181, 231 - 181 = 50; twice: once.
    let mut refund = fixture("shopify-refunds-create.json");
    refund["id"] = json!(base + 7);
    refund["order_id"] = json!(base + 4);
    refund["processed_at"] = json!(days_ago(0));
    let items = refund["refund_line_items"].as_array_mut().unwrap();
    items.truncate(1);
    items[0]["subtotal_set"]["shop_money"]["amount"] = json!("181.09");
    for (n, duplicate) in [(12, false), (13, true)] {
        let back = deliver(world, &shop, "refunds/create", &refund, &secret, n);
        assert_eq!(back.status, 200, "{}", back.body);
        let result = &back.json()["results"][0];
        assert_eq!(
            (result["points"].clone(), result["duplicate"].clone()),
            (json!(-181), json!(duplicate)),
            "{}",
            back.body
        );
    }
    assert_eq!(balance(&shop, &steve_id.to_string()), 50);
    // A refund of an order never recorded (paid before the shop connected):
    // acknowledged with the reason, nothing changes.
    let mut stray = refund.clone();
    stray["id"] = json!(base + 8);
    stray["order_id"] = json!(base + 99);
    let unknown = deliver(world, &shop, "refunds/create", &stray, &secret, 14);
    assert_eq!(unknown.status, 200, "{}", unknown.body);
    assert_eq!(
        unknown.json()["results"][0]["code"],
        "unknown_order",
        "{}",
        unknown.body
    );

    // The first order cancelled: its points go back.
    let mut cancelled = fixture("shopify-orders-cancelled.json");
    cancelled["id"] = json!(order_id);
    cancelled["customer"]["id"] = json!(customer_id);
    cancelled["cancelled_at"] = json!(days_ago(0));
    let back = deliver(world, &shop, "orders/cancelled", &cancelled, &secret, 7);
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(back.json()["results"][0]["points"], -181, "{}", back.body);
    assert_eq!(balance(&shop, &member), 81);

    // A topic this API takes no action on is acknowledged.
    let other = deliver(
        world,
        &shop,
        "products/update",
        &json!({"id": 1}),
        &secret,
        8,
    );
    assert_eq!(
        (other.status, other.json()["ignored"].clone()),
        (200, json!(true)),
        "{}",
        other.body
    );

    // Disconnected: refused at once.
    let off = shop.merchant("DELETE", "/v1/shops/{shop}/platforms/shopify", b"");
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(off.json()["connected"], false);
    let refused = deliver(world, &shop, "orders/paid", &paid, &secret, 9);
    assert_eq!(refused.status, 401, "{}", refused.body);
}

/// Shopify's mandatory privacy topics, with Shopify's published payloads:
/// a data request says where the merchant reads the member's export; a
/// redaction erases the customer as `DELETE …/members/{id}` does (and the
/// orders held under their email's hash), Shopify's retry of their old
/// order brings nothing back, and no store holds their id, their email's
/// hash or their orders' ids afterwards, across a restart.
pub fn shopify_privacy(world: &mut World) {
    let program = json!({
        "currency": "USD", "shop_url": "https://shop.example", "guest_days": 30,
        "earn_rules": [{"id": "base", "event": "order_paid",
                        "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}}]
    });
    let shop = world.shop(&program);
    let secret = format!("shpss_{}", shop.name);
    assert_eq!(connect(&shop, &secret).status, 200);
    // Ids of this run, with digits no clock or counter writes.
    let run = u64::try_from(xtask::clock::unix_now()).unwrap() % 1_000_000_000;
    let customer_id = 8_800_000_000_000 + run;
    let (order_id, guest_order_id) = (8_810_000_000_000 + run, 8_820_000_000_000 + run);
    let email = format!("john.{run}@example.com");
    let hash = loyalty_edge::auth::sha256_hex(&email);

    let mut paid = fixture("shopify-orders-paid.json");
    paid["id"] = json!(order_id);
    paid["customer"]["id"] = json!(customer_id);
    paid["customer"]["email"] = json!(email);
    paid["email"] = json!(email);
    paid["contact_email"] = json!(email);
    paid["processed_at"] = json!(days_ago(1));
    let first = deliver(world, &shop, "orders/paid", &paid, &secret, 1);
    assert_eq!(first.json()["results"][0]["points"], 181, "{}", first.body);
    // A checkout as a guest with the same email: held under its hash.
    let mut guest = paid.clone();
    guest["id"] = json!(guest_order_id);
    guest.as_object_mut().unwrap().remove("customer");
    let held = deliver(world, &shop, "orders/paid", &guest, &secret, 2);
    assert!(
        held.json()["results"][0]["held_until"].is_string(),
        "{}",
        held.body
    );

    // customers/data_request: the member is known, the export is there.
    let mut asked = fixture("shopify-customers-data_request.json");
    asked["customer"]["id"] = json!(customer_id);
    asked["customer"]["email"] = json!(email);
    let answer = deliver(world, &shop, "customers/data_request", &asked, &secret, 3);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let member = customer_id.to_string();
    let path = format!("/v1/shops/{}/members/{member}/export", shop.name);
    assert_eq!(
        answer.json()["privacy"],
        json!({"member": true, "erased": false, "export_path": path}),
        "{}",
        answer.body
    );
    let export = shop.api.export(&member).expect("the export");
    assert_eq!(
        serde_json::to_value(&export).unwrap()["member_id"],
        json!(member)
    );

    // customers/redact: erased, twice (Shopify retries): the same answer.
    let mut redact = fixture("shopify-customers-redact.json");
    redact["customer"]["id"] = json!(customer_id);
    redact["customer"]["email"] = json!(email);
    redact["orders_to_redact"] = json!([order_id, guest_order_id]);
    let erased = deliver(world, &shop, "customers/redact", &redact, &secret, 4);
    assert_eq!(erased.status, 200, "{}", erased.body);
    assert_eq!(
        erased.json()["privacy"],
        json!({"member": true, "erased": true}),
        "{}",
        erased.body
    );
    let again = deliver(world, &shop, "customers/redact", &redact, &secret, 5);
    assert_eq!(
        again.json()["privacy"],
        json!({"member": false, "erased": true}),
        "{}",
        again.body
    );
    assert_eq!(shop.api.export(&member).unwrap_err().status(), Some(404));
    // Shopify's retry of the old order: a duplicate of an erased member's
    // event, bringing no one back.
    let retried = deliver(world, &shop, "orders/paid", &paid, &secret, 6);
    let result = &retried.json()["results"][0];
    assert_eq!(
        (result["duplicate"].clone(), result["member_erased"].clone()),
        (json!(true), json!(true)),
        "{}",
        retried.body
    );
    assert_eq!(shop.api.export(&member).unwrap_err().status(), Some(404));

    world.stop();
    let stores = world.state.join("wrangler");
    let mut left = Vec::new();
    for needle in [
        member,
        hash,
        order_id.to_string(),
        guest_order_id.to_string(),
    ] {
        left.extend(
            crate::privacy::stores_holding(&stores, &needle)
                .into_iter()
                .map(|store| format!("{needle}: {store}")),
        );
    }
    // The search finds what is there: the shop, in rows.
    let shop_found = crate::privacy::stores_holding(&stores, &shop.name);
    world.restart(true);
    assert!(left.is_empty(), "still held: {left:#?}");
    assert!(!shop_found.is_empty(), "the search reads the stores");
}

/// Posts a body as `platform` sends it: signed its way with `secret`,
/// the topic in its header (Shopware names it in the body).
fn send_as(
    world: &World,
    shop: &Shop,
    platform: Platform,
    topic: &str,
    body: &Value,
    secret: &str,
) -> Answer {
    let body = body.to_string();
    let signature = platform.sign(secret, body.as_bytes());
    let mut headers = vec![
        ("content-type", "application/json"),
        (platform.signature_header(), signature.as_str()),
    ];
    if let Some(name) = platform.topic_header() {
        headers.push((name, topic));
    }
    world.call(
        "POST",
        &format!("/v1/hooks/{}/{}", shop.name, platform.name()),
        &headers,
        body.as_bytes(),
    )
}

fn connect_as(shop: &Shop, platform: Platform, secret: &str) {
    let body = json!({"secret": secret}).to_string();
    let path = format!("/v1/shops/{{shop}}/platforms/{}", platform.name());
    let connected = shop.merchant("PUT", &path, body.as_bytes());
    assert_eq!(connected.status, 200, "{}", connected.body);
}

/// A time as WooCommerce writes its `_gmt` fields: UTC without an offset.
fn woo_gmt(days: i64) -> String {
    days_ago(days).trim_end_matches('Z').to_owned()
}

/// WooCommerce's webhooks with WooCommerce's published orders and customer
/// (made this run's by their ids, emails and times) and its signature: the
/// unsigned ping on saving a webhook answered 200; a guest's processing
/// order held and credited at the customer's creation (18 points: the
/// lines' 6.00 + 12.00, tax and shipping give none); its completed
/// delivery a duplicate; a member's completed order with two refunds (29,
/// then -10 and -9); a never-paid cancellation acknowledged; forged and
/// incomplete deliveries change nothing.
pub fn woocommerce_webhooks(world: &mut World) {
    let program = json!({
        "currency": "USD", "shop_url": "https://shop.example", "guest_days": 30,
        "earn_rules": [{"id": "base", "event": "order_paid",
                        "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}}]
    });
    let shop = world.shop(&program);
    let woo = Platform::WooCommerce;
    let secret = format!("woo-{}", shop.name);
    // WooCommerce pings a new webhook's URL unsigned and keeps the webhook
    // only if it hears 200.
    let ping = world.call(
        "POST",
        &format!("/v1/hooks/{}/woocommerce", shop.name),
        &[("content-type", "application/x-www-form-urlencoded")],
        b"webhook_id=17",
    );
    assert_eq!(ping.status, 200, "{}", ping.body);
    assert_eq!(ping.json()["topic"], "ping");
    connect_as(&shop, woo, &secret);

    let run = u64::try_from(xtask::clock::unix_now()).unwrap() % 1_000_000_000;
    let email = format!("john.doe.{run}@example.com");
    let mut order = fixture("woocommerce-order.json");
    order["id"] = json!(run);
    order["billing"]["email"] = json!(email);
    order["date_paid_gmt"] = json!(woo_gmt(1));
    let held = send_as(world, &shop, woo, "order.updated", &order, &secret);
    assert_eq!(held.status, 200, "{}", held.body);
    assert!(
        held.json()["results"][0]["held_until"].is_string(),
        "{}",
        held.body
    );
    // The same order completed (WooCommerce's published update): its paid
    // event again, a duplicate.
    let mut completed = fixture("woocommerce-order-completed.json");
    completed["id"] = json!(run);
    completed["billing"]["email"] = json!(email);
    completed["date_paid_gmt"] = json!(woo_gmt(1));
    let again = send_as(world, &shop, woo, "order.updated", &completed, &secret);
    assert_eq!(
        again.json()["results"][0]["duplicate"],
        true,
        "{}",
        again.body
    );
    // The customer's account: the guest order credited with it.
    let customer_id = run + 1;
    let mut customer = fixture("woocommerce-customer.json");
    customer["id"] = json!(customer_id);
    customer["email"] = json!(email);
    customer["date_created_gmt"] = json!(woo_gmt(0));
    let joined = send_as(world, &shop, woo, "customer.created", &customer, &secret);
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert_eq!(joined.json()["results"][0]["points"], 18, "{}", joined.body);
    assert_eq!(balance(&shop, &customer_id.to_string()), 18);

    // A member's completed order (published: 9.00 + 20.00) with its two
    // refunds (10.00 and 9.00 of 29.00: -10 and -9 of its 29 points).
    let member = run + 2;
    let mut refunded = fixture("woocommerce-order-refunds.json");
    refunded["id"] = json!(run + 3);
    refunded["customer_id"] = json!(member);
    refunded["date_completed_gmt"] = json!(woo_gmt(1));
    refunded["refunds"][0]["id"] = json!(run + 4);
    refunded["refunds"][1]["id"] = json!(run + 5);
    for duplicate in [false, true] {
        let answer = send_as(world, &shop, woo, "order.updated", &refunded, &secret);
        assert_eq!(answer.status, 200, "{}", answer.body);
        let points: Vec<(i64, bool)> = answer.json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["points"].as_i64().unwrap(),
                    r["duplicate"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            points,
            [(29, duplicate), (-10, duplicate), (-9, duplicate)],
            "{}",
            answer.body
        );
    }
    assert_eq!(balance(&shop, &member.to_string()), 10);

    // Cancelled before it was ever paid: acknowledged, nothing changes.
    let mut unpaid = order.clone();
    unpaid["id"] = json!(run + 6);
    unpaid["status"] = json!("cancelled");
    unpaid["date_paid_gmt"] = Value::Null;
    let ignored = send_as(world, &shop, woo, "order.updated", &unpaid, &secret);
    assert_eq!(
        (ignored.status, ignored.json()["ignored"].clone()),
        (200, json!(true)),
        "{}",
        ignored.body
    );

    // Forged, or missing the buyer: refused, nothing recorded.
    let mut other = order.clone();
    other["id"] = json!(run + 7);
    let forged = send_as(world, &shop, woo, "order.updated", &other, "not-the-secret");
    assert_eq!(forged.status, 401, "{}", forged.body);
    other["billing"].as_object_mut().unwrap().remove("email");
    let missing = send_as(world, &shop, woo, "order.updated", &other, &secret);
    assert_eq!(missing.status, 422, "{}", missing.body);
    assert_eq!(
        missing.json()["problems"][0]["path"],
        "$.billing.email",
        "{}",
        missing.body
    );
    // An unsigned body that is not a ping is refused too.
    let unsigned = world.call(
        "POST",
        &format!("/v1/hooks/{}/woocommerce", shop.name),
        &[("x-wc-webhook-topic", "order.updated")],
        other.to_string().as_bytes(),
    );
    assert_eq!(unsigned.status, 401, "{}", unsigned.body);
}

/// Shopware's app webhooks: its published envelope carrying its published
/// order entity (the app SDK's payment request; made this run's by ids and
/// time), signed with the shop secret in hex: a paid transaction credits
/// 395 points (395.01 EUR net goods); the same order placed-and-paid and
/// a retry are duplicates; a full refund takes them back; a cancellation
/// of an order never recorded is acknowledged; forged is refused.
pub fn shopware_webhooks(world: &mut World) {
    let program = json!({
        "currency": "EUR", "shop_url": "https://shop.example", "guest_days": 30,
        "earn_rules": [{"id": "base", "event": "order_paid",
                        "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}}]
    });
    let shop = world.shop(&program);
    let shopware = Platform::Shopware;
    let secret = format!("sw-{}", shop.name);
    connect_as(&shop, shopware, &secret);
    let run = u64::try_from(xtask::clock::unix_now()).unwrap() % 1_000_000_000;
    let member = format!("5e5d6cd8917c45839b2f6aa7{run:08x}");
    let mut order = fixture("shopware-app-payment.json")["order"].clone();
    order["id"] = json!(format!("8f69d4874c53486a95383b21{run:08x}"));
    order["orderCustomer"]["customerId"] = json!(member);
    order["orderDateTime"] = json!(days_ago(1));
    let webhook = |event: &str, order: &Value| {
        let mut body = fixture("shopware-product.written.json");
        body["data"]["event"] = json!(event);
        body["data"]["payload"] = json!({"order": order});
        body
    };
    let mut paid = order.clone();
    paid["transactions"][0]["stateMachineState"]["technicalName"] = json!("paid");
    let first = send_as(
        world,
        &shop,
        shopware,
        "",
        &webhook("state_enter.order_transaction.state.paid", &paid),
        &secret,
    );
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["results"][0]["points"], 395, "{}", first.body);
    for event in [
        "state_enter.order_transaction.state.paid",
        "checkout.order.placed",
    ] {
        let again = send_as(world, &shop, shopware, "", &webhook(event, &paid), &secret);
        assert_eq!(
            again.json()["results"][0]["duplicate"],
            true,
            "{event}: {}",
            again.body
        );
    }
    // Placed but not paid yet: acknowledged, nothing recorded.
    let mut open = order.clone();
    open["id"] = json!(format!("9f69d4874c53486a95383b21{run:08x}"));
    let placed = send_as(
        world,
        &shop,
        shopware,
        "",
        &webhook("checkout.order.placed", &open),
        &secret,
    );
    assert_eq!(placed.json()["ignored"], true, "{}", placed.body);
    // Its cancellation: the order shows it was never paid, acknowledged.
    let cancelled = send_as(
        world,
        &shop,
        shopware,
        "",
        &webhook("state_enter.order.state.cancelled", &open),
        &secret,
    );
    assert_eq!(cancelled.json()["ignored"], true, "{}", cancelled.body);
    // As an order state's webhook comes (its transactions' states not
    // loaded): a cancellation of an order never recorded, acknowledged.
    let mut unloaded = open.clone();
    for transaction in unloaded["transactions"].as_array_mut().unwrap() {
        transaction
            .as_object_mut()
            .unwrap()
            .remove("stateMachineState");
    }
    let cancelled = send_as(
        world,
        &shop,
        shopware,
        "",
        &webhook("state_enter.order.state.cancelled", &unloaded),
        &secret,
    );
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(
        cancelled.json()["results"][0]["code"],
        "unknown_order",
        "{}",
        cancelled.body
    );
    // Refunded in full: the 395 points go back.
    let refunded = send_as(
        world,
        &shop,
        shopware,
        "",
        &webhook("state_enter.order_transaction.state.refunded", &paid),
        &secret,
    );
    assert_eq!(
        refunded.json()["results"][0]["points"],
        -395,
        "{}",
        refunded.body
    );
    assert_eq!(balance(&shop, &member), 0);
    // As Shopware's webhooks really come (the Store API scope leaves out
    // `customerId`): the order goes by its email's hash, held until the
    // shop's signup event for that customer credits it.
    let email = format!("buyer.{run}@example.com");
    let mut by_email = paid.clone();
    by_email["id"] = json!(format!("af69d4874c53486a95383b21{run:08x}"));
    by_email["orderCustomer"]
        .as_object_mut()
        .unwrap()
        .remove("customerId");
    by_email["orderCustomer"]["email"] = json!(email);
    let held = send_as(
        world,
        &shop,
        shopware,
        "",
        &webhook("state_enter.order_transaction.state.paid", &by_email),
        &secret,
    );
    assert!(
        held.json()["results"][0]["held_until"].is_string(),
        "{}",
        held.body
    );
    let customer = format!("sw-customer-{run}");
    let signup = json!({"id": format!("{customer}-signup"), "kind": "signup",
                        "member_id": customer, "occurred_at": days_ago(0),
                        "member": {"email_hash": loyalty_edge::auth::sha256_hex(&email)}});
    let joined = shop.send(&signup);
    assert_eq!(joined.json()["points"], 395, "{}", joined.body);
    // Forged: refused.
    let forged = send_as(
        world,
        &shop,
        shopware,
        "",
        &webhook("state_enter.order_transaction.state.paid", &paid),
        "not-the-secret",
    );
    assert_eq!(forged.status, 401, "{}", forged.body);
}

/// Shopify's `shop/redact` (its published payload): every member and
/// every guest's held orders erased in the background, each as
/// `DELETE …/members/{id}` erases; the shop and its program stay; no
/// store holds any of them afterwards, across a restart.
pub fn shopify_shop_redact(world: &mut World) {
    let program = json!({
        "currency": "USD", "shop_url": "https://shop.example", "guest_days": 30,
        "earn_rules": [{"id": "base", "event": "order_paid",
                        "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}}]
    });
    let shop = world.shop(&program);
    let secret = format!("shpss_{}", shop.name);
    assert_eq!(connect(&shop, &secret).status, 200);
    let run = u64::try_from(xtask::clock::unix_now()).unwrap() % 1_000_000_000;
    let (ann, ben) = (8_830_000_000_000 + run, 8_840_000_000_000 + run);
    let guest_order = 8_850_000_000_000 + run;
    let guest_email = format!("guest.{run}@example.com");
    for (n, customer) in [ann, ben].into_iter().enumerate() {
        let mut paid = fixture("shopify-orders-paid.json");
        paid["id"] = json!(customer + 1);
        paid["customer"]["id"] = json!(customer);
        paid["processed_at"] = json!(days_ago(1));
        let answer = deliver(world, &shop, "orders/paid", &paid, &secret, 20 + n as u32);
        assert_eq!(
            answer.json()["results"][0]["points"],
            181,
            "{}",
            answer.body
        );
    }
    let mut guest = fixture("shopify-orders-paid.json");
    guest["id"] = json!(guest_order);
    guest.as_object_mut().unwrap().remove("customer");
    guest["email"] = json!(guest_email);
    guest["processed_at"] = json!(days_ago(1));
    let held = deliver(world, &shop, "orders/paid", &guest, &secret, 22);
    assert!(
        held.json()["results"][0]["held_until"].is_string(),
        "{}",
        held.body
    );
    // The shop object knows its states by their figures, which each write
    // reports (within seconds here).
    let wait = |done: &dyn Fn() -> bool, what: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "{what}");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    };
    wait(
        &|| shop.api.analytics().unwrap().metrics.members == 2,
        "two members counted",
    );

    let redact = deliver(
        world,
        &shop,
        "shop/redact",
        &fixture("shopify-shop-redact.json"),
        &secret,
        23,
    );
    assert_eq!(redact.status, 200, "{}", redact.body);
    assert_eq!(
        redact.json()["privacy"],
        json!({"member": false, "erased": true, "whole_shop": true}),
        "{}",
        redact.body
    );
    wait(
        &|| {
            shop.api.export(&ann.to_string()).is_err() && shop.api.export(&ben.to_string()).is_err()
        },
        "both members erased",
    );
    wait(
        &|| shop.api.analytics().unwrap().metrics.members == 0,
        "no member counted",
    );
    // The guest's held order went too: the customer's account now brings
    // nothing with it.
    std::thread::sleep(std::time::Duration::from_secs(2));
    let mut created = fixture("shopify-customers-create.json");
    created["id"] = json!(8_860_000_000_000 + run);
    created["email"] = json!(guest_email);
    created["created_at"] = json!(days_ago(0));
    let joined = deliver(world, &shop, "customers/create", &created, &secret, 24);
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert_eq!(joined.json()["results"][0]["points"], 0, "{}", joined.body);
    // The shop and its program stay.
    assert!(shop.api.program().is_ok());
    let joined_id = (8_860_000_000_000 + run).to_string();
    shop.api
        .erase(&joined_id)
        .expect("the new customer erased too");

    world.stop();
    let stores = world.state.join("wrangler");
    let mut left = Vec::new();
    for needle in [
        ann.to_string(),
        ben.to_string(),
        guest_order.to_string(),
        loyalty_edge::auth::sha256_hex(&guest_email),
    ] {
        left.extend(
            crate::privacy::stores_holding(&stores, &needle)
                .into_iter()
                .map(|store| format!("{needle}: {store}")),
        );
    }
    let shop_found = crate::privacy::stores_holding(&stores, &shop.name);
    world.restart(true);
    assert!(left.is_empty(), "still held: {left:#?}");
    assert!(!shop_found.is_empty(), "the search reads the stores");
}
