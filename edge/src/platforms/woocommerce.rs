//! WooCommerce's webhooks: `order.created`, `order.updated` and
//! `order.restored` (each the order as the REST API v3 gives it) as this
//! API's order events, and `customer.created` as a `signup`.
//!
//! WooCommerce sends no "paid" topic: every change to an order is an
//! `order.updated` carrying the whole order, built when the delivery runs
//! (deliveries are queued), so one body may already show a later status.
//! The reader therefore reads what the order has come to, not what the
//! topic says happened, and builds each event only from fields that a later
//! delivery of the same order repeats unchanged: the event a `processing`
//! delivery makes is the same JSON as the one its `completed` delivery
//! makes (the worker refuses a re-sent id whose body differs), so it
//! credits once. That rules out `date_modified_gmt` (every save moves it)
//! and the status itself; the paid moment is `date_paid_gmt`, which
//! WooCommerce sets once.
//!
//! Money is the order's currency, in exact minor units of the decimal
//! strings WooCommerce sends (rounded by it to the store's price decimals,
//! 2 by default: an amount with more decimals than the currency has is a
//! problem, not a guess). The customer's id is the member id; an order of
//! customer 0 is a guest's, by the SHA-256 of its billing email.

use serde_json::{Map, Value, json};

use loyalty_rules::Problem;
use loyalty_rules::currency::{minor_digits, parse_decimal};

use super::{Hook, problem};

/// What a WooCommerce webhook of `topic` (its `X-WC-Webhook-Topic`) comes
/// to. `order.restored` (an order taken out of the trash) is read as an
/// `order.updated`: the body is the same order, and what it may credit was
/// either credited before (the same ids, the same JSON: duplicates) or is
/// still due. `order.deleted` carries only `{"id"}` and is ignored, as are
/// other topics.
pub fn read(topic: &str, body: &Value) -> Result<Hook, Vec<Problem>> {
    let Some(payload) = body.as_object() else {
        return Err(vec![problem("$", "must be a JSON object")]);
    };
    match topic {
        "order.created" | "order.updated" | "order.restored" => order(payload),
        "customer.created" => customer(payload).map(|event| Hook::Events {
            events: vec![event],
            codes: Vec::new(),
        }),
        _ => Ok(Hook::Ignored),
    }
}

/// Collects problems while reading one payload.
#[derive(Default)]
struct Reader {
    problems: Vec<Problem>,
}

impl Reader {
    fn report(&mut self, path: &str, message: &str) {
        self.problems.push(problem(path, message));
    }

    /// A WooCommerce id: a positive integer.
    fn id(&mut self, map: &Map<String, Value>, key: &str, path: &str) -> Option<u64> {
        let id = map.get(key).and_then(Value::as_u64).filter(|id| *id > 0);
        if id.is_none() {
            self.report(path, "is required: the WooCommerce id, a positive integer");
        }
        id
    }

    /// One of WooCommerce's `*_gmt` times (`2017-03-22T19:28:08`: UTC
    /// without an offset; one with an offset is read as it says), as RFC
    /// 3339 UTC text. Absent or `null`: `None`, a problem only if
    /// `required`; anything else that is not such a time is a problem.
    fn gmt(&mut self, map: &Map<String, Value>, key: &str, required: bool) -> Option<String> {
        let Some(value) = map.get(key).filter(|v| !v.is_null()) else {
            if required {
                self.report(&format!("$.{key}"), "is required: a time in UTC");
            }
            return None;
        };
        let parsed = value.as_str().and_then(|text| {
            chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&chrono::Utc))
                .or_else(|_| {
                    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                        .map(|t| t.and_utc())
                })
                .ok()
        });
        if parsed.is_none() {
            self.report(
                &format!("$.{key}"),
                "must be a time in UTC (YYYY-MM-DDThh:mm:ss)",
            );
        }
        parsed.map(|t| t.to_rfc3339())
    }

    /// A decimal string (`"12.00"`) in minor units of a currency with
    /// `digits` minor digits; `negative` allows one leading minus sign (a
    /// refund's total), whose absolute value is taken.
    fn money(
        &mut self,
        value: Option<&Value>,
        digits: u32,
        path: &str,
        negative: bool,
    ) -> Option<i64> {
        let text = value.and_then(Value::as_str);
        let text = match text {
            Some(t) if negative => t.strip_prefix('-').unwrap_or(t),
            other => other.unwrap_or_default(),
        };
        let minor = parse_decimal(text, digits);
        if minor.is_none() {
            self.report(
                path,
                &format!("must be a decimal amount (a string) with at most {digits} decimals"),
            );
        }
        minor
    }
}

