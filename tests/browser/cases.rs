//! The browser cases: each opens its own Chromium, drives the demo pages
//! (from the worker's origin or from the second origin) and checks what the
//! widget shows against the API and against figures worked out by hand.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use fantoccini::key::Key;
use serde_json::{Value, json};

use crate::page::Page;
use crate::world::World;

pub type CaseFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The member the redeem case spends: nobody else touches them.
const SPENDER: &str = "bob";

/// Screenshot sizes the issue asks for.
const DESKTOP: (u32, u32) = (1280, 800);
const PHONE: (u32, u32) = (390, 844);

/// Waits for the wasm to have come from the worker's origin.
async fn assert_wasm_from(page: &Page, origin: &str) {
    let wasm = format!("{origin}/widget/pkg/loyalty_widget_bg.wasm");
    page.wait(
        "the wasm to load from the worker's origin",
        &format!(
            "performance.getEntriesByType('resource').some(function (e) {{ return e.name.indexOf({}) == 0; }})",
            json!(wasm)
        ),
    )
    .await;
}

/// The guest view: program name, ways to earn, rewards, tiers, join and sign-in
/// links; from the worker's own origin and from the second origin.
pub fn guest_view(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        for (origin, tag) in [
            (world.worker_origin(), "same-origin"),
            (world.pages_origin(), "cross-origin"),
        ] {
            let page = Page::open(&world, DESKTOP.0, DESKTOP.1).await;
            page.goto(&format!("{origin}/demo/?open")).await;
            page.wait_loaded().await;
            assert_wasm_from(&page, &world.worker_origin()).await;
            assert_eq!(page.text(".ly h2").await, "Maple Rewards");
            let headings = page.texts(".ly h3").await;
            assert_eq!(headings, ["Ways to earn", "Rewards", "Tiers"], "{tag}");
            let ways = page
                .texts("section[aria-labelledby=ly-earn] li > span:first-child")
                .await;
            assert_eq!(
                ways,
                [
                    "1 point per $1",
                    "Join the club",
                    "Double points on shoes",
                    "Write a review",
                    "Birthday gift",
                    "+300 on orders of $700 or more",
                    "1% back as store credit"
                ],
                "{tag}: ways to earn"
            );
            let rewards = page
                .texts("section[aria-labelledby=ly-rewards] li strong")
                .await;
            assert_eq!(rewards, ["$5 off", "Free shipping", "10% off"], "{tag}");
            let costs = page
                .texts("section[aria-labelledby=ly-rewards] li > span:last-child")
                .await;
            assert_eq!(costs, ["500 points", "300 points", "1,000 points"], "{tag}");
            let tiers = page
                .texts("section[aria-labelledby=ly-tiers] li strong")
                .await;
            assert_eq!(tiers, ["Bronze", "Silver", "Gold", "Maple Club"], "{tag}");
            // A paid level shows its price and the way in, not "Spend $0.00".
            let club = page
                .js("var li = root.querySelectorAll('section[aria-labelledby=ly-tiers] li')[3]; var a = li.querySelector('a'); return [li.querySelector(':scope > span:last-child').textContent, a.textContent, a.href];")
                .await;
            assert_eq!(
                club,
                json!([
                    "Membership: $49.00How to join",
                    "How to join",
                    format!("{}/demo/#club", world.worker_origin())
                ]),
                "{tag}"
            );
            let links = page
                .js("return Array.from(root.querySelectorAll('.ly a.btn')).map(function (a) { return [a.textContent, a.href]; });")
                .await;
            let worker = world.worker_origin();
            assert_eq!(
                links,
                json!([
                    ["Join now", format!("{worker}/demo/#join")],
                    ["Sign in", format!("{worker}/demo/#sign-in")]
                ]),
                "{tag}: the program's join and sign-in links"
            );
            if tag == "cross-origin" {
                page.screenshot(&world, "guest-en-1280x800").await;
                page.viewport(PHONE.0, PHONE.1).await;
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                page.screenshot(&world, "guest-en-390x844").await;
            }
            page.close().await;
        }
    })
}

/// "890" -> "890", 1234 -> "1,234": en-US grouping, as Intl writes it.
fn grouped(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// USD minor units as en-US Intl writes them: 8000 -> "$80.00".
fn dollars(minor: i64) -> String {
    format!("${}.{:02}", grouped(minor / 100), minor % 100)
}

/// A member's balance and tier progress, as `/me` reports them and as worked
/// out by hand from the demo events; over CORS from the second origin.
pub fn member_balance(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let me = world.me("alice", "en");
        // signup 100 + order A-1001 (1 point per $1 on $420.00 = 420, plus the
        // shoes bonus on the $320.00 boot = 320, Bronze x1) + review 50 = 890.
        assert_eq!(me["balance"], json!(890), "{me}");
        // Spend $420.00 of Silver's $500.00: $80.00 more, 42000/50000 = 84%.
        assert_eq!(me["next_tier"]["remaining"], json!(8000), "{me}");
        assert_eq!(me["next_tier"]["progress_bp"], json!(8400), "{me}");
        let page = Page::open(&world, DESKTOP.0, DESKTOP.1).await;
        page.goto(&format!("{}/demo/?member=alice&open", world.pages_origin()))
            .await;
        page.wait_loaded().await;
        page.wait("the member view", "root.querySelector('.big')")
            .await;
        let balance = me["balance"].as_i64().unwrap();
        assert_eq!(
            page.text(".big").await,
            format!("{} points", grouped(balance))
        );
        assert_eq!(me["tier"]["name"], json!("Bronze"), "{me}");
        assert!(page.text("#ly-tier").await.contains("Bronze"));
        let bar = page
            .js("var b = root.querySelector('[role=progressbar]'); return [b.getAttribute('aria-valuenow'), b.getAttribute('aria-valuemin'), b.getAttribute('aria-valuemax'), b.getAttribute('aria-valuetext'), b.querySelector('.fill').style.inlineSize];")
            .await;
        let percent = me["next_tier"]["progress_bp"].as_i64().unwrap() / 100;
        let sentence = format!(
            "Spend {} more to reach {}",
            dollars(me["next_tier"]["remaining"].as_i64().unwrap()),
            me["next_tier"]["name"].as_str().unwrap()
        );
        assert_eq!(sentence, "Spend $80.00 more to reach Silver");
        assert_eq!(
            bar,
            json!([
                percent.to_string(),
                "0",
                "100",
                sentence,
                format!("{percent}%")
            ])
        );
        let said = page.texts("section[aria-labelledby=ly-tier] p").await;
        assert!(said.contains(&sentence), "{said:?}");
        page.screenshot(&world, "member-en-1280x800").await;
        page.viewport(PHONE.0, PHONE.1).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        page.screenshot(&world, "member-en-390x844").await;
        page.close().await;
    })
}

