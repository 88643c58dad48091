//! The merchant's reads behind the console: the list of members (search,
//! sort, paging, erasure), the program's versions, the recent events the
//! backtest replays, the metrics day by day and the install checklist.

use loyalty_client::{DailyQuery, MemberSort, MembersQuery, RecentEventsQuery, SortOrder, events};
use loyalty_rules::EventKind;
use serde_json::json;
use xtask::clock::{days_ago, now};

use crate::world::{World, at, contract_program, order, raw};

/// Every page of the list for one query, in order.
fn all_pages(shop: &crate::world::Shop, query: MembersQuery) -> Vec<loyalty_client::MemberRow> {
    let mut rows = Vec::new();
    let mut query = MembersQuery {
        limit: Some(2),
        ..query
    };
    loop {
        let page = shop.api.members(&query).expect("a page of members");
        assert!(page.members.len() <= 2);
        rows.extend(page.members);
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => return rows,
        }
    }
}

pub fn console_reads(world: &mut World) {
    let program = contract_program();
    let shop = world.shop(&program);
    let checklist = shop.api.setup().expect("the checklist");
    assert_eq!(checklist.program_version, 1);
    assert_eq!(
        (
            checklist.firsts.widget_at,
            checklist.firsts.event_at,
            checklist.firsts.member_at
        ),
        (None, None, None),
        "nothing happened yet"
    );

    // Versions: who saved each and when; an old one reads back as saved.
    let mut second = raw(&program);
    second["pending_days"] = json!(1);
    assert_eq!(shop.put_program(&second).status, 200);
    let versions = shop.api.program_versions().expect("the versions");
    assert_eq!(versions.current, 2);
    assert!(
        versions.your_key.starts_with("key:"),
        "{}",
        versions.your_key
    );
    let listed: Vec<u64> = versions.versions.iter().map(|v| v.version).collect();
    assert_eq!(listed, vec![2, 1], "newest first");
    for version in &versions.versions {
        assert_eq!(
            version.saved_by.as_deref(),
            Some(versions.your_key.as_str())
        );
        let saved = version.saved_at.expect("when it was saved");
        assert!((now() - saved).num_minutes().abs() < 10, "{saved}");
    }
    let first = shop.api.program_version(1).expect("version 1");
    assert_eq!(first.program, raw(&program), "as it was saved");
    for (path, status) in [
        ("/v1/shops/{shop}/program/versions/3", 404),
        ("/v1/shops/{shop}/program/versions/0", 422),
        ("/v1/shops/{shop}/program/versions/two", 422),
    ] {
        let answer = shop.merchant("GET", path, b"");
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
    }
    // Rolled back: version 1's document saved again is version 3.
    assert_eq!(shop.put_program(&first.program).status, 200);
    assert_eq!(shop.api.program().unwrap().program, raw(&program));

    // Members a, b, c with different balances and activity; a has an email hash.
    let hash = "a".repeat(64);
    let mut signup = events::of_kind(EventKind::Signup, "a-s", "mem-a", at(days_ago(9))).unwrap();
    signup.member = Some(loyalty_rules::event::MemberFacts {
        email_hash: Some(hash.clone()),
        ..Default::default()
    });
    let sent = [
        signup,
        events::of_kind(EventKind::Signup, "b-s", "mem-b", at(days_ago(9))).unwrap(),
        events::of_kind(EventKind::Signup, "c-s", "mem-c", at(days_ago(9))).unwrap(),
        order("a-o1", "mem-a", "ao1", 30000),
        order("b-o1", "mem-b", "bo1", 5000),
        // a's newest activity: paid two days ago.
        events::order_paid("a-o2", "mem-a", "ao2", "USD", 2000, vec![], at(days_ago(2))).unwrap(),
    ];
    for event in &sent {
        shop.record(event);
    }
    let balance = |member: &str| shop.view(member).view.balance;
    let by_balance = all_pages(
        &shop,
        MembersQuery {
            sort: Some(MemberSort::Balance),
            ..MembersQuery::default()
        },
    );
    let ids: Vec<&str> = by_balance.iter().map(|m| m.member_id.as_str()).collect();
    assert_eq!(ids, ["mem-a", "mem-b", "mem-c"], "richest first");
    for row in &by_balance {
        assert_eq!(row.balance, balance(&row.member_id), "{}", row.member_id);
        assert_eq!(row.tier.as_deref(), Some("bronze"));
    }
    let ascending = all_pages(
        &shop,
        MembersQuery {
            sort: Some(MemberSort::Balance),
            order: Some(SortOrder::Asc),
            ..MembersQuery::default()
        },
    );
    let reversed: Vec<&str> = ascending
        .iter()
        .rev()
        .map(|m| m.member_id.as_str())
        .collect();
    assert_eq!(reversed, ids);
    // Last activity: a's second order is the newest.
    let recent = shop.api.members(&MembersQuery::default()).unwrap();
    assert_eq!(recent.total, 3);
    assert_eq!(recent.members[0].member_id, "mem-a");
    // Found by email hash, referral code, an id's beginning.
    let find = |q: &str| -> Vec<String> {
        let query = MembersQuery {
            q: Some(q.to_owned()),
            ..MembersQuery::default()
        };
        let found = shop.api.members(&query).unwrap();
        assert_eq!(found.total as usize, found.members.len());
        found.members.into_iter().map(|m| m.member_id).collect()
    };
    assert_eq!(find(&hash), ["mem-a"]);
    let code = shop.view("mem-b").view.referral.expect("a referral").code;
    assert_eq!(find(&code), ["mem-b"]);
    assert_eq!(find(&code.to_ascii_lowercase()), ["mem-b"], "any case");
    assert_eq!(find("mem-").len(), 3);
    assert!(find("nobody").is_empty());
    for (query, name, status) in [
        ("sort=points", "sort", 400),
        ("order=up", "order", 400),
        ("limit=0", "limit", 400),
        ("cursor=nonsense", "cursor", 422),
    ] {
        let answer = shop.merchant("GET", &format!("/v1/shops/{{shop}}/members?{query}"), b"");
        assert_eq!(answer.status, status, "{query}: {}", answer.body);
        assert_eq!(answer.json()["problems"][0]["path"], format!("$.{name}"));
    }

    // The recent events: all of them, newest first, a page at a time.
    let mut page = RecentEventsQuery {
        limit: Some(4),
        ..RecentEventsQuery::default()
    };
    let mut journal = Vec::new();
    let complete = loop {
        let got = shop.api.recent_events(&page).expect("recent events");
        journal.extend(got.events);
        match got.next_cursor {
            Some(cursor) => {
                assert!(!got.complete, "only the last page says complete");
                page.cursor = Some(cursor);
            }
            None => break got.complete,
        }
    };
    assert!(complete, "the journal holds the shop's first event");
    let ids: Vec<String> = journal
        .iter()
        .map(|e| {
            e.recorded
                .event
                .as_ref()
                .expect("members' events")
                .id
                .to_string()
        })
        .collect();
    let mut newest_first: Vec<String> = sent.iter().rev().map(|e| e.id.to_string()).collect();
    assert_eq!(ids, newest_first, "every event once, newest first");
    assert!(
        journal
            .windows(2)
            .all(|w| w[0].received_at >= w[1].received_at)
    );
    assert_eq!(
        journal[0].recorded.event.as_ref(),
        Some(&sent[5]),
        "as parsed"
    );

    // The checklist: the first event and member; the widget once loaded
    // from an allowed origin (another origin does not count).
    let origin = |o: &str| {
        shop.widget(
            "GET",
            "/v1/widget/{shop}/program",
            None,
            &[("origin", o)],
            b"",
        )
        .status
    };
    assert_eq!(origin("https://elsewhere.example"), 200);
    assert_eq!(shop.api.setup().unwrap().firsts.widget_at, None);
    assert_eq!(origin("https://shop.example"), 200);
    let checklist = shop.api.setup().unwrap();
    assert!(checklist.firsts.widget_at.is_some());
    assert!(checklist.firsts.event_at.is_some());
    assert!(checklist.firsts.member_at.is_some());

    // The daily series: today closes on the analytics' figures; the days
    // before carry what was before; liability at $5 for 500 points.
    let analytics = shop.api.analytics().unwrap();
    let series = shop.api.daily(&DailyQuery::default()).expect("the series");
    assert_eq!(series.days.len(), 30);
    assert_eq!(series.time_zone, "UTC");
    assert_eq!(series.currency, "USD");
    let last = series.days.last().unwrap();
    assert_eq!(last.date, series.to);
    assert_eq!(last.metrics, analytics.metrics);
    assert_eq!(
        last.liability_minor,
        Some(analytics.metrics.points_outstanding)
    );
    let issued: i64 = series.days.iter().map(|d| d.changes.points_issued).sum();
    assert_eq!(issued, analytics.metrics.points_issued, "the days add up");
    assert_eq!(
        series.days[0].metrics.members, 0,
        "before the shop had members"
    );
    for (query, status) in [
        ("from=2026-13-01", 400),
        ("from=2020-01-01&to=2022-01-01", 422),
        ("from=2026-02-01&to=2026-01-01", 422),
    ] {
        let answer = shop.merchant(
            "GET",
            &format!("/v1/shops/{{shop}}/analytics/daily?{query}"),
            b"",
        );
        assert_eq!(answer.status, status, "{query}: {}", answer.body);
    }

    // An erased member leaves the list and the journal at once.
    shop.api.erase("mem-b").unwrap();
    let left = all_pages(&shop, MembersQuery::default());
    let names: Vec<&str> = left.iter().map(|m| m.member_id.as_str()).collect();
    assert_eq!(names, ["mem-a", "mem-c"]);
    assert!(find(&code).is_empty());
    let after = shop
        .api
        .recent_events(&RecentEventsQuery::default())
        .unwrap();
    newest_first.retain(|id| !id.starts_with("b-"));
    let ids: Vec<String> = after
        .events
        .iter()
        .filter_map(|e| Some(e.recorded.event.as_ref()?.id.to_string()))
        .collect();
    assert_eq!(ids, newest_first);

    // A referral: the journal names the referrer, not the code; when the
    // referrer is erased, they leave the referee's row.
    let code = shop.view("mem-c").view.referral.expect("a referral").code;
    let mut referred = events::of_kind(EventKind::Signup, "d-s", "mem-d", at(days_ago(1))).unwrap();
    referred.referral_code = Some(code.clone());
    shop.record(&referred);
    let newest = || {
        shop.api
            .recent_events(&RecentEventsQuery {
                limit: Some(1),
                ..RecentEventsQuery::default()
            })
            .unwrap()
            .events
            .remove(0)
            .recorded
    };
    let row = newest();
    assert_eq!(row.referrer.as_deref(), Some("mem-c"));
    let event = row.event.expect("a member's event");
    assert_eq!((event.id.as_str(), event.referral_code), ("d-s", None));
    shop.api.erase("mem-c").unwrap();
    assert_eq!(newest().referrer, None, "the erased referrer left the row");
    // Today's row of the series closes on the counts without the erased.
    let analytics = shop.api.analytics().unwrap();
    let series = shop.api.daily(&DailyQuery::default()).unwrap();
    assert_eq!(series.days.last().unwrap().metrics, analytics.metrics);
}
