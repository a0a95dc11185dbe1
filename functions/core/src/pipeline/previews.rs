//! Pull-request previews: an app that enables them gets an environment `pr-<number>` per open
//! pull request, made from a chosen environment's settings and variables, deployed at every
//! push to it with that environment's secrets (read at launch, never copied) — none for a
//! fork, whose deployments also wait for approval. Closing the pull request tears the preview down, and the
//! environment goes once it is. Previews stand beside the pipeline: never promoted from or to.

use super::*;
use crate::model::PreviewOf;
use crate::requests::{PullRequestAction, PullRequestEvent};

/// At most this many previews per app at once.
pub const MAX_PREVIEWS: usize = 20;
/// Previews sort after every pipeline environment.
const PREVIEW_POSITION: u32 = 1000;

pub fn preview_name(number: u64) -> String {
    format!("pr-{number}")
}

impl Pipeline {
    /// Turns previews on (`Some(base environment)`) or off for an app.
    pub async fn set_previews(&self, app: &str, from: Option<String>) -> Result<App, DomainError> {
        let from = &from;
        self.commit_with_retry("app", move || async move {
            let (mut a, envs) = self.get_app(app).await?;
            if let Some(base) = from
                && !envs.iter().any(|e| &e.name == base && e.preview.is_none())
            {
                return Err(DomainError::invalid(
                    "previews.baseEnvironment",
                    format!("{app} has no pipeline environment named {base:?}"),
                ));
            }
            if a.previews_from == *from {
                return Ok(Attempt::Done(a));
            }
            let v = a.version;
            a.previews_from = from.clone();
            let write = Write::PutApp(a.clone(), Expect::Version(v));
            a.version = v + 1;
            Ok(Attempt::Write(vec![write], a))
        })
        .await
    }

    /// A pull request's event: its preview in every app of the repository that has them.
    pub async fn pull_request(&self, ev: PullRequestEvent) -> Result<Vec<Deployment>, DomainError> {
        let mut started = Vec::new();
        for app in self.ports.store.list_apps().await? {
            if app.repository.key() != ev.repository_key {
                continue;
            }
            let by = format!(
                "pull request #{}{}",
                ev.number,
                ev.sender
                    .as_deref()
                    .map(|s| format!(" by {s}"))
                    .unwrap_or_default()
            );
            match ev.action {
                PullRequestAction::Updated => {
                    let Some(base) = &app.previews_from else {
                        continue;
                    };
                    self.ensure_preview(&app, base, &ev).await?;
                    let dep = self
                        .enqueue(
                            &app,
                            &preview_name(ev.number),
                            (DeploymentKind::Deploy, Trigger::Push),
                            ev.head.clone(),
                            Origin::Fresh,
                            Some(&by),
                        )
                        .await?;
                    started.push(dep);
                }
                // Even with previews turned off since: those made before still go.
                PullRequestAction::Closed => {
                    if let Some(dep) = self.close_preview(&app, ev.number, &by).await? {
                        started.push(dep);
                    }
                }
            }
        }
        Ok(started)
    }

    async fn ensure_preview(
        &self,
        app: &App,
        base: &str,
        ev: &PullRequestEvent,
    ) -> Result<(), DomainError> {
        let name = preview_name(ev.number);
        self.commit_with_retry("environment", || async {
            let envs = self.ports.store.list_environments(&app.name).await?;
            if envs.iter().any(|e| e.name == name) {
                return Ok(Attempt::Done(()));
            }
            if envs.iter().filter(|e| e.preview.is_some()).count() >= MAX_PREVIEWS {
                return Err(DomainError::Conflict(format!(
                    "{} has {MAX_PREVIEWS} previews already: close a pull request first",
                    app.name
                )));
            }
            let from = envs.iter().find(|e| e.name == base).ok_or_else(|| {
                DomainError::Conflict(format!(
                    "previews are made from {base}, which {} no longer has",
                    app.name
                ))
            })?;
            let preview = Environment {
                app: app.name.clone(),
                name: name.clone(),
                position: PREVIEW_POSITION + u32::try_from(ev.number % 100_000).unwrap_or(0),
                branch: Some(ev.head_ref.clone()),
                auto_deploy: false,
                protected: false,
                // A fork's code runs only after someone looked at it.
                requires_approval: ev.fork,
                tests_enabled: from.tests_enabled,
                // Its own cache, never its base's: a pull request cannot fill the base's.
                dependency_cache: from.dependency_cache,
                state: EnvState::Empty,
                current_deployment: None,
                current_commit: None,
                running_deployment: None,
                queued_deployment: None,
                variables: from.variables.clone(),
                secret_names: if ev.fork {
                    vec![]
                } else {
                    from.secret_names.clone()
                },
                settings: from.settings.clone(),
                preview: Some(PreviewOf {
                    number: ev.number,
                    head_ref: ev.head_ref.clone(),
                    head_repository: ev.head_repository.clone(),
                    fork: ev.fork,
                    closed: false,
                }),
                version: 0,
            };
            Ok(Attempt::Write(
                vec![Write::PutEnvironment(preview, Expect::Absent)],
                (),
            ))
        })
        .await
    }

    /// A closed pull request: a preview with nothing deployed goes at once; otherwise it is
    /// torn down, and goes when that ends (see [`Pipeline::remove_closed_preview`]).
    async fn close_preview(
        &self,
        app: &App,
        number: u64,
        by: &str,
    ) -> Result<Option<Deployment>, DomainError> {
        let name = preview_name(number);
        let Some(mut e) = self.ports.store.get_environment(&app.name, &name).await? else {
            return Ok(None);
        };
        let Some(mut preview) = e.preview.clone() else {
            return Ok(None);
        };
        // What a teardown would remove: the deployed commit, or the first one still running.
        let deployed = match (&e.current_commit, &e.running_deployment) {
            (Some(c), _) => Some(c.clone()),
            (None, Some(running)) => Some(self.require_deployment(running).await?.commit),
            (None, None) => None,
        };
        let Some(commit) = deployed else {
            if let Some(queued) = e.queued_deployment.clone() {
                self.cancel(&queued).await?;
            }
            self.remove_closed_preview(&app.name, &name).await?;
            return Ok(None);
        };
        preview.closed = true;
        let v = e.version;
        e.preview = Some(preview);
        // Its teardown runs code that was already let through.
        e.requires_approval = false;
        self.ports
            .store
            .commit(vec![Write::PutEnvironment(e, Expect::Version(v))])
            .await?;
        self.enqueue(
            app,
            &name,
            (DeploymentKind::Teardown, Trigger::Push),
            commit,
            Origin::Fresh,
            Some(by),
        )
        .await
        .map(Some)
    }

    /// Deletes a closed preview's environment once nothing runs there (it has no secrets of
    /// its own).
    pub(super) async fn remove_closed_preview(
        &self,
        app: &str,
        name: &str,
    ) -> Result<(), DomainError> {
        let Some(e) = self.ports.store.get_environment(app, name).await? else {
            return Ok(());
        };
        if e.preview.is_none() || e.running_deployment.is_some() || e.queued_deployment.is_some() {
            return Ok(());
        }
        self.ports
            .store
            .commit(vec![Write::DeleteEnvironment {
                app: app.into(),
                name: name.into(),
                version: e.version,
            }])
            .await?;
        Ok(())
    }
}
