//! Platform adapters: a shop platform's own webhooks (as it sends them,
//! signed its own way) turned into this API's events. Pure: the signature
//! check and the mapping are tested natively with the platforms' published
//! payloads (`tests/fixtures/platforms`).
//!
//! Invariant: an adapter makes an event id from what the platform's
//! retries repeat (the order's, refund's or customer's own id and what
//! happened to it), never from the delivery, so every delivery of one
//! happening meets one claim and credits once; and it builds the event as
//! JSON for the one event parser, so a platform's event is checked exactly
//! as a merchant's.

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use loyalty_rules::Problem;

pub mod shopify;
pub mod shopware;
pub mod woocommerce;

/// A platform the worker takes webhooks from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    Shopify,
    WooCommerce,
    Shopware,
}

/// How a platform writes its signature's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Base64,
    Hex,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::Shopify, Platform::WooCommerce, Platform::Shopware];

    /// Its name in paths and in the shop's connections.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Shopify => "shopify",
            Platform::WooCommerce => "woocommerce",
            Platform::Shopware => "shopware",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The header that carries the signature.
    pub fn signature_header(self) -> &'static str {
        match self {
            Platform::Shopify => "x-shopify-hmac-sha256",
            Platform::WooCommerce => "x-wc-webhook-signature",
            Platform::Shopware => "shopware-shop-signature",
        }
    }

    /// The header that names what happened (Shopware names it in the
    /// body's `data.event` instead).
    pub fn topic_header(self) -> Option<&'static str> {
        match self {
            Platform::Shopify => Some("x-shopify-topic"),
            Platform::WooCommerce => Some("x-wc-webhook-topic"),
            Platform::Shopware => None,
        }
    }

    /// What happened, from the topic header's value and the body.
    pub fn topic(self, header: Option<&str>, body: &Value) -> String {
        match self {
            Platform::Shopware => shopware::topic(body),
            _ => header.unwrap_or_default().to_owned(),
        }
    }

    /// The signature's encoding: Shopify and WooCommerce send base64,
    /// Shopware lower-case hex, each of the HMAC-SHA256 of the raw body.
    fn encoding(self) -> Encoding {
        match self {
            Platform::Shopify | Platform::WooCommerce => Encoding::Base64,
            Platform::Shopware => Encoding::Hex,
        }
    }

    /// Whether `signature` is the platform's signature of `body` with the
    /// shop's `secret` for it, compared in constant time.
    pub fn verify(self, secret: &str, body: &[u8], signature: &str) -> bool {
        if self.encoding() == Encoding::Hex {
            let expected = crate::auth::hmac_hex(secret, body);
            return crate::auth::same_secret(&expected, &signature.trim().to_ascii_lowercase());
        }
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
            return false;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(body);
        mac.verify_slice(&decoded).is_ok()
    }

    /// The signature the platform would send (for tests and the dev tools).
    pub fn sign(self, secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(body);
        let bytes = mac.finalize().into_bytes();
        match self.encoding() {
            Encoding::Base64 => base64::engine::general_purpose::STANDARD.encode(bytes),
            Encoding::Hex => crate::auth::hex(&bytes),
        }
    }

    /// Whether the platform sends unsigned pings this body could be:
    /// WooCommerce, on saving a webhook, POSTs the form `webhook_id=<id>`
    /// without a signature and keeps the webhook only if it hears 200.
    pub fn pings_unsigned(self) -> bool {
        self == Platform::WooCommerce
    }

    /// Whether `body` is such a ping.
    pub fn is_ping(self, body: &[u8]) -> bool {
        self.pings_unsigned()
            && body.strip_prefix(b"webhook_id=").is_some_and(|id| {
                !id.is_empty() && id.len() <= 20 && id.iter().all(u8::is_ascii_digit)
            })
    }

    /// What a webhook of `topic` asks for.
    pub fn read(self, topic: &str, body: &Value) -> Result<Hook, Vec<Problem>> {
        match self {
            Platform::Shopify => shopify::read(topic, body),
            Platform::WooCommerce => woocommerce::read(topic, body),
            Platform::Shopware => shopware::read(topic, body),
        }
    }
}

/// What a platform's webhook comes to.
#[derive(Clone, Debug, PartialEq)]
pub enum Hook {
    /// Events for the one event parser and the exactly-once path, and the
    /// discount codes the order used (some may be this API's reward codes,
    /// which the order then spends).
    Events {
        events: Vec<Value>,
        codes: Vec<String>,
    },
    /// A refund: the event lacks whose order it is (the platform's refund
    /// names only the order); the worker finds the order's owner in its
    /// index of platform orders and fills in `member_id` (or, for a
    /// guest's order, `member.email_hash`).
    Refund { order_id: String, event: Value },
    /// A privacy request about one customer (Shopify's mandatory
    /// `customers/redact` and `customers/data_request`): the member by the
    /// platform's customer id, and the orders held under their email's
    /// hash (a guest's checkouts).
    Privacy {
        request: PrivacyRequest,
        member_id: Option<String>,
        email_hash: Option<String>,
    },
    /// Every customer of the shop is to be erased (Shopify's `shop/redact`,
    /// sent 48 hours after the app was uninstalled).
    ShopRedact,
    /// A topic this API takes no action on: acknowledged, nothing recorded.
    Ignored,
}

