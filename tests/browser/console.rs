//! The merchant console at `/console/` in real Chromium, against the
//! browser tests' worker and its demo shop: sign-in (a wrong key, then the
//! right one), the members list and search, a member's adjustment in the
//! ledger, an erase, the install page, Arabic right to left, 360 px.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::cases::CaseFuture;
use crate::page::Page;
use crate::world::{SHOP, World};

/// Sets a field (by selector) the way typing does, so the app hears it.
async fn type_into(page: &Page, selector: &str, text: &str) {
    page.js(&format!(
        "var n = document.querySelector({}); n.value = {}; \
         n.dispatchEvent(new Event('input', {{bubbles: true}})); \
         n.dispatchEvent(new Event('change', {{bubbles: true}}));",
        json!(selector),
        json!(text)
    ))
    .await;
}

async fn submit(page: &Page, form: &str) {
    page.js(&format!(
        "document.querySelector({}).requestSubmit();",
        json!(form)
    ))
    .await;
}

async fn click(page: &Page, selector: &str) {
    page.js(&format!(
        "document.querySelector({}).click();",
        json!(selector)
    ))
    .await;
}

/// Waits for `expression` (page JavaScript) and tells what the page shows
/// if it never comes.
async fn until(page: &Page, what: &str, expression: &str) -> Value {
    page.wait_showing(what, expression, "return document.body.innerText;")
        .await
}

/// Opens the console and signs in to the demo shop.
async fn signed_in(world: &World, width: u32, height: u32) -> Page {
    let key = world.secrets["api_key"].as_str().unwrap_or_default();
    signed_in_to(world, SHOP, key, width, height).await
}

/// Opens the console and signs in to `shop` with `key`.
async fn signed_in_to(world: &World, shop: &str, key: &str, width: u32, height: u32) -> Page {
    let page = Page::open(world, width, height).await;
    page.goto(&format!("{}/console/", world.worker_origin()))
        .await;
    until(
        &page,
        "the sign-in form",
        "document.querySelector('form.signin')",
    )
    .await;
    type_into(&page, "input[name=shop]", shop).await;
    type_into(&page, "input[name=key]", key).await;
    submit(&page, "form.signin").await;
    until(
        &page,
        "the members list",
        "document.querySelector('table.members')",
    )
    .await;
    page
}

/// A member of this case's own (nobody else's cases touch them).
const ERIN: &str = "console-erin";

