//! What the browser tests run against: their own worker (the start command
//! of `cargo xtask dev`, another port, throwaway state) with the demo shop
//! seeded, a second origin serving the demo pages, and chromedriver.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use xtask::cmd::{root, stop_child};
use xtask::http::{self, Answer};
use xtask::local::{LocalWorker, Options, free_port, scratch_dir};

pub const ADMIN: &str = "browser-admin-token";
/// The shop id the demo pages' tag names.
pub const SHOP: &str = "demo";

/// Everything the cases share; dropping it stops chromedriver (and the
/// browsers it started) and the worker.
#[derive(Debug)]
pub struct World {
    pub worker: LocalWorker,
    /// The worker's port: it serves the API, the loader, the wasm and the demo.
    pub port: u16,
    /// The second origin's port: the demo pages only.
    pub pages_port: u16,
    pub driver: Driver,
    pub secrets: Value,
    pub state: PathBuf,
    pub output: PathBuf,
    profiles: std::sync::atomic::AtomicU64,
}

impl World {
    pub fn start() -> Result<Self, String> {
        let pkg = root().join("static/widget/pkg/loyalty_widget_bg.wasm");
        if !pkg.exists() {
            return Err(format!(
                "{} is missing: run `cargo xtask widget` (and `cargo xtask build`) first",
                pkg.display()
            ));
        }
        if !xtask::local::is_built() {
            return Err("edge/build is missing: run `cargo xtask build` first".into());
        }
        xtask::browser::ensure_chromium()?;
        let state = scratch_dir("browser");
        let port = free_port();
        let worker = LocalWorker::start(&Options {
            port,
            state_dir: state.join("wrangler"),
            admin_token: ADMIN.into(),
            dev_routes: true,
            log: Some(state.join(format!("wrangler-{port}.log"))),
            vars: Vec::new(),
            interactive: false,
        })?;
        let pages_port = serve_pages(port)?;
        let secrets = seed(port, pages_port)?;
        let driver = Driver::start(&state)?;
        let output = root().join("target/test-output");
        fs::create_dir_all(&output).map_err(|e| format!("{}: {e}", output.display()))?;
        Ok(Self {
            worker,
            port,
            pages_port,
            driver,
            secrets,
            state,
            output,
            profiles: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// A number no other browser profile of this run uses.
    pub fn next_profile(&self) -> u64 {
        self.profiles
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// The worker's origin (`http://127.0.0.1:PORT`).
    pub fn worker_origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.worker.port)
    }

    /// The second origin, where the pages load the tag from the worker's.
    pub fn pages_origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.pages_port)
    }

    /// A customer token for `member`, signed as the shop's server would.
    pub fn token(&self, member: &str) -> String {
        let secret = self.secrets["widget_secret"].as_str().unwrap_or_default();
        loyalty_edge::auth::customer_token(member, 4_000_000_000, secret)
    }

    pub fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        http::request(self.port, method, path, headers, body).expect("the worker answers")
    }

    /// Sends events as the merchant's server.
    pub fn send_events(&self, events: &Value) {
        let key = format!(
            "Bearer {}",
            self.secrets["api_key"].as_str().unwrap_or_default()
        );
        let answer = self.call(
            "POST",
            &format!("/v1/shops/{SHOP}/events"),
            &[
                ("authorization", &key),
                ("content-type", "application/json"),
            ],
            events.to_string().as_bytes(),
        );
        assert_eq!(answer.status, 200, "events refused: {}", answer.body);
    }

    /// `GET /v1/widget/{shop}/me` as `member`, as the widget asks it.
    pub fn me(&self, member: &str, locale: &str) -> Value {
        let bearer = format!("Bearer {}", self.token(member));
        let answer = self.call(
            "GET",
            &format!("/v1/widget/{SHOP}/me?locale={locale}"),
            &[("authorization", &bearer)],
            b"",
        );
        assert_eq!(answer.status, 200, "/me answered: {}", answer.body);
        answer.json()
    }
}

