//! Starting a server under test as a child process on a free 127.0.0.1 port, waiting
//! until it accepts, and stopping it (by its PID) when dropped.

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How to start one server: its binary and its arguments, `{addr}` standing for the
/// address to listen on.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    pub bin: PathBuf,
    pub args: String,
}

/// How long a server may take to start accepting.
const READY_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug)]
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
}

impl Server {
    /// Starts `spec`, logging its stderr to `log`; `RUST_LOG` defaults to `warn` so that
    /// per-request logging does not count against a server.
    /// With `cpus`, the server runs under `taskset -c CPUS` (which execs it: same PID).
    pub fn start(spec: &ServerSpec, cpus: Option<&str>, log: &Path) -> Result<Server, String> {
        let addr = free_port()?;
        let args: Vec<String> = spec
            .args
            .split_whitespace()
            .map(|a| a.replace("{addr}", &addr.to_string()))
            .collect();
        let stderr = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let rust_log = std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned());
        let mut command = match cpus {
            Some(cpus) => {
                let mut command = Command::new("taskset");
                command.arg("-c").arg(cpus).arg(&spec.bin);
                command
            }
            None => Command::new(&spec.bin),
        };
        let child = command
            .args(&args)
            .env("RUST_LOG", rust_log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", spec.bin.display()))?;
        let mut server = Server { child, addr };
        server.wait_ready(log)?;
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_ready(&mut self, log: &Path) -> Result<(), String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("server exited ({status}); see {}", log.display()));
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(20));
        }
        Err(format!(
            "server not accepting on {} after {READY_TIMEOUT:?}",
            self.addr
        ))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on now (the kernel's pick for port 0).
fn free_port() -> Result<SocketAddr, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map_err(|e| e.to_string())
}