pub fn sign_in_members_adjust_erase(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let hash = "e".repeat(64);
        world.send_events(&json!({"events": [
            {"id": "console-erin-s", "kind": "signup", "member_id": ERIN,
             "occurred_at": format!("{}T00:00:00Z", today()),
             "member": {"email_hash": hash}}
        ]}));
        let page = Page::open(&world, 1280, 800).await;
        page.goto(&format!("{}/console/", world.worker_origin()))
            .await;
        until(
            &page,
            "the sign-in form",
            "document.querySelector('form.signin')",
        )
        .await;
        // A wrong key: a plain sentence, and still the form.
        type_into(&page, "input[name=shop]", SHOP).await;
        type_into(&page, "input[name=key]", "lk_live_not_the_key").await;
        submit(&page, "form.signin").await;
        let said = until(
            &page,
            "the wrong key's sentence",
            "(document.querySelector('form.signin .err') || {}).textContent",
        )
        .await;
        assert_eq!(
            said,
            json!(
                "This key does not open the shop “demo”. Check the shop id and the key; a rotated key stops working at once."
            )
        );
        // The right one: the list, and the key nowhere but the tab's storage.
        let key = world.secrets["api_key"].as_str().unwrap_or_default();
        type_into(&page, "input[name=key]", key).await;
        submit(&page, "form.signin").await;
        until(
            &page,
            "the members list",
            "document.querySelector('table.members')",
        )
        .await;
        let kept = page
            .js("return [sessionStorage.getItem('loyalty.console.key'), location.href, document.cookie, localStorage.length];")
            .await;
        assert_eq!(kept[0], json!(key));
        assert!(
            !kept[1].as_str().unwrap().contains(key),
            "the key in the URL"
        );
        assert_eq!(kept[2], json!(""));
        assert_eq!(kept[3], json!(0), "nothing in localStorage");
        page.screenshot(&world, "console-en-1280x800").await;

        // Found by email hash, and only them.
        type_into(&page, "input[name=q]", &hash).await;
        submit(&page, "form.search").await;
        let found = until(
            &page,
            "the search's one row",
            "(function () { var r = document.querySelectorAll('table.members tbody th'); \
             return r.length == 1 && r[0].textContent; })()",
        )
        .await;
        assert_eq!(found, json!(ERIN));

        // Their page; an adjustment lands in the ledger and the balance.
        click(&page, "table.members tbody th button").await;
        until(
            &page,
            "the member's figures",
            "document.querySelector('[data-figure=balance]')",
        )
        .await;
        let before: i64 = page
            .js("return document.querySelector('[data-figure=balance]').textContent;")
            .await
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        type_into(&page, "input[name=points]", "25").await;
        type_into(&page, "input[name=reason]", "Sorry for the late parcel").await;
        submit(&page, "form:has(input[name=points])").await;
        until(
            &page,
            "the adjustment in the ledger",
            "Array.from(document.querySelectorAll('table.ledger tbody tr')).some(function (r) { \
               return r.textContent.indexOf('Sorry for the late parcel') >= 0 && r.textContent.indexOf('+25') >= 0; })",
        )
        .await;
        let after = until(
            &page,
            "the new balance",
            &format!(
                "document.querySelector('[data-figure=balance]').textContent == '{}'",
                before + 25
            ),
        )
        .await;
        assert_eq!(after, json!(true));
        page.screenshot(&world, "console-member-en-1280x800").await;

        // Erase, confirmed by the id: back to the list, and gone from it.
        type_into(&page, "input[name=confirm]", ERIN).await;
        submit(&page, "form:has(input[name=confirm])").await;
        until(
            &page,
            "the list again",
            "document.querySelector('table.members, form.search')",
        )
        .await;
        type_into(&page, "input[name=q]", &hash).await;
        submit(&page, "form.search").await;
        until(
            &page,
            "no member for the hash",
            "document.querySelector('form.search') && !document.querySelector('table.members tbody th') && \
             document.body.innerText.indexOf('No member matches.') >= 0",
        )
        .await;
        let gone = world.call(
            "GET",
            &format!("/v1/shops/{SHOP}/members?q={hash}"),
            &[("authorization", &format!("Bearer {key}"))],
            b"",
        );
        assert_eq!(gone.json()["total"], json!(0), "{}", gone.body);

        // Sign out: the key leaves the tab.
        click(&page, "header .link").await;
        until(
            &page,
            "the sign-in form",
            "document.querySelector('form.signin')",
        )
        .await;
        let left = page
            .js("return sessionStorage.getItem('loyalty.console.key');")
            .await;
        assert_eq!(left, Value::Null);
        page.close().await;
    })
}

/// Today's date on the test's clock (the events are dated relative to it).
fn today() -> String {
    xtask::clock::now().date_naive().to_string()
}

