//! The API reference at `/docs/`: Swagger UI (npm `swagger-ui-dist`, pinned
//! in package.json) over the worker's `/openapi.json`, served as static
//! assets. The page (`static/docs/index.html`, `static/docs/docs.js`) is
//! committed; the viewer's files are copied from node_modules into
//! `static/docs/vendor/` (not committed) whenever the worker is built.

use std::fs;
use std::path::PathBuf;

use crate::cmd::{Result, root};
use crate::tools::ensure_npm;

/// The npm package the viewer comes from.
pub const PACKAGE: &str = "swagger-ui-dist";

/// What the page loads (the stylesheet refers to nothing but `data:` URLs),
/// and the licence and notice that go with them.
pub const VENDOR_FILES: &[&str] = &[
    "swagger-ui-bundle.js",
    "swagger-ui.css",
    "LICENSE",
    "NOTICE",
];

/// Where the copies go: `/docs/vendor/` on the worker's origin.
pub fn vendor_dir() -> PathBuf {
    root().join("static/docs/vendor")
}

fn source_dir() -> PathBuf {
    root().join("node_modules").join(PACKAGE)
}

/// Copies the viewer into `static/docs/vendor/` unless every copy there
/// already equals its file in node_modules; removes anything else there.
pub fn build_docs() -> Result {
    ensure_npm()?;
    let source = source_dir();
    let vendor = vendor_dir();
    let mut copied = 0;
    for name in VENDOR_FILES {
        let from = source.join(name);
        let to = vendor.join(name);
        let bytes = fs::read(&from)
            .map_err(|e| format!("{}: {e} (is {PACKAGE} in package.json?)", from.display()))?;
        // Compared by content: npm gives every installed file a fixed or an
        // install-time date, so dates say nothing about versions.
        if fs::read(&to).is_ok_and(|current| current == bytes) {
            continue;
        }
        fs::create_dir_all(&vendor).map_err(|e| format!("{}: {e}", vendor.display()))?;
        // Written aside, then renamed: a running `wrangler dev` never serves
        // half a file.
        let partial = vendor.join(format!(".{name}.partial"));
        fs::write(&partial, &bytes).map_err(|e| format!("{}: {e}", partial.display()))?;
        fs::rename(&partial, &to).map_err(|e| format!("{}: {e}", to.display()))?;
        copied += 1;
    }
    for entry in fs::read_dir(&vendor).into_iter().flatten().flatten() {
        let name = entry.file_name();
        if !VENDOR_FILES.iter().any(|file| name.as_os_str() == *file) {
            let path = entry.path();
            let removed = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            removed.map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let version = installed_version().unwrap_or_else(|| "?".into());
    if copied == 0 {
        eprintln!(
            "docs: up to date ({}, {PACKAGE} {version})",
            vendor.display()
        );
    } else {
        eprintln!(
            "docs: copied {copied} file(s) of {PACKAGE} {version} into {}",
            vendor.display()
        );
    }
    Ok(())
}

/// The version of the viewer in node_modules.
pub fn installed_version() -> Option<String> {
    let text = fs::read_to_string(source_dir().join("package.json")).ok()?;
    let package: serde_json::Value = serde_json::from_str(&text).ok()?;
    package["version"].as_str().map(str::to_owned)
}