/// The cart preview: the demo's "Add to cart" passes a $189.00 pair of
/// shoes; the widget (from the second origin, so the preview module loads
/// cross-origin) shows what the rules crate computes in the browser, which
/// must equal the figure worked out by hand and what `simulate` answers.
pub fn cart_preview(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        // layla spent $615.00 in the last 365 days: Silver, 12500 bp.
        // base: floor(18900 / 100) * 1 = 189; shoes-bonus: 189 more;
        // floor((189 + 189) * 12500 / 10000) = floor(472.5) = 472.
        let by_hand = 472;
        let key = format!(
            "Bearer {}",
            world.secrets["api_key"].as_str().unwrap_or_default()
        );
        let event = json!({"events": [{
            "id": "cart-check", "kind": "order_paid", "member_id": "layla",
            "occurred_at": xtask::clock::days_ago(0),
            "order": {"order_id": "cart-check", "currency": "USD", "subtotal_minor": 18900,
                "lines": [{"sku": "boot-1", "category": "shoes", "qty": 1, "unit_price_minor": 18900}]}
        }]});
        let simulated = world.call(
            "POST",
            &format!("/v1/shops/{}/simulate", crate::world::SHOP),
            &[
                ("authorization", &key),
                ("content-type", "application/json"),
            ],
            event.to_string().as_bytes(),
        );
        assert_eq!(simulated.status, 200, "{}", simulated.body);
        let simulated = simulated.json()["results"][0]["points"].clone();
        assert_eq!(simulated, json!(by_hand), "simulate");

        let page = Page::open(&world, DESKTOP.0, DESKTOP.1).await;
        page.goto(&format!("{}/demo/?member=layla&open", world.pages_origin()))
            .await;
        page.wait_loaded().await;
        page.wait("the member view", "root.querySelector('.big')")
            .await;
        assert!(
            page.js("return !root.querySelector('.cart');").await == json!(true),
            "no cart, no preview"
        );
        page.js("document.getElementById('add').click(); return true;")
            .await;
        let shown = page
            .wait(
                "the cart preview",
                "root.querySelector('.cart') && root.querySelector('.cart').getAttribute('data-cart-points')",
            )
            .await;
        assert_eq!(shown, json!(by_hand.to_string()), "the widget's figure");
        assert_eq!(page.text(".cart p").await, "This cart earns 472 points");
        // Under it, the nearest bonus and what it takes (the rules' reason
        // `below_min_subtotal`): $700.00 - $189.00 = $511.00 for 300.
        assert_eq!(
            page.text(".cart .hint").await,
            "Add $511.00 more for +300 points"
        );
        page.screenshot(&world, "cart-en-1280x800").await;
        // A second pair: floor((378 + 378) * 12500 / 10000) = 945, worked out
        // from the inputs already fetched (one request for the page).
        page.js("Loyalty.setCart({ subtotal_minor: 37800, lines: [{ sku: 'boot-1', category: 'shoes', qty: 2, unit_price_minor: 18900 }] }); return true;")
            .await;
        page.wait(
            "the new figure",
            "root.querySelector('.cart').getAttribute('data-cart-points') == '945'",
        )
        .await;
        let fetched = page
            .js("return performance.getEntriesByType('resource').filter(function (e) { return e.name.indexOf('include=preview') >= 0; }).length;")
            .await;
        assert_eq!(fetched, json!(1), "the preview's inputs are fetched once");
        page.js("Loyalty.setCart(null); return true;").await;
        page.wait("no cart, no line", "!root.querySelector('.cart')")
            .await;
        page.close().await;

        // A guest: what joining would bring. Bronze (no spend), 10000 bp:
        // 189 + 189 = 378.
        let page = open_calm(&world, "guest", DESKTOP).await;
        page.js("document.getElementById('add').click(); return true;")
            .await;
        let shown = page
            .wait(
                "the guest's cart preview",
                "root.querySelector('.cart') && root.querySelector('.cart').getAttribute('data-cart-points')",
            )
            .await;
        assert_eq!(shown, json!("378"));
        assert_eq!(
            page.text(".cart p").await,
            "Join to earn 378 points with this cart"
        );
        let module = format!(
            "{}/widget/pkg/loyalty_preview_bg.wasm",
            world.worker_origin()
        );
        let loaded = page
            .js(&format!(
                "return performance.getEntriesByType('resource').some(function (e) {{ return e.name == {}; }});",
                json!(module)
            ))
            .await;
        assert_eq!(
            loaded,
            json!(true),
            "the preview module came from the worker"
        );
        page.close().await;

        // In Arabic: the same figure and the hint in the page's language.
        let page = open_demo(&world, "ar.html", "layla", "&open", DESKTOP).await;
        page.js("document.getElementById('add').click(); return true;")
            .await;
        let hint = page
            .wait(
                "the Arabic hint",
                "root.querySelector('.cart .hint') && root.querySelector('.cart .hint').textContent",
            )
            .await;
        assert!(hint.as_str().unwrap().starts_with("أضف "), "{hint}");
        page.screenshot(&world, "cart-ar-1280x800").await;
        page.close().await;
    })
}

