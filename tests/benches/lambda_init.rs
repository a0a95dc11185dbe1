//! Cold-start figures for every packaged Lambda: binary size, and init time from process
//! start to its first `GET /runtime/invocation/next` on a minimal local Runtime API. Each
//! function's cold start includes its real work (no secret is read before a request needs it,
//! except the webhook secret, read in the background). Run `bash .ci/package-lambdas` first, then
//! `cargo bench -p trellis-e2e --bench lambda_init --profile dev` (the harness needs no
//! optimisation; the bootstraps measured are the release builds).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use trellis_aws::{DynamoStore, testing};

const RUNS: usize = 7;
const TARGET_INIT_MS: f64 = 10.0;
const TARGET_SIZE_MB: f64 = 10.0;

/// Starts the bootstrap and waits for its first poll of the Runtime API.
async fn init_time(bootstrap: &PathBuf, env: &[(String, String)]) -> Result<Duration, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(bootstrap)
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
                return Ok::<_, String>(started.elapsed());
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

    println!(
        "{:<26} {:>9} {:>12} {:>10} {:>10}",
        "function", "size MB", "median ms", "min ms", "max ms"
    );
    let mut misses = Vec::new();
    for (name, bootstrap) in &functions {
        let size = std::fs::metadata(bootstrap).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
        let mut times = Vec::new();
        for _ in 0..RUNS {
            match init_time(bootstrap, &env).await {
                Ok(t) => times.push(t.as_secs_f64() * 1000.0),
                Err(e) => {
                    println!("{name:<26} failed to start: {e}");
                    break;
                }
            }
        }
        if times.is_empty() {
            misses.push(name.clone());
            continue;
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        println!(
            "{name:<26} {size:>9.2} {median:>12.2} {:>10.2} {:>10.2}",
            times[0],
            times[times.len() - 1]
        );
        if median > TARGET_INIT_MS || size > TARGET_SIZE_MB {
            misses.push(name.clone());
        }
    }
    println!(
        "\n{} functions; targets: median init < {TARGET_INIT_MS} ms, size < {TARGET_SIZE_MB} MB; \
         over a target: {}",
        functions.len(),
        if misses.is_empty() {
            "none".to_string()
        } else {
            misses.join(", ")
        }
    );
}
