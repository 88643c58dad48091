//! The demo shop's program and members, loaded into a running worker: by
//! `cargo xtask dev`, and by the browser tests with their own origins.

use std::fs;

use crate::cmd::{Result, root};
use crate::http;

/// Puts `program` on the `demo` shop and sends the demo members' events
/// (`static/demo/events.json`; their ids make a second run a no-op).
pub fn load(port: u16, api_key: &str, program: &[u8]) -> Result {
    let auth = format!("Bearer {api_key}");
    let headers = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];
    let put = http::request(port, "PUT", "/v1/shops/demo/program", &headers, program)
        .map_err(|e| e.to_string())?;
    if put.status != 200 {
        return Err(format!("the demo program was refused: {}", put.body));
    }
    let events = fs::read(root().join("static/demo/events.json")).map_err(|e| e.to_string())?;
    let sent = http::request(port, "POST", "/v1/shops/demo/events", &headers, &events)
        .map_err(|e| e.to_string())?;
    if sent.status != 200 {
        return Err(format!("the demo events were refused: {}", sent.body));
    }
    Ok(())
}