/// Every text of the widget against its background, as WCAG 2 computes
/// contrast: 4.5:1 at least, 3:1 for large text (24 px, or 18.66 px bold).
/// Returns the failures, each with its text, colours and ratio.
const CONTRAST: &str = r#"
function rgba(text) {
  var n = (text.match(/[\d.]+/g) || []).map(Number);
  return { r: n[0], g: n[1], b: n[2], a: n.length > 3 ? n[3] : 1 };
}
function lum(c) {
  return [c.r, c.g, c.b].reduce(function (sum, v, i) {
    v = v / 255;
    v = v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    return sum + [0.2126, 0.7152, 0.0722][i] * v;
  }, 0);
}
function over(top, under) {
  var a = top.a;
  return { r: top.r * a + under.r * (1 - a), g: top.g * a + under.g * (1 - a), b: top.b * a + under.b * (1 - a), a: 1 };
}
function background(el) {
  var layers = [];
  for (var n = el; n; n = n.parentElement || (n.getRootNode() && n.getRootNode().host)) {
    var c = rgba(getComputedStyle(n).backgroundColor);
    if (c.a > 0) layers.push(c);
    if (c.a >= 1) break;
  }
  var color = { r: 255, g: 255, b: 255, a: 1 };
  for (var i = layers.length - 1; i >= 0; i--) color = over(layers[i], color);
  return color;
}
var failures = [], checked = 0;
root.querySelectorAll("*").forEach(function (el) {
  var own = Array.prototype.some.call(el.childNodes, function (t) { return t.nodeType == 3 && t.textContent.trim(); });
  if (!own || !el.getClientRects().length) return;
  var style = getComputedStyle(el);
  if (style.visibility == "hidden") return;
  var bg = background(el), fg = over(rgba(style.color), bg);
  var a = lum(fg) + 0.05, b = lum(bg) + 0.05, ratio = Math.max(a, b) / Math.min(a, b);
  var size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
  var need = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
  checked++;
  if (ratio < need) failures.push(el.textContent.trim().slice(0, 40) + ": " + style.color + " on " + JSON.stringify(bg) + " = " + ratio.toFixed(2));
});
return { checked: checked, failures: failures };
"#;

/// A demo page (`file`, "" for the English one) from the second origin for
/// `member` ("guest": nobody) with more of the query (`&open`), once the
/// panel shows its view.
async fn open_demo(
    world: &World,
    file: &str,
    member: &str,
    query: &str,
    (width, height): (u32, u32),
) -> Page {
    let page = Page::open(world, width, height).await;
    page.goto(&format!(
        "{}/demo/{file}?member={member}{query}",
        world.pages_origin()
    ))
    .await;
    page.wait_loaded().await;
    if member != "guest" {
        page.wait("the member view", "root.querySelector('.big')")
            .await;
    }
    page
}

/// The English demo page, the panel open, with the storefront's calm CSS.
async fn open_calm(world: &World, member: &str, size: (u32, u32)) -> Page {
    open_demo(world, "", member, "&open&calm", size).await
}

/// Contrast meets WCAG AA in the guest and the member views, the launcher
/// included, with the demo shop's brand colour.
pub fn contrast(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        for member in ["guest", "alice"] {
            let page = open_calm(&world, member, DESKTOP).await;
            let result = page.js(CONTRAST).await;
            assert!(
                result["checked"].as_i64().unwrap_or(0) > 20,
                "too few texts checked: {result}"
            );
            assert_eq!(result["failures"], json!([]), "{member}: {result}");
            println!(
                "    {member}: {} texts at WCAG AA or better",
                result["checked"]
            );
            // The check itself can fail: light grey headings do.
            page.js("var s = document.createElement('style'); s.textContent = '.ly h2 { color: #bbb !important }'; root.appendChild(s); return true;")
                .await;
            let spoiled = page.js(CONTRAST).await;
            assert!(
                spoiled["failures"]
                    .as_array()
                    .is_some_and(|f| !f.is_empty()),
                "a #bbb heading on white should fail: {spoiled}"
            );
            page.close().await;
        }
    })
}

