//! The shop's list of members: the query a merchant sends (search, sort,
//! cursor), the SQL it becomes over the shop object's `roster` index, and
//! the page it answers. Pure, so the parsing and the paging are tested
//! natively; the shop object runs the statements.
//!
//! Invariant: a page is read by keyset (the sort column, then the member
//! id, both in the cursor), so paging never skips or repeats a member that
//! did not move, and no request reads more than a page of rows (plus the
//! count of those the search matches).

use chrono::{DateTime, Utc};
use loyalty_rules::Problem;
use serde::{Deserialize, Serialize};

use crate::bodies::{MemberList, MemberRow, MemberSort, SortOrder};
use crate::error::AppError;

/// Members per page unless asked otherwise, and at most.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// A list request, parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// A member id's beginning, an email hash or a referral code.
    pub search: Option<String>,
    pub sort: MemberSort,
    pub order: SortOrder,
    pub after: Option<Cursor>,
    pub limit: u32,
}

/// Where the page before ended: its last row's sort value and key (a
/// member id here; an event id in the journal of recent events).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub value: i64,
    pub key: String,
}

impl Cursor {
    /// `<value>.<member id as hex>`: opaque to callers, safe in a URL.
    pub fn text(&self) -> String {
        format!("{}.{}", self.value, crate::auth::hex(self.key.as_bytes()))
    }

    pub fn parse(text: &str) -> Option<Self> {
        let (value, key) = text.split_once('.')?;
        if key.len() % 2 != 0 || key.is_empty() {
            return None;
        }
        let bytes = (0..key.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(key.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        Some(Self {
            value: value.parse().ok()?,
            key: String::from_utf8(bytes).ok()?,
        })
    }
}

/// A cursor of the right form that this API never gave: 422 (its schema
/// is a string; what makes it wrong is beyond a schema).
pub fn unknown_cursor() -> AppError {
    AppError::new(
        422,
        "invalid_cursor",
        "the query parameter cursor is not a cursor this API gave",
    )
    .with_problems(vec![Problem {
        path: "$.cursor".into(),
        message: "is not a cursor this API gave".into(),
    }])
}

/// A query parameter this API does not take: 400, naming it.
pub fn bad(name: &str, message: &str) -> AppError {
    AppError::new(
        400,
        "invalid_query",
        format!("the query parameter {name} {message}"),
    )
    .with_problems(vec![Problem {
        path: format!("$.{name}"),
        message: message.to_owned(),
    }])
}

impl Query {
    /// Reads the query string's parameters (`get` answers one by name).
    /// (The problem is boxed: natively an `AppError` is large for a
    /// `Result`.)
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Result<Self, Box<AppError>> {
        let search = get("q")
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty());
        if search.as_ref().is_some_and(|q| q.chars().count() > 128) {
            return Err(Box::new(bad("q", "is longer than 128 characters")));
        }
        let sort = match get("sort").as_deref() {
            None | Some("last_activity") => MemberSort::LastActivity,
            Some("balance") => MemberSort::Balance,
            Some("tier") => MemberSort::Tier,
            Some("joined") => MemberSort::Joined,
            Some("member_id") => MemberSort::MemberId,
            Some(_) => {
                return Err(Box::new(bad(
                    "sort",
                    "is not one of last_activity, balance, tier, joined, member_id",
                )));
            }
        };
        let order = match get("order").as_deref() {
            None | Some("desc") => SortOrder::Desc,
            Some("asc") => SortOrder::Asc,
            Some(_) => return Err(Box::new(bad("order", "is not asc or desc"))),
        };
        let after = match get("cursor").filter(|c| !c.is_empty()) {
            None => None,
            Some(text) => Some(Cursor::parse(&text).ok_or_else(|| Box::new(unknown_cursor()))?),
        };
        let limit = match get("limit") {
            None => DEFAULT_LIMIT,
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n) && text.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| Box::new(bad("limit", "is not a whole number from 1 to 200")))?,
        };
        Ok(Self {
            search,
            sort,
            order,
            after,
            limit,
        })
    }

    fn column(&self) -> &'static str {
        match self.sort {
            MemberSort::LastActivity => "last_activity",
            MemberSort::Balance => "balance",
            MemberSort::Tier => "tier_rank",
            MemberSort::Joined => "joined_at",
            MemberSort::MemberId => "member",
        }
    }

    /// The search's `WHERE` clause and its bindings (a member id begins with
    /// it, or an email hash or a referral code is it).
    fn search_clause(&self) -> (String, Vec<Bind>) {
        match &self.search {
            None => ("1 = 1".into(), Vec::new()),
            Some(q) => (
                "((member >= ? AND member < ?) OR email_hash = ? OR referral_code = ?)".into(),
                vec![
                    Bind::Text(q.clone()),
                    Bind::Text(format!("{q}\u{10FFFF}")),
                    Bind::Text(q.to_ascii_lowercase()),
                    Bind::Text(q.to_ascii_uppercase()),
                ],
            ),
        }
    }

    /// The page's statement: one row more than the page, to know whether
    /// another follows.
    pub fn select(&self) -> (String, Vec<Bind>) {
        let (mut clause, mut binds) = self.search_clause();
        let column = self.column();
        let (cmp, dir) = match self.order {
            SortOrder::Desc => ("<", "DESC"),
            SortOrder::Asc => (">", "ASC"),
        };
        if let Some(after) = &self.after {
            if self.sort == MemberSort::MemberId {
                clause.push_str(&format!(" AND member {cmp} ?"));
                binds.push(Bind::Text(after.key.clone()));
            } else {
                clause.push_str(&format!(
                    " AND ({column} {cmp} ? OR ({column} = ? AND member {cmp} ?))"
                ));
                binds.push(Bind::Int(after.value));
                binds.push(Bind::Int(after.value));
                binds.push(Bind::Text(after.key.clone()));
            }
        }
        binds.push(Bind::Int(i64::from(self.limit) + 1));
        (
            format!(
                "SELECT member, email_hash, referral_code, balance, last_activity, tier, \
                 tier_rank, joined_at FROM roster WHERE {clause} \
                 ORDER BY {column} {dir}, member {dir} LIMIT ?"
            ),
            binds,
        )
    }

    /// How many members the search matches.
    pub fn count(&self) -> (String, Vec<Bind>) {
        let (clause, binds) = self.search_clause();
        (
            format!("SELECT COUNT(*) AS n FROM roster WHERE {clause}"),
            binds,
        )
    }

    /// The page from the rows `select` read, and the cursor of the next.
    pub fn page(&self, mut rows: Vec<Row>, total: i64) -> MemberList {
        let more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let next_cursor = rows.last().filter(|_| more).map(|row| {
            Cursor {
                value: match self.sort {
                    MemberSort::LastActivity => row.last_activity,
                    MemberSort::Balance => row.balance,
                    MemberSort::Tier => row.tier_rank,
                    MemberSort::Joined => row.joined_at,
                    MemberSort::MemberId => 0,
                },
                key: row.member.clone(),
            }
            .text()
        });
        MemberList {
            members: rows.into_iter().map(Row::into_member).collect(),
            next_cursor,
            total,
        }
    }
}

