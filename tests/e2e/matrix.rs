//! Every route of the route table with every kind of credential: the right
//! shop's, another shop's, expired, forged, and a signature replayed over
//! another body. Each answer is checked against what the table says the
//! route takes, so a route that takes a credential it should not (or
//! refuses one it should take) fails here.

use loyalty_edge::auth::{customer_token, signature_header};
use loyalty_edge::platforms::Platform;
use loyalty_edge::routes::{Access, CredentialKind, Op, ROUTES, RouteDef};
use serde_json::json;
use xtask::http::Answer;

use crate::world::{ADMIN, Shop, World, contract_program, order, raw};

/// A credential as sent, and the kind it is when it is valid for the shop.
struct Sent {
    name: &'static str,
    headers: Vec<(String, String)>,
    /// `Some(kind)` when this is a valid credential of the shop under test.
    valid: Option<CredentialKind>,
}

/// A body each route can take (the signature is made over it).
fn body_of(op: Op) -> Vec<u8> {
    let value = match op {
        Op::CreateShop => json!({"shop": format!("matrix-new-{}", std::process::id())}),
        Op::PutProgram => raw(&contract_program()),
        Op::Simulate => json!({"events": [order("mx-sim", "m-matrix", "o-sim", 1000)]}),
        Op::Events => raw(&order("mx-evt", "m-matrix", "o-evt", 1000)),
        Op::Adjust => json!({"id": "mx-adj", "points": 10, "reason": "matrix"}),
        Op::Consent => json!({"status": "enrolled"}),
        Op::WidgetRedeem => json!({"reward": "ship"}),
        Op::WidgetSpendCredit => json!({"amount_minor": 100}),
        Op::ConnectPlatform(_) => json!({"secret": "shpss_matrix"}),
        Op::PlatformHook(_) => json!({"id": 1, "created_at": "2026-01-01T00:00:00Z"}),
        Op::AddWebhook => {
            json!({"url": "https://hooks.example/matrix", "topics": ["points_earned"]})
        }
        _ => return Vec::new(),
    };
    value.to_string().into_bytes()
}

fn path_of(def: &RouteDef, shop: &str) -> String {
    def.path
        .replace("{shop}", shop)
        .replace("{member_id}", "m-matrix")
        .replace("{code}", "NOSUCHCODE")
        .replace("{webhook_id}", "wh_matrix")
        .replace("{delivery_id}", "1")
        .replace("{version}", "1")
}

fn credentials(shop: &Shop, other: &Shop, body: &[u8]) -> Vec<Sent> {
    let now = xtask::clock::unix_now();
    let bearer = |token: &str| vec![("authorization".to_owned(), format!("Bearer {token}"))];
    let signed = |header: String| vec![("loyalty-signature".to_owned(), header)];
    let platform = |platform: Platform, secret: &str| {
        vec![(
            platform.signature_header().to_owned(),
            platform.sign(secret, body),
        )]
    };
    let shopify = |secret: &str| platform(Platform::Shopify, secret);
    let far = now + 86_400;
    vec![
        Sent {
            name: "none",
            headers: Vec::new(),
            valid: None,
        },
        Sent {
            name: "platform admin token",
            headers: bearer(ADMIN),
            valid: Some(CredentialKind::Admin),
        },
        Sent {
            name: "the shop's API key",
            headers: bearer(&shop.api_key),
            valid: Some(CredentialKind::ApiKey),
        },
        Sent {
            name: "another shop's API key",
            headers: bearer(&other.api_key),
            valid: None,
        },
        Sent {
            name: "a forged API key",
            headers: bearer("sk_0123456789abcdef"),
            valid: None,
        },
        Sent {
            name: "the shop's signature",
            headers: signed(signature_header(body, &shop.webhook_secret, now)),
            valid: Some(CredentialKind::Signature),
        },
        Sent {
            name: "another shop's signature",
            headers: signed(signature_header(body, &other.webhook_secret, now)),
            valid: None,
        },
        Sent {
            name: "an expired signature",
            headers: signed(signature_header(body, &shop.webhook_secret, now - 400)),
            valid: None,
        },
        Sent {
            name: "a forged signature",
            headers: signed(signature_header(body, "whsec_forged", now)),
            valid: None,
        },
        Sent {
            name: "a signature replayed over another body",
            headers: signed(signature_header(
                b"{\"other\":1}",
                &shop.webhook_secret,
                now,
            )),
            valid: None,
        },
        Sent {
            name: "the shop's Shopify signature",
            headers: shopify(&platform_secret(shop, Platform::Shopify)),
            valid: Some(CredentialKind::PlatformSignature(Platform::Shopify)),
        },
        Sent {
            name: "the shop's WooCommerce signature",
            headers: platform(
                Platform::WooCommerce,
                &platform_secret(shop, Platform::WooCommerce),
            ),
            valid: Some(CredentialKind::PlatformSignature(Platform::WooCommerce)),
        },
        Sent {
            name: "the shop's Shopware signature",
            headers: platform(
                Platform::Shopware,
                &platform_secret(shop, Platform::Shopware),
            ),
            valid: Some(CredentialKind::PlatformSignature(Platform::Shopware)),
        },
        Sent {
            name: "another shop's Shopify signature",
            headers: shopify(&platform_secret(other, Platform::Shopify)),
            valid: None,
        },
        Sent {
            name: "a forged Shopify signature",
            headers: shopify("shpss_forged"),
            valid: None,
        },
        Sent {
            name: "the shop's customer token",
            headers: bearer(&customer_token("m-matrix", far, &shop.widget_secret)),
            valid: Some(CredentialKind::CustomerToken),
        },
        Sent {
            name: "an expired customer token",
            headers: bearer(&customer_token("m-matrix", now - 10, &shop.widget_secret)),
            valid: None,
        },
        Sent {
            name: "a forged customer token",
            headers: bearer(&customer_token("m-matrix", far, "wsec_forged")),
            valid: None,
        },
        Sent {
            name: "another shop's customer token",
            headers: bearer(&customer_token("m-matrix", far, &other.widget_secret)),
            valid: None,
        },
    ]
}

