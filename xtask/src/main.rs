//! Build, test and run automation behind `cargo xtask dev | test | ci | bench`.
//!
//! Every step prints the command it runs, installs what it needs on a fresh
//! machine (the wasm32 target, pinned tools from crates.io and npm) and skips
//! what is already up to date.

use std::env;
use std::fs;
use std::process::ExitCode;

use xtask::cmd::{Cmd, Result, root};
use xtask::local::{LocalWorker, Options};
use xtask::{http, tools};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  dev     build the worker, start it locally on workerd (wrangler dev) with
          persisted KV and Durable Objects, seed the demo shop, print the URLs
  test    run every test: unit, property, wasm32 builds, end-to-end on workerd
  ci      what CI runs: fmt, clippy and every test
  build   build the worker into edge/build (before `wrangler deploy`)
  licenses
          check every dependency's licence against deny.toml (cargo-deny)
  widget  build the widget into static/widget/pkg and print its sizes
  typescript
          regenerate clients/typescript/api.d.ts from the API document;
          `typescript check`: fail when it is stale, type-check the example
  schemathesis
          fuzz the API from its OpenAPI document against the local worker
  bench   benchmarks: `bench rules` (criterion), `bench edge` (wrk against
          workerd), `bench console` (the backtest of 10,000 events in
          headless Chromium), or all three
";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("dev") => dev(),
        Some("test") => test(),
        Some("ci") => ci(),
        Some("build") => tools::build_worker(),
        Some("licenses") => xtask::licenses::check(),
        Some("widget") => {
            xtask::widget::build_widget().and_then(|()| xtask::widget::sizes().map(drop))
        }
        Some("typescript") => match args.get(1).map(String::as_str) {
            None => xtask::typescript::generate(),
            Some("check") => xtask::typescript::check(),
            Some(other) => Err(format!("unknown `typescript {other}`\n\n{USAGE}")),
        },
        Some("schemathesis") => tools::build_worker().and_then(|()| xtask::schemathesis::run()),
        Some("bench") => bench(args.get(1).map(String::as_str)),
        Some("help" | "-h" | "--help") | None => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every test the project has.
fn test() -> Result {
    tools::ensure_wasm_target()?;
    Cmd::cargo("test")
        .args(["--package", "loyalty-rules", "--package", "loyalty-edge"])
        .args([
            "--package",
            "loyalty-widget",
            "--package",
            "loyalty-preview",
        ])
        .args(["--package", "loyalty-console"])
        .args(["--package", "xtask", "--package", "loyalty-client"])
        .run()?;
    wasm_builds()?;
    // Builds the widget and holds it to its size budget.
    xtask::widget::build_widget()?;
    xtask::widget::sizes()?;
    xtask::typescript::check()?;
    tools::build_worker()?;
    Cmd::cargo("test")
        .args(["--package", "loyalty-e2e", "--test", "e2e"])
        .run()?;
    xtask::browser::ensure_chromium()?;
    Cmd::cargo("test")
        .args(["--package", "loyalty-e2e", "--test", "browser"])
        .run()?;
    year_ahead()?;
    xtask::schemathesis::run()
}

/// The cases whose figures hang on dates, rerun with the worker's clock
/// (and the tests' own) a year ahead: a test that leans on today's date
/// fails here long before the date comes.
const YEAR_AHEAD_E2E: &[&str] = &[
    "contract",
    "refunds",
    "redeem",
    "referrals",
    "widget",
    "analytics",
    "restart",
    "rotation",
    "snapshot",
];
const YEAR_AHEAD_BROWSER: &[&str] = &["member balance", "redeem", "cart preview"];

fn year_ahead() -> Result {
    let days = "365";
    eprintln!("\nThe date-bound cases again, with the clock {days} days ahead:");
    Cmd::cargo("test")
        .args(["--package", "loyalty-e2e", "--test", "e2e", "--"])
        .args(YEAR_AHEAD_E2E)
        .env(xtask::clock::OFFSET_VAR, days)
        .run()?;
    Cmd::cargo("test")
        .args(["--package", "loyalty-e2e", "--test", "browser", "--"])
        .args(YEAR_AHEAD_BROWSER)
        .env(xtask::clock::OFFSET_VAR, days)
        .run()
}

/// What CI runs on a clean clone: formatting, lints, and every test.
fn ci() -> Result {
    Cmd::cargo("fmt").args(["--all", "--check"]).run()?;
    xtask::licenses::check()?;
    tools::ensure_wasm_target()?;
    Cmd::cargo("clippy")
        .args(["--package", "loyalty-rules", "--package", "loyalty-edge"])
        .args([
            "--package",
            "loyalty-widget",
            "--package",
            "loyalty-preview",
        ])
        .args(["--package", "xtask", "--package", "loyalty-e2e"])
        .args([
            "--package",
            "loyalty-client",
            "--package",
            "loyalty-console",
        ])
        .args(["--all-targets", "--", "-D", "warnings"])
        .run()?;
    Cmd::cargo("clippy")
        .args(["--package", "loyalty-edge", "--package", "loyalty-widget"])
        .args([
            "--package",
            "loyalty-preview",
            "--package",
            "loyalty-console",
        ])
        .args(["--target", tools::WASM_TARGET, "--", "-D", "warnings"])
        .run()?;
    test()
}