/// Every control of the widget has the name a screen reader announces
/// (Chromium's own accessibility tree, shadow DOM included), and on a phone
/// every button and link of the panel is a 44 px target at least.
pub fn names_and_targets(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        for member in ["guest", "alice"] {
            let page = open_calm(&world, member, PHONE).await;
            page.cdp("Accessibility.enable", json!({})).await;
            let tree = page.cdp("Accessibility.getFullAXTree", json!({})).await;
            let nodes = tree["value"]["nodes"]
                .as_array()
                .or_else(|| tree["nodes"].as_array())
                .cloned()
                .unwrap_or_default();
            let controls = [
                "button",
                "link",
                "textbox",
                "combobox",
                "progressbar",
                "dialog",
            ];
            let mut named = 0;
            let mut unnamed = Vec::new();
            for node in &nodes {
                let role = node["role"]["value"].as_str().unwrap_or_default();
                if !controls.contains(&role) || node["ignored"] == json!(true) {
                    continue;
                }
                let name = node["name"]["value"].as_str().unwrap_or_default().trim();
                if name.is_empty() {
                    unnamed.push(format!("{role} {}", node["nodeId"]));
                } else {
                    named += 1;
                }
            }
            assert!(
                named >= 4,
                "{member}: too few controls in the tree ({named})"
            );
            assert_eq!(
                unnamed,
                Vec::<String>::new(),
                "{member}: controls without a name"
            );
            let small = page
                // Within half a pixel of 44: layout gives fractional heights
                // (a 44 px box measured 43.99 in one run of four).
                .js("var out = []; root.querySelectorAll('button, a[href], [role=button]').forEach(function (e) { var r = e.getBoundingClientRect(); if (r.width && (r.width < 43.5 || r.height < 43.5)) out.push((e.getAttribute('aria-label') || e.textContent.trim()).slice(0, 30) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height)); }); return out;")
                .await;
            assert_eq!(small, json!([]), "{member}: targets under 44 px");
            println!("    {member}: {named} named controls, every target 44 px or more");
            page.close().await;
        }
    })
}

/// With `prefers-reduced-motion: reduce` nothing in the widget moves; with
/// no preference the panel slides in (so the check can tell them apart).
pub fn reduced_motion(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let moving = "var out = []; root.querySelectorAll('*').forEach(function (e) { var s = getComputedStyle(e); if (s.animationName != 'none' || parseFloat(s.transitionDuration) > 0) out.push(e.tagName + '.' + e.className + ' ' + s.animationName + ' ' + s.transitionDuration); }); return out;";
        for (preference, still) in [("reduce", true), ("no-preference", false)] {
            let page = Page::open(&world, DESKTOP.0, DESKTOP.1).await;
            page.cdp(
                "Emulation.setEmulatedMedia",
                json!({"features": [{"name": "prefers-reduced-motion", "value": preference}]}),
            )
            .await;
            page.goto(&format!(
                "{}/demo/?member=alice&open&calm",
                world.pages_origin()
            ))
            .await;
            page.wait_loaded().await;
            let moved = page.js(moving).await;
            if still {
                assert_eq!(moved, json!([]), "moves under reduced motion");
            } else {
                assert!(
                    moved.to_string().contains("ly-in"),
                    "the panel should slide in without the preference: {moved}"
                );
            }
            page.close().await;
        }
    })
}

/// Redeem: confirm, the code shows, the balance drops by the cost.
pub fn redeem(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        world.send_events(&json!({"events": [
            {"id": "browser-bob-signup", "kind": "signup", "member_id": SPENDER,
             "occurred_at": xtask::clock::days_ago(11)},
            {"id": "browser-bob-o1", "kind": "order_paid", "member_id": SPENDER,
             "occurred_at": xtask::clock::days_ago(10),
             "order": {"order_id": "B-1", "currency": "USD", "subtotal_minor": 40000,
                       "lines": [{"sku": "sock-2", "category": "socks", "qty": 20, "unit_price_minor": 2000}]}}
        ]}));
        // signup 100 + $400.00 at 1 point per $1 (no shoes) = 500.
        assert_eq!(world.me(SPENDER, "en")["balance"], json!(500));
        let page = Page::open(&world, DESKTOP.0, DESKTOP.1).await;
        page.goto(&format!(
            "{}/demo/?member={SPENDER}&open",
            world.pages_origin()
        ))
        .await;
        page.wait("the member view", "root.querySelector('.big')")
            .await;
        assert_eq!(page.text(".big").await, "500 points");
        page.shadow_find("button[aria-label='Redeem Free shipping']")
            .await
            .click()
            .await
            .expect("click Redeem");
        let question = page.text(".confirm p").await;
        assert_eq!(question, "Spend 300 points on Free shipping?");
        page.shadow_find(".confirm button.primary")
            .await
            .click()
            .await
            .expect("click Confirm");
        let code = page
            .wait("the code", "root.querySelector('.fresh code') && root.querySelector('.fresh code').textContent")
            .await;
        let code = code.as_str().unwrap().to_owned();
        assert!(!code.trim().is_empty());
        assert_eq!(page.text(".fresh p").await, "Your code for Free shipping");
        // 500 - 300 = 200.
        page.wait(
            "the balance to drop",
            "root.querySelector('.big').textContent == '200 points'",
        )
        .await;
        let me = world.me(SPENDER, "en");
        assert_eq!(me["balance"], json!(200), "{me}");
        assert!(
            me["codes"]
                .as_array()
                .is_some_and(|codes| codes.iter().any(|c| c["code"] == json!(code))),
            "the API lists {code}: {me}"
        );
        page.screenshot(&world, "redeemed-en-1280x800").await;
        page.close().await;
    })
}

/// The referral link's copy button puts the link on the clipboard.
pub fn referral_copy(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let me = world.me("layla", "en");
        let link = me["referral"]["url"]
            .as_str()
            .expect("a referral link")
            .to_owned();
        let page = Page::open(&world, DESKTOP.0, DESKTOP.1).await;
        page.goto(&format!(
            "{}/demo/?member=layla&open",
            world.worker_origin()
        ))
        .await;
        // Permissions are granted to the page's origin, so after it opened.
        page.grant("clipboard-read").await;
        page.grant("clipboard-write").await;
        page.wait("the referral link", "root.querySelector('code.link')")
            .await;
        assert_eq!(page.text("code.link").await, link);
        let button = page
            .shadow_find("section[aria-labelledby=ly-refer] .row button")
            .await;
        assert!(button.text().await.unwrap_or_default().starts_with("Copy"));
        button.click().await.expect("click Copy");
        page.wait(
            "the copy button's confirmation",
            "root.querySelector('section[aria-labelledby=ly-refer] .row button span').textContent == 'Copied'",
        )
        .await;
        let clipboard = page
            .js_async(
                "navigator.clipboard.readText().then(done, function (e) { done('error: ' + e); });",
            )
            .await;
        assert_eq!(clipboard, json!(link), "the clipboard holds the link");
        page.close().await;
    })
}