/// The SHA-256 of a trimmed, lower-cased e-mail address (the contract's
/// `email_hash`).
fn email_hash(email: &str) -> String {
    crate::auth::sha256_hex(&email.trim().to_lowercase())
}

/// Whose order it is.
struct Buyer {
    /// `customer_id` when it is not 0.
    member: Option<String>,
    /// The hash of `billing.email`, when there is one.
    hash: Option<String>,
}

impl Buyer {
    /// The event's `member_id` and `member.email_hash`: a member's id (with
    /// the hash when there is one, as a fact for the referral checks), or a
    /// guest's hash alone.
    fn mark(&self, event: &mut Value) {
        if let Some(member) = &self.member {
            event["member_id"] = json!(member);
        }
        if let Some(hash) = &self.hash {
            event["member"] = json!({"email_hash": hash});
        }
    }
}

/// `customer_id` > 0 is a registered customer, the member; 0 is a guest,
/// known by the billing email's hash.
fn buyer(reader: &mut Reader, order: &Map<String, Value>) -> Option<Buyer> {
    let hash = order
        .get("billing")
        .and_then(|b| b.get("email"))
        .and_then(Value::as_str)
        .filter(|e| e.contains('@'))
        .map(email_hash);
    match order.get("customer_id").and_then(Value::as_u64) {
        Some(0) if hash.is_none() => {
            reader.report(
                "$.billing.email",
                "is required for a guest's order (customer_id 0): its hash is whose order it is",
            );
            None
        }
        Some(0) => Some(Buyer { member: None, hash }),
        Some(id) => Some(Buyer {
            member: Some(id.to_string()),
            hash,
        }),
        None => {
            reader.report(
                "$.customer_id",
                "is required: the customer's id, or 0 for a guest",
            );
            None
        }
    }
}

/// What an order's status comes to. Only an order with a paid moment gives
/// events: one never paid was never credited, so its refunds and its
/// cancellation take nothing back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// `processing` or `completed`: paid; its refunds so far follow.
    Paid,
    /// `refunded`: paid, then refunded (in full, WooCommerce's meaning).
    Refunded,
    /// `cancelled` after it was paid.
    Cancelled,
}

