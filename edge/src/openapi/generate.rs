//! Builds the API document from the route table and [`super::operations`]:
//! paths, methods and security from the table, everything else from the
//! types (their JSON Schema, derived by schemars) and the operations' prose.

use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::operations::{Operation, describe, of};
use crate::error::AppError;
use crate::routes::{Access, ROUTES, RouteDef};

/// What each problem status means, for every operation that answers it.
const PROBLEMS: &[(u16, &str)] = &[
    (
        400,
        "Malformed request: not JSON, a bad query parameter or a missing header",
    ),
    (401, "Not authenticated"),
    (404, "Not found"),
    (409, "Conflict with what is stored"),
    (413, "Body over 256 KiB"),
    (422, "Invalid input, every problem with its JSON path"),
    (429, "Rate limited; `Retry-After` says when to try again"),
];

/// The path parameters: description and example.
const PATH_PARAMETERS: &[(&str, &str, &str)] = &[
    ("shop", "The shop's id", "demo"),
    (
        "member_id",
        "The member's id (the shop's customer id)",
        "c-42",
    ),
    ("code", "A reward or referral code", "R7K2-9QXM"),
    (
        "webhook_id",
        "An outbound webhook's id",
        "wh_3f9a1c2b7d4e5f60",
    ),
    ("delivery_id", "A dead delivery's id", "42"),
    ("version", "A saved version of the program (1, 2, …)", "3"),
];

/// The generated document, as the committed `edge/api/openapi.json` holds it.
pub fn document() -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "#/components/schemas/".into();
            s.meta_schema = None;
        })
        .into_generator();
    let mut paths = Map::new();
    for def in ROUTES.iter().filter(|r| r.documented()) {
        let operation = operation(def, &describe(def.op), &mut generator);
        let item = paths
            .entry(def.path.to_owned())
            .or_insert_with(|| json!({}));
        item[def.method.to_ascii_lowercase()] = operation;
    }
    let webhooks = outbound(&mut generator);
    // Every answer that is not a success is a problem document.
    of::<AppError>(&mut generator);
    let schemas = generator.take_definitions(true);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Loyalty API",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Points, tiers, rewards and referrals for online shops.",
            "description": "The merchant's and the widget's API of the loyalty edge worker. \
                Money is integer minor units with an ISO 4217 currency, points are integers, \
                multipliers are basis points (10000 = 1.0x), times are RFC 3339. \
                Every error is an RFC 9457 problem document with a stable `code`; \
                a refused body lists every problem with its JSON path and changes nothing.",
            "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"},
        },
        "servers": [{"url": "/", "description": "This worker"}],
        "tags": [
            {"name": "Platform", "description": "The deployment's admin: shops and their secrets."},
            {"name": "Merchant", "description": "The shop's server: program, events, members, codes, analytics."},
            {"name": "Widget", "description": "The shopper's browser, from the shop's pages."},
            {"name": "Public", "description": "Anyone: health, this document, referral links."},
            {"name": "Platforms", "description": "Shop platforms' own webhooks (Shopify, WooCommerce, Shopware), signed their way."},
            {"name": "Outbound", "description": "What this API sends to the shop's subscribed URLs."},
        ],
        "paths": paths,
        "webhooks": webhooks,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer",
                           "description": "The shop's `api_key`."},
                "admin": {"type": "http", "scheme": "bearer",
                          "description": "The deployment's `ADMIN_TOKEN`."},
                "customerToken": {"type": "http", "scheme": "bearer",
                    "description": "`<member_id>.<expires_unix>.<hex HMAC-SHA256(widget_secret, \"<member_id>.<expires_unix>\")>`, made by the shop's server for a signed-in shopper."},
                "webhookSignature": {"type": "apiKey", "in": "header", "name": "Loyalty-Signature",
                    "description": "`t=<unix>,v1=<hex HMAC-SHA256(webhook_secret, \"<t>.<body>\")>`, within 5 minutes of the worker's clock."},
                "shopifyHmac": {"type": "apiKey", "in": "header", "name": "X-Shopify-Hmac-Sha256",
                    "description": "Shopify's own signature: base64 of the HMAC-SHA256 of the raw body, keyed by the secret connected with `PUT /v1/shops/{shop}/platforms/shopify`."},
                "wooCommerceSignature": {"type": "apiKey", "in": "header", "name": "X-WC-Webhook-Signature",
                    "description": "WooCommerce's own signature: base64 of the HMAC-SHA256 of the raw body, keyed by the webhook's secret connected with `PUT /v1/shops/{shop}/platforms/woocommerce`."},
                "shopwareSignature": {"type": "apiKey", "in": "header", "name": "shopware-shop-signature",
                    "description": "Shopware's own signature: lower-case hex of the HMAC-SHA256 of the raw body, keyed by the shop secret connected with `PUT /v1/shops/{shop}/platforms/shopware`."},
            },
        },
    })
}