/// A value bound to a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bind {
    Text(String),
    Int(i64),
}

/// A row of the `roster` index as read.
#[derive(Clone, Debug, Deserialize)]
pub struct Row {
    pub member: String,
    pub email_hash: Option<String>,
    pub referral_code: String,
    pub balance: i64,
    /// Milliseconds since the epoch; 0: none yet.
    pub last_activity: i64,
    pub tier: Option<String>,
    /// -1: no tier.
    pub tier_rank: i64,
    pub joined_at: i64,
}

fn instant(millis: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(millis)
}

impl Row {
    fn into_member(self) -> MemberRow {
        MemberRow {
            member_id: self.member,
            email_hash: self.email_hash,
            referral_code: self.referral_code,
            balance: self.balance,
            tier: self.tier,
            last_activity: (self.last_activity > 0)
                .then(|| instant(self.last_activity))
                .flatten(),
            joined_at: instant(self.joined_at).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Result<Query, Box<AppError>> {
        Query::from_params(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn a_cursor_reads_back_what_it_wrote() {
        for member in ["c-1", "a:b%c", "ü.", "x"] {
            let cursor = Cursor {
                value: -42,
                key: member.into(),
            };
            assert_eq!(Cursor::parse(&cursor.text()), Some(cursor));
        }
        for bad in ["", "1", "1.", "x.6162", "1.616", "1.zz"] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_defaults_and_every_refusal() {
        let q = query(&[]).unwrap();
        assert_eq!(
            (q.sort, q.order, q.limit, q.search),
            (MemberSort::LastActivity, SortOrder::Desc, 50, None)
        );
        for (name, value) in [
            ("sort", "points"),
            ("order", "up"),
            ("limit", "0"),
            ("limit", "201"),
            ("limit", "+5"),
        ] {
            let error = query(&[(name, value)]).unwrap_err();
            assert_eq!(
                (error.status, error.problems[0].path.as_str()),
                (400, &*format!("$.{name}"))
            );
        }
        let error = query(&[("cursor", "nope")]).unwrap_err();
        assert_eq!((error.status, error.code.as_str()), (422, "invalid_cursor"));
        assert_eq!(query(&[("q", "  ")]).unwrap().search, None);
    }

    #[test]
    fn a_page_ends_with_the_cursor_of_the_next() {
        let row = |member: &str, balance: i64| Row {
            member: member.into(),
            email_hash: None,
            referral_code: "R".into(),
            balance,
            last_activity: 0,
            tier: None,
            tier_rank: -1,
            joined_at: 0,
        };
        let q = query(&[("sort", "balance"), ("limit", "2")]).unwrap();
        let page = q.page(vec![row("a", 9), row("b", 5), row("c", 1)], 3);
        assert_eq!(page.members.len(), 2);
        assert_eq!(page.members[0].last_activity, None);
        let next = Cursor::parse(page.next_cursor.as_deref().unwrap()).unwrap();
        assert_eq!((next.value, next.key.as_str()), (5, "b"));
        let last = q.page(vec![row("c", 1)], 3);
        assert_eq!(last.next_cursor, None);
        let (sql, binds) = Query {
            after: Some(next),
            ..q
        }
        .select();
        assert!(sql.contains("ORDER BY balance DESC, member DESC"), "{sql}");
        assert_eq!(binds.last(), Some(&Bind::Int(3)));
    }
}
