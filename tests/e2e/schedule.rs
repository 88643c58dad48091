//! The schedule on the runtime: the Cron Trigger fired (wrangler's
//! `/__scheduled`) twice awards a birthday and an anniversary once each,
//! and warns once that points are about to expire; dates are the run
//! start's, in the shop's time zone (UTC here).

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use crate::receiver::{Received, Receiver};
use crate::world::{World, days_ago};

fn fire(world: &World) {
    let fired = world.call("GET", "/__scheduled?cron=0+*+*+*+*", &[], b"");
    assert_eq!(fired.status, 200, "{}", fired.body);
}

pub fn birthday_anniversary_and_warning_once_each(world: &mut World) {
    let program = json!({
        "currency": "USD", "shop_url": "https://shop.example",
        "earn_rules": [
            {"id": "base", "event": "order_paid",
             "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}},
            {"id": "bday", "event": "birthday", "effect": {"kind": "fixed", "points": 100}},
            {"id": "anniv", "event": "custom:anniversary", "effect": {"kind": "fixed", "points": 50}}],
        "expiry": {"inactivity_days": 30, "warning_days": 7}
    });
    let shop = world.shop(&program);
    let receiver = Receiver::start();
    let body = json!({"url": receiver.url("/s"), "topics": ["points_earned", "points_expiring"]})
        .to_string();
    let made = shop.merchant("POST", "/v1/shops/{shop}/webhooks", body.as_bytes());
    assert_eq!(made.status, 201, "{}", made.body);

    let today: NaiveDate = xtask::clock::run_start().date_naive();
    // Born on today's month and day; joined a year ago today (four years
    // on a 29 February, so that the day exists); a last order 23 days ago,
    // so its points expire in 7 days: the warning is due today.
    let (ann, ben, cid) = (
        world.unique("ann"),
        world.unique("ben"),
        world.unique("cid"),
    );
    let birthday = today.with_year(1992).unwrap_or(today - Duration::days(1));
    let back = if today.month() == 2 && today.day() == 29 {
        4
    } else {
        1
    };
    let joined = today
        .with_year(today.year() - back)
        .expect("a day that exists");
    let signup = |id: &str, member: &str, at: String, facts: Value| {
        json!({"id": id, "kind": "signup", "member_id": member, "occurred_at": at,
               "member": facts})
    };
    for event in [
        signup(
            &format!("{ann}-s"),
            &ann,
            days_ago(0),
            json!({"birthday": birthday.to_string()}),
        ),
        signup(
            &format!("{ben}-s"),
            &ben,
            format!("{joined}T12:00:00Z"),
            json!({"email_hash": "h"}),
        ),
        json!({"id": format!("{cid}-o"), "kind": "order_paid", "member_id": cid,
               "occurred_at": days_ago(23),
               "order": {"order_id": format!("{cid}-o"), "currency": "USD", "subtotal_minor": 5000}}),
    ] {
        let sent = shop.send(&event);
        assert_eq!(sent.status, 200, "{}", sent.body);
    }
    // The shop's index has their days once their figures are recorded.
    for _ in 0..100 {
        if shop.api.analytics().expect("analytics").metrics.members == 3 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    fire(world);
    let points = |member: &str| shop.view(member).view.balance;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while (points(&ann), points(&ben)) != (100, 50) {
        assert!(
            std::time::Instant::now() < deadline,
            "birthday and anniversary: {} and {}",
            points(&ann),
            points(&ben)
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let warned = |got: &[Received]| {
        got.iter()
            .map(Received::json)
            .filter(|e| e["topic"] == "points_expiring")
            .collect::<Vec<_>>()
    };
    let got = receiver.wait_until(30, |got| !warned(got).is_empty());
    let warning = &warned(&got)[0];
    assert_eq!(warning["member_id"], json!(cid), "{warning}");
    assert_eq!(warning["points"], 50, "{warning}");
    assert_eq!(
        warning["expires_at"].as_str().map(|t| &t[..10]),
        Some((today + Duration::days(7)).to_string().as_str()),
        "{warning}"
    );

    // Fired again (and once more): nothing twice.
    fire(world);
    fire(world);
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!((points(&ann), points(&ben), points(&cid)), (100, 50, 50));
    let got = receiver.received();
    assert_eq!(warned(&got).len(), 1, "one warning");
    let earned: Vec<Value> = got
        .iter()
        .map(Received::json)
        .filter(|e| e["topic"] == "points_earned" && e["source"] == "earn")
        .collect();
    let birthdays = earned
        .iter()
        .filter(|e| e["member_id"] == json!(ann))
        .count();
    let anniversaries = earned
        .iter()
        .filter(|e| e["member_id"] == json!(ben))
        .count();
    assert_eq!((birthdays, anniversaries), (1, 1), "{earned:#?}");
    let ledger = shop
        .api
        .ledger(&ann, &Default::default())
        .expect("the ledger");
    assert_eq!(ledger.entries.len(), 1, "one birthday entry");
}