/// The install page: the script tag names this shop and edge; the
/// checklist shows what the demo's seeding did; the snippets are there.
pub fn install_page(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let page = signed_in(&world, 1280, 800).await;
        click(&page, "nav.tabs button:nth-child(4)").await;
        until(
            &page,
            "the checklist",
            "document.querySelectorAll('.checklist li').length == 4",
        )
        .await;
        let tag = page
            .js("return document.querySelector('.code pre').textContent;")
            .await;
        assert_eq!(
            tag,
            json!(format!(
                "<script src=\"{}/loader.js\" data-shop=\"{SHOP}\"\n        data-customer-token=\"\" async></script>",
                world.worker_origin()
            ))
        );
        // The demo shop has a program, events and members.
        let done = page
            .js("return Array.from(document.querySelectorAll('.checklist li')).map(function (l) { return l.dataset.done; });")
            .await;
        assert_eq!(done[0], json!("true"), "a program: {done}");
        assert_eq!(done[2], json!("true"), "an event: {done}");
        assert_eq!(done[3], json!("true"), "a member: {done}");
        let summaries = page
            .js("return Array.from(document.querySelectorAll('details summary')).map(function (s) { return s.textContent; });")
            .await;
        assert_eq!(
            summaries,
            json!(["Node.js", "Python", "PHP", "Ruby", "Shopify (Liquid)"])
        );
        page.screenshot(&world, "console-install-en-1280x800").await;
        page.close().await;
    })
}

/// Arabic: the whole page right to left; at 360 px nothing overflows.
pub fn arabic_and_narrow(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let page = signed_in(&world, 1280, 800).await;
        type_into(&page, "header select", "ar").await;
        until(
            &page,
            "the Arabic page and its list",
            "document.documentElement.dir == 'rtl' && (document.querySelector('table.members th') || {}).textContent == 'العضو'",
        )
        .await;
        let looks = page
            .js("return [document.documentElement.lang, getComputedStyle(document.querySelector('main')).direction, \
                 document.querySelector('h1').textContent, document.querySelector('table.members th').textContent];")
            .await;
        assert_eq!(looks, json!(["ar", "rtl", "لوحة برنامج الولاء", "العضو"]));
        page.screenshot(&world, "console-ar-1280x800").await;
        for tab in [
            "nav.tabs button:nth-child(1)",
            "nav.tabs button:nth-child(2)",
            "nav.tabs button:nth-child(3)",
            "nav.tabs button:nth-child(4)",
        ] {
            page.viewport(360, 740).await;
            click(&page, tab).await;
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let sizes = page
                .js("var e = document.documentElement; return [e.scrollWidth, e.clientWidth];")
                .await;
            assert!(
                sizes[0].as_i64() <= sizes[1].as_i64(),
                "{tab}: the page overflows at 360 px: {sizes}"
            );
        }
        page.close().await;
    })
}

/// Analytics: each chart drawn by uPlot, its table view's last day equal
/// to `/analytics` now, its summary saying the same.
pub fn analytics_tables(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let page = signed_in(&world, 1280, 800).await;
        click(&page, "nav.tabs button:nth-child(2)").await;
        until(
            &page,
            "three charts with their tables",
            "document.querySelectorAll('figure[data-chart] table.series').length == 3 && \
             document.querySelectorAll('figure[data-chart] .plot canvas').length == 3",
        )
        .await;
        let key = world.secrets["api_key"].as_str().unwrap_or_default();
        let bearer = format!("Bearer {key}");
        let analytics = world
            .call(
                "GET",
                &format!("/v1/shops/{SHOP}/analytics"),
                &[("authorization", &bearer)],
                b"",
            )
            .json();
        let last = |chart: u32| {
            format!(
                "(function () {{ var rows = document.querySelectorAll('figure[data-chart=\"{chart}\"] table.series tbody tr'); \
                 return Array.from(rows[rows.length - 1].cells).map(function (c) {{ return c.textContent; }}); }})()"
            )
        };
        let members = page.js(&format!("return {};", last(1))).await;
        assert_eq!(
            members[1],
            json!(analytics["members"].to_string()),
            "{members}"
        );
        let outstanding = page.js(&format!("return {};", last(2))).await;
        assert_eq!(
            outstanding[1],
            json!(analytics["points_outstanding"].to_string()),
            "{outstanding}"
        );
        // The demo's best money reward: $5 for 500 points, so the
        // liability is the outstanding points in cents.
        let points = analytics["points_outstanding"].as_i64().unwrap();
        let money = page
            .js(&format!(
                "return new Intl.NumberFormat('en', {{style: 'currency', currency: 'USD'}}).format('{}.{:02}');",
                points / 100,
                points % 100
            ))
            .await;
        assert_eq!(outstanding[2], money, "{outstanding}");
        let summary = page
            .js("return document.querySelector('figure[data-chart=\"2\"] .summary').textContent;")
            .await;
        assert!(
            summary.as_str().unwrap().contains(&format!(
                ": {points}, a liability of {}",
                money.as_str().unwrap()
            )),
            "{summary}"
        );
        // Every day of the default range (30), the days adding up to what
        // was issued in them.
        let rows = page
            .js("return document.querySelectorAll('figure[data-chart=\"0\"] table.series tbody tr').length;")
            .await;
        assert_eq!(rows, json!(30));
        page.screenshot(&world, "console-analytics-en-1280x800")
            .await;
        page.close().await;
    })
}

