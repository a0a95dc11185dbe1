//! A moto server (the AWS emulator) for the AWS adapter tests: real AWS wire protocol through
//! the real SDK clients, on 127.0.0.1 only. `TRELLIS_TEST_AWS_ENDPOINT` points at a running
//! one; otherwise one is started for this test binary and dies with it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

fn moto_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server");
    if venv.exists() {
        return venv;
    }
    PathBuf::from("moto_server")
}

/// Starts moto on a free loopback port from a thread that lives as long as the process, so
/// that the parent-death signal reaches moto exactly when the tests end.
fn start_moto() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut cmd = Command::new(moto_binary());
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                    .map_err(std::io::Error::from)
            });
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start moto_server ({e}): run `bash .ci/test`, which installs it into \
                 .venv, or set MOTO_SERVER / TRELLIS_TEST_AWS_ENDPOINT"
            )
        });
        let stderr = child.stderr.take().expect("piped stderr");
        let mut lines = BufReader::new(stderr).lines();
        for line in lines.by_ref() {
            let line = line.unwrap_or_default();
            if line.contains("Running on") {
                break;
            }
        }
        tx.send(format!("http://127.0.0.1:{port}")).ok();
        // Keep draining moto's log so it never blocks, and keep this thread alive.
        for _ in lines {}
        let _ = child.wait();
        std::thread::park();
    });
    rx.recv().expect("moto_server started")
}

pub fn endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        std::env::var("TRELLIS_TEST_AWS_ENDPOINT").unwrap_or_else(|_| start_moto())
    })
}

pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .load()
        .await
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
