//! The merchant's reads behind the console: the list of members, the
//! program's saved versions, the metrics day by day, the recent events.
//! Each answers from the shop object's indexes or the gates' journals,
//! never by visiting members' objects.

use super::*;
use crate::bodies::{DailySeries, ProgramVersions, RecentEvent, RecentEvents};
use crate::model::{DailyRequest, JournalPage, ListVersions, MembersRequest};
use loyalty_rules::analytics::{PointValue, series};

/// Who a merchant request is, as a saved version names them: `key:` and
/// the first 12 hex digits of the SHA-256 of the API key (the key itself
/// is never kept), or `admin`.
pub(super) fn fingerprint(ask: &Ask<'_>) -> AppResult<String> {
    Ok(match credential(ask.access, ask.req, ask.env, &ask.body)? {
        Credential::ApiKey { key } => format!("key:{}", &auth::sha256_hex(&key)[..12]),
        _ => "admin".to_owned(),
    })
}

pub(super) async fn members(ask: Ask<'_>) -> AppResult<Reply> {
    let query = crate::roster::Query::from_params(|name| query(ask.req, name)).map_err(|e| *e)?;
    merchant::authenticate(&ask, ContextRequest::default()).await?;
    let reports = carried(&ask.shop);
    let list = store::shop(ask.env, &ask.shop, MembersRequest { reports, query }).await?;
    Reply::json(200, &list)
}

pub(super) async fn versions(ask: Ask<'_>) -> AppResult<Reply> {
    let context = merchant::authenticate(&ask, ContextRequest::default()).await?;
    let versions = store::shop(ask.env, &ask.shop, ListVersions {}).await?;
    Reply::json(
        200,
        &ProgramVersions {
            current: context.program_version,
            your_key: fingerprint(&ask)?,
            versions,
        },
    )
}

pub(super) async fn version(ask: Ask<'_>) -> AppResult<Reply> {
    let version = ask
        .id
        .parse::<u64>()
        .ok()
        .filter(|v| *v >= 1 && ask.id.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            AppError::invalid(
                "invalid_version",
                vec![Problem {
                    path: "$.version".into(),
                    message: "is not a version number (1 or more)".into(),
                }],
            )
        })?;
    let context = merchant::authenticate(&ask, ContextRequest::default()).await?;
    if version > context.program_version {
        return Err(AppError::not_found("the version"));
    }
    let doc = program_document(ask.env, &ask.shop, version)
        .await?
        .ok_or_else(|| AppError::not_found("the version"))?;
    let program: Value = serde_json::from_str(&doc).map_err(|_| AppError::internal())?;
    Reply::json(200, &StoredProgram { version, program })
}

/// The longest span one request may ask for, in days.
const MAX_DAYS: i64 = 366;

pub(super) async fn daily(ask: Ask<'_>) -> AppResult<Reply> {
    let date = |name: &str| -> AppResult<Option<chrono::NaiveDate>> {
        query(ask.req, name)
            .map(|text| {
                chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                    .map_err(|_| crate::roster::bad(name, "is not a date (YYYY-MM-DD)"))
            })
            .transpose()
    };
    let (from, to) = (date("from")?, date("to")?);
    let context = merchant::authenticate(&ask, ContextRequest::default()).await?;
    let program = match context.program_version {
        0 => None,
        _ => Some(program_for(ask.env, &ask.shop, &context).await?),
    };
    let today = match &program {
        Some(program) => program.zone.local(now()).date(),
        None => now().date_naive(),
    };
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - chrono::Duration::days(29));
    if from > to || (to - from).num_days() >= MAX_DAYS {
        return Err(AppError::invalid(
            "invalid_range",
            vec![Problem {
                path: "$.from".into(),
                message: format!("must be on or before `to`, at most {MAX_DAYS} days before it"),
            }],
        ));
    }
    let reports = carried(&ask.shop);
    let recorded = store::shop(ask.env, &ask.shop, DailyRequest { reports, from, to }).await?;
    let value = program.as_deref().and_then(PointValue::of);
    Reply::json(
        200,
        &DailySeries {
            time_zone: program
                .as_deref()
                .map_or_else(|| "UTC".to_owned(), |p| p.zone.name.clone()),
            currency: program
                .as_deref()
                .map_or_else(String::new, |p| p.currency.clone()),
            point_value: value,
            from,
            to,
            days: series(from, to, recorded.before.as_ref(), &recorded.days, value),
        },
    )
}

/// Recent events per page unless asked otherwise, and at most.
const EVENTS_PAGE: u32 = 500;
const EVENTS_MAX: u32 = 1_000;

/// The shop's recent events, newest first: every gate's journal page
/// (each holds the events whose id hashes to it), merged.
pub(super) async fn recent_events(ask: Ask<'_>) -> AppResult<Reply> {
    let before = match query(ask.req, "cursor").filter(|c| !c.is_empty()) {
        None => None,
        Some(text) => {
            Some(crate::roster::Cursor::parse(&text).ok_or_else(crate::roster::unknown_cursor)?)
        }
    };
    let limit = match query(ask.req, "limit") {
        None => EVENTS_PAGE,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=EVENTS_MAX).contains(n) && text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| crate::roster::bad("limit", "is not a whole number from 1 to 1000"))?,
    };
    merchant::authenticate(&ask, ContextRequest::default()).await?;
    let page = JournalPage { before, limit };
    let asks = (0..keys::GATES).map(|n| store::gate(ask.env, &ask.shop, n, page.clone()));
    let mut more = false;
    let mut trimmed = false;
    let mut rows = Vec::new();
    for answer in futures_util::future::join_all(asks).await {
        let answer = answer?;
        more |= answer.rows.len() > limit as usize;
        trimmed |= answer.trimmed;
        rows.extend(answer.rows);
    }
    rows.sort_by(|a, b| (b.at, &b.id).cmp(&(a.at, &a.id)));
    more |= rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = rows.last().filter(|_| more).map(|row| {
        crate::roster::Cursor {
            value: row.at,
            key: row.id.clone(),
        }
        .text()
    });
    let events = rows
        .iter()
        .filter_map(|row| {
            Some(RecentEvent {
                received_at: chrono::DateTime::from_timestamp_millis(row.at)?,
                recorded: serde_json::from_str(&row.v).ok()?,
            })
        })
        .collect();
    Reply::json(
        200,
        &RecentEvents {
            events,
            complete: next_cursor.is_none() && !trimmed,
            next_cursor,
        },
    )
}

/// The install checklist: the program saved, the widget's first load from
/// an allowed origin, the first event, the first member.
pub(super) async fn setup(ask: Ask<'_>) -> AppResult<Reply> {
    let context = merchant::authenticate(&ask, ContextRequest::default()).await?;
    let reports = carried(&ask.shop);
    let firsts = store::shop(ask.env, &ask.shop, crate::model::SetupRequest { reports }).await?;
    Reply::json(
        200,
        &crate::bodies::Setup {
            program_version: context.program_version,
            firsts,
        },
    )
}
