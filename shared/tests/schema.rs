//! The documents' JSON Schema (derived from `loyalty_rules::document` and the
//! event and request types) against the parser, on every case of the
//! parsing tables: what the parser takes the schema takes, and what the
//! parser refuses the schema refuses at the same place, unless the problem
//! is one no JSON Schema can state (listed below, each with why).

use std::sync::OnceLock;

use jsonschema::Validator;
use loyalty_rules::Problem;
use serde_json::Value;

/// Problems the parser finds that a schema cannot express: they compare
/// members with each other, with other parts of the program, or with the
/// clock.
const BEYOND_A_SCHEMA: &[&str] = &[
    // ids unique within their list
    "is used twice",
    // references from rules and rewards to rewards and tiers
    "no reward has the id",
    "no tier has the id",
    "no badge has the id",
    // thresholds rising level after level
    "must be above the threshold of the level before it",
    // `until` after `from`
    "must be after `from`",
    // products of members: qty * unit_price, the sum of the lines
    "qty * unit_price_minor must be at most",
    "must total at most",
    // the server's clock
    "is more than 5 minutes in the future",
    // a tier condition names a level of the program
    "is not a tier of this program",
    // a rate names another currency than the program's own
    "is the program's own currency",
    // a zone name is in the IANA database (the schema checks its shape)
    "is not a time zone of the IANA database",
];

fn beyond_a_schema(problem: &Problem) -> bool {
    BEYOND_A_SCHEMA.iter().any(|m| problem.message.contains(m))
}

fn validator(schema: schemars::Schema) -> Validator {
    let schema = serde_json::to_value(schema).expect("a schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

pub fn program() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| {
        validator(schemars::schema_for!(
            loyalty_rules::document::ProgramDocument
        ))
    })
}

pub fn event() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| validator(schemars::schema_for!(loyalty_rules::Event)))
}

/// `/earn_rules/2/effect` -> `$.earn_rules[2].effect`.
fn json_path(pointer: &str) -> String {
    let mut path = String::from("$");
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            path.push_str(&format!("[{segment}]"));
        } else {
            path.push('.');
            path.push_str(&segment);
        }
    }
    path
}

/// `$.a.b[2]` -> `$.a.b`; `$` -> `$`.
fn parent(path: &str) -> &str {
    match path.rfind(['.', '[']) {
        Some(at) => &path[..at],
        None => path,
    }
}

/// An error and, for a choice (`anyOf`, `oneOf`), the errors of each branch:
/// the deepest of them says where the document goes wrong.
fn gather(error: &jsonschema::ValidationError<'_>, into: &mut Vec<(String, String)>) {
    use jsonschema::error::ValidationErrorKind as Kind;
    into.push((json_path(error.instance_path().as_str()), error.to_string()));
    if let Kind::AnyOf { context } | Kind::OneOfNotValid { context } = error.kind() {
        for branch in context {
            for inner in branch {
                gather(inner, into);
            }
        }
    }
}

/// Holds the schema to the parser's verdict on `doc`.
pub fn agrees(validator: &Validator, doc: &Value, problems: &[Problem]) {
    let mut errors = Vec::new();
    for error in validator.iter_errors(doc) {
        gather(&error, &mut errors);
    }
    if problems.is_empty() {
        assert!(
            errors.is_empty(),
            "the parser takes this document, the schema refuses it: {errors:?}\n{doc}"
        );
        return;
    }
    for problem in problems.iter().filter(|p| !beyond_a_schema(p)) {
        let seen = errors
            .iter()
            .any(|(at, _)| *at == problem.path || at == parent(&problem.path));
        assert!(
            seen,
            "the parser refuses {} ({}); the schema says {errors:?}\n{doc}",
            problem.path, problem.message
        );
    }
}

#[test]
fn paths_are_written_as_the_parser_writes_them() {
    assert_eq!(json_path(""), "$");
    assert_eq!(json_path("/earn_rules/2/effect"), "$.earn_rules[2].effect");
    assert_eq!(parent("$.earn_rules[2]"), "$.earn_rules");
    assert_eq!(parent("$.a.b"), "$.a");
}

#[test]
fn the_demo_program_is_valid_by_the_schema() {
    let demo: Value = serde_json::from_str(include_str!("../../static/demo/program.json")).unwrap();
    assert!(loyalty_rules::Program::from_value_in(&demo, &crate::zones::Atlas).is_ok());
    agrees(program(), &demo, &[]);
}

