//! Shopify's webhooks: `orders/paid`, `orders/cancelled`, `refunds/create`
//! and `customers/create` as this API's events, and the mandatory privacy
//! topics `customers/redact`, `customers/data_request` and `shop/redact`.
//!
//! Money is the shop's (`*_set.shop_money`), in minor units of its
//! currency; the customer's id is the member id; an order without a
//! customer is a guest's, by the SHA-256 of its trimmed, lower-cased email.

use serde_json::{Map, Value, json};

use loyalty_rules::Problem;
use loyalty_rules::currency::{minor_digits, parse_decimal};

use super::{Hook, PrivacyRequest, problem};

/// What a Shopify webhook of `topic` comes to.
pub fn read(topic: &str, body: &Value) -> Result<Hook, Vec<Problem>> {
    let Some(payload) = body.as_object() else {
        return Err(vec![problem("$", "must be a JSON object")]);
    };
    let one = |event| Hook::Events {
        events: vec![event],
        codes: Vec::new(),
    };
    match topic {
        "orders/paid" => order(payload, "order_paid", "paid").map(|event| Hook::Events {
            events: vec![event],
            codes: discount_codes(payload),
        }),
        "orders/cancelled" => order(payload, "order_cancelled", "cancelled").map(one),
        "customers/create" => customer(payload).map(one),
        "refunds/create" => refund(payload),
        "customers/redact" => privacy(payload, PrivacyRequest::Erase),
        "customers/data_request" => privacy(payload, PrivacyRequest::Export),
        "shop/redact" => Ok(Hook::ShopRedact),
        _ => Ok(Hook::Ignored),
    }
}

/// The codes entered at Shopify's checkout (`discount_codes[].code`).
fn discount_codes(order: &Map<String, Value>) -> Vec<String> {
    order
        .get("discount_codes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| d.get("code").and_then(Value::as_str))
        .filter(|c| !c.is_empty() && c.len() <= 128)
        .map(str::to_owned)
        .collect()
}

/// Collects problems while reading one payload.
#[derive(Default)]
struct Reader {
    problems: Vec<Problem>,
}

impl Reader {
    fn missing(&mut self, path: &str, what: &str) {
        self.problems.push(problem(path, what));
    }

    /// A Shopify id (a number in webhooks' JSON) as text.
    fn id(&mut self, map: &Map<String, Value>, key: &str, path: &str) -> Option<String> {
        match map.get(key) {
            Some(Value::Number(n)) if n.as_u64().is_some() => Some(n.to_string()),
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => {
                self.missing(&format!("{path}.{key}"), "is required: the Shopify id");
                None
            }
        }
    }

    /// An RFC 3339 moment, as UTC text.
    fn moment(&mut self, map: &Map<String, Value>, keys: &[&str]) -> Option<String> {
        let found = keys
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_str).map(|t| (*k, t)));
        match found
            .and_then(|(_, t)| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc).to_rfc3339())
        {
            Some(at) => Some(at),
            None => {
                let key = found.map_or(keys[0], |(k, _)| k);
                self.missing(&format!("$.{key}"), "is required: an RFC 3339 time");
                None
            }
        }
    }

    /// A money set's shop amount: `(currency, minor units)`.
    fn shop_money(&mut self, set: Option<&Value>, path: &str) -> Option<(String, i64)> {
        let money = set.and_then(|s| s.get("shop_money"));
        let currency = money
            .and_then(|m| m.get("currency_code"))
            .and_then(Value::as_str)
            .filter(|c| c.len() == 3);
        let amount = money.and_then(|m| m.get("amount")).and_then(Value::as_str);
        match (currency, amount) {
            (Some(currency), Some(amount)) => match parse_decimal(amount, minor_digits(currency)) {
                Some(minor) => Some((currency.to_owned(), minor)),
                None => {
                    self.missing(
                        &format!("{path}.shop_money.amount"),
                        &format!("must be a decimal amount in {currency}"),
                    );
                    None
                }
            },
            _ => {
                self.missing(
                    &format!("{path}.shop_money"),
                    "is required: the amount and currency_code in the shop's money",
                );
                None
            }
        }
    }
}

/// The SHA-256 of a trimmed, lower-cased e-mail address (the contract's
/// `email_hash`).
fn email_hash(email: &str) -> String {
    crate::auth::sha256_hex(&email.trim().to_lowercase())
}

