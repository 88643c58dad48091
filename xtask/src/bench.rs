//! The edge load benchmark: the built worker served by `workerd` itself (no
//! wrangler proxy in front), Durable Objects on local disk, KV served by a
//! stand-in worker that speaks the KV binding's protocol over a SQLite-backed
//! Durable Object, and `wrk` (Debian) as the load generator. Beside it, a
//! trivial worker on the same runtime, so the ratio shows the product's cost.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::cmd::{Cmd, Result, root, stop_child};
use crate::http;
use crate::tools;

/// Members the events are spread over.
const MEMBERS: usize = 1_000;
const CONNECTIONS: u32 = 8;
const SECONDS: u32 = 20;
/// How long each connection waits after an answer in the paced run.
const PACE_MS: u32 = 15;
/// Long enough for every member's first event at the slowest rate seen.
const COLD_SECONDS: u32 = 10;

const KV_SHIM: &str = r#"
// A stand-in for Workers KV: the binding's protocol (GET, PUT, DELETE on
// https://fake-host/<urlencoded key>) over one SQLite-backed Durable Object.
import { DurableObject } from "cloudflare:workers";
export class KvStore extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v BLOB)");
  }
  async fetch(request) {
    const url = new URL(request.url);
    const key = decodeURIComponent(url.pathname.slice(1));
    const sql = this.ctx.storage.sql;
    if (request.method === "GET") {
      const rows = sql.exec("SELECT v FROM kv WHERE k = ?", key).toArray();
      return rows.length ? new Response(rows[0].v) : new Response(null, { status: 404 });
    }
    if (request.method === "PUT") {
      const body = new Uint8Array(await request.arrayBuffer());
      sql.exec("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", key, body);
      return new Response(null, { status: 200 });
    }
    if (request.method === "DELETE") {
      sql.exec("DELETE FROM kv WHERE k = ?", key);
      return new Response(null, { status: 200 });
    }
    return new Response(null, { status: 405 });
  }
}
export default {
  fetch(request, env) {
    return env.STORE.get(env.STORE.idFromName("kv")).fetch(request);
  },
};
"#;

/// The least an award event must cost on this runtime: the same two
/// exactly-once writes (claim the id in one object, write the member's state
/// and the event in another), in plain JavaScript, nothing else.
const FLOOR: &str = r#"
import { DurableObject } from "cloudflare:workers";
export class Claims extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS claims (id TEXT PRIMARY KEY, member TEXT)");
  }
  async fetch(request) {
    const claim = await request.json();
    if (new URL(request.url).pathname === "/context") {
      const rows = this.ctx.storage.sql.exec("SELECT id FROM claims WHERE member = ? LIMIT 1", claim.member).toArray();
      return new Response(JSON.stringify({ member: claim.member, seen: rows.length }));
    }
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO claims VALUES (?, ?)", claim.id, claim.member);
    return new Response("{}");
  }
}
export class Member extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, v TEXT)");
  }
  async fetch(request) {
    const body = await request.text();
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO kv VALUES ('state', ?)", body);
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO events VALUES (?, ?)", JSON.parse(body).id, body);
    return new Response(body);
  }
}
export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === "/healthz") return new Response("ok");
    const shop = env.CLAIMS.get(env.CLAIMS.idFromName("shop"));
    if (path === "/seed") {
      // A member snapshot's worth of JSON for every member the me load reads.
      const snapshot = JSON.stringify({ balance: 1, ledger: "x".repeat(2000) });
      for (let i = 0; i < 1000; i++) await env.KV.put("m-" + i, snapshot);
      return new Response("seeded");
    }
    if (path === "/me") {
      // The least a widget read costs: the shop object (token, rate window),
      // then the member's snapshot from KV.
      const member = (request.headers.get("authorization") || "").slice(7).split(".")[0];
      const context = await shop.fetch("https://o/context", { method: "POST", body: JSON.stringify({ member }) });
      await context.text();
      const snapshot = await env.KV.get(member);
      return new Response(snapshot, { headers: { "content-type": "application/json" } });
    }
    const body = await request.text();
    const event = JSON.parse(body);
    const claim = JSON.stringify({ id: event.id, member: event.member_id });
    await shop.fetch("https://o/claim", { method: "POST", body: claim });
    const answer = await env.MEMBERS.get(env.MEMBERS.idFromName(event.member_id)).fetch("https://o/apply", { method: "POST", body });
    return new Response(await answer.text());
  },
};
"#;