/// The outbound events, one webhook per topic: what `POST
/// /v1/shops/{shop}/webhooks` subscriptions receive.
fn outbound(generator: &mut SchemaGenerator) -> Value {
    let event = of::<crate::bodies::OutboundEvent>(generator);
    let mut webhooks = Map::new();
    for topic in loyalty_rules::notice::Topic::ALL {
        let name = topic.name();
        let headers = [
            (
                "Loyalty-Signature",
                "`t=<unix>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>` with the webhook's secret: check it, and that `t` is recent.",
            ),
            (
                "Loyalty-Event-Id",
                "The event's id, the same in every delivery of it: deduplicate on it.",
            ),
            ("Loyalty-Topic", "The topic, as in the body."),
            ("Loyalty-Attempt", "1 for the first try, then 2, 3 …"),
        ];
        let parameters: Vec<Value> = headers
            .iter()
            .map(|(header, description)| {
                json!({"name": header, "in": "header", "required": true,
                       "description": description, "schema": {"type": "string"}})
            })
            .collect();
        webhooks.insert(
            name.to_owned(),
            json!({"post": {
                "operationId": format!("{}Event", name.replace('_', "-")),
                "summary": format!("`{name}`, sent to the shop's subscribed URLs"),
                "tags": ["Outbound"],
                "parameters": parameters,
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "allOf": [event.clone(),
                              {"properties": {"topic": {"const": name}}}]}}}},
                "responses": {
                    "2XX": {"description": "Delivered: not sent again"},
                    "default": {"description": "Not delivered: tried again later, then a dead letter"},
                },
            }}),
        );
    }
    Value::Object(webhooks)
}

fn tag(access: Access) -> &'static str {
    match access {
        Access::Admin => "Platform",
        Access::Merchant | Access::MerchantOrAdmin | Access::MerchantOrSigned => "Merchant",
        Access::Shopper | Access::ShopperOrGuest => "Widget",
        Access::Anyone | Access::Dev => "Public",
        Access::Platform(_) => "Platforms",
    }
}

fn operation(def: &RouteDef, op: &Operation, generator: &mut SchemaGenerator) -> Value {
    let mut parameters = Vec::new();
    for segment in def.path.split('/') {
        let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            continue;
        };
        let (_, description, example) = PATH_PARAMETERS
            .iter()
            .find(|(n, _, _)| *n == name)
            .unwrap_or_else(|| panic!("path parameter {name} is not described"));
        parameters.push(json!({
            "name": name, "in": "path", "required": true, "description": description,
            "schema": of::<loyalty_rules::Id>(generator), "example": example,
        }));
    }
    if let Some(query) = op.query {
        // The query type's members, one parameter each.
        let schema = query(generator);
        let schema = resolve(generator, schema.as_value());
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            let mut property = property.clone();
            let description = property
                .as_object_mut()
                .and_then(|p| p.remove("description"));
            let mut parameter = json!({"name": name, "in": "query", "schema": property});
            if let Some(description) = description {
                parameter["description"] = description;
            }
            parameters.push(parameter);
        }
    }
    if op.idempotency_key {
        parameters.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": true,
            "description": "1 to 128 characters; a retry with the same key is answered as the first time.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 128},
            "example": "redeem-5f1c",
        }));
    }

    let mut responses = Map::new();
    for (status, description, schema) in op.answers {
        let mut answer = json!({"description": description});
        if let Some(schema) = schema {
            answer["content"] = json!({"application/json": {"schema": schema(generator)}});
        } else if *status == 200 {
            answer["content"] = json!({"application/json": {"schema": {"type": "object"}}});
        }
        if *status == 302 {
            answer["headers"] = json!({"Location": {"schema": {"type": "string"},
                                                    "description": "The shop's page"}});
        }
        responses.insert(status.to_string(), answer);
    }
    let mut problems: Vec<u16> = op.problems.to_vec();
    if op.body.is_some() {
        problems.extend([400, 413, 422]);
    }
    if !def.access.open() {
        problems.push(401);
    }
    if matches!(def.access, Access::Shopper | Access::ShopperOrGuest) {
        problems.push(429);
    }
    problems.sort_unstable();
    problems.dedup();
    let problem = of::<AppError>(generator);
    for status in problems {
        let (_, description) = PROBLEMS
            .iter()
            .find(|(s, _)| *s == status)
            .unwrap_or_else(|| panic!("problem status {status} is not described"));
        let mut answer = json!({"description": description,
            "content": {"application/problem+json": {"schema": problem}}});
        if status == 429 {
            answer["headers"] = json!({"Retry-After": {"schema": {"type": "integer"},
                "description": "Seconds to wait"}});
        }
        responses.insert(status.to_string(), answer);
    }
    responses.insert(
        "default".into(),
        json!({"description": "Any other answer is an RFC 9457 problem document with a stable `code`",
               "content": {"application/problem+json": {"schema": problem}}}),
    );

    let security: Vec<Value> = def
        .access
        .security()
        .iter()
        .map(|alternative| {
            Value::Object(
                alternative
                    .iter()
                    .map(|scheme| ((*scheme).to_owned(), json!([])))
                    .collect(),
            )
        })
        .collect();
    let mut operation = json!({
        "operationId": op.id,
        "summary": op.summary,
        "description": op.description,
        "tags": [tag(def.access)],
        "parameters": parameters,
        "responses": responses,
        "security": security,
    });
    if let Some((schema, example)) = op.body {
        operation["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": schema(generator), "example": example()}},
        });
    }
    operation
}

/// The schema itself when `schema` is a reference to a component.
fn resolve(generator: &SchemaGenerator, schema: &Value) -> Value {
    let name = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"));
    match name {
        Some(name) => generator.definitions()[name].clone(),
        None => schema.clone(),
    }
}
