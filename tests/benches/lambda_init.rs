//! Cold-start figures for every packaged Lambda beside a Node.js twin: binary size, init time
//! from process start to its first `GET /runtime/invocation/next` on a minimal local Runtime
//! API, and memory (peak resident set at that moment). The twin (tests/benches/node-twin, not
//! part of Trellis) loads and builds the AWS SDK clients the function's manifest row says it
//! uses and reads its configuration — what a hand-written Node.js function for the same route
//! does before its first request — through the same harness. Run `bash .ci/package-lambdas`
//! first, then `cargo bench -p trellis-e2e --bench lambda_init --profile dev` (the harness
//! needs no optimisation; the bootstraps measured are the release builds). The twin's
//! dependencies are installed with `npm ci` on first use.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use trellis_aws::{DynamoStore, testing};

const RUNS: usize = 7;
const TARGET_INIT_MS: f64 = 5.0;
const TARGET_RATIO: f64 = 10.0;
const TARGET_SIZE_MB: f64 = 10.0;

/// Peak resident memory of a process, in MiB (`VmHWM` in /proc).
fn peak_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Starts `program args` and waits for its first poll of the Runtime API: the time it took
/// and the process's peak memory then.
async fn init_time(
    program: &Path,
    args: &[&str],
    env: &[(String, String)],
) -> Result<(Duration, f64), String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .envs(env.iter().cloned())
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| e.to_string())?;
    let polled = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let (mut socket, _) = listener.accept().await.map_err(|e| e.to_string())?;
            let mut buf = vec![0u8; 4096];
            let n = socket.read(&mut buf).await.map_err(|e| e.to_string())?;
            let head = String::from_utf8_lossy(&buf[..n]);
            if head.starts_with("GET /2018-06-01/runtime/invocation/next") {
                let took = started.elapsed();
                let memory = child.id().and_then(peak_mib).unwrap_or(f64::NAN);
                return Ok::<_, String>((took, memory));
            }
        }
    })
    .await;
    let _ = child.kill().await;
    match polled {
        Ok(r) => r,
        Err(_) => {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err).await;
            }
            Err(format!("no /next within 20 s: {}", err.trim()))
        }
    }
}