/// A shop of this case's own, with a program and events worked by hand:
/// `base` gives 1 point per $1, `signup` 100; a and b sign up, a pays
/// $200 and $100, b $250.
fn backtest_shop(world: &World) -> (String, String, Value) {
    let shop = format!("console-bt-{}", std::process::id());
    let admin = format!("Bearer {}", crate::world::ADMIN);
    let created = world.call(
        "POST",
        "/v1/shops",
        &[
            ("authorization", &admin),
            ("content-type", "application/json"),
        ],
        json!({"shop": shop}).to_string().as_bytes(),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let key = created.json()["api_key"].as_str().unwrap().to_owned();
    let program = json!({
        "currency": "USD", "shop_url": "https://shop.example",
        "allowed_origins": ["https://shop.example"], "default_locale": "en",
        "points_label": {"en": "points"},
        "earn_rules": [
            {"id": "base", "event": "order_paid",
             "effect": {"kind": "per_amount", "points": 1, "per_minor": 100}},
            {"id": "signup", "event": "signup", "effect": {"kind": "fixed", "points": 100}}
        ],
        "rewards": [{"id": "five-off", "name": {"en": "$5 off"}, "cost_points": 500,
                     "kind": "amount_off", "amount_minor": 500}]
    });
    let bearer = format!("Bearer {key}");
    let headers = [
        ("authorization", bearer.as_str()),
        ("content-type", "application/json"),
    ];
    let put = world.call(
        "PUT",
        &format!("/v1/shops/{shop}/program"),
        &headers,
        program.to_string().as_bytes(),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    let at = xtask::clock::days_ago(1);
    let order = |id: &str, member: &str, minor: i64| {
        json!({"id": id, "kind": "order_paid", "member_id": member, "occurred_at": at,
               "order": {"order_id": id, "currency": "USD", "subtotal_minor": minor}})
    };
    let signup = |member: &str| json!({"id": format!("{member}-s"), "kind": "signup", "member_id": member, "occurred_at": at});
    let events = json!({"events": [signup("a"), signup("b"), order("o-1", "a", 20_000),
                                   order("o-2", "a", 10_000), order("o-3", "b", 25_000)]});
    let sent = world.call(
        "POST",
        &format!("/v1/shops/{shop}/events"),
        &headers,
        events.to_string().as_bytes(),
    );
    assert_eq!(sent.status, 200, "{}", sent.body);
    (shop, key, program)
}

/// The program: a problem shown at its path; a draft that doubles `base`
/// backtested (live equal to what the edge recorded, the draft to the
/// hand-worked sum); saved, and the next event awarded by it; a diff of
/// the two versions; the first restored.
pub fn program_backtest_versions(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let (shop, key, program) = backtest_shop(&world);
        let bearer = format!("Bearer {key}");
        let page = signed_in_to(&world, &shop, &key, 1280, 800).await;
        click(&page, "nav.tabs button:nth-child(3)").await;
        until(
            &page,
            "the draft",
            "(document.querySelector('textarea[name=draft]') || {}).value",
        )
        .await;
        // The form, drawn from the program's schema: a problem at its field
        // (pending days of -1, typed into the form); the draft cannot be saved.
        until(
            &page,
            "the form",
            "document.querySelector('.form-side input[data-pointer=\"/earn_rules/0/effect/points\"]')",
        )
        .await;
        click(
            &page,
            ".form-side button.add[data-pointer=\"/pending_days\"]",
        )
        .await;
        until(
            &page,
            "the pending days field",
            "document.querySelector('.form-side input[data-pointer=\"/pending_days\"]')",
        )
        .await;
        type_into(
            &page,
            ".form-side input[data-pointer=\"/pending_days\"]",
            "-1",
        )
        .await;
        let shown = until(
            &page,
            "the problem at its field",
            "(document.querySelector('[data-field=\"/pending_days\"] .err') || {}).textContent",
        )
        .await;
        assert!(!shown.as_str().unwrap().is_empty(), "{shown}");
        let state = page
            .js("return [document.querySelector('.form-side input[data-pointer=\"/pending_days\"]').getAttribute('aria-invalid'), \
                 document.querySelector('form.editor button[type=submit]').disabled, \
                 JSON.parse(document.querySelector('textarea[name=draft]').value).pending_days];")
            .await;
        assert_eq!(
            state,
            json!(["true", true, -1]),
            "the field, the button, the JSON"
        );

        // The JSON typed back to the program as it was: the form follows.
        type_into(&page, "textarea[name=draft]", &program.to_string()).await;
        until(
            &page,
            "the draft to be valid",
            "document.querySelector('.editor .ok') && !document.querySelector('.form-side input[data-pointer=\"/pending_days\"]')",
        )
        .await;
        // A rule edited through the form: the JSON changes with it.
        type_into(
            &page,
            ".form-side input[data-pointer=\"/earn_rules/0/effect/points\"]",
            "2",
        )
        .await;
        let points = until(
            &page,
            "the JSON to follow the form",
            "JSON.parse(document.querySelector('textarea[name=draft]').value).earn_rules[0].effect.points == 2",
        )
        .await;
        assert_eq!(points, json!(true));
        page.screenshot(&world, "console-program-en-1280x800").await;

        // The draft that doubles `base`, backtested.
        click(&page, "#backtest-title ~ button").await;
        until(
            &page,
            "the backtest's figures",
            "document.querySelector('table.rules tbody tr')",
        )
        .await;
        let cells = |selector: &str| {
            format!(
                "return Array.from(document.querySelector({}).cells).map(function (c) {{ return c.textContent; }});",
                json!(selector)
            )
        };
        let issued = page
            .js(&cells("table.backtest tbody tr:nth-child(1)"))
            .await;
        let analytics = world
            .call(
                "GET",
                &format!("/v1/shops/{shop}/analytics"),
                &[("authorization", &bearer)],
                b"",
            )
            .json();
        // Live: signups 2 x 100, base 200 + 100 + 250 = 550: 750, as the
        // edge recorded. Draft: 200 + 2 x 550 = 1300.
        assert_eq!(analytics["points_issued"], json!(750));
        assert_eq!(issued, json!(["Points issued", "750", "1300"]));
        let base = page.js(&cells("table.rules tr[data-rule=base]")).await;
        assert_eq!(base, json!(["base", "550", "1100"]));
        let liability = page
            .js(&cells("table.backtest tbody tr:nth-child(4)"))
            .await;
        assert_eq!(liability, json!(["Liability", "$7.50", "$13.00"]));
        let covered = page
            .js("return document.querySelector('.summary').textContent;")
            .await;
        assert_eq!(
            covered,
            json!("Every event since the shop's first, 5 in all, replayed.")
        );
        page.js("document.querySelector('table.backtest').scrollIntoView();")
            .await;
        page.screenshot(&world, "console-backtest-en-1280x800")
            .await;

        // One sample order of $100 through both: 100 points live, 200 drafted.
        submit(&page, "form:has(textarea[name=sample])").await;
        until(
            &page,
            "the try-it answers",
            "document.querySelector('table.try tfoot tr')",
        )
        .await;
        let total = page.js(&cells("table.try tfoot tr")).await;
        assert_eq!(total, json!(["Total", "100", "200"]));

        // Saved: the edge awards the next order by it.
        submit(&page, "form.editor").await;
        until(
            &page,
            "version 2",
            "document.body.innerText.indexOf('Saved as version 2.') >= 0",
        )
        .await;
        let next = json!({"id": "o-4", "kind": "order_paid", "member_id": "a",
                          "occurred_at": xtask::clock::days_ago(0),
                          "order": {"order_id": "o-4", "currency": "USD", "subtotal_minor": 1000}});
        let answer = world.call(
            "POST",
            &format!("/v1/shops/{shop}/events"),
            &[
                ("authorization", &bearer),
                ("content-type", "application/json"),
            ],
            next.to_string().as_bytes(),
        );
        assert_eq!(answer.json()["points"], json!(20), "{}", answer.body);

        // Version 1 beside version 2 (the two chosen to begin with): the
        // one changed line.
        until(
            &page,
            "the versions",
            "document.querySelector('table.versions tr[data-version=\"1\"] button.restore')",
        )
        .await;
        let chosen = page
            .js("return [document.querySelector('select[name=older]').value, document.querySelector('select[name=newer]').value];")
            .await;
        assert_eq!(chosen, json!(["1", "2"]));
        click(&page, "button.compare").await;
        let changed = until(
            &page,
            "the diff",
            "(function () { var r = document.querySelectorAll('table.diff tr.changed'); \
             return r.length && Array.from(r).map(function (t) { return t.textContent; }); })()",
        )
        .await;
        assert_eq!(changed.as_array().map(Vec::len), Some(1), "{changed}");
        let line = changed[0].as_str().unwrap();
        assert!(
            line.contains("\"points\": 1") && line.contains("\"points\": 2"),
            "{line}"
        );

        // Restored: version 3 is version 1's document.
        click(
            &page,
            "table.versions tr[data-version=\"1\"] button.restore",
        )
        .await;
        until(
            &page,
            "the restore",
            "document.body.innerText.indexOf('Version 1 restored as version 3.') >= 0",
        )
        .await;
        let current = world
            .call(
                "GET",
                &format!("/v1/shops/{shop}/program"),
                &[("authorization", &bearer)],
                b"",
            )
            .json();
        assert_eq!(current["version"], json!(3));
        assert_eq!(current["program"], program);
        page.close().await;
    })
}

/// The backtest's benchmark, run by `cargo xtask bench console`
/// (`LOYALTY_BENCH=1`): 10,000 synthetic events replayed under a program
/// and a draft by the console's wasm in this Chromium, five times; prints
/// each time and the median. It asserts no time (the figures go into
/// docs/PERFORMANCE.md). In the test run it replays 1,000 once: the
/// benchmark's entry works and covers every event.
pub fn backtest_benchmark(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let bench = std::env::var_os("LOYALTY_BENCH").is_some();
        let (events, runs) = if bench { (10_000, 5) } else { (1_000, 1) };
        let page = signed_in(&world, 1280, 800).await;
        let mut times = Vec::new();
        for _ in 0..runs {
            let took = page
                .js_async(&format!(
                    "import('/console/pkg/loyalty_console.js').then(function (m) {{ done(m.bench_backtest({events})); }});"
                ))
                .await;
            let ms = took.as_f64().expect("milliseconds");
            assert!(ms >= 0.0, "the replay covered every event: {took}");
            times.push(ms);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "  backtest of {events} events, live and draft, in Chromium: {times:?} ms, median {} ms",
            times[times.len() / 2]
        );
        page.close().await;
    })
}
