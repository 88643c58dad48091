//! Secrets and signatures: API key hashes, webhook signatures and customer
//! tokens (contract section 5). Pure functions, tested natively.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// How far a webhook's `t` may be from the server clock.
pub const SIGNATURE_TOLERANCE_SECONDS: i64 = 300;

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 15)]));
    }
    out
}

pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

pub fn hmac_hex(secret: &str, message: &[u8]) -> String {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(message);
    hex(&mac.finalize().into_bytes())
}

/// What the edge keeps to tell one delivery of an event id from another:
/// the SHA-256 of the event as parsed (its canonical JSON), so a claim or a
/// stored answer keeps no field of the event itself (no email hash, no
/// birthday, no tags).
pub fn fingerprint(event: &loyalty_rules::Event) -> String {
    sha256_hex(&event.fingerprint())
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A customer token's parts: `<member_id>.<expires_unix>.<hex hmac>`, split
/// at its last two dots because member ids may hold dots.
#[derive(Debug, PartialEq, Eq)]
pub struct CustomerToken<'a> {
    pub member_id: &'a str,
    pub expires: i64,
    pub mac: &'a str,
}

pub fn parse_customer_token(token: &str) -> Option<CustomerToken<'_>> {
    let (rest, mac) = token.rsplit_once('.')?;
    let (member_id, expires) = rest.rsplit_once('.')?;
    if member_id.is_empty() || mac.len() != 64 {
        return None;
    }
    Some(CustomerToken {
        member_id,
        expires: unix_seconds(expires)?,
        mac,
    })
}

/// A Unix time as the merchant writes it: digits only, no sign, no leading
/// zero (so one time has one spelling, and the signed text is the one sent).
pub fn unix_seconds(text: &str) -> Option<i64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

/// The member a valid, unexpired customer token names.
pub fn verify_customer_token<'a>(
    token: &'a str,
    widget_secret: &str,
    now_unix: i64,
) -> Option<&'a str> {
    let parsed = parse_customer_token(token)?;
    if parsed.expires <= now_unix {
        return None;
    }
    let signed = format!("{}.{}", parsed.member_id, parsed.expires);
    let expected = hmac_hex(widget_secret, signed.as_bytes());
    same_secret(&expected, &parsed.mac.to_ascii_lowercase()).then_some(parsed.member_id)
}

/// Makes a customer token, as the merchant's server does.
pub fn customer_token(member_id: &str, expires_unix: i64, widget_secret: &str) -> String {
    let signed = format!("{member_id}.{expires_unix}");
    let mac = hmac_hex(widget_secret, signed.as_bytes());
    format!("{signed}.{mac}")
}

/// Checks `Loyalty-Signature: t=<unix>,v1=<hex>` over `"<t>.<raw body>"`.
pub fn verify_signature(header: &str, body: &[u8], webhook_secret: &str, now_unix: i64) -> bool {
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = unix_seconds(value),
            Some(("v1", value)) => candidates.push(value.to_ascii_lowercase()),
            _ => {}
        }
    }
    let Some(t) = t else {
        return false;
    };
    if now_unix.abs_diff(t) > SIGNATURE_TOLERANCE_SECONDS.unsigned_abs() {
        return false;
    }
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(body);
    let expected = hmac_hex(webhook_secret, &signed);
    candidates.iter().any(|v1| same_secret(&expected, v1))
}

/// The signature header a merchant's server sends.
pub fn signature_header(body: &[u8], webhook_secret: &str, now_unix: i64) -> String {
    let mut signed = format!("{now_unix}.").into_bytes();
    signed.extend_from_slice(body);
    format!("t={now_unix},v1={}", hmac_hex(webhook_secret, &signed))
}

