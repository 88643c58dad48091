//! Every reward kind: a free product's code, store credit as a balance in
//! money spent as checkout codes (never more than held), donations added up
//! per cause in the analytics.

use super::*;
use loyalty_rules::member::CodeStatus;
use loyalty_rules::program::Benefit;

fn kinds() -> String {
    program(json!({
        "earn_rules": [base(),
            {"id": "back", "event": "order_paid", "effect": {"kind": "cashback", "bp": 500}}],
        "rewards": [
            {"id": "mug", "name": {"en": "Mug"}, "cost_points": 300, "kind": "free_product", "sku": "mug-1"},
            {"id": "credit", "name": {"en": "$10 credit"}, "cost_points": 500, "kind": "store_credit",
             "amount_minor": 1000},
            {"id": "tree", "name": {"en": "A tree"}, "cost_points": 100, "kind": "donation",
             "cause": "Plant a tree", "amount_minor": 150}
        ]
    }))
}

#[test]
fn a_free_product_is_a_code_used_once() {
    // 1000.00: 1000 points, 5 % cashback = 5000 in credit.
    let (mut shop, answers) = check(
        &kinds(),
        &[(
            paid("e-1", "o-1", 100000),
            award(&[("base", 1000)], 1000, 1000),
        )],
    );
    assert_eq!(answers[0].store_credit_minor, 5000);
    let mug = shop.redeem("m-1", "mug", "k-1").unwrap().redemption;
    assert_eq!(mug.balance, 700);
    let state = shop.book.states.get_mut(&id("m-1")).unwrap();
    let used = use_code(state, &mug.code, now()).unwrap();
    assert_eq!(
        used.benefit,
        Benefit::FreeProduct {
            sku: "mug-1".into()
        }
    );
    assert_eq!(
        use_code(state, &mug.code, now()).unwrap_err(),
        CodeError::AlreadyUsed
    );
}

#[test]
fn store_credit_is_a_balance_spent_as_codes_never_beyond_it() {
    let (mut shop, _) = check(
        &kinds(),
        &[(
            paid("e-1", "o-1", 100000),
            award(&[("base", 1000)], 1000, 1000),
        )],
    );
    // Points into credit: 5000 + 1000 = 6000; its code shows used at once.
    let credit = shop.redeem("m-1", "credit", "k-1").unwrap().redemption;
    assert_eq!(
        (credit.credit_minor, credit.store_credit_minor),
        (Some(1000), Some(6000))
    );
    assert_eq!(credit.balance, 500);
    let state = shop.book.state_of(&id("m-1")).unwrap();
    assert_eq!(state.code(&credit.code).unwrap().status, CodeStatus::Used);
    // Spend 25.00 of it at checkout: a code of 25.00 off; 3500 left.
    let spent = shop
        .book
        .spend_credit(&id("m-1"), 2500, "c-1", now())
        .unwrap();
    assert!(!spent.replayed);
    assert_eq!(spent.redemption.store_credit_minor, Some(3500));
    assert_eq!(spent.redemption.credit_minor, Some(-2500));
    let code = spent.redemption.code.clone();
    assert_eq!(
        shop.book
            .state_of(&id("m-1"))
            .unwrap()
            .code(&code)
            .unwrap()
            .benefit,
        Benefit::AmountOff { amount_minor: 2500 }
    );
    // The same key replays; with another amount it is a conflict.
    let again = shop
        .book
        .spend_credit(&id("m-1"), 2500, "c-1", now())
        .unwrap();
    assert!(again.replayed);
    assert_eq!(again.redemption.code, code);
    assert_eq!(
        shop.book
            .spend_credit(&id("m-1"), 100, "c-1", now())
            .unwrap_err(),
        RedeemError::KeyConflict
    );
    // Never more than held (3500), never nothing; nothing changes.
    let refused = shop
        .book
        .spend_credit(&id("m-1"), 3501, "c-2", now())
        .unwrap_err();
    assert_eq!(
        (refused.code(), refused.status()),
        ("insufficient_credit", 409)
    );
    let zero = shop
        .book
        .spend_credit(&id("m-1"), 0, "c-3", now())
        .unwrap_err();
    assert_eq!((zero.code(), zero.status()), ("invalid_amount", 422));
    assert_eq!(
        shop.book.state_of(&id("m-1")).unwrap().store_credit_minor,
        3500
    );
    // Cancelled unused, the code gives its 25.00 back: 6000.
    shop.book.cancel_code(&id("m-1"), &code, now()).unwrap();
    assert_eq!(
        shop.book.state_of(&id("m-1")).unwrap().store_credit_minor,
        6000
    );
    assert_eq!(shop.view("m-1", now()).store_credit_minor, 6000);
}

#[test]
fn donations_add_up_per_cause_and_a_cancelled_one_leaves() {
    let (mut shop, _) = check(
        &kinds(),
        &[
            (
                paid("e-1", "o-1", 100000),
                award(&[("base", 1000)], 1000, 1000),
            ),
            (
                by(paid("e-2", "o-2", 20000), "m-2"),
                award(&[("base", 200)], 200, 200),
            ),
        ],
    );
    let first = shop.redeem("m-1", "tree", "k-1").unwrap().redemption;
    shop.redeem("m-1", "tree", "k-2").unwrap();
    shop.redeem("m-2", "tree", "k-1").unwrap();
    // Three trees of 1.50: 4.50 for the cause.
    assert_eq!(
        shop.book.counters.report().donations,
        BTreeMap::from([("Plant a tree".to_owned(), 450)])
    );
    // One cancelled: its 100 points back, 3.00 for the cause.
    shop.book
        .cancel_code(&id("m-1"), &first.code, now())
        .unwrap();
    assert_eq!(
        shop.book.counters.report().donations,
        BTreeMap::from([("Plant a tree".to_owned(), 300)])
    );
    assert_eq!(shop.view("m-1", now()).balance, 900);
}
