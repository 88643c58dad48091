//! When the member's KV snapshot may answer the widget's `me` instead of the
//! member's object. Pure, so the native tests reach the decision.
//!
//! KV copies lag (by up to a minute in production): a snapshot may be older
//! than what the shopper has already been shown. The widget sends the
//! revision it last saw as `after`; a snapshot older than that would take
//! points back from the screen, so the object answers instead. Views are
//! computed from the snapshot with the current clock, so a copy that is
//! merely old (no newer write) still shows the right figures.

/// The revision the shopper has seen, from the `after` query parameter:
/// digits only; anything else counts as nothing seen.
pub fn after(query: Option<&str>) -> u64 {
    query
        .filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|a| a.parse().ok())
        .unwrap_or(0)
}

/// Whether a snapshot of `revision` may answer a shopper who has seen
/// `after`. A state that was never written (revision 0) never serves: the
/// object answers and starts the copy.
pub fn serves(revision: u64, after: u64) -> bool {
    revision >= after.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_older_than_what_was_seen_does_not_serve() {
        assert!(serves(5, 0), "nothing seen: any written copy serves");
        assert!(serves(5, 5), "the same revision serves");
        assert!(serves(6, 5), "a newer one serves");
        assert!(!serves(4, 5), "an older one falls back to the object");
        assert!(!serves(0, 0), "a never-written state falls back");
    }

    #[test]
    fn after_is_digits_or_nothing() {
        assert_eq!(after(None), 0);
        assert_eq!(after(Some("12")), 12);
        for odd in ["", "-1", "+3", "1.0", "x", "99999999999999999999999"] {
            assert_eq!(after(Some(odd)), 0, "{odd:?}");
        }
    }
}
