//! KV keys: caches and indexes that may lag. Nothing exact lives here.
//! Pure, so the end-to-end tests name the same keys.

/// The KV namespace's binding name (`wrangler.toml`).
pub const BINDING: &str = "LOYALTY";

pub fn program(shop: &str, version: u64) -> String {
    format!("program:{shop}:{version}")
}

/// The state key of a member on its own (not in a pooled account).
pub fn own_state(member: &str) -> String {
    format!("member:{member}")
}

/// The state key of a pooled account.
pub fn account_state(account: &str) -> String {
    format!("account:{account}")
}

/// The KV copy of the state under `key` (one of the two above).
pub fn member_snapshot(shop: &str, key: &str) -> String {
    format!("member:{shop}:{key}")
}

pub fn code(shop: &str, code: &str) -> String {
    format!("code:{shop}:{code}")
}

pub fn referral(shop: &str, code: &str) -> String {
    format!("ref:{shop}:{code}")
}
