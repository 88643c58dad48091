//! A shop's time zone as the rules need it: the UTC offset in force at any
//! instant, as a table of changes, and the local calendar built on it (the
//! day, week, month and year that hold an instant, each as the UTC instants
//! that bound it). Pure: the table is made from the IANA database outside
//! this crate (so the cart preview carries no time-zone database) and
//! handed in; UTC when a program names no zone.
//!
//! Invariants: `bounds` answers `[start, end)` with `start <= at < end`,
//! and consecutive periods meet exactly (the end of one is the start of the
//! next), whatever the daylight-saving changes: a local day may last 23 or
//! 25 hours, and one whose midnight is skipped starts when the clock jumps.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::program::Period;

/// Where a program's `time_zone` is looked up: the edge answers from the
/// IANA database, the cart preview from the one table the edge sent it.
pub trait Zones {
    /// The zone of an IANA name (`Asia/Riyadh`); `None` when unknown.
    fn zone(&self, name: &str) -> Option<Zone>;
}

/// Knows UTC only: what a program parsed without a database may name.
#[derive(Clone, Copy, Debug, Default)]
pub struct UtcOnly;

impl Zones for UtcOnly {
    fn zone(&self, name: &str) -> Option<Zone> {
        matches!(name, "UTC" | "Etc/UTC").then(Zone::utc)
    }
}

/// One zone's table answers for its own name (and UTC).
impl Zones for Zone {
    fn zone(&self, name: &str) -> Option<Zone> {
        if name == self.name {
            Some(self.clone())
        } else {
            UtcOnly.zone(name)
        }
    }
}

/// The UTC offsets of one zone over time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(from = "ZoneTable")]
pub struct Zone {
    /// The IANA name (`Asia/Riyadh`), or `UTC`.
    pub name: String,
    /// The offset (seconds east of UTC) before the first change.
    base: i32,
    /// From each instant on (unix seconds, increasing), this offset.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    changes: Vec<(i64, i32)>,
}

/// A zone as it travels: the offset (seconds east of UTC) before the first
/// change, and each change as `[unix seconds, offset]`. Read through
/// [`Zone::with_changes`], so a table out of order is put in order.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Zone"))]
struct ZoneTable {
    /// The IANA name (`Asia/Riyadh`), or `UTC`.
    name: String,
    base: i32,
    #[serde(default)]
    changes: Vec<(i64, i32)>,
}

impl From<ZoneTable> for Zone {
    fn from(table: ZoneTable) -> Self {
        Zone::with_changes(&table.name, table.base, table.changes)
    }
}

impl Default for Zone {
    fn default() -> Self {
        Self::utc()
    }
}

impl Zone {
    pub fn utc() -> Self {
        Self::fixed("UTC", 0)
    }

    /// A zone whose offset never changes (`Asia/Riyadh`: +03:00).
    pub fn fixed(name: &str, offset_seconds: i32) -> Self {
        Self {
            name: name.to_owned(),
            base: offset_seconds,
            changes: Vec::new(),
        }
    }

    /// A zone from its offset before the first change and its changes
    /// (unix seconds from which an offset holds); unsorted and repeated
    /// changes are put in order, the later of two at one instant winning.
    pub fn with_changes(name: &str, base: i32, mut changes: Vec<(i64, i32)>) -> Self {
        changes.sort_by_key(|(at, _)| *at);
        changes.dedup_by(|later, earlier| {
            if later.0 == earlier.0 {
                earlier.1 = later.1;
                true
            } else {
                false
            }
        });
        Self {
            name: name.to_owned(),
            base,
            changes,
        }
    }

    /// The same zone for instants in `[from, until)` only: the changes
    /// outside it dropped (the offset in force at `from` becomes the base),
    /// so a table sent to a browser stays a few entries long.
    pub fn within(&self, from: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        let (from_s, until_s) = (from.timestamp(), until.timestamp());
        Self {
            name: self.name.clone(),
            base: self.offset_at(from),
            changes: self
                .changes
                .iter()
                .filter(|(at, _)| from_s < *at && *at < until_s)
                .copied()
                .collect(),
        }
    }

    /// The offset (seconds east of UTC) in force at `at`.
    pub fn offset_at(&self, at: DateTime<Utc>) -> i32 {
        let t = at.timestamp();
        match self.changes.partition_point(|(from, _)| *from <= t) {
            0 => self.base,
            n => self.changes[n - 1].1,
        }
    }

