//! WooCommerce's webhooks (being written).

use serde_json::Value;

use loyalty_rules::Problem;

use super::Hook;

/// What a WooCommerce webhook of `topic` comes to.
pub fn read(_topic: &str, _body: &Value) -> Result<Hook, Vec<Problem>> {
    Ok(Hook::Ignored)
}
