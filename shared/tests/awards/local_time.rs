//! The shop's clock: every calendar notion of the rules in the program's
//! `time_zone`. Each figure is worked by hand from the zones' offsets:
//! Riyadh +03:00 (a local day starts at 21:00 UTC), Vladivostok +10:00
//! (at 14:00 UTC), Berlin +01:00, +02:00 from 29 March 01:00 UTC (a
//! 23-hour day), +01:00 again from 25 October 01:00 UTC (a 25-hour day).

use super::*;
use crate::zones::Atlas;

/// `check`, with the program's zone looked up in the tests' atlas.
fn check_in(program: &str, rows: &[(Value, Expect)]) -> (Shop, Vec<Answer>) {
    let program =
        Program::parse_in(program, &Atlas).unwrap_or_else(|p| panic!("program refused: {p:?}"));
    let mut shop = Shop {
        book: Book::new(program),
    };
    let answers = shop.run(rows);
    (shop, answers)
}

fn in_zone(zone: &str, parts: Value) -> String {
    program(with(json!({ "time_zone": zone }), parts))
}

fn limited_review_in(zone: &str, count: u32, per: &str) -> String {
    in_zone(
        zone,
        json!({"earn_rules": [limited(fixed("review", "review_posted", 50), count, per)]}),
    )
}

#[test]
fn a_daily_limit_in_riyadh_resets_at_21_00_utc() {
    let rows = |second: Expect, fourth: Expect| {
        vec![
            // 20:59 UTC on the 20th: 23:59 on the 20th in Riyadh.
            (
                at(review("e-1"), "2026-11-20T20:59:00Z"),
                award(&[("review", 50)], 50, 50),
            ),
            // 21:00 UTC: 00:00 on the 21st in Riyadh, still the 20th in UTC.
            (at(review("e-2"), "2026-11-20T21:00:00Z"), second),
            // 20:59:59 UTC on the 21st: 23:59:59 on the 21st in Riyadh.
            (
                at(review("e-3"), "2026-11-21T20:59:59Z"),
                award(&[], 0, 100),
            ),
            // 21:00 UTC on the 21st: the 22nd in Riyadh, still the 21st in UTC.
            (at(review("e-4"), "2026-11-21T21:00:00Z"), fourth),
        ]
    };
    // Riyadh: e-1 (20th), e-2 (21st) 50 + 50 = 100, e-3 (21st) nothing,
    // e-4 (22nd) 100 + 50 = 150.
    check_in(
        &limited_review_in("Asia/Riyadh", 1, "day"),
        &rows(
            award(&[("review", 50)], 50, 100),
            award(&[("review", 50)], 50, 150),
        ),
    );
    // The same events in UTC: e-2 is the 20th again (nothing); e-3 is the
    // 21st (50 + 50 = 100), e-4 too (nothing).
    let mut utc = rows(award(&[], 0, 50), award(&[], 0, 100));
    utc[2].1 = award(&[("review", 50)], 50, 100);
    check_in(&limited_review_in("UTC", 1, "day"), &utc);
}

#[test]
fn a_week_in_vladivostok_starts_on_sunday_at_14_00_utc() {
    check_in(
        &limited_review_in("Asia/Vladivostok", 1, "week"),
        &[
            // Sunday 22 November 13:59 UTC: Sunday 23:59 in Vladivostok.
            (
                at(review("e-1"), "2026-11-22T13:59:00Z"),
                award(&[("review", 50)], 50, 50),
            ),
            // 14:00 UTC: Monday 23 November 00:00 there, a new week. 100.
            (
                at(review("e-2"), "2026-11-22T14:00:00Z"),
                award(&[("review", 50)], 50, 100),
            ),
            // Monday 20:00 there: the same week.
            (review("e-3"), award(&[], 0, 100)),
        ],
    );
}