const TRIVIAL: &str = r#"
export default { fetch() { return new Response('{"status":"ok"}', { headers: { "content-type": "application/json" } }); } };
"#;

/// The worker's Durable Object bindings, `(name, class)`, as
/// `edge/wrangler.toml` declares them (the one list; the bench's workerd
/// configuration is made from it).
fn durable_objects(wrangler: &str) -> Vec<(String, String)> {
    let value = |line: &str, key: &str| {
        let rest = line
            .trim()
            .strip_prefix(key)?
            .trim_start()
            .strip_prefix('=')?;
        Some(rest.trim().trim_matches('"').to_owned())
    };
    let mut found = Vec::new();
    let mut in_binding = false;
    let mut name = None;
    for line in wrangler.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_binding = line == "[[durable_objects.bindings]]";
            name = None;
            continue;
        }
        if !in_binding {
            continue;
        }
        if let Some(n) = value(line, "name") {
            name = Some(n);
        } else if let (Some(class), Some(n)) = (value(line, "class_name"), name.take()) {
            found.push((n, class));
        }
    }
    found
}

fn config(main_port: u16, trivial_port: u16, floor_port: u16) -> String {
    let wrangler = fs::read_to_string(root().join("edge/wrangler.toml")).unwrap_or_default();
    let objects = durable_objects(&wrangler);
    let mut bindings = String::new();
    let mut namespaces = String::new();
    for (name, class) in &objects {
        let _ = writeln!(
            bindings,
            "    (name = \"{name}\", durableObjectNamespace = \"{class}\"),"
        );
        let _ = writeln!(
            namespaces,
            "    (className = \"{class}\", uniqueKey = \"loyalty-{}\", enableSql = true),",
            class.to_lowercase()
        );
    }
    format!(
        r#"using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .mainWorker),
    (name = "kv", worker = .kvWorker),
    (name = "trivial", worker = .trivialWorker),
    (name = "floor", worker = .floorWorker),
    (name = "do-disk", disk = (path = "state/do", writable = true)),
    (name = "kv-disk", disk = (path = "state/kv", writable = true)),
    (name = "floor-disk", disk = (path = "state/floor", writable = true)),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:{main_port}", http = (), service = "main"),
    (name = "trivial", address = "127.0.0.1:{trivial_port}", http = (), service = "trivial"),
    (name = "floor", address = "127.0.0.1:{floor_port}", http = (), service = "floor"),
  ],
);

const floorWorker :Workerd.Worker = (
  modules = [ (name = "floor.js", esModule = embed "floor.js") ],
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "CLAIMS", durableObjectNamespace = "Claims"),
    (name = "MEMBERS", durableObjectNamespace = "Member"),
    (name = "KV", kvNamespace = "kv"),
  ],
  durableObjectNamespaces = [
    (className = "Claims", uniqueKey = "floor-claims", enableSql = true),
    (className = "Member", uniqueKey = "floor-member", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "floor-disk"),
);

const mainWorker :Workerd.Worker = (
  modules = [
    (name = "index.js", esModule = embed "index.js"),
    (name = "index_bg.wasm", wasm = embed "index_bg.wasm"),
  ],
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "LOYALTY", kvNamespace = "kv"),
{bindings}    (name = "ADMIN_TOKEN", text = "bench-admin"),
    (name = "LOYALTY_DEV", text = "1"),
  ],
  durableObjectNamespaces = [
{namespaces}  ],
  durableObjectStorage = (localDisk = "do-disk"),
);

const kvWorker :Workerd.Worker = (
  modules = [ (name = "kvshim.js", esModule = embed "kvshim.js") ],
  compatibilityDate = "2025-09-01",
  bindings = [ (name = "STORE", durableObjectNamespace = "KvStore") ],
  durableObjectNamespaces = [ (className = "KvStore", uniqueKey = "kv-shim-store", enableSql = true) ],
  durableObjectStorage = (localDisk = "kv-disk"),
);

const trivialWorker :Workerd.Worker = (
  modules = [ (name = "trivial.js", esModule = embed "trivial.js") ],
  compatibilityDate = "2025-09-01",
);
"#
    )
}

/// `workerd serve`, stopped on drop.
struct Workerd(Child);

impl Drop for Workerd {
    fn drop(&mut self) {
        stop_child(&mut self.0, false, Duration::from_secs(10));
    }
}

fn ensure_wrk() -> Result {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    Cmd::new("apt-get").args(["install", "-y", "wrk"]).run()
}

