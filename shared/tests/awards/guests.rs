//! Guests' orders: held under the email hash for `guest_days`, credited
//! once to the member who signs up with that hash, the lines saying so.

use loyalty_rules::event::Incoming;

use super::*;

const HASH: &str = "h-anna";

/// One point per 1.00, 50 for signing up; guests' orders held 30 days.
fn held() -> String {
    program(json!({
        "earn_rules": [base(), fixed("welcome", "signup", 50)],
        "guest_days": 30
    }))
}

fn guest(id: &str, kind: &str, order: Value, when: &str) -> Value {
    json!({"id": id, "kind": kind, "occurred_at": when,
           "member": {"email_hash": HASH}, "order": order})
}

fn guest_paid(id: &str, order: &str, subtotal: i64, when: &str) -> Value {
    let order = json!({"order_id": order, "currency": "USD", "subtotal_minor": subtotal});
    guest(id, "order_paid", order, when)
}

fn guest_refund(id: &str, order: &str, refund: i64) -> Value {
    guest(
        id,
        "order_refunded",
        json!({"order_id": order, "refund_minor": refund}),
        AT,
    )
}

fn signup(id: &str, member: &str) -> Value {
    with(
        by(event(id, "signup"), member),
        json!({"member": {"email_hash": HASH}}),
    )
}

fn days_before(days: i64) -> String {
    (time(AT) - Duration::days(days)).to_rfc3339()
}

fn send(shop: &mut Shop, event: &Value) -> Result<Answer, EventError> {
    let incoming = Incoming::from_value(event, now())
        .unwrap_or_else(|p| panic!("event refused: {p:?}\n{event}"));
    shop.book.record_incoming(&incoming, now())
}

fn lines_of(answer: &Answer) -> Vec<(String, i64)> {
    let mut lines: Vec<_> = answer
        .lines
        .iter()
        .map(|l| (l.rule.to_string(), l.points))
        .collect();
    lines.sort();
    lines
}

#[test]
fn a_guests_orders_are_credited_once_to_the_member_who_signs_up_with_the_hash() {
    let mut shop = Shop::new(&held());
    // 120.00 ten days ago and 80.00 five days ago, 30.00 of it refunded:
    // held until the day each was paid + 30 days; nothing given yet.
    let first = send(
        &mut shop,
        &guest_paid("g-1", "o-1", 12000, &days_before(10)),
    )
    .unwrap();
    assert_eq!(first.points, 0);
    assert_eq!(first.held_until, Some(time(AT) + Duration::days(20)));
    let second = send(&mut shop, &guest_paid("g-2", "o-2", 8000, &days_before(5))).unwrap();
    assert_eq!(second.held_until, Some(time(AT) + Duration::days(25)));
    let refund = send(&mut shop, &guest_refund("g-3", "o-2", 3000)).unwrap();
    assert_eq!(refund.held_until, Some(time(AT) + Duration::days(25)));
    // The platform's retry: the first answer again.
    let again = send(
        &mut shop,
        &guest_paid("g-1", "o-1", 12000, &days_before(10)),
    )
    .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.held_until, first.held_until);
    assert!(shop.book.states.is_empty(), "a guest has no member state");

    // Anna signs up: 50 + o-1 120 + o-2 (80 - 30 =) 50 = 220.
    let joined = send(&mut shop, &signup("s-1", "m-1")).unwrap();
    assert_eq!(
        lines_of(&joined),
        [
            ("guest_order:o-1".to_owned(), 120),
            ("guest_order:o-2".to_owned(), 50),
            ("welcome".to_owned(), 50)
        ]
    );
    assert_eq!((joined.points, joined.balance), (220, 220));
    let credits: Vec<_> = joined
        .guest_orders
        .iter()
        .map(|c| (c.order_id.to_string(), c.points))
        .collect();
    assert_eq!(credits, [("o-1".to_owned(), 120), ("o-2".to_owned(), 50)]);
    // The ledger says which entries came from guest orders.
    let notes: Vec<_> = shop
        .book
        .ledger_of(&id("m-1"))
        .iter()
        .map(|e| (e.points, e.note.clone()))
        .collect();
    let guest_note = Some("guest_order".to_owned());
    assert_eq!(
        notes,
        [
            (50, None),
            (120, guest_note.clone()),
            (80, guest_note.clone()),
            (-30, guest_note.clone())
        ]
    );
    let profile = shop
        .book
        .state_of(&id("m-1"))
        .unwrap()
        .profile(&id("m-1"))
        .unwrap();
    let added = profile.guest_orders.clone().unwrap();
    assert_eq!((added.orders, added.points), (2, 170));

    // The signup again: the same answer, nothing credited twice.
    let again = send(&mut shop, &signup("s-1", "m-1")).unwrap();
    assert!(again.duplicate);
    assert_eq!(again.balance, 220);
    // Another member with the same hash gets only their welcome.
    let other = send(&mut shop, &signup("s-2", "m-2")).unwrap();
    assert_eq!((other.points, other.balance), (50, 50));
    assert!(other.guest_orders.is_empty());

    // After the signup, the hash is Anna's: a refund of a credited order
    // and a new guest checkout go to her. 20.00 back: -20; 10.00: +10.
    let refund = send(&mut shop, &guest_refund("g-4", "o-1", 2000)).unwrap();
    assert_eq!((refund.points, refund.balance), (-20, 200));
    let later = send(&mut shop, &guest_paid("g-5", "o-5", 1000, AT)).unwrap();
    assert_eq!((later.points, later.balance), (10, 210));
    assert_eq!(later.held_until, None);
    // Retries of both, and of a held one, change nothing.
    for event in [
        guest_refund("g-4", "o-1", 2000),
        guest_paid("g-5", "o-5", 1000, AT),
        guest_paid("g-2", "o-2", 8000, &days_before(5)),
    ] {
        assert!(send(&mut shop, &event).unwrap().duplicate);
    }
    assert_eq!(shop.book.view(&id("m-1"), now(), "en").balance, 210);
    // Another body under a used id is a conflict.
    let conflict = send(&mut shop, &guest_paid("g-5", "o-5", 999, AT)).unwrap_err();
    assert_eq!(conflict.code(), "event_id_conflict");
}

