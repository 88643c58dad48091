//! The schedule: a state's dates for the shop's index, and what is due on
//! a day, decided again from the member's state.

use chrono::NaiveDate;
use loyalty_rules::EventKind;
use loyalty_rules::notice::Happened;
use loyalty_rules::schedule::{Dated, Due, Occasion, dates, days_for, due, event_id};

use super::*;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// 100 for a birthday, 50 per anniversary, 1 per 1.00; points lapse after
/// 30 days without activity, with a warning 7 days before.
fn shop() -> Shop {
    Shop::new(&program(json!({
        "earn_rules": [base(), fixed("bday", "birthday", 100),
                       fixed("anniv", "custom:anniversary", 50)],
        "expiry": {"inactivity_days": 30, "warning_days": 7}
    })))
}

fn signup_on(id: &str, member: &str, when: &str, birthday: &str) -> Value {
    with(
        at(by(event(id, "signup"), member), when),
        json!({"member": {"birthday": birthday}}),
    )
}

#[test]
fn a_states_dates_are_its_members_birthday_joining_day_and_warning_day() {
    let mut shop = shop();
    // Joined 2025-11-23, born 29 February; earned on 2026-11-23 (10:00).
    shop.record_at(
        &signup_on("e-1", "anna", "2025-11-23T10:00:00Z", "1992-02-29"),
        now(),
    )
    .unwrap();
    shop.record_at(&by(paid("e-2", "o-2", 5000), "anna"), now())
        .unwrap();
    let state = shop.book.state_of(&id("anna")).unwrap();
    // The balance (50) expires 30 days after the last activity
    // (2026-11-23T10:00Z): 2026-12-23; warned 7 days before: 2026-12-16.
    assert_eq!(
        dates(&shop.book.program, state, now()),
        [
            Dated {
                member: id("anna"),
                occasion: Occasion::Birthday,
                day: "02-29".into()
            },
            Dated {
                member: id("anna"),
                occasion: Occasion::Anniversary,
                day: "11-23".into()
            },
            Dated {
                member: id("anna"),
                occasion: Occasion::Expiring,
                day: "2026-12-16".into()
            },
        ]
    );
    // 28 February of a year without a 29th looks up both days.
    assert_eq!(
        days_for(date("2027-02-28")),
        [
            (Occasion::Birthday, "02-28".into()),
            (Occasion::Birthday, "02-29".into()),
            (Occasion::Anniversary, "02-28".into()),
            (Occasion::Anniversary, "02-29".into()),
            (Occasion::Expiring, "2027-02-28".into()),
        ]
    );
    assert_eq!(days_for(date("2028-02-28")).len(), 3);
}

#[test]
fn what_is_due_is_decided_from_the_state_on_the_day() {
    let mut shop = shop();
    shop.record_at(
        &signup_on("e-1", "anna", "2025-11-23T10:00:00Z", "1992-02-29"),
        now(),
    )
    .unwrap();
    shop.record_at(&by(paid("e-2", "o-2", 5000), "anna"), now())
        .unwrap();
    let program = shop.book.program.clone();
    let state = shop.book.state_of(&id("anna")).unwrap().clone();
    let anna = id("anna");
    let key = |occasion, year| event_id(occasion, year, "h-anna").unwrap();
    // Birthday: on 28 February in 2027 (no 29th), not in 2028 (there is one).
    let birthday = due(
        &program,
        &state,
        &anna,
        Occasion::Birthday,
        date("2027-02-28"),
        key(Occasion::Birthday, 2027),
        now(),
    );
    let Some(Due::Event(event)) = birthday else {
        panic!("{birthday:?}")
    };
    assert_eq!(
        (event.kind, event.id.as_str()),
        (EventKind::Birthday, "scheduled.birthday.2027.h-anna")
    );
    assert_eq!(
        due(
            &program,
            &state,
            &anna,
            Occasion::Birthday,
            date("2028-02-28"),
            key(Occasion::Birthday, 2028),
            now()
        ),
        None
    );
    // Anniversary: a year after joining, not on the day itself.
    let Some(Due::Event(event)) = due(
        &program,
        &state,
        &anna,
        Occasion::Anniversary,
        date("2026-11-23"),
        key(Occasion::Anniversary, 2026),
        now(),
    ) else {
        panic!("an anniversary")
    };
    assert_eq!(
        (event.kind, event.action.as_ref().map(Id::as_str)),
        (EventKind::Custom, Some("anniversary"))
    );
    assert_eq!(
        due(
            &program,
            &state,
            &anna,
            Occasion::Anniversary,
            date("2025-11-23"),
            key(Occasion::Anniversary, 2025),
            now()
        ),
        None
    );
    // Recorded, the anniversary gives 50 once; the same id again, a duplicate.
    let answer = shop
        .book
        .record(
            &event_with(&event, "scheduled.anniversary.2026.h-anna"),
            now(),
        )
        .unwrap();
    assert_eq!(answer.points, 50);
    assert!(
        shop.book
            .record(
                &event_with(&event, "scheduled.anniversary.2026.h-anna"),
                now()
            )
            .unwrap()
            .duplicate
    );
    // The warning: on its day only, with the balance and when it expires.
    let state = shop.book.state_of(&id("anna")).unwrap().clone();
    let warned = due(
        &program,
        &state,
        &anna,
        Occasion::Expiring,
        date("2026-12-16"),
        key(Occasion::Expiring, 2026),
        now(),
    );
    let Some(Due::Notice(notice)) = warned else {
        panic!("{warned:?}")
    };
    assert_eq!(
        notice.happened,
        Happened::PointsExpiring {
            points: 100,
            expires_at: time("2026-12-23T12:00:00Z")
        }
    );
    assert_eq!(
        due(
            &program,
            &state,
            &anna,
            Occasion::Expiring,
            date("2026-12-15"),
            key(Occasion::Expiring, 2026),
            now()
        ),
        None
    );
}

fn event_with(event: &Event, id_text: &str) -> Event {
    Event {
        id: id(id_text),
        ..event.clone()
    }
}
