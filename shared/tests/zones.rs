//! The local calendar of a shop's zone: hand-worked bounds in zones without
//! daylight saving (Riyadh, Vladivostok), across Berlin's 23- and 25-hour
//! days, and across a skipped midnight (Santiago's, in September); and a
//! property: periods hold their instant and meet exactly.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use loyalty_rules::program::Period;
use loyalty_rules::zone::{UtcOnly, Zone, Zones};
use proptest::prelude::*;

fn t(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn local(text: &str) -> NaiveDateTime {
    text.parse().unwrap()
}

fn bounds(zone: &Zone, per: Period, at: &str) -> (DateTime<Utc>, DateTime<Utc>) {
    zone.bounds(per, t(at)).expect("a calendar period")
}

/// The zones the tests name, hand-written: Riyadh (+03:00) and Vladivostok
/// (+10:00) without daylight saving, Berlin and Santiago around 2026's changes.
pub struct Atlas;

impl Zones for Atlas {
    fn zone(&self, name: &str) -> Option<Zone> {
        match name {
            "Asia/Riyadh" => Some(Zone::fixed(name, 3 * 3600)),
            "Asia/Vladivostok" => Some(Zone::fixed(name, 10 * 3600)),
            "Europe/Berlin" => Some(berlin()),
            "America/Santiago" => Some(santiago()),
            _ => UtcOnly.zone(name),
        }
    }
}

/// Europe/Berlin in 2026: +01:00, +02:00 from 29 March 01:00 UTC, +01:00
/// again from 25 October 01:00 UTC.
pub fn berlin() -> Zone {
    Zone::with_changes(
        "Europe/Berlin",
        3600,
        vec![(1_774_746_000, 7200), (1_792_890_000, 3600)],
    )
}

/// America/Santiago around September 2026: -04:00, then -03:00 from 6
/// September 04:00 UTC, when the clock jumps from Saturday 24:00 to Sunday
/// 01:00 (the Sunday has no midnight).
pub fn santiago() -> Zone {
    Zone::with_changes(
        "America/Santiago",
        -4 * 3600,
        vec![(1_788_667_200, -3 * 3600)],
    )
}

#[test]
fn utc_is_the_calendar_of_utc() {
    let utc = Zone::utc();
    assert_eq!(
        bounds(&utc, Period::Day, "2026-03-10T20:59:00Z"),
        (t("2026-03-10T00:00:00Z"), t("2026-03-11T00:00:00Z"))
    );
    assert_eq!(
        utc.bounds(Period::Lifetime, t("2026-03-10T20:59:00Z")),
        None
    );
}

#[test]
fn a_day_in_riyadh_starts_at_21_00_utc() {
    let riyadh = Zone::fixed("Asia/Riyadh", 3 * 3600);
    // 20:59 UTC is 23:59 on the 10th in Riyadh; 21:00 UTC is the 11th.
    assert_eq!(
        bounds(&riyadh, Period::Day, "2026-03-10T20:59:00Z"),
        (t("2026-03-09T21:00:00Z"), t("2026-03-10T21:00:00Z"))
    );
    assert_eq!(
        bounds(&riyadh, Period::Day, "2026-03-10T21:00:00Z"),
        (t("2026-03-10T21:00:00Z"), t("2026-03-11T21:00:00Z"))
    );
    // Weeks from Monday: Monday 9 March 00:00 local is 8 March 21:00 UTC.
    assert_eq!(
        bounds(&riyadh, Period::Week, "2026-03-10T12:00:00Z"),
        (t("2026-03-08T21:00:00Z"), t("2026-03-15T21:00:00Z"))
    );
}

#[test]
fn a_month_in_vladivostok_starts_the_day_before_in_utc() {
    let vladivostok = Zone::fixed("Asia/Vladivostok", 10 * 3600);
    // 14:00 UTC on 28 February is 00:00 on 1 March in Vladivostok.
    assert_eq!(
        bounds(&vladivostok, Period::Month, "2026-02-28T14:00:00Z"),
        (t("2026-02-28T14:00:00Z"), t("2026-03-31T14:00:00Z"))
    );
    assert_eq!(
        bounds(&vladivostok, Period::Year, "2026-06-01T00:00:00Z"),
        (t("2025-12-31T14:00:00Z"), t("2026-12-31T14:00:00Z"))
    );
}

#[test]
fn berlin_has_a_23_and_a_25_hour_day() {
    let berlin = berlin();
    // 29 March: 00:00 local at +01:00 is 23:00 UTC the day before; the next
    // midnight is at +02:00, 22:00 UTC: 23 hours.
    let (start, end) = bounds(&berlin, Period::Day, "2026-03-29T12:00:00Z");
    assert_eq!(
        (start, end),
        (t("2026-03-28T23:00:00Z"), t("2026-03-29T22:00:00Z"))
    );
    assert_eq!(end - start, Duration::hours(23));
    // 25 October: from 22:00 UTC (+02:00) to 23:00 UTC (+01:00): 25 hours.
    let (start, end) = bounds(&berlin, Period::Day, "2026-10-25T12:00:00Z");
    assert_eq!(
        (start, end),
        (t("2026-10-24T22:00:00Z"), t("2026-10-25T23:00:00Z"))
    );
    assert_eq!(end - start, Duration::hours(25));
    // The week holding the short day: 7 * 24 - 1 = 167 hours.
    let (start, end) = bounds(&berlin, Period::Week, "2026-03-29T12:00:00Z");
    assert_eq!(
        (start, end),
        (t("2026-03-22T23:00:00Z"), t("2026-03-29T22:00:00Z"))
    );
    assert_eq!(end - start, Duration::hours(167));
    // The hour shown twice on 25 October: 02:30 local is first 00:30 UTC
    // (+02:00), then 01:30 UTC (+01:00); the earlier is its first instant.
    assert_eq!(
        berlin.local(t("2026-10-25T00:30:00Z")),
        local("2026-10-25T02:30:00")
    );
    assert_eq!(
        berlin.local(t("2026-10-25T01:30:00Z")),
        local("2026-10-25T02:30:00")
    );
    assert_eq!(
        berlin.first_instant(local("2026-10-25T02:30:00")),
        t("2026-10-25T00:30:00Z")
    );
    // The hour skipped on 29 March (02:00-03:00 local) starts when the clock jumps.
    assert_eq!(
        berlin.first_instant(local("2026-03-29T02:30:00")),
        t("2026-03-29T01:00:00Z")
    );
}

#[test]
fn a_day_without_a_midnight_starts_when_the_clock_jumps() {
    let santiago = santiago();
    // Saturday 5 September: 00:00 local at -04:00 (04:00 UTC) to the jump.
    assert_eq!(
        bounds(&santiago, Period::Day, "2026-09-05T12:00:00Z"),
        (t("2026-09-05T04:00:00Z"), t("2026-09-06T04:00:00Z"))
    );
    // Sunday 6 September has no 00:00: it starts at the jump (01:00 local)
    // and ends at Monday's midnight at -03:00, 03:00 UTC: 23 hours.
    let (start, end) = bounds(&santiago, Period::Day, "2026-09-06T12:00:00Z");
    assert_eq!(
        (start, end),
        (t("2026-09-06T04:00:00Z"), t("2026-09-07T03:00:00Z"))
    );
    assert_eq!(end - start, Duration::hours(23));
}

#[test]
fn changes_are_kept_in_order_and_the_later_of_two_at_one_instant_wins() {
    let zone = Zone::with_changes("x", 0, vec![(200, 7200), (100, 3600), (200, 1800)]);
    assert_eq!(
        zone.offset_at(DateTime::from_timestamp(150, 0).unwrap()),
        3600
    );
    assert_eq!(
        zone.offset_at(DateTime::from_timestamp(200, 0).unwrap()),
        1800
    );
    assert_eq!(zone.offset_at(DateTime::from_timestamp(99, 0).unwrap()), 0);
}

proptest! {
    /// Every period holds its instant, and the next one starts where it
    /// ends, across daylight-saving changes and a skipped midnight.
    #[test]
    fn periods_hold_their_instant_and_meet(
        seconds in 1_735_689_600_i64..1_830_297_600,
        which in 0_usize..4,
        per in prop_oneof![Just(Period::Day), Just(Period::Week), Just(Period::Month), Just(Period::Year)],
    ) {
        let zone = [berlin(), santiago(), Zone::fixed("Asia/Riyadh", 10_800), Zone::utc()][which].clone();
        let at = DateTime::from_timestamp(seconds, 0).unwrap();
        let (start, end) = zone.bounds(per, at).unwrap();
        prop_assert!(start <= at && at < end, "{start} <= {at} < {end}");
        let (next_start, _) = zone.bounds(per, end).unwrap();
        prop_assert_eq!(next_start, end);
        if per == Period::Day {
            prop_assert_eq!(zone.local(start).date(), zone.local(at).date());
            let hours = (end - start).num_hours();
            prop_assert!((23..=25).contains(&hours), "{hours} hours");
        }
    }
}
