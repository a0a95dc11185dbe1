//! What a route asks for, by name, checked against the records as they are now: whether an
//! environment is protected, which environment a promotion lands in, where a deployment runs.

use super::{AccessService, Action, Actor, Role};
use crate::error::DomainError;
use crate::model::{Environment, Repository};
use crate::pipeline::Pipeline;

/// A request, by the names in its path.
#[derive(Debug, Clone, Copy)]
pub enum Ask<'a> {
    Read,
    Deploy(&'a str),
    /// Promotion from this environment into the next one.
    Promote(&'a str),
    Rollback(&'a str),
    Teardown(&'a str),
    Configure(&'a str),
    ConfigureApp,
    DeleteApp,
    ManageMembers,
    Approve(&'a str),
}

impl AccessService {
    /// The actor's role on `app` if it allows the request; a 403 naming the role needed if
    /// not. Someone with no role on the app learns nothing more about it (not even whether
    /// an environment exists).
    pub async fn check(
        &self,
        pipeline: &Pipeline,
        actor: &Actor,
        app: &str,
        ask: Ask<'_>,
    ) -> Result<Role, DomainError> {
        if self.role(actor, app).await?.is_none() {
            return self.authorize(actor, app, Action::Read).await;
        }
        let target: Environment;
        let action = match ask {
            Ask::Read => Action::Read,
            Ask::ConfigureApp => Action::ConfigureApp,
            Ask::DeleteApp => Action::DeleteApp,
            Ask::ManageMembers => Action::ManageMembers,
            Ask::Deploy(name) => {
                target = pipeline.get_environment(app, name).await?;
                Action::Deploy(&target)
            }
            Ask::Promote(from) => {
                target = next_environment(pipeline, app, from).await?;
                Action::Promote(&target)
            }
            Ask::Rollback(name) => {
                target = pipeline.get_environment(app, name).await?;
                Action::Rollback(&target)
            }
            Ask::Teardown(name) => {
                target = pipeline.get_environment(app, name).await?;
                Action::Teardown(&target)
            }
            Ask::Configure(name) => {
                target = pipeline.get_environment(app, name).await?;
                Action::Configure(&target)
            }
            Ask::Approve(name) => {
                target = pipeline.get_environment(app, name).await?;
                Action::Approve(&target)
            }
        };
        self.authorize(actor, app, action).await
    }

    /// Cancelling a deployment needs the role its environment asks for.
    pub async fn check_cancel(
        &self,
        pipeline: &Pipeline,
        actor: &Actor,
        deployment: &str,
    ) -> Result<Role, DomainError> {
        self.check_on_deployment(pipeline, actor, deployment, |e| Action::Cancel(e))
            .await
    }

    /// Approving or rejecting a deployment needs an admin of its environment.
    pub async fn check_approval(
        &self,
        pipeline: &Pipeline,
        actor: &Actor,
        deployment: &str,
    ) -> Result<Role, DomainError> {
        self.check_on_deployment(pipeline, actor, deployment, |e| Action::Approve(e))
            .await
    }

    /// An action on a deployment, judged by the environment it is in.
    async fn check_on_deployment(
        &self,
        pipeline: &Pipeline,
        actor: &Actor,
        deployment: &str,
        action: for<'e> fn(&'e Environment) -> Action<'e>,
    ) -> Result<Role, DomainError> {
        let d = pipeline.require_deployment(deployment).await?;
        if self.role(actor, &d.app).await?.is_none() {
            // Not "no such deployment": an outsider may not learn which ids exist.
            return self.authorize(actor, &d.app, Action::Read).await;
        }
        let env = pipeline.get_environment(&d.app, &d.environment).await?;
        self.authorize(actor, &d.app, action(&env)).await
    }

    /// Reading a deployment (and its log) needs a role on its app.
    pub async fn check_read_deployment(
        &self,
        pipeline: &Pipeline,
        actor: &Actor,
        deployment: &str,
    ) -> Result<Role, DomainError> {
        let d = pipeline.require_deployment(deployment).await?;
        self.authorize(actor, &d.app, Action::Read).await
    }
}

/// The environment a promotion from `from` lands in (the pipeline decides the same way).
async fn next_environment(
    pipeline: &Pipeline,
    app: &str,
    from: &str,
) -> Result<Environment, DomainError> {
    let (_, envs) = pipeline.get_app(app).await?;
    let source = envs.iter().find(|e| e.name == from).ok_or_else(|| {
        DomainError::NotFound(format!("app {app:?} has no environment named {from:?}"))
    })?;
    envs.iter()
        .filter(|e| e.position > source.position)
        .min_by_key(|e| e.position)
        .cloned()
        .ok_or_else(|| {
            DomainError::Conflict(format!(
                "{from} is the last environment of the pipeline: there is nothing to promote to"
            ))
        })
}

/// Registering an app: the admin token, or a signed-in user who administers the GitHub
/// repository (`github_permission`: theirs, as GitHub reported it just before). A local
/// repository is a path on the server's disk: the admin token only. Returns the role to
/// give the user on the new app.
pub fn check_create_app(
    actor: &Actor,
    repository: &Repository,
    github_permission: Option<&str>,
) -> Result<Option<Role>, DomainError> {
    let Actor::User { login } = actor else {
        return Ok(None);
    };
    let Repository::Github { full_name, .. } = repository else {
        return Err(DomainError::Forbidden(format!(
            "{login} may not register an app from a path on the server: that needs the \
             admin token (pick a GitHub repository instead)"
        )));
    };
    match github_permission.and_then(Role::from_github_permission) {
        Some(Role::Admin) => Ok(Some(Role::Admin)),
        held => Err(DomainError::Forbidden(format!(
            "{login} may not register {full_name}: that needs the admin or maintain \
             permission on the repository, and GitHub says they have {}",
            match (github_permission, held) {
                (Some(p), Some(_)) => p,
                _ => "no access through Trellis's GitHub App",
            }
        ))),
    }
}
