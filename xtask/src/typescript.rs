//! The typed TypeScript client surface: `clients/typescript/api.d.ts`,
//! generated from the API document by openapi-typescript (pinned in
//! package.json), and an example merchant server that must compile against
//! it with the pinned TypeScript.

use std::fs;
use std::path::Path;

use crate::cmd::{Cmd, Result, root};
use crate::tools::{self, npm_bin, path_with_tools};

/// The API document the types come from.
pub const DOCUMENT: &str = "edge/api/openapi.json";
/// The committed, generated types.
pub const TYPES: &str = "clients/typescript/api.d.ts";
/// The project that type-checks the types and the example.
pub const TSCONFIG: &str = "clients/typescript/tsconfig.json";

/// Rewrites `clients/typescript/api.d.ts` from the API document.
pub fn generate() -> Result {
    tools::ensure_npm()?;
    let types = generated()?;
    let path = root().join(TYPES);
    fs::write(&path, types).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("typescript: wrote {TYPES}");
    Ok(())
}

/// Fails when the committed types differ from what the generator prints
/// now, then type-checks them and the example with `tsc`.
pub fn check() -> Result {
    tools::ensure_npm()?;
    let types = generated()?;
    let path = root().join(TYPES);
    let committed = fs::read_to_string(&path).unwrap_or_default();
    if normalise(&committed) != types {
        let line = first_difference(&committed, &types);
        return Err(format!(
            "{TYPES} is out of date: run `cargo xtask typescript` \
             (first difference at line {line})"
        ));
    }
    eprintln!("typescript: {TYPES} matches {DOCUMENT}");
    Cmd::new(npm_bin().join("tsc"))
        .args(["-p", TSCONFIG])
        .env("PATH", path_with_tools())
        .run()
}

/// The file's whole text: a header naming the command, then what
/// openapi-typescript prints for the document, normalised.
fn generated() -> Result<String> {
    let version = installed_version("openapi-typescript")?;
    let temp = std::env::temp_dir().join(format!("xtask-api-{}.d.ts", std::process::id()));
    let output = Cmd::new(npm_bin().join("openapi-typescript"))
        .arg(DOCUMENT)
        .arg("--output")
        .arg(&temp)
        .env("PATH", path_with_tools())
        .env("NO_COLOR", "1")
        .run()
        .and_then(|()| fs::read_to_string(&temp).map_err(|e| format!("{}: {e}", temp.display())));
    let _ = fs::remove_file(&temp);
    Ok(format!(
        "// Generated from {DOCUMENT} by `cargo xtask typescript`, which runs\n\
         // `openapi-typescript {DOCUMENT}` (openapi-typescript {version}).\n\
         // Do not edit: `cargo xtask test` fails when this file is out of date.\n\n{}",
        normalise(&output?)
    ))
}

/// Line ends as `\n`, no trailing spaces, exactly one final newline: the
/// same bytes on every machine and checkout.
fn normalise(text: &str) -> String {
    let mut out: String = text
        .lines()
        .map(|line| format!("{}\n", line.trim_end()))
        .collect();
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The 1-based number of the first line where `a` and `b` differ.
fn first_difference(a: &str, b: &str) -> usize {
    let mut left = a.lines();
    let mut right = b.lines();
    let mut line = 1;
    loop {
        match (left.next(), right.next()) {
            (None, None) => return line,
            (l, r) if l.map(str::trim_end) != r.map(str::trim_end) => return line,
            _ => line += 1,
        }
    }
}

/// The version of an npm package installed in node_modules.
fn installed_version(package: &str) -> Result<String> {
    let path = Path::new("node_modules").join(package).join("package.json");
    let text =
        fs::read_to_string(root().join(&path)).map_err(|e| format!("{}: {e}", path.display()))?;
    let manifest: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    manifest["version"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{} has no version", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_gives_the_same_bytes_for_any_line_ends() {
        let unix = "a\n  b\n\n";
        let windows = "a\r\n  b  \r\n\r\n\r\n";
        assert_eq!(normalise(unix), "a\n  b\n");
        assert_eq!(normalise(windows), normalise(unix));
        assert_eq!(normalise("a"), "a\n");
    }

    #[test]
    fn first_difference_names_the_line() {
        assert_eq!(first_difference("a\nb\nc\n", "a\nb\nd\n"), 3);
        assert_eq!(first_difference("a\n", "a\nb\n"), 2);
        assert_eq!(first_difference("a\r\nb", "a\nc"), 2);
    }
}
