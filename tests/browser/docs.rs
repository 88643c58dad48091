//! The API reference at `/docs/`: Swagger UI, served as static assets from
//! the worker's origin, renders every operation of `/openapi.json` and its
//! "Try it out" reaches the worker it is served from; the demo storefront
//! never loads the viewer.

use std::sync::Arc;
use std::time::Duration;

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::cases::CaseFuture;
use crate::page::Page;
use crate::world::World;

/// The methods an OpenAPI path item may hold operations under.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// What the viewer is served as (copied by `cargo xtask build`).
const VENDOR: &str = "/docs/vendor/";

/// The number of operations in an OpenAPI document.
fn operations(document: &Value) -> usize {
    // The routes (`paths`) and the outbound events (`webhooks`), which
    // Swagger UI draws as operations too.
    ["paths", "webhooks"]
        .iter()
        .filter_map(|section| document[*section].as_object())
        .flat_map(|items| items.values())
        .map(|item| {
            METHODS
                .iter()
                .filter(|method| item.get(**method).is_some())
                .count()
        })
        .sum()
}

/// Waits until `expression` (page JavaScript) is truthy; answers its value.
async fn wait(page: &Page, what: &str, expression: &str) -> Value {
    page.wait_showing(
        what,
        expression,
        "return document.body ? document.body.innerText.slice(0, 2000) : '';",
    )
    .await
}

/// Every script the page names and every resource it fetched.
async fn loaded(page: &Page) -> Vec<String> {
    let value = page
        .js("var scripts = Array.from(document.scripts).map(function (s) { return s.src; }); \
             var fetched = performance.getEntriesByType('resource').map(function (e) { return e.name; }); \
             return scripts.concat(fetched).filter(function (s) { return s; });")
        .await;
    serde_json::from_value(value).expect("a list of URLs")
}

/// A WebDriver click (a trusted one) on the first element matching `css`.
async fn click(page: &Page, css: &str, what: &str) {
    page.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {what} (`{css}`): {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {what}: {e}"));
}

pub fn api_docs(world: Arc<World>) -> CaseFuture {
    Box::pin(async move {
        let origin = world.worker_origin();
        // Served by Workers static assets: the directory's index.html, the
        // bare path redirected to it, the viewer's copies beside it.
        let index = world.call("GET", "/docs/", &[], b"");
        assert_eq!(index.status, 200, "/docs/: {}", index.body);
        assert!(
            index
                .header("content-type")
                .unwrap_or_default()
                .starts_with("text/html"),
            "/docs/ is a page: {:?}",
            index.headers
        );
        assert!(
            index.body.contains("<title>Loyalty API</title>"),
            "{}",
            index.body
        );
        let bare = world.call("GET", "/docs", &[], b"");
        assert!(
            (300..400).contains(&bare.status) && bare.header("location") == Some("/docs/"),
            "/docs answered {} {:?}",
            bare.status,
            bare.headers
        );
        for file in ["swagger-ui-bundle.js", "swagger-ui.css"] {
            let answer = world.call("GET", &format!("{VENDOR}{file}"), &[], b"");
            assert_eq!(
                answer.status, 200,
                "{VENDOR}{file} is missing: run `cargo xtask build` (it copies the viewer)"
            );
        }
        let document = world.call("GET", "/openapi.json", &[], b"");
        assert_eq!(document.status, 200, "{}", document.body);
        let expected = operations(&document.json());
        assert!(expected > 0, "the document lists operations");

        let page = Page::open(&world, 1280, 900).await;
        page.goto(&format!("{origin}/docs/")).await;
        wait(
            &page,
            "Swagger UI to render the operations",
            "document.querySelectorAll('#swagger-ui .opblock').length > 0",
        )
        .await;
        // Rendered at once from the loaded document; allow a moment to settle.
        let mut rendered = 0;
        for _ in 0..50 {
            let count = page
                .js("return document.querySelectorAll('#swagger-ui .opblock').length;")
                .await
                .as_u64()
                .unwrap_or_default();
            if count == rendered {
                break;
            }
            rendered = count;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(
            usize::try_from(rendered).unwrap_or_default(),
            expected,
            "Swagger UI renders every operation of /openapi.json"
        );
        assert_eq!(
            page.js("return document.title;").await,
            json!("Loyalty API")
        );
        let vendor = format!("{origin}{VENDOR}");
        assert!(
            loaded(&page)
                .await
                .iter()
                .any(|url| url.starts_with(&vendor)),
            "the docs page loads the viewer from {vendor}"
        );

        // "Try it out" on GET /healthz, against this worker.
        let found = page
            .js(
                "var path = document.querySelector('.opblock-get [data-path=\"/healthz\"]'); \
                 var block = path && path.closest('.opblock'); \
                 if (block) block.setAttribute('data-test', 'healthz'); \
                 return !!block;",
            )
            .await;
        assert_eq!(found, json!(true), "GET /healthz is rendered");
        click(
            &page,
            "[data-test=healthz] .opblock-summary-control",
            "the GET /healthz summary",
        )
        .await;
        wait(
            &page,
            "the operation to expand",
            "document.querySelector('[data-test=healthz] .try-out__btn')",
        )
        .await;
        let server = page
            .js("var s = document.querySelector('.servers select'); return s ? s.value : null;")
            .await;
        assert_eq!(
            server,
            json!("/"),
            "the document's one server is the worker that serves it"
        );
        click(&page, "[data-test=healthz] .try-out__btn", "Try it out").await;
        wait(
            &page,
            "the Execute button",
            "document.querySelector('[data-test=healthz] .btn.execute')",
        )
        .await;
        click(&page, "[data-test=healthz] .btn.execute", "Execute").await;
        let status = wait(
            &page,
            "the live response",
            "(function () { var c = document.querySelector('[data-test=healthz] .live-responses-table tbody .response-col_status'); return c && c.textContent.trim(); })()",
        )
        .await;
        assert!(
            status.as_str().is_some_and(|s| s.starts_with("200")),
            "live status: {status}"
        );
        let shown = page
            .js("var r = document.querySelector('[data-test=healthz] .live-responses-table tbody .response-col_description'); return r ? r.textContent : null;")
            .await;
        let shown = shown.as_str().unwrap_or_default();
        assert!(shown.contains("\"ok\""), "the live body: {shown}");
        let url = page
            .js("var u = document.querySelector('[data-test=healthz] .request-url pre'); return u ? u.textContent : null;")
            .await;
        assert_eq!(url, json!(format!("{origin}/healthz")), "the request URL");
        page.screenshot(&world, "api-docs-1280x900").await;

        // The storefront never loads the viewer.
        page.goto(&format!("{origin}/demo/?open")).await;
        page.wait_loaded().await;
        let urls = loaded(&page).await;
        assert!(
            urls.iter().any(|url| url.contains("/widget/pkg/")),
            "the demo page's resources are listed: {urls:?}"
        );
        let viewer: Vec<&String> = urls
            .iter()
            .filter(|url| url.contains(VENDOR) || url.contains("swagger"))
            .collect();
        assert!(viewer.is_empty(), "the demo storefront loads {viewer:?}");
        page.close().await;
    })
}
