//! The S3-compatible server of the tests — moto in server mode, from the pinned venv of
//! `scripts/moto-env.sh` — started on a free loopback port and stopped whatever happens, and a
//! loopback TCP proxy that cuts the response body of one chosen key.
//!
//! Stopping: moto runs under a small bash supervisor whose stdin is a pipe from this process.
//! The guard's `drop` closes the pipe and kills the supervisor's process group; and when this
//! process ends any other way (a panic in a test holding a shared server in a static, a
//! signal), the pipe closes with it, the supervisor's `read` returns and it kills moto. No
//! server outlives the test binary.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::run_env_script;

/// The `moto_server` executable, installed on first use (`scripts/moto-env.sh`). Fails the
/// test, saying why, when it cannot be installed (no python3, no PyPI): the S3 tests never
/// pass without having run.
pub fn moto_server() -> &'static Path {
    static MOTO: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let moto = MOTO.get_or_init(|| run_env_script("scripts/moto-env.sh"));
    match moto {
        Ok(path) => path,
        Err(message) => panic!(
            "the S3 tests need moto's server (python3 with venv, and network access to PyPI \
             the first time), which could not be installed: {message}"
        ),
    }
}

/// The python of moto's venv (it has boto3).
pub fn moto_python() -> PathBuf {
    moto_server().with_file_name("python")
}

/// A free loopback port (bound and released: another process could take it in between, which
/// the start-up check would report).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
}

/// A running moto server; stopped on drop.
pub struct Moto {
    supervisor: Child,
    endpoint: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Moto {
    /// Starts moto on a free loopback port and waits until it answers (at most 60 s).
    pub fn start() -> Moto {
        let moto = moto_server();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let log = dir.path().join("moto.log");
        let port = free_port();
        // The supervisor: start moto, wait for stdin to close (our guard dropped, or this
        // process gone), then stop it.
        let script = r#"
            "$0" -H 127.0.0.1 -p "$1" >"$2" 2>&1 &
            child=$!
            trap 'kill $child 2>/dev/null; wait $child 2>/dev/null' EXIT
            read -r _ || true
        "#;
        let supervisor = Command::new("bash")
            .arg("-c")
            .arg(script)
            .arg(moto)
            .arg(port.to_string())
            .arg(&log)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", moto.display()));
        let server = Moto {
            supervisor,
            endpoint: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        };
        server.wait_ready(port);
        server
    }

    fn wait_ready(&self, port: u16) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let request = "GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
                let mut reply = [0u8; 12];
                if stream.write_all(request.as_bytes()).is_ok()
                    && stream.read_exact(&mut reply).is_ok()
                    && reply.starts_with(b"HTTP/1.")
                {
                    return;
                }
            }
            thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "moto did not answer on port {port} within 60 s; its log:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Runs `moto_admin.py` against this server and returns its stdout.
    pub fn admin(&self, args: &[&str]) -> String {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/s3/moto_admin.py");
        let out = Command::new(moto_python())
            .arg(&script)
            .arg(args[0])
            .arg(&self.endpoint)
            .args(&args[1..])
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
        assert!(
            out.status.success(),
            "moto_admin.py {args:?} failed:\n{}\nmoto's log:\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        // Closing stdin makes the supervisor stop moto and exit; wait for it.
        drop(self.supervisor.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.supervisor.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.supervisor.kill();
        let _ = self.supervisor.wait();
    }
}

/// A loopback proxy in front of a server that cuts the response to a GET of one key after a
/// number of bytes (headers included), for the first `cuts` such responses.
pub struct CuttingProxy {
    endpoint: String,
    stop: Arc<AtomicBool>,
    cut: Arc<AtomicUsize>,
}

impl CuttingProxy {
    /// Proxies to `upstream` (`http://127.0.0.1:PORT`), cutting responses to `GET /{path}` (the
    /// bucket and key) after `after` bytes, `cuts` times (`usize::MAX`: always).
    pub fn start(upstream: &str, path: &str, after: usize, cuts: usize) -> CuttingProxy {
        let upstream = upstream
            .strip_prefix("http://")
            .unwrap_or(upstream)
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        listener.set_nonblocking(true).expect("non-blocking accept");
        let stop = Arc::new(AtomicBool::new(false));
        let remaining = Arc::new(AtomicUsize::new(cuts));
        let cut = Arc::new(AtomicUsize::new(0));
        let needle = format!("GET /{path} ").into_bytes();
        {
            let stop = stop.clone();
            let cut = cut.clone();
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            let _ = client.set_nonblocking(false);
                            let Ok(server) = TcpStream::connect(&upstream) else {
                                continue;
                            };
                            let needle = needle.clone();
                            let remaining = remaining.clone();
                            let cut = cut.clone();
                            thread::spawn(move || {
                                relay(client, server, needle, after, remaining, cut)
                            });
                        }
                        Err(_) => thread::sleep(Duration::from_millis(5)),
                    }
                }
            });
        }
        CuttingProxy {
            endpoint: format!("http://127.0.0.1:{port}"),
            stop,
            cut,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// How many responses were cut.
    pub fn cuts(&self) -> usize {
        self.cut.load(Ordering::Relaxed)
    }
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Relays one connection both ways; when the client sends a request line starting with
/// `needle` and cuts remain, the response that follows is cut after `after` bytes and both
/// sockets are shut.
fn relay(
    client: TcpStream,
    server: TcpStream,
    needle: Vec<u8>,
    after: usize,
    remaining: Arc<AtomicUsize>,
    cut: Arc<AtomicUsize>,
) {
    let armed = Arc::new(AtomicBool::new(false));
    let (Ok(mut client_in), Ok(mut server_out)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let upstream_armed = armed.clone();
    let requests = thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_in.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if buf[..n].windows(needle.len()).any(|w| w == needle)
                && remaining
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |r| r.checked_sub(1))
                    .is_ok()
            {
                upstream_armed.store(true, Ordering::SeqCst);
            }
            if server_out.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = server_out.shutdown(Shutdown::Write);
    });
    let (mut server_in, mut client_out) = (server, client);
    let mut buf = vec![0u8; 64 * 1024];
    let mut sent_while_armed = 0usize;
    loop {
        let n = match server_in.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if armed.load(Ordering::SeqCst) {
            let room = after.saturating_sub(sent_while_armed);
            let take = n.min(room);
            let _ = client_out.write_all(&buf[..take]);
            sent_while_armed += take;
            if sent_while_armed >= after {
                cut.fetch_add(1, Ordering::SeqCst);
                let _ = client_out.shutdown(Shutdown::Both);
                let _ = server_in.shutdown(Shutdown::Both);
                break;
            }
        } else if client_out.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = client_out.shutdown(Shutdown::Both);
    let _ = requests.join();
}
