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

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};

use crate::program::Period;

/// The UTC offsets of one zone over time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    /// The IANA name (`Asia/Riyadh`), or `UTC`.
    pub name: String,
    /// The offset (seconds east of UTC) before the first change.
    base: i32,
    /// From each instant on (unix seconds, increasing), this offset.
    changes: Vec<(i64, i32)>,
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

/// The local dates that bound the calendar period holding `day`.
fn calendar(per: Period, day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    Some(match per {
        Period::Lifetime => return None,
        Period::Day => (day, day.succ_opt()?),
        Period::Week => {
            let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
            (monday, monday + Duration::days(7))
        }
        Period::Month => {
            let first = day.with_day(1)?;
            let next = if first.month() == 12 {
                NaiveDate::from_ymd_opt(first.year().checked_add(1)?, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
            };
            (first, next)
        }
        Period::Year => (
            NaiveDate::from_ymd_opt(day.year(), 1, 1)?,
            NaiveDate::from_ymd_opt(day.year().checked_add(1)?, 1, 1)?,
        ),
    })
}
