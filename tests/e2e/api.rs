//! The API cases. Every expected figure is worked out by hand from the
//! contract, with the arithmetic beside it.

use std::sync::Arc;
use std::thread;

use serde_json::{Value, json};

use loyalty_client::{Adjustment, LedgerQuery, events};
use loyalty_rules::award::AwardLine;
use loyalty_rules::event::MemberFacts;
use loyalty_rules::{EventKind, Id};

use crate::world::{Shop, World, at, contract_program, days_ago, days_ahead, order, raw};

fn id(text: &str) -> Id {
    Id::parse(text).expect("a valid id")
}

pub fn simple_program() -> Value {
    json!({
        "currency": "USD", "shop_url": "https://shop.example",
        "earn_rules": [
            {"id": "base", "event": "order_paid", "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}},
            {"id": "first", "event": "order_paid", "effect": {"kind": "fixed", "points": 100},
             "when": [{"field": "order.first", "op": "eq", "value": true}]},
            {"id": "signup", "event": "signup", "effect": {"kind": "fixed", "points": 100}}
        ],
        "rewards": [{"id": "ship", "name": {"en": "Free shipping"}, "cost_points": 300, "kind": "free_shipping"}]
    })
}

pub fn health_and_openapi(world: &mut World) {
    let health = world.call("GET", "/healthz", &[], b"");
    assert_eq!(health.status, 200);
    let doc = world.call("GET", "/openapi.json", &[], b"");
    assert_eq!(doc.status, 200);
    assert_eq!(doc.json()["openapi"], "3.1.0");
    let missing = world.call("GET", "/v1/nothing-here", &[], b"");
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(missing.json()["code"], "not_found");
}

pub fn contract_example(world: &mut World) {
    let shop = world.shop(&contract_program());
    let event = events::order_paid(
        "evt-1001",
        "c-42",
        "o-1",
        "USD",
        12999,
        vec![
            events::line("boot-1", "shoes", 1, 8999),
            events::line("sock-2", "socks", 2, 2000),
        ],
        at(days_ago(8)),
    )
    .unwrap();
    let answer = shop.record(&event);
    // base: floor(12999 / 100) * 1 = 129; shoes-bonus: floor(8999 / 100) * 1 = 89;
    // bronze is 10000 bp (no change, no line); double-week runs 30 to 37 days
    // after the run's start, and this order was paid 8 days before it.
    assert_eq!(
        answer.lines,
        [
            AwardLine::new("base".into(), 129),
            AwardLine::new("shoes-bonus".into(), 89)
        ]
    );
    // 129 + 89 = 218.
    assert_eq!(answer.points, 218);
    assert_eq!(answer.balance, 218);
    assert_eq!(answer.tier, Some(id("bronze")));
    assert!(!answer.duplicate);
    assert_eq!(answer.program_version, 1);
    // next-order: subtotal 12999 >= 10000 issues a five-off code valid 14
    // days: paid 8 days ago, so it expires 14 - 8 = 6 days after the start.
    assert_eq!(answer.codes[0].reward, "five-off");
    assert_eq!(answer.codes[0].expires_at, Some(at(days_ahead(6))));

    let view = shop.view("c-42").view;
    assert_eq!(view.balance, 218);
    // Spend 12999 toward silver at 50000: remaining 50000 - 12999 = 37001;
    // progress floor(10000 * 12999 / 50000) = 2599.
    let next = view.next_tier.expect("a next tier");
    assert_eq!(next.id.as_str(), "silver");
    assert_eq!(next.remaining, 37001);
    assert_eq!(next.progress_bp, 2599);
    assert_eq!(view.codes.len(), 1);

    let program = shop.api.program().unwrap();
    assert_eq!(program.version, 1);
    assert_eq!(program.program["currency"], "USD");
}

pub fn program_problems(world: &mut World) {
    let shop = world.shop(&contract_program());
    let mut bad = raw(&contract_program());
    bad["bogus"] = json!(1);
    bad["earn_rules"][2]["effect"]["points"] = json!(-5);
    bad["earn_rules"][0]["effect"]["per_minor"] = json!(0);
    let answer = shop.put_program(&bad);
    assert_eq!(answer.status, 422, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["code"], "invalid_program");
    let paths: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    for wanted in [
        "$.bogus",
        "$.earn_rules[2].effect.points",
        "$.earn_rules[0].effect.per_minor",
    ] {
        assert!(paths.contains(&wanted), "{wanted} missing from {paths:?}");
    }
    // Nothing changed: still version 1.
    assert_eq!(
        shop.merchant("GET", "/v1/shops/{shop}/program", b"").json()["version"],
        1
    );
}

/// Runs `work` on `count` threads that all start it at the same moment
/// (they wait for each other at a barrier first).
pub fn concurrently(
    count: usize,
    work: impl Fn(usize) -> xtask::http::Answer + Send + Sync + 'static,
) -> Vec<xtask::http::Answer> {
    let work = Arc::new(work);
    let start = Arc::new(std::sync::Barrier::new(count));
    let handles: Vec<_> = (0..count)
        .map(|i| {
            let (work, start) = (Arc::clone(&work), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                work(i)
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("a thread"))
        .collect()
}

pub fn idempotent_under_concurrency(world: &mut World) {
    let shop = world.shop(&simple_program());
    let event = order("dup-1", "m-dup", "o-dup", 2500);
    let body = raw(&event).to_string();
    let sender = shop.clone();
    let answers = concurrently(40, move |_| {
        sender.merchant("POST", "/v1/shops/{shop}/events", body.as_bytes())
    });
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.body);
        // floor(2500 / 100) = 25, plus the first-order 100 = 125.
        assert_eq!(answer.json()["points"], 125);
    }
    let firsts = answers
        .iter()
        .filter(|a| a.json()["duplicate"] == false)
        .count();
    assert_eq!(firsts, 1, "exactly one answer is the first");
    assert_eq!(shop.member("m-dup")["balance"], 125);
}

pub fn id_conflicts(world: &mut World) {
    let shop = world.shop(&simple_program());
    assert_eq!(shop.send(&order("conf-1", "m-a", "o-a", 1000)).status, 200);
    let other_body = shop.send(&order("conf-1", "m-a", "o-a", 9999));
    assert_eq!(other_body.status, 409);
    assert_eq!(other_body.json()["code"], "event_id_conflict");
    let other_member = shop.send(&order("conf-1", "m-b", "o-b", 1000));
    assert_eq!(other_member.status, 409);
    // 1000 / 100 = 10, plus first-order 100 = 110; m-b got nothing.
    assert_eq!(shop.member("m-a")["balance"], 110);
    assert_eq!(shop.member("m-b")["balance"], 0);
    let same_order = shop.send(&order("conf-2", "m-a", "o-a", 1000));
    assert_eq!(same_order.status, 409);
    assert_eq!(same_order.json()["code"], "duplicate_order");
}

pub fn concurrent_orders(world: &mut World) {
    let shop = world.shop(&simple_program());
    let sender = shop.clone();
    let answers = concurrently(40, move |i| {
        let event = order(&format!("many-{i}"), "m-many", &format!("o-many-{i}"), 1000);
        sender.merchant(
            "POST",
            "/v1/shops/{shop}/events",
            raw(&event).to_string().as_bytes(),
        )
    });
    assert!(answers.iter().all(|a| a.status == 200));
    let with_bonus = answers
        .iter()
        .filter(|a| {
            a.json()["lines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["rule"] == "first")
        })
        .count();
    assert_eq!(with_bonus, 1, "one first-order bonus");
    // 40 orders of floor(1000 / 100) = 10 points, plus one bonus of 100: 400 + 100 = 500.
    assert_eq!(shop.member("m-many")["balance"], 500);
}

pub fn bad_inputs(world: &mut World) {
    let shop = world.shop(&contract_program());
    let other = world.shop(&contract_program());
    assert_eq!(
        shop.send(&order("base-1", "m-bad", "o-base", 10000)).status,
        200
    );
    let before = shop.member("m-bad");
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(300 * 1024));
    let mut future = raw(&order("fut-1", "m-bad", "o-fut", 1000));
    future["occurred_at"] = json!(days_ahead(1));
    let mut currency = raw(&order("cur-1", "m-bad", "o-cur", 1000));
    currency["order"]["currency"] = json!("EUR");
    let negative = order("neg-1", "m-bad", "o-neg", -5);
    let mut bad_id = raw(&order("bad-id", "m-bad", "o-id", 1000));
    bad_id["id"] = json!("bad id!");
    let mut unknown = raw(&order("unk-1", "m-bad", "o-unk", 1000));
    unknown["surprise"] = json!(true);
    let cases: Vec<(&str, xtask::http::Answer, u16, &str)> = vec![
        ("malformed JSON", shop.merchant("POST", "/v1/shops/{shop}/events", b"{not json"), 400, "malformed_json"),
        ("another currency", shop.send(&currency), 422, "currency_mismatch"),
        ("negative amount", shop.send(&negative), 422, "invalid_event"),
        ("occurred_at in the future", shop.send(&future), 422, "invalid_event"),
        ("bad id characters", shop.send(&bad_id), 422, "invalid_event"),
        ("unknown event field", shop.send(&unknown), 422, "invalid_event"),
        ("body over 256 KiB", shop.merchant("POST", "/v1/shops/{shop}/events", big.as_bytes()), 413, "body_too_large"),
        (
            "no key",
            world.call("POST", &format!("/v1/shops/{}/events", shop.name), &[], raw(&order("nk", "m-bad", "o-nk", 1)).to_string().as_bytes()),
            401,
            "unauthorized",
        ),
        (
            "another shop's key",
            world.call(
                "POST",
                &format!("/v1/shops/{}/events", shop.name),
                &[("authorization", &format!("Bearer {}", other.api_key))],
                raw(&order("ok", "m-bad", "o-ok", 1)).to_string().as_bytes(),
            ),
            401,
            "unauthorized",
        ),
        (
            "a refund of an unknown order",
            shop.send(&json!({"id": "ref-x", "kind": "order_refunded", "member_id": "m-bad", "occurred_at": days_ago(8),
                               "order": {"order_id": "nope", "refund_minor": 10}})),
            422,
            "unknown_order",
        ),
    ];
    for (name, answer, status, code) in &cases {
        assert_eq!(answer.status, *status, "{name}: {}", answer.body);
        assert_eq!(answer.json()["code"], *code, "{name}: {}", answer.body);
        assert_eq!(
            answer.header("content-type"),
            Some("application/problem+json"),
            "{name}"
        );
    }
    // Nothing changed.
    assert_eq!(shop.member("m-bad")["balance"], before["balance"]);
    // The refused ids are free to use with a good body.
    assert_eq!(
        shop.send(&order("cur-1", "m-bad", "o-cur", 1000)).status,
        200
    );

    // Customer tokens: forged and expired ones never show a member.
    let forged = shop.token("m-bad").replacen("m-bad", "m-bae", 1);
    let expired = loyalty_edge::auth::customer_token("m-bad", 1_000, &shop.widget_secret);
    let foreign = other.token("m-bad");
    for token in [forged, expired, foreign] {
        let me = shop.me(&token);
        assert_eq!(me.status, 401, "{}", me.body);
        let program = shop.widget("GET", "/v1/widget/{shop}/program", Some(&token), &[], b"");
        assert_eq!(program.status, 200);
        assert_eq!(
            program.json()["signed_in"],
            false,
            "answered as for a guest"
        );
    }

    // Webhook signatures: fresh ones pass, stale or wrong ones do not.
    let now = xtask::clock::unix_now();
    let body = raw(&order("sig-1", "m-sig", "o-sig", 1000)).to_string();
    for (secret, at, status) in [
        (shop.webhook_secret.as_str(), now - 400, 401),
        ("whsec_wrong", now, 401),
        (shop.webhook_secret.as_str(), now, 200),
    ] {
        let answer = shop.send_signed(&body, secret, at);
        assert_eq!(answer.status, status, "{}", answer.body);
    }
}

pub fn refunds(world: &mut World) {
    let shop = world.shop(&contract_program());
    let paid = events::order_paid(
        "r-o1",
        "m-ref",
        "o-r",
        "USD",
        12999,
        vec![events::line("boot-1", "shoes", 1, 8999)],
        at(days_ago(8)),
    )
    .unwrap();
    // 129 + 89 = 218 as in the contract example.
    assert_eq!(shop.record(&paid).points, 218);
    let refund = events::order_refunded("r-r1", "m-ref", "o-r", 6500, at(days_ago(7))).unwrap();
    // floor(218 * 6500 / 12999) = floor(1417000 / 12999) = 109.
    assert_eq!(shop.record(&refund).points, -109);
    let cancel = events::order_cancelled("r-c1", "m-ref", "o-r", at(days_ago(6))).unwrap();
    // The rest: 218 - 109 = 109.
    assert_eq!(shop.record(&cancel).points, -109);
    let view = shop.view("m-ref").view;
    assert_eq!(view.balance, 0);
    // A cancelled order counts nothing toward spend: remaining to silver is the full 50000.
    assert_eq!(view.next_tier.expect("a next tier").remaining, 50000);
}

pub fn redemption(world: &mut World) {
    let shop = world.shop(&contract_program());
    let welcome = Adjustment {
        id: id("adj-1"),
        points: 1000,
        reason: "welcome".into(),
    };
    let adjusted = shop.api.adjust("m-red", &welcome).unwrap();
    assert!(!adjusted.duplicate);
    let again = shop.api.adjust("m-red", &welcome).unwrap();
    assert!(again.duplicate);
    assert_eq!(again.balance, 1000, "idempotent by id");
    let shopper = shop.shopper("m-red");
    let first = shopper.redeem("five-off", "k-1").unwrap();
    assert!(!first.replayed);
    // 1000 - 500 = 500.
    assert_eq!(first.redemption.balance, 500);
    assert_eq!(first.redemption.points_spent, 500);
    let code = first.redemption.code.clone();
    assert!(code.len() >= 16, "at least 80 bits in 16 base32 characters");
    let replay = shopper.redeem("five-off", "k-1").unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.redemption.code, code);
    assert_eq!(replay.redemption.balance, 500);
    let refused = |reward: &str, key: &str| shopper.redeem(reward, key).unwrap_err();
    assert_eq!(
        refused("ship", "k-1").status(),
        Some(409),
        "same key, other reward"
    );
    // Without a key (the client always sends one): raw.
    let token = shop.token("m-red");
    let keyless = shop.widget(
        "POST",
        "/v1/widget/{shop}/redeem",
        Some(&token),
        &[],
        br#"{"reward": "ship"}"#,
    );
    assert_eq!(keyless.status, 400, "no key");
    // ten-pct needs silver (m-red has no tier) and costs 1000 > 500: the tier wins.
    let both = refused("ten-pct", "k-2");
    assert_eq!(
        (both.status(), both.code()),
        (Some(409), Some("tier_required"))
    );

    let used = shop.api.use_code(&code).unwrap();
    assert!(!used.usable);
    let used_twice = shop.api.use_code(&code).unwrap_err();
    assert_eq!(
        (used_twice.status(), used_twice.code()),
        (Some(409), Some("code_used"))
    );

    let ship = shopper.redeem("ship", "k-3").unwrap().redemption;
    // 500 - 300 = 200.
    assert_eq!(ship.balance, 200);
    let cancelled = shop.api.cancel_code(&ship.code).unwrap();
    assert!(!cancelled.usable);
    // The 300 return: 200 + 300 = 500.
    assert_eq!(shop.view("m-red").view.balance, 500);
    assert!(!shopper.redeem("five-off", "k-4").unwrap().replayed);
    // 500 - 500 = 0: nothing left for another.
    let broke = refused("five-off", "k-5");
    assert_eq!(
        (broke.status(), broke.code()),
        (Some(409), Some("insufficient_points"))
    );
    assert_eq!(shop.api.code("NOPE-NOPE").unwrap_err().status(), Some(404));
}

