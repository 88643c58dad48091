//! Installs what the build needs, pinned, and skips what is already there.

use crate::cmd::{Cmd, Result};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

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
