//! The test clock: every date a test or the demo sends is relative to the
//! run's start, so no test depends on today's date.
//!
//! `LOYALTY_CLOCK_OFFSET_DAYS` moves the whole run: the worker is started
//! with the same offset (it honours it only in development mode, see
//! `edge::clock`), and the dates here move with it, so a run "a year ahead"
//! sees exactly the figures of a run today.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, SecondsFormat, Utc};

/// The variable that moves the clock, read by xtask, the tests and the
/// worker (the worker only when its development variable is set).
pub const OFFSET_VAR: &str = "LOYALTY_CLOCK_OFFSET_DAYS";

/// The offset this run asks for, in whole days (0 when unset).
pub fn offset_days() -> i64 {
    std::env::var(OFFSET_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map_or(0, |days| days.clamp(-36_500, 36_500))
}

/// The worker variables that carry the offset (none when it is 0).
pub fn worker_vars() -> Vec<(String, String)> {
    match offset_days() {
        0 => Vec::new(),
        days => vec![(OFFSET_VAR.to_owned(), days.to_string())],
    }
}

/// The clock the worker reads: the wall clock plus the offset.
pub fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from(std::time::SystemTime::now()) + Duration::days(offset_days())
}

/// The run's start on the worker's clock, to the second, fixed at its first
/// use: every relative date of a run is counted from this one instant.
pub fn run_start() -> DateTime<Utc> {
    static START: OnceLock<DateTime<Utc>> = OnceLock::new();
    *START.get_or_init(|| {
        let now = now();
        DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
    })
}

/// `days` days before the run's start, as the API writes times.
pub fn days_ago(days: i64) -> String {
    rfc3339(run_start() - Duration::days(days))
}

/// `days` days after the run's start, as the API writes times.
pub fn days_ahead(days: i64) -> String {
    rfc3339(run_start() + Duration::days(days))
}

/// A time as the API writes it: `2026-11-23T10:00:00Z`.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The worker's clock in Unix seconds (for webhook signatures).
pub fn unix_now() -> i64 {
    now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_dates_are_whole_days_from_one_start() {
        let start = run_start();
        let ago: DateTime<Utc> = days_ago(8).parse().unwrap();
        let ahead: DateTime<Utc> = days_ahead(6).parse().unwrap();
        // 8 days back and 6 ahead are 14 days apart, at the start's time of day.
        assert_eq!(ahead - ago, Duration::days(14));
        assert_eq!(start - ago, Duration::days(8));
        assert_eq!(days_ago(0), rfc3339(start));
    }
}
