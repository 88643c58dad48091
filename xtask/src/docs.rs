//! Browser libraries served as static assets, copied from node_modules
//! (each pinned in package.json) into a `vendor/` folder that is not
//! committed, whenever the worker is built: Swagger UI for the API
//! reference at `/docs/` (its page, `static/docs/index.html` and
//! `docs.js`, is committed) and uPlot for the console's charts.

use std::fs;
use std::path::PathBuf;

use crate::cmd::{Result, root};
use crate::tools::ensure_npm;

/// One npm package's files, served from one folder.
#[derive(Clone, Copy, Debug)]
pub struct Vendored {
    pub package: &'static str,
    /// Paths inside the package; each is served under its file name.
    pub files: &'static [&'static str],
    /// The folder under `static/` they are served from.
    pub dir: &'static str,
}

/// Swagger UI: what the page loads (the stylesheet refers to nothing but
/// `data:` URLs), and the licence and notice that go with them.
pub const SWAGGER_UI: Vendored = Vendored {
    package: "swagger-ui-dist",
    files: &[
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "LICENSE",
        "NOTICE",
    ],
    dir: "static/docs/vendor",
};

/// uPlot (MIT): the console's time-series charts, about 50 KB of script.
pub const UPLOT: Vendored = Vendored {
    package: "uplot",
    files: &["dist/uPlot.iife.min.js", "dist/uPlot.min.css", "LICENSE"],
    dir: "static/console/vendor",
};

impl Vendored {
    pub fn vendor_dir(&self) -> PathBuf {
        root().join(self.dir)
    }

    fn source_dir(&self) -> PathBuf {
        root().join("node_modules").join(self.package)
    }

    fn name(file: &str) -> &str {
        file.rsplit('/').next().unwrap_or(file)
    }

    /// Copies the files unless every copy already equals its file in
    /// node_modules; removes anything else in the folder.
    pub fn copy(&self) -> Result {
        let (source, vendor) = (self.source_dir(), self.vendor_dir());
        let package = self.package;
        let mut copied = 0;
        for file in self.files {
            let from = source.join(file);
            let to = vendor.join(Self::name(file));
            let bytes = fs::read(&from)
                .map_err(|e| format!("{}: {e} (is {package} in package.json?)", from.display()))?;
            // Compared by content: npm gives every installed file a fixed or
            // an install-time date, so dates say nothing about versions.
            if fs::read(&to).is_ok_and(|current| current == bytes) {
                continue;
            }
            fs::create_dir_all(&vendor).map_err(|e| format!("{}: {e}", vendor.display()))?;
            // Written aside, then renamed: a running `wrangler dev` never
            // serves half a file.
            let partial = vendor.join(format!(".{}.partial", Self::name(file)));
            fs::write(&partial, &bytes).map_err(|e| format!("{}: {e}", partial.display()))?;
            fs::rename(&partial, &to).map_err(|e| format!("{}: {e}", to.display()))?;
            copied += 1;
        }
        for entry in fs::read_dir(&vendor).into_iter().flatten().flatten() {
            let name = entry.file_name();
            if !self
                .files
                .iter()
                .any(|file| name.as_os_str() == Self::name(file))
            {
                let path = entry.path();
                let removed = if path.is_dir() {
                    fs::remove_dir_all(&path)
                } else {
                    fs::remove_file(&path)
                };
                removed.map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        let version = self.installed_version().unwrap_or_else(|| "?".into());
        if copied == 0 {
            eprintln!("{package}: up to date ({}, {version})", vendor.display());
        } else {
            eprintln!(
                "{package}: copied {copied} file(s) of {version} into {}",
                vendor.display()
            );
        }
        Ok(())
    }

    /// The version in node_modules.
    pub fn installed_version(&self) -> Option<String> {
        let text = fs::read_to_string(self.source_dir().join("package.json")).ok()?;
        let package: serde_json::Value = serde_json::from_str(&text).ok()?;
        package["version"].as_str().map(str::to_owned)
    }
}

/// Copies every vendored library.
pub fn build_docs() -> Result {
    ensure_npm()?;
    SWAGGER_UI.copy()?;
    UPLOT.copy()
}
