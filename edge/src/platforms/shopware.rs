//! Shopware 6's app webhooks: the order's business events as this API's
//! order events.
//!
//! A webhook's body is Shopware's envelope, `{"data": {"payload", "event"},
//! "source", "timestamp"}`; for the order events read here
//! (`checkout.order.placed` and the `state_enter.order.state.*` and
//! `state_enter.order_transaction.state.*` ones) `data.payload` is
//! `{"order": <the order entity>}`, camelCase as Shopware's APIs write it.
//! Event ids come from the order's id and what happened to it, never from
//! `source.eventId` (one per delivery), so Shopware's retries credit once.
//!
//! Shopware encodes that order for a webhook (`BusinessEventEncoder`) in
//! the Store API's scope: fields not marked `ApiAware` are left out. So a
//! webhook's `orderCustomer` carries the buyer's email and customer number
//! but not `customerId` nor the `customer` (neither is `ApiAware` in
//! `OrderCustomerDefinition`), and a line item carries `unitPrice` and
//! `totalPrice` but not its `price` (its taxes). The reader takes the
//! customer's id as the member id when the order carries it (Shopware's
//! Admin-API encoding of the same entity, as in its app payloads, does);
//! without it the order is the buyer's email's, as a guest's: the worker
//! applies such an order to the member who claimed that email's hash, or
//! holds it until they sign up.
//!
//! Money is the order's currency (`currency.isoCode`), in exact minor units
//! of the JSON numbers Shopware writes: each number's shortest decimal text
//! (PHP's `json_encode` writes a float so, and serde writes the parsed
//! number back so) read by `parse_decimal`, never by float arithmetic. A
//! number whose shortest text has an exponent (below 0.00001, or 10^16 and
//! up), a sign, or more decimals than the currency has is a problem, never
//! rounded.

use serde_json::{Map, Value, json};

use loyalty_rules::Problem;
use loyalty_rules::currency::{minor_digits, parse_decimal};

use super::{Hook, problem};

/// Where the order is in a webhook's body.
const ORDER: &str = "$.data.payload.order";

/// The transaction states of a payment that never went through: an order
/// whose every transaction is in one of them was never credited.
const NEVER_PAID: [&str; 6] = [
    "open",
    "in_progress",
    "unconfirmed",
    "reminded",
    "failed",
    "authorized",
];

/// The event a Shopware webhook names (`data.event`).
pub fn topic(body: &Value) -> String {
    body.pointer("/data/event")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// What happened to the order, by the event's name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Happened {
    Placed,
    Paid,
    Cancelled,
    Refunded,
}

/// What a Shopware webhook of `topic` comes to.
///
/// - `state_enter.order_transaction.state.paid`: an `order_paid`.
/// - `checkout.order.placed`: the same `order_paid` (same id, same JSON, so
///   the `…state.paid` webhook that follows is a duplicate) when a
///   transaction of the order is already `paid`; else nothing yet (the
///   order is placed before it is paid).
/// - `state_enter.order.state.cancelled`: an `order_cancelled`, unless the
///   order shows it was never paid.
/// - `state_enter.order_transaction.state.refunded`: an `order_refunded` of
///   the whole subtotal.
/// - `state_enter.order_transaction.state.refunded_partially` is ignored:
///   the order entity does not say how much was refunded (Shopware keeps
///   the amounts in the transaction's captures' refunds, which the event's
///   order does not load), and no amount is guessed; the full refund, if
///   it comes, takes back the rest.
/// - `state_enter.order.state.completed` is ignored: an order's state says
///   how far it was handled, not whether it was paid; the payment's own
///   event credits it.
/// - Every other event (`product.written`, …) is ignored.
pub fn read(topic: &str, body: &Value) -> Result<Hook, Vec<Problem>> {
    let happened = match topic {
        "checkout.order.placed" => Happened::Placed,
        "state_enter.order_transaction.state.paid" => Happened::Paid,
        "state_enter.order.state.cancelled" => Happened::Cancelled,
        "state_enter.order_transaction.state.refunded" => Happened::Refunded,
        _ => return Ok(Hook::Ignored),
    };
    let Some(order) = body
        .pointer("/data/payload/order")
        .and_then(Value::as_object)
    else {
        return Err(vec![problem(
            ORDER,
            "is required: the order the event is about (data.payload.order)",
        )]);
    };
    match happened {
        Happened::Placed if !paid_now(order) => Ok(Hook::Ignored),
        Happened::Placed | Happened::Paid => paid(order),
        Happened::Cancelled if never_paid(order) => Ok(Hook::Ignored),
        Happened::Cancelled => cancelled(order),
        Happened::Refunded => refunded(order),
    }
}

