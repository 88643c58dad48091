//! The IANA time-zone database, as the rules crate asks for it: a program's
//! `time_zone` becomes a table of its UTC offsets (the rules crate holds no
//! database, so the widget's cart preview carries none either; the edge
//! sends it the few changes around now).
//!
//! Invariant: a table answers the database's offset for every instant from
//! 1900 to 2100 (beyond, the last offset holds); names are looked up as the
//! database spells them, case-insensitively.

use chrono::{DateTime, Duration, Utc};
use jiff::Timestamp;
use loyalty_rules::zone::{Zone, Zones};

/// The first and last instants a table covers: 1900-01-01 and 2100-01-01.
const FIRST: i64 = -2_208_988_800;
const LAST: i64 = 4_102_444_800;

/// The database built into the worker.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tzdb;

impl Zones for Tzdb {
    fn zone(&self, name: &str) -> Option<Zone> {
        let tz = jiff::tz::db().get(name).ok()?;
        let first = Timestamp::from_second(FIRST).ok()?;
        let base = tz.to_offset(first).seconds();
        let changes = tz
            .following(first)
            .map(|t| (t.timestamp().as_second(), t.offset().seconds()))
            .take_while(|(at, _)| *at < LAST)
            .collect();
        Some(Zone::with_changes(
            tz.iana_name().unwrap_or(name),
            base,
            changes,
        ))
    }
}

/// The part of `zone` a cart preview at `now` can need: a year either
/// side (a calendar year's start, a week's, a day's).
pub fn around(zone: &Zone, now: DateTime<Utc>) -> Zone {
    zone.within(now - Duration::days(400), now + Duration::days(400))
}

#[cfg(test)]
mod tests {
    use super::*;
    use loyalty_rules::program::Period;

    fn t(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// The rules crate's tests write Berlin's 2026 by hand; the database
    /// agrees: +01:00, +02:00 from 29 March 01:00 UTC, +01:00 from 25
    /// October 01:00 UTC.
    #[test]
    fn berlin_2026_is_the_table_the_rules_tests_write_by_hand() {
        let berlin = Tzdb.zone("Europe/Berlin").unwrap();
        let year = berlin.within(t("2026-01-01T00:00:00Z"), t("2027-01-01T00:00:00Z"));
        assert_eq!(
            year,
            Zone::with_changes(
                "Europe/Berlin",
                3600,
                vec![(1_774_746_000, 7200), (1_792_890_000, 3600)]
            )
        );
        let (start, end) = berlin
            .bounds(Period::Day, t("2026-03-29T12:00:00Z"))
            .unwrap();
        assert_eq!(end - start, Duration::hours(23));
    }

    #[test]
    fn riyadh_and_vladivostok_have_one_offset_now() {
        let now = t("2026-11-23T12:00:00Z");
        for (name, offset) in [("Asia/Riyadh", 3 * 3600), ("Asia/Vladivostok", 10 * 3600)] {
            let zone = Tzdb.zone(name).unwrap();
            assert_eq!(around(&zone, now), Zone::fixed(name, offset), "{name}");
        }
    }

    #[test]
    fn names_are_the_database_s() {
        assert_eq!(Tzdb.zone("asia/riyadh").unwrap().name, "Asia/Riyadh");
        assert_eq!(Tzdb.zone("UTC").unwrap(), Zone::utc());
        assert!(Tzdb.zone("Mars/Olympus").is_none());
        assert!(Tzdb.zone("").is_none());
        assert!(Tzdb.zone("+03:00").is_none());
    }
}