/// An order webhook: the order's paid event and its refunds, or its
/// cancellation, or nothing (`pending`, `on-hold`, `failed`,
/// `checkout-draft`, `trash`, other statuses, and any order never paid).
///
/// The paid moment is `date_paid_gmt`, set once by WooCommerce when the
/// order reaches its payment-complete status, else `date_completed_gmt`: a
/// `completed` order without a payment date (WooCommerce 3.0's own
/// published order 723 is one; WooCommerce now sets the date when an order
/// is completed) was paid by the time it was completed. A `processing`
/// order with neither is one WooCommerce itself does not count as paid (an
/// order needing no processing, set to processing by hand): nothing yet,
/// its `completed` delivery will carry the date.
fn order(order: &Map<String, Value>) -> Result<Hook, Vec<Problem>> {
    let mut reader = Reader::default();
    let id = reader.id(order, "id", "$.id");
    let status = order.get("status").and_then(Value::as_str);
    if status.is_none() {
        reader.report("$.status", "is required: the order's status");
    }
    let (Some(id), Some(status)) = (id, status) else {
        return Err(reader.problems);
    };
    let stage = match status {
        "processing" | "completed" => Stage::Paid,
        "refunded" => Stage::Refunded,
        "cancelled" => Stage::Cancelled,
        _ => return Ok(Hook::Ignored),
    };
    let paid_at = reader.gmt(order, "date_paid_gmt", false);
    let paid_at = match paid_at {
        Some(at) => Some(at),
        None => reader.gmt(order, "date_completed_gmt", false),
    };
    if !reader.problems.is_empty() {
        return Err(reader.problems);
    }
    let Some(paid_at) = paid_at else {
        return Ok(Hook::Ignored);
    };
    let buyer = buyer(&mut reader, order);
    let order_id = format!("woocommerce.{id}");
    if stage == Stage::Cancelled {
        let Some(buyer) = buyer else {
            return Err(reader.problems);
        };
        return Ok(Hook::Events {
            events: vec![cancelled(id, &order_id, &paid_at, &buyer)],
            codes: Vec::new(),
        });
    }
    let currency = order
        .get("currency")
        .and_then(Value::as_str)
        .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()));
    if currency.is_none() {
        reader.report(
            "$.currency",
            "is required: the order's ISO 4217 currency code",
        );
    }
    let digits = minor_digits(currency.unwrap_or("USD"));
    let goods = goods(&mut reader, order, digits);
    let refunds = refunds(&mut reader, order, digits);
    let (Some(buyer), Some(currency), Some((subtotal, lines))) = (buyer, currency, goods) else {
        return Err(reader.problems);
    };
    if !reader.problems.is_empty() {
        return Err(reader.problems);
    }
    let money = Money {
        order_id: &order_id,
        currency,
        at: &paid_at,
        buyer: &buyer,
    };
    let mut paid = json!({
        "id": format!("woocommerce.order.{id}.paid"),
        "kind": "order_paid",
        "occurred_at": paid_at,
        "order": {"order_id": order_id, "currency": currency, "subtotal_minor": subtotal},
    });
    if let Some(channel) = order
        .get("created_via")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty() && c.len() <= 64)
    {
        paid["order"]["channel"] = json!(channel);
    }
    if !lines.is_empty() {
        paid["order"]["lines"] = Value::Array(lines);
    }
    buyer.mark(&mut paid);
    let mut events = vec![paid];
    for (refund_id, amount) in &refunds {
        events.push(money.refund(&format!("woocommerce.refund.{refund_id}"), *amount));
    }
    if stage == Stage::Refunded && refunds.is_empty() {
        events.push(money.refund(&format!("woocommerce.order.{id}.refunded"), subtotal));
    }
    Ok(Hook::Events {
        events,
        codes: coupon_codes(order),
    })
}

/// The order's goods: the subtotal (the sum of its lines' `total`s: after
/// the order's discounts, before tax; shipping, fees and tax give no
/// points) and its lines. A line's unit price is its `total` (WooCommerce's
/// line total, before tax whether or not the shop's prices include tax)
/// divided by its quantity, rounded down, so the lines never count for
/// more than was paid. Its `sku`, else its variation's id, else its
/// product's id. A line of quantity 0 adds its total but is no line.
fn goods(
    reader: &mut Reader,
    order: &Map<String, Value>,
    digits: u32,
) -> Option<(i64, Vec<Value>)> {
    let Some(items) = order.get("line_items").and_then(Value::as_array) else {
        reader.report("$.line_items", "is required: the order's lines");
        return None;
    };
    let mut subtotal: i64 = 0;
    let mut lines = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let path = format!("$.line_items[{n}]");
        let qty = item
            .get("quantity")
            .and_then(Value::as_i64)
            .filter(|q| *q >= 0);
        if qty.is_none() {
            reader.report(&format!("{path}.quantity"), "must be an integer, 0 or more");
        }
        let total = reader.money(item.get("total"), digits, &format!("{path}.total"), false);
        let (Some(qty), Some(total)) = (qty, total) else {
            continue;
        };
        subtotal = subtotal.saturating_add(total);
        if qty == 0 {
            continue;
        }
        let mut line = json!({"qty": qty, "unit_price_minor": total / qty});
        let id = |key: &str| {
            item.get(key)
                .and_then(Value::as_u64)
                .filter(|id| *id > 0)
                .map(|id| id.to_string())
        };
        let sku = item
            .get("sku")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && s.len() <= 128)
            .map(str::to_owned)
            .or_else(|| id("variation_id"))
            .or_else(|| id("product_id"));
        if let Some(sku) = sku {
            line["sku"] = json!(sku);
        }
        lines.push(line);
    }
    Some((subtotal, lines))
}

