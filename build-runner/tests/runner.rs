//! The real `build-runner` binary on a real git repository: steps, exit-code-only success,
//! masking, environment, outputs, teardown and the timeout.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use trellis_core::job::{RunnerJob, RunnerResult};
use trellis_core::model::{ConfigSnapshot, DeploymentKind, Repository};

struct Run {
    code: i32,
    stdout: String,
    result: RunnerResult,
    job_file_left: bool,
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repository with the given files committed on `main`; returns its path and head sha.
fn repo(dir: &Path, files: &[(&str, &str)]) -> (PathBuf, String) {
    let path = dir.join("repo");
    std::fs::create_dir_all(&path).unwrap();
    git(&path, &["init", "-q", "-b", "main"]);
    for (name, body) in files {
        std::fs::write(path.join(name), body).unwrap();
    }
    git(&path, &["add", "-A"]);
    git(&path, &["commit", "-q", "-m", "test commit"]);
    let sha = git(&path, &["rev-parse", "HEAD"]);
    (path, sha)
}

fn job(repo: &Path, sha: &str, deploy: &str) -> RunnerJob {
    RunnerJob {
        deployment_id: "01JTESTDEPLOYMENT0000000000".into(),
        app: "shop".into(),
        environment: "staging".into(),
        kind: DeploymentKind::Deploy,
        repository: Repository::Local {
            path: repo.display().to_string(),
        },
        commit_sha: sha.into(),
        config: ConfigSnapshot {
            branch: Some("main".into()),
            tests_enabled: false,
            install_command: None,
            test_command: "exit 0".into(),
            deploy_command: deploy.into(),
            remove_command: "echo removing $TRELLIS_STAGE".into(),
            timeout_minutes: 60,
            deploy_role_arn: None,
            variables: BTreeMap::new(),
            secret_names: Vec::new(),
        },
        secrets: BTreeMap::new(),
        git_token: None,
        github_web: None,
        secrets_from: None,
        extra_env: BTreeMap::new(),
        hand_back: None,
        cache_wanted: false,
        cache: None,
    }
}

fn run(dir: &Path, job: &RunnerJob, env: &[(&str, &str)]) -> Run {
    let job_path = dir.join("job.json");
    let result_path = dir.join("result.json");
    std::fs::write(&job_path, serde_json::to_vec(job).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_build-runner"))
        .arg("--job")
        .arg(&job_path)
        .arg("--result")
        .arg(&result_path)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let result = serde_json::from_slice(&std::fs::read(&result_path).unwrap()).unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        result,
        job_file_left: job_path.exists(),
    }
}

#[test]
fn a_deploy_clones_the_commit_runs_the_steps_and_keeps_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let (path, sha) = repo(dir.path(), &[("hello.txt", "hi")]);
    let deploy = r#"test "$(cat hello.txt)" = hi && test "$(git rev-parse HEAD)" = "$TRELLIS_COMMIT_SHA" && echo "{\"url\":\"https://$TRELLIS_STAGE.example\"}" > "$TRELLIS_OUTPUTS_FILE""#;
    let r = run(dir.path(), &job(&path, &sha, deploy), &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.result.succeeded);
    assert_eq!(r.result.outputs["url"], "https://staging.example");
    for line in [
        "==> clone:",
        "<== clone succeeded in",
        "==> install: skipped",
        "==> test: skipped",
        "==> deploy:",
        "<== deploy succeeded in",
        "==> deployment succeeded in",
    ] {
        assert!(r.stdout.contains(line), "{line:?} in {}", r.stdout);
    }
    assert!(
        !r.job_file_left,
        "the job file (it holds secrets) is deleted"
    );
}

#[test]
fn sst_outputs_are_read_when_no_outputs_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (path, sha) = repo(dir.path(), &[("x", "")]);
    let deploy = r#"mkdir -p .sst && echo '{"api":"https://api.example"}' > .sst/outputs.json"#;
    let r = run(dir.path(), &job(&path, &sha, deploy), &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.result.outputs["api"], "https://api.example");
}

