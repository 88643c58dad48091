//! The headless browser the widget's browser tests drive: Debian's Chromium
//! and its chromedriver, installed with apt-get when missing.

use std::path::Path;

use crate::cmd::{Cmd, Result};

/// Where Debian puts the browser.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Where Debian puts the WebDriver server for it.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Installs `chromium` and `chromium-driver` with apt-get unless both are
/// already there (the command is printed before it runs).
pub fn ensure_chromium() -> Result {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    let root = std::env::var("USER").is_ok_and(|u| u == "root")
        || Cmd::new("id")
            .arg("-u")
            .read()
            .is_ok_and(|id| id.trim() == "0");
    let apt = |args: &[&str]| {
        let cmd = if root {
            Cmd::new("apt-get")
        } else {
            Cmd::new("sudo").arg("apt-get")
        };
        cmd.args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .run()
    };
    apt(&["update"])?;
    apt(&["install", "-y", "chromium", "chromium-driver"])?;
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        Ok(())
    } else {
        Err(format!(
            "apt-get installed chromium, but {CHROMIUM} or {CHROMEDRIVER} is still missing"
        ))
    }
}
