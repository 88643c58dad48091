//! The demo shop's program and members, loaded into a running worker: by
//! `cargo xtask dev`, and by the browser tests with their own origins.

use std::fs;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::cmd::{Result, root};
use crate::http;

/// Puts `program` on the `demo` shop and sends the demo members' events
/// (`static/demo/events.json`, moved to the present by [`move_to_now`];
/// their ids make a second run a no-op).
pub fn load(port: u16, api_key: &str, program: &[u8]) -> Result {
    let auth = format!("Bearer {api_key}");
    let headers = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];
    let put = http::request(port, "PUT", "/v1/shops/demo/program", &headers, program)
        .map_err(|e| e.to_string())?;
    if put.status != 200 {
        return Err(format!("the demo program was refused: {}", put.body));
    }
    let events =
        fs::read_to_string(root().join("static/demo/events.json")).map_err(|e| e.to_string())?;
    let events = move_to_now(&events, crate::clock::run_start())?;
    let sent = http::request(port, "POST", "/v1/shops/demo/events", &headers, &events)
        .map_err(|e| e.to_string())?;
    if sent.status != 200 {
        return Err(format!("the demo events were refused: {}", sent.body));
    }
    Ok(())
}

/// The demo's events with every `occurred_at` moved by the same whole
/// number of days, so that the newest falls on the day before `start`: the
/// demo members' history keeps its days of the week, times and spacing,
/// and stays inside every window the program counts (a 365-day tier window,
/// inactivity expiry) whatever the date of the run.
pub fn move_to_now(events: &str, start: DateTime<Utc>) -> Result<Vec<u8>> {
    let mut doc: Value = serde_json::from_str(events).map_err(|e| e.to_string())?;
    let list = doc["events"]
        .as_array_mut()
        .ok_or("the demo events are not {\"events\": [...]}")?;
    let at = |event: &Value| -> Result<DateTime<Utc>> {
        event["occurred_at"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| format!("a demo event has no occurred_at: {event}"))
    };
    let newest = list
        .iter()
        .map(at)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .max();
    let Some(newest) = newest else {
        return serde_json::to_vec(&doc).map_err(|e| e.to_string());
    };
    let days = (start.date_naive() - newest.date_naive()).num_days() - 1;
    for event in list.iter_mut() {
        let moved = at(event)? + Duration::days(days);
        event["occurred_at"] = Value::String(crate::clock::rfc3339(moved));
    }
    serde_json::to_vec(&doc).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_event_lands_the_day_before_the_start() {
        let events = r#"{"events": [
            {"id": "a", "occurred_at": "2026-11-01T09:00:00Z"},
            {"id": "b", "occurred_at": "2026-11-20T07:00:00Z"}]}"#;
        let start: DateTime<Utc> = "2028-03-05T01:30:00Z".parse().unwrap();
        let moved: Value = serde_json::from_slice(&move_to_now(events, start).unwrap()).unwrap();
        // 2026-11-20 -> 2028-03-04 (the day before) is 470 days; 2026-11-01
        // moves by the same 470 days to 2028-02-14, times of day kept.
        assert_eq!(moved["events"][1]["occurred_at"], "2028-03-04T07:00:00Z");
        assert_eq!(moved["events"][0]["occurred_at"], "2028-02-14T09:00:00Z");
        assert_eq!(moved["events"][0]["id"], "a");
    }
}