/// Whose order it is: the customer's id, else a guest's email hash.
fn buyer(reader: &mut Reader, order: &Map<String, Value>) -> Option<(Option<String>, String)> {
    let customer = order.get("customer").and_then(Value::as_object);
    let email = customer
        .and_then(|c| c.get("email"))
        .or_else(|| order.get("email"))
        .or_else(|| order.get("contact_email"))
        .and_then(Value::as_str)
        .filter(|e| e.contains('@'));
    let id = customer.and_then(|c| match c.get("id") {
        Some(Value::Number(n)) if n.as_u64().is_some() => Some(n.to_string()),
        _ => None,
    });
    match (id, email) {
        (Some(id), email) => Some((Some(id), email.map(email_hash).unwrap_or_default())),
        (None, Some(email)) => Some((None, email_hash(email))),
        (None, None) => {
            reader.missing(
                "$.customer",
                "is required: the order's customer (its id), or an email for a guest's order",
            );
            None
        }
    }
}

/// `orders/paid` or `orders/cancelled`.
fn order(order: &Map<String, Value>, kind: &str, what: &str) -> Result<Value, Vec<Problem>> {
    let mut reader = Reader::default();
    let id = reader.id(order, "id", "$");
    let at = if what == "cancelled" {
        reader.moment(order, &["cancelled_at", "updated_at"])
    } else {
        reader.moment(order, &["processed_at", "created_at"])
    };
    let buyer = buyer(&mut reader, order);
    let subtotal = reader.shop_money(
        order
            .get("current_subtotal_price_set")
            .or_else(|| order.get("subtotal_price_set")),
        "$.current_subtotal_price_set",
    );
    let lines = if kind == "order_paid" {
        lines(
            &mut reader,
            order,
            subtotal.as_ref().map(|(c, _)| c.as_str()),
        )
    } else {
        Vec::new()
    };
    let (Some(id), Some(at), Some((member, hash)), Some((currency, subtotal))) =
        (id, at, buyer, subtotal)
    else {
        return Err(reader.problems);
    };
    if !reader.problems.is_empty() {
        return Err(reader.problems);
    }
    let mut event = json!({
        "id": format!("shopify.order.{id}.{what}"),
        "kind": kind,
        "occurred_at": at,
        "order": {"order_id": format!("shopify.{id}")},
    });
    if kind == "order_paid" {
        event["order"]["currency"] = json!(currency);
        event["order"]["subtotal_minor"] = json!(subtotal);
        if let Some(channel) = order
            .get("source_name")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty() && c.len() <= 64)
        {
            event["order"]["channel"] = json!(channel);
        }
        if !lines.is_empty() {
            event["order"]["lines"] = Value::Array(lines);
        }
    }
    match member {
        Some(member) => {
            event["member_id"] = json!(member);
            if !hash.is_empty() {
                event["member"] = json!({"email_hash": hash});
            }
        }
        None => event["member"] = json!({"email_hash": hash}),
    }
    Ok(event)
}

/// The order's lines in the shop's money: each line's price less its share
/// of the order's discounts (`discount_allocations`), per unit, rounded
/// down, so the lines never count for more than was paid.
fn lines(reader: &mut Reader, order: &Map<String, Value>, currency: Option<&str>) -> Vec<Value> {
    let Some(items) = order.get("line_items").and_then(Value::as_array) else {
        return Vec::new();
    };
    let digits = minor_digits(currency.unwrap_or("USD"));
    let mut lines = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let path = format!("$.line_items[{n}]");
        let Some(qty) = item
            .get("quantity")
            .and_then(Value::as_i64)
            .filter(|q| *q > 0)
        else {
            continue;
        };
        let Some((_, price)) =
            reader.shop_money(item.get("price_set"), &format!("{path}.price_set"))
        else {
            continue;
        };
        let discount: i64 = item
            .get("discount_allocations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|d| {
                d.get("amount_set")
                    .and_then(|s| s.get("shop_money"))
                    .and_then(|m| m.get("amount"))
                    .and_then(Value::as_str)
                    .and_then(|a| parse_decimal(a, digits))
            })
            .sum();
        let unit = (price.saturating_mul(qty).saturating_sub(discount)).max(0) / qty;
        let mut line = json!({"qty": qty, "unit_price_minor": unit});
        let sku = item
            .get("sku")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .or_else(|| {
                item.get("variant_id")
                    .and_then(Value::as_u64)
                    .map(|v| v.to_string())
            });
        if let Some(sku) = sku.filter(|s| s.len() <= 128) {
            line["sku"] = json!(sku);
        }
        if let Some(kind) = item
            .get("product_type")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty() && t.len() <= 128)
        {
            line["category"] = json!(kind);
        }
        lines.push(line);
    }
    lines
}

