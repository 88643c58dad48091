//! Orders paid in another currency than the program's: the rate an order
//! counts by, and the order as the program's currency sees it, so the award
//! arithmetic never meets a foreign amount.
//!
//! The rate comes from the event when it carries the subtotal in the
//! program's currency (`order.shop_subtotal_minor`, as platforms send
//! `shop_money`), else from the program's `exchange_rates`, else the order
//! is refused. An amount converts as `floor(amount * rate / scale)`; a
//! refund converts by the rate of its order, cumulatively, so a full refund
//! converts to exactly the order's converted subtotal.
//!
//! Invariant: a converted order's lines total at most its converted
//! subtotal's share of them (each unit price is floored), and the refunds
//! of an order, converted, add up to at most its converted subtotal, equal
//! once it is refunded in full.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::award::EventError;
use crate::event::{Event, EventKind};
use crate::json::Problem;
use crate::member::MemberState;
use crate::program::{MAX_AMOUNT, Program};

/// The merchant's rates: an amount in `currency` counts as
/// `floor(amount_minor * rates[currency] / scale)` minor units of the
/// program's currency. Minor units to minor units: at 1 EUR = 1.085 USD
/// and scale 1000000, EUR's rate is 1085000 (a cent is 1.085 cents); at
/// 1 JPY = 0.0067 USD, a yen (JPY has no minor unit) is 0.67 cents: 670000.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rates {
    pub scale: i64,
    pub rates: BTreeMap<String, i64>,
}

/// Where an order's rate came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RateSource {
    /// The event carried the subtotal in the program's currency:
    /// `rate / scale` is `shop_subtotal_minor / subtotal_minor`.
    Order,
    /// The program's `exchange_rates`.
    Program,
}

/// The rate one order counts by, kept with the order for its refunds and
/// named in the answers that used it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Exchange {
    /// The order's currency.
    pub currency: String,
    /// An amount counts as `floor(amount_minor * rate / scale)` minor units
    /// of the program's currency.
    pub rate: i64,
    pub scale: i64,
    pub source: RateSource,
    /// The order's subtotal and what was refunded of it so far, in its own
    /// currency.
    pub subtotal_minor: i64,
    #[serde(default)]
    pub refunded_minor: i64,
}

impl Exchange {
    /// `floor(amount * rate / scale)`, `None` beyond the largest amount.
    pub fn convert(&self, amount_minor: i64) -> Option<i64> {
        if self.scale <= 0 {
            return None;
        }
        let value = i128::from(amount_minor) * i128::from(self.rate) / i128::from(self.scale);
        i64::try_from(value).ok().filter(|v| *v <= MAX_AMOUNT)
    }
}

/// `event` as the program's currency sees it, with the rate it used; `None`
/// when nothing needs converting (the order is in the program's currency,
/// or the event has no order).
pub fn to_program_currency(
    program: &Program,
    state: &MemberState,
    event: &Event,
) -> Result<Option<(Event, Exchange)>, EventError> {
    let Some(order) = &event.order else {
        return Ok(None);
    };
    match event.kind {
        EventKind::OrderPaid => {
            let currency = order.currency.clone().unwrap_or_default();
            let subtotal = order.subtotal_minor.unwrap_or(0);
            if currency == program.currency {
                if order
                    .shop_subtotal_minor
                    .is_some_and(|shop| shop != subtotal)
                {
                    return Err(invalid(
                        "$.order.shop_subtotal_minor",
                        "differs from subtotal_minor, though the order is in the program's currency",
                    ));
                }
                return Ok(None);
            }
            let exchange = match (order.shop_subtotal_minor, program.exchange_rates.as_ref()) {
                (Some(shop), _) => {
                    if subtotal == 0 && shop != 0 {
                        return Err(invalid(
                            "$.order.shop_subtotal_minor",
                            "must be 0 when subtotal_minor is 0",
                        ));
                    }
                    Exchange {
                        currency,
                        rate: shop,
                        scale: subtotal.max(1),
                        source: RateSource::Order,
                        subtotal_minor: subtotal,
                        refunded_minor: 0,
                    }
                }
                (None, Some(rates)) if rates.rates.contains_key(&currency) => Exchange {
                    rate: rates.rates[&currency],
                    scale: rates.scale,
                    currency,
                    source: RateSource::Program,
                    subtotal_minor: subtotal,
                    refunded_minor: 0,
                },
                _ => {
                    return Err(EventError::CurrencyMismatch {
                        expected: program.currency.clone(),
                        got: currency,
                    });
                }
            };
            let mut converted = event.clone();
            let into = converted.order.as_mut().expect("an order");
            into.currency = Some(program.currency.clone());
            into.subtotal_minor = Some(exchange.convert(subtotal).ok_or(EventError::OutOfRange)?);
            into.shop_subtotal_minor = None;
            for line in &mut into.lines {
                line.unit_price_minor = exchange
                    .convert(line.unit_price_minor)
                    .ok_or(EventError::OutOfRange)?;
            }
            Ok(Some((converted, exchange)))
        }
        EventKind::OrderRefunded | EventKind::OrderCancelled => {
            let Some(exchange) = state
                .orders
                .get(&order.order_id)
                .and_then(|record| record.exchange.as_ref())
            else {
                // An order in the program's currency (or one unknown, which
                // the award's checks refuse): a refund in another currency
                // cannot be one of its refunds.
                return match &order.currency {
                    Some(currency) if *currency != program.currency => {
                        Err(EventError::CurrencyMismatch {
                            expected: program.currency.clone(),
                            got: currency.clone(),
                        })
                    }
                    _ => Ok(None),
                };
            };
            if order
                .currency
                .as_ref()
                .is_some_and(|c| *c != exchange.currency)
            {
                return Err(invalid(
                    "$.order.currency",
                    &format!("must be {}, the currency of the order", exchange.currency),
                ));
            }
            let mut used = exchange.clone();
            let mut converted = event.clone();
            let into = converted.order.as_mut().expect("an order");
            into.currency = Some(program.currency.clone());
            if event.kind == EventKind::OrderRefunded {
                // Cumulative: what all refunds so far convert to, less what
                // the earlier ones did.
                let before = exchange.convert(exchange.refunded_minor).unwrap_or(0);
                used.refunded_minor = exchange
                    .refunded_minor
                    .saturating_add(order.refund_minor.unwrap_or(0))
                    .min(exchange.subtotal_minor);
                let after = used.convert(used.refunded_minor).unwrap_or(0);
                into.refund_minor = Some(after.saturating_sub(before).max(0));
            }
            Ok(Some((converted, used)))
        }
        _ => Ok(None),
    }
}

fn invalid(path: &str, message: &str) -> EventError {
    EventError::Invalid(vec![Problem {
        path: path.into(),
        message: message.into(),
    }])
}
