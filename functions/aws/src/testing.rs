//! A moto server (the AWS emulator) for the AWS adapter tests: real AWS wire protocol through
//! the real SDK clients, on 127.0.0.1 only. `TRELLIS_TEST_AWS_ENDPOINT` points at a running
//! one; otherwise one is started for this test binary and dies with it. Test support only
//! (feature `testing`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

/// moto answering one request at a time. Its handlers are not atomic under its threaded
/// server: a failing DynamoDB transaction restores a snapshot of the whole table taken before
/// it ran, erasing writes other requests committed meanwhile, and Secrets Manager checks a
/// version token before adding the version. AWS makes each call atomic; so does the lock.
const SERIAL_MOTO: &str = "
import sys, threading
from moto import server
lock = threading.Lock()
dispatch = server.DomainDispatcherApplication.__call__
def one_at_a_time(self, environ, start_response):
    with lock:
        return dispatch(self, environ, start_response)
server.DomainDispatcherApplication.__call__ = one_at_a_time
server.main(sys.argv[1:])
";

/// The command that runs moto: `MOTO_SERVER` if set, else the project's venv (serialized),
/// else `moto_server` from the PATH.
fn moto_command() -> Command {
    if let Some(p) = std::env::var_os("MOTO_SERVER") {
        return Command::new(p);
    }
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    if python.exists() {
        let mut cmd = Command::new(python);
        cmd.args(["-c", SERIAL_MOTO]);
        return cmd;
    }
    Command::new("moto_server")
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
        let mut cmd = moto_command();
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
    ENDPOINT
        .get_or_init(|| std::env::var("TRELLIS_TEST_AWS_ENDPOINT").unwrap_or_else(|_| start_moto()))
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

/// Ids of moto's default VPC (subnets, security groups), read with a plain EC2 query so that
/// the tests need no EC2 SDK. moto routes the request by the credential scope's service.
pub async fn default_network() -> (Vec<String>, Vec<String>) {
    let http = crate::https::HttpsClient::new("trellis-tests", Duration::from_secs(10))
        .expect("an HTTP client");
    let call = |action: &'static str| {
        let http = http.clone();
        async move {
            let (_, body) = http
                .send(
                    http::Method::POST,
                    endpoint(),
                    &[
                        (
                            "authorization",
                            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/\
                             aws4_request, SignedHeaders=host, Signature=0",
                        ),
                        ("content-type", "application/x-www-form-urlencoded"),
                    ],
                    format!("Action={action}&Version=2016-11-15").into(),
                )
                .await
                .expect("moto answers EC2 queries");
            String::from_utf8_lossy(&body).into_owned()
        }
    };
    let ids = |xml: &str, tag: &str| -> Vec<String> {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        xml.split(&open)
            .skip(1)
            .filter_map(|rest| rest.split(&close).next())
            .map(str::to_string)
            .collect()
    };
    let subnets = call("DescribeSubnets").await;
    let groups = call("DescribeSecurityGroups").await;
    let mut subnet_ids = ids(&subnets, "subnetId");
    subnet_ids.dedup();
    let mut group_ids = ids(&groups, "groupId");
    group_ids.dedup();
    assert!(
        !subnet_ids.is_empty(),
        "moto has default subnets: {subnets}"
    );
    (subnet_ids, group_ids)
}

/// An S3 client for moto (path-style addressing: `127.0.0.1` has no bucket subdomains).
pub async fn s3_client() -> aws_sdk_s3::Client {
    let config = sdk_config().await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

/// A fresh jobs bucket on moto, with a client for it.
pub async fn jobs_bucket() -> (aws_sdk_s3::Client, String) {
    let s3 = s3_client().await;
    let bucket = unique("jobs");
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("moto creates the bucket");
    (s3, bucket)
}

/// A runner cluster and a Fargate task definition (container `runner`) on moto: the
/// cluster's name and the definition's family.
pub async fn runner_cluster() -> (String, String) {
    use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, NetworkMode};
    let client = aws_sdk_ecs::Client::new(&sdk_config().await);
    let cluster = unique("trellis-runners");
    client
        .create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .expect("moto creates the cluster");
    let family = unique("trellis-build-runner");
    client
        .register_task_definition()
        .family(&family)
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .cpu("1024")
        .memory("2048")
        .container_definitions(
            ContainerDefinition::builder()
                .name("runner")
                .image("trellis/build-runner:latest")
                .memory(2048)
                .essential(true)
                .build(),
        )
        .send()
        .await
        .expect("moto registers the task definition");
    (cluster, family)
}
