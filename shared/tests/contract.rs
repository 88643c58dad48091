//! What the test modules share: the contract's own examples (sections 2
//! and 3), verbatim, and a way to vary a JSON document.

use serde_json::Value;

/// The example program of contract section 2, verbatim.
pub const CONTRACT_PROGRAM: &str = r#"{
  "currency": "USD",
  "shop_url": "https://shop.example",
  "allowed_origins": ["https://shop.example"],
  "links": {"join": "https://shop.example/account/register", "sign_in": "https://shop.example/account/login",
            "terms": "https://shop.example/pages/rewards-terms"},
  "default_locale": "en",
  "points_label": {"en": "points", "ar": "نقاط", "ru": "баллы"},
  "earn_rules": [
    {"id": "base", "event": "order_paid",
     "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}},
    {"id": "signup", "event": "signup", "effect": {"kind": "fixed", "points": 100},
     "limit": {"count": 1, "per": "lifetime"}},
    {"id": "shoes-bonus", "event": "order_paid",
     "effect": {"kind": "per_amount", "points": 1, "per_minor": 100},
     "lines": [{"field": "line.category", "op": "eq", "value": "shoes"}]},
    {"id": "double-week", "event": "order_paid",
     "effect": {"kind": "multiplier", "bp": 20000},
     "active": {"from": "2026-12-01T00:00:00Z", "until": "2026-12-08T00:00:00Z"}},
    {"id": "review", "event": "review_posted", "effect": {"kind": "fixed", "points": 50},
     "limit": {"count": 5, "per": "month"}},
    {"id": "next-order", "event": "order_paid",
     "effect": {"kind": "issue_reward", "reward": "five-off", "valid_days": 14},
     "when": [{"field": "order.subtotal_minor", "op": "gte", "value": 10000}]}
  ],
  "tiers": {
    "metric": "spend",
    "window": {"kind": "rolling_days", "days": 365},
    "levels": [
      {"id": "bronze", "name": {"en": "Bronze", "ar": "برونزي"}, "threshold": 0,     "earn_multiplier_bp": 10000},
      {"id": "silver", "name": {"en": "Silver", "ar": "فضي"},    "threshold": 50000, "earn_multiplier_bp": 12500},
      {"id": "gold",   "name": {"en": "Gold",   "ar": "ذهبي"},   "threshold": 150000,"earn_multiplier_bp": 15000,
       "benefits": [{"en": "Free express shipping"}]}
    ]
  },
  "rewards": [
    {"id": "five-off", "name": {"en": "$5 off"}, "cost_points": 500, "kind": "amount_off", "amount_minor": 500},
    {"id": "ten-pct", "name": {"en": "10% off"}, "cost_points": 1000, "kind": "percent_off", "percent": 10, "min_tier": "silver"},
    {"id": "ship", "name": {"en": "Free shipping"}, "cost_points": 300, "kind": "free_shipping"}
  ],
  "referral": {"referrer_points": 500,
               "referee_reward": {"kind": "amount_off", "amount_minor": 1000},
               "min_order_minor": 2000, "max_rewarded_per_referrer": 50},
  "badges": [{"id": "critic", "name": {"en": "Critic"}, "event": "review_posted", "count": 3, "bonus_points": 100}],
  "expiry": {"inactivity_days": 365},
  "pending_days": 0,
  "accounts": {"pooling": false}
}"#;

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