/// The technical names of the order's transactions' states, where the
/// order embeds them (`transactions[].stateMachineState`).
fn transaction_states(order: &Map<String, Value>) -> Vec<Option<&str>> {
    order
        .get("transactions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| {
            t.pointer("/stateMachineState/technicalName")
                .and_then(Value::as_str)
        })
        .collect()
}

/// Whether a transaction of the order is `paid` (a placed order's payment
/// that went through at once). Not embedded: not known, so not yet.
fn paid_now(order: &Map<String, Value>) -> bool {
    transaction_states(order).contains(&Some("paid"))
}

/// Whether the order shows it was never paid: it has transactions, each
/// with its state embedded, none past [`NEVER_PAID`]. Shopware's
/// `state_enter.order.state.*` payloads load the transactions without
/// their states: then it cannot be told, and the cancellation is sent (the
/// worker answers one of an order it never credited `unknown_order`).
fn never_paid(order: &Map<String, Value>) -> bool {
    let states = transaction_states(order);
    !states.is_empty()
        && states
            .iter()
            .all(|s| s.is_some_and(|s| NEVER_PAID.contains(&s)))
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

    /// An amount written as a JSON number (`395.01`), in minor units of a
    /// currency with `digits` minor digits.
    fn amount(&mut self, value: Option<&Value>, digits: u32, path: &str) -> Option<i64> {
        let minor = match value {
            Some(Value::Number(n)) => parse_decimal(&n.to_string(), digits),
            _ => None,
        };
        if minor.is_none() {
            self.report(
                path,
                &format!(
                    "must be a JSON number, 0 or more, with at most {digits} decimals and no exponent"
                ),
            );
        }
        minor
    }

    /// The sum of a price's `calculatedTaxes[].tax`.
    fn taxes(&mut self, price: Option<&Value>, digits: u32, path: &str) -> Option<i64> {
        let Some(taxes) = price
            .and_then(|p| p.get("calculatedTaxes"))
            .and_then(Value::as_array)
        else {
            self.report(
                &format!("{path}.calculatedTaxes"),
                "is required: the taxes of a gross price",
            );
            return None;
        };
        let mut sum: i64 = 0;
        for (n, tax) in taxes.iter().enumerate() {
            let path = format!("{path}.calculatedTaxes[{n}].tax");
            sum = sum.saturating_add(self.amount(tax.get("tax"), digits, &path)?);
        }
        Some(sum)
    }
}

/// The SHA-256 of a trimmed, lower-cased e-mail address (the contract's
/// `email_hash`).
fn email_hash(email: &str) -> String {
    crate::auth::sha256_hex(&email.trim().to_lowercase())
}

/// What every event of an order repeats: its id, the time, whose it is.
struct Basics {
    /// The order entity's `id` (32 hex digits).
    id: String,
    /// `orderDateTime` in UTC: when the order was placed, which no later
    /// webhook of the order changes. The order carries no time of its
    /// payment, refund or cancellation (`updatedAt` moves with every
    /// write), so every event of the order is at this moment.
    at: String,
    /// `orderCustomer.customerId` unless the embedded customer is a guest.
    member: Option<String>,
    /// The hash of `orderCustomer.email`.
    hash: Option<String>,
}

impl Basics {
    fn read(reader: &mut Reader, order: &Map<String, Value>) -> Option<Self> {
        let id = order.get("id").and_then(Value::as_str).filter(|id| {
            !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        if id.is_none() {
            reader.report(&format!("{ORDER}.id"), "is required: the order's id");
        }
        let at = order
            .get("orderDateTime")
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc).to_rfc3339());
        if at.is_none() {
            reader.report(
                &format!("{ORDER}.orderDateTime"),
                "is required: an RFC 3339 time",
            );
        }
        let buyer = buyer(reader, order);
        let (Some(id), Some(at), Some((member, hash))) = (id, at, buyer) else {
            return None;
        };
        Some(Self {
            id: id.to_owned(),
            at,
            member,
            hash,
        })
    }

