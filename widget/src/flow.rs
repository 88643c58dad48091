//! The panel's state machines as plain types: what went wrong (by the
//! contract's problem codes), the redeem flow and the paged activity history.

use crate::i18n::Key;
use crate::model::{Entry, LedgerPage, Redemption};

/// What went wrong with a request, as the shopper is told it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    InsufficientPoints,
    /// More store credit than held, or not an amount.
    Credit,
    TierRequired,
    RateLimited,
    Unauthorized,
    NotFound,
    /// No answer at all: offline, blocked, CORS.
    Network,
    Other,
}

impl Failure {
    /// From an error answer: the problem's `code` first, the status after.
    pub fn from_answer(status: u16, code: &str) -> Self {
        match code {
            "insufficient_points" => Self::InsufficientPoints,
            "tier_required" => Self::TierRequired,
            "insufficient_credit" | "invalid_amount" | "invalid_credit" => Self::Credit,
            "rate_limited" => Self::RateLimited,
            "unauthorized" => Self::Unauthorized,
            _ => match status {
                401 => Self::Unauthorized,
                404 => Self::NotFound,
                429 => Self::RateLimited,
                _ => Self::Other,
            },
        }
    }

    /// The plain sentence that explains it.
    pub fn key(&self) -> Key {
        match self {
            Self::InsufficientPoints => Key::ErrInsufficient,
            Self::Credit => Key::ErrCredit,
            Self::TierRequired => Key::ErrTier,
            Self::RateLimited => Key::ErrRateLimited,
            Self::Unauthorized => Key::ErrUnauthorized,
            Self::NotFound => Key::ErrNotFound,
            Self::Network => Key::ErrNetwork,
            Self::Other => Key::ErrOther,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for Failure {}

/// Where the shopper is in redeeming one reward. One reward at a time: the
/// panel asks to confirm, sends, then shows the code or why it failed.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum RedeemFlow {
    #[default]
    Idle,
    /// Asked "Spend 500 points on $5 off?". The idempotency key is made here,
    /// so that sending again after a lost answer redeems once.
    Confirming {
        reward: String,
        key: String,
    },
    Sending {
        reward: String,
        key: String,
    },
    Redeemed(Redemption),
    Failed {
        reward: String,
        failure: Failure,
    },
}

impl RedeemFlow {
    /// The shopper pressed Redeem; `key` is a fresh random idempotency key.
    pub fn ask(&mut self, reward: &str, key: String) {
        if !self.is_sending() {
            *self = Self::Confirming {
                reward: reward.to_owned(),
                key,
            };
        }
    }

    /// The shopper confirmed; returns what to send, once.
    pub fn confirm(&mut self) -> Option<(String, String)> {
        let Self::Confirming { reward, key } = self else {
            return None;
        };
        let sent = (reward.clone(), key.clone());
        *self = Self::Sending {
            reward: sent.0.clone(),
            key: sent.1.clone(),
        };
        Some(sent)
    }

    pub fn cancel(&mut self) {
        if !self.is_sending() {
            *self = Self::Idle;
        }
    }

    /// The edge answered.
    pub fn finish(&mut self, outcome: Result<Redemption, Failure>) {
        let Self::Sending { reward, .. } = self else {
            return;
        };
        *self = match outcome {
            Ok(redemption) => Self::Redeemed(redemption),
            Err(failure) => Self::Failed {
                reward: reward.clone(),
                failure,
            },
        };
    }

    pub fn is_sending(&self) -> bool {
        matches!(self, Self::Sending { .. })
    }

    /// The reward this flow is about, while it is about one.
    pub fn reward(&self) -> Option<&str> {
        match self {
            Self::Idle => None,
            Self::Confirming { reward, .. }
            | Self::Sending { reward, .. }
            | Self::Failed { reward, .. } => Some(reward),
            Self::Redeemed(redemption) => Some(&redemption.reward),
        }
    }
}

/// The activity history, loaded a page at a time, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Activity {
    pub entries: Vec<Entry>,
    /// Where the next page starts; `None` once the last page is in.
    pub next_cursor: Option<String>,
    /// Whether a first page was asked for.
    pub opened: bool,
    pub loading: bool,
    pub failure: Option<Failure>,
}

impl Activity {
    /// Starts loading a page; returns its cursor (`None` for the first page),
    /// or nothing when there is nothing more to load or a load is running.
    pub fn start(&mut self) -> Option<Option<String>> {
        if self.loading || (self.opened && self.next_cursor.is_none()) {
            return None;
        }
        self.loading = true;
        self.failure = None;
        let cursor = if self.opened {
            self.next_cursor.clone()
        } else {
            None
        };
        Some(cursor)
    }

