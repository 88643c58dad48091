//! Shopware 6's app webhooks (being written).

use serde_json::Value;

use loyalty_rules::Problem;

use super::Hook;

/// The event a Shopware webhook names (`data.event`).
pub fn topic(body: &Value) -> String {
    body.pointer("/data/event")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// What a Shopware webhook of `topic` comes to.
pub fn read(_topic: &str, _body: &Value) -> Result<Hook, Vec<Problem>> {
    Ok(Hook::Ignored)
}
