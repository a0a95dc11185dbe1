//! The embedded parts, composed once: SQLite for records and secrets, child-process runners,
//! the in-process hub, and the pipeline over them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use trellis_core::access::AccessService;
use trellis_core::cache::DependencyCaches;
use trellis_core::feedback::{FeedbackNotifier, FeedbackService, GithubFeedback};
use trellis_core::github_connection::{GithubConnection, RepositorySource};
use trellis_core::notify::{NotificationNotifier, NotificationService};
use trellis_core::ports::{DeploymentStore, SecretStore, SourceRepository, SystemClock};
use trellis_core::{Pipeline, Ports};
use trellis_github::notify::HttpNotifications;
use trellis_http::forwarder::LogForwarder;

use super::ServeError;
use crate::dependency_cache::LocalDependencyCaches;
use crate::git::GitSource;
use crate::hub::LocalHub;
use crate::launcher::{ProcessLauncher, SiteSpace};
use crate::sqlite::{
    SqliteAccessStore, SqliteFeedbackStore, SqliteNotificationStore, SqliteSecretStore, SqliteStore,
};

pub(super) struct Composed {
    pub store: Arc<dyn DeploymentStore>,
    pub hub: Arc<LocalHub>,
    pub forwarder: Arc<LogForwarder>,
    pub launcher: Arc<ProcessLauncher>,
    pub source: Arc<dyn SourceRepository>,
    pub pipeline: Arc<Pipeline>,
    pub access: Arc<AccessService>,
    pub feedback: Arc<FeedbackService>,
    pub notifications: Arc<NotificationService>,
    pub caches: Arc<dyn DependencyCaches>,
}

/// Where builds publish sites, and how they are served.
pub(super) struct SitesPlan {
    pub dir: PathBuf,
    pub url: String,
    pub separate_users: bool,
}

pub(super) fn compose(
    data_dir: &Path,
    runner_bin: Option<PathBuf>,
    sites: &SitesPlan,
    github: Arc<GithubConnection>,
    public_url: &str,
) -> Result<Composed, ServeError> {
    let db = data_dir.join("trellis.db");
    let store: Arc<dyn DeploymentStore> = Arc::new(
        SqliteStore::open(&db).map_err(|e| ServeError::Setup(format!("{}: {e}", db.display())))?,
    );
    let secrets: Arc<dyn SecretStore> = Arc::new(
        SqliteSecretStore::open(&db)
            .map_err(|e| ServeError::Setup(format!("{}: {e}", db.display())))?,
    );
    let access = Arc::new(AccessService::new(
        Arc::new(
            SqliteAccessStore::open(&db)
                .map_err(|e| ServeError::Setup(format!("{}: {e}", db.display())))?,
        ),
        Arc::new(SystemClock),
        audit_retention()?,
    ));
    let hub = Arc::new(LocalHub::new());
    let forwarder = Arc::new(LogForwarder::new(store.clone(), hub.clone()));

    let runner_bin = runner_bin.unwrap_or_else(default_runner_bin);
    if !runner_bin.exists() {
        return Err(ServeError::Setup(format!(
            "build runner not found at {} (build it with `cargo build -p trellis-build-runner`, \
             or pass --runner-bin)",
            runner_bin.display()
        )));
    }
    let (launcher, mut exits) = ProcessLauncher::new(
        runner_bin,
        data_dir.join("runs"),
        secrets.clone(),
        forwarder.clone(),
        SiteSpace::new(sites.dir.clone(), sites.url.clone(), sites.separate_users),
        Some(github.clone()),
    );
    let caches: Arc<dyn DependencyCaches> = Arc::new(LocalDependencyCaches::new(
        data_dir.join("dependency-cache"),
        LocalDependencyCaches::max_bytes_from_env().map_err(ServeError::Setup)?,
    ));
    let launcher = Arc::new(launcher.with_caches(caches.clone()));
    let feedback = Arc::new(
        FeedbackService::new(
            Arc::new(
                SqliteFeedbackStore::open(&db)
                    .map_err(|e| ServeError::Setup(format!("{}: {e}", db.display())))?,
            ),
            store.clone(),
            Arc::new(SystemClock),
            Some(public_url.to_string()),
        )
        .with_retry_base(feedback_retry_base()?),
    );
    let notifications = Arc::new(
        NotificationService::new(
            Arc::new(
                SqliteNotificationStore::open(&db)
                    .map_err(|e| ServeError::Setup(format!("{}: {e}", db.display())))?,
            ),
            secrets.clone(),
            Arc::new(SystemClock),
            Some(public_url.to_string()),
        )
        .with_retry_base(feedback_retry_base()?),
    );
    deliver_in_background(
        feedback.clone(),
        GithubFeedback::new(github.clone()),
        notifications.clone(),
        HttpNotifications::new().map_err(|e| ServeError::Setup(e.to_string()))?,
    );
    let source: Arc<dyn SourceRepository> = Arc::new(RepositorySource {
        local: Arc::new(GitSource),
        github,
    });
    let pipeline = Arc::new(Pipeline::new(Ports {
        store: store.clone(),
        secrets,
        launcher: launcher.clone(),
        notifier: Arc::new(NotificationNotifier::new(
            Arc::new(FeedbackNotifier::new(hub.clone(), feedback.clone())),
            notifications.clone(),
        )),
        source: source.clone(),
        clock: Arc::new(SystemClock),
    }));

    // Runner exits become final statuses, one at a time, in the order they happen.
    let finisher = pipeline.clone();
    tokio::spawn(async move {
        while let Some(exit) = exits.recv().await {
            if let Err(e) = finisher
                .finish_run(&exit.deployment_id, exit.outcome, exit.cache)
                .await
            {
                tracing::error!(deployment = %exit.deployment_id, "recording the runner's end failed: {e}");
            }
        }
    });
    Ok(Composed {
        store,
        hub,
        forwarder,
        launcher,
        source,
        pipeline,
        access,
        feedback,
        notifications,
        caches,
    })
}