/// What a platform's privacy webhook asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivacyRequest {
    /// Erase the customer: everything of them, as `DELETE …/members/{id}`.
    Erase,
    /// The merchant is to be given what is held about the customer.
    Export,
}

/// What a member's signup carries of their e-mail: its SHA-256 (the
/// contract's `email_hash`) and its MD5 (Mailchimp's name for the
/// contact), both of the trimmed, lower-cased address; never the address.
pub(crate) fn email_facts(email: &str) -> Value {
    use md5::{Digest, Md5};
    let normal = email.trim().to_lowercase();
    serde_json::json!({
        "email_hash": crate::auth::sha256_hex(&normal),
        "email_md5": crate::auth::hex(&Md5::digest(normal.as_bytes())),
    })
}

/// A platform's new customer as a `signup` event: `<platform>.customer.<id>.created`
/// (every delivery of it the same), with the e-mail's facts when it has one.
pub(crate) fn signup(platform: Platform, id: &str, at: &str, email: Option<&str>) -> Value {
    let mut event = serde_json::json!({
        "id": format!("{}.customer.{id}.created", platform.name()),
        "kind": "signup",
        "member_id": id,
        "occurred_at": at,
    });
    if let Some(email) = email.filter(|e| e.contains('@')) {
        event["member"] = email_facts(email);
    }
    event
}

/// A published payload of `tests/fixtures/platforms`.
#[cfg(test)]
pub(crate) fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../tests/fixtures/platforms/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("the fixture"))
        .expect("the fixture's JSON")
}

/// A problem at a path of the platform's payload.
pub(crate) fn problem(path: &str, message: &str) -> Problem {
    Problem {
        path: path.to_owned(),
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of Shopify's own library (shopify-app-js,
    /// `validate-hmac` tests): body `{"foo": "bar"}`, secret
    /// `test_secret_key`.
    /// WooCommerce's own test (`test_generate_signature`): the payload
    /// `secret` under a new webhook's empty secret; and Shopware's SDK
    /// test (`testAuthenticatePostValid`): body `body`, secret `secret`,
    /// hex.
    #[test]
    fn woocommerce_and_shopware_signatures_match_their_own_test_vectors() {
        let woo = "GBDo00G55h6IiV+6CxqivQPLbI//KzaOZm747971tPs=";
        assert_eq!(Platform::WooCommerce.sign("", b"secret"), woo);
        assert!(Platform::WooCommerce.verify("", b"secret", woo));
        assert!(!Platform::WooCommerce.verify("x", b"secret", woo));
        let shopware = "dc46983557fea127b43af721467eb9b3fde2338fe3e14f51952aa8478c13d355";
        assert_eq!(Platform::Shopware.sign("secret", b"body"), shopware);
        assert!(Platform::Shopware.verify("secret", b"body", shopware));
        assert!(Platform::Shopware.verify("secret", b"body", &shopware.to_uppercase()));
        assert!(!Platform::Shopware.verify("secret", b"body", "fake"));
        assert!(!Platform::Shopware.verify("secret", b"body!", shopware));
    }

    /// Mailchimp's own example: the MD5 of
    /// `urist.mcvankab@freddiesjokes.com` (lower-cased from
    /// `Urist.McVankab@freddiesjokes.com`).
    #[test]
    fn email_facts_match_mailchimps_subscriber_hash() {
        let facts = email_facts(" Urist.McVankab@freddiesjokes.com ");
        assert_eq!(facts["email_md5"], "62eeb292278cc15f5817cb78f7790b08");
        assert_eq!(
            facts["email_hash"],
            crate::auth::sha256_hex("urist.mcvankab@freddiesjokes.com")
        );
    }

    #[test]
    fn only_woocommerce_pings_unsigned() {
        assert!(Platform::WooCommerce.is_ping(b"webhook_id=42"));
        assert!(!Platform::WooCommerce.is_ping(b"webhook_id="));
        assert!(!Platform::WooCommerce.is_ping(b"webhook_id=4&x=1"));
        assert!(!Platform::WooCommerce.is_ping(b"{}"));
        assert!(!Platform::Shopify.is_ping(b"webhook_id=42"));
    }

    #[test]
    fn shopify_signatures_match_shopifys_own_test_vector() {
        let body = br#"{"foo": "bar"}"#;
        let expected = "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=";
        assert_eq!(Platform::Shopify.sign("test_secret_key", body), expected);
        assert!(Platform::Shopify.verify("test_secret_key", body, expected));
        assert!(!Platform::Shopify.verify("another_secret", body, expected));
        assert!(!Platform::Shopify.verify("test_secret_key", br#"{"foo": "baz"}"#, expected));
        assert!(!Platform::Shopify.verify("test_secret_key", body, "not base64!"));
        assert!(!Platform::Shopify.verify("test_secret_key", body, ""));
    }
}
