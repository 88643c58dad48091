//! Orders paid in another currency: by the subtotal in the program's
//! currency the event carries, else by the program's rates, else refused;
//! the answer names the rate; refunds convert by their order's rate,
//! cumulatively, and a full refund takes back every point.

use super::*;

/// USD, with EUR at 1.085 and JPY at 0.0067 (0.67 cents a yen), scale 10^6;
/// 1 point per 1.00, 1 more per 1.00 of shoes, 3 % cashback.
fn multi_currency() -> String {
    program(json!({
        "earn_rules": [
            base(),
            on_lines(per_amount("shoes", 1, 100), "line.category", "eq", json!("shoes")),
            {"id": "back", "event": "order_paid", "effect": {"kind": "cashback", "bp": 300}}
        ],
        "exchange_rates": {"scale": 1_000_000, "rates": {"EUR": 1_085_000, "JPY": 670_000}}
    }))
}

fn paid_in(id: &str, order: &str, currency: &str, subtotal: i64) -> Value {
    with(
        paid(id, order, subtotal),
        json!({"order": {"currency": currency}}),
    )
}

fn shop_subtotal(event: Value, shop: i64) -> Value {
    with(event, json!({"order": {"shop_subtotal_minor": shop}}))
}

fn exchange_of(answer: &Answer) -> Value {
    serde_json::to_value(answer.exchange.as_ref().expect("an exchange")).unwrap()
}

#[test]
fn an_order_in_another_currency_counts_by_the_program_s_rate() {
    let (_, answers) = check(
        &multi_currency(),
        &[
            // 100.00 EUR: floor(10000 * 1085000 / 1000000) = 10850 cents.
            // base floor(10850 / 100) = 108; cashback floor(10850 * 300 / 10000) = 325.
            (
                paid_in("e-1", "o-1", "EUR", 10000),
                award(&[("base", 108)], 108, 108),
            ),
            // 15000 yen: floor(15000 * 670000 / 1000000) = 10050 cents: 100. 208.
            (
                paid_in("e-2", "o-2", "JPY", 15000),
                award(&[("base", 100)], 100, 208),
            ),
            // No rate for GBP and no subtotal in USD: refused, nothing changes.
            (
                paid_in("e-3", "o-3", "GBP", 10000),
                refused("currency_mismatch", 422),
            ),
        ],
    );
    assert_eq!(
        exchange_of(&answers[0]),
        json!({"currency": "EUR", "rate": 1_085_000, "scale": 1_000_000,
               "source": "program", "subtotal_minor": 10000, "refunded_minor": 0})
    );
    assert_eq!(answers[0].store_credit_minor, 325);
    assert!(answers.iter().all(|a| a.exchange.is_some()));
}

#[test]
fn the_subtotal_in_shop_money_wins_and_converts_the_lines_too() {
    let eur = lines(
        shop_subtotal(paid_in("e-1", "o-1", "EUR", 10000), 10912),
        json!([
            line("boot", Some("shoes"), 1, 6000),
            line("sock", None, 2, 2000)
        ]),
    );
    let (shop, answers) = check(
        &multi_currency(),
        &[
            // The order says 100.00 EUR is 109.12 USD: that, not the program's
            // 1.085. base floor(10912 / 100) = 109; the shoe line
            // floor(6000 * 10912 / 10000) = 6547: 65. 109 + 65 = 174.
            (eur, award(&[("base", 109), ("shoes", 65)], 174, 174)),
            // In the program's currency, shop money must agree with the subtotal.
            (
                shop_subtotal(paid("e-2", "o-2", 5000), 5001),
                refused("invalid_event", 422),
            ),
            (
                shop_subtotal(paid("e-3", "o-3", 5000), 5000),
                award(&[("base", 50)], 50, 224),
            ),
        ],
    );
    assert_eq!(
        exchange_of(&answers[0]),
        json!({"currency": "EUR", "rate": 10912, "scale": 10000,
               "source": "order", "subtotal_minor": 10000, "refunded_minor": 0})
    );
    assert!(answers[1].exchange.is_none());
    // Spend counts in dollars: 109.12 + 50.00.
    let state = shop.book.state_of(&id("m-1")).unwrap();
    assert_eq!(state.net_spend(), 10912 + 5000);
}

#[test]
fn refunds_convert_by_their_order_s_rate_and_a_full_one_takes_all_back() {
    let eur = lines(
        shop_subtotal(paid_in("e-1", "o-1", "EUR", 10000), 10912),
        json!([
            line("boot", Some("shoes"), 1, 6000),
            line("sock", None, 2, 2000)
        ]),
    );
    let (shop, answers) = check(
        &multi_currency(),
        &[
            (eur, award(&[("base", 109), ("shoes", 65)], 174, 174)),
            // 33.33 EUR: all refunds so far, 3333, are floor(3333 * 10912 /
            // 10000) = 3636 cents; floor(174 * 3636 / 10912) = 57 back. 117.
            (refunded("e-2", "o-1", 3333), took(-57, 117)),
            // 66.66 EUR so far: floor(6666 * 1.0912) = 7273 cents;
            // floor(174 * 7273 / 10912) = 115, less 57: 58 back. 59.
            (refunded("e-3", "o-1", 3333), took(-58, 59)),
            // A refund in another currency than its order's is refused.
            (
                with(
                    refunded("e-4", "o-1", 100),
                    json!({"order": {"currency": "GBP"}}),
                ),
                refused("invalid_event", 422),
            ),
            // The rest, 33.34 EUR: 100.00 in all, 10912 cents, everything:
            // 174 - 115 = 59 back. 0.
            (
                with(
                    refunded("e-5", "o-1", 3334),
                    json!({"order": {"currency": "EUR"}}),
                ),
                took(-59, 0),
            ),
        ],
    );
    assert_eq!(exchange_of(&answers[3])["refunded_minor"], 10000);
    assert_eq!(exchange_of(&answers[1])["refunded_minor"], 3333);
    let state = shop.book.state_of(&id("m-1")).unwrap();
    assert_eq!(state.net_spend(), 0);
    assert_eq!(state.store_credit_minor, 0);
}
