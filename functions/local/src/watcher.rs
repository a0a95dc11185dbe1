//! Local repositories have no webhooks: their branch heads are polled, and a moved head raises
//! the same push the GitHub webhook raises.

use std::sync::Arc;
use std::time::Duration;

use trellis_core::Pipeline;
use trellis_core::model::{App, Repository};
use trellis_core::ports::SourceRepository;
use trellis_core::requests::PushEvent;

/// A new commit is noticed within two polls.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

pub async fn watch_local_repositories(pipeline: Arc<Pipeline>, source: Arc<dyn SourceRepository>) {
    let mut tick = tokio::time::interval(POLL_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        for e in poll_once(&pipeline, source.as_ref()).await.errors {
            tracing::warn!("watching local repositories: {e}");
        }
    }
}

/// What one pass did: pushes raised, and what failed (the rest of the pass went on).
#[derive(Debug, Default)]
pub struct PollPass {
    pub raised: usize,
    pub errors: Vec<String>,
}

/// One pass over every local-repository app, then over pushes recorded but not yet in line.
/// One app that cannot be read or pushed does not stop the others.
pub async fn poll_once(pipeline: &Pipeline, source: &dyn SourceRepository) -> PollPass {
    let mut pass = PollPass::default();
    let apps = match pipeline.list_apps().await {
        Ok(apps) => apps,
        Err(e) => {
            pass.errors.push(format!("listing apps: {e}"));
            Vec::new()
        }
    };
    for (app, _) in apps {
        if let Repository::Local { .. } = app.repository {
            match poll_app(pipeline, source, &app).await {
                Ok(n) => pass.raised += n,
                Err(e) => pass.errors.push(format!("{}: {e}", app.name)),
            }
        }
    }
    pass.errors.extend(pipeline.settle_recorded_pushes().await);
    pass
}

async fn poll_app(
    pipeline: &Pipeline,
    source: &dyn SourceRepository,
    app: &App,
) -> Result<usize, trellis_core::DomainError> {
    let heads = source.branch_heads(&app.repository).await?;
    if heads == app.branch_heads {
        return Ok(0);
    }
    let mut raised = 0;
    // Recorded first, with a compare-and-set: a head is pushed once, whoever sees it.
    for branch in pipeline.record_branch_heads(app, heads.clone()).await? {
        let Some(sha) = heads.get(&branch) else {
            continue;
        };
        let commit = source.resolve(&app.repository, sha).await?;
        tracing::info!(app = %app.name, %branch, sha = %commit.sha, "new commit");
        pipeline
            .handle_push(PushEvent {
                pushed_by: None,
                repository_key: app.repository.key(),
                branch,
                commit,
                only_app: Some(app.name.clone()),
            })
            .await?;
        raised += 1;
    }
    Ok(raised)
}
