//! One shop's traffic over its gates: event ids and shoppers spread over
//! every gate, each id credited once wherever it lands, a rotation reaching
//! every gate before it answers, pooled accounts keyed by the shop object,
//! and a burst in which no object takes more than its share.

use std::sync::Arc;

use loyalty_edge::keys::{GATES, gate_of};
use serde_json::{Value, json};

use crate::api::{concurrently, simple_program};
use crate::world::{Shop, World, order, raw};

/// Ids `<prefix>-<n>`, `per_gate` of them for each gate, in the order found.
fn spread(prefix: &str, per_gate: usize, routing: impl Fn(&str) -> String) -> Vec<String> {
    let mut counts = vec![0; GATES as usize];
    let mut found = Vec::new();
    let mut n = 0;
    while counts.iter().any(|&c| c < per_gate) {
        let id = format!("{prefix}-{n}");
        n += 1;
        let gate = usize::try_from(gate_of(&routing(&id))).expect("a small number");
        if counts[gate] < per_gate {
            counts[gate] += 1;
            found.push(id);
        }
    }
    found
}

/// The calls the shop's object and each gate took, from the development route.
fn calls(world: &World, shop: &Shop) -> (u64, Vec<u64>) {
    let answer = world.call("GET", &format!("/v1/dev/{}/calls", shop.name), &[], b"");
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = answer.json();
    let gates = body["gates"]
        .as_array()
        .expect("gates")
        .iter()
        .map(|n| n.as_u64().expect("a count"))
        .collect::<Vec<_>>();
    assert_eq!(gates.len(), GATES as usize);
    (body["shop"].as_u64().expect("a count"), gates)
}

/// 32 ids, two for each of the 16 gates, each delivered twice at the same
/// moment (64 deliveries at once): every id credits once, the second
/// delivery of each is a duplicate, and another body under an id is a
/// conflict at whichever gate holds it.
pub fn ids_over_every_gate_credit_once(world: &mut World) {
    let shop = world.shop(&simple_program());
    let ids = Arc::new(spread("spread", 2, str::to_owned));
    assert_eq!(ids.len(), 32);
    let member = |i: usize| format!("m-spread-{}", i % 4);
    let (sender, list) = (shop.clone(), Arc::clone(&ids));
    let answers = concurrently(64, move |i| {
        let id = &list[i / 2];
        sender.send(&order(id, &member(i / 2), &format!("o-{id}"), 1000))
    });
    let mut firsts = vec![0; ids.len()];
    for (i, answer) in answers.iter().enumerate() {
        assert_eq!(answer.status, 200, "{}", answer.body);
        if answer.json()["duplicate"] == false {
            firsts[i / 2] += 1;
        }
    }
    assert!(
        firsts.iter().all(|&n| n == 1),
        "one first per id: {firsts:?}"
    );
    // Each of 4 members has 8 orders of 1000: 8 x floor(1000 / 100) = 80,
    // plus the first-order 100 once = 180.
    for m in 0..4 {
        assert_eq!(shop.member(&member(m))["balance"], 180, "member {m}");
    }
    // Again, one by one: every gate remembers its ids.
    for (i, id) in ids.iter().enumerate() {
        let again = shop.send(&order(id, &member(i), &format!("o-{id}"), 1000));
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.json()["duplicate"], true, "{id}");
        let other = shop.send(&order(id, &member(i), &format!("o-{id}"), 999));
        assert_eq!(other.status, 409, "{}", other.body);
        assert_eq!(other.json()["code"], "event_id_conflict");
    }
    for m in 0..4 {
        assert_eq!(shop.member(&member(m))["balance"], 180, "member {m}");
    }
}

