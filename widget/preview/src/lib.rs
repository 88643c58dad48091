//! The cart preview ("this cart earns N points"), computed in the shopper's
//! browser by the rules crate itself: the same `preview_award` the edge's
//! `simulate` runs, on the shop's public program and, for a signed-in
//! shopper, their own state. A second WebAssembly module, so the panel's
//! first download does not carry the program parser: the widget loads it
//! only when the page passes a cart (`Loyalty.setCart`).

use chrono::{DateTime, Utc};
use loyalty_rules::award::preview_award;
use loyalty_rules::member::MemberState;
use loyalty_rules::zone::Zone;
use loyalty_rules::{Event, Program};
use serde_json::{Value, json};

/// The event id and order id of the cart's imagined order.
pub const PREVIEW_ID: &str = "cart-preview";

/// What the edge would award for an order of `cart`
/// (`{"subtotal_minor", "lines"}`, as `Loyalty.setCart` takes it) placed now
/// by `member` (empty: a guest, as a new member), under `program` (the
/// program document, its `time_zone` read from `zone`, the table the edge
/// sent; `null` for UTC) with the member's `state` (`null` for a guest).
/// Answers `{"points", "lines": [{"rule", "points"}], "not_given": [reason]}`
/// (the rules that gave nothing and why), or
/// `{"error": "..."}` when the cart or the documents are not usable.
pub fn cart_points(
    program: &Value,
    zone: &Value,
    state: &Value,
    cart: &Value,
    member: &str,
    now: DateTime<Utc>,
) -> Value {
    match preview(program, zone, state, cart, member, now) {
        Ok(answer) => answer,
        Err(error) => json!({ "error": error }),
    }
}

fn preview(
    program: &Value,
    zone: &Value,
    state: &Value,
    cart: &Value,
    member: &str,
    now: DateTime<Utc>,
) -> Result<Value, String> {
    let zone: Zone = if zone.is_null() {
        Zone::utc()
    } else {
        serde_json::from_value(zone.clone()).map_err(|e| format!("zone: {e}"))?
    };
    let program = Program::from_value_in(program, &zone).map_err(|p| problems("program", &p))?;
    let state: MemberState = if state.is_null() {
        MemberState::default()
    } else {
        serde_json::from_value(state.clone()).map_err(|e| format!("state: {e}"))?
    };
    let member = if member.is_empty() { "guest" } else { member };
    let event = json!({
        "id": PREVIEW_ID,
        "kind": "order_paid",
        "member_id": member,
        "occurred_at": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "order": {
            "order_id": PREVIEW_ID,
            "currency": program.currency,
            "subtotal_minor": cart.get("subtotal_minor").cloned().unwrap_or(Value::Null),
            "lines": cart.get("lines").cloned().unwrap_or_else(|| json!([])),
        },
    });
    let event = Event::from_value(&event, now).map_err(|p| problems("cart", &p))?;
    let plan = preview_award(&program, &state, &event, now).map_err(|e| e.to_string())?;
    Ok(json!({ "points": plan.points, "lines": plan.lines, "not_given": plan.reasons }))
}

fn problems(what: &str, problems: &[loyalty_rules::Problem]) -> String {
    let list: Vec<String> = problems
        .iter()
        .map(|p| format!("{} {}", p.path, p.message))
        .collect();
    format!("{what}: {}", list.join("; "))
}

#[cfg(target_arch = "wasm32")]
mod web {
    use wasm_bindgen::prelude::*;

