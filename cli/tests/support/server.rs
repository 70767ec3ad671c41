//! A server process for the tests of `mock` and `proxy`: the built binary, started on a port
//! the system picks, its address read from the first stdout line, and killed when the guard
//! drops, whether the test passes or fails. Included with `#[path]` by the tests that use it.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to exit after SIGTERM.
const EXIT_TIMEOUT: Duration = Duration::from_secs(10);

/// A server process, killed on drop.
pub(crate) struct Server {
    child: Child,
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    stdout: BufReader<ChildStdout>,
}

impl Server {
    /// Runs `cloudstorage-contract ARGS --no-config` and reads `listening on http(s)://ADDR`.
    pub(crate) fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cloudstorage-contract"))
            .args(args)
            .arg("--no-config")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        // A server that dies prints nothing.
        let read = stdout.read_line(&mut line);
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .or_else(|| line.trim().strip_prefix("listening on https://"))
            .and_then(|a| a.parse().ok());
        let Some(addr) = addr.filter(|_| read.is_ok()) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no `listening on` line: {line:?}");
        };
        Server {
            child,
            addr,
            stdout,
        }
    }

    /// The address on the next stdout line, `WHAT on http://ADDR`.
    #[allow(dead_code)]
    pub(crate) fn next_addr(&mut self, what: &str) -> SocketAddr {
        let mut line = String::new();
        let _ = self.stdout.read_line(&mut line);
        line.trim()
            .strip_prefix(&format!("{what} on http://"))
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no `{what} on` line: {line:?}"))
    }

    /// `http://ADDR`.
    #[allow(dead_code)]
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The process id.
    #[allow(dead_code)]
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then the exit code within the timeout.
    pub(crate) fn terminate(&mut self) -> i32 {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM");
        let deadline = Instant::now() + EXIT_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "still running after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
