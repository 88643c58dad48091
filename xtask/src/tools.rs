//! Installs what the build needs, pinned, and skips what is already there:
//! the wasm32 target (rustup), worker-build and wasm-bindgen-cli (crates.io,
//! into `.tools/`), and wrangler, Node 22, wasm-opt and esbuild (npm).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::cmd::{Cmd, Result, root};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
pub const WORKER_BUILD_VERSION: &str = "0.8.7";

/// Adds the wasm32 target through rustup unless it is installed.
pub fn ensure_wasm_target() -> Result {
    let installed = Cmd::new("rustup")
        .args(["target", "list", "--installed"])
        .read()?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    Cmd::new("rustup")
        .args(["target", "add", WASM_TARGET])
        .run()
}

pub fn tools_bin() -> PathBuf {
    root().join(".tools/bin")
}

pub fn npm_bin() -> PathBuf {
    root().join("node_modules/.bin")
}

/// The version of a package in Cargo.lock (the first one listed).
pub fn locked_version(package: &str) -> Result<String> {
    let lock =
        fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .ok_or_else(|| format!("{package} is not in Cargo.lock"))?
        + needle.len();
    let end = lock[start..].find('"').ok_or("malformed Cargo.lock")? + start;
    Ok(lock[start..end].to_owned())
}

/// Installs `krate` at `version` into `.tools/` unless `bin --version` says it is there.
///
/// Built for a short build rather than a fast binary (no LTO, parallel
/// codegen, light optimisation): every clean clone in CI builds these tools,
/// and each runs for seconds.
pub(crate) fn ensure_cargo_tool(krate: &str, version: &str, bin: &str, locked: bool) -> Result {
    let path = tools_bin().join(bin);
    let current = Cmd::new(&path).arg("--version").read().unwrap_or_default();
    if current.split_whitespace().any(|word| word == version) {
        return Ok(());
    }
    let mut install = Cmd::cargo("install")
        .args(["--root", ".tools", krate, "--version", version])
        .env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true");
    if locked {
        install = install.arg("--locked");
    }
    install.run()
}

/// worker-build, and the wasm-bindgen-cli that matches the crate in Cargo.lock.
pub fn ensure_rust_tools() -> Result {
    ensure_cargo_tool("worker-build", WORKER_BUILD_VERSION, "worker-build", true)?;
    // With --locked, its pinned dependencies fail to resolve from this registry.
    ensure_cargo_tool(
        "wasm-bindgen-cli",
        &locked_version("wasm-bindgen")?,
        "wasm-bindgen",
        false,
    )
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// `npm install` (it follows package-lock.json) unless node_modules is
/// current: installed after the lock last changed, and every package that
/// package.json pins there at its version (a package added to package.json
/// alone leaves the lock's time as it was).
pub fn ensure_npm() -> Result {
    let marker = root().join("node_modules/.package-lock.json");
    let lock = root().join("package-lock.json");
    let fresh = match (modified(&marker), modified(&lock)) {
        (Some(installed), Some(locked)) => installed >= locked,
        _ => false,
    };
    if fresh
        && npm_pins_installed()
        && npm_bin().join("wrangler").exists()
        && npm_bin().join("node").exists()
    {
        return Ok(());
    }
    Cmd::new("npm")
        .args(["install", "--no-audit", "--no-fund"])
        .run()
}

/// Whether every devDependency of package.json is in node_modules, at its
/// version when package.json pins an exact one.
fn npm_pins_installed() -> bool {
    let read = |path: PathBuf| -> Option<serde_json::Value> {
        serde_json::from_str(&fs::read_to_string(path).ok()?).ok()
    };
    let Some(manifest) = read(root().join("package.json")) else {
        return false;
    };
    let Some(pins) = manifest["devDependencies"].as_object() else {
        return false;
    };
    pins.iter().all(|(name, pin)| {
        let installed = read(root().join("node_modules").join(name).join("package.json"));
        let pin = pin.as_str().unwrap_or_default();
        installed.is_some_and(|package| {
            package["version"] == pin || !pin.starts_with(|c: char| c.is_ascii_digit())
        })
    })
}

/// The newest modification time under `dir` (files only).
pub fn newest(dir: &Path) -> Option<SystemTime> {
    let mut newest = modified(dir);
    let entries = fs::read_dir(dir).ok()?;
    for entry in entries.flatten() {
        let path = entry.path();
        let time = if path.is_dir() {
            self::newest(&path)
        } else {
            modified(&path)
        };
        newest = newest.max(time);
    }
    newest
}

/// Whether `output` is newer than every input.
pub fn up_to_date(output: &Path, inputs: &[PathBuf]) -> bool {
    let Some(built) = modified(output) else {
        return false;
    };
    inputs
        .iter()
        .all(|input| newest(input).is_none_or(|t| t <= built))
}

/// Cargo's target folder: `CARGO_TARGET_DIR`, else the repository's.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// Builds the worker (edge/build) with worker-build and the pinned tools.
pub fn build_worker() -> Result {
    crate::docs::build_docs()?;
    let root = root();
    let output = root.join("edge/build/index_bg.wasm");
    let inputs = [
        root.join("edge/src"),
        root.join("edge/api"),
        root.join("edge/Cargo.toml"),
        root.join("shared/src"),
        root.join("Cargo.lock"),
    ];
    if up_to_date(&output, &inputs) {
        eprintln!("worker: up to date ({})", output.display());
        return Ok(());
    }
    ensure_wasm_target()?;
    ensure_npm()?;
    ensure_rust_tools()?;
    let target_dir = target_dir();
    Cmd::new(tools_bin().join("worker-build"))
        .args(["--profile", "wasm-release"])
        .dir(root.join("edge"))
        .env("CARGO_TARGET_DIR", target_dir)
        .env("WASM_BINDGEN_BIN", tools_bin().join("wasm-bindgen"))
        .env("WASM_OPT_BIN", npm_bin().join("wasm-opt"))
        .env("ESBUILD_BIN", npm_bin().join("esbuild"))
        .env("PATH", path_with_tools())
        .run()
}

/// PATH with the project's tools first.
pub fn path_with_tools() -> std::ffi::OsString {
    let mut paths = vec![npm_bin(), tools_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).unwrap_or_default()
}