/// A rotation answers only once every gate holds the new secrets: the old
/// API key, webhook signature and customer tokens are refused at every gate
/// the moment it answers, and the new ones taken there.
pub fn rotation_reaches_every_gate(world: &mut World) {
    let shop = world.shop(&simple_program());
    // Event ids one per gate, and shoppers one per gate (a shopper's gate is
    // chosen by `member:<id>`).
    let ids = spread("rot", 1, str::to_owned);
    let shoppers = spread("m-rot", 1, |m| format!("member:{m}"));
    // Every gate takes the old credentials first (so each holds a copy).
    for (id, member) in ids.iter().zip(&shoppers) {
        assert_eq!(
            shop.send(&order(id, member, &format!("o-{id}"), 1000))
                .status,
            200
        );
        let me = shop.me(&shop.token(member));
        assert_eq!(me.status, 200, "{}", me.body);
    }
    let rotated = shop.merchant("POST", "/v1/shops/{shop}/keys/rotate", b"");
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let secrets = rotated.json();
    let new = Shop {
        api_key: secrets["api_key"].as_str().expect("a key").to_owned(),
        webhook_secret: secrets["webhook_secret"]
            .as_str()
            .expect("a secret")
            .to_owned(),
        widget_secret: secrets["widget_secret"]
            .as_str()
            .expect("a secret")
            .to_owned(),
        ..shop.clone()
    };
    let now = xtask::clock::unix_now();
    for (id, member) in ids.iter().zip(&shoppers) {
        let event = order(
            &format!("{id}-after"),
            member,
            &format!("o-{id}-after"),
            1000,
        );
        let body = raw(&event).to_string();
        // The event's own id chooses its gate; `-after` moves it, so the
        // original id is sent too (a duplicate under the new key).
        for sent in [&event, &order(id, member, &format!("o-{id}"), 1000)] {
            let old = shop.send(sent);
            assert_eq!(
                old.status, 401,
                "old key at the gate of {}: {}",
                sent.id, old.body
            );
        }
        let refused = shop.send_signed(&body, &shop.webhook_secret, now);
        assert_eq!(refused.status, 401, "{}", refused.body);
        let old_me = shop.me(&shop.token(member));
        assert_eq!(
            old_me.status, 401,
            "old token at the gate of {member}: {}",
            old_me.body
        );
        let again = new.send(&order(id, member, &format!("o-{id}"), 1000));
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.json()["duplicate"], true);
        let me = new.me(&new.token(member));
        assert_eq!(me.status, 200, "{}", me.body);
        // floor(1000 / 100) + the first-order 100 = 110, nothing since.
        assert_eq!(me.json()["balance"], 110);
    }
}

/// A pooling program: members of one account earn into it, wherever their
/// events' ids land; each id credits once.
pub fn pooled_accounts(world: &mut World) {
    let mut program = simple_program();
    program["accounts"] = json!({"pooling": true});
    let shop = world.shop(&program);
    let ids = spread("pool", 1, str::to_owned);
    let event = |i: usize, id: &str| -> Value {
        let member = if i.is_multiple_of(2) {
            "m-pool-a"
        } else {
            "m-pool-b"
        };
        let mut event = raw(&order(id, member, &format!("o-{id}"), 1000));
        event["member"] = json!({"account_id": "acct-pool"});
        event
    };
    for (i, id) in ids.iter().enumerate() {
        let answer = shop.send(&event(i, id));
        assert_eq!(answer.status, 200, "{}", answer.body);
        let again = shop.send(&event(i, id));
        assert_eq!(again.json()["duplicate"], true, "{}", again.body);
    }
    // 16 orders of 1000 into one account: 16 x 10 = 160, plus the account's
    // first-order 100 once = 260; both members see the account.
    assert_eq!(shop.member("m-pool-a")["balance"], 260);
    assert_eq!(shop.member("m-pool-b")["balance"], 260);
    let me = shop.me(&shop.token("m-pool-b"));
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["balance"], 260);
}

/// A burst of one shop's events and widget reads, with the report alarm at
/// its deployed delay (minutes): every request meets one gate, no gate takes
/// more than twice its even share, and the shop object takes less than one
/// gate's share (the figures the worker carries, in batches). Member
/// objects are left out: each takes its own member's requests only.
pub fn no_object_over_its_share(world: &mut World) {
    world.restart_with(true, false);
    let shop = world.shop(&simple_program());
    // The shop's first event is noted for the install checklist (a push
    // to every gate, once): made before the count.
    let first = shop.send(&order("burst-first", "m-first", "o-first", 1000));
    assert_eq!(first.status, 200, "{}", first.body);
    let (shop_before, gates_before) = calls(world, &shop);
    // 32 shoppers, two to each gate (a shopper's gate is chosen by
    // `member:<id>`); each gets 8 events and reads 8 times (under 60 a minute).
    let shoppers = Arc::new(spread("m-burst", 2, |m| format!("member:{m}")));
    let tokens = Arc::new(shoppers.iter().map(|m| shop.token(m)).collect::<Vec<_>>());
    const EVENTS: usize = 256;
    const READS: usize = 256;
    let (sender, members) = (shop.clone(), Arc::clone(&shoppers));
    let answers = concurrently(8, move |t| {
        let mut last = None;
        for k in 0..(EVENTS + READS) / 8 {
            let i = k * 8 + t;
            let shopper = (i / 2) % members.len();
            let answer = if i.is_multiple_of(2) {
                let id = format!("burst-{i}");
                sender.send(&order(&id, &members[shopper], &format!("o-{id}"), 1000))
            } else {
                let token = &tokens[shopper];
                sender.me(token)
            };
            assert_eq!(answer.status, 200, "{}", answer.body);
            last = Some(answer);
        }
        last.expect("at least one request")
    });
    assert_eq!(answers.len(), 8);
    let (shop_after, gates_after) = calls(world, &shop);
    let gates: Vec<u64> = gates_after
        .iter()
        .zip(&gates_before)
        .map(|(a, b)| a - b)
        .collect();
    let total: u64 = gates.iter().sum();
    let requests = (EVENTS + READS) as u64;
    // Every request met exactly one gate (no token here is refused), and
    // each new member's referral code was indexed at one gate.
    assert_eq!(total, requests + shoppers.len() as u64, "{gates:?}");
    let share = total / GATES;
    let busiest = *gates.iter().max().expect("16 gates");
    assert!(
        busiest <= 2 * share,
        "a gate took {busiest} of {total}: {gates:?}"
    );
    let shop_calls = shop_after - shop_before;
    assert!(
        shop_calls < share,
        "the shop object took {shop_calls} calls, a gate's share is {share}"
    );
    eprintln!("  burst of {requests}: shop object {shop_calls} calls, gates {gates:?}");
    world.restart(true);
}