/// The secret each shop of this case connects for `platform`.
fn platform_secret(shop: &Shop, platform: Platform) -> String {
    format!("{}_{}", platform.name(), shop.name)
}

/// Connects every platform's webhooks with the shop's own secrets.
fn connect_platforms(shop: &Shop) {
    for platform in Platform::ALL {
        let body = json!({"secret": platform_secret(shop, platform)}).to_string();
        let path = format!("/v1/shops/{{shop}}/platforms/{}", platform.name());
        let answer = shop.merchant("PUT", &path, body.as_bytes());
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
}

/// Sends one request; a 429 (the per-IP window of guests, shared with the
/// other cases) is waited out and sent again.
fn send(world: &World, def: &RouteDef, path: &str, sent: &Sent, body: &[u8]) -> Answer {
    let mut headers: Vec<(&str, &str)> = vec![("content-type", "application/json")];
    headers.extend(sent.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    if matches!(def.op, Op::WidgetRedeem | Op::WidgetSpendCredit) {
        headers.push(("idempotency-key", "matrix-1"));
    }
    for _ in 0..3 {
        let answer = world.call(def.method, path, &headers, body);
        if answer.status != 429 {
            return answer;
        }
        let wait: u64 = answer
            .header("retry-after")
            .and_then(|r| r.parse().ok())
            .unwrap_or(5);
        std::thread::sleep(std::time::Duration::from_secs(wait.min(61)));
    }
    panic!("{} {path}: still 429", def.method);
}

pub fn routes_by_credentials(world: &mut World) {
    let other = world.shop(&contract_program());
    connect_platforms(&other);
    let mut checked = 0;
    for def in ROUTES
        .iter()
        .filter(|d| d.access != Access::Dev && d.method != "HEAD")
    {
        // A shop of its own for every route, and for each credential of a
        // route that changes the keys, so no answer depends on another.
        let mut shop = world.shop(&contract_program());
        connect_platforms(&shop);
        let body = body_of(def.op);
        let count = credentials(&shop, &other, &body).len();
        for n in 0..count {
            if matches!(
                def.op,
                Op::RotateKeys | Op::ConnectPlatform(_) | Op::DisconnectPlatform(_)
            ) && n > 0
            {
                shop = world.shop(&contract_program());
                connect_platforms(&shop);
            }
            let sent = credentials(&shop, &other, &body).swap_remove(n);
            let path = path_of(def, &shop.name);
            let answer = send(world, def, &path, &sent, &body);
            let what = format!(
                "{} {} with {}: {} {}",
                def.method, def.path, sent.name, answer.status, answer.body
            );
            let taken = sent.valid.is_some_and(|kind| def.access.takes(kind));
            if def.access.open() || taken {
                assert!(
                    answer.status != 401 && answer.status != 403,
                    "should be taken: {what}"
                );
            } else {
                assert_eq!(answer.status, 401, "should be refused: {what}");
                assert_eq!(answer.json()["code"], "unauthorized", "{what}");
            }
            if def.access == Access::ShopperOrGuest {
                // The program view answers everyone; only a valid token signs in.
                assert_eq!(answer.status, 200, "{what}");
                let signed_in = sent.valid == Some(CredentialKind::CustomerToken);
                assert_eq!(answer.json()["signed_in"], signed_in, "{what}");
            }
            checked += 1;
        }
    }
    // 46 documented routes without HEAD, 19 credentials each.
    assert_eq!(checked, 46 * 19);
}