#[test]
fn a_daily_limit_in_berlin_holds_over_a_23_and_a_25_hour_day() {
    check_in(
        &limited_review_in("Europe/Berlin", 1, "day"),
        &[
            // Saturday 28 March 23:59:59 (+01:00).
            (
                at(review("e-1"), "2026-03-28T22:59:59Z"),
                award(&[("review", 50)], 50, 50),
            ),
            // Sunday 29 March 00:00 (+01:00) = 23:00 UTC on the 28th: a new day. 100.
            (
                at(review("e-2"), "2026-03-28T23:00:00Z"),
                award(&[("review", 50)], 50, 100),
            ),
            // 23:59:59 (+02:00) on the 29th = 21:59:59 UTC: the same 23-hour day.
            (
                at(review("e-3"), "2026-03-29T21:59:59Z"),
                award(&[], 0, 100),
            ),
            // Monday 30 March 00:00 (+02:00) = 22:00 UTC: a new day. 150.
            (
                at(review("e-4"), "2026-03-29T22:00:00Z"),
                award(&[("review", 50)], 50, 150),
            ),
            // Sunday 25 October 00:00 (+02:00) = 22:00 UTC on the 24th. 200.
            (
                at(review("e-5"), "2026-10-24T22:00:00Z"),
                award(&[("review", 50)], 50, 200),
            ),
            // 02:30 shown twice: first at +02:00 (00:30 UTC), then at +01:00
            // (01:30 UTC); both the 25th.
            (
                at(review("e-6"), "2026-10-25T00:30:00Z"),
                award(&[], 0, 200),
            ),
            (
                at(review("e-7"), "2026-10-25T01:30:00Z"),
                award(&[], 0, 200),
            ),
            // 23:59:59 (+01:00) = 22:59:59 UTC: still the 25-hour day.
            (
                at(review("e-8"), "2026-10-25T22:59:59Z"),
                award(&[], 0, 200),
            ),
            // Monday 26 October 00:00 (+01:00) = 23:00 UTC. 250.
            (
                at(review("e-9"), "2026-10-25T23:00:00Z"),
                award(&[("review", 50)], 50, 250),
            ),
        ],
    );
}

#[test]
fn a_zone_changed_mid_day_counts_the_day_of_the_new_zone() {
    // The merchant's program says UTC; a review at 22:00 UTC on the 20th.
    let (mut shop, _) = check_in(
        &limited_review_in("UTC", 1, "day"),
        &[(
            at(review("e-1"), "2026-11-20T22:00:00Z"),
            award(&[("review", 50)], 50, 50),
        )],
    );
    // Then it names Asia/Riyadh. 00:30 UTC on the 21st is 03:30 on the 21st
    // in Riyadh, a day that began at 21:00 UTC on the 20th and so holds the
    // first review: nothing, though the UTC day is new.
    shop.book.program =
        Program::parse_in(&limited_review_in("Asia/Riyadh", 1, "day"), &Atlas).unwrap();
    shop.run(&[
        (at(review("e-2"), "2026-11-21T00:30:00Z"), award(&[], 0, 50)),
        // 21:00 UTC on the 21st: the 22nd in Riyadh. 100.
        (
            at(review("e-3"), "2026-11-21T21:00:00Z"),
            award(&[("review", 50)], 50, 100),
        ),
    ]);
    // Back to UTC: 23:00 UTC on the 21st is the UTC 21st, which holds e-3.
    shop.book.program = Program::parse_in(&limited_review_in("UTC", 1, "day"), &Atlas).unwrap();
    shop.run(&[(
        at(review("e-4"), "2026-11-21T23:00:00Z"),
        award(&[], 0, 100),
    )]);
}

#[test]
fn event_hour_is_the_hour_on_the_shop_s_clock() {
    let doc = in_zone(
        "Asia/Riyadh",
        json!({"earn_rules": [only_if(
            fixed("evening", "review_posted", 10),
            "event.hour",
            "in",
            json!([18, 19, 20])
        )]}),
    );
    check_in(
        &doc,
        &[
            // 15:30 UTC = 18:30 in Riyadh.
            (
                at(review("e-1"), "2026-11-20T15:30:00Z"),
                award(&[("evening", 10)], 10, 10),
            ),
            // 18:30 UTC = 21:30 in Riyadh (18 in UTC, which would match).
            (at(review("e-2"), "2026-11-20T18:30:00Z"), award(&[], 0, 10)),
            // 14:59 UTC = 17:59.
            (at(review("e-3"), "2026-11-20T14:59:00Z"), award(&[], 0, 10)),
        ],
    );
}

#[test]
fn weekday_follows_the_shop_s_clock() {
    let doc = in_zone(
        "Asia/Vladivostok",
        json!({"earn_rules": [only_if(
            fixed("monday", "review_posted", 10),
            "event.weekday",
            "eq",
            json!(1)
        )]}),
    );
    check_in(
        &doc,
        &[
            // Sunday 22 November 14:00 UTC: Monday 00:00 in Vladivostok.
            (
                at(review("e-1"), "2026-11-22T14:00:00Z"),
                award(&[("monday", 10)], 10, 10),
            ),
            // Monday 16 November 14:30 UTC: Tuesday 00:30 there.
            (at(review("e-2"), "2026-11-16T14:30:00Z"), award(&[], 0, 10)),
        ],
    );
}

