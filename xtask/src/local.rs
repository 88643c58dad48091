//! Starting the worker locally on the real runtime (workerd, through
//! `wrangler dev`), for `cargo xtask dev` and for the end-to-end tests: the
//! same start command, another port and state folder.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::cmd::{Result, root, stop_child};
use crate::http;

/// A running local worker; dropping it stops the runtime it started.
#[derive(Debug)]
pub struct LocalWorker {
    child: Child,
    pub port: u16,
    pub state_dir: PathBuf,
    /// Whether wrangler leads a process group of its own.
    group: bool,
}

/// How to start it.
#[derive(Debug, Clone)]
pub struct Options {
    pub port: u16,
    pub state_dir: PathBuf,
    pub admin_token: String,
    /// Sets the development variable that opens `/v1/dev/...`.
    pub dev_routes: bool,
    /// Where wrangler's output goes (inherited when `None`).
    pub log: Option<PathBuf>,
    /// More `--var NAME:VALUE` for the worker.
    pub vars: Vec<(String, String)>,
    /// Run in the terminal's process group (`cargo xtask dev`), so Ctrl-C
    /// reaches wrangler and workerd as well as xtask; otherwise in a group
    /// of their own, which `stop` ends as a whole.
    pub interactive: bool,
}

/// The environment every wrangler run gets: local Node 22 first, telemetry off.
pub fn wrangler_env(cmd: &mut Command) {
    let bin = root().join("node_modules/.bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin];
    paths.extend(std::env::split_paths(&path));
    if let Ok(joined) = std::env::join_paths(paths) {
        cmd.env("PATH", joined);
    }
    cmd.env("WRANGLER_SEND_METRICS", "false")
        .env("DO_NOT_TRACK", "1")
        .env("WRANGLER_SEND_ERROR_REPORTS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false");
}

impl LocalWorker {
    /// Starts `wrangler dev` and waits until `/healthz` answers.
    pub fn start(options: &Options) -> Result<Self> {
        fs::create_dir_all(&options.state_dir).map_err(|e| format!("state folder: {e}"))?;
        let wrangler = root().join("node_modules/.bin/wrangler");
        let mut cmd = Command::new(&wrangler);
        cmd.current_dir(root().join("edge"))
            .args([
                "dev",
                "--ip",
                "127.0.0.1",
                "--port",
                &options.port.to_string(),
            ])
            .arg("--persist-to")
            .arg(&options.state_dir)
            .args([
                "--show-interactive-dev-session",
                "false",
                "--log-level",
                "warn",
                // The Cron Trigger fires on `GET /__scheduled` (the schedule's
                // work, on demand, locally).
                "--test-scheduled",
            ])
            .arg("--var")
            .arg(format!("ADMIN_TOKEN:{}", options.admin_token))
            .arg("--var")
            .arg(format!(
                "LOYALTY_DEV:{}",
                if options.dev_routes { "1" } else { "0" }
            ))
            .stdin(Stdio::null());
        // The clock offset of a run moved in time (none by default).
        for (name, value) in options
            .vars
            .iter()
            .cloned()
            .chain(crate::clock::worker_vars())
        {
            cmd.arg("--var").arg(format!("{name}:{value}"));
        }
        wrangler_env(&mut cmd);
        #[cfg(unix)]
        if !options.interactive {
            use std::os::unix::process::CommandExt;
            // Its own process group, so stopping it stops workerd too.
            cmd.process_group(0);
        }
        if let Some(log) = &options.log {
            let file = fs::File::create(log).map_err(|e| format!("log file: {e}"))?;
            let err = file.try_clone().map_err(|e| format!("log file: {e}"))?;
            cmd.stdout(file).stderr(err);
        }
        eprintln!(
            "$ wrangler dev --ip 127.0.0.1 --port {} --persist-to {}",
            options.port,
            options.state_dir.display()
        );
        let child = cmd
            .spawn()
            .map_err(|e| format!("could not start wrangler: {e}"))?;
        let mut worker = Self {
            child,
            port: options.port,
            state_dir: options.state_dir.clone(),
            group: !options.interactive,
        };
        worker.wait_healthy(Duration::from_secs(90))?;
        Ok(worker)
    }

    fn wait_healthy(&mut self, limit: Duration) -> Result {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("wrangler exited early ({status})"));
            }
            if let Ok(answer) = http::request(self.port, "GET", "/healthz", &[], b"")
                && answer.status == 200
            {
                return Ok(());
            }
            sleep(Duration::from_millis(250));
        }
        Err(format!(
            "the worker did not answer /healthz on port {} in time",
            self.port
        ))
    }

    /// Waits for the runtime to exit (Ctrl-C in `cargo xtask dev`).
    pub fn wait(mut self) -> Result {
        self.child.wait().map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Writes `value` under `key` in the running worker's local KV, as
    /// another process would (wrangler's own `kv key put --local`), so a test
    /// can put a lagging copy where the worker will read it.
    pub fn kv_put(&self, binding: &str, key: &str, value: &str) -> Result {
        let wrangler = root().join("node_modules/.bin/wrangler");
        let mut cmd = Command::new(&wrangler);
        cmd.current_dir(root().join("edge"))
            .args(["kv", "key", "put", key, value, "--binding", binding])
            .args(["--local", "--persist-to"])
            .arg(&self.state_dir)
            .stdin(Stdio::null());
        wrangler_env(&mut cmd);
        let out = cmd
            .output()
            .map_err(|e| format!("could not start wrangler: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "wrangler kv key put failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// Stops the runtime and everything it started.
    pub fn stop(&mut self) {
        // The whole group when it has one; else wrangler, which stops workerd.
        stop_child(&mut self.child, self.group, Duration::from_secs(10));
    }
}

impl Drop for LocalWorker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A fresh, empty folder under `target/` for throwaway state.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = root()
        .join("target/e2e-state")
        .join(format!("{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let _ = fs::create_dir_all(&dir);
    dir
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(8799)
}

pub fn is_built() -> bool {
    Path::new(&root().join("edge/build/index.js")).exists()
}
