//! One headless Chromium session per case and the few things the cases do
//! with it: open a demo page at a viewport size, wait for the widget, read
//! inside its shadow root with JavaScript, press keys, take screenshots.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::world::World;

/// The flags every session gets (a fresh profile is added per session).
const FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// JavaScript prelude: `host` is the widget's shadow host, `root` its shadow
/// root (either may be null before the loader ran).
const PRELUDE: &str = "var host = document.querySelector('[data-loyalty-host]') || \
    document.querySelector('[data-loyalty-panel]'); \
    var root = host && host.shadowRoot;";

/// A POST to a session endpoint fantoccini has no method for (Chromium's
/// DevTools bridge, the permissions extension).
#[derive(Debug)]
struct SessionPost {
    path: &'static str,
    body: Value,
}

impl WebDriverCompatibleCommand for SessionPost {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// A browser session; `close` ends it (chromedriver's stop ends any left).
#[derive(Debug)]
pub struct Page {
    pub client: Client,
}

impl Page {
    /// A new Chromium with a fresh profile, its viewport `width` x `height`.
    pub async fn open(world: &World, width: u32, height: u32) -> Page {
        let profile = world
            .state
            .join(format!("profile-{}", world.next_profile()));
        let mut args: Vec<String> = FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        args.push(format!("--window-size={width},{height}"));
        let mut caps = Capabilities::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": xtask::browser::CHROMIUM, "args": args}),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&world.driver.url())
            .await
            .expect("chromedriver starts a Chromium session");
        let page = Page { client };
        page.viewport(width, height).await;
        page
    }

    /// Sets the layout viewport exactly (the window size alone leaves it a
    /// little off in headless mode). Not in mobile mode: a phone browser
    /// widens the layout viewport to fit a page that overflows, which would
    /// hide exactly the overflow the narrow case looks for.
    pub async fn viewport(&self, width: u32, height: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        )
        .await;
    }

    /// One DevTools command through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.client
            .issue_cmd(SessionPost {
                path: "goog/cdp/execute",
                body: json!({"cmd": cmd, "params": params}),
            })
            .await
            .unwrap_or_else(|e| panic!("DevTools {cmd}: {e}"))
    }

    /// Grants a permission (WebDriver permissions extension).
    pub async fn grant(&self, name: &str) {
        self.client
            .issue_cmd(SessionPost {
                path: "permissions",
                body: json!({"descriptor": {"name": name}, "state": "granted"}),
            })
            .await
            .unwrap_or_else(|e| panic!("granting {name}: {e}"));
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("opening {url}: {e}"));
    }

    /// Runs `body` (a function body that may `return`) after the prelude.
    pub async fn js(&self, body: &str) -> Value {
        self.client
            .execute(&format!("{PRELUDE}\n{body}"), Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{body}"))
    }

    /// Runs `body` with `done` to call with the result.
    pub async fn js_async(&self, body: &str) -> Value {
        self.client
            .execute_async(
                &format!("{PRELUDE}\nvar done = arguments[arguments.length - 1];\n{body}"),
                Vec::new(),
            )
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{body}"))
    }

    /// Waits until `expression` (after the prelude) is truthy; answers its value.
    pub async fn wait(&self, what: &str, expression: &str) -> Value {
        self.wait_showing(
            what,
            expression,
            "return root ? root.textContent : 'no shadow root';",
        )
        .await
    }

    /// [`Page::wait`], telling on a timeout what `shows` (page JavaScript)
    /// answers.
    pub async fn wait_showing(&self, what: &str, expression: &str, shows: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self
                .js(&format!(
                    "try {{ return ({expression}) || null; }} catch (e) {{ return null; }}"
                ))
                .await;
            if !value.is_null() && value != json!(false) {
                return value;
            }
            if started.elapsed() > Duration::from_secs(30) {
                let text = self.js(shows).await;
                panic!("timed out waiting for {what}; the page shows: {text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for the panel to show the program (no skeleton) with a heading.
    pub async fn wait_loaded(&self) {
        self.wait(
            "the panel to load",
            "root.querySelector('.ly h2') && !root.querySelector('[aria-busy]') && root.querySelector('.ly')",
        )
        .await;
    }

    /// The text of the first element matching `selector` in the shadow root.
    pub async fn text(&self, selector: &str) -> String {
        let value = self
            .js(&format!(
                "var n = root.querySelector({}); return n ? n.textContent : null;",
                json!(selector)
            ))
            .await;
        value
            .as_str()
            .unwrap_or_else(|| panic!("no `{selector}` in the widget"))
            .to_owned()
    }

    /// The texts of every element matching `selector` in the shadow root.
    pub async fn texts(&self, selector: &str) -> Vec<String> {
        let value = self
            .js(&format!(
                "return Array.from(root.querySelectorAll({})).map(function (n) {{ return n.textContent; }});",
                json!(selector)
            ))
            .await;
        serde_json::from_value(value).expect("a list of texts")
    }

    /// An element inside the shadow root, found through WebDriver (so that a
    /// click is a real, trusted click).
    pub async fn shadow_find(&self, selector: &str) -> Element {
        let host = match self.client.find(Locator::Css("[data-loyalty-host]")).await {
            Ok(host) => host,
            Err(_) => self
                .client
                .find(Locator::Css("[data-loyalty-panel]"))
                .await
                .expect("the widget's host"),
        };
        let root = host.shadow_root().await.expect("the host's shadow root");
        root.find(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no `{selector}` in the widget: {e}"))
    }

    /// Presses and releases one key where the focus is.
    pub async fn press(&self, key: Key) {
        let value: char = key.into();
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value })
            .then(KeyAction::Up { value });
        self.client.perform_actions(keys).await.expect("key press");
    }

    /// Saves a PNG of the viewport under `target/test-output/`.
    pub async fn screenshot(&self, world: &World, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        let path = world.output.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("    saved {}", relative(&path));
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(xtask::cmd::root())
        .unwrap_or(path)
        .display()
        .to_string()
}