/// The rules crate must build for the browser and the worker as well as the host.
fn wasm_builds() -> Result {
    Cmd::cargo("check")
        .args(["--package", "loyalty-rules", "--target", tools::WASM_TARGET])
        .run()?;
    Cmd::cargo("build")
        .args([
            "--package",
            "loyalty-widget",
            "--target",
            tools::WASM_TARGET,
        ])
        .args(["--profile", "wasm-release"])
        .run()
}

/// Starts the product locally: the worker on workerd, the demo shop seeded.
fn dev() -> Result {
    tools::build_worker()?;
    xtask::widget::build_widget()?;
    let port: u16 = env::var("LOYALTY_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8787);
    let admin_token = env::var("ADMIN_TOKEN").unwrap_or_else(|_| "dev-admin-token".into());
    let state_dir = root().join(".state");
    let worker = LocalWorker::start(&Options {
        port,
        state_dir: state_dir.join("wrangler"),
        admin_token: admin_token.clone(),
        dev_routes: true,
        log: None,
        vars: Vec::new(),
        interactive: true,
    })?;
    let secrets = seed_demo(port, &admin_token)?;
    println!();
    println!("  Loyalty is running on the real Workers runtime (workerd), state in .state/");
    println!("  merchant console  http://127.0.0.1:{port}/console/ (shop demo, the api_key below)");
    println!("  demo storefront   http://127.0.0.1:{port}/demo/");
    println!("  in Arabic         http://127.0.0.1:{port}/demo/ar.html");
    println!("  account page      http://127.0.0.1:{port}/demo/account.html");
    println!("  as a member       http://127.0.0.1:{port}/demo/?member=alice&open");
    println!("  health            http://127.0.0.1:{port}/healthz");
    println!("  API document      http://127.0.0.1:{port}/openapi.json");
    println!("  API reference     http://127.0.0.1:{port}/docs/");
    println!(
        "  platform webhooks http://127.0.0.1:{port}/v1/hooks/demo/{{shopify,woocommerce,shopware}}"
    );
    println!(
        "  schedule          http://127.0.0.1:{port}/__scheduled fires the hourly trigger now"
    );
    println!("  (connecting platforms and outbound webhooks: docs/INTEGRATIONS.md)");
    println!(
        "  demo shop api_key {}",
        secrets["api_key"].as_str().unwrap_or("?")
    );
    println!("  (secrets of the demo shop are in .state/demo-shop.json)");
    println!("  Ctrl-C stops everything.");
    println!();
    worker.wait()
}

/// Creates the `demo` shop (once), sets its sample program, and a few members.
fn seed_demo(port: u16, admin_token: &str) -> Result<serde_json::Value> {
    let secrets_file = root().join(".state/demo-shop.json");
    let admin = format!("Bearer {admin_token}");
    let json = [("content-type", "application/json")];
    let created = http::request(
        port,
        "POST",
        "/v1/shops",
        &[json[0], ("authorization", &admin)],
        br#"{"shop":"demo"}"#,
    )
    .map_err(|e| e.to_string())?;
    let secrets = match created.status {
        201 => {
            fs::write(&secrets_file, &created.body).map_err(|e| e.to_string())?;
            created.json()
        }
        409 => match fs::read_to_string(&secrets_file) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| e.to_string())?,
            Err(_) => {
                // The shop exists but its secrets were lost: issue new ones.
                let rotated = http::request(
                    port,
                    "POST",
                    "/v1/shops/demo/keys/rotate",
                    &[json[0], ("authorization", &admin)],
                    b"{}",
                )
                .map_err(|e| e.to_string())?;
                fs::write(&secrets_file, &rotated.body).map_err(|e| e.to_string())?;
                rotated.json()
            }
        },
        status => {
            return Err(format!(
                "creating the demo shop answered {status}: {}",
                created.body
            ));
        }
    };
    let program = fs::read(root().join("static/demo/program.json")).map_err(|e| e.to_string())?;
    xtask::demo::load(
        port,
        secrets["api_key"].as_str().unwrap_or_default(),
        &program,
    )?;
    Ok(secrets)
}

/// The benchmarks: the rules crate's award path, the edge under load, the
/// console's backtest in the browser.
fn bench(which: Option<&str>) -> Result {
    if matches!(which, None | Some("rules")) {
        Cmd::cargo("bench")
            .args(["--package", "loyalty-rules", "--bench", "award"])
            .run()?;
    }
    if matches!(which, None | Some("edge")) {
        xtask::bench::edge()?;
    }
    if matches!(which, None | Some("console")) {
        // The browser suite's benchmark case, run only when asked for (it
        // measures; it asserts no time).
        tools::build_worker()?;
        xtask::widget::build_widget()?;
        xtask::browser::ensure_chromium()?;
        Cmd::cargo("test")
            .args(["--package", "loyalty-e2e", "--test", "browser", "--"])
            .arg(BACKTEST_BENCH)
            .env("LOYALTY_BENCH", "1")
            .run()?;
    }
    Ok(())
}

/// The browser case that times the backtest (`tests/browser/console.rs`).
const BACKTEST_BENCH: &str = "bench: the backtest of 10,000 events";