    pub fn finish(&mut self, outcome: Result<LedgerPage, Failure>) {
        self.loading = false;
        match outcome {
            Ok(page) => {
                self.opened = true;
                // Entries already shown (by seq) are skipped, so a page that
                // overlaps after new activity shows each entry once.
                let newest_seen = self.entries.last().map(|e| e.seq);
                self.entries.extend(
                    page.entries
                        .into_iter()
                        .filter(|e| newest_seen.is_none_or(|seen| e.seq < seen)),
                );
                self.next_cursor = page.next_cursor;
            }
            Err(failure) => self.failure = Some(failure),
        }
    }

    pub fn has_more(&self) -> bool {
        !self.opened || self.next_cursor.is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.opened && self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redemption(reward: &str) -> Redemption {
        Redemption {
            code: "QX7P-M2KD".into(),
            reward: reward.into(),
            points_spent: 500,
            balance: 390,
            expires_at: None,
        }
    }

    fn entry(seq: u64) -> Entry {
        Entry {
            seq,
            at: "2026-11-05T12:00:00Z".into(),
            kind: "earn".into(),
            points: 10,
        }
    }

    #[test]
    fn problem_codes_become_failures() {
        assert_eq!(
            Failure::from_answer(409, "insufficient_points"),
            Failure::InsufficientPoints
        );
        assert_eq!(
            Failure::from_answer(409, "tier_required"),
            Failure::TierRequired
        );
        assert_eq!(Failure::from_answer(429, ""), Failure::RateLimited);
        assert_eq!(Failure::from_answer(401, "whatever"), Failure::Unauthorized);
        assert_eq!(Failure::from_answer(404, "not_found"), Failure::NotFound);
        assert_eq!(Failure::from_answer(500, "internal"), Failure::Other);
        assert_eq!(Failure::TierRequired.key(), Key::ErrTier);
    }

    #[test]
    fn redeem_asks_then_sends_once_then_shows_the_code() {
        let mut flow = RedeemFlow::default();
        flow.ask("five-off", "key-1".into());
        assert_eq!(flow.reward(), Some("five-off"));
        assert_eq!(flow.confirm(), Some(("five-off".into(), "key-1".into())));
        // A second press while sending sends nothing and changes nothing.
        assert_eq!(flow.confirm(), None);
        flow.ask("ship", "key-2".into());
        flow.cancel();
        assert!(flow.is_sending());
        flow.finish(Ok(redemption("five-off")));
        assert_eq!(flow, RedeemFlow::Redeemed(redemption("five-off")));
    }

    #[test]
    fn a_refused_redemption_keeps_the_reward_and_the_reason() {
        let mut flow = RedeemFlow::default();
        flow.ask("ten-pct", "key-1".into());
        flow.confirm();
        flow.finish(Err(Failure::TierRequired));
        assert_eq!(
            flow,
            RedeemFlow::Failed {
                reward: "ten-pct".into(),
                failure: Failure::TierRequired
            }
        );
        flow.cancel();
        assert_eq!(flow, RedeemFlow::Idle);
        // An answer that arrives when nothing is being sent is ignored.
        flow.finish(Ok(redemption("x")));
        assert_eq!(flow, RedeemFlow::Idle);
    }

    #[test]
    fn activity_pages_until_the_last_cursor() {
        let mut activity = Activity::default();
        assert!(activity.has_more());
        assert_eq!(activity.start(), Some(None));
        // No second load while one runs.
        assert_eq!(activity.start(), None);
        activity.finish(Ok(LedgerPage {
            entries: vec![entry(5), entry(4)],
            next_cursor: Some("4".into()),
        }));
        assert_eq!(activity.start(), Some(Some("4".into())));
        activity.finish(Ok(LedgerPage {
            entries: vec![entry(4), entry(3)],
            next_cursor: None,
        }));
        let seqs: Vec<u64> = activity.entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [5, 4, 3]);
        assert!(!activity.has_more());
        assert_eq!(activity.start(), None);
    }

    #[test]
    fn activity_failure_can_be_retried_and_empty_is_known() {
        let mut activity = Activity::default();
        activity.start();
        activity.finish(Err(Failure::Network));
        assert_eq!(activity.failure, Some(Failure::Network));
        assert!(!activity.is_empty());
        assert_eq!(activity.start(), Some(None));
        assert_eq!(activity.failure, None);
        activity.finish(Ok(LedgerPage::default()));
        assert!(activity.is_empty());
    }
}