/// `refunds/create`: an `order_refunded` of the refunded lines' shop-money
/// subtotals (tax and shipping give no points, so their refunds take none
/// back), whose owner the worker fills in.
fn refund(refund: &Map<String, Value>) -> Result<Hook, Vec<Problem>> {
    let mut reader = Reader::default();
    let id = reader.id(refund, "id", "$");
    let order = reader.id(refund, "order_id", "$");
    let at = reader.moment(refund, &["processed_at", "created_at"]);
    let mut amount: i64 = 0;
    let mut currency = None;
    if let Some(items) = refund.get("refund_line_items").and_then(Value::as_array) {
        for (n, item) in items.iter().enumerate() {
            let path = format!("$.refund_line_items[{n}].subtotal_set");
            if let Some((code, minor)) = reader.shop_money(item.get("subtotal_set"), &path) {
                amount = amount.saturating_add(minor);
                currency.get_or_insert(code);
            }
        }
    }
    let (Some(id), Some(order), Some(at)) = (id, order, at) else {
        return Err(reader.problems);
    };
    if !reader.problems.is_empty() {
        return Err(reader.problems);
    }
    let mut event = json!({
        "id": format!("shopify.refund.{id}"),
        "kind": "order_refunded",
        "occurred_at": at,
        "order": {"order_id": format!("shopify.{order}"), "refund_minor": amount},
    });
    if let Some(currency) = currency {
        event["order"]["currency"] = json!(currency);
    }
    Ok(Hook::Refund {
        order_id: format!("shopify.{order}"),
        event,
    })
}

