//! Privacy cases: an erase leaves nothing of the member in any store, across
//! a restart; a pooled member sees and exports only their own; a member
//! bound to no account stays unbound.

use std::path::Path;

use serde_json::{Value, json};

use loyalty_client::Adjustment;

use crate::world::{Shop, World, contract_program, days_ago, raw};

/// The stores the runtime persisted under `dir` (stopped) that hold
/// `needle`: the live rows of every table of every SQLite database (each
/// object's, and the local KV's index of keys), as SQLite reads them (with
/// its write-ahead log), and every other file (KV's values) as bytes. An object's file as bytes is searched only where the member's
/// whole object was deleted (`erase_a_member_alone`): in an object that
/// lives on, SQLite keeps freed space as it was until it writes over it,
/// and the runtime allows nothing that overwrites it (ARCHITECTURE.md,
/// "After an erase"). Left out: the runtime's local trace store of
/// requests (`v3/observability`, development only: it records request
/// paths, which name members).
pub(crate) fn stores_holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = path.display().to_string();
            if path.is_dir() {
                if !name.ends_with("observability") {
                    stack.push(path);
                }
            } else if name.ends_with(".sqlite") {
                found.extend(live_rows_holding(&path, needle));
            } else if name.ends_with("-wal") || name.ends_with("-shm") {
                // Read with their database.
            } else if file_holds(&path, needle) {
                found.push(name);
            }
        }
    }
    found
}