/// A program with every member the parser knows, each kind of effect,
/// condition, window, reward and referral prize: the schema takes it whole.
#[test]
fn every_member_the_parser_knows_is_in_the_schema() {
    let full = serde_json::json!({
        "name": {"en": "Rewards", "ar": "المكافآت", "ru": "Бонусы"},
        "currency": "EUR",
        "shop_url": "https://shop.example:8443/store?x=1",
        "allowed_origins": ["https://shop.example:8443", "http://localhost:3000"],
        "links": {"join": "https://shop.example/join#form", "sign_in": "https://shop.example/in",
                  "terms": "https://shop.example/terms"},
        "default_locale": "pt-BR",
        "points_label": {"en": "stars"},
        "earn_rules": [
            {"id": "base", "name": {"en": "Base"}, "event": "order_paid",
             "effect": {"kind": "per_amount", "points": 1, "per_minor": 100},
             "lines": [{"field": "line.category", "op": "in", "value": ["shoes", "bags"]},
                       {"field": "line.sku", "op": "ne", "value": "gift-card"}],
             "active": {"from": "2026-01-01", "until": "2026-12-31T22:00:00Z"},
             "limit": {"count": 3, "per": "week"}},
            {"id": "x2", "event": "order_paid", "effect": {"kind": "multiplier", "bp": 20000},
             "when": [{"field": "order.subtotal_minor", "op": "gte", "value": 5000},
                      {"field": "event.weekday", "op": "in", "value": [6, 7]},
                      {"field": "order.channel", "op": "eq", "value": "online"},
                      {"field": "order.first", "op": "eq", "value": true},
                      {"field": "member.tags", "op": "contains", "value": "vip"},
                      {"field": "member.tags", "op": "not_in", "value": ["staff"]},
                      {"field": "member.tier", "op": "gte", "value": "silver"},
                      {"field": "member.days_since_last_order", "op": "gt", "value": 90},
                      {"field": "member.days_since_signup", "op": "lt", "value": 30},
                      {"field": "event.hour", "op": "lt", "value": 12},
                      {"field": "member.birthday_today", "op": "eq", "value": true},
                      {"field": "member.signup_anniversary", "op": "eq", "value": 5}]},
            {"id": "back", "event": "order_paid", "effect": {"kind": "cashback", "bp": 200}},
            {"id": "gift", "event": "custom:newsletter",
             "effect": {"kind": "issue_reward", "reward": "ship", "valid_days": 30}},
            {"id": "quiz", "event": "quiz_completed", "effect": {"kind": "fixed", "points": 10}}
        ],
        "tiers": {"metric": "orders", "window": {"kind": "calendar_year"}, "levels": [
            {"id": "silver", "name": {"en": "Silver"}, "threshold": 1},
            {"id": "gold", "name": {"en": "Gold"}, "threshold": 5, "earn_multiplier_bp": 15000,
             "benefits": [{"en": "Free returns"}]},
            {"id": "club", "name": {"en": "Club"}, "paid": true}
        ]},
        "rewards": [
            {"id": "ship", "name": {"en": "Free shipping"}, "cost_points": 300, "kind": "free_shipping"},
            {"id": "pct", "name": {"en": "10%"}, "cost_points": 900, "kind": "percent_off",
             "percent": 10, "min_tier": "gold", "valid_days": 60},
            {"id": "mug", "name": {"en": "Mug"}, "cost_points": 700, "kind": "free_product", "sku": "mug-1"},
            {"id": "credit", "name": {"en": "Credit"}, "cost_points": 1000, "kind": "store_credit",
             "amount_minor": 1000},
            {"id": "tree", "name": {"en": "A tree"}, "cost_points": 200, "kind": "donation",
             "cause": "Plant a tree", "amount_minor": 100}
        ],
        "referral": {"referrer_reward": {"kind": "percent_off", "percent": 15, "valid_days": 30},
                     "referee_reward": {"kind": "free_shipping"},
                     "min_order_minor": 0, "max_rewarded_per_referrer": 10},
        "badges": [{"id": "fan", "name": {"en": "Fan"}, "event": "custom:newsletter"},
                   {"id": "winter", "name": {"en": "Winter"}}],
        "challenges": [{"id": "winter", "name": {"en": "Winter"}, "event": "order_paid",
                        "goal": {"spend_minor": 20000}, "per": "quarter",
                        "lines": [{"field": "line.category", "op": "eq", "value": "shoes"}],
                        "active": {"from": "2026-12-01"}, "reward": {"points": 500, "badge": "winter"}}],
        "expiry": {"inactivity_days": 730},
        "pending_days": 14,
        "accounts": {"pooling": true},
        "time_zone": "Etc/UTC",
        "exchange_rates": {"scale": 1000000, "rates": {"USD": 1085000, "JPY": 6700}}
    });
    let parsed = loyalty_rules::Program::from_value(&full);
    assert!(parsed.is_ok(), "{parsed:?}");
    agrees(program(), &full, &[]);
    // And the typed document reads and writes it unchanged.
    let typed: loyalty_rules::document::ProgramDocument =
        serde_json::from_value(full.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), full);

    let full_event = serde_json::json!({
        "id": "e-1", "kind": "membership_started", "member_id": "m-1",
        "occurred_at": "2026-11-23T10:00:00Z", "action": "a", "referral_code": "FRIEND1",
        "nps_score": 9, "membership": {"tier": "club", "until": "2027-11-23T10:00:00Z"},
        "member": {"email_hash": "ab12", "tags": ["vip"], "account_id": "acme", "birthday": "1990-05-17"},
        "order": {"order_id": "o-1", "currency": "EUR", "subtotal_minor": 1, "channel": "pos",
                  "lines": [{"sku": "a", "category": "b", "qty": 1, "unit_price_minor": 1}]}
    });
    agrees(event(), &full_event, &[]);
}
