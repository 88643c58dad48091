//! What the test modules share: the contract's own examples (sections 2
//! and 3), verbatim, and a way to vary a JSON document.

use serde_json::Value;

/// The example program of contract section 2, verbatim (the end-to-end
/// tests send the same file).
pub const CONTRACT_PROGRAM: &str = include_str!("contract-program.json");

/// The example event of contract section 3, verbatim.
pub const CONTRACT_EVENT: &str = r#"{"id": "evt-1001", "kind": "order_paid", "member_id": "c-42",
 "occurred_at": "2026-11-23T10:00:00Z",
 "order": {"order_id": "o-1", "currency": "USD", "subtotal_minor": 12999,
           "channel": "online",
           "lines": [{"sku": "boot-1", "category": "shoes", "qty": 1, "unit_price_minor": 8999},
                     {"sku": "sock-2", "category": "socks", "qty": 2, "unit_price_minor": 2000}]},
 "referral_code": null,
 "member": {"email_hash": "…", "tags": ["wholesale"], "account_id": null, "birthday": "1990-05-17"}}"#;

/// Deep-merges `patch` into `base`: objects member by member, anything else replaced.
pub fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                merge(base.entry(key).or_insert(Value::Null), value);
            }
        }
        (base, patch) => *base = patch,
    }
}

pub fn with(mut value: Value, patch: Value) -> Value {
    merge(&mut value, patch);
    value
}
