//! What a promotion would ship, before it is asked for: the commits the candidate has that
//! the next environment's current commit has not, and the configuration that changed there
//! since its current deployment.

use std::collections::{BTreeMap, BTreeSet};

use super::{Pipeline, snapshot};
use crate::error::{DomainError, SourceError};
use crate::model::{Commit, ConfigSnapshot};

/// The most commits one page lists.
pub const MAX_PREVIEW_PAGE: usize = 100;

/// One setting of the target environment that differs from its current deployment's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigChange {
    /// `deployCommand`, `variables.API_URL`, `secrets.STRIPE_KEY`, …
    pub setting: String,
    /// `added`, `changed` or `removed`.
    pub change: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionPreview {
    pub from: String,
    pub to: String,
    /// What would be deployed: the source environment's current commit.
    pub candidate: Commit,
    /// What the target runs now (`None`: nothing deployed there yet).
    pub current: Option<Commit>,
    /// Newest first, one page.
    pub commits: Vec<Commit>,
    /// Commits the candidate has that the target's commit has not (all pages).
    pub total: usize,
    /// Commits the target's commit has that the candidate has not (they would go away).
    pub behind: usize,
    /// Why the commits could not be listed (the repository cannot be read, a commit is gone).
    pub commits_unavailable: Option<String>,
    pub config_changes: Vec<ConfigChange>,
}

impl Pipeline {
    /// A preview of promoting `env` into the next environment; `skip` and `limit` page the
    /// commits (newest first).
    pub async fn promotion_preview(
        &self,
        app: &str,
        env: &str,
        skip: usize,
        limit: usize,
    ) -> Result<PromotionPreview, DomainError> {
        let (app_rec, envs) = self.get_app(app).await?;
        let source = envs.iter().find(|e| e.name == env).ok_or_else(|| {
            DomainError::NotFound(format!("app {app:?} has no environment named {env:?}"))
        })?;
        if source.preview.is_some() {
            return Err(DomainError::Conflict(format!(
                "{env} is a pull request's preview: previews are not promoted"
            )));
        }
        let target = envs
            .iter()
            .find(|e| e.position > source.position && e.preview.is_none())
            .ok_or_else(|| {
                DomainError::Conflict(format!(
                    "{env} is the last environment of the pipeline: there is nothing to \
                     promote to"
                ))
            })?;
        let Some(candidate) = source.current_commit.clone() else {
            return Err(DomainError::Conflict(format!(
                "{env} has no succeeded deployment to promote"
            )));
        };
        let current = target.current_commit.clone();
        let mut preview = PromotionPreview {
            from: source.name.clone(),
            to: target.name.clone(),
            candidate: candidate.clone(),
            current: current.clone(),
            commits: vec![],
            total: 0,
            behind: 0,
            commits_unavailable: None,
            config_changes: vec![],
        };
        if let Some(current) = &current
            && current.sha != candidate.sha
        {
            let limit = limit.clamp(1, MAX_PREVIEW_PAGE);
            match self
                .ports
                .source
                .compare(
                    &app_rec.repository,
                    &current.sha,
                    &candidate.sha,
                    skip,
                    limit,
                )
                .await
            {
                Ok(c) => {
                    preview.commits = c.commits.into_iter().map(crate::validate::commit).collect();
                    preview.total = c.ahead_by;
                    preview.behind = c.behind_by;
                }
                Err(
                    SourceError::Failed(m) | SourceError::NotFound(m) | SourceError::Unsupported(m),
                ) => {
                    preview.commits_unavailable = Some(m);
                }
            }
        }
        if let Some(id) = &target.current_deployment
            && let Some(deployed) = self.ports.store.get_deployment(id).await?
        {
            preview.config_changes = config_changes(&deployed.config, &snapshot(&app_rec, target));
        }
        Ok(preview)
    }
}

/// What differs between the configuration a deployment ran with and what its environment
/// would deploy with now, by name (never values: secrets' values are not compared at all).
pub fn config_changes(then: &ConfigSnapshot, now: &ConfigSnapshot) -> Vec<ConfigChange> {
    let mut changes = Vec::new();
    let mut setting = |name: &str, differs: bool| {
        if differs {
            changes.push(ConfigChange {
                setting: name.into(),
                change: "changed",
            });
        }
    };
    setting("testsEnabled", then.tests_enabled != now.tests_enabled);
    setting(
        "installCommand",
        then.install_command != now.install_command,
    );
    setting("testCommand", then.test_command != now.test_command);
    setting("deployCommand", then.deploy_command != now.deploy_command);
    setting("removeCommand", then.remove_command != now.remove_command);
    setting(
        "timeoutMinutes",
        then.timeout_minutes != now.timeout_minutes,
    );
    setting("deployRoleArn", then.deploy_role_arn != now.deploy_role_arn);
    changes.extend(keyed("variables", &then.variables, &now.variables));
    let names =
        |v: &[String]| -> BTreeMap<String, ()> { v.iter().map(|n| (n.clone(), ())).collect() };
    changes.extend(keyed(
        "secrets",
        &names(&then.secret_names),
        &names(&now.secret_names),
    ));
    changes
}

fn keyed<V: PartialEq>(
    prefix: &str,
    then: &BTreeMap<String, V>,
    now: &BTreeMap<String, V>,
) -> Vec<ConfigChange> {
    let keys: BTreeSet<&String> = then.keys().chain(now.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let change = match (then.get(k), now.get(k)) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                (Some(a), Some(b)) if a != b => "changed",
                _ => return None,
            };
            Some(ConfigChange {
                setting: format!("{prefix}.{k}"),
                change,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ConfigSnapshot {
        ConfigSnapshot {
            branch: Some("main".into()),
            tests_enabled: true,
            install_command: None,
            test_command: "npm test".into(),
            deploy_command: "npm run deploy".into(),
            remove_command: "npm run remove".into(),
            timeout_minutes: 60,
            deploy_role_arn: None,
            variables: BTreeMap::from([("A".into(), "1".into()), ("B".into(), "2".into())]),
            secret_names: vec!["KEY".into()],
        }
    }

    #[test]
    fn configuration_changes_are_named_never_valued() {
        assert_eq!(config_changes(&config(), &config()), vec![]);
        let mut now = config();
        now.branch = Some("release".into());
        assert_eq!(
            config_changes(&config(), &now),
            vec![],
            "the branch does not ship"
        );
        now.deploy_command = "npm run ship".into();
        now.variables.insert("A".into(), "one".into());
        now.variables.remove("B");
        now.variables.insert("C".into(), "3".into());
        now.secret_names = vec!["TOKEN".into()];
        let named: Vec<(String, &str)> = config_changes(&config(), &now)
            .into_iter()
            .map(|c| (c.setting, c.change))
            .collect();
        assert_eq!(
            named,
            [
                ("deployCommand".to_string(), "changed"),
                ("variables.A".to_string(), "changed"),
                ("variables.B".to_string(), "removed"),
                ("variables.C".to_string(), "added"),
                ("secrets.KEY".to_string(), "removed"),
                ("secrets.TOKEN".to_string(), "added"),
            ]
        );
    }
}
