//! Property-based API testing from the OpenAPI document: schemathesis (PyPI,
//! pinned, in `.tools/venv`) against the local worker on workerd.

use std::fs;

use crate::cmd::{Cmd, Result, root};
use crate::http;
use crate::local::{LocalWorker, Options, free_port, scratch_dir};

pub const VERSION: &str = "4.32.5";
const ADMIN: &str = "schemathesis-admin";

/// Installs schemathesis into `.tools/venv` unless that version is there.
fn ensure() -> Result<std::path::PathBuf> {
    let venv = root().join(".tools/venv");
    let st = venv.join("bin/st");
    let current = Cmd::new(&st).arg("--version").read().unwrap_or_default();
    if current.contains(VERSION) {
        return Ok(st);
    }
    Cmd::new("python3").arg("-m").arg("venv").arg(&venv).run()?;
    Cmd::new(venv.join("bin/pip"))
        .args(["install", "--quiet", &format!("schemathesis=={VERSION}")])
        .run()?;
    Ok(st)
}

/// Starts a worker with a shop `st`, and runs every schemathesis check.
pub fn run() -> Result {
    let st = ensure()?;
    let state = scratch_dir("schemathesis");
    let port = free_port();
    let _worker = LocalWorker::start(&Options {
        port,
        state_dir: state.join("wrangler"),
        admin_token: ADMIN.into(),
        dev_routes: false,
        log: Some(state.join("wrangler.log")),
        // Fuzzing sends thousands of requests a minute; the limit itself is
        // covered by the end-to-end tests.
        vars: vec![("LOYALTY_RATE_PER_MINUTE".into(), "1000000".into())],
        interactive: false,
    })?;
    let json = ("content-type", "application/json");
    let created = http::request(
        port,
        "POST",
        "/v1/shops",
        &[json, ("authorization", &format!("Bearer {ADMIN}"))],
        br#"{"shop":"st"}"#,
    )
    .map_err(|e| e.to_string())?;
    let key = created.json()["api_key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let program = fs::read(root().join("static/demo/program.json")).map_err(|e| e.to_string())?;
    let put = http::request(
        port,
        "PUT",
        "/v1/shops/st/program",
        &[json, ("authorization", &format!("Bearer {key}"))],
        &program,
    )
    .map_err(|e| e.to_string())?;
    if put.status != 200 {
        return Err(format!(
            "the schemathesis shop's program was refused: {}",
            put.body
        ));
    }
    let config = state.join("schemathesis.toml");
    fs::write(&config, "[parameters]\n\"path.shop\" = \"st\"\n").map_err(|e| e.to_string())?;
    Cmd::new(st)
        .arg("--config-file")
        .arg(&config)
        .args(["run", &format!("http://127.0.0.1:{port}/openapi.json")])
        .args(["-H", &format!("Authorization: Bearer {key}")])
        .args([
            "--checks",
            "all",
            "--max-examples",
            "30",
            "--generation-deterministic",
        ])
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .run()
}
