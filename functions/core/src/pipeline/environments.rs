//! Environments: reading and changing one (branch, auto-deploy, tests, variables, secrets,
//! settings), every check before the first write.

use super::*;

impl Pipeline {
    // ----- environments ---------------------------------------------------------------------

    pub async fn get_environment(&self, app: &str, env: &str) -> Result<Environment, DomainError> {
        if self.ports.store.get_app(app).await?.is_none() {
            return Err(DomainError::NotFound(format!("no app named {app:?}")));
        }
        self.ports
            .store
            .get_environment(app, env)
            .await?
            .ok_or_else(|| {
                DomainError::NotFound(format!("app {app:?} has no environment named {env:?}"))
            })
    }

    pub async fn update_environment(
        &self,
        app: &str,
        env: &str,
        patch: EnvironmentPatch,
    ) -> Result<Environment, DomainError> {
        if let Some(Some(b)) = &patch.branch {
            validate::branch("branch", b)?;
        }
        for (field, map) in [("variables", &patch.variables), ("secrets", &patch.secrets)] {
            for (name, value) in map.iter().flatten() {
                validate::variable_name(&format!("{field}.{name}"), name)?;
                match (field, value) {
                    (_, None) => {}
                    ("secrets", Some(v)) => validate::secret_value(&format!("{field}.{name}"), v)?,
                    (_, Some(v)) => validate::variable_value(&format!("{field}.{name}"), v)?,
                }
            }
        }
        if let Some(s) = &patch.settings {
            validate::settings_patch("settings", s)?;
        }
        let patch = &patch;
        self.commit_with_retry("environment", move || async move {
            let mut e = self.get_environment(app, env).await?;
            let expected = e.version;
            if let Some(branch) = &patch.branch {
                e.branch = branch.clone();
            }
            if let Some(auto) = patch.auto_deploy {
                e.auto_deploy = auto;
            }
            if e.auto_deploy && e.protected {
                return Err(DomainError::invalid(
                    "autoDeploy",
                    format!("{env} is protected: only a promotion or rollback deploys it"),
                ));
            }
            if let Some(r) = patch.requires_approval {
                e.requires_approval = r;
            }
            if e.auto_deploy && e.requires_approval {
                let field = if patch.requires_approval == Some(true) {
                    "requiresApproval"
                } else {
                    "autoDeploy"
                };
                return Err(DomainError::invalid(
                    field,
                    format!(
                        "{env} cannot both deploy every push and wait for approval: turn \
                         auto-deploy off to require approval"
                    ),
                ));
            }
            if e.auto_deploy && e.branch.is_none() {
                return Err(DomainError::invalid(
                    "autoDeploy",
                    "auto-deploy needs a branch to track",
                ));
            }
            if let Some(t) = patch.tests_enabled {
                e.tests_enabled = t;
            }
            if let Some(c) = patch.dependency_cache {
                e.dependency_cache = c;
            }
            if let Some(vars) = &patch.variables {
                for (k, v) in vars {
                    match v {
                        Some(v) => e.variables.insert(k.clone(), v.clone()),
                        None => e.variables.remove(k),
                    };
                }
            }
            if let Some(s) = &patch.settings {
                e.settings = e.settings.patched(s);
            }
            // Every check before the first write: a refused change leaves no secret behind.
            let mut secret_names: std::collections::BTreeSet<&str> =
                e.secret_names.iter().map(String::as_str).collect();
            for (name, value) in patch.secrets.iter().flatten() {
                if e.variables.contains_key(name) && value.is_some() {
                    return Err(DomainError::invalid(
                        "secrets",
                        "a name cannot be both a variable and a secret",
                    ));
                }
                match value {
                    Some(_) => secret_names.insert(name),
                    None => secret_names.remove(name.as_str()),
                };
            }
            if e.variables
                .keys()
                .any(|k| secret_names.contains(k.as_str()))
            {
                return Err(DomainError::invalid(
                    "variables",
                    "a name cannot be both a variable and a secret",
                ));
            }
            validate::variables_total(
                "variables",
                e.variables.iter(),
                validate::MAX_VARIABLES,
                validate::MAX_VARIABLES_BYTES,
            )?;
            if secret_names.len() > validate::MAX_VARIABLES {
                return Err(DomainError::invalid(
                    "secrets",
                    format!(
                        "{} secrets; at most {} are allowed",
                        secret_names.len(),
                        validate::MAX_VARIABLES
                    ),
                ));
            }
            if let Some(secrets) = &patch.secrets {
                self.check_app_secrets_fit(app, env, secrets).await?;
                // Secret values go to the secret store first; the environment keeps names only.
                e.secret_names = self.ports.secrets.update(app, env, secrets.clone()).await?;
            }
            let write = Write::PutEnvironment(e.clone(), Expect::Version(expected));
            e.version += 1;
            Ok(Attempt::Write(vec![write], e))
        })
        .await
    }

    /// All of an app's secrets share one secret on AWS: the change must leave them within it.
    async fn check_app_secrets_fit(
        &self,
        app: &str,
        env: &str,
        change: &BTreeMap<String, Option<String>>,
    ) -> Result<(), DomainError> {
        let mut bytes = 0;
        for other in self.ports.store.list_environments(app).await? {
            let mut values = self.ports.secrets.get(app, &other.name).await?;
            if other.name == env {
                for (name, value) in change {
                    match value {
                        Some(v) => values.insert(name.clone(), v.clone()),
                        None => values.remove(name),
                    };
                }
            }
            // As stored: JSON, escapes included.
            bytes += other.name.len() + 4 + serde_json::to_string(&values).map_or(0, |j| j.len());
        }
        if bytes > validate::MAX_APP_SECRETS_BYTES {
            return Err(DomainError::invalid(
                "secrets",
                format!(
                    "the app's secrets would take about {bytes} bytes; all of an app's secrets \
                     must fit in {} (one Secrets Manager secret per app)",
                    validate::MAX_APP_SECRETS_BYTES
                ),
            ));
        }
        Ok(())
    }
}