    /// An event of the order with its `member_id` (and, as a fact for the
    /// referral checks, `member.email_hash`) or a guest's hash alone.
    fn event(&self, what: &str, kind: &str, order: Value) -> Value {
        let mut event = json!({
            "id": format!("shopware.order.{}.{what}", self.id),
            "kind": kind,
            "occurred_at": self.at,
            "order": order,
        });
        event["order"]["order_id"] = json!(self.order_id());
        if let Some(member) = &self.member {
            event["member_id"] = json!(member);
        }
        if let Some(hash) = &self.hash {
            event["member"] = json!({"email_hash": hash});
        }
        event
    }

    fn order_id(&self) -> String {
        format!("shopware.{}", self.id)
    }
}

/// Whose order it is: `orderCustomer.customerId`, the customer's account,
/// is the member, unless the order embeds that customer as a guest
/// (`orderCustomer.customer.guest`; not embedded: a member). A guest's
/// order, or one whose customer's id the payload leaves out (a webhook's
/// Store API scope does), is the email's.
fn buyer(
    reader: &mut Reader,
    order: &Map<String, Value>,
) -> Option<(Option<String>, Option<String>)> {
    let Some(customer) = order.get("orderCustomer").and_then(Value::as_object) else {
        reader.report(
            &format!("{ORDER}.orderCustomer"),
            "is required: who placed the order",
        );
        return None;
    };
    let hash = customer
        .get("email")
        .and_then(Value::as_str)
        .filter(|e| e.contains('@'))
        .map(email_hash);
    let id = customer
        .get("customerId")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty());
    let guest = customer
        .get("customer")
        .and_then(|c| c.get("guest"))
        .and_then(Value::as_bool)
        == Some(true);
    match (id, hash) {
        (Some(id), hash) if !guest => Some((Some(id.to_owned()), hash)),
        (_, Some(hash)) => Some((None, Some(hash))),
        (_, None) => {
            reader.report(
                &format!("{ORDER}.orderCustomer.email"),
                "is required: the buyer's email, whose hash is whose order it is when the \
                 order names no customer account",
            );
            None
        }
    }
}

/// The order's currency, `currency.isoCode`: the event needs the code, and
/// `currencyId` alone cannot be resolved here.
fn currency<'a>(reader: &mut Reader, order: &'a Map<String, Value>) -> Option<&'a str> {
    let code = order
        .get("currency")
        .and_then(|c| c.get("isoCode"))
        .and_then(Value::as_str)
        .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()));
    if code.is_none() {
        reader.report(
            &format!("{ORDER}.currency.isoCode"),
            "is required: the order's ISO 4217 currency (its currencyId alone cannot be resolved)",
        );
    }
    code
}

