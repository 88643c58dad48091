//! The licence of every dependency, checked with cargo-deny against the
//! allow list in `deny.toml` at the repository root. The project is
//! distributed MIT OR Apache-2.0, so each crate in Cargo.lock must come
//! under a licence that allows that; anything else fails the check.

use crate::cmd::{Cmd, Result, root};
use crate::tools::{ensure_cargo_tool, tools_bin};

/// cargo-deny, pinned. 0.20 has no cargo features (the git and TLS stacks
/// that `--no-default-features` used to leave out are gone), and
/// `check licenses` reads only Cargo.lock and the crates' own files, so it
/// needs no advisory database and no network.
pub const CARGO_DENY_VERSION: &str = "0.20.2";

/// Installs cargo-deny into `.tools/` unless that version is there.
pub fn ensure_cargo_deny() -> Result {
    ensure_cargo_tool("cargo-deny", CARGO_DENY_VERSION, "cargo-deny", true)
}

/// `cargo deny --manifest-path Cargo.toml check licenses` over the whole
/// workspace. It runs the pinned binary by its path rather than through
/// `cargo deny`, which would pick a cargo-deny of another version in
/// `~/.cargo/bin` first when that folder is not on PATH.
pub fn check() -> Result {
    ensure_cargo_deny()?;
    Cmd::new(tools_bin().join("cargo-deny"))
        .arg("--manifest-path")
        .arg(root().join("Cargo.toml"))
        .args(["check", "licenses"])
        .run()
}