/// The demo program, allowing the test's two origins instead of 8787/8788.
pub fn demo_program(port: u16, pages_port: u16) -> Result<Value, String> {
    let path = root().join("static/demo/program.json");
    let worker = format!("http://127.0.0.1:{port}");
    // Every page of the demo (a paid level's join page too) on this worker.
    let text = fs::read_to_string(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .replace("http://127.0.0.1:8787", &worker);
    let mut program: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let pages = format!("http://127.0.0.1:{pages_port}");
    program["allowed_origins"] = json!([
        worker,
        pages,
        format!("http://localhost:{port}"),
        format!("http://localhost:{pages_port}")
    ]);
    program["shop_url"] = json!(format!("{worker}/demo/"));
    program["links"] = json!({
        "join": format!("{worker}/demo/#join"),
        "sign_in": format!("{worker}/demo/#sign-in"),
        "terms": format!("{worker}/demo/#terms"),
    });
    Ok(program)
}

/// Creates the `demo` shop with the demo program (patched) and events, as
/// `cargo xtask dev` does; answers the shop's secrets.
fn seed(port: u16, pages_port: u16) -> Result<Value, String> {
    let admin = format!("Bearer {ADMIN}");
    let json_type = ("content-type", "application/json");
    let created = http::request(
        port,
        "POST",
        "/v1/shops",
        &[json_type, ("authorization", &admin)],
        json!({"shop": SHOP}).to_string().as_bytes(),
    )
    .map_err(|e| e.to_string())?;
    if created.status != 201 {
        return Err(format!(
            "creating the demo shop answered {}: {}",
            created.status, created.body
        ));
    }
    let secrets = created.json();
    let program = demo_program(port, pages_port)?;
    xtask::demo::load(
        port,
        secrets["api_key"].as_str().unwrap_or_default(),
        program.to_string().as_bytes(),
    )?;
    Ok(secrets)
}

/// The second origin: a tiny static server for `static/demo/*`, with the
/// loader tag pointing at the worker's origin. `/v1/dev/...` (the member
/// switcher's token route, which demo.js asks of its own origin) is passed
/// on to the worker, as a shop's server would mint the token itself.
fn serve_pages(worker_port: u16) -> Result<u16, String> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = answer_page(stream, worker_port);
            });
        }
    });
    Ok(port)
}

fn answer_page(mut stream: TcpStream, worker_port: u16) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    // Skip the headers: nothing here needs them.
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let target = line.split(' ').nth(1).unwrap_or("/").to_owned();
    let (status, kind, body) = if target.starts_with("/v1/dev/") {
        match http::request(worker_port, "GET", &target, &[], b"") {
            Ok(answer) => (answer.status, "application/json", answer.body.into_bytes()),
            Err(e) => (502, "text/plain", e.to_string().into_bytes()),
        }
    } else {
        page(&target, worker_port)
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {kind}\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(&body)?;
    stream.flush()
}

fn page(target: &str, worker_port: u16) -> (u16, &'static str, Vec<u8>) {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let name = match path.strip_prefix("/demo/") {
        Some("") => "index.html",
        Some(name) if !name.contains("..") && !name.contains('/') => name,
        _ => return (404, "text/plain", b"not found".to_vec()),
    };
    let Ok(bytes) = fs::read(root().join("static/demo").join(name)) else {
        return (404, "text/plain", b"not found".to_vec());
    };
    let kind = match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    let body = if name.ends_with(".html") {
        String::from_utf8_lossy(&bytes)
            .replace(
                "src=\"/loader.js\"",
                &format!("src=\"http://127.0.0.1:{worker_port}/loader.js\""),
            )
            .into_bytes()
    } else {
        bytes
    };
    (200, kind, body)
}

/// chromedriver on a free port, in its own process group so that stopping it
/// stops the browsers it started too.
#[derive(Debug)]
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    fn start(state: &std::path::Path) -> Result<Self, String> {
        let port = free_port();
        let log = state.join(format!("chromedriver-{port}.log"));
        let file = fs::File::create(&log).map_err(|e| e.to_string())?;
        let err = file.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(xtask::browser::CHROMEDRIVER);
        cmd.arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err);
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        eprintln!("$ chromedriver --port={port}");
        let child = cmd
            .spawn()
            .map_err(|e| format!("could not start chromedriver: {e}"))?;
        let mut driver = Self { child, port };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(status)) = driver.child.try_wait() {
                return Err(format!("chromedriver exited early ({status})"));
            }
            if let Ok(answer) = http::request(port, "GET", "/status", &[], b"")
                && answer.status == 200
                && answer.json()["value"]["ready"] == json!(true)
            {
                return Ok(driver);
            }
            sleep(Duration::from_millis(100));
        }
        driver.stop();
        Err(format!("chromedriver did not answer on port {port}"))
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        // Browsers left behind by the group stop too.
        stop_child(&mut self.child, true, Duration::from_secs(5));
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
    }
}
