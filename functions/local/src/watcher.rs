//! Local repositories have no webhooks: their branch heads are polled, and a moved head raises
//! the same push the GitHub webhook raises.

use std::sync::Arc;
use std::time::Duration;

use trellis_core::Pipeline;
use trellis_core::model::Repository;
use trellis_core::ports::SourceRepository;
use trellis_core::requests::PushEvent;

/// A new commit is noticed within two polls.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

pub async fn watch_local_repositories(pipeline: Arc<Pipeline>, source: Arc<dyn SourceRepository>) {
    let mut tick = tokio::time::interval(POLL_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = poll_once(&pipeline, source.as_ref()).await {
            tracing::warn!("watching local repositories: {e}");
        }
    }
}

/// One pass over every local-repository app; returns how many pushes it raised.
pub async fn poll_once(
    pipeline: &Pipeline,
    source: &dyn SourceRepository,
) -> Result<usize, trellis_core::DomainError> {
    let mut raised = 0;
    for app in pipeline.store().list_apps().await? {
        if !matches!(app.repository, Repository::Local { .. }) {
            continue;
        }
        let heads = match source.branch_heads(&app.repository).await {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!(app = %app.name, "cannot read branches: {e}");
                continue;
            }
        };
        if heads == app.branch_heads {
            continue;
        }
        // Recorded first, with a compare-and-set: a head is pushed once, whoever sees it.
        for branch in pipeline.record_branch_heads(&app, heads.clone()).await? {
            let Some(sha) = heads.get(&branch) else {
                continue;
            };
            let commit = source.resolve(&app.repository, sha).await?;
            tracing::info!(app = %app.name, %branch, sha = %commit.sha, "new commit");
            pipeline
                .handle_push(PushEvent {
                    repository_key: app.repository.key(),
                    branch,
                    commit,
                    only_app: Some(app.name.clone()),
                })
                .await?;
            raised += 1;
        }
    }
    Ok(raised)
}