/// Whether the file (with its write-ahead log, if any) holds `needle`.
fn file_holds(path: &Path, needle: &str) -> bool {
    let wal = path.with_file_name(format!(
        "{}-wal",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    [path.to_path_buf(), wal].iter().any(|file| {
        std::fs::read(file)
            .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
    })
}

/// The object database (under `dir`) the local runtime named `name`.
fn object_file(dir: &Path, name: &str) -> Option<std::path::PathBuf> {
    let objects = dir.join("v3/do/loyalty-edge-MemberObject");
    std::fs::read_dir(objects)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.display().to_string().ends_with(".sqlite"))
        .find(|path| {
            live_rows_holding(path, name)
                .iter()
                .any(|row| row.contains("__miniflare_do_name"))
        })
}

/// The rows of every table of one object's database (read from a copy, so
/// the runtime's files stay as they were) whose text holds `needle`.
pub(crate) fn live_rows_holding(db: &Path, needle: &str) -> Vec<String> {
    let copy = std::env::temp_dir().join(format!("privacy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    std::fs::create_dir_all(&copy).expect("a scratch folder");
    let name = db
        .file_name()
        .expect("a file")
        .to_string_lossy()
        .to_string();
    for suffix in ["", "-wal"] {
        let from = db.with_file_name(format!("{name}{suffix}"));
        if from.exists() {
            std::fs::copy(&from, copy.join(format!("{name}{suffix}"))).expect("copied");
        }
    }
    let conn = rusqlite::Connection::open(copy.join(&name)).expect("an SQLite database");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .and_then(|mut q| q.query_map([], |row| row.get(0))?.collect())
        .expect("the tables");
    let mut found = Vec::new();
    for table in tables {
        let mut query = conn
            .prepare(&format!("SELECT * FROM \"{table}\""))
            .expect("a table query");
        let columns = query.column_count();
        let mut rows = query.query([]).expect("rows");
        while let Some(row) = rows.next().expect("a row") {
            for n in 0..columns {
                let text = match row.get_ref(n).expect("a value") {
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        String::from_utf8_lossy(t).to_string()
                    }
                    _ => continue,
                };
                if text.contains(needle) {
                    found.push(format!("{} table {table}: {text}", db.display()));
                }
            }
        }
    }
    found
}

fn pooled_contract_program() -> Value {
    let mut program = raw(&contract_program());
    program["accounts"] = json!({"pooling": true});
    program
}

/// An event as JSON, `days` ago, with the member's facts.
fn event(id: &str, kind: &str, member: &str, facts: Value) -> Value {
    let mut event = json!({
        "id": id, "kind": kind, "member_id": member,
        "occurred_at": days_ago(9),
    });
    if !facts.is_null() {
        event["member"] = facts;
    }
    event
}

fn paid(id: &str, member: &str, order: &str, subtotal: i64, facts: Value) -> Value {
    let mut event = event(id, "order_paid", member, facts);
    event["order"] = json!({"order_id": order, "currency": "USD", "subtotal_minor": subtotal});
    event
}

fn sent(shop: &Shop, event: &Value) -> Value {
    let answer = shop.send(event);
    assert_eq!(answer.status, 200, "{event}\n{}", answer.body);
    answer.json()
}

fn referral_code(shop: &Shop, member: &str) -> String {
    shop.view(member)
        .view
        .referral
        .expect("a referral code")
        .code
}

/// Members with every kind of record: `erin` in a pooled account with a
/// colleague, referred by one member and referring another, with orders,
/// codes (a gift, an order's reward, a redemption's), a badge and an
/// adjustment; erased; the worker restarted; then no file of any store
/// holds her id, email hash, tags, referral code or codes, and what the
/// others see is as before.
pub fn erase_leaves_nothing(world: &mut World) {
    let shop = world.shop(&pooled_contract_program());
    let u = world.unique("pv");
    let (referrer, erin, kim, cal) = (
        format!("ref-{u}"),
        format!("erin-{u}"),
        format!("kim-{u}"),
        format!("cal-{u}"),
    );
    let account = format!("acct-{u}");
    let mail = format!("mail-{u}-erin");
    let tag = format!("tag-{u}-erin");
    let in_account = json!({"account_id": account});
    sent(
        &shop,
        &event(
            &format!("{u}-s-r"),
            "signup",
            &referrer,
            json!({"email_hash": format!("mail-{u}-r")}),
        ),
    );
    let code_r = referral_code(&shop, &referrer);
    let mut signup = event(
        &format!("{u}-s-e"),
        "signup",
        &erin,
        json!({"email_hash": mail, "tags": [tag], "birthday": "1990-05-17", "account_id": account}),
    );
    signup["referral_code"] = json!(code_r);
    let answer = sent(&shop, &signup);
    assert_eq!(answer["referral"]["status"], "accepted", "{answer}");
    let mut codes: Vec<String> = vec![answer["codes"][0]["code"].as_str().unwrap().to_owned()];
    sent(
        &shop,
        &event(&format!("{u}-s-k"), "signup", &kim, in_account.clone()),
    );
    sent(
        &shop,
        &paid(
            &format!("{u}-o-k"),
            &kim,
            &format!("ok-{u}"),
            4000,
            in_account.clone(),
        ),
    );
    // 12000: the next-order reward (a code) and the referrer's credit.
    let order_event = paid(
        &format!("{u}-o-e"),
        &erin,
        &format!("oe-{u}"),
        12000,
        in_account.clone(),
    );
    let answer = sent(&shop, &order_event);
    codes.push(answer["codes"][0]["code"].as_str().unwrap().to_owned());
    for n in 0..3 {
        sent(
            &shop,
            &event(
                &format!("{u}-rv-{n}"),
                "review_posted",
                &erin,
                in_account.clone(),
            ),
        );
    }
    let redeemed = shop
        .shopper(&erin)
        .redeem("ship", &format!("key-{u}"))
        .unwrap();
    codes.push(redeemed.redemption.code.clone());
    shop.api
        .adjust(
            &erin,
            &Adjustment {
                id: loyalty_rules::Id::parse(&format!("adj-{u}")).unwrap(),
                points: 10,
                reason: format!("goodwill for {erin}"),
            },
        )
        .unwrap();
    let code_e = referral_code(&shop, &erin);
    let mut referred = event(
        &format!("{u}-s-c"),
        "signup",
        &cal,
        json!({"email_hash": format!("mail-{u}-c")}),
    );
    referred["referral_code"] = json!(code_e);
    sent(&shop, &referred);
    sent(
        &shop,
        &paid(
            &format!("{u}-o-c"),
            &cal,
            &format!("oc-{u}"),
            2500,
            Value::Null,
        ),
    );
    let views = |shop: &Shop| {
        [&referrer, &kim, &cal].map(|m| {
            let v = shop.view(m).view;
            (
                v.balance,
                v.referral.map(|r| r.referred),
                v.tier.map(|t| t.id),
            )
        })
    };
    let before = views(&shop);
    let analytics = shop.api.analytics().unwrap();

    let erased = shop.api.erase(&erin).unwrap();
    assert!(erased.erased);
    // The others see what they saw: the referrer still referred one member,
    // the colleague keeps the account's balance, the referee theirs.
    assert_eq!(views(&shop), before);
    let after = shop.api.analytics().unwrap();
    assert_eq!(after.metrics.members, analytics.metrics.members - 1);
    assert_eq!(
        after.metrics.points_issued, analytics.metrics.points_issued,
        "issued stays as a total"
    );
    assert_eq!(
        after.metrics.points_redeemed,
        analytics.metrics.points_redeemed
    );
    assert_eq!(
        after.metrics.referral_conversions,
        analytics.metrics.referral_conversions
    );
    // The account stays with kim: its balance is outstanding still.
    assert_eq!(
        after.metrics.points_outstanding,
        analytics.metrics.points_outstanding
    );
    // Her referral code stops working; her codes are gone.
    let link = world.call("GET", &format!("/r/{}/{code_e}", shop.name), &[], b"");
    assert_eq!(link.status, 404, "{}", link.body);
    let mut late = event(
        &format!("{u}-s-late"),
        "signup",
        &format!("late-{u}"),
        Value::Null,
    );
    late["referral_code"] = json!(code_e);
    assert_eq!(sent(&shop, &late)["referral"]["reason"], "unknown_code");
    for code in &codes {
        assert_eq!(
            shop.api.code(code).unwrap_err().status(),
            Some(404),
            "{code}"
        );
    }
    // Sent again, her old order is a duplicate and brings no one back.
    let again = sent(&shop, &order_event);
    assert_eq!(
        (again["duplicate"].clone(), again["member_erased"].clone()),
        (json!(true), json!(true)),
        "{again}"
    );
    assert_eq!(views(&shop), before);
    assert_eq!(shop.api.export(&erin).unwrap_err().status(), Some(404));

    world.restart(true);
    let again = sent(&shop, &order_event);
    assert_eq!(again["member_erased"], true, "{again}");
    world.stop();
    let stores = world.state.join("wrangler");
    let mut left = Vec::new();
    let order_event_id = order_event["id"].as_str().unwrap().to_owned();
    for needle in [
        erin.as_str(),
        &order_event_id,
        &mail,
        &tag,
        &code_e,
        &format!("key-{u}"),
        &format!("goodwill for {erin}"),
    ]
    .into_iter()
    .chain(codes.iter().map(String::as_str))
    {
        left.extend(stores_holding(&stores, needle));
    }
    // The search finds what is there: the colleague, in rows.
    let kim_found = stores_holding(&stores, &kim);
    world.restart(true);
    assert!(left.is_empty(), "still held: {left:#?}");
    assert!(!kim_found.is_empty(), "the search reads the stores");
}

/// A member on their own takes their whole state with them: the member
/// count and points outstanding drop by them, the points issued stay.
pub fn erase_a_member_alone(world: &mut World) {
    let shop = world.shop(&contract_program());
    let u = world.unique("solo");
    let member = format!("solo-{u}");
    sent(
        &shop,
        &event(
            &format!("{u}-s"),
            "signup",
            &member,
            json!({"email_hash": format!("mail-{u}")}),
        ),
    );
    sent(
        &shop,
        &paid(
            &format!("{u}-o"),
            &member,
            &format!("o-{u}"),
            5000,
            Value::Null,
        ),
    );
    // Signup 100 + floor(5000 / 100) = 150.
    assert_eq!(shop.view(&member).view.balance, 150);
    let before = shop.api.analytics().unwrap();
    world.stop();
    let name =
        loyalty_edge::keys::member_object(&shop.name, &loyalty_edge::keys::own_state(&member));
    let own_file = object_file(&world.state.join("wrangler"), &name);
    world.restart(true);
    assert!(
        own_file.is_some(),
        "the member's object is where the case looks"
    );
    shop.api.erase(&member).unwrap();
    let after = shop.api.analytics().unwrap();
    assert_eq!(after.metrics.members, before.metrics.members - 1);
    assert_eq!(
        after.metrics.points_outstanding,
        before.metrics.points_outstanding - 150
    );
    assert_eq!(after.metrics.points_issued, before.metrics.points_issued);
    let again = sent(
        &shop,
        &paid(
            &format!("{u}-o"),
            &member,
            &format!("o-{u}"),
            5000,
            Value::Null,
        ),
    );
    assert_eq!(again["member_erased"], true, "{again}");
    assert!(!shop.view(&member).view.known, "not brought back");
    assert_eq!(
        shop.api.analytics().unwrap().metrics.members,
        after.metrics.members
    );
    // Their object's storage is deleted whole: not a byte of them is left
    // in its file, across a restart.
    world.stop();
    let own = own_file.expect("the member's object was found before the erase");
    let left: Vec<String> = [member.clone(), format!("mail-{u}"), format!("o-{u}")]
        .into_iter()
        .filter(|needle| file_holds(&own, needle))
        .collect();
    world.restart(true);
    assert!(left.is_empty(), "{left:?} still in {}", own.display());
    // A new event of the same member later is a new member, from nothing.
    sent(
        &shop,
        &paid(
            &format!("{u}-o2"),
            &member,
            &format!("o2-{u}"),
            1000,
            Value::Null,
        ),
    );
    assert_eq!(shop.view(&member).view.balance, 10);
}

/// In a pooled account a member's export and cart-preview inputs hold
/// their own records and the account's balance, nothing of a colleague's.
pub fn pooled_member_sees_only_their_own(world: &mut World) {
    let shop = world.shop(&pooled_contract_program());
    let u = world.unique("own");
    let (ann, bob) = (format!("ann-{u}"), format!("bob-{u}"));
    let account = json!({"account_id": format!("acct-{u}")});
    sent(
        &shop,
        &paid(
            &format!("{u}-a"),
            &ann,
            &format!("oa-{u}"),
            3000,
            account.clone(),
        ),
    );
    let bob_event = format!("{u}-b");
    // floor(30000 / 100) = 300 and the next-order code; ann's 30 besides.
    let answer = sent(
        &shop,
        &paid(&bob_event, &bob, &format!("ob-{u}"), 30000, account.clone()),
    );
    let bob_code = answer["codes"][0]["code"].as_str().unwrap().to_owned();
    let redeemed = shop
        .shopper(&bob)
        .redeem("ship", &format!("bkey-{u}"))
        .unwrap();
    shop.api
        .adjust(
            &bob,
            &Adjustment {
                id: loyalty_rules::Id::parse(&format!("badj-{u}")).unwrap(),
                points: 5,
                reason: "sorry".into(),
            },
        )
        .unwrap();
    let bob_referral = referral_code(&shop, &bob);
    let export = serde_json::to_string(&shop.api.export(&ann).unwrap()).unwrap();
    let preview = shop.widget(
        "GET",
        "/v1/widget/{shop}/program?include=preview",
        Some(&shop.token(&ann)),
        &[],
        b"",
    );
    assert_eq!(preview.status, 200, "{}", preview.body);
    for (what, text) in [("export", &export), ("preview", &preview.body)] {
        for needle in [
            &bob,
            &bob_event,
            &bob_code,
            &redeemed.redemption.code,
            &format!("bkey-{u}"),
            &format!("badj-{u}"),
            &format!("ob-{u}"),
            &bob_referral,
        ] {
            assert!(
                !text.contains(needle.as_str()),
                "{needle} in ann's {what}: {text}"
            );
        }
    }
    // The shared balance is in them: 30 + 120 - 300 ... (the account's).
    let balance = shop.view(&ann).view.balance;
    let export: Value = serde_json::from_str(&export).unwrap();
    assert_eq!(export["state"]["available"], json!(balance));
    assert!(export.to_string().contains(&ann));
}

/// A member first seen without an account stays unbound: a later event
/// naming an account is refused before anything changes, and their points
/// stay theirs.
pub fn unbound_member_stays_unbound(world: &mut World) {
    let shop = world.shop(&pooled_contract_program());
    let u = world.unique("unb");
    let (solo, mate) = (format!("solo-{u}"), format!("mate-{u}"));
    let account = json!({"account_id": format!("acct-{u}")});
    sent(
        &shop,
        &paid(
            &format!("{u}-1"),
            &solo,
            &format!("o1-{u}"),
            5000,
            Value::Null,
        ),
    );
    sent(
        &shop,
        &paid(
            &format!("{u}-m"),
            &mate,
            &format!("om-{u}"),
            1000,
            account.clone(),
        ),
    );
    let refused = shop.send(&paid(
        &format!("{u}-2"),
        &solo,
        &format!("o2-{u}"),
        7000,
        account.clone(),
    ));
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.json()["code"], "account_id_immutable");
    // floor(5000 / 100) = 50, still solo's own; the account holds mate's 10.
    assert_eq!(shop.view(&solo).view.balance, 50);
    assert_eq!(shop.view(&mate).view.balance, 10);
    // Nothing was kept of the refused event: its id is free for another body.
    sent(
        &shop,
        &paid(
            &format!("{u}-2"),
            &solo,
            &format!("o2-{u}"),
            7000,
            Value::Null,
        ),
    );
    assert_eq!(shop.view(&solo).view.balance, 120);
}

/// Consent: a shopper leaves from the widget and rejoins; a merchant
/// records an opt-out from the shop's consent tool (also for a shopper
/// never seen). While out, events answer with nothing given and why, and
/// redemptions are refused; rejoining is an explicit act.
pub fn consent_is_kept(world: &mut World) {
    let shop = world.shop(&crate::api::simple_program());
    let u = world.unique("cons");
    let member = format!("m-{u}");
    // floor(30000 / 100) = 300 + first order 100 = 400.
    let first = sent(
        &shop,
        &paid(
            &format!("{u}-1"),
            &member,
            &format!("o1-{u}"),
            30000,
            Value::Null,
        ),
    );
    assert_eq!(first["balance"], 400);
    let widget = shop.shopper(&member);
    let left = widget.leave().unwrap();
    assert_eq!((left.enrollment.as_str(), left.changed), ("left", true));
    assert!(
        !widget.leave().unwrap().changed,
        "leaving twice changes nothing"
    );
    assert_eq!(widget.me(None).unwrap().view.enrollment, "left");
    let out = sent(
        &shop,
        &paid(
            &format!("{u}-2"),
            &member,
            &format!("o2-{u}"),
            5000,
            Value::Null,
        ),
    );
    assert_eq!(out["points"], 0, "{out}");
    assert_eq!(out["lines"], json!([]));
    assert_eq!(out["not_enrolled"], "left");
    assert_eq!(out["balance"], 400);
    let refused = widget.redeem("ship", &format!("k-{u}")).unwrap_err();
    assert_eq!(refused.code(), Some("not_enrolled"));
    // The merchant's consent tool: a bad status is refused and changes nothing.
    let bad = shop.merchant(
        "PUT",
        &format!("/v1/shops/{{shop}}/members/{member}/consent"),
        br#"{"status": "left"}"#,
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.json()["problems"][0]["path"], "$.status");
    assert_eq!(widget.me(None).unwrap().view.enrollment, "left");
    let opted = shop
        .api
        .consent(&member, loyalty_client::MerchantConsent::OptedOut)
        .unwrap();
    assert_eq!(opted.enrollment, "opted_out");
    let out = sent(
        &shop,
        &paid(
            &format!("{u}-3"),
            &member,
            &format!("o3-{u}"),
            5000,
            Value::Null,
        ),
    );
    assert_eq!(out["not_enrolled"], "opted_out");
    // Back in: floor(1000 / 100) = 10 more.
    assert_eq!(widget.join().unwrap().enrollment, "enrolled");
    let back = sent(
        &shop,
        &paid(
            &format!("{u}-4"),
            &member,
            &format!("o4-{u}"),
            1000,
            Value::Null,
        ),
    );
    assert_eq!(
        (back["points"].clone(), back["balance"].clone()),
        (json!(10), json!(410))
    );
    assert!(widget.redeem("ship", &format!("k-{u}")).is_ok());
    // An opt-out recorded before the shopper's first event holds from it.
    let early = format!("early-{u}");
    shop.api
        .consent(&early, loyalty_client::MerchantConsent::OptedOut)
        .unwrap();
    let out = sent(
        &shop,
        &paid(
            &format!("{u}-5"),
            &early,
            &format!("o5-{u}"),
            5000,
            Value::Null,
        ),
    );
    assert_eq!(
        (out["points"].clone(), out["not_enrolled"].clone()),
        (json!(0), json!("opted_out"))
    );
}
