//! Builds the shopper's widget into `static/widget/pkg` (cargo for wasm32,
//! then the pinned wasm-bindgen, then wasm-opt) and holds what a first visit
//! downloads to the size budget of the widget issue.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cmd::{Cmd, Result, root};
use crate::tools::{
    WASM_TARGET, ensure_npm, ensure_rust_tools, ensure_wasm_target, npm_bin, target_dir, tools_bin,
    up_to_date,
};

/// The loader is on every page of the shop, so it must stay tiny.
pub const LOADER_BUDGET_BROTLI: u64 = 3 * 1024;
/// Loader, JS glue and wasm: everything downloaded before the panel shows.
pub const TOTAL_BUDGET_BROTLI: u64 = 121 * 1024;

/// Where the bound widget goes; the loader fetches it from here.
pub fn pkg_dir() -> PathBuf {
    root().join("static/widget/pkg")
}

/// Where the bound console goes; `static/console/index.html` loads it.
pub fn console_pkg_dir() -> PathBuf {
    root().join("static/console/pkg")
}

/// The files a first visit downloads, in the order it downloads them.
fn downloaded_files() -> [(&'static str, PathBuf); 3] {
    let pkg = pkg_dir();
    [
        ("static/loader.js", root().join("static/loader.js")),
        (
            "static/widget/pkg/loyalty_widget.js",
            pkg.join("loyalty_widget.js"),
        ),
        (
            "static/widget/pkg/loyalty_widget_bg.wasm",
            pkg.join("loyalty_widget_bg.wasm"),
        ),
    ]
}

/// Builds the widget and the cart preview module unless their files in
/// `static/widget/pkg` are newer than their sources.
pub fn build_widget() -> Result {
    let pkg = pkg_dir();
    // A stale file from an older build would be served beside the new ones.
    let stale = ["loyalty_widget_bg.wasm", "loyalty_preview_bg.wasm"]
        .iter()
        .any(|file| !pkg.join(file).is_file());
    if stale && pkg.exists() {
        fs::remove_dir_all(&pkg).map_err(|e| format!("{}: {e}", pkg.display()))?;
    }
    build_module("loyalty-widget", "widget", &pkg)?;
    build_module("loyalty-preview", "widget/preview", &pkg)?;
    build_module("loyalty-console", "console", &console_pkg_dir())
}

/// One wasm module into `pkg`: cargo for wasm32, the pinned wasm-bindgen,
/// wasm-opt.
fn build_module(package: &str, dir: &str, pkg: &Path) -> Result {
    let root = root();
    let name = package.replace('-', "_");
    let output = pkg.join(format!("{name}_bg.wasm"));
    let inputs = [
        root.join(dir).join("src"),
        root.join(dir).join("Cargo.toml"),
        root.join("shared/src"),
        root.join("shared/Cargo.toml"),
        root.join("Cargo.lock"),
    ];
    if up_to_date(&output, &inputs) {
        eprintln!("{package}: up to date ({})", output.display());
        return Ok(());
    }
    ensure_wasm_target()?;
    ensure_npm()?;
    ensure_rust_tools()?;
    Cmd::cargo("build")
        .args(["--package", package, "--target", WASM_TARGET])
        .args(["--profile", "wasm-release"])
        .run()?;
    let wasm = target_dir()
        .join(WASM_TARGET)
        .join(format!("wasm-release/{name}.wasm"));
    Cmd::new(tools_bin().join("wasm-bindgen"))
        .args(["--target", "web", "--no-typescript", "--out-dir"])
        .arg(pkg)
        .arg(&wasm)
        .run()?;
    let shrunk = pkg.join(format!("{name}_bg.opt.wasm"));
    // The features rustc enables by default for wasm32; wasm-opt refuses
    // a module that uses one it was not told about.
    Cmd::new(npm_bin().join("wasm-opt"))
        .args(["-Oz", "--strip-debug", "--strip-producers"])
        .args([
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(&output)
        .arg("-o")
        .arg(&shrunk)
        .run()?;
    fs::rename(&shrunk, &output).map_err(|e| format!("{}: {e}", output.display()))?;
    Ok(())
}

/// The size of `bytes` once compressed by brotli at quality 11, as a CDN
/// serves static assets.
pub fn brotli_size(bytes: &[u8]) -> Result<u64> {
    let mut compressed = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut compressed, 4096, 11, 22);
        writer
            .write_all(bytes)
            .map_err(|e| format!("brotli: {e}"))?;
        writer.flush().map_err(|e| format!("brotli: {e}"))?;
    }
    u64::try_from(compressed.len()).map_err(|e| e.to_string())
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn file_size(path: &Path) -> Result<(u64, u64)> {
    let bytes = fs::read(path)
        .map_err(|e| format!("{}: {e} (run the widget build first)", path.display()))?;
    let raw = u64::try_from(bytes.len()).map_err(|e| e.to_string())?;
    Ok((raw, brotli_size(&bytes)?))
}

/// Checks the budgets; the message names every one that is exceeded.
pub fn check_budget(sizes: &[(String, u64, u64)]) -> Result {
    let mut over = Vec::new();
    if let Some((name, _, loader)) = sizes.iter().find(|(name, ..)| name.ends_with("loader.js"))
        && *loader > LOADER_BUDGET_BROTLI
    {
        over.push(format!(
            "{name} is {loader} bytes brotli, over its budget of {LOADER_BUDGET_BROTLI}"
        ));
    }
    let total: u64 = sizes.iter().map(|(_, _, brotli)| brotli).sum();
    if total > TOTAL_BUDGET_BROTLI {
        over.push(format!(
            "the widget downloads {total} bytes brotli, over its budget of {TOTAL_BUDGET_BROTLI}"
        ));
    }
    if over.is_empty() {
        Ok(())
    } else {
        Err(over.join("; "))
    }
}

/// Prints the raw and brotli sizes of the loader, the JS glue and the wasm,
/// and fails when one is over its budget.
pub fn sizes() -> Result<Vec<(String, u64, u64)>> {
    let mut sizes = Vec::new();
    for (name, path) in downloaded_files() {
        let (raw, brotli) = file_size(&path)?;
        sizes.push((name.to_owned(), raw, brotli));
    }
    // wasm-bindgen's snippets (`inline_js`): the glue imports them at once.
    for path in files_under(&pkg_dir().join("snippets")) {
        let (raw, brotli) = file_size(&path)?;
        let name = path
            .strip_prefix(root())
            .unwrap_or(&path)
            .display()
            .to_string();
        sizes.push((name, raw, brotli));
    }
    println!("{:<60} {:>9} {:>9}", "widget download", "raw", "brotli");
    for (name, raw, brotli) in &sizes {
        println!("{name:<60} {raw:>9} {brotli:>9}");
    }
    let raw: u64 = sizes.iter().map(|(_, raw, _)| raw).sum();
    let brotli: u64 = sizes.iter().map(|(_, _, brotli)| brotli).sum();
    println!("{:<60} {raw:>9} {brotli:>9}", "total");
    println!(
        "budget: loader {LOADER_BUDGET_BROTLI} B brotli, total {TOTAL_BUDGET_BROTLI} B brotli"
    );
    let pkg = pkg_dir();
    let mut later = Vec::new();
    for file in ["loyalty_preview.js", "loyalty_preview_bg.wasm"] {
        let (raw, brotli) = file_size(&pkg.join(file))?;
        later.push((format!("static/widget/pkg/{file}"), raw, brotli));
    }
    println!("only when the page passes a cart (the preview):");
    for (name, raw, brotli) in &later {
        println!("{name:<60} {raw:>9} {brotli:>9}");
    }
    println!("the merchant console (/console/ only):");
    let mut console = (0, 0);
    for path in files_under(&console_pkg_dir()) {
        let (raw, brotli) = file_size(&path)?;
        let name = path
            .strip_prefix(root())
            .unwrap_or(&path)
            .display()
            .to_string();
        println!("{name:<60} {raw:>9} {brotli:>9}");
        console = (console.0 + raw, console.1 + brotli);
    }
    println!("{:<60} {:>9} {:>9}", "console total", console.0, console.1);
    check_budget(&sizes)?;
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, brotli: u64) -> (String, u64, u64) {
        (name.to_owned(), brotli * 3, brotli)
    }

    #[test]
    fn brotli_shrinks_repetitive_text() {
        let text = "loyalty ".repeat(1000);
        let size = brotli_size(text.as_bytes()).unwrap();
        assert!(size > 0 && size < 100, "{size}");
    }

    #[test]
    fn within_budget_passes() {
        let sizes = [
            row("static/loader.js", 2000),
            row("glue.js", 8000),
            row("bg.wasm", 100_000),
        ];
        assert!(check_budget(&sizes).is_ok());
    }

    #[test]
    fn a_heavy_loader_fails_even_when_the_total_fits() {
        let sizes = [row("static/loader.js", 3073), row("bg.wasm", 1000)];
        let error = check_budget(&sizes).unwrap_err();
        assert!(error.contains("loader.js"), "{error}");
    }

    #[test]
    fn a_heavy_total_fails() {
        let sizes = [
            row("static/loader.js", 1000),
            row("bg.wasm", TOTAL_BUDGET_BROTLI),
        ];
        let error = check_budget(&sizes).unwrap_err();
        assert!(error.contains("downloads"), "{error}");
    }
}