/// A gate's claim keeps the event's id and a hash of its body, nothing of
/// the body itself: an email hash or a tag is in no live row of a gate but
/// the journal of recent events, and not there either once the member is
/// erased.
pub fn claims_keep_no_personal_fields(world: &mut World) {
    let shop = world.shop(&simple_program());
    let secret = format!("hash-{}", world.unique("email"));
    let tag = format!("tag-{}", world.unique("t"));
    let ids = spread("private", 1, str::to_owned);
    for id in &ids {
        let mut event = raw(&order(id, "m-private", &format!("o-{id}"), 1000));
        event["member"] = json!({"email_hash": secret, "tags": [tag]});
        let answer = shop.send(&event);
        assert_eq!(answer.status, 200, "{}", answer.body);
        // Sent again: still known by its hash alone.
        assert_eq!(shop.send(&event).json()["duplicate"], true);
    }
    let gates = world.state.join("wrangler/v3/do/loyalty-edge-GateObject");
    // The claims keep neither; the journal of recent events (the console's
    // backtest reads it) holds the events as parsed, until the member is
    // erased.
    let rows = |needle: &str| -> Vec<String> {
        std::fs::read_dir(&gates)
            .expect("the objects' folder")
            .filter_map(Result::ok)
            .map(|f| f.path())
            .filter(|p| p.display().to_string().ends_with(".sqlite"))
            .flat_map(|db| crate::privacy::live_rows_holding(&db, needle))
            .collect()
    };
    for needle in [&secret, &tag] {
        let found = rows(needle);
        assert!(!found.is_empty(), "the search reads the gates' rows");
        assert!(
            found.iter().all(|row| row.contains(" table journal: ")),
            "{needle} outside the journal: {found:?}"
        );
    }
    shop.api.erase("m-private").unwrap();
    assert_eq!(
        rows(&secret),
        Vec::<String>::new(),
        "an email hash in a gate"
    );
    assert_eq!(rows(&tag), Vec::<String>::new(), "a tag in a gate");
}

/// In a pooled account, a member's own ledger is theirs by exact id: `_`
/// is no wildcard and case counts (`c_1` never sees `cx1`'s or `C_1`'s
/// entries), however many colleagues share the account.
pub fn own_ledger_by_exact_id(world: &mut World) {
    let mut program = simple_program();
    program["accounts"] = json!({"pooling": true});
    let shop = world.shop(&program);
    for (n, member) in ["c_1", "cx1", "C_1"].iter().enumerate() {
        let mut event = raw(&order(
            &format!("led-{n}"),
            member,
            &format!("o-led-{n}"),
            1000,
        ));
        event["member"] = json!({"account_id": "acct-ledger"});
        let answer = shop.send(&event);
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let ledger = shop.widget(
        "GET",
        "/v1/widget/{shop}/me/ledger",
        Some(&shop.token("c_1")),
        &[],
        b"",
    );
    assert_eq!(ledger.status, 200, "{}", ledger.body);

    let entries = ledger.json()["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        !entries.is_empty(),
        "c_1 has its own order: {}",
        ledger.body
    );
    for entry in &entries {
        assert_eq!(entry["member_id"], "c_1", "{}", ledger.body);
    }
}