fn birthday(event: Value, day: &str) -> Value {
    with(event, json!({"member": {"birthday": day}}))
}

#[test]
fn birthday_today_is_the_birthday_on_the_shop_s_clock() {
    let doc = in_zone(
        "Asia/Riyadh",
        json!({"earn_rules": [limited(only_if(
            fixed("birthday", "birthday", 100),
            "member.birthday_today",
            "eq",
            json!(true)
        ), 1, "year")]}),
    );
    check_in(
        &doc,
        &[
            // No birthday known: the field is lacking, the condition false.
            (
                at(event("e-0", "birthday"), "2026-11-20T21:30:00Z"),
                award(&[], 0, 0),
            ),
            // Born 21 November; 20:30 UTC on the 20th is still the 20th in Riyadh.
            (
                at(
                    birthday(event("e-1", "birthday"), "1990-11-21"),
                    "2026-11-20T20:30:00Z",
                ),
                award(&[], 0, 0),
            ),
            // 21:30 UTC on the 20th: 00:30 on the 21st in Riyadh. The stored
            // birthday counts without being sent again.
            (
                at(event("e-2", "birthday"), "2026-11-20T21:30:00Z"),
                award(&[("birthday", 100)], 100, 100),
            ),
            // Once a year.
            (
                at(event("e-3", "birthday"), "2026-11-21T10:00:00Z"),
                award(&[], 0, 100),
            ),
        ],
    );
    // Born 29 February: kept on 28 February in a common year (2026),
    // not on 1 March.
    check_in(
        &doc,
        &[
            (
                at(
                    birthday(event("e-1", "birthday"), "2000-02-29"),
                    "2026-02-28T10:00:00Z",
                ),
                award(&[("birthday", 100)], 100, 100),
            ),
            (
                at(event("e-2", "birthday"), "2026-03-01T10:00:00Z"),
                award(&[], 0, 100),
            ),
        ],
    );
}

#[test]
fn signup_anniversary_counts_whole_years_on_the_local_date() {
    let doc = in_zone(
        "Asia/Riyadh",
        json!({"earn_rules": [only_if(
            fixed("anniversary", "review_posted", 30),
            "member.signup_anniversary",
            "gte",
            json!(1)
        )]}),
    );
    check_in(
        &doc,
        &[
            // Signed up 22:00 UTC on 20 November 2025: the 21st in Riyadh.
            (
                at(event("e-1", "signup"), "2025-11-20T22:00:00Z"),
                award(&[], 0, 0),
            ),
            // 20:00 UTC on 20 November 2026: the 20th there, no anniversary.
            (at(review("e-2"), "2026-11-20T20:00:00Z"), award(&[], 0, 0)),
            // 21:30 UTC: the 21st there, one year.
            (
                at(review("e-3"), "2026-11-20T21:30:00Z"),
                award(&[("anniversary", 30)], 30, 30),
            ),
            // The 22nd: over.
            (at(review("e-4"), "2026-11-21T21:30:00Z"), award(&[], 0, 30)),
        ],
    );
}

#[test]
fn a_calendar_year_tier_window_is_the_shop_s_year() {
    let doc = |zone: &str| {
        in_zone(
            zone,
            json!({"earn_rules": [base()], "tiers": spend_tiers(json!({"kind": "calendar_year"}))}),
        )
    };
    let rows = |second: Expect| {
        vec![
            // 21:30 UTC on 31 December 2025: 00:30 on 1 January 2026 in Riyadh.
            (
                at(paid("e-1", "o-1", 60000), "2025-12-31T21:30:00Z"),
                award(&[("base", 600)], 600, 600),
            ),
            (paid("e-2", "o-2", 12999), second),
        ]
    };
    // Riyadh: the order is in 2026, spend 60000: silver.
    // floor(129 * 12500 / 10000) = 161, +32; 600 + 161 = 761.
    check_in(
        &doc("Asia/Riyadh"),
        &rows(award(&[("base", 129), ("tier:silver", 32)], 161, 761)),
    );
    // UTC: it is in 2025, outside; bronze. 600 + 129 = 729.
    check_in(&doc("UTC"), &rows(award(&[("base", 129)], 129, 729)));
}

