//! The shop's clock end to end: a program's `time_zone` is looked up in the
//! worker's own IANA database, its local days bound the limits, an unknown
//! zone is refused with nothing saved, and the cart preview gets the
//! zone's offsets with the program.

use chrono::{Duration, NaiveTime};
use loyalty_client::events;
use loyalty_rules::EventKind;
use loyalty_rules::zone::Zone;
use serde_json::json;

use crate::world::{World, days_ago};

/// A review rule of 50 points, once a local day, in `zone`.
fn daily_review(zone: &str) -> serde_json::Value {
    json!({
        "currency": "SAR",
        "shop_url": "https://shop.example",
        "time_zone": zone,
        "earn_rules": [{"id": "review", "event": "review_posted",
                        "effect": {"kind": "fixed", "points": 50},
                        "limit": {"count": 1, "per": "day"}}]
    })
}

pub fn shop_clock(world: &mut World) {
    // A UTC day three days before the run's start, at its midnight.
    let day = crate::world::at(days_ago(3))
        .date_naive()
        .and_time(NaiveTime::MIN)
        .and_utc();
    let times = [
        // 20:30 UTC: 23:30 in Riyadh.
        day + Duration::minutes(20 * 60 + 30),
        // 21:30 UTC: 00:30 the next day in Riyadh, the same day in UTC.
        day + Duration::minutes(21 * 60 + 30),
        // 20:00 UTC the next day: 23:00 in Riyadh, its second local day.
        day + Duration::hours(44),
    ];
    for (zone, wanted) in [("Asia/Riyadh", [50, 50, 0]), ("UTC", [50, 0, 50])] {
        let shop = world.shop(&daily_review(zone));
        let got: Vec<i64> = times
            .iter()
            .enumerate()
            .map(|(i, at)| {
                let review =
                    events::of_kind(EventKind::ReviewPosted, &format!("rv-{i}"), "m-clock", *at)
                        .unwrap();
                shop.record(&review).points
            })
            .collect();
        assert_eq!(got, wanted, "{zone}: {times:?}");

        // The daily series counts the writes on the shop's date of the
        // moment they were made (+03:00 in Riyadh), whatever day the events
        // happened: 100 points.
        let offset = Duration::hours(if zone == "UTC" { 0 } else { 3 });
        let today = (xtask::clock::now() + offset).date_naive();
        let daily = shop.api.analytics().unwrap().daily;
        assert!(
            daily
                .iter()
                .all(|d| d.date == today || d.date == today.pred_opt().unwrap()),
            "{zone}: {daily:?}"
        );
        assert_eq!(
            daily.iter().map(|d| d.totals.points_issued).sum::<i64>(),
            100
        );

        // The cart preview gets the zone with the program: Riyadh has one
        // offset, +03:00, and no change around now.
        let inputs = shop
            .client
            .widget(&shop.name, None)
            .program_with_preview(None)
            .unwrap()
            .preview
            .expect("the preview inputs");
        let want = match zone {
            "UTC" => Zone::utc(),
            _ => Zone::fixed(zone, 3 * 3600),
        };
        assert_eq!(inputs.zone, want);
    }

    // A zone the database does not know is refused where it stands, and
    // the program saved before stays.
    let shop = world.shop(&daily_review("Asia/Riyadh"));
    let answer = shop.put_program(&daily_review("Asia/Atlantis"));
    assert_eq!(answer.status, 422, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["code"], "invalid_program");
    assert_eq!(body["problems"][0]["path"], "$.time_zone", "{body}");
    let kept = shop.merchant("GET", "/v1/shops/{shop}/program", b"").json();
    assert_eq!(kept["version"], 1);
    assert_eq!(kept["program"]["time_zone"], "Asia/Riyadh", "{kept}");
    // Names are the database's, in any case; a rule window on the shop's
    // clock is taken.
    let mut program = daily_review("asia/riyadh");
    program["earn_rules"][0]["active"] = json!({"from": "2020-01-01", "until": "2100-01-01T00:00"});
    assert_eq!(shop.put_program(&program).status, 200);
}