/// The order's refunds (`refunds[]`: `{id, total: "-5.00"}`), each its id
/// and amount. WooCommerce's refund total is the money given back, tax and
/// shipping included (the order does not split it): the worker caps what
/// an order's refunds take back at its subtotal.
fn refunds(reader: &mut Reader, order: &Map<String, Value>, digits: u32) -> Vec<(u64, i64)> {
    let items = order.get("refunds").and_then(Value::as_array);
    let mut refunds = Vec::new();
    for (n, refund) in items.into_iter().flatten().enumerate() {
        let path = format!("$.refunds[{n}]");
        let Some(map) = refund.as_object() else {
            reader.report(&path, "must be an object");
            continue;
        };
        let id = reader.id(map, "id", &format!("{path}.id"));
        let amount = reader.money(map.get("total"), digits, &format!("{path}.total"), true);
        if let (Some(id), Some(amount)) = (id, amount) {
            refunds.push((id, amount));
        }
    }
    refunds
}

/// The codes entered at WooCommerce's checkout (`coupon_lines[].code`),
/// upper-cased: WooCommerce lower-cases every coupon code (its
/// `woocommerce_coupon_code` filter), and this API's reward codes are
/// upper-case.
fn coupon_codes(order: &Map<String, Value>) -> Vec<String> {
    order
        .get("coupon_lines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("code").and_then(Value::as_str))
        .filter(|c| !c.is_empty() && c.len() <= 128)
        .map(str::to_ascii_uppercase)
        .collect()
}

/// What a refund event of the order repeats.
struct Money<'a> {
    order_id: &'a str,
    currency: &'a str,
    at: &'a str,
    buyer: &'a Buyer,
}

impl Money<'_> {
    /// An `order_refunded` of `amount`. Its time is the order's paid
    /// moment: the order carries no time of its refunds (`refunds[]` holds
    /// only ids and totals) and its `date_modified_gmt` moves with every
    /// save, so the paid moment is the one time every delivery repeats.
    fn refund(&self, id: &str, amount: i64) -> Value {
        let mut event = json!({
            "id": id,
            "kind": "order_refunded",
            "occurred_at": self.at,
            "order": {"order_id": self.order_id, "currency": self.currency, "refund_minor": amount},
        });
        self.buyer.mark(&mut event);
        event
    }
}

/// An `order_cancelled`, at the paid moment (as a refund: no stable time
/// of the cancellation is in the order).
fn cancelled(id: u64, order_id: &str, at: &str, buyer: &Buyer) -> Value {
    let mut event = json!({
        "id": format!("woocommerce.order.{id}.cancelled"),
        "kind": "order_cancelled",
        "occurred_at": at,
        "order": {"order_id": order_id},
    });
    buyer.mark(&mut event);
    event
}