pub fn referrals(world: &mut World) {
    let shop = world.shop(&contract_program());
    let signup = |event_id: &str, member: &str, code: Option<&str>, hash: &str| {
        let mut event =
            events::of_kind(EventKind::Signup, event_id, member, at(days_ago(11))).unwrap();
        event.referral_code = code.map(str::to_owned);
        event.member = Some(MemberFacts {
            email_hash: Some(hash.to_owned()),
            ..MemberFacts::default()
        });
        shop.record(&event)
    };
    signup("s-r", "referrer", None, "hash-r");
    let code = shop
        .view("referrer")
        .view
        .referral
        .expect("a referral code")
        .code;

    let referee = signup("s-e", "referee", Some(&code), "hash-e");
    assert_eq!(referee.referral.expect("a decision").status, "accepted");
    assert_eq!(referee.codes[0].reward, "referral");
    let self_ref = signup("s-s", "sneaky", Some(&code), "hash-r");
    let decision = self_ref.referral.expect("a decision");
    assert_eq!(decision.status, "refused");
    assert_eq!(decision.reason.as_deref(), Some("self_referral"));
    // The signup itself still counts: 100 points.
    assert_eq!(self_ref.points, 100);
    let again = signup("s-e2", "referee", Some(&code), "hash-e");
    assert_eq!(
        again.referral.expect("a decision").reason.as_deref(),
        Some("already_referred")
    );

    // An order below min_order_minor (2000) does not credit; the next one does.
    shop.record(&order("e-o1", "referee", "eo-1", 1500));
    assert_eq!(shop.view("referrer").view.balance, 100);
    shop.record(&order("e-o2", "referee", "eo-2", 2500));
    // Signup 100 + referrer_points 500 = 600.
    let referrer = shop.view("referrer").view;
    assert_eq!(referrer.balance, 600);
    assert_eq!(referrer.referral.expect("a referral").referred, 1);
    shop.record(&order("e-o3", "referee", "eo-3", 9000));
    assert_eq!(shop.view("referrer").view.balance, 600, "once per referee");

    let redirect = world.call("GET", &format!("/r/{}/{code}", shop.name), &[], b"");
    assert_eq!(redirect.status, 302);
    assert_eq!(
        redirect.header("location"),
        Some(format!("https://shop.example?ref={code}").as_str())
    );
    assert_eq!(
        world
            .call("GET", &format!("/r/{}/NOSUCHCODE", shop.name), &[], b"")
            .status,
        404
    );
}

