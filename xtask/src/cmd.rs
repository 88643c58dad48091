//! A tiny command runner that prints each command before running it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

pub type Result<T = ()> = std::result::Result<T, String>;

/// Stops a child process: TERM to it (or to its whole process group), KILL
/// when it has not gone within `grace` (and to a group in any case, for what
/// it left behind: browsers, workerd), then reaps it.
pub fn stop_child(child: &mut Child, group: bool, grace: Duration) {
    let target = if group {
        format!("-{}", child.id())
    } else {
        child.id().to_string()
    };
    let signal = |name: &str| {
        let _ = Command::new("kill")
            .args(["-s", name, "--", &target])
            .stderr(Stdio::null())
            .status();
    };
    let mut gone = matches!(child.try_wait(), Ok(Some(_)));
    if !gone {
        signal("TERM");
    }
    let deadline = Instant::now() + grace;
    while !gone && Instant::now() < deadline {
        gone = matches!(child.try_wait(), Ok(Some(_)));
        if !gone {
            sleep(Duration::from_millis(100));
        }
    }
    if group || !gone {
        signal("KILL");
    }
    let _ = child.wait();
}

/// The repository root (the parent of `xtask/`): found from the working
/// directory, because one build of xtask may serve several clones that share
/// a target folder; the folder it was compiled in is the fallback.
pub fn root() -> PathBuf {
    let compiled = || {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    };
    let Ok(cwd) = std::env::current_dir() else {
        return compiled();
    };
    cwd.ancestors()
        .find(|dir| dir.join("xtask/Cargo.toml").is_file() && dir.join("Cargo.toml").is_file())
        .map_or_else(compiled, Path::to_path_buf)
}

/// A command that echoes itself (`$ cargo test ...`) and fails loudly.
#[derive(Debug)]
pub struct Cmd {
    inner: Command,
    shown: String,
}

impl Cmd {
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        let shown = program.as_ref().to_string_lossy().into_owned();
        let mut inner = Command::new(program);
        inner.current_dir(root());
        Self { inner, shown }
    }

    /// `cargo <subcommand>` with the cargo that runs xtask.
    pub fn cargo(subcommand: &str) -> Self {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Self::new(cargo);
        cmd.shown = "cargo".into();
        cmd.arg(subcommand)
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.shown.push(' ');
        self.shown.push_str(&arg.as_ref().to_string_lossy());
        self.inner.arg(arg);
        self
    }

    pub fn args<I, S>(self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        args.into_iter().fold(self, Cmd::arg)
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.inner.env(key, value);
        self
    }

    pub fn dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.inner.current_dir(dir);
        self
    }

    /// Runs to completion; a non-zero exit is an error naming the command.
    pub fn run(mut self) -> Result {
        eprintln!("$ {}", self.shown);
        let status = self
            .inner
            .status()
            .map_err(|e| format!("could not start `{}`: {e}", self.shown))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{}` failed ({status})", self.shown))
        }
    }

    /// Runs quietly and returns stdout; used for probes like `--version`.
    pub fn read(mut self) -> Result<String> {
        let Output { status, stdout, .. } = self
            .inner
            .output()
            .map_err(|e| format!("could not start `{}`: {e}", self.shown))?;
        if status.success() {
            Ok(String::from_utf8_lossy(&stdout).into_owned())
        } else {
            Err(format!("`{}` failed ({status})", self.shown))
        }
    }
}