/// `customer.created` (the REST API v3 customer): the member's signup, at
/// `date_created_gmt`, with the email's hash.
fn customer(customer: &Map<String, Value>) -> Result<Value, Vec<Problem>> {
    let mut reader = Reader::default();
    let id = reader.id(customer, "id", "$.id");
    let at = reader.gmt(customer, "date_created_gmt", true);
    let (Some(id), Some(at)) = (id, at) else {
        return Err(reader.problems);
    };
    let email = customer.get("email").and_then(Value::as_str);
    Ok(super::signup(
        super::Platform::WooCommerce,
        &id.to_string(),
        &at,
        email,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::Platform;
    use crate::platforms::fixture;
    use loyalty_rules::event::Incoming;

    fn now() -> chrono::DateTime<chrono::Utc> {
        "2026-12-01T00:00:00Z".parse().unwrap()
    }

    /// The events and codes of an order webhook; every event passes the
    /// one event parser.
    fn delivered(topic: &str, body: &Value) -> (Vec<Value>, Vec<String>) {
        match read(topic, body).unwrap() {
            Hook::Events { events, codes } => {
                for event in &events {
                    Incoming::from_value(event, now()).unwrap();
                }
                (events, codes)
            }
            other => panic!("{topic}: {other:?}"),
        }
    }

    fn hash(email: &str) -> String {
        crate::auth::sha256_hex(email)
    }

    /// `woocommerce-order.json` with `edit` applied (the test variants are
    /// WooCommerce's published order, edited here, never a hand-written
    /// file).
    fn order_with(edit: impl FnOnce(&mut Map<String, Value>)) -> Value {
        let mut order = fixture("woocommerce-order.json");
        edit(order.as_object_mut().unwrap());
        order
    }

    /// The paid event of the published order 727 as a guest's (customer_id
    /// 0, billing email john.doe@example.com).
    fn order_727_paid() -> Value {
        // Points inputs, by hand from the published order: line 315 "Woo
        // Single #1" (no sku: its product id 93), 2 at a line total of
        // "6.00" = 600 minor, so 300 each; line 316 sku "Bar3", 1 at
        // "12.00" = 1200. Subtotal 600 + 1200 = 1800 (18.00 USD); its tax
        // (1.35) and shipping (10.00) in the order's total 29.35 give no
        // points. Paid at date_paid_gmt 2017-03-22T19:28:08 (UTC).
        json!({
            "id": "woocommerce.order.727.paid",
            "kind": "order_paid",
            "member": {"email_hash": hash("john.doe@example.com")},
            "occurred_at": "2017-03-22T19:28:08+00:00",
            "order": {"order_id": "woocommerce.727", "currency": "USD",
                      "subtotal_minor": 1800, "channel": "rest-api",
                      "lines": [{"sku": "93", "qty": 2, "unit_price_minor": 300},
                                {"sku": "Bar3", "qty": 1, "unit_price_minor": 1200}]}
        })
    }

    #[test]
    fn woocommerces_published_order_is_a_guests_order_paid_event() {
        let (events, codes) = delivered("order.updated", &fixture("woocommerce-order.json"));
        assert_eq!(events, [order_727_paid()]);
        assert!(codes.is_empty());
        assert!(matches!(
            Incoming::from_value(&events[0], now()).unwrap(),
            Incoming::Guest(_)
        ));
        // `order.created` and `order.restored` carry the same order.
        for topic in ["order.created", "order.restored"] {
            assert_eq!(
                events,
                delivered(topic, &fixture("woocommerce-order.json")).0
            );
        }
    }

    #[test]
    fn the_completed_delivery_of_a_paid_order_repeats_its_paid_event() {
        // WooCommerce's published "Update an order" answer: order 727 set to
        // completed (date_modified_gmt and date_completed_gmt moved, a
        // meta entry added). Its paid event is the same id and the same
        // JSON, so the worker answers it as a duplicate.
        let (completed, _) = delivered(
            "order.updated",
            &fixture("woocommerce-order-completed.json"),
        );
        let (processing, _) = delivered("order.updated", &fixture("woocommerce-order.json"));
        assert_eq!(completed, processing);
        assert_eq!(completed, [order_727_paid()]);
    }

    #[test]
    fn woocommerces_published_member_order_with_refunds() {
        // The published order 723 ("List all orders"): customer 26,
        // completed, no date_paid (WooCommerce 3.0), so paid when completed
        // (2017-03-21T19:54:51 UTC). Lines 9.00 (product 87) and 20.00
        // (product 34): subtotal 2900. Refunds 726 (-10.00) and 724 (-9.00).
        let (events, codes) =
            delivered("order.updated", &fixture("woocommerce-order-refunds.json"));
        let member = json!({"email_hash": hash("joao.silva@example.com")});
        let at = "2017-03-21T19:54:51+00:00";
        assert_eq!(
            events,
            [
                json!({"id": "woocommerce.order.723.paid", "kind": "order_paid",
                       "member_id": "26", "member": member, "occurred_at": at,
                       "order": {"order_id": "woocommerce.723", "currency": "USD",
                                 "subtotal_minor": 2900, "channel": "checkout",
                                 "lines": [{"sku": "87", "qty": 1, "unit_price_minor": 900},
                                           {"sku": "34", "qty": 1, "unit_price_minor": 2000}]}}),
                json!({"id": "woocommerce.refund.726", "kind": "order_refunded",
                       "member_id": "26", "member": member, "occurred_at": at,
                       "order": {"order_id": "woocommerce.723", "currency": "USD",
                                 "refund_minor": 1000}}),
                json!({"id": "woocommerce.refund.724", "kind": "order_refunded",
                       "member_id": "26", "member": member, "occurred_at": at,
                       "order": {"order_id": "woocommerce.723", "currency": "USD",
                                 "refund_minor": 900}}),
            ]
        );
        assert!(codes.is_empty());
        assert!(matches!(
            Incoming::from_value(&events[1], now()).unwrap(),
            Incoming::Member(_)
        ));
    }

    #[test]
    fn a_customers_order_is_the_members() {
        let order = order_with(|o| {
            o.insert("customer_id".into(), json!(25));
        });
        let (events, _) = delivered("order.updated", &order);
        let mut expected = order_727_paid();
        expected["member_id"] = json!("25");
        assert_eq!(events, [expected]);
        // Without a billing email the member's order still reads.
        let order = order_with(|o| {
            o.insert("customer_id".into(), json!(25));
            o["billing"]["email"] = json!("");
        });
        let (events, _) = delivered("order.updated", &order);
        assert_eq!(events[0]["member_id"], "25");
        assert!(events[0].get("member").is_none());
    }

    #[test]
    fn each_status_comes_to_its_events() {
        let status = |status: &str, edit: &dyn Fn(&mut Map<String, Value>)| {
            order_with(|o| {
                o.insert("status".into(), json!(status));
                edit(o);
            })
        };
        let keep = |_: &mut Map<String, Value>| {};
        let unpaid = |o: &mut Map<String, Value>| {
            o.insert("date_paid_gmt".into(), Value::Null);
            o.insert("date_completed_gmt".into(), Value::Null);
        };
        // Not paid yet, or never: nothing.
        for s in ["pending", "on-hold", "failed", "checkout-draft", "trash"] {
            assert_eq!(
                read("order.updated", &status(s, &keep)).unwrap(),
                Hook::Ignored,
                "{s}"
            );
        }
        for s in ["processing", "cancelled", "refunded"] {
            assert_eq!(
                read("order.updated", &status(s, &unpaid)).unwrap(),
                Hook::Ignored,
                "{s}"
            );
        }
        // Completed: paid, the same event as processing's.
        assert_eq!(
            delivered("order.updated", &status("completed", &keep)).0,
            [order_727_paid()]
        );
        // Cancelled after it was paid: the cancellation, at the paid moment.
        let (events_, codes) = delivered("order.updated", &status("cancelled", &keep));
        assert_eq!(
            events_,
            [
                json!({"id": "woocommerce.order.727.cancelled", "kind": "order_cancelled",
                    "member": {"email_hash": hash("john.doe@example.com")},
                    "occurred_at": "2017-03-22T19:28:08+00:00",
                    "order": {"order_id": "woocommerce.727"}})
            ]
        );
        assert!(codes.is_empty());
        // Refunded with no refund listed: paid, then refunded in full.
        let (events_, _) = delivered("order.updated", &status("refunded", &keep));
        assert_eq!(events_.len(), 2);
        assert_eq!(events_[0], order_727_paid());
        assert_eq!(
            events_[1],
            json!({"id": "woocommerce.order.727.refunded", "kind": "order_refunded",
                   "member": {"email_hash": hash("john.doe@example.com")},
                   "occurred_at": "2017-03-22T19:28:08+00:00",
                   "order": {"order_id": "woocommerce.727", "currency": "USD",
                             "refund_minor": 1800}})
        );
        // Refunded with its refunds listed: those refunds, not another.
        let listed = |o: &mut Map<String, Value>| {
            o.insert(
                "refunds".into(),
                json!([{"id": 730, "reason": "", "total": "-18.00"}]),
            );
        };
        let (events_, _) = delivered("order.updated", &status("refunded", &listed));
        let ids: Vec<&str> = events_.iter().map(|e| e["id"].as_str().unwrap()).collect();
        assert_eq!(
            ids,
            ["woocommerce.order.727.paid", "woocommerce.refund.730"]
        );
        assert_eq!(events_[1]["order"]["refund_minor"], 1800);
        // A partial refund of a processing order follows its paid event.
        let (events_, _) = delivered("order.updated", &status("processing", &listed));
        assert_eq!(events_.len(), 2);
    }

    #[test]
    fn coupon_codes_come_upper_cased_with_the_paid_order() {
        let coupon = |o: &mut Map<String, Value>| {
            o.insert(
                "coupon_lines".into(),
                json!([{"id": 320, "code": "k7qm-3zd9-px2a-w8rt", "discount": "2.00",
                        "discount_tax": "0.00", "meta_data": []}]),
            );
        };
        let (_, codes) = delivered("order.updated", &order_with(coupon));
        assert_eq!(codes, ["K7QM-3ZD9-PX2A-W8RT"]);
        let cancelled = order_with(|o| {
            coupon(o);
            o.insert("status".into(), json!("cancelled"));
        });
        assert!(delivered("order.updated", &cancelled).1.is_empty());
    }

    #[test]
    fn a_lines_unit_price_is_its_total_per_unit_rounded_down() {
        let order = order_with(|o| {
            o["line_items"][1]["quantity"] = json!(3);
            o["line_items"][1]["total"] = json!("10.00");
            o["line_items"][0]["quantity"] = json!(0);
            o.insert("created_via".into(), json!(""));
        });
        let (events, _) = delivered("order.updated", &order);
        // 600 (the line of quantity 0 adds its total, but is no line) +
        // 1000; 1000 / 3 = 333 each, so the lines count 999 of it.
        assert_eq!(events[0]["order"]["subtotal_minor"], 1600);
        assert_eq!(
            events[0]["order"]["lines"],
            json!([{"sku": "Bar3", "qty": 3, "unit_price_minor": 333}])
        );
        assert!(events[0]["order"].get("channel").is_none());
    }

    #[test]
    fn woocommerces_published_customer_is_a_signup() {
        let (events, _) = delivered("customer.created", &fixture("woocommerce-customer.json"));
        assert_eq!(
            events,
            [
                json!({"id": "woocommerce.customer.25.created", "kind": "signup",
                    "member_id": "25", "occurred_at": "2017-03-21T19:09:28+00:00",
                    "member": {"email_hash": hash("john.doe@example.com"),
                               // MD5 of the address, by Python's hashlib.
                               "email_md5": "8eb1b522f60d11fa897de1dc6351b7e8"}})
            ]
        );
        let mut customer = fixture("woocommerce-customer.json");
        customer.as_object_mut().unwrap().remove("date_created_gmt");
        let problems = read("customer.created", &customer).unwrap_err();
        assert_eq!(problems[0].path, "$.date_created_gmt");
    }

    #[test]
    fn a_payload_missing_what_an_event_needs_names_each_field() {
        let order = order_with(|o| {
            o.remove("currency");
            o.remove("line_items");
            o["billing"]["email"] = json!("");
        });
        let paths = |body: &Value| -> Vec<String> {
            read("order.updated", body)
                .unwrap_err()
                .into_iter()
                .map(|p| p.path)
                .collect()
        };
        assert_eq!(
            paths(&order),
            ["$.billing.email", "$.currency", "$.line_items"]
        );
        let order = order_with(|o| {
            o.remove("id");
            o.remove("status");
        });
        assert_eq!(paths(&order), ["$.id", "$.status"]);
        let order = order_with(|o| {
            o.insert("date_paid_gmt".into(), json!("yesterday"));
        });
        assert_eq!(paths(&order), ["$.date_paid_gmt"]);
        let order = order_with(|o| {
            o["line_items"][0]["total"] = json!("6.005");
            o["line_items"][1]["quantity"] = json!(-1);
            o.insert("refunds".into(), json!([{"id": 0, "total": "-1.00"}]));
        });
        assert_eq!(
            paths(&order),
            [
                "$.line_items[0].total",
                "$.line_items[1].quantity",
                "$.refunds[0].id"
            ]
        );
        assert!(read("order.updated", &json!([1])).is_err());
        // What this API takes no action on is acknowledged.
        assert_eq!(
            read("order.deleted", &json!({"id": 727})).unwrap(),
            Hook::Ignored
        );
        assert_eq!(read("product.updated", &json!({})).unwrap(), Hook::Ignored);
    }

    /// The test vector of WooCommerce's own tests (`WC_Webhook`'s
    /// `test_generate_signature`): the payload `secret` signed with a new
    /// webhook's empty secret.
    #[test]
    fn woocommerce_signatures_match_woocommerces_own_test_vector() {
        let expected = "GBDo00G55h6IiV+6CxqivQPLbI//KzaOZm747971tPs=";
        assert_eq!(Platform::WooCommerce.sign("", b"secret"), expected);
        assert!(Platform::WooCommerce.verify("", b"secret", expected));
        assert!(!Platform::WooCommerce.verify("secret", b"secret", expected));
        assert!(!Platform::WooCommerce.verify("", b"secret!", expected));
        assert!(!Platform::WooCommerce.verify("", b"secret", "not base64!"));
    }
}