/// Says what is due to GitHub and to notification destinations whenever something is
/// queued, and at least every second (retries come due by time).
fn deliver_in_background(
    feedback: Arc<FeedbackService>,
    github: GithubFeedback,
    notifications: Arc<NotificationService>,
    http: HttpNotifications,
) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = feedback.deliver_due(&github, 50).await {
                tracing::warn!("reporting deployments to GitHub: {e}");
            }
            let now = time::OffsetDateTime::now_utc();
            if let Err(e) = notifications.deliver_due_at(&http, now, 50).await {
                tracing::warn!("sending notifications: {e}");
            }
            tokio::select! {
                _ = feedback.recorded() => {}
                _ = notifications.queued() => {}
                _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
            }
        }
    });
}

/// The first wait before a failed report to GitHub is tried again:
/// `TRELLIS_FEEDBACK_RETRY_MS`, 5000 by default (each next wait doubles).
fn feedback_retry_base() -> Result<std::time::Duration, ServeError> {
    match std::env::var("TRELLIS_FEEDBACK_RETRY_MS") {
        Err(_) => Ok(std::time::Duration::from_secs(5)),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(ms) if (10..=600_000).contains(&ms) => Ok(std::time::Duration::from_millis(ms)),
            _ => Err(ServeError::Setup(format!(
                "TRELLIS_FEEDBACK_RETRY_MS is {v:?}: give milliseconds from 10 to 600000"
            ))),
        },
    }
}

/// How long audit entries are kept: `TRELLIS_AUDIT_RETENTION_DAYS`, 365 by default.
fn audit_retention() -> Result<time::Duration, ServeError> {
    match std::env::var("TRELLIS_AUDIT_RETENTION_DAYS") {
        Err(_) => Ok(time::Duration::days(365)),
        Ok(v) => match v.trim().parse::<i64>() {
            Ok(days) if (1..=3650).contains(&days) => Ok(time::Duration::days(days)),
            _ => Err(ServeError::Setup(format!(
                "TRELLIS_AUDIT_RETENTION_DAYS is {v:?}: give a number of days from 1 to 3650"
            ))),
        },
    }
}

fn default_runner_bin() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("build-runner")))
        .unwrap_or_else(|| PathBuf::from("build-runner"))
}