/// The Arabic page renders right to left, mirrored; screenshots in ar.
pub fn arabic_rtl(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        for (member, name) in [("guest", "guest"), ("alice", "member")] {
            let page = open_demo(&world, "ar.html", member, "&open", DESKTOP).await;
            let dirs = page
                .js("return ['.root', 'dialog', '.ly', '.ly h2', '.ly p', '.ly li'].map(function (s) { var n = root.querySelector(s); return n ? s + ' ' + getComputedStyle(n).direction : s + ' missing'; });")
                .await;
            assert_eq!(
                dirs,
                json!([
                    ".root rtl",
                    "dialog rtl",
                    ".ly rtl",
                    ".ly h2 rtl",
                    ".ly p rtl",
                    ".ly li rtl"
                ])
            );
            assert_eq!(page.text(".ly h2").await, "مكافآت مابل");
            if member != "guest" {
                // The page says ar-SA: the balance is written as the browser's
                // Intl writes numbers there, whatever digits that is.
                let balance = world.me(member, "ar")["balance"].clone();
                let written = page
                    .js(&format!(
                        "return new Intl.NumberFormat('ar-SA').format({balance});"
                    ))
                    .await;
                let shown = page.text(".big").await;
                assert!(
                    shown.starts_with(written.as_str().unwrap()),
                    "{shown} should start with {written}"
                );
            }
            // Mirrored, not just right-aligned: the launcher and the panel sit
            // at the inline end, which is the left in Arabic.
            let sides = page
                .js("var l = root.querySelector('.launcher').getBoundingClientRect(); var d = root.querySelector('dialog').getBoundingClientRect(); return [l.left < innerWidth / 2, d.left < innerWidth / 2];")
                .await;
            assert_eq!(sides, json!([true, true]), "launcher and panel on the left");
            page.screenshot(&world, &format!("{name}-ar-1280x800"))
                .await;
            page.viewport(PHONE.0, PHONE.1).await;
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            page.screenshot(&world, &format!("{name}-ar-390x844")).await;
            page.close().await;
        }
    })
}

/// At 360 px wide nothing overflows sideways, in en and in ar: neither the
/// document nor the panel (floating or inline), and no element of the widget
/// leaves the screen.
///
/// The document is measured with the storefront's own CSS (`?calm`): under
/// the hostile sheet the demo page's own header (40 px letters) is wider than
/// 360 px whatever the widget does, so there only the widget is measured.
pub fn narrow_no_overflow(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let page = Page::open(&world, 360, 740).await;
        for (path, whole_page) in [
            ("/demo/?member=alice&open&calm", true),
            ("/demo/ar.html?member=alice&open&calm", true),
            ("/demo/?open&calm", true),
            ("/demo/account.html?member=alice&calm", true),
            ("/demo/?member=alice&open", false),
            ("/demo/ar.html?member=alice&open", false),
        ] {
            page.goto(&format!("{}{path}", world.worker_origin())).await;
            page.wait_loaded().await;
            if path.contains("alice") {
                page.wait("the member view", "root.querySelector('.big')")
                    .await;
            }
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
            let sizes = page
                .js("var e = document.documentElement, d = root.querySelector('dialog') || root.querySelector('.root'); \
                     var out = Array.from(root.querySelectorAll('*')).filter(function (n) { var r = n.getBoundingClientRect(); return r.width && (r.right > e.clientWidth + 0.5 || r.left < -0.5); }) \
                       .slice(0, 5).map(function (n) { var r = n.getBoundingClientRect(); return n.tagName + '.' + n.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right); }); \
                     return {doc: [e.scrollWidth, e.clientWidth], panel: [d.scrollWidth, d.clientWidth], inner: innerWidth, outside: out};")
                .await;
            let pair = |k: &str| (sizes[k][0].as_i64().unwrap(), sizes[k][1].as_i64().unwrap());
            let (doc_scroll, doc_client) = pair("doc");
            let (panel_scroll, panel_client) = pair("panel");
            assert_eq!(sizes["inner"], json!(360), "{path}: {sizes}");
            if whole_page {
                assert!(
                    doc_scroll <= doc_client,
                    "{path}: the page overflows: {sizes}"
                );
            }
            assert!(
                panel_scroll <= panel_client,
                "{path}: the panel overflows: {sizes}"
            );
            assert_eq!(
                sizes["outside"],
                json!([]),
                "{path}: widget elements leave the screen: {sizes}"
            );
        }
        page.close().await;
    })
}

/// The computed properties compared between the hostile page and `?calm`.
const PROPERTIES: &[&str] = &[
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "line-height",
    "letter-spacing",
    "word-spacing",
    "text-transform",
    "text-align",
    "text-decoration-line",
    "text-decoration-style",
    "color",
    "background-color",
    "display",
    "position",
    "visibility",
    "box-sizing",
    "width",
    "height",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "border-top-width",
    "border-top-style",
    "border-top-color",
    "border-left-width",
    "border-left-style",
    "border-left-color",
    "border-radius",
    "cursor",
    "fill",
    "transition-duration",
];