/// `customers/redact` or `customers/data_request`: about `customer.id`
/// (the member id) and `customer.email` (a guest's held orders); one of
/// them is required.
fn privacy(payload: &Map<String, Value>, request: PrivacyRequest) -> Result<Hook, Vec<Problem>> {
    let customer = payload.get("customer").and_then(Value::as_object);
    let member_id = customer.and_then(|c| match c.get("id") {
        Some(Value::Number(n)) if n.as_u64().is_some() => Some(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    });
    let email_hash = customer
        .and_then(|c| c.get("email"))
        .and_then(Value::as_str)
        .filter(|e| e.contains('@'))
        .map(email_hash);
    if member_id.is_none() && email_hash.is_none() {
        return Err(vec![problem(
            "$.customer",
            "is required: the customer's id or email",
        )]);
    }
    Ok(Hook::Privacy {
        request,
        member_id,
        email_hash,
    })
}

/// `customers/create`: the member's signup.
fn customer(customer: &Map<String, Value>) -> Result<Value, Vec<Problem>> {
    let mut reader = Reader::default();
    let id = reader.id(customer, "id", "$");
    let at = reader.moment(customer, &["created_at"]);
    let (Some(id), Some(at)) = (id, at) else {
        return Err(reader.problems);
    };
    let email = customer.get("email").and_then(Value::as_str);
    Ok(super::signup(super::Platform::Shopify, &id, &at, email))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::fixture;
    use loyalty_rules::event::Incoming;

    fn one(topic: &str, body: &Value) -> Value {
        match read(topic, body).unwrap() {
            Hook::Events { mut events, .. } => events.remove(0),
            Hook::Refund { event, .. } => event,
            other => panic!("{topic}: {other:?}"),
        }
    }

    fn now() -> chrono::DateTime<chrono::Utc> {
        "2026-12-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn shopifys_published_paid_order_is_an_order_paid_event() {
        let event = one("orders/paid", &fixture("shopify-orders-paid.json"));
        // The published order: 181.09 USD of shop money, after the FAKE30
        // discount (17.91) on the one line of 199.00: 199.00 - 17.91 =
        // 181.09 for the line too.
        assert_eq!(
            event,
            json!({
                "id": "shopify.order.1073459981.paid",
                "kind": "order_paid",
                "member_id": "1073339475",
                "member": {"email_hash": crate::auth::sha256_hex("jane@example.com")},
                "occurred_at": "2025-04-02T16:31:38+00:00",
                "order": {"order_id": "shopify.1073459981", "currency": "USD",
                          "subtotal_minor": 18109, "channel": "755357713",
                          "lines": [{"sku": "IPOD2009BLACK", "qty": 1, "unit_price_minor": 18109}]}
            })
        );
        let Hook::Events { codes, .. } =
            read("orders/paid", &fixture("shopify-orders-paid.json")).unwrap()
        else {
            panic!("an order");
        };
        assert_eq!(codes, ["FAKE30"]);
        // The one event parser takes it.
        let parsed = Incoming::from_value(&event, now()).unwrap();
        assert!(matches!(parsed, Incoming::Member(_)));
    }

    #[test]
    fn an_order_without_a_customer_is_a_guests_by_their_email() {
        let mut order = fixture("shopify-orders-paid.json");
        order.as_object_mut().unwrap().remove("customer");
        let event = one("orders/paid", &order);
        assert!(event.get("member_id").is_none());
        assert_eq!(
            event["member"]["email_hash"],
            json!(crate::auth::sha256_hex("jane@example.com"))
        );
        assert!(matches!(
            Incoming::from_value(&event, now()).unwrap(),
            Incoming::Guest(_)
        ));
    }

    #[test]
    fn shopifys_published_cancelled_order_and_customer() {
        let event = one(
            "orders/cancelled",
            &fixture("shopify-orders-cancelled.json"),
        );
        assert_eq!(event["id"], "shopify.order.450789469.cancelled");
        assert_eq!(event["kind"], "order_cancelled");
        assert_eq!(event["member_id"], "207119551");
        assert_eq!(event["order"], json!({"order_id": "shopify.450789469"}));
        Incoming::from_value(&event, now()).unwrap();

        let event = one(
            "customers/create",
            &fixture("shopify-customers-create.json"),
        );
        assert_eq!(
            event,
            json!({"id": "shopify.customer.1073339458.created", "kind": "signup",
                   "member_id": "1073339458", "occurred_at": "2025-04-02T16:23:46+00:00",
                   "member": {"email_hash": crate::auth::sha256_hex("steve.lastnameson@example.com"),
                              // MD5 of the address, by Python's hashlib.
                              "email_md5": "47f67771a357ea3bf254e68687f9be75"}})
        );
        Incoming::from_value(&event, now()).unwrap();
    }

    #[test]
    fn shopifys_published_refund_is_an_order_refunded_of_its_lines() {
        let Hook::Refund { order_id, event } =
            read("refunds/create", &fixture("shopify-refunds-create.json")).unwrap()
        else {
            panic!("a refund");
        };
        assert_eq!(order_id, "shopify.450789469");
        // The two refunded lines' shop-money subtotals: 195.66 + 195.67.
        assert_eq!(
            event,
            json!({"id": "shopify.refund.509562969", "kind": "order_refunded",
                   "occurred_at": "2025-04-02T16:38:15+00:00",
                   "order": {"order_id": "shopify.450789469", "currency": "USD",
                             "refund_minor": 39133}})
        );
    }

    #[test]
    fn shopifys_published_privacy_requests() {
        let hash = crate::auth::sha256_hex("john@example.com");
        assert_eq!(
            read(
                "customers/redact",
                &fixture("shopify-customers-redact.json")
            )
            .unwrap(),
            Hook::Privacy {
                request: PrivacyRequest::Erase,
                member_id: Some("191167".into()),
                email_hash: Some(hash.clone()),
            }
        );
        assert_eq!(
            read(
                "customers/data_request",
                &fixture("shopify-customers-data_request.json")
            )
            .unwrap(),
            Hook::Privacy {
                request: PrivacyRequest::Export,
                member_id: Some("191167".into()),
                email_hash: Some(hash),
            }
        );
        assert_eq!(
            read("shop/redact", &fixture("shopify-shop-redact.json")).unwrap(),
            Hook::ShopRedact
        );
        let problems = read("customers/redact", &json!({"shop_id": 954889})).unwrap_err();
        assert_eq!(problems[0].path, "$.customer");
    }

    #[test]
    fn a_payload_missing_what_an_event_needs_names_each_field() {
        let mut order = fixture("shopify-orders-paid.json");
        let map = order.as_object_mut().unwrap();
        for key in [
            "customer",
            "email",
            "contact_email",
            "current_subtotal_price_set",
            "subtotal_price_set",
            "processed_at",
            "created_at",
        ] {
            map.remove(key);
        }
        let problems = read("orders/paid", &order).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "$.processed_at",
                "$.customer",
                "$.current_subtotal_price_set.shop_money"
            ]
        );
        assert!(read("orders/paid", &json!([1])).is_err());
        // A topic this API does not act on is acknowledged.
        assert_eq!(read("products/update", &json!({})).unwrap(), Hook::Ignored);
    }
}