/// `Authorization: Bearer <value>` -> `<value>`.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let value = header?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_tells_bodies_apart_and_keeps_none_of_them() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-02T00:00:00Z")
            .expect("a time")
            .to_utc();
        let event = |email: &str| {
            let text = format!(
                r#"{{"id":"e-1","kind":"signup","member_id":"c-1","occurred_at":"2026-01-01T00:00:00Z","member":{{"email_hash":"{email}"}}}}"#
            );
            loyalty_rules::Event::parse(&text, now).expect("a valid event")
        };
        let (one, other) = (
            fingerprint(&event("aaaa1111")),
            fingerprint(&event("bbbb2222")),
        );
        assert_ne!(one, other);
        assert_eq!(one, fingerprint(&event("aaaa1111")));
        assert_eq!(one.len(), 64);
        assert!(!one.contains("aaaa1111") && !one.contains("c-1"));
    }

    #[test]
    fn sha256_matches_a_known_vector() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        assert_eq!(
            hmac_hex("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn customer_tokens_round_trip_and_refuse_forgeries() {
        let token = customer_token("c.42@x", 2_000, "s3cret");
        assert_eq!(
            verify_customer_token(&token, "s3cret", 1_000),
            Some("c.42@x")
        );
        assert_eq!(
            verify_customer_token(&token, "s3cret", 2_000),
            None,
            "expired"
        );
        assert_eq!(
            verify_customer_token(&token, "other", 1_000),
            None,
            "another shop"
        );
        let forged = token.replacen("c.42@x", "c.43@x", 1);
        assert_eq!(
            verify_customer_token(&forged, "s3cret", 1_000),
            None,
            "forged"
        );
        assert_eq!(verify_customer_token("garbage", "s3cret", 1_000), None);
    }

    #[test]
    fn signatures_hold_within_300_seconds_only() {
        let body = br#"{"id":"e1"}"#;
        let header = signature_header(body, "whsec", 10_000);
        assert!(verify_signature(&header, body, "whsec", 10_300));
        assert!(!verify_signature(&header, body, "whsec", 10_301), "stale");
        assert!(
            !verify_signature(&header, body, "other", 10_000),
            "wrong secret"
        );
        assert!(
            !verify_signature(&header, b"{}", "whsec", 10_000),
            "other body"
        );
        assert!(!verify_signature("v1=00", body, "whsec", 10_000), "no t");
    }

    #[test]
    fn times_have_one_spelling() {
        let mac = "0".repeat(64);
        for odd in [
            "+123",
            "0123",
            "-5",
            "12a",
            "",
            " 12",
            "99999999999999999999",
        ] {
            let token = format!("c-1.{odd}.{mac}");
            assert_eq!(parse_customer_token(&token), None, "{odd:?}");
        }
        assert_eq!(unix_seconds("0"), Some(0));
        assert_eq!(unix_seconds("4000000000"), Some(4_000_000_000));
        // A token whose expiry is respelled is refused, though its digits
        // mean the same time: the signed text is the one the merchant sent.
        let token = customer_token("c-1", 2_000, "s3cret");
        let respelled = token.replacen(".2000.", ".+2000.", 1);
        assert_eq!(verify_customer_token(&respelled, "s3cret", 1_000), None);
        let padded = token.replacen(".2000.", ".02000.", 1);
        assert_eq!(verify_customer_token(&padded, "s3cret", 1_000), None);
    }

    #[test]
    fn extreme_signature_times_are_refused_without_overflow() {
        let body = b"{}";
        for t in [i64::MIN, i64::MAX, -1] {
            let header = format!("t={t},v1={}", "0".repeat(64));
            assert!(!verify_signature(&header, body, "whsec", 10_000), "{t}");
            assert!(!verify_signature(&header, body, "whsec", i64::MIN), "{t}");
        }
        let header = signature_header(body, "whsec", i64::MAX);
        assert!(verify_signature(&header, body, "whsec", i64::MAX));
        assert!(!verify_signature(&header, body, "whsec", i64::MIN));
        let padded = signature_header(body, "whsec", 10_000).replacen("t=", "t=0", 1);
        assert!(!verify_signature(&padded, body, "whsec", 10_000));
    }

    #[test]
    fn bearer_takes_the_token() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(None), None);
    }
}