#[test]
fn guest_orders_are_refused_clearly_and_change_nothing() {
    // A program that holds none: 422 guest_orders_off.
    let mut shop = Shop::new(&rules(json!([base()])));
    let error = send(&mut shop, &guest_paid("g-1", "o-1", 1000, AT)).unwrap_err();
    assert_eq!((error.code(), error.status()), ("guest_orders_off", 422));
    assert!(shop.book.guests.is_empty() && shop.book.guest_events.is_empty());

    let mut shop = Shop::new(&held());
    // Paid 30 days ago: its hold is over.
    let error = send(&mut shop, &guest_paid("g-1", "o-1", 1000, &days_before(30))).unwrap_err();
    assert_eq!(error.code(), "invalid_event");
    // A refund of an order not held; a second payment of a held order.
    let error = send(&mut shop, &guest_refund("g-2", "o-9", 100)).unwrap_err();
    assert_eq!(error.code(), "unknown_order");
    send(&mut shop, &guest_paid("g-3", "o-3", 1000, AT)).unwrap();
    let error = send(&mut shop, &guest_paid("g-4", "o-3", 1000, AT)).unwrap_err();
    assert_eq!(error.code(), "duplicate_order");
    // A currency the program cannot convert.
    let yen = guest(
        "g-5",
        "order_paid",
        json!({"order_id": "o-5", "currency": "JPY", "subtotal_minor": 1000}),
        AT,
    );
    assert_eq!(
        send(&mut shop, &yen).unwrap_err().code(),
        "currency_mismatch"
    );
    assert_eq!(shop.book.guests[HASH].held.len(), 1);

    // What the parser refuses: no member and no hash; a guest's event that
    // is not an order; member facts or a referral code on a guest's order.
    let problems = |event: Value| {
        Incoming::from_value(&event, now())
            .expect_err("refused")
            .into_iter()
            .map(|p| p.path)
            .collect::<Vec<_>>()
    };
    let mut bare = guest_paid("g-6", "o-6", 1000, AT);
    bare.as_object_mut().unwrap().remove("member");
    assert_eq!(problems(bare), ["$.member_id"]);
    let mut review = guest_paid("g-7", "o-7", 1000, AT);
    review["kind"] = json!("review_posted");
    assert_eq!(problems(review), ["$.member_id"]);
    let mut tagged = guest_paid("g-8", "o-8", 1000, AT);
    tagged["member"]["tags"] = json!(["vip"]);
    tagged["referral_code"] = json!("R-1");
    assert_eq!(problems(tagged), ["$.referral_code", "$.member"]);
    // A member's event parsed alone still needs its member id.
    let alone = Event::from_value(&guest_paid("g-9", "o-9", 1000, AT), now()).unwrap_err();
    assert_eq!(alone[0].path, "$.member_id");
}

#[test]
fn an_order_past_its_hold_is_not_credited_and_erasure_takes_the_held_orders() {
    let mut shop = Shop::new(&held());
    // Paid 29 days before AT: held until a day after it.
    send(&mut shop, &guest_paid("g-1", "o-1", 5000, &days_before(29))).unwrap();
    send(&mut shop, &guest_paid("g-2", "o-2", 7000, AT)).unwrap();
    // Anna signs up two days later: o-1's hold is over, o-2 is credited.
    let later = now() + Duration::days(2);
    let event = Incoming::from_value(&signup("s-1", "m-1"), later).unwrap();
    let joined = shop.book.record_incoming(&event, later).unwrap();
    assert_eq!(
        lines_of(&joined),
        [
            ("guest_order:o-2".to_owned(), 70),
            ("welcome".to_owned(), 50)
        ]
    );
    // Erased: the orders held under her hash go with her.
    assert!(shop.book.guests.contains_key(HASH));
    shop.book.erase(&id("m-1"), later).unwrap();
    assert!(!shop.book.guests.contains_key(HASH));
}

#[test]
fn a_guest_order_after_the_signup_is_the_members_own() {
    let mut shop = Shop::new(&held());
    // Signed up before any guest order: the hash is claimed all the same.
    let joined = send(&mut shop, &signup("s-1", "m-1")).unwrap();
    assert_eq!((joined.points, joined.guest_orders.len()), (50, 0));
    // A checkout as a guest later: 45.00, the member's own at once.
    let later = send(&mut shop, &guest_paid("g-1", "o-1", 4500, AT)).unwrap();
    assert_eq!(
        (later.points, later.balance, later.held_until),
        (45, 95, None)
    );
    assert!(shop.book.guests[HASH].held.is_empty());
}
