//! A data directory that cannot take more writes (here: a file-size limit, as a full disk
//! would): every write is refused with a clear 503, nothing is half written, the server lives.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

const TOKEN: &str = "disk-full-test-token-0123456789";

#[tokio::test]
async fn a_full_disk_refuses_writes_clearly_and_keeps_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
            .args(args)
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["commit", "-q", "--allow-empty", "-m", "first"]);
    let mut serve = Command::new(env!("CARGO_BIN_EXE_trellis"));
    serve
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--sites-listen",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["--runner-bin", "/bin/true"])
        .env("TRELLIS_TOKEN", TOKEN)
        .env("TRELLIS_WEBHOOK_SECRET", "disk-full-test-webhook")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // SAFETY: setrlimit and signal are async-signal-safe; nothing else runs in the child.
    unsafe {
        serve.pre_exec(|| {
            // A write past the limit fails with EFBIG (instead of killing the process).
            nix::libc::signal(nix::libc::SIGXFSZ, nix::libc::SIG_IGN);
            let limit = nix::libc::rlimit {
                rlim_cur: 1024 * 1024,
                rlim_max: 1024 * 1024,
            };
            if nix::libc::setrlimit(nix::libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = serve.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = lines
        .by_ref()
        .find_map(|l| {
            l.unwrap()
                .strip_prefix("Trellis is running at ")
                .map(str::to_string)
        })
        .expect("the server starts");
    // Keep reading what the server prints, so its stdout stays open.
    std::thread::spawn(move || lines.for_each(drop));
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str, body: Option<serde_json::Value>| {
        let mut req = http
            .request(method, format!("{base}{path}"))
            .bearer_auth(TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (
                status,
                r.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
    };
    let (status, app) = call(
        reqwest::Method::POST,
        "/api/apps",
        Some(
            serde_json::json!({"name": "shop", "repository": {"provider": "local", "path": repo}}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{app}");

    // Fill the disk with variable changes until a write is refused.
    let mut refusal = None;
    for i in 0..400 {
        let value = format!("{i:05}").repeat(6000);
        let (status, body) = call(
            reqwest::Method::PATCH,
            "/api/apps/shop/environments/development",
            Some(serde_json::json!({"variables": {"BIG": value}})),
        )
        .await;
        if status != 200 {
            refusal = Some((i, status, body));
            break;
        }
    }
    let (i, status, body) = refusal.expect("the file-size limit is reached");
    assert_eq!(status, 503, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("storage is unavailable: "), "{message}");
    assert!(message.contains("nothing was changed"), "{message}");

    // The server still answers, with the last change that was accepted, whole.
    let (status, env) = call(
        reqwest::Method::GET,
        "/api/apps/shop/environments/development",
        None,
    )
    .await;
    assert_eq!(status, 200, "{env}");
    assert_eq!(
        env["variables"]["BIG"],
        format!("{:05}", i - 1).repeat(6000)
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
