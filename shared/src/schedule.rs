//! Work on a schedule: birthdays, membership anniversaries and the
//! warning before points expire, each on a day of the shop's calendar.
//!
//! Invariants: a state's dates are a pure function of it (so the shop's
//! index by day is kept as members change, from the figures each write
//! reports); whatever the index says, what is due is decided again from
//! the member's own state on the day (a stale entry does nothing); and a
//! birthday or anniversary is an event whose id names the member's year,
//! so a trigger that runs twice records it once.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{Event, EventKind};
use crate::id::Id;
use crate::member::MemberState;
use crate::notice::{Happened, Notice, standing};
use crate::program::Program;

/// What a dated entry is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Occasion {
    /// Every year on the member's birthday (`MM-DD`).
    Birthday,
    /// Every year on the day they joined (`MM-DD`).
    Anniversary,
    /// Once, `expiry.warning_days` before the balance expires
    /// (`YYYY-MM-DD`).
    Expiring,
}

impl Occasion {
    pub fn name(self) -> &'static str {
        match self {
            Occasion::Birthday => "birthday",
            Occasion::Anniversary => "anniversary",
            Occasion::Expiring => "expiring",
        }
    }
}

/// One member's day for one occasion, as the shop's index keeps it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Dated {
    pub member: Id,
    pub occasion: Occasion,
    /// `MM-DD` for the yearly occasions, `YYYY-MM-DD` for a warning.
    pub day: String,
}

/// The custom action a membership anniversary is recorded as: earn rules
/// for `custom:anniversary` give its points.
pub const ANNIVERSARY_ACTION: &str = "anniversary";

fn month_day(date: NaiveDate) -> String {
    format!("{:02}-{:02}", date.month(), date.day())
}

/// The day a member joined, in the shop's calendar: their signup, else
/// when they were first seen.
fn joined(program: &Program, state: &MemberState, member: &Id) -> Option<NaiveDate> {
    let profile = state.profile(member)?;
    let at = profile.signup_at.unwrap_or(profile.first_seen);
    Some(program.zone.local(at).date())
}

/// The day the warning before expiry is due, if the program warns and the
/// balance would expire.
fn warning_day(program: &Program, state: &MemberState, now: DateTime<Utc>) -> Option<NaiveDate> {
    let days = program.expiry_warning_days?;
    let balances = state.balances(program, now);
    if balances.available <= 0 {
        return None;
    }
    let expires = balances.expires_at?;
    Some(program.zone.local(expires - Duration::days(days)).date())
}

/// Every dated entry of a state, sorted: what the shop's index holds for it.
pub fn dates(program: &Program, state: &MemberState, now: DateTime<Utc>) -> Vec<Dated> {
    let warning = warning_day(program, state, now);
    let mut dates = Vec::new();
    for (member, profile) in &state.profiles {
        if let Some(birthday) = profile.birthday {
            dates.push(Dated {
                member: member.clone(),
                occasion: Occasion::Birthday,
                day: month_day(birthday),
            });
        }
        if let Some(day) = joined(program, state, member) {
            dates.push(Dated {
                member: member.clone(),
                occasion: Occasion::Anniversary,
                day: month_day(day),
            });
        }
        if let Some(day) = warning {
            dates.push(Dated {
                member: member.clone(),
                occasion: Occasion::Expiring,
                day: day.format("%Y-%m-%d").to_string(),
            });
        }
    }
    dates.sort();
    dates
}

/// The index days to look up on `today`: 29 February's birthdays and
/// anniversaries fall on the 28th in other years.
pub fn days_for(today: NaiveDate) -> Vec<(Occasion, String)> {
    let mut days = Vec::new();
    for occasion in [Occasion::Birthday, Occasion::Anniversary] {
        days.push((occasion, month_day(today)));
        if today.month() == 2 && today.day() == 28 && !today.leap_year() {
            days.push((occasion, "02-29".to_owned()));
        }
    }
    days.push((Occasion::Expiring, today.format("%Y-%m-%d").to_string()));
    days
}

/// Whether a yearly date (`MM-DD` of `date`) falls on `today`.
fn falls_on(date: NaiveDate, today: NaiveDate) -> bool {
    let leap_day = date.month() == 2 && date.day() == 29;
    (date.month(), date.day()) == (today.month(), today.day())
        || (leap_day && !today.leap_year() && (today.month(), today.day()) == (2, 28))
}

/// What is due for a member on `today`, decided from their state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Due {
    /// An event to record the one exactly-once way.
    Event(Event),
    /// A notice for the shop's systems only.
    Notice(Notice),
}

/// The id a scheduled event of `occasion` has for `member` in the year of
/// `today`: the edge passes its own (hashed) form, this is its shape.
pub fn event_id(occasion: Occasion, year: i32, member_part: &str) -> Option<Id> {
    Id::parse(&format!(
        "scheduled.{}.{year}.{member_part}",
        occasion.name()
    ))
    .ok()
}

/// What `occasion` brings `member` on `today` (the shop's local date), or
/// nothing: the birthday or joining day is not today (any more), it is
/// the day they joined itself, the member is gone or the balance will not
/// expire then. `id` is the event's id (see [`event_id`]).
pub fn due(
    program: &Program,
    state: &MemberState,
    member: &Id,
    occasion: Occasion,
    today: NaiveDate,
    id: Id,
    now: DateTime<Utc>,
) -> Option<Due> {
    let profile = state.profile(member)?;
    let event = |kind: EventKind, action: Option<&str>| Event {
        id: id.clone(),
        kind,
        member_id: member.clone(),
        occurred_at: now,
        action: action.and_then(|a| Id::parse(a).ok()),
        order: None,
        referral_code: None,
        member: None,
        nps_score: None,
        membership: None,
    };
    match occasion {
        Occasion::Birthday => {
            let birthday = profile.birthday?;
            falls_on(birthday, today).then(|| Due::Event(event(EventKind::Birthday, None)))
        }
        Occasion::Anniversary => {
            let joined = joined(program, state, member)?;
            (falls_on(joined, today) && today.year() > joined.year())
                .then(|| Due::Event(event(EventKind::Custom, Some(ANNIVERSARY_ACTION))))
        }
        Occasion::Expiring => {
            if warning_day(program, state, now)? != today {
                return None;
            }
            let balances = state.balances(program, now);
            Some(Due::Notice(Notice {
                happened: Happened::PointsExpiring {
                    points: balances.available,
                    expires_at: balances.expires_at?,
                },
                member_id: member.clone(),
                occurred_at: now,
                member: Some(standing(program, state, member, now)),
            }))
        }
    }
}

/// The occasions the schedule acts on for `program`: birthdays and
/// anniversaries when an earn rule gives something for them (`birthday`,
/// `custom:anniversary`), the warning when the program warns and a
/// subscription wants `points_expiring`.
pub fn occasions(program: &Program, topics: crate::notice::Topics) -> Vec<Occasion> {
    use crate::program::EventMatch;
    let rule_for = |wanted: &EventMatch| program.earn_rules.iter().any(|r| &r.event == wanted);
    let mut occasions = Vec::new();
    if rule_for(&EventMatch::Kind(EventKind::Birthday)) {
        occasions.push(Occasion::Birthday);
    }
    if Id::parse(ANNIVERSARY_ACTION).is_ok_and(|action| rule_for(&EventMatch::Custom(action))) {
        occasions.push(Occasion::Anniversary);
    }
    if program.expiry_warning_days.is_some()
        && topics.contains(crate::notice::Topic::PointsExpiring)
    {
        occasions.push(Occasion::Expiring);
    }
    occasions
}