/// Elements inside the widget whose styles are compared.
const ELEMENTS: &[&str] = &[
    ".root",
    ".launcher",
    ".launcher span",
    "dialog",
    ".close",
    ".ly",
    ".ly h2",
    ".ly h3",
    ".card",
    ".big",
    ".bar",
    ".bar .fill",
    ".ly p",
    ".ly ul",
    ".ly li",
    ".ly li strong",
    ".ly .muted",
    ".ly button.primary",
    ".ly code.link",
    ".ly a",
    ".ly details summary",
];

async fn styles(page: &Page) -> Value {
    page.js(&format!(
        "var props = {}; var out = {{}}; {}.forEach(function (s) {{ var n = root.querySelector(s); if (!n) {{ out[s] = null; return; }} var c = getComputedStyle(n); var o = {{}}; props.forEach(function (p) {{ o[p] = c.getPropertyValue(p); }}); out[s] = o; }}); return out;",
        json!(PROPERTIES),
        json!(ELEMENTS)
    ))
    .await
}

/// The hostile CSS changes none of many computed properties inside the widget.
pub fn hostile_css(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let page = Page::open(&world, DESKTOP.0, DESKTOP.1).await;
        // The hostile page is longer; a scrollbar would narrow the viewport
        // (and so the widget's full-width root) by its own width.
        page.cdp("Emulation.setScrollbarsHidden", json!({"hidden": true}))
            .await;
        let mut seen = Vec::new();
        for query in ["?member=alice&open&calm", "?member=alice&open"] {
            page.goto(&format!("{}/demo/{query}", world.worker_origin()))
                .await;
            page.wait("the member view", "root.querySelector('.big')")
                .await;
            // Let the opening animation end.
            tokio::time::sleep(std::time::Duration::from_millis(600)).await;
            let hostile = page
                .js("return !!document.getElementById('hostile');")
                .await;
            assert_eq!(hostile, json!(!query.contains("calm")), "{query}");
            seen.push(styles(&page).await);
        }
        let (calm, hostile) = (&seen[0], &seen[1]);
        let mut differences = Vec::new();
        for selector in ELEMENTS {
            assert!(
                !calm[selector].is_null(),
                "`{selector}` is not in the widget"
            );
            for property in PROPERTIES {
                let (a, b) = (&calm[selector][property], &hostile[selector][property]);
                if a != b {
                    differences.push(format!("{selector} {property}: {a} -> {b}"));
                }
            }
        }
        assert!(
            differences.is_empty(),
            "the hostile CSS changed {} computed properties:\n  {}",
            differences.len(),
            differences.join("\n  ")
        );
        eprintln!(
            "    {} properties x {} elements identical",
            PROPERTIES.len(),
            ELEMENTS.len()
        );
        page.close().await;
    })
}

/// The widget changes nothing on the page: every element of the demo page
/// (the widget's host aside) has the same computed properties as on the same
/// page with the embed script blocked.
pub fn page_untouched(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let collect = format!(
            "var props = {}; var out = []; document.querySelectorAll('body *').forEach(function (n) {{ if (n.closest('[data-loyalty-host]') || n.tagName == 'SCRIPT') return; var c = getComputedStyle(n); out.push(n.tagName + '#' + n.id + '.' + n.className + ' ' + props.map(function (p) {{ return c.getPropertyValue(p); }}).join('|')); }}); return out;",
            json!(PROPERTIES)
        );
        let mut seen = Vec::new();
        for blocked in [true, false] {
            let page = Page::open(&world, DESKTOP.0, DESKTOP.1).await;
            page.cdp("Emulation.setScrollbarsHidden", json!({"hidden": true}))
                .await;
            if blocked {
                page.cdp("Network.enable", json!({})).await;
                page.cdp("Network.setBlockedURLs", json!({"urls": ["*loader.js*"]}))
                    .await;
            }
            page.goto(&format!("{}/demo/?member=alice", world.pages_origin()))
                .await;
            if blocked {
                tokio::time::sleep(std::time::Duration::from_millis(800)).await;
                let host = page
                    .js("return !!document.querySelector('[data-loyalty-host]');")
                    .await;
                assert_eq!(host, json!(false), "the embed script was blocked");
            } else {
                page.wait_loaded().await;
            }
            seen.push(page.js(&collect).await);
            page.close().await;
        }
        let (without, with) = (&seen[0], &seen[1]);
        assert!(
            without.as_array().is_some_and(|a| a.len() > 20),
            "too few page elements: {without}"
        );
        assert_eq!(without, with, "the widget changed the page's styles");
        eprintln!(
            "    {} page elements x {} properties unchanged",
            without.as_array().map_or(0, Vec::len),
            PROPERTIES.len()
        );
    })
}

/// The tag added late (after the page has loaded) and twice still gives
/// one widget, which `Loyalty.open()` and `Loyalty.close()` drive.
pub fn late_and_twice(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let page = Page::open(&world, DESKTOP.0, DESKTOP.1).await;
        page.cdp("Network.enable", json!({})).await;
        page.cdp("Network.setBlockedURLs", json!({"urls": ["*loader.js*"]}))
            .await;
        page.goto(&format!("{}/demo/?calm", world.pages_origin()))
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(page.js("return !!host;").await, json!(false));
        page.cdp("Network.setBlockedURLs", json!({"urls": []}))
            .await;
        let tag = format!(
            "var s = document.createElement('script'); s.src = {}; s.setAttribute('data-shop', 'demo'); s.setAttribute('data-locale', 'en'); document.body.appendChild(s);",
            json!(format!("{}/loader.js", world.worker_origin()))
        );
        page.js(&format!("{tag} {tag} return document.readyState;"))
            .await;
        page.wait("the launcher", "root && root.querySelector('.launcher')")
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let counts = page
            .js("return [document.querySelectorAll('[data-loyalty-host]').length, root.querySelectorAll('.launcher').length, root.querySelectorAll('dialog').length];")
            .await;
        assert_eq!(
            counts,
            json!([1, 1, 1]),
            "one host, one launcher, one panel"
        );
        page.js("Loyalty.open(); return true;").await;
        page.wait_loaded().await;
        assert_eq!(
            page.js("return root.querySelector('dialog').open;").await,
            json!(true)
        );
        page.js("Loyalty.close(); return true;").await;
        page.wait("the panel to close", "!root.querySelector('dialog').open")
            .await;
        page.close().await;
    })
}

