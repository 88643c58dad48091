//! The names of stored things: KV keys (caches and indexes that may lag;
//! nothing exact lives in KV), the state key of a member or pooled account,
//! and the Durable Object names. Pure, so the end-to-end tests name the same
//! keys. `:` separates the parts of a name, and ids may hold `:`: every part
//! is escaped (`%` as `%25`, `:` as `%3A`), so two different tuples of parts
//! never give one name. Ids without `:` or `%` keep their plain names.

use std::borrow::Cow;

/// One part of a name, with the separator (and the escape) escaped.
pub fn part(text: &str) -> Cow<'_, str> {
    if text.contains([':', '%']) {
        Cow::Owned(text.replace('%', "%25").replace(':', "%3A"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The shop's Durable Object.
pub fn shop_object(shop: &str) -> String {
    format!("shop:{}", part(shop))
}

/// The Durable Object that delivers the shop's outbound webhooks.
pub fn hooks_object(shop: &str) -> String {
    format!("hooks:{}", part(shop))
}

/// A notice's id: the state's (hashed) key, the revision that told it and
/// its place among that revision's notices; the same in every delivery.
pub fn notice_id(state_key: &str, revision: u64, n: usize) -> String {
    let key = crate::auth::sha256_hex(state_key);
    format!("ntc_{}_{revision}_{n}", &key[..16])
}

/// How many gate objects share a shop's traffic (event-id claims, rate
/// windows, credential checks).
pub const GATES: u64 = 16;

/// Which of the shop's gates a routing key (an event id, a rate key) meets:
/// FNV-1a over its bytes, so every isolate, every time, picks the same one.
pub fn gate_of(routing: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in routing.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash % GATES
}

/// The gate that indexes a reward code.
pub fn code_gate(code: &str) -> u64 {
    gate_of(&format!("code:{code}"))
}

/// The gate that indexes a referral code.
pub fn referral_gate(code: &str) -> u64 {
    gate_of(&format!("ref:{code}"))
}

/// The gate that indexes a platform order's owner.
pub fn order_gate(order: &str) -> u64 {
    gate_of(&format!("order:{order}"))
}

/// What an erased member's event claim keeps in place of the event's id:
/// its SHA-256, so a re-sent old event still meets its claim while no
/// store holds the id (a platform's ids name its customers and orders).
pub fn erased_claim(event_id: &str) -> String {
    format!("erased:{}", crate::auth::sha256_hex(event_id))
}

/// The Durable Object of one of the shop's gates (`n` below `GATES`).
pub fn gate_object(shop: &str, n: u64) -> String {
    format!("gate:{}:{n}", part(shop))
}

/// The Durable Object of a member's (or pooled account's) state, named by
/// the SHA-256 of its state key (below): a runtime may keep an object's
/// name (the local one keeps it in the object's own database), and a name
/// outlives an erase, so it names no member.
pub fn member_object(shop: &str, key: &str) -> String {
    format!("member:{}:{}", part(shop), crate::auth::sha256_hex(key))
}

/// The KV namespace's binding name (`wrangler.toml`).
pub const BINDING: &str = "LOYALTY";

/// The KV registry of shops the schedule visits: one key per shop.
pub const SHOP_REGISTRY: &str = "shops:";

pub fn shop_registry(shop: &str) -> String {
    format!("{SHOP_REGISTRY}{}", part(shop))
}

/// The shop a registry key names (`part` undone).
pub fn registered_shop(key: &str) -> Option<String> {
    let part = key.strip_prefix(SHOP_REGISTRY)?;
    Some(part.replace("%3A", ":").replace("%25", "%"))
}

/// A scheduled event's id for `member` (hashed: ids are at most 128
/// characters, and a member id may be as long).
pub fn scheduled_event(
    occasion: loyalty_rules::schedule::Occasion,
    year: i32,
    member: &str,
) -> Option<loyalty_rules::Id> {
    let hash = crate::auth::sha256_hex(member);
    loyalty_rules::schedule::event_id(occasion, year, &hash[..24])
}

pub fn program(shop: &str, version: u64) -> String {
    format!("program:{}:{version}", part(shop))
}

/// The state key of a member on its own (not in a pooled account).
pub fn own_state(member: &str) -> String {
    format!("member:{}", part(member))
}

/// The state key of a pooled account.
pub fn account_state(account: &str) -> String {
    format!("account:{}", part(account))
}

/// The state key of the orders held under a guest's email hash (kept in a
/// member object of their own, which no member shares).
pub fn guest_state(email_hash: &str) -> String {
    format!("guest:{}", part(email_hash))
}

/// The KV copy of the state under `key` (one of the two above).
pub fn member_snapshot(shop: &str, key: &str) -> String {
    format!("member:{}:{key}", part(shop))
}

pub fn code(shop: &str, code: &str) -> String {
    format!("code:{}:{}", part(shop), part(code))
}

pub fn referral(shop: &str, code: &str) -> String {
    format!("ref:{}:{}", part(shop), part(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_with_the_separator_never_share_a_name() {
        // Unescaped, both were `member:a:member:b:member:c`.
        let one = member_snapshot("a:member:b", &own_state("c"));
        let two = member_snapshot("a", &own_state("b:member:c"));
        assert_ne!(one, two);
        assert_eq!(one, "member:a%3Amember%3Ab:member:c");
        assert_eq!(two, "member:a:member:b%3Amember%3Ac");
        let pairs = [
            ("s", "m"),
            ("s:m", "x"),
            ("s", "m:x"),
            ("s%3Am", "x"),
            ("s:", "m"),
            ("s", ":m"),
        ];
        // Within each family of names (object names, KV keys of each kind).
        let families: [fn(&str, &str) -> String; 4] = [
            |shop, member| member_object(shop, &own_state(member)),
            |shop, member| member_snapshot(shop, &account_state(member)),
            |shop, code_| code(shop, code_),
            |shop, code| referral(shop, code),
        ];
        for name in families {
            let mut names: Vec<String> = pairs.iter().map(|(a, b)| name(a, b)).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), pairs.len(), "{names:?}");
        }
    }

    #[test]
    fn plain_ids_keep_their_plain_names() {
        assert_eq!(shop_object("demo"), "shop:demo");
        // A member's object is named by a hash: no id in it.
        assert_eq!(
            member_object("demo", &own_state("c-42")),
            format!("member:demo:{}", crate::auth::sha256_hex("member:c-42"))
        );
        assert_eq!(
            member_snapshot("demo", &own_state("c-42")),
            "member:demo:member:c-42"
        );
        assert_eq!(account_state("acme"), "account:acme");
        assert_eq!(program("demo", 3), "program:demo:3");
        assert_eq!(code("demo", "ABCD"), "code:demo:ABCD");
        assert_eq!(gate_object("demo", 3), "gate:demo:3");
    }

    #[test]
    fn routing_keys_spread_over_every_gate() {
        // FNV-1a 64 of the empty string is its offset basis, 0xcbf29ce484222325,
        // whose last hex digit 5 is its remainder by 16.
        assert_eq!(gate_of(""), 5);
        let mut counts = [0u32; GATES as usize];
        for n in 0..1_600 {
            counts[gate_of(&format!("evt-{n}")) as usize] += 1;
        }
        // 100 each on average; none empty, none with more than twice its share.
        assert!(counts.iter().all(|&c| (1..=200).contains(&c)), "{counts:?}");
        assert_eq!(gate_of("evt-7"), gate_of("evt-7"));
    }
}
