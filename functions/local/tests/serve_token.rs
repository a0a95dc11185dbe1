//! `trellis serve` refuses a guessable API token and never prints the token it uses.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn serve(token: &str) -> std::process::Child {
    let dir = tempfile::tempdir().unwrap().keep();
    Command::new(env!("CARGO_BIN_EXE_trellis"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .env("TRELLIS_TOKEN", token)
        .env("TRELLIS_WEBHOOK_SECRET", "serve-token-test-webhook")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_short_token_is_refused_with_the_rule() {
    let out = serve("x").wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("1 characters: use at least 16"), "{stderr}");
}

#[test]
fn the_banner_says_where_the_token_is_not_what_it_is() {
    let token = "a-long-enough-token-0123456789";
    let mut child = serve(token);
    let stdout = child.stdout.take().unwrap();
    let mut banner = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.contains("Data directory");
        banner.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let banner = banner.join("\n");
    assert!(banner.contains("$TRELLIS_TOKEN (not printed)"), "{banner}");
    assert!(!banner.contains(token), "{banner}");
}