fn wait_up(port: u16) -> Result {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if http::request(port, "GET", "/healthz", &[], b"").is_ok_and(|a| a.status == 200) {
            return Ok(());
        }
        sleep(Duration::from_millis(200));
    }
    Err(format!("workerd did not answer on port {port}"))
}

/// One `wrk` run: requests per second, p50 and p99 in milliseconds.
#[derive(Debug, Default)]
struct Load {
    requests: u64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    non_2xx: u64,
}

fn wrk(url: &str, script: Option<&Path>, seconds: u32, run: &str) -> Result<Load> {
    let mut cmd = Cmd::new("wrk").env("RUN", run).args([
        "-t2",
        &format!("-c{CONNECTIONS}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    if let Some(script) = script {
        cmd = cmd.arg("-s").arg(script);
    }
    let out = cmd.arg(url).read()?;
    println!("{out}");
    let mut load = Load::default();
    for line in out.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("Requests/sec:"), Some(v)) => load.rps = v.parse().unwrap_or(0.0),
            (Some(n), Some("requests")) => load.requests = n.parse().unwrap_or(0),
            (Some("50.000%" | "50%"), Some(v)) => load.p50_ms = millis(v),
            (Some("99.000%" | "99%"), Some(v)) => load.p99_ms = millis(v),
            (Some("Non-2xx"), _) => {
                load.non_2xx = line
                    .rsplit(' ')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0)
            }
            _ => {}
        }
    }
    Ok(load)
}

fn millis(text: &str) -> f64 {
    let (number, unit) = text.split_at(
        text.find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(text.len()),
    );
    let n: f64 = number.parse().unwrap_or(0.0);
    match unit {
        "us" => n / 1000.0,
        "s" => n * 1000.0,
        _ => n,
    }
}