#[tokio::main]
async fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let lambda_dir = root.join("target/lambda");
    let mut functions: Vec<(String, PathBuf)> = std::fs::read_dir(&lambda_dir)
        .unwrap_or_else(|_| {
            panic!(
                "{} is missing: run `bash .ci/package-lambdas` first",
                lambda_dir.display()
            )
        })
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.path().join("bootstrap"),
            )
        })
        .filter(|(_, p)| p.exists())
        .collect();
    functions.sort();

    // What a cold start reads: a table and the token and webhook secrets, on moto.
    let config = testing::sdk_config().await;
    let table = testing::unique("trellis-bench");
    DynamoStore::create_table(&aws_sdk_dynamodb::Client::new(&config), &table)
        .await
        .expect("table");
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let prefix = testing::unique("trellis");
    for name in ["api-token", "webhook"] {
        secrets
            .create_secret()
            .name(format!("{prefix}/{name}"))
            .secret_string("benchmark-secret")
            .send()
            .await
            .expect("secret");
    }
    let env: Vec<(String, String)> = [
        ("AWS_ENDPOINT_URL", testing::endpoint().to_string()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_LAMBDA_FUNCTION_NAME", "bench".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "bench".into()),
        ("TRELLIS_TABLE", table),
        ("TRELLIS_SECRETS_PREFIX", prefix.clone()),
        ("TRELLIS_API_TOKEN_SECRET", format!("{prefix}/api-token")),
        ("TRELLIS_WEBHOOK_SECRET_ID", format!("{prefix}/webhook")),
        ("TRELLIS_WS_ENDPOINT", "http://127.0.0.1:9".into()),
        ("TRELLIS_ECS_CLUSTER", "trellis".into()),
        ("TRELLIS_ECS_TASK_DEFINITION", "trellis-runner".into()),
        ("TRELLIS_ECS_CONTAINER", "runner".into()),
        ("TRELLIS_ECS_SUBNETS", "subnet-1".into()),
        ("TRELLIS_ECS_SECURITY_GROUPS", "".into()),
        ("TRELLIS_JOBS_BUCKET", "trellis-jobs".into()),
        // Read when a request first needs the GitHub App, never at cold start.
        ("TRELLIS_GITHUB_APP_SECRET", format!("{prefix}/github-app")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    // The recommended configuration checks tokens by digest and reads no secret at cold start;
    // BENCH_READ_TOKEN_SECRET=1 measures functions that read the token from Secrets Manager.
    let mut env = env;
    if std::env::var("BENCH_READ_TOKEN_SECRET").is_err() {
        use sha2::Digest;
        env.push((
            "TRELLIS_API_TOKEN_SHA256".into(),
            hex::encode(sha2::Sha256::digest(b"benchmark-secret")),
        ));
    }

    env.push(("TRELLIS_CACHE_BUCKET".into(), "trellis-cache".into()));
    let twins = twin_clients(&root.join("cdk/functions.json"));
    let twin_dir = root.join("tests/benches/node-twin");
    if !twin_dir.join("node_modules").is_dir() {
        let ok = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
            .current_dir(&twin_dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "npm ci in {} failed", twin_dir.display());
    }
    let node = PathBuf::from("node");
    let node_version = std::process::Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let twin_script = twin_dir.join("bootstrap.mjs").display().to_string();

    println!(
        "{:<26} {:>7} {:>9} {:>8} {:>10} {:>9} {:>7}  node twin's clients",
        "function", "size MB", "init ms", "mem MiB", "node ms", "node MiB", "ratio"
    );
    let (mut misses, mut slow, mut close, mut large) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut inits, mut ratios) = (Vec::new(), Vec::new());
    for (name, bootstrap) in &functions {
        let size = std::fs::metadata(bootstrap).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
        let Some(rust) = median_of(name, bootstrap, &[], &env).await else {
            misses.push(name.clone());
            continue;
        };
        let clients = twins.get(name.as_str()).cloned().unwrap_or_default();
        let mut twin_env = env.clone();
        twin_env.push(("TWIN_CLIENTS".into(), clients.join(",")));
        let Some(twin) = median_of(name, &node, &[twin_script.as_str()], &twin_env).await else {
            misses.push(name.clone());
            continue;
        };
        let ratio = twin.0 / rust.0;
        println!(
            "{name:<26} {size:>7.2} {:>9.2} {:>8.1} {:>10.1} {:>9.1} {ratio:>6.0}x  {}",
            rust.0,
            rust.1,
            twin.0,
            twin.1,
            clients.join(" ")
        );
        inits.push(rust.0);
        ratios.push(ratio);
        if rust.0 > TARGET_INIT_MS {
            slow.push(name.clone());
        }
        if ratio < TARGET_RATIO {
            close.push(name.clone());
        }
        if size > TARGET_SIZE_MB {
            large.push(name.clone());
        }
    }
    inits.sort_by(f64::total_cmp);
    ratios.sort_by(f64::total_cmp);
    if let (Some(first), Some(last)) = (inits.first(), inits.last()) {
        println!(
            "\n{} functions; Rust init (median of {RUNS}) {first:.2}–{last:.2} ms; Node.js {node_version} twin \
             {:.0}x–{:.0}x slower",
            functions.len(),
            ratios[0],
            ratios[ratios.len() - 1]
        );
    }
    let list = |names: &[String]| match names.len() {
        0 => "none".to_string(),
        n if n == functions.len() => format!("all {n}"),
        _ => names.join(", "),
    };
    println!("goal init <= {TARGET_INIT_MS} ms: over it: {}", list(&slow));
    println!(
        "goal >= {TARGET_RATIO}x faster than the Node.js twin: under it: {}",
        list(&close)
    );
    println!("size < {TARGET_SIZE_MB} MB: over it: {}", list(&large));
    if !misses.is_empty() {
        println!("did not start: {}", misses.join(", "));
    }
}

/// The median init time (ms) of `RUNS` starts, and the median peak memory (MiB).
async fn median_of(
    name: &str,
    program: &Path,
    args: &[&str],
    env: &[(String, String)],
) -> Option<(f64, f64)> {
    let (mut times, mut memory) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        match init_time(program, args, env).await {
            Ok((t, m)) => {
                times.push(t.as_secs_f64() * 1000.0);
                memory.push(m);
            }
            Err(e) => {
                println!("{name:<26} {} failed to start: {e}", program.display());
                return None;
            }
        }
    }
    times.sort_by(f64::total_cmp);
    memory.sort_by(f64::total_cmp);
    Some((times[times.len() / 2], memory[memory.len() / 2]))
}

/// For each function of the manifest, the AWS SDK clients its Node.js twin builds: those of
/// the services its permissions name.
fn twin_clients(manifest: &Path) -> std::collections::BTreeMap<String, Vec<&'static str>> {
    let manifest: Value = serde_json::from_slice(&std::fs::read(manifest).unwrap()).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for f in manifest["functions"].as_array().unwrap() {
        let mut clients = Vec::new();
        for p in f["permissions"].as_array().unwrap() {
            let client = match p["resource"].as_str().unwrap_or_default() {
                "table" => "dynamodb",
                r if r.ends_with("Secret") || r == "appSecrets" => "secretsmanager",
                "jobObjects" | "resultObjects" | "cacheObjects" | "cacheBucket" => "s3",
                "runnerTaskDefinition" | "runnerTasks" => "ecs",
                "websocketConnections" => "apigatewaymanagement",
                _ => continue,
            };
            if !clients.contains(&client) {
                clients.push(client);
            }
        }
        out.insert(f["name"].as_str().unwrap().to_string(), clients);
    }
    out
}