/// The order's goods, net: the subtotal and the product lines.
///
/// The subtotal is what the goods cost after the order's discounts, before
/// tax and shipping (which give no points). Shopware's `price.positionPrice`
/// is the sum of the order's positions (its line items, promotions' negative
/// ones included; shipping is not a position), in the order's tax basis
/// (`price.taxStatus`): with `net` or `tax-free` it is the net goods
/// amount. With `gross` (prices shown with tax) it holds the goods' tax,
/// which is the order's taxes (`price.calculatedTaxes`, goods and shipping)
/// less the shipping's (`shippingCosts.calculatedTaxes`): subtotal =
/// positionPrice - (order taxes - shipping taxes). (`price.netPrice`, the
/// same as `amountNet`, would still hold the net shipping.)
///
/// Lines are the `product` line items. A webhook's line item has its gross
/// or net `totalPrice` but not its taxes, and a promotion is a separate
/// negative line item, so a line's own price is neither net nor discounted.
/// Each line is therefore counted at its share of the subtotal: its
/// `totalPrice` times the subtotal over the sum of the top-level line
/// items' positive prices (the positions the promotions and taxes are
/// spread over), per unit, rounded down. The lines are then on the
/// subtotal's basis (net, after discounts) and never count for more than
/// it; without tax and discounts each line is its own unit price. With
/// several tax rates the share is the order's average, not each line's
/// own rate. Its sku is `payload.productNumber`, else the product's id.
fn goods(
    reader: &mut Reader,
    order: &Map<String, Value>,
    digits: u32,
) -> Option<(i64, Vec<Value>)> {
    let price = order.get("price");
    let path = format!("{ORDER}.price");
    let gross = match price
        .and_then(|p| p.get("taxStatus"))
        .or_else(|| order.get("taxStatus"))
        .and_then(Value::as_str)
    {
        Some("gross") => Some(true),
        Some("net" | "tax-free") => Some(false),
        _ => {
            reader.report(
                &format!("{path}.taxStatus"),
                "is required: gross, net or tax-free",
            );
            None
        }
    };
    let position = reader.amount(
        price.and_then(|p| p.get("positionPrice")),
        digits,
        &format!("{path}.positionPrice"),
    );
    let goods_tax = if gross == Some(true) {
        let all = reader.taxes(price, digits, &path);
        let shipping = reader.taxes(
            order.get("shippingCosts"),
            digits,
            &format!("{ORDER}.shippingCosts"),
        );
        all.zip(shipping).map(|(all, shipping)| all - shipping)
    } else {
        Some(0)
    };
    let lines = lines(reader, order, digits);
    let (Some(position), Some(goods_tax), Some((positive, items))) = (position, goods_tax, lines)
    else {
        return None;
    };
    let subtotal = position.saturating_sub(goods_tax);
    if subtotal < 0 || goods_tax < 0 {
        reader.report(
            &format!("{path}.calculatedTaxes"),
            "must not be more than the positions' price, nor the shipping's taxes more than the order's",
        );
        return None;
    }
    let share = subtotal.min(positive);
    let lines = items
        .into_iter()
        .map(|(sku, qty, total)| {
            let counted = if positive == 0 {
                0
            } else {
                i128::from(total) * i128::from(share) / i128::from(positive)
            };
            let unit = i64::try_from(counted / i128::from(qty)).unwrap_or(0);
            let mut line = json!({"qty": qty, "unit_price_minor": unit});
            if let Some(sku) = sku {
                line["sku"] = json!(sku);
            }
            line
        })
        .collect();
    Some((subtotal, lines))
}

/// One product line as read: its sku, quantity and `totalPrice`.
type Item = (Option<String>, i64, i64);

/// The sum of the top-level line items' positive `totalPrice`s and the
/// product lines (quantity 0 is no line).
fn lines(reader: &mut Reader, order: &Map<String, Value>, digits: u32) -> Option<(i64, Vec<Item>)> {
    let Some(items) = order.get("lineItems").and_then(Value::as_array) else {
        reader.report(
            &format!("{ORDER}.lineItems"),
            "is required: the order's line items",
        );
        return None;
    };
    let mut positive: i64 = 0;
    let mut lines = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let path = format!("{ORDER}.lineItems[{n}]");
        let top = item.get("parentId").is_none_or(Value::is_null);
        let total = item.get("totalPrice");
        if item.get("type").and_then(Value::as_str) != Some("product") {
            // Promotions and credits are negative: they lower the
            // positions, which the subtotal already says.
            let negative =
                matches!(total, Some(Value::Number(n)) if n.to_string().starts_with('-'));
            if top && !negative {
                let amount = reader.amount(total, digits, &format!("{path}.totalPrice"));
                positive = positive.saturating_add(amount.unwrap_or(0));
            }
            continue;
        }
        let qty = item
            .get("quantity")
            .and_then(Value::as_i64)
            .filter(|q| *q >= 0);
        if qty.is_none() {
            reader.report(&format!("{path}.quantity"), "must be an integer, 0 or more");
        }
        let total = reader.amount(total, digits, &format!("{path}.totalPrice"));
        let (Some(qty), Some(total)) = (qty, total) else {
            continue;
        };
        if top {
            positive = positive.saturating_add(total);
        }
        if qty == 0 {
            continue;
        }
        let sku = item
            .pointer("/payload/productNumber")
            .and_then(Value::as_str)
            .or_else(|| item.get("productId").and_then(Value::as_str))
            .filter(|s| !s.is_empty() && s.len() <= 128)
            .map(str::to_owned);
        lines.push((sku, qty, total));
    }
    Some((positive, lines))
}