/// Runs the edge load benchmark and prints a summary table.
pub fn edge() -> Result {
    tools::build_worker()?;
    ensure_wrk()?;
    let dir: PathBuf = root().join("target/bench/edge");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    // BENCH_STATE_DIR puts the objects' SQLite files elsewhere (a tmpfs, to
    // see the runtime's cost without the disk's).
    let state = match std::env::var_os("BENCH_STATE_DIR") {
        Some(elsewhere) => {
            let elsewhere = PathBuf::from(elsewhere);
            let _ = fs::remove_dir_all(&elsewhere);
            fs::create_dir_all(&elsewhere).map_err(|e| e.to_string())?;
            std::os::unix::fs::symlink(&elsewhere, dir.join("state")).map_err(|e| e.to_string())?;
            elsewhere
        }
        None => dir.join("state"),
    };
    for sub in ["do", "kv", "floor"] {
        fs::create_dir_all(state.join(sub)).map_err(|e| e.to_string())?;
    }
    for file in ["index.js", "index_bg.wasm"] {
        fs::copy(root().join("edge/build").join(file), dir.join(file))
            .map_err(|e| e.to_string())?;
    }
    fs::write(dir.join("kvshim.js"), KV_SHIM).map_err(|e| e.to_string())?;
    fs::write(dir.join("trivial.js"), TRIVIAL).map_err(|e| e.to_string())?;
    fs::write(dir.join("floor.js"), FLOOR).map_err(|e| e.to_string())?;
    let main_port = crate::local::free_port();
    let (trivial_port, floor_port) = (main_port + 1, main_port + 2);
    fs::write(
        dir.join("config.capnp"),
        config(main_port, trivial_port, floor_port),
    )
    .map_err(|e| e.to_string())?;
    eprintln!("$ workerd serve config.capnp (in {})", dir.display());
    let mut cmd = Command::new(tools::npm_bin().join("workerd"));
    cmd.current_dir(&dir)
        .args(["serve", "config.capnp", "--experimental"])
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let _workerd = Workerd(cmd.spawn().map_err(|e| format!("workerd: {e}"))?);
    wait_up(main_port)?;

    // The shop, its program, and a token for every member.
    let json = ("content-type", "application/json");
    let created = http::request(
        main_port,
        "POST",
        "/v1/shops",
        &[json, ("authorization", "Bearer bench-admin")],
        br#"{"shop":"bench"}"#,
    )
    .map_err(|e| e.to_string())?;
    let key = format!(
        "Bearer {}",
        created.json()["api_key"].as_str().unwrap_or_default()
    );
    let program = fs::read(root().join("static/demo/program.json")).map_err(|e| e.to_string())?;
    let put = http::request(
        main_port,
        "PUT",
        "/v1/shops/bench/program",
        &[json, ("authorization", &key)],
        &program,
    )
    .map_err(|e| e.to_string())?;
    if put.status != 200 {
        return Err(format!("bench program refused: {}", put.body));
    }
    let mut tokens = String::from("tokens = {");
    for member in 0..MEMBERS {
        let answer = http::request(
            main_port,
            "GET",
            &format!("/v1/dev/bench/token?member_id=m-{member}"),
            &[],
            b"",
        )
        .map_err(|e| e.to_string())?;
        let _ = write!(
            tokens,
            "\"{}\",",
            answer.json()["token"].as_str().unwrap_or_default()
        );
    }
    tokens.push_str("}\n");

    let events_script = dir.join("events.lua");
    // Paid a day before the run, whatever its date.
    let paid = crate::clock::days_ago(1);
    fs::write(
        &events_script,
        format!(
            r#"-- Distinct order_paid events spread over {MEMBERS} members; RUN keeps
-- the ids of one run apart from another's.
RUN = os.getenv("RUN") or "a"
local thread_count = 0
function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
end
function init(args)
  n = 0
  wrk.method = "POST"
  wrk.headers["content-type"] = "application/json"
  wrk.headers["authorization"] = "{key}"
end
function request()
  n = n + 1
  local member = (n * 7 + tid * 500) % {MEMBERS}
  local body = string.format('{{"id":"e' .. RUN .. '-%d-%d","kind":"order_paid","member_id":"m-%d","occurred_at":"{paid}","order":{{"order_id":"o' .. RUN .. '-%d-%d","currency":"USD","subtotal_minor":%d,"lines":[{{"sku":"s-1","category":"shoes","qty":1,"unit_price_minor":%d}}]}}}}', tid, n, member, tid, n, 1000 + n % 9000, 500 + n % 500)
  return wrk.format(nil, nil, nil, body)
end
"#
        ),
    )
    .map_err(|e| e.to_string())?;
    // The same events, each connection waiting between requests: latency
    // below saturation (wrk's latency excludes the wait).
    let paced_script = dir.join("events-paced.lua");
    let events_lua = fs::read_to_string(&events_script).map_err(|e| e.to_string())?;
    fs::write(
        &paced_script,
        format!("{events_lua}\nfunction delay()\n  return {PACE_MS}\nend\n"),
    )
    .map_err(|e| e.to_string())?;
    let me_script = dir.join("me.lua");
    fs::write(
        &me_script,
        format!(
            r#"-- The widget's member view for {MEMBERS} members (60 a minute each at most).
{tokens}
function init(args)
  n = 0
end
function request()
  n = n + 1
  local token = tokens[(n * 13) % {MEMBERS} + 1]
  return wrk.format("GET", nil, {{ ["authorization"] = "Bearer " .. token }}, nil)
end
"#
        ),
    )
    .map_err(|e| e.to_string())?;

    let base = format!("http://127.0.0.1:{main_port}");
    let floor = format!("http://127.0.0.1:{floor_port}/events");
    let events_url = format!("{base}/v1/shops/bench/events");
    let trivial = wrk(
        &format!("http://127.0.0.1:{trivial_port}/"),
        None,
        SECONDS,
        "t",
    )?;
    let health = wrk(&format!("{base}/healthz"), None, SECONDS, "h")?;
    // First the members' first events (their objects are created), then
    // the steady state.
    let floor_cold = wrk(&floor, Some(&events_script), COLD_SECONDS, "c")?;
    let floor_warm = wrk(&floor, Some(&events_script), SECONDS, "w")?;
    let events_cold = wrk(&events_url, Some(&events_script), COLD_SECONDS, "c")?;
    // More first events until every member has had one (the analytics
    // count them), so the steady run measures the steady state, not the
    // creation of members' objects.
    for round in 0..12 {
        if members(main_port, &key) >= MEMBERS as i64 {
            break;
        }
        wrk(
            &events_url,
            Some(&events_script),
            COLD_SECONDS,
            &format!("c{round}"),
        )?;
    }
    // The objects count calls in memory, and the runtime drops an object
    // idle for some seconds: each window starts and ends while the objects
    // it counts are busy.
    let before_events = object_calls(main_port);
    let events = wrk(&events_url, Some(&events_script), SECONDS, "w")?;
    let paced = wrk(&events_url, Some(&paced_script), SECONDS, "p")?;
    let after_events = object_calls(main_port);
    let me = wrk(
        &format!("{base}/v1/widget/bench/me"),
        Some(&me_script),
        SECONDS,
        "m",
    )?;
    let after_me = object_calls(main_port);
    http::request(floor_port, "GET", "/seed", &[], b"").map_err(|e| e.to_string())?;
    let floor_me = wrk(
        &format!("http://127.0.0.1:{floor_port}/me"),
        Some(&me_script),
        SECONDS,
        "m",
    )?;

    let mut table = String::new();
    let _ = writeln!(
        table,
        "| workload ({CONNECTIONS} connections, {SECONDS} s; first events {COLD_SECONDS} s) | requests/s | p50 ms | p99 ms | non-2xx |"
    );
    let _ = writeln!(table, "|---|---|---|---|---|");
    for (name, load) in [
        ("trivial worker (same runtime)", &trivial),
        ("our worker: GET /healthz", &health),
        (
            "floor (JS, claim + member write): first events",
            &floor_cold,
        ),
        ("floor (JS, claim + member write): steady", &floor_warm),
        ("award events: members' first events", &events_cold),
        ("award events: steady (distinct, 1,000 members)", &events),
        (
            "award events: paced (each connection waits 15 ms after each answer)",
            &paced,
        ),
        ("widget `me` read", &me),
        ("floor (JS, shop object read + KV read): `me`", &floor_me),
    ] {
        let _ = writeln!(
            table,
            "| {name} | {:.0} | {:.2} | {:.2} | {} |",
            load.rps, load.p50_ms, load.p99_ms, load.non_2xx
        );
    }
    let windows = [
        (
            "the steady and paced event runs",
            events.requests + paced.requests,
            &before_events,
            &after_events,
        ),
        ("the `me` run", me.requests, &after_events, &after_me),
    ];
    for (run, requests, before, after) in windows {
        if let (Some(before), Some(after)) = (before, after) {
            let _ = writeln!(table, "\n{}", share(run, requests, before, after));
        }
    }
    println!("\n{table}");
    fs::write(root().join("target/bench/edge.md"), &table).map_err(|e| e.to_string())?;
    Ok(())
}

