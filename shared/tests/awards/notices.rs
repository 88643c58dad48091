//! Notices: what each change tells the shop's systems, derived from the
//! state before and after and the entries written, only of the topics
//! wanted.

use loyalty_rules::MemberState;
use loyalty_rules::notice::{Happened, Notice, Topic, Topics, notices};
use loyalty_rules::redemption::use_code;

use super::*;

/// One point per 1.00; bronze from 0, silver at 500.00 of spend; a $5
/// reward for 100.
fn shop() -> Shop {
    Shop::new(&program(json!({
        "earn_rules": [base()],
        "tiers": spend_tiers(lifetime()),
        "rewards": [{"id": "five", "name": {"en": "$5 off"}, "cost_points": 100,
                     "kind": "amount_off", "amount_minor": 500}]
    })))
}

/// The state and ledger of `member` (empty when never written).
fn snapshot(shop: &Shop, member: &str) -> (MemberState, usize) {
    let key = shop.book.state_key(&id(member), None);
    (
        shop.book.states.get(&key).cloned().unwrap_or_default(),
        shop.book.ledger_of(&id(member)).len(),
    )
}

/// The notices of what `change` did to `member`, of `topics`.
fn told(
    shop: &mut Shop,
    member: &str,
    topics: Topics,
    change: impl FnOnce(&mut Shop),
) -> Vec<Notice> {
    let (before, seen) = snapshot(shop, member);
    change(shop);
    let (after, _) = snapshot(shop, member);
    let entries = shop.book.ledger_of(&id(member))[seen..].to_vec();
    notices(&shop.book.program, &before, &after, &entries, now(), topics)
}

fn all() -> Topics {
    Topics::of(Topic::ALL)
}

#[test]
fn an_order_earns_and_reaches_a_tier_a_redemption_spends_a_used_code_says_so() {
    let mut shop = shop();
    let told_paid = told(&mut shop, "anna", all(), |shop| {
        shop.record_at(&by(paid("e-1", "o-1", 60000), "anna"), now())
            .unwrap();
    });
    let topics: Vec<Topic> = told_paid.iter().map(Notice::topic).collect();
    assert_eq!(topics, [Topic::PointsEarned, Topic::TierChanged]);
    assert_eq!(
        told_paid[0].happened,
        Happened::PointsEarned {
            points: 600,
            source: EntryKind::Earn,
            event_id: Some(id("e-1")),
            order_id: Some(id("o-1")),
        }
    );
    assert_eq!(
        told_paid[1].happened,
        Happened::TierChanged {
            from: Some(id("bronze")),
            to: Some(id("silver"))
        }
    );
    let standing = told_paid[1].member.clone().unwrap();
    assert_eq!(
        (standing.balance, standing.tier_id),
        (600, Some(id("silver")))
    );
    assert!(!standing.referral_code.is_empty());

    // The redemption: spent, redeemed; then the code used at checkout.
    let redeemed = told(&mut shop, "anna", all(), |shop| {
        shop.book.redeem(&id("anna"), "five", "k-1", now()).unwrap();
    });
    let code = match &redeemed[1].happened {
        Happened::RewardRedeemed { code, .. } => code.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        redeemed
            .iter()
            .map(|n| n.happened.clone())
            .collect::<Vec<_>>(),
        [
            Happened::PointsSpent {
                points: 100,
                reward_id: Some("five".into())
            },
            Happened::RewardRedeemed {
                reward_id: "five".into(),
                code: code.clone(),
                points_spent: 100
            },
        ]
    );
    assert_eq!(redeemed[0].member.as_ref().unwrap().balance, 500);
    let key = shop.book.state_key(&id("anna"), None);
    let used = told(&mut shop, "anna", all(), |shop| {
        let state = shop.book.states.get_mut(&key).unwrap();
        use_code(state, &code, now()).unwrap();
    });
    assert_eq!(
        used.iter().map(|n| n.happened.clone()).collect::<Vec<_>>(),
        [Happened::CodeUsed {
            code,
            reward_id: "five".into()
        }]
    );
}

#[test]
fn only_the_topics_wanted_and_nothing_for_a_change_that_tells_nothing() {
    let mut shop = shop();
    let wanted = Topics::of([Topic::TierChanged]);
    let told_paid = told(&mut shop, "anna", wanted, |shop| {
        shop.record_at(&by(paid("e-1", "o-1", 60000), "anna"), now())
            .unwrap();
    });
    assert_eq!(
        told_paid.iter().map(Notice::topic).collect::<Vec<_>>(),
        [Topic::TierChanged]
    );
    // No subscription: nothing derived at all.
    let none = told(&mut shop, "anna", Topics::default(), |shop| {
        shop.record_at(&by(paid("e-2", "o-2", 60000), "anna"), now())
            .unwrap();
    });
    assert!(none.is_empty());
    // A duplicate changes nothing and tells nothing.
    let again = told(&mut shop, "anna", all(), |shop| {
        shop.record_at(&by(paid("e-2", "o-2", 60000), "anna"), now())
            .unwrap();
    });
    assert!(again.is_empty(), "{again:?}");
    // A refund takes points back: nothing earned, the tier kept (1200.00 - 600.00 of spend).
    let refund = told(&mut shop, "anna", all(), |shop| {
        shop.record_at(&by(refunded("e-3", "o-2", 60000), "anna"), now())
            .unwrap();
    });
    assert!(refund.is_empty(), "{refund:?}");
}

#[test]
fn topics_have_one_name_each_and_a_set_holds_what_it_was_made_of() {
    for topic in Topic::ALL {
        assert_eq!(Topic::parse(topic.name()), Some(topic));
        assert_eq!(serde_json::to_value(topic).unwrap(), json!(topic.name()));
        assert!(Topics::of([topic]).contains(topic));
    }
    let some = Topics::of([Topic::CodeUsed, Topic::MemberErased]);
    assert!(!some.contains(Topic::PointsEarned));
    assert_eq!(
        some.union(Topics::of([Topic::PointsEarned])).0.count_ones(),
        3
    );
    // A notice's JSON: the topic beside its fields.
    let erased = Notice::erased(id("anna"), now());
    assert_eq!(
        serde_json::to_value(&erased).unwrap(),
        json!({"topic": "member_erased", "member_id": "anna", "occurred_at": "2026-11-23T12:00:00Z"})
    );
}