/// The codes of the order's promotions (`promotion` line items'
/// `payload.code`; an automatic promotion's is empty).
fn promotion_codes(order: &Map<String, Value>) -> Vec<String> {
    order
        .get("lineItems")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|item| item.get("type").and_then(Value::as_str) == Some("promotion"))
        .filter_map(|item| item.pointer("/payload/code").and_then(Value::as_str))
        .filter(|c| !c.is_empty() && c.len() <= 128)
        .map(str::to_owned)
        .collect()
}

/// The order's `order_paid`, and its promotions' codes.
fn paid(order: &Map<String, Value>) -> Result<Hook, Vec<Problem>> {
    let mut reader = Reader::default();
    let basics = Basics::read(&mut reader, order);
    let currency = currency(&mut reader, order);
    let goods = goods(&mut reader, order, minor_digits(currency.unwrap_or("EUR")));
    let (Some(basics), Some(currency), Some((subtotal, lines))) = (basics, currency, goods) else {
        return Err(reader.problems);
    };
    if !reader.problems.is_empty() {
        return Err(reader.problems);
    }
    let mut body = json!({"currency": currency, "subtotal_minor": subtotal});
    if !lines.is_empty() {
        body["lines"] = Value::Array(lines);
    }
    Ok(Hook::Events {
        events: vec![basics.event("paid", "order_paid", body)],
        codes: promotion_codes(order),
    })
}

/// `state_enter.order.state.cancelled`: an `order_cancelled`.
fn cancelled(order: &Map<String, Value>) -> Result<Hook, Vec<Problem>> {
    let mut reader = Reader::default();
    let Some(basics) = Basics::read(&mut reader, order) else {
        return Err(reader.problems);
    };
    Ok(Hook::Events {
        events: vec![basics.event("cancelled", "order_cancelled", json!({}))],
        codes: Vec::new(),
    })
}