#[test]
fn rule_windows_written_as_local_dates_are_local_midnights() {
    let doc = in_zone(
        "Asia/Riyadh",
        json!({"earn_rules": [with(
            fixed("day-21", "review_posted", 10),
            json!({"active": {"from": "2026-11-21", "until": "2026-11-22"}})
        ), with(
            fixed("evening", "review_posted", 5),
            json!({"active": {"from": "2026-11-21T18:00", "until": "2026-11-21T20:30:00"}})
        )]}),
    );
    check_in(
        &doc,
        &[
            // From 00:00 on the 21st in Riyadh = 21:00 UTC on the 20th.
            (at(review("e-1"), "2026-11-20T20:59:59Z"), award(&[], 0, 0)),
            (
                at(review("e-2"), "2026-11-20T21:00:00Z"),
                award(&[("day-21", 10)], 10, 10),
            ),
            // 18:00 to 20:30 on the 21st there = 15:00 to 17:30 UTC.
            (
                at(review("e-3"), "2026-11-21T15:00:00Z"),
                award(&[("day-21", 10), ("evening", 5)], 15, 25),
            ),
            (
                at(review("e-4"), "2026-11-21T17:30:00Z"),
                award(&[("day-21", 10)], 10, 35),
            ),
            // Until 00:00 on the 22nd there = 21:00 UTC on the 21st, exclusive.
            (
                at(review("e-5"), "2026-11-21T20:59:59Z"),
                award(&[("day-21", 10)], 10, 45),
            ),
            (at(review("e-6"), "2026-11-21T21:00:00Z"), award(&[], 0, 45)),
        ],
    );
}

#[test]
fn the_daily_series_counts_on_the_shop_s_dates() {
    let doc = in_zone("Asia/Riyadh", json!({"earn_rules": [base()]}));
    let mut shop = Shop {
        book: Book::new(Program::parse_in(&doc, &Atlas).unwrap()),
    };
    let mut record = |event: Value, now: &str| shop.record_at(&event, time(now)).unwrap();
    // Written at 20:30 UTC on the 22nd: the 22nd in Riyadh. 100 points.
    record(
        at(paid("e-1", "o-1", 10000), "2026-11-22T20:00:00Z"),
        "2026-11-22T20:30:00Z",
    );
    // At 21:30 and 21:45 UTC: already the 23rd there. 25 + 40 = 65 points.
    record(
        at(paid("e-2", "o-2", 2500), "2026-11-22T21:00:00Z"),
        "2026-11-22T21:30:00Z",
    );
    record(
        by(at(paid("e-3", "o-3", 4000), "2026-11-22T21:00:00Z"), "m-2"),
        "2026-11-22T21:45:00Z",
    );
    assert_eq!(
        serde_json::to_value(shop.book.counters.report().daily).unwrap(),
        json!([
            {"date": "2026-11-22", "points_issued": 100, "points_redeemed": 0,
             "net_spend": 10000, "members": 1},
            {"date": "2026-11-23", "points_issued": 65, "points_redeemed": 0,
             "net_spend": 6500, "members": 1}
        ])
    );
}

#[test]
fn the_daily_series_keeps_92_days() {
    use loyalty_rules::analytics::{DAYS_KEPT, MemberFigures, ShopCounters};
    let day = |text: &str| Some(text.parse().unwrap());
    let mut counters = ShopCounters::default();
    let first = MemberFigures {
        members: 1,
        issued: 10,
        day: day("2026-08-01"),
        ..MemberFigures::default()
    };
    counters.record(&MemberFigures::default(), &first);
    // 1 August + 91 days = 31 October: both kept.
    let second = MemberFigures {
        issued: 30,
        day: day("2026-10-31"),
        ..first.clone()
    };
    counters.record(&first, &second);
    assert_eq!(DAYS_KEPT, 92);
    assert_eq!(counters.report().daily.len(), 2);
    // 1 November: 1 August falls out; 31 October stays.
    let third = MemberFigures {
        issued: 60,
        day: day("2026-11-01"),
        ..second.clone()
    };
    counters.record(&second, &third);
    let dates: Vec<String> = counters
        .report()
        .daily
        .iter()
        .map(|d| d.date.to_string())
        .collect();
    assert_eq!(dates, ["2026-10-31", "2026-11-01"]);
    // A write that changed none of the day's figures adds no day.
    let same = MemberFigures {
        tier: Some("gold".into()),
        day: day("2026-11-02"),
        ..third.clone()
    };
    counters.record(&third, &same);
    assert_eq!(counters.report().daily.len(), 2);
    // Totals are not the series: issued is 60 in all.
    assert_eq!(counters.metrics().points_issued, 60);
}