pub fn widget(world: &mut World) {
    let shop = world.shop(&contract_program());
    assert_eq!(shop.send(&order("w-1", "m-w", "o-w", 60000)).status, 200);
    let guest = shop.widget(
        "GET",
        "/v1/widget/{shop}/program?locale=ar",
        None,
        &[("origin", "https://shop.example")],
        b"",
    );
    assert_eq!(guest.status, 200);
    assert_eq!(
        guest.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    let view = guest.json();
    assert_eq!(view["dir"], "rtl");
    assert_eq!(view["tiers"]["levels"][2]["name"], "ذهبي");
    assert_eq!(view["ways_to_earn"].as_array().unwrap().len(), 6);
    let evil = shop.widget(
        "GET",
        "/v1/widget/{shop}/program",
        None,
        &[("origin", "https://evil.example")],
        b"",
    );
    assert_eq!(evil.status, 200, "{}", evil.body);
    assert_eq!(evil.json()["signed_in"], false);
    assert_eq!(evil.header("access-control-allow-origin"), None);
    let preflight = shop.widget(
        "OPTIONS",
        "/v1/widget/{shop}/redeem",
        None,
        &[
            ("origin", "https://shop.example"),
            ("access-control-request-method", "POST"),
        ],
        b"",
    );
    assert_eq!(preflight.status, 204);
    assert!(
        preflight
            .header("access-control-allow-headers")
            .unwrap()
            .contains("idempotency-key")
    );

    let guest = shop.client.widget(&shop.name, None);
    assert_eq!(guest.me(None).unwrap_err().status(), Some(401));
    let shopper = shop.shopper("m-w");
    let me = shopper.me(None).unwrap().view;
    // floor(60000 / 100) = 600 at bronze (no boost).
    assert_eq!(me.balance, 600);
    // Spend 60000 >= 50000: silver now; gold at 150000 is 90000 away;
    // progress floor(10000 * (60000 - 50000) / (150000 - 50000)) = 1000.
    assert_eq!(me.tier.expect("a tier").id.as_str(), "silver");
    let next = me.next_tier.expect("a next tier");
    assert_eq!(next.remaining, 90000);
    assert_eq!(next.progress_bp, 1000);
    let ledger = shopper.ledger(&LedgerQuery::default()).unwrap();
    assert_eq!(ledger.entries[0].points, 600);

    // The cart preview's inputs: the program document, and the shopper's
    // own state only with a valid token; any other `include` is refused.
    let inputs = guest
        .program_with_preview(None)
        .unwrap()
        .preview
        .expect("the preview inputs");
    assert_eq!(inputs.program["currency"], contract_program().currency);
    assert!(inputs.state.is_none());
    assert!(inputs.member_id.is_none());
    let own = shopper
        .program_with_preview(None)
        .unwrap()
        .preview
        .expect("the preview inputs");
    assert_eq!(own.member_id, Some(id("m-w")));
    assert!(own.state.expect("a state").orders.contains_key(&id("o-w")));
    let wrong = shop.widget(
        "GET",
        "/v1/widget/{shop}/program?include=everything",
        None,
        &[],
        b"",
    );
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert_eq!(wrong.json()["code"], "invalid_query");

    // 60 requests a minute per shopper, counted in the minutes of the
    // clock: start early in a minute so that all 61 fall in the same one.
    let second = xtask::clock::unix_now().rem_euclid(60);
    if second > 40 {
        std::thread::sleep(std::time::Duration::from_secs((61 - second) as u64));
    }
    let busy = shop.shopper("m-busy");
    for n in 1..=60 {
        if let Err(e) = busy.me(None) {
            panic!("request {n} of 60: {e}");
        }
    }
    // The 61st, raw, for its Retry-After header.
    let busy_token = shop.token("m-busy");
    let limited = shop.me(&busy_token);
    assert_eq!(limited.status, 429, "the 61st: {}", limited.body);
    let retry: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(limited.json()["code"], "rate_limited");
    // Another shopper has a window of their own.
    assert!(shop.shopper("m-calm").me(None).is_ok());

    // A new program's allowed origins count from the next request on:
    // CORS is judged by the program the request itself was answered with.
    let mut moved = contract_program();
    moved.allowed_origins = Some(vec!["https://new.example".into()]);
    shop.api.put_program(&moved).unwrap();
    let cors_of = |origin: &str| {
        let answer = shop.widget(
            "GET",
            "/v1/widget/{shop}/program",
            None,
            &[("origin", origin)],
            b"",
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer
            .header("access-control-allow-origin")
            .map(str::to_owned)
    };
    assert_eq!(
        cors_of("https://new.example").as_deref(),
        Some("https://new.example")
    );
    assert_eq!(
        cors_of("https://shop.example"),
        None,
        "the old origin is out"
    );
}

pub fn export_and_erase(world: &mut World) {
    let shop = world.shop(&contract_program());
    shop.record(&order("x-1", "m-x", "o-x", 5000));
    let export = shop.api.export("m-x").unwrap();
    // floor(5000 / 100) = 50.
    assert_eq!(export.ledger[0].points, 50);
    assert!(export.state.orders.contains_key(&id("o-x")));
    assert_eq!(export.event_answers.len(), 1);
    let page = shop
        .api
        .ledger(
            "m-x",
            &LedgerQuery {
                cursor: None,
                limit: Some(1),
            },
        )
        .unwrap();
    assert_eq!(page.entries.len(), 1);
    let erased = shop.api.erase("m-x").unwrap();
    assert!(erased.erased);
    let view = shop.view("m-x").view;
    assert_eq!(view.balance, 0);
    assert!(!view.known);
    assert_eq!(shop.api.erase("m-x").unwrap_err().status(), Some(404));
}

pub fn analytics(world: &mut World) {
    let shop = world.shop(&simple_program());
    let signup = |member: &str| {
        events::of_kind(
            EventKind::Signup,
            &format!("{member}-s"),
            member,
            at(days_ago(11)),
        )
        .unwrap()
    };
    let survey = |member: &str, score: i64| {
        let mut event = events::of_kind(
            EventKind::SurveyCompleted,
            &format!("{member}-n"),
            member,
            at(days_ago(8)),
        )
        .unwrap();
        event.nps_score = Some(score);
        event
    };
    for event in [
        signup("a"),
        signup("b"),
        signup("c"),
        order("a-o1", "a", "ao1", 30000),
        order("a-o2", "a", "ao2", 10000),
        order("b-o1", "b", "bo1", 20000),
        survey("a", 10),
        survey("b", 5),
        survey("c", 9),
    ] {
        shop.record(&event);
    }
    let redeemed = shop.shopper("a").redeem("ship", "an-1").unwrap();
    assert!(!redeemed.replayed);
    let report = shop.api.analytics().unwrap();
    // The daily series counts each write on the day it was made (today in
    // UTC, this program's zone; two days if the run crossed midnight):
    // its days add up to the totals below.
    let today = xtask::clock::now().date_naive();
    assert!(
        report
            .daily
            .iter()
            .all(|d| d.date == today || d.date == today.pred_opt().unwrap()),
        "{:?}",
        report.daily
    );
    let total = |f: fn(&loyalty_rules::analytics::DayTotals) -> i64| {
        report.daily.iter().map(|d| f(&d.totals)).sum::<i64>()
    };
    assert_eq!(total(|t| t.points_issued), 1100);
    assert_eq!(total(|t| t.points_redeemed), 300);
    assert_eq!(total(|t| t.net_spend), 60000);
    assert_eq!(total(|t| t.members), 3);
    assert_eq!(report.metrics.members, 3);
    // a and b earned beyond signup (a also redeemed), c did not: 2 / 3 = 6666 bp.
    assert_eq!(report.metrics.participation_rate, 6666);
    // Issued: signups 3 * 100 = 300; a: 300 + 100 first + 100 = 500; b: 200 + 100 first = 300.
    // 300 + 500 + 300 = 1100 issued; 300 redeemed: floor(10000 * 300 / 1100) = 2727 bp.
    assert_eq!(report.metrics.redemption_rate, 2727);
    // a has 2 orders, b 1: 1 / 2 = 5000 bp.
    assert_eq!(report.metrics.repeat_customer_rate, 5000);
    // 1100 - 300 = 800 outstanding.
    assert_eq!(report.metrics.points_outstanding, 800);
    // Net spend (30000 + 10000 + 20000) / 2 ordering members = 30000.
    assert_eq!(report.metrics.clv_minor, 30000);
    // Promoters 2 (10, 9), detractors 1 (5), 3 answers: floor(100 * (2 - 1) / 3) = 33.
    assert_eq!(report.metrics.nps, Some(33));
}

pub fn restart_keeps_everything(world: &mut World) {
    let shop: Shop = world.shop(&contract_program());
    let event = order("keep-1", "m-keep", "o-keep", 12000);
    let code = shop.record(&event).codes[0].code.clone();
    shop.record(&events::of_kind(EventKind::Signup, "keep-s", "m-keep", at(days_ago(11))).unwrap());
    let before = shop.view("m-keep").view;
    let referral_code = before
        .referral
        .as_ref()
        .expect("a referral code")
        .code
        .clone();

    world.restart(true);

    let after = shop.view("m-keep").view;
    assert_eq!(after.balance, before.balance);
    assert_eq!(after.referral.expect("a referral code").code, referral_code);
    assert!(
        shop.record(&event).duplicate,
        "an old event is still a duplicate"
    );
    let checked = shop.api.code(&code).unwrap();
    assert!(checked.usable);
    let target = loyalty_client::referral_target(&shop.client, &shop.name, &referral_code).unwrap();
    assert!(
        target.ends_with(&format!("ref={referral_code}")),
        "{target}"
    );
}

/// An order's analytics figures ride with the worker's next call to the shop
/// object; when the worker stops first, the member object's alarm delivers
/// them (the end-to-end worker sets it to 1.5 s).
pub fn report_backstop(world: &mut World) {
    let shop: Shop = world.shop(&simple_program());
    let signup =
        json!({"id": "bs-s", "kind": "signup", "member_id": "m-bs", "occurred_at": days_ago(11)});
    assert_eq!(shop.send(&signup).status, 200);
    // The first order: its figures only (no new member, no code), so they
    // wait in this worker's memory and in the member's outbox.
    let answer = shop.send(&order("bs-o", "m-bs", "o-bs", 25000));
    assert_eq!(answer.status, 200, "{}", answer.body);
    // floor(25000 / 100) = 250, plus the first-order 100 = 350.
    assert_eq!(answer.json()["points"], 350);
    world.restart(true);
    // Signup 100 + the order's 350 = 450.
    let expected = 450;
    let mut seen = Value::Null;
    for _ in 0..60 {
        seen = shop
            .merchant("GET", "/v1/shops/{shop}/analytics", b"")
            .json();
        if seen["points_outstanding"] == expected {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert_eq!(seen["points_outstanding"], expected, "{seen}");
    assert_eq!(seen["members"], 1, "{seen}");
}

pub fn dev_route_closed(world: &mut World) {
    let shop = world.shop(&contract_program());
    let open = world.call(
        "GET",
        &format!("/v1/dev/{}/token?member_id=alice", shop.name),
        &[],
        b"",
    );
    assert_eq!(open.status, 200, "{}", open.body);
    let token = open.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(shop.me(&token).status, 200);

    world.restart(false);

    let closed = world.call(
        "GET",
        &format!("/v1/dev/{}/token?member_id=alice", shop.name),
        &[],
        b"",
    );
    assert_eq!(closed.status, 404);
    // No method finds it: 404, never a 405 that would tell the route exists.
    for method in ["PUT", "POST", "DELETE", "PATCH"] {
        let answer = world.call(
            method,
            &format!("/v1/dev/{}/token?member_id=alice", shop.name),
            &[],
            b"",
        );
        assert_eq!(answer.status, 404, "{method}: {}", answer.body);
        assert_eq!(answer.header("allow"), None, "{method}");
    }
    let doc = world.call("GET", "/openapi.json", &[], b"");
    assert_eq!(doc.status, 200, "{}", doc.body);
    let paths = doc.json()["paths"].as_object().cloned().unwrap_or_default();
    assert!(paths.contains_key("/v1/widget/{shop}/me"), "{paths:?}");
    assert!(
        !paths.keys().any(|p| p.starts_with("/v1/dev/")),
        "{paths:?}"
    );
}

/// Rotating the keys: the old API key, customer tokens and webhook
/// signatures stop working at once; the new ones work; nothing else changes.
pub fn key_rotation(world: &mut World) {
    let shop = world.shop(&simple_program());
    assert_eq!(shop.send(&order("kr-1", "m-kr", "o-kr", 2500)).status, 200);
    let old_token = shop.token("m-kr");
    let now = xtask::clock::unix_now();
    let body = raw(&order("kr-2", "m-kr", "o-kr2", 1000)).to_string();

    let rotated = shop.merchant("POST", "/v1/shops/{shop}/keys/rotate", b"");
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let secrets = rotated.json();
    let new = Shop {
        api_key: secrets["api_key"].as_str().unwrap().to_owned(),
        webhook_secret: secrets["webhook_secret"].as_str().unwrap().to_owned(),
        widget_secret: secrets["widget_secret"].as_str().unwrap().to_owned(),
        ..shop.clone()
    };
    assert_ne!(new.api_key, shop.api_key);
    assert_ne!(new.webhook_secret, shop.webhook_secret);
    assert_ne!(new.widget_secret, shop.widget_secret);

    // The old API key: refused, for reads and writes alike.
    let old_read = shop.merchant("GET", "/v1/shops/{shop}/members/m-kr", b"");
    assert_eq!(old_read.status, 401, "{}", old_read.body);
    assert_eq!(old_read.json()["code"], "unauthorized");
    assert_eq!(shop.send(&order("kr-3", "m-kr", "o-kr3", 1000)).status, 401);
    // The new one: the member is as before, floor(2500 / 100) + 100 first = 125.
    assert_eq!(new.member("m-kr")["balance"], 125);

    // Customer tokens made with the old widget secret: no member data.
    let me = shop.me(&old_token);
    assert_eq!(me.status, 401, "{}", me.body);
    let program = shop.widget(
        "GET",
        "/v1/widget/{shop}/program",
        Some(&old_token),
        &[],
        b"",
    );
    assert_eq!(program.status, 200, "{}", program.body);
    assert_eq!(program.json()["signed_in"], false);
    let me = new.me(&new.token("m-kr"));
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["balance"], 125);

    // Webhook signatures: the old secret's is refused, the new one's accepted.
    let refused = shop.send_signed(&body, &shop.webhook_secret, now);
    assert_eq!(refused.status, 401, "{}", refused.body);
    let accepted = new.send_signed(&body, &new.webhook_secret, now);
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    // floor(1000 / 100) = 10: 125 + 10 = 135.
    assert_eq!(accepted.json()["balance"], 135);

    // The platform admin may rotate too; the merchant's second key then stops.
    let admin = world.call(
        "POST",
        &format!("/v1/shops/{}/keys/rotate", shop.name),
        &[("authorization", &format!("Bearer {}", crate::world::ADMIN))],
        b"",
    );
    assert_eq!(admin.status, 200, "{}", admin.body);
    let third = admin.json()["api_key"].as_str().unwrap().to_owned();
    assert_eq!(
        new.merchant("GET", "/v1/shops/{shop}/program", b"").status,
        401
    );
    let newest = Shop {
        api_key: third,
        ..new.clone()
    };
    assert_eq!(newest.member("m-kr")["balance"], 135);
    // Without a credential, nothing rotates.
    let anonymous = world.call(
        "POST",
        &format!("/v1/shops/{}/keys/rotate", shop.name),
        &[],
        b"",
    );
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    assert_eq!(newest.member("m-kr")["balance"], 135);
}

/// The widget's `me` reads the member's KV snapshot, which lags in
/// production; a copy older than what the shopper has seen (`after`) must
/// not answer. Local KV never lags, so the case puts an old copy back
/// itself, as another process, and reads both ways.
pub fn stale_snapshot(world: &mut World) {
    let shop = world.shop(&simple_program());
    assert_eq!(shop.send(&order("ss-1", "m-ss", "o-ss1", 2500)).status, 200);
    let token = shop.token("m-ss");
    let me = |after: Option<u64>| {
        let path = match after {
            Some(after) => format!("/v1/widget/{{shop}}/me?after={after}"),
            None => "/v1/widget/{shop}/me".to_owned(),
        };
        let answer = shop.widget("GET", &path, Some(&token), &[], b"");
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()
    };
    // The first read comes from the object and starts the snapshot.
    let first = me(None);
    // floor(2500 / 100) = 25, plus the first-order 100 = 125.
    assert_eq!(first["balance"], 125);
    let old_revision = first["revision"].as_u64().expect("a revision");
    let export = shop.merchant("GET", "/v1/shops/{shop}/members/m-ss/export", b"");
    assert_eq!(export.status, 200, "{}", export.body);
    let old_state = export.json()["state"].clone();
    assert_eq!(old_state["revision"], old_revision);

    assert_eq!(shop.send(&order("ss-2", "m-ss", "o-ss2", 4000)).status, 200);
    // floor(4000 / 100) = 40: 125 + 40 = 165, now in the snapshot too.
    let fresh = me(None);
    assert_eq!(fresh["balance"], 165, "{fresh}");
    let new_revision = fresh["revision"].as_u64().unwrap();
    assert!(new_revision > old_revision);

    // A lagging copy, as production KV may serve it for a while.
    let key =
        loyalty_edge::keys::member_snapshot(&shop.name, &loyalty_edge::keys::own_state("m-ss"));
    world
        .worker
        .as_ref()
        .expect("a worker")
        .kv_put(loyalty_edge::keys::BINDING, &key, &old_state.to_string())
        .expect("the old copy is written");
    // A shopper who has seen nothing is answered from the copy: the lag.
    let lagging = me(None);
    assert_eq!(lagging["balance"], 125, "the copy is read: {lagging}");
    assert_eq!(lagging["revision"], old_revision);
    // One who has seen the newer revision is answered by the object.
    let current = me(Some(new_revision));
    assert_eq!(current["balance"], 165, "{current}");
    assert_eq!(current["revision"], new_revision);
    // A revision from nowhere (ahead of both) still gets the object's answer.
    let ahead = me(Some(new_revision + 100));
    assert_eq!(ahead["balance"], 165, "{ahead}");
}