/// `state_enter.order_transaction.state.refunded`: the whole order
/// refunded, an `order_refunded` of its subtotal (the worker caps an
/// order's refunds at its subtotal, so one after earlier refunds takes back
/// only the rest).
fn refunded(order: &Map<String, Value>) -> Result<Hook, Vec<Problem>> {
    let mut reader = Reader::default();
    let basics = Basics::read(&mut reader, order);
    let currency = currency(&mut reader, order);
    let goods = goods(&mut reader, order, minor_digits(currency.unwrap_or("EUR")));
    let (Some(basics), Some(currency), Some((subtotal, _))) = (basics, currency, goods) else {
        return Err(reader.problems);
    };
    if !reader.problems.is_empty() {
        return Err(reader.problems);
    }
    let body = json!({"currency": currency, "refund_minor": subtotal});
    Ok(Hook::Events {
        events: vec![basics.event("refunded", "order_refunded", body)],
        codes: Vec::new(),
    })
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

    /// Shopware's published order: the `order` of the app payment request
    /// in Shopware's own app SDK's tests (an order entity as Shopware's
    /// Admin API encodes it, `customerId` and the `customer` included).
    fn published_order() -> Value {
        fixture("shopware-app-payment.json")["order"].take()
    }

    /// A webhook body: Shopware's published envelope
    /// (`shopware-product.written.json`) with `data.event` set and
    /// `data.payload` = `{"order": order}`. The envelope and the order are
    /// each Shopware's published JSON; their combination is ours, as
    /// Shopware publishes no order webhook's body.
    fn webhook(event: &str, order: Value) -> Value {
        let mut body = fixture("shopware-product.written.json");
        body["data"]["event"] = json!(event);
        body["data"]["payload"] = json!({"order": order});
        body
    }

    /// The order as a webhook carries it: Shopware's `BusinessEventEncoder`
    /// encodes it in the Store API's scope, which leaves out the fields
    /// not marked `ApiAware` (of those the reader could use:
    /// `orderCustomer.customerId` and `orderCustomer.customer`).
    fn as_webhook_encodes(mut order: Value) -> Value {
        let customer = order["orderCustomer"].as_object_mut().unwrap();
        customer.remove("customerId");
        customer.remove("customer");
        order
    }

    fn with_transaction_state(mut order: Value, state: &str) -> Value {
        order["transactions"][0]["stateMachineState"]["technicalName"] = json!(state);
        order
    }

    /// What a webhook comes to; every event passes the one event parser.
    fn delivered(body: &Value) -> (Vec<Value>, Vec<String>) {
        match read(&topic(body), body).unwrap() {
            Hook::Events { events, codes } => {
                for event in &events {
                    Incoming::from_value(event, now()).unwrap();
                }
                (events, codes)
            }
            other => panic!("{other:?}"),
        }
    }

    const ORDER_ID: &str = "8f69d4874c53486a95383b2126161738";

    fn test_hash() -> String {
        crate::auth::sha256_hex("test@example.com")
    }

    /// The published order's paid event, by hand: order 10077, placed
    /// 2023-05-04T13:36:26.557+00:00, customer 5e5d6cd8… (not a guest),
    /// test@example.com. EUR, gross, at a 0% rate: no taxes
    /// (`price.calculatedTaxes` is empty), so the net goods are
    /// `positionPrice` 395.01 = 39501 cents; shipping 0. One product line,
    /// `f3b92a7a…` × 1 at 395.01: its share of the subtotal is all of it,
    /// 39501.
    fn published_paid() -> Value {
        json!({
            "id": format!("shopware.order.{ORDER_ID}.paid"),
            "kind": "order_paid",
            "member_id": "5e5d6cd8917c45839b2f6aa7b4bf1425",
            "member": {"email_hash": test_hash()},
            "occurred_at": "2023-05-04T13:36:26.557+00:00",
            "order": {"order_id": format!("shopware.{ORDER_ID}"), "currency": "EUR",
                      "subtotal_minor": 39501,
                      "lines": [{"sku": "f3b92a7a618544308094cb4713b3ed84", "qty": 1,
                                 "unit_price_minor": 39501}]}
        })
    }

    #[test]
    fn shopwares_published_envelope_is_ignored() {
        let body = fixture("shopware-product.written.json");
        assert_eq!(topic(&body), "product.written");
        assert_eq!(read(&topic(&body), &body).unwrap(), Hook::Ignored);
    }

    /// The test vector of Shopware's own app SDK (`RequestVerifierTest`):
    /// body `body`, shop secret `secret`.
    #[test]
    fn shopware_signatures_match_shopwares_own_test_vector() {
        let expected = "dc46983557fea127b43af721467eb9b3fde2338fe3e14f51952aa8478c13d355";
        assert_eq!(Platform::Shopware.sign("secret", b"body"), expected);
        assert!(Platform::Shopware.verify("secret", b"body", expected));
        assert!(!Platform::Shopware.verify("secret", b"body", "fake"));
        assert!(!Platform::Shopware.verify("other", b"body", expected));
        assert!(!Platform::Shopware.verify("secret", b"body!", expected));
    }

    #[test]
    fn a_paid_transaction_is_the_orders_order_paid() {
        let body = webhook(
            "state_enter.order_transaction.state.paid",
            published_order(),
        );
        let (events, codes) = delivered(&body);
        assert_eq!(events, [published_paid()]);
        assert!(codes.is_empty());
        assert!(matches!(
            Incoming::from_value(&events[0], now()).unwrap(),
            Incoming::Member(_)
        ));
    }

    #[test]
    fn a_placed_order_is_credited_only_once_paid() {
        // The published order's one transaction is `open`: nothing yet.
        let body = webhook("checkout.order.placed", published_order());
        assert_eq!(read(&topic(&body), &body).unwrap(), Hook::Ignored);
        // Paid at once: the same event as the paid transaction's webhook.
        let paid = with_transaction_state(published_order(), "paid");
        let (placed, _) = delivered(&webhook("checkout.order.placed", paid.clone()));
        let (state, _) = delivered(&webhook("state_enter.order_transaction.state.paid", paid));
        assert_eq!(placed, state);
        assert_eq!(placed, [published_paid()]);
        // Its transactions' states left out: not known to be paid.
        let mut unknown = published_order();
        unknown["transactions"][0]["stateMachineState"] = Value::Null;
        let body = webhook("checkout.order.placed", unknown);
        assert_eq!(read(&topic(&body), &body).unwrap(), Hook::Ignored);
    }

    #[test]
    fn an_order_without_its_customers_id_or_a_guests_is_the_emails() {
        // As a webhook encodes it: no customerId, no customer.
        let body = webhook(
            "state_enter.order_transaction.state.paid",
            as_webhook_encodes(published_order()),
        );
        let (events, _) = delivered(&body);
        let mut expected = published_paid();
        expected.as_object_mut().unwrap().remove("member_id");
        assert_eq!(events, [expected.clone()]);
        assert!(matches!(
            Incoming::from_value(&events[0], now()).unwrap(),
            Incoming::Guest(_)
        ));
        // A guest customer embedded: the email's too.
        let mut guest = published_order();
        guest["orderCustomer"]["customer"]["guest"] = json!(true);
        let (events, _) = delivered(&webhook("state_enter.order_transaction.state.paid", guest));
        assert_eq!(events, [expected]);
    }

    #[test]
    fn a_gross_orders_subtotal_is_its_goods_net_after_promotions() {
        // The published order edited to a 19% gross order with a second
        // product line (3 × 10.00), a 39.50 promotion (code SPRING10) and
        // 4.99 shipping. Positions: 395.01 + 30.00 - 39.50 = 385.51 gross.
        // Taxes: the goods' 385.51 × 19/119 = 61.55, the shipping's 4.99 ×
        // 19/119 = 0.80, the order's 62.35. Net goods: 385.51 - (62.35 -
        // 0.80) = 323.96. The lines' share: 32396 / (39501 + 3000), so
        // 39501 → 30109 and 3000 → 2286, 762 each (30109 + 2286 = 32395,
        // never more than the subtotal).
        let mut order = published_order();
        let mut second = order["lineItems"][0].clone();
        second["quantity"] = json!(3);
        second["unitPrice"] = json!(10.0);
        second["totalPrice"] = json!(30.0);
        second["payload"]["productNumber"] = json!("SW10002");
        let mut promotion = order["lineItems"][0].clone();
        promotion["type"] = json!("promotion");
        promotion["unitPrice"] = json!(-39.5);
        promotion["totalPrice"] = json!(-39.5);
        promotion["payload"] = json!({"code": "SPRING10"});
        let items = order["lineItems"].as_array_mut().unwrap();
        items.push(second);
        items.push(promotion);
        order["price"]["positionPrice"] = json!(385.51);
        order["price"]["calculatedTaxes"] = json!([{"tax": 62.35, "taxRate": 19, "price": 390.5, "apiAlias": "cart_tax_calculated"}]);
        order["shippingCosts"]["totalPrice"] = json!(4.99);
        order["shippingCosts"]["calculatedTaxes"] =
            json!([{"tax": 0.8, "taxRate": 19, "price": 4.99, "apiAlias": "cart_tax_calculated"}]);
        let (events, codes) = delivered(&webhook(
            "state_enter.order_transaction.state.paid",
            order.clone(),
        ));
        assert_eq!(events[0]["order"]["subtotal_minor"], 32396);
        assert_eq!(
            events[0]["order"]["lines"],
            json!([{"sku": "f3b92a7a618544308094cb4713b3ed84", "qty": 1, "unit_price_minor": 30109},
                   {"sku": "SW10002", "qty": 3, "unit_price_minor": 762}])
        );
        assert_eq!(codes, ["SPRING10"]);
        // Net prices: the positions are the net goods, taxes aside.
        order["price"]["taxStatus"] = json!("net");
        let (events, _) = delivered(&webhook("state_enter.order_transaction.state.paid", order));
        assert_eq!(events[0]["order"]["subtotal_minor"], 38551);
    }

    #[test]
    fn a_cancelled_order_is_cancelled_unless_it_shows_it_was_never_paid() {
        // The published order's transaction is `open`: never paid.
        let body = webhook("state_enter.order.state.cancelled", published_order());
        assert_eq!(read(&topic(&body), &body).unwrap(), Hook::Ignored);
        let cancelled = json!({
            "id": format!("shopware.order.{ORDER_ID}.cancelled"),
            "kind": "order_cancelled",
            "member_id": "5e5d6cd8917c45839b2f6aa7b4bf1425",
            "member": {"email_hash": test_hash()},
            "occurred_at": "2023-05-04T13:36:26.557+00:00",
            "order": {"order_id": format!("shopware.{ORDER_ID}")}
        });
        for order in [
            with_transaction_state(published_order(), "paid"),
            with_transaction_state(published_order(), "cancelled"),
        ] {
            let (events, codes) = delivered(&webhook("state_enter.order.state.cancelled", order));
            assert_eq!(events, std::slice::from_ref(&cancelled));
            assert!(codes.is_empty());
        }
        // The transactions' states not embedded (as Shopware's state
        // events load them): it cannot be told, so the cancellation goes.
        let mut unknown = published_order();
        unknown["transactions"][0]["stateMachineState"] = Value::Null;
        let (events, _) = delivered(&webhook("state_enter.order.state.cancelled", unknown));
        assert_eq!(events, [cancelled]);
    }

    #[test]
    fn a_refunded_transaction_refunds_the_whole_subtotal() {
        let order = with_transaction_state(published_order(), "refunded");
        let (events, codes) = delivered(&webhook(
            "state_enter.order_transaction.state.refunded",
            order.clone(),
        ));
        assert_eq!(
            events,
            [json!({
                "id": format!("shopware.order.{ORDER_ID}.refunded"),
                "kind": "order_refunded",
                "member_id": "5e5d6cd8917c45839b2f6aa7b4bf1425",
                "member": {"email_hash": test_hash()},
                "occurred_at": "2023-05-04T13:36:26.557+00:00",
                "order": {"order_id": format!("shopware.{ORDER_ID}"), "currency": "EUR",
                          "refund_minor": 39501}
            })]
        );
        assert!(codes.is_empty());
        // A partial refund does not say how much; a completed order is not
        // a payment.
        for event in [
            "state_enter.order_transaction.state.refunded_partially",
            "state_enter.order.state.completed",
        ] {
            assert_eq!(
                read(event, &webhook(event, order.clone())).unwrap(),
                Hook::Ignored
            );
        }
    }

    #[test]
    fn a_payload_missing_what_an_event_needs_names_each_field() {
        let event = "state_enter.order_transaction.state.paid";
        let paths = |order: Value| -> Vec<String> {
            read(event, &webhook(event, order))
                .unwrap_err()
                .into_iter()
                .map(|p| p.path)
                .collect()
        };
        let mut order = published_order();
        let map = order.as_object_mut().unwrap();
        map.remove("orderDateTime");
        map.remove("currency");
        map["orderCustomer"]
            .as_object_mut()
            .unwrap()
            .remove("customerId");
        map["orderCustomer"]
            .as_object_mut()
            .unwrap()
            .remove("email");
        assert_eq!(
            paths(order),
            [
                "$.data.payload.order.orderDateTime",
                "$.data.payload.order.orderCustomer.email",
                "$.data.payload.order.currency.isoCode",
            ]
        );
        // Amounts that are not exact decimals of the currency.
        let mut order = published_order();
        order["price"]["positionPrice"] = json!(1e20);
        order["lineItems"][0]["totalPrice"] = json!(395.015);
        order["lineItems"][0]["quantity"] = json!("1");
        assert_eq!(
            paths(order),
            [
                "$.data.payload.order.price.positionPrice",
                "$.data.payload.order.lineItems[0].quantity",
                "$.data.payload.order.lineItems[0].totalPrice",
            ]
        );
        let mut order = published_order();
        order.as_object_mut().unwrap().remove("lineItems");
        order["price"]["taxStatus"] = json!("sometimes");
        order.as_object_mut().unwrap().remove("taxStatus");
        assert_eq!(
            paths(order),
            [
                "$.data.payload.order.price.taxStatus",
                "$.data.payload.order.lineItems",
            ]
        );
        // No order at all.
        let mut body = webhook(event, json!({}));
        body["data"]["payload"] = json!([]);
        let problems = read(event, &body).unwrap_err();
        assert_eq!(problems[0].path, "$.data.payload.order");
    }
}
