//! The server clock, and the development offset that moves it.
//!
//! Every `now` the worker and its objects use comes from here. With the
//! development variable set (`LOYALTY_DEV=1`, as `cargo xtask dev` and the
//! tests set it), `LOYALTY_CLOCK_OFFSET_DAYS` moves this clock by whole
//! days, the way a payment platform's test clock lets a developer move time
//! forward: the tests rerun a year ahead with it. Without the development
//! variable the offset is never read: a deployment always runs on the real
//! clock. Alarms are scheduled by delay, not by this clock, so the offset
//! never postpones one.

use std::sync::atomic::{AtomicI64, Ordering};

/// The development variable (`"1"` opens the development routes and the offset).
pub const DEV_VAR: &str = "LOYALTY_DEV";
/// The offset in whole days, honoured only in development mode.
pub const OFFSET_VAR: &str = "LOYALTY_CLOCK_OFFSET_DAYS";

const DAY_MS: i64 = 86_400_000;
/// A century either way: far past any test, and no overflow in milliseconds.
const MAX_OFFSET_DAYS: i64 = 36_500;

static OFFSET_MS: AtomicI64 = AtomicI64::new(0);

/// Whether the development variable is set.
pub fn is_dev(dev: Option<&str>) -> bool {
    dev == Some("1")
}

/// The offset in milliseconds that these variables ask for: 0 outside
/// development mode, and 0 for anything but a whole number of days.
pub fn offset_ms(dev: Option<&str>, days: Option<&str>) -> i64 {
    if !is_dev(dev) {
        return 0;
    }
    days.and_then(|d| d.parse::<i64>().ok())
        .map_or(0, |d| d.clamp(-MAX_OFFSET_DAYS, MAX_OFFSET_DAYS) * DAY_MS)
}

/// Sets the offset; every entry point (the worker's fetch, each object's
/// constructor) calls it with its environment.
pub fn set_offset_ms(offset: i64) {
    OFFSET_MS.store(offset, Ordering::Relaxed);
}

/// `unix_ms` moved by the offset in force.
pub fn shifted(unix_ms: i64) -> i64 {
    unix_ms.saturating_add(OFFSET_MS.load(Ordering::Relaxed))
}

#[cfg(target_arch = "wasm32")]
mod runtime {
    use chrono::{DateTime, TimeZone, Utc};
    use worker::Env;

    fn var(env: &Env, name: &str) -> Option<String> {
        env.var(name).ok().map(|v| v.to_string())
    }

    /// Whether this deployment runs in development mode.
    pub fn dev_mode(env: &Env) -> bool {
        super::is_dev(var(env, super::DEV_VAR).as_deref())
    }

    thread_local! {
        /// Whether this isolate has read the offset: its variables do not
        /// change while it lives, so they are read once.
        static HONOURED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Reads the offset from the environment (0 outside development mode),
    /// once per isolate.
    pub fn honour(env: &Env) {
        if HONOURED.get() {
            return;
        }
        super::set_offset_ms(super::offset_ms(
            var(env, super::DEV_VAR).as_deref(),
            var(env, super::OFFSET_VAR).as_deref(),
        ));
        HONOURED.set(true);
    }

    /// The server clock.
    pub fn now() -> DateTime<Utc> {
        let millis = i64::try_from(worker::Date::now().as_millis()).unwrap_or(0);
        Utc.timestamp_millis_opt(super::shifted(millis))
            .single()
            .unwrap_or_default()
    }
}

#[cfg(target_arch = "wasm32")]
pub use runtime::{dev_mode, honour, now};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_needs_development_mode() {
        assert_eq!(offset_ms(None, Some("365")), 0);
        assert_eq!(offset_ms(Some("0"), Some("365")), 0);
        assert_eq!(offset_ms(Some("true"), Some("365")), 0);
        // 365 * 86_400_000 = 31_536_000_000.
        assert_eq!(offset_ms(Some("1"), Some("365")), 31_536_000_000);
        assert_eq!(offset_ms(Some("1"), Some("-2")), -172_800_000);
    }

    #[test]
    fn only_whole_days_count_and_they_are_bounded() {
        for odd in ["", "1.5", "+x", "1e3", " 3"] {
            assert_eq!(offset_ms(Some("1"), Some(odd)), 0, "{odd:?}");
        }
        assert_eq!(offset_ms(Some("1"), None), 0);
        // Clamped to 36_500 days: 36_500 * 86_400_000 = 3_153_600_000_000.
        assert_eq!(offset_ms(Some("1"), Some("99999999999")), 3_153_600_000_000);
    }
}
