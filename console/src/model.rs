//! The answers the console reads. The domain's own shapes come from the
//! rules crate (the member view, ledger entries, the daily metrics); the
//! edge's list and checklist answers are mirrored here with the fields the
//! console shows (the edge crate itself is a worker, not a library for the
//! browser). Unknown fields are ignored, so the edge may add to them.

use chrono::{DateTime, Utc};
use serde::Deserialize;

pub use loyalty_rules::member::LedgerEntry;
pub use loyalty_rules::view::MemberView;

/// `GET /v1/shops/{shop}/setup`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Setup {
    pub program_version: u64,
    pub widget_at: Option<DateTime<Utc>>,
    pub event_at: Option<DateTime<Utc>>,
    pub member_at: Option<DateTime<Utc>>,
}

/// One row of `GET /v1/shops/{shop}/members`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct MemberRow {
    pub member_id: String,
    #[serde(default)]
    pub email_hash: Option<String>,
    pub referral_code: String,
    pub balance: i64,
    pub tier: Option<String>,
    pub last_activity: Option<DateTime<Utc>>,
    pub joined_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct MemberList {
    pub members: Vec<MemberRow>,
    pub next_cursor: Option<String>,
    pub total: i64,
}

/// `GET …/members/{member_id}/ledger`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct LedgerPage {
    pub entries: Vec<LedgerEntry>,
    pub next_cursor: Option<String>,
}

/// `POST …/keys/rotate`: new secrets, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Secrets {
    pub api_key: String,
    pub webhook_secret: String,
    pub widget_secret: String,
}

/// `POST …/adjustments`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Adjusted {
    pub points: i64,
}

/// An RFC 9457 problem as the edge writes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Problem {
    #[serde(default)]
    pub status: u16,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub problems: Vec<FieldProblem>,
}

/// One invalid member of a body, at its JSON path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct FieldProblem {
    pub path: String,
    pub message: String,
}

/// How the list is sorted, as the query string writes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    LastActivity,
    Balance,
    Tier,
    Joined,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::LastActivity, Sort::Balance, Sort::Tier, Sort::Joined];

    pub fn param(self) -> &'static str {
        match self {
            Sort::LastActivity => "last_activity",
            Sort::Balance => "balance",
            Sort::Tier => "tier",
            Sort::Joined => "joined",
        }
    }

    pub fn from_param(param: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|s| s.param() == param)
            .unwrap_or_default()
    }
}

/// The query string of a page of the list of members.
pub fn members_query(search: &str, sort: Sort, cursor: Option<&str>) -> String {
    let mut query = format!("sort={}&limit=50", sort.param());
    let search = search.trim();
    if !search.is_empty() {
        query.push_str("&q=");
        query.push_str(&encode(search));
    }
    if let Some(cursor) = cursor {
        query.push_str("&cursor=");
        query.push_str(&encode(cursor));
    }
    query
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edges_answers_read_into_the_console_types() {
        let list: MemberList = serde_json::from_str(
            r#"{"members": [{"member_id": "c-1", "referral_code": "AB12", "balance": 250,
                "tier": "silver", "last_activity": null, "joined_at": "2026-11-01T10:00:00Z",
                "extra": 1}], "next_cursor": "5.6331", "total": 7}"#,
        )
        .unwrap();
        assert_eq!(list.members[0].balance, 250);
        assert_eq!(list.members[0].email_hash, None);
        let setup: Setup = serde_json::from_str(
            r#"{"program_version": 2, "widget_at": null, "event_at": "2026-11-02T00:00:00Z",
                "member_at": null}"#,
        )
        .unwrap();
        assert!(setup.event_at.is_some());
        let problem: Problem = serde_json::from_str(
            r#"{"type": "x", "title": "Unauthorized", "status": 401, "code": "unauthorized"}"#,
        )
        .unwrap();
        assert_eq!(problem.code, "unauthorized");
    }

    #[test]
    fn a_search_is_encoded_into_the_query() {
        assert_eq!(
            members_query(" a b&c ", Sort::Balance, Some("1.63")),
            "sort=balance&limit=50&q=a%20b%26c&cursor=1.63"
        );
        assert_eq!(
            members_query("", Sort::default(), None),
            "sort=last_activity&limit=50"
        );
        assert_eq!(Sort::from_param("tier"), Sort::Tier);
    }
}