    /// `cart_points` for JavaScript: JSON text in, JSON text out; `now_ms`
    /// is `Date.now()`.
    #[wasm_bindgen]
    pub fn cart_points(
        program: &str,
        zone: &str,
        state: &str,
        cart: &str,
        member: &str,
        now_ms: f64,
    ) -> String {
        let parse = |text: &str| serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
        #[allow(clippy::cast_possible_truncation)]
        let now = chrono::DateTime::from_timestamp_millis(now_ms as i64).unwrap_or_default();
        super::cart_points(
            &parse(program),
            &parse(zone),
            &parse(state),
            &parse(cart),
            member,
            now,
        )
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use loyalty_rules::award::{EventContext, apply_event};
    use loyalty_rules::code::SeededEntropy;

    const PROGRAM: &str = include_str!("../../../static/demo/program.json");
    const EVENTS: &str = include_str!("../../../static/demo/events.json");

    fn now() -> DateTime<Utc> {
        "2026-11-25T12:00:00Z".parse().unwrap()
    }

    /// The demo shop's zone as the edge sends it: Riyadh, +03:00.
    fn riyadh() -> Value {
        serde_json::to_value(Zone::fixed("Asia/Riyadh", 3 * 3600)).unwrap()
    }

    /// The demo member's state after the demo's seed events.
    fn state_of(member: &str) -> Value {
        let program = Program::parse_in(PROGRAM, &Zone::fixed("Asia/Riyadh", 3 * 3600)).unwrap();
        let events: Value = serde_json::from_str(EVENTS).unwrap();
        let mut state = MemberState::default();
        for event in events["events"].as_array().unwrap() {
            if event["member_id"] != member {
                continue;
            }
            let event = Event::from_value(event, now()).unwrap();
            apply_event(
                &program,
                &mut state,
                &event,
                &EventContext::at(now()),
                &mut SeededEntropy(7),
            )
            .unwrap();
        }
        serde_json::to_value(&state).unwrap()
    }

    /// Shoes 1 x 120.00 and socks 3 x 13.00: 159.00 in all.
    fn cart() -> Value {
        json!({"subtotal_minor": 15900, "lines": [
            {"sku": "boot-9", "category": "shoes", "qty": 1, "unit_price_minor": 12000},
            {"sku": "sock-2", "category": "socks", "qty": 3, "unit_price_minor": 1300},
        ]})
    }

    #[test]
    fn a_guest_earns_base_and_shoe_points() {
        let program: Value = serde_json::from_str(PROGRAM).unwrap();
        let answer = cart_points(&program, &riyadh(), &Value::Null, &cart(), "", now());
        // base: floor(15900 / 100) * 1 = 159; shoes-bonus: floor(12000 / 100) = 120;
        // Bronze (spend 0) is 10000 bp: 279.
        assert_eq!(answer["points"], 279, "{answer}");
    }

    #[test]
    fn a_silver_member_gets_the_tier_multiplier() {
        let program: Value = serde_json::from_str(PROGRAM).unwrap();
        // layla spent 615.00 in the last 365 days: Silver (from 500.00), 12500 bp.
        let answer = cart_points(
            &program,
            &riyadh(),
            &state_of("layla"),
            &cart(),
            "layla",
            now(),
        );
        // floor((159 + 120) * 12500 / 10000) = floor(348.75) = 348.
        assert_eq!(answer["points"], 348, "{answer}");
        assert_eq!(answer["lines"][2]["rule"], "tier:silver", "{answer}");
        assert_eq!(answer["lines"][2]["points"], 69, "{answer}");
    }

    #[test]
    fn a_program_in_a_zone_needs_its_table() {
        let program: Value = serde_json::from_str(PROGRAM).unwrap();
        // Without the table the preview cannot know Riyadh: an error, no figure.
        let answer = cart_points(&program, &Value::Null, &Value::Null, &cart(), "", now());
        assert!(
            answer["error"].as_str().unwrap().contains("$.time_zone"),
            "{answer}"
        );
    }

    #[test]
    fn a_cart_in_no_shape_is_an_error_not_a_figure() {
        let program: Value = serde_json::from_str(PROGRAM).unwrap();
        let answer = cart_points(
            &program,
            &riyadh(),
            &Value::Null,
            &json!({"lines": "x"}),
            "",
            now(),
        );
        assert!(
            answer["error"].as_str().unwrap().starts_with("cart:"),
            "{answer}"
        );
        assert!(answer.get("points").is_none());
    }
}