/// Tab reaches the launcher, Enter opens, Escape closes, focus returns.
pub fn keyboard(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let page = Page::open(&world, DESKTOP.0, DESKTOP.1).await;
        page.goto(&format!("{}/demo/", world.pages_origin())).await;
        page.wait("the launcher", "root.querySelector('.launcher')")
            .await;
        let on_launcher = "document.activeElement == host && root.activeElement == root.querySelector('.launcher')";
        let mut presses = 0;
        loop {
            page.press(Key::Tab).await;
            presses += 1;
            if page.js(&format!("return {on_launcher};")).await == json!(true) {
                break;
            }
            assert!(presses < 60, "Tab never reached the launcher");
        }
        eprintln!("    the launcher after {presses} Tab presses");
        page.press(Key::Enter).await;
        page.wait("the dialog to open", "root.querySelector('dialog').open")
            .await;
        assert_eq!(
            page.js("return root.querySelector('.launcher').getAttribute('aria-expanded');")
                .await,
            json!("true")
        );
        // Focus moved into the dialog.
        page.wait(
            "focus inside the dialog",
            "root.querySelector('dialog').contains(root.activeElement)",
        )
        .await;
        page.wait_loaded().await;
        page.press(Key::Escape).await;
        page.wait("the dialog to close", "!root.querySelector('dialog').open")
            .await;
        page.wait("focus back on the launcher", on_launcher).await;
        assert_eq!(
            page.js("return root.querySelector('.launcher').getAttribute('aria-expanded');")
                .await,
            json!("false")
        );
        page.close().await;
    })
}

/// A shopper leaves the program from the panel (it asks first), sees why
/// they earn nothing and the way back, and rejoins.
pub fn leave_and_rejoin(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        const LEAVER: &str = "browser-leaver";
        world.send_events(&json!({"events": [
            {"id": "browser-leaver-signup", "kind": "signup", "member_id": LEAVER,
             "occurred_at": xtask::clock::days_ago(11)}
        ]}));
        let page = Page::open(&world, DESKTOP.0, DESKTOP.1).await;
        page.goto(&format!(
            "{}/demo/?member={LEAVER}&open",
            world.pages_origin()
        ))
        .await;
        page.wait("the member view", "root.querySelector('.big')")
            .await;
        page.shadow_find(".leave button.link")
            .await
            .click()
            .await
            .expect("click Leave the rewards program");
        assert_eq!(
            page.text(".leave .confirm p").await,
            "Leave the program? You will stop earning points; the points you have stay yours."
        );
        page.shadow_find(".leave .confirm button:not(.primary)")
            .await
            .click()
            .await
            .expect("click Leave");
        page.wait(
            "the panel to say the shopper left",
            "root.querySelector('section.out > p') && root.querySelector('section.out > p').textContent.startsWith('You left')",
        )
        .await;
        assert_eq!(world.me(LEAVER, "en")["enrollment"], json!("left"));
        // Out of the program: no rewards to redeem; the balance stays.
        assert_eq!(page.text(".big").await, "100 points");
        assert_eq!(
            page.js("return !!root.querySelector('section[aria-labelledby=ly-redeem]');")
                .await,
            json!(false),
            "no rewards to redeem while out"
        );
        page.screenshot(&world, "left-en-1280x800").await;
        page.shadow_find("section.out button.primary")
            .await
            .click()
            .await
            .expect("click Rejoin");
        page.wait(
            "the way out again",
            "root.querySelector('.leave button.link')",
        )
        .await;
        assert_eq!(world.me(LEAVER, "en")["enrollment"], json!("enrolled"));
        page.close().await;
    })
}

/// A challenge in the panel: the demo's "Review 2 products this month"
/// after one review today, 1 of 2 with its bar at 50 %, its reward, and
/// its last day on the shop's clock (Riyadh), in English and in Arabic.
pub fn challenge(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        const MEMBER: &str = "browser-challenger";
        world.send_events(&json!({"events": [
            {"id": "browser-ch-signup", "kind": "signup", "member_id": MEMBER,
             "occurred_at": xtask::clock::days_ago(0)},
            {"id": "browser-ch-review", "kind": "review_posted", "member_id": MEMBER,
             "occurred_at": xtask::clock::days_ago(0)}
        ]}));
        let me = world.me(MEMBER, "en");
        let reviews = me["challenges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "monthly-reviews")
            .cloned()
            .expect("the monthly challenge runs");
        assert_eq!(
            (
                &reviews["progress"],
                &reviews["target"],
                &reviews["progress_bp"]
            ),
            (&json!(1), &json!(2), &json!(5000)),
            "{reviews}"
        );
        let ends_at = reviews["ends_at"].as_str().unwrap().to_owned();
        for (file, locale, name, of, reward) in [
            (
                "",
                "en",
                "Review 2 products this month",
                "1 of 2",
                "Reward: +150 points",
            ),
            ("ar.html", "ar-SA", "قيّم منتجين هذا الشهر", "", ""),
        ] {
            let page = open_demo(&world, file, MEMBER, "&open", DESKTOP).await;
            page.wait("the challenges", "root.querySelector('#ly-challenges')")
                .await;
            let shown = page
                .js(&format!(
                    "var b = root.querySelector('.challenges [aria-label=\"{name}\"]'); var li = b.closest('li'); return [b.getAttribute('aria-valuenow'), b.querySelector('.fill').style.inlineSize, Array.from(li.querySelectorAll('p')).map(function (p) {{ return p.textContent; }})];"
                ))
                .await;
            assert_eq!(shown[0], json!("50"), "{shown}");
            assert_eq!(shown[1], json!("50%"), "{shown}");
            let lines: Vec<String> = shown[2]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_owned())
                .collect();
            // The last day of the month on Riyadh's clock, as the browser's
            // Intl writes it in this locale.
            let last_day = page
                .js(&format!(
                    "return new Intl.DateTimeFormat('{locale}', {{dateStyle: 'medium', timeZone: 'Asia/Riyadh'}}).format(new Date(Date.parse('{ends_at}') - 1000));"
                ))
                .await;
            let last_day = last_day.as_str().unwrap();
            assert!(
                lines.iter().any(|l| l.contains(last_day)),
                "{lines:?} should name {last_day}"
            );
            if locale == "en" {
                assert_eq!(lines[0], of);
                assert_eq!(lines[1], reward);
                assert_eq!(lines[2], format!("Ends {last_day}"));
            }
            page.screenshot(&world, &format!("challenge-{}-1280x800", &locale[..2]))
                .await;
        }
    })
}