#[test]
fn success_is_decided_by_exit_codes_only() {
    let dir = tempfile::tempdir().unwrap();
    let (path, sha) = repo(dir.path(), &[("x", "")]);
    let r = run(
        dir.path(),
        &job(
            &path,
            &sha,
            "echo ERROR: everything failed; echo '==> deployment failed: no'; exit 0",
        ),
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.result.succeeded);
    let r = run(dir.path(), &job(&path, &sha, "echo success; exit 3"), &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(!r.result.succeeded);
    assert_eq!(r.result.error.as_deref(), Some("deploy exited with code 3"));
    assert!(r.stdout.contains("<== deploy failed in"));
}

#[test]
fn a_failing_test_step_stops_before_deploy() {
    let dir = tempfile::tempdir().unwrap();
    let (path, sha) = repo(dir.path(), &[("x", "")]);
    let mut j = job(&path, &sha, "touch deployed; echo DEPLOYED");
    j.config.tests_enabled = true;
    j.config.test_command = "echo running tests; exit 1".into();
    let r = run(dir.path(), &j, &[]);
    assert_eq!(r.code, 1);
    assert_eq!(r.result.error.as_deref(), Some("test exited with code 1"));
    assert!(r.stdout.contains("running tests"));
    assert!(!r.stdout.contains("DEPLOYED"));
}

#[test]
fn secrets_are_masked_and_variables_reach_the_build() {
    let dir = tempfile::tempdir().unwrap();
    let (path, sha) = repo(dir.path(), &[("x", "")]);
    let mut j = job(
        &path,
        &sha,
        r#"echo "token=$API_TOKEN region=$REGION"; echo "$API_TOKEN" >&2; test -z "$TRELLIS_RUNNER_TIMEOUT_SECS""#,
    );
    j.secrets.insert("API_TOKEN".into(), "s3cr3t-value".into());
    j.config
        .variables
        .insert("REGION".into(), "eu-west-1".into());
    let r = run(dir.path(), &j, &[("TRELLIS_RUNNER_TIMEOUT_SECS", "120")]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains("token=*** region=eu-west-1"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("s3cr3t-value"));
}

#[test]
fn a_write_only_secret_cannot_be_read_back_through_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let (path, sha) = repo(dir.path(), &[("x", "")]);
    let pem = "-----BEGIN KEY-----\nMIIEowIBAAKCAQEAx1\n-----END KEY-----\n";
    let mut j = job(
        &path,
        &sha,
        r#"printf '{"x": "%s", "k": "%s"}' "$API_TOKEN" "$(printf %s "$KEY" | head -2 | tail -1)" > "$TRELLIS_OUTPUTS_FILE"; printf '%s' "$KEY""#,
    );
    j.secrets.insert("API_TOKEN".into(), "s3cr3t-value".into());
    j.secrets.insert("KEY".into(), pem.into());
    j.secrets.insert("PIN".into(), "7".into());
    let r = run(dir.path(), &j, &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.result.outputs["x"], "***", "{:?}", r.result.outputs);
    assert_eq!(r.result.outputs["k"], "***", "{:?}", r.result.outputs);
    assert!(!r.stdout.contains("MIIEowIBAAKCAQEAx1"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("warning: secret PIN has fewer than 6 characters"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_install_step_follows_the_lockfile() {
    let dir = tempfile::tempdir().unwrap();
    let (path, sha) = repo(
        dir.path(),
        &[("package.json", "{}"), ("package-lock.json", "{}")],
    );
    let mut j = job(&path, &sha, "true");
    // A fake npm on PATH records the install command without touching a registry.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("npm"), "#!/bin/sh\necho \"fake npm $*\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("npm"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path_env = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let r = run(dir.path(), &j, &[("PATH", &path_env)]);
    assert!(r.stdout.contains("==> install: npm ci"), "{}", r.stdout);
    assert!(r.stdout.contains("fake npm ci"));
    j.config.install_command = Some("echo custom install".into());
    let r = run(dir.path(), &j, &[("PATH", &path_env)]);
    assert!(r.stdout.contains("custom install"));
}

#[test]
fn a_teardown_runs_the_remove_command() {
    let dir = tempfile::tempdir().unwrap();
    let (path, sha) = repo(dir.path(), &[("x", "")]);
    let mut j = job(&path, &sha, "echo SHOULD-NOT-RUN");
    j.kind = DeploymentKind::Teardown;
    let r = run(dir.path(), &j, &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("removing staging"));
    assert!(!r.stdout.contains("SHOULD-NOT-RUN"));
}

#[test]
fn an_unknown_commit_fails_the_clone() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = repo(dir.path(), &[("x", "")]);
    let r = run(dir.path(), &job(&path, &"f".repeat(40), "true"), &[]);
    assert_eq!(r.code, 1);
    assert!(
        r.result
            .error
            .unwrap()
            .starts_with("clone exited with code")
    );
}

#[test]
fn the_timeout_kills_the_whole_step() {
    let dir = tempfile::tempdir().unwrap();
    let (path, sha) = repo(dir.path(), &[("x", "")]);
    let pid_file = dir.path().join("sleep.pid");
    let deploy = format!(
        "sh -c 'echo $$ > {}; exec sleep 600' & wait",
        pid_file.display()
    );
    let r = run(
        dir.path(),
        &job(&path, &sha, &deploy),
        &[("TRELLIS_RUNNER_TIMEOUT_SECS", "2")],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.result.error.unwrap().contains("timed out"));
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    // A killed process may linger as a zombie until it is reaped: that counts as gone.
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    let alive = stat
        .rsplit_once(") ")
        .is_some_and(|(_, rest)| !rest.starts_with('Z'));
    assert!(!alive, "the step's background sleep was killed too");
}

#[test]
fn an_unreadable_job_exits_2_with_a_result() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("job.json"), b"not json").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_build-runner"))
        .args(["--job"])
        .arg(dir.path().join("job.json"))
        .arg("--result")
        .arg(dir.path().join("result.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let result: RunnerResult =
        serde_json::from_slice(&std::fs::read(dir.path().join("result.json")).unwrap()).unwrap();
    assert!(!result.succeeded);
    let out = Command::new(env!("CARGO_BIN_EXE_build-runner"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_clone_token_is_masked_and_kept_from_the_build() {
    let dir = tempfile::tempdir().unwrap();
    let (path, sha) = repo(dir.path(), &[("x", "")]);
    let mut j = job(
        &path,
        &sha,
        r#"echo "printed ghs_clone_token_123"; test -z "$TRELLIS_GIT_TOKEN"; env | grep -c ghs_clone_token_123 || true"#,
    );
    // A local clone ignores the header; the token must still never show.
    j.git_token = Some("ghs_clone_token_123".into());
    let r = run(dir.path(), &j, &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("printed ***"), "{}", r.stdout);
    assert!(!r.stdout.contains("ghs_clone_token_123"));
    assert!(
        r.stdout.lines().any(|l| l.trim() == "0"),
        "not in the build's environment: {}",
        r.stdout
    );
    assert_eq!(
        trellis_build_runner::git_auth_header("abc"),
        "basic eC1hY2Nlc3MtdG9rZW46YWJj"
    );
}

#[test]
fn a_runner_whose_log_is_no_longer_read_stops_its_step_instead_of_dying() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let (path, sha) = repo(dir.path(), &[("x", "")]);
    let (go, pid_file) = (dir.path().join("go"), dir.path().join("sleep.pid"));
    let deploy = format!(
        "sh -c 'echo $$ > {pid}; exec sleep 600' & \
         while [ ! -s {pid} ]; do sleep 0.01; done; echo deploy-waiting; \
         while [ ! -e {go} ]; do sleep 0.05; done; echo after-the-reader-left; wait",
        pid = pid_file.display(),
        go = go.display()
    );
    let (job_path, result_path) = (dir.path().join("job.json"), dir.path().join("result.json"));
    std::fs::write(
        &job_path,
        serde_json::to_vec(&job(&path, &sha, &deploy)).unwrap(),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_build-runner"))
        .arg("--job")
        .arg(&job_path)
        .arg("--result")
        .arg(&result_path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Printed once the background process has written its pid (else the test could race it).
    assert!(lines.any(|l| l.unwrap() == "deploy-waiting"));
    // The reader goes away (the local server died), then the step prints.
    drop(lines);
    std::fs::write(&go, "").unwrap();
    let status = child.wait().unwrap();

    assert_eq!(status.code(), Some(1), "the runner must end, not panic");
    let result: RunnerResult =
        serde_json::from_slice(&std::fs::read(&result_path).unwrap()).unwrap();
    let error = result.error.unwrap();
    assert!(error.contains("log was no longer read"), "{error}");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    let alive = stat
        .rsplit_once(") ")
        .is_some_and(|(_, rest)| !rest.starts_with('Z'));
    assert!(!alive, "the step's background process was stopped too");
}