    /// The wall-clock time at `at`.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.naive_utc() + Duration::seconds(i64::from(self.offset_at(at)))
    }

    /// The first instant whose wall-clock time is `local` or later: the
    /// earlier of two when the clock went back over it, the moment the
    /// clock jumped when it skipped it.
    pub fn first_instant(&self, local: NaiveDateTime) -> DateTime<Utc> {
        // Each offset the zone has had proposes an instant; the earliest one
        // that the zone really shows at `local` or later is the answer.
        let offsets = std::iter::once(self.base).chain(self.changes.iter().map(|(_, o)| *o));
        let mut best: Option<DateTime<Utc>> = None;
        for offset in offsets {
            let candidate = (local - Duration::seconds(i64::from(offset))).and_utc();
            if self.offset_at(candidate) == offset && best.is_none_or(|b| candidate < b) {
                best = Some(candidate);
            }
        }
        // No offset shows `local` itself: it fell in a gap, and the day (or
        // period) starts when the clock jumped past it.
        best.unwrap_or_else(|| self.gap_end(local))
    }

    /// The change that skipped `local`: the instant it took effect.
    fn gap_end(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let mut before = self.base;
        for (from, offset) in &self.changes {
            let Some(at) = DateTime::from_timestamp(*from, 0) else {
                continue;
            };
            let shown_before = at.naive_utc() + Duration::seconds(i64::from(before));
            let shown_after = at.naive_utc() + Duration::seconds(i64::from(*offset));
            if shown_before <= local && local < shown_after {
                return at;
            }
            before = *offset;
        }
        (local - Duration::seconds(i64::from(before))).and_utc()
    }

    /// The hour of the wall clock at `at` (0 to 23).
    pub fn hour(&self, at: DateTime<Utc>) -> u32 {
        self.local(at).hour()
    }

    /// Whether the local date at `at` is the yearly return of `day` (a
    /// birthday): same month and day; 29 February is kept on 28 February
    /// in a common year.
    pub fn is_return_of(&self, day: NaiveDate, at: DateTime<Utc>) -> bool {
        let today = self.local(at).date();
        let (month, date) = (day.month(), day.day());
        if today.month() != month {
            return false;
        }
        today.day() == date
            || (month == 2 && date == 29 && today.day() == 28 && !is_leap(today.year()))
    }

    /// The whole years from the local date of `since` to the local date
    /// of `at` when that date is its yearly return (an anniversary), else 0.
    pub fn anniversary(&self, since: DateTime<Utc>, at: DateTime<Utc>) -> i64 {
        let first = self.local(since).date();
        if !self.is_return_of(first, at) {
            return 0;
        }
        i64::from(self.local(at).year() - first.year()).max(0)
    }

    /// The local calendar period (weeks from Monday) holding `at`, as UTC
    /// instants `[start, end)`; `None` for a lifetime.
    pub fn bounds(&self, per: Period, at: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let day = self.local(at).date();
        let (start, end) = calendar(per, day)?;
        Some((
            self.first_instant(start.and_hms_opt(0, 0, 0)?),
            self.first_instant(end.and_hms_opt(0, 0, 0)?),
        ))
    }
}

/// The first day of `month` of `year`, and of the month `count` later.
fn months(year: i32, month: u32, count: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let later = month + count;
    let next = if later > 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, later - 12, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, later, 1)?
    };
    Some((first, next))
}

fn is_leap(year: i32) -> bool {
    NaiveDate::from_ymd_opt(year, 2, 29).is_some()
}

/// The local dates that bound the calendar period holding `day`.
fn calendar(per: Period, day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    Some(match per {
        Period::Lifetime => return None,
        Period::Day => (day, day.succ_opt()?),
        Period::Week => {
            let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
            (monday, monday + Duration::days(7))
        }
        Period::Month => months(day.year(), day.month(), 1)?,
        Period::Quarter => months(day.year(), (day.month() - 1) / 3 * 3 + 1, 3)?,
        Period::Year => (
            NaiveDate::from_ymd_opt(day.year(), 1, 1)?,
            NaiveDate::from_ymd_opt(day.year().checked_add(1)?, 1, 1)?,
        ),
    })
}
