//! `complete` on AWS: a deployment's end (an ECS event) can be recorded before its last lines
//! have come through CloudWatch Logs, so the log is complete only once the runner's last line
//! is stored or the end is older than the delivery lag.

mod common;

use std::time::Duration;

use axum::routing::get;
use common::*;
use trellis_core::model::{DeploymentStatus, NewLogLine};
use trellis_core::ports::{DeploymentStore, Expect, Write};
use trellis_http::routes::deployments;

async fn page(services: &trellis_lambdas::Services, id: &str, after: u64) -> (usize, bool) {
    let router = trellis_http::single_route(
        services.state.clone(),
        "/api/deployments/{id}/logs",
        get(deployments::logs),
        true,
    );
    let mut event: serde_json::Value = serde_json::from_str(&http_event(
        "GET",
        &format!("/api/deployments/{id}/logs"),
        None,
        true,
    ))
    .unwrap();
    event["rawQueryString"] = format!("after={after}").into();
    event["queryStringParameters"] = serde_json::json!({"after": after.to_string()});
    let (status, body) = invoke(router, event.to_string()).await;
    assert_eq!(status, 200, "{body}");
    (
        body["lines"].as_array().unwrap().len(),
        body["complete"].as_bool().unwrap(),
    )
}

fn line(text: &str) -> Vec<NewLogLine> {
    vec![NewLogLine {
        timestamp: 1,
        text: text.into(),
    }]
}

#[tokio::test]
async fn an_ended_deployment_is_complete_once_its_last_line_is_stored_or_the_lag_is_over() {
    let settings = settings().await;
    let services = services(&settings, needs("deployment-logs")).await;
    let store = services.store.clone();
    let now = time::OffsetDateTime::now_utc();
    let mut ended =
        trellis_core::conformance::deployment("shop", "dev", 1, DeploymentStatus::Failed);
    ended.finished_at = Some(now);
    let mut long_ago =
        trellis_core::conformance::deployment("shop", "dev", 2, DeploymentStatus::Failed);
    long_ago.finished_at = Some(now - Duration::from_secs(3600));
    store
        .commit(vec![
            Write::PutDeployment(ended.clone(), Expect::Absent),
            Write::PutDeployment(long_ago.clone(), Expect::Absent),
        ])
        .await
        .unwrap();

    store
        .append_logs(&ended.id, None, line("==> build: npm run build"))
        .await
        .unwrap();
    assert_eq!(
        page(&services, &ended.id, 0).await,
        (1, false),
        "the runner's last lines may still be in CloudWatch"
    );
    assert_eq!(page(&services, &ended.id, 1).await, (0, false));

    store
        .append_logs(&ended.id, None, line("==> deployment failed: build failed"))
        .await
        .unwrap();
    assert_eq!(page(&services, &ended.id, 0).await, (2, true));
    assert_eq!(
        page(&services, &ended.id, 2).await,
        (0, true),
        "a client with every line learns the log is complete"
    );

    // A runner killed from outside never writes its last line.
    store
        .append_logs(&long_ago.id, None, line("==> build: npm run build"))
        .await
        .unwrap();
    assert_eq!(page(&services, &long_ago.id, 0).await, (1, true));
}