/// A shopper who bought as a guest signs up: the panel says their earlier
/// order was added, and spends part of the store credit it brought (the
/// demo's 1% cashback) as a code, after a refused try at more than held.
pub fn guest_orders_and_store_credit(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        const MEMBER: &str = "browser-once-a-guest";
        const HASH: &str = "browser-guest-hash";
        world.send_events(&json!({"events": [
            {"id": "browser-gu-order", "kind": "order_paid", "occurred_at": xtask::clock::days_ago(2),
             "member": {"email_hash": HASH},
             "order": {"order_id": "browser-gu-o1", "currency": "USD", "subtotal_minor": 30000}},
            {"id": "browser-gu-signup", "kind": "signup", "member_id": MEMBER,
             "occurred_at": xtask::clock::days_ago(0), "member": {"email_hash": HASH}}
        ]}));
        let me = world.me(MEMBER, "en");
        let added = &me["guest_orders"];
        assert_eq!(added["orders"], 1, "{me}");
        let points = added["points"].as_i64().unwrap();
        assert!(points > 0, "{me}");
        // 1% of 300.00 back: 3.00 of store credit.
        assert_eq!(me["store_credit_minor"], 300, "{me}");
        let page = open_demo(&world, "", MEMBER, "&open", DESKTOP).await;
        page.wait("the credit card", "root.querySelector('#ly-credit')")
            .await;
        let notice = page
            .js("return Array.from(root.querySelectorAll('section[aria-labelledby=\"ly-balance\"] p')).map(function (p) { return p.textContent; });")
            .await;
        let expected = format!("1 earlier order was added: +{points} points");
        assert!(
            notice
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == &json!(expected)),
            "{notice}"
        );
        // A reward locked by the next tier says what reaching it takes, in
        // the tier card's own words.
        let locked = page
            .js("var li = Array.from(root.querySelectorAll('li.reward')).find(function (l) { return l.textContent.indexOf('10% off') >= 0; }); var tier = root.querySelector('#ly-tier').closest('section'); return [li.textContent, Array.from(tier.querySelectorAll('p')).map(function (p) { return p.textContent; })];")
            .await;
        let reach = locked[1]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .find(|p| p.contains("more to reach Silver"))
            .unwrap_or_else(|| panic!("the tier card says how far Silver is: {locked}"))
            .to_owned();
        assert!(locked[0].as_str().unwrap().contains(&reach), "{locked}");
        let spend = |amount: &str| {
            format!(
                "var s = root.querySelector('#ly-credit').closest('section'); var i = s.querySelector('input'); i.value = '{amount}'; i.dispatchEvent(new Event('input')); s.querySelector('button').click(); return i.getAttribute('inputmode');"
            )
        };
        assert_eq!(page.js(&spend("9.99")).await, json!("decimal"));
        let refused = page
            .wait(
                "the refusal",
                "root.querySelector('#ly-credit').closest('section').querySelector('.err[role=alert]')",
            )
            .await;
        let _ = refused;
        let said = page
            .js("return root.querySelector('#ly-credit').closest('section').querySelector('.err').textContent;")
            .await;
        assert_eq!(said, json!("Choose an amount up to your store credit."));
        assert_eq!(world.me(MEMBER, "en")["store_credit_minor"], 300);
        page.js(&spend("1.25")).await;
        page.wait("the code", "root.querySelector('.fresh code')")
            .await;
        let heading = page
            .js("return root.querySelector('.fresh p').textContent;")
            .await;
        assert!(
            heading.as_str().unwrap().contains("Store credit"),
            "{heading}"
        );
        // 3.00 - 1.25 = 1.75 left, and the code is worth what was typed.
        let me = world.me(MEMBER, "en");
        assert_eq!(me["store_credit_minor"], 175, "{me}");
        page.wait(
            "the credit left",
            "root.querySelector('section[aria-labelledby=\"ly-balance\"]').textContent.indexOf('Store credit: $1.75') >= 0",
        )
        .await;
        // The code is listed under its kind's name, not an id.
        let listed = page
            .js("return root.querySelector('#ly-codes').closest('section').textContent;")
            .await;
        let listed = listed.as_str().unwrap();
        assert!(
            listed.contains("Store credit") && !listed.contains("store-credit"),
            "{listed}"
        );
    })
}