/// The calls the bench shop's object and each gate have taken (the
/// development route; the bench runs with `LOYALTY_DEV=1`), if the worker
/// has the route (a worker from before the gates has not).
fn object_calls(port: u16) -> Option<(u64, Vec<u64>)> {
    let answer = http::request(port, "GET", "/v1/dev/bench/calls", &[], b"").ok()?;
    let body: serde_json::Value = serde_json::from_str(&answer.body).ok()?;
    let gates = body["gates"]
        .as_array()?
        .iter()
        .filter_map(serde_json::Value::as_u64)
        .collect();
    Some((body["shop"].as_u64()?, gates))
}

/// What each of the shop's objects took in one run, against an even share.
fn share(run: &str, requests: u64, before: &(u64, Vec<u64>), after: &(u64, Vec<u64>)) -> String {
    let gates: Vec<u64> = after
        .1
        .iter()
        .zip(&before.1)
        .map(|(a, b)| a.saturating_sub(*b))
        .collect();
    let total: u64 = gates.iter().sum();
    let busiest = gates.iter().max().copied().unwrap_or(0);
    let even = total / gates.len().max(1) as u64;
    format!(
        "Calls over {run} ({requests} requests): the shop object {}, the gates {total} \
         (the busiest {busiest}, an even share {even}; per gate {gates:?}).",
        after.0.saturating_sub(before.0)
    )
}

/// How many members the bench shop's analytics count.
fn members(port: u16, key: &str) -> i64 {
    http::request(
        port,
        "GET",
        "/v1/shops/bench/analytics",
        &[("authorization", key)],
        b"",
    )
    .ok()
    .and_then(|answer| answer.json()["members"].as_i64())
    .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bench_binds_every_durable_object_wrangler_declares() {
        let wrangler = fs::read_to_string(root().join("edge/wrangler.toml")).unwrap();
        let objects = durable_objects(&wrangler);
        let names: Vec<&str> = objects.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["SHOPS", "MEMBERS", "GATES", "HOOKS"]);
        assert!(objects.contains(&("HOOKS".into(), "HookObject".into())));
        let config = config(1, 2, 3);
        for (name, class) in &objects {
            assert!(config.contains(&format!(
                "(name = \"{name}\", durableObjectNamespace = \"{class}\")"
            )));
        }
    }
}
