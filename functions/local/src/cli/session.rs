//! Signing the CLI in and out (GitHub's device flow), who it acts as, and the audit log.

use std::time::Duration;

use trellis_http::views::{
    AuditEntryView, DeviceStartView, DeviceTokenRequest, DeviceTokenView, MeView,
};

use super::credentials::{self, StoredLogin};
use super::output::decode;
use super::*;

fn unexpected(message: String) -> CliError {
    CliError {
        code: EXIT_API_ERROR,
        message,
    }
}

impl Client {
    /// Shows the code to enter on GitHub, waits for it at GitHub's pace, and saves the
    /// personal token the server answers with.
    pub(super) async fn login(&self, name: Option<String>) -> CliResult<()> {
        let start: DeviceStartView = decode(
            &self
                .post("/api/auth/device", &serde_json::json!(null))
                .await?,
        )
        .map_err(unexpected)?;
        eprintln!(
            "To sign in, open {} and enter the code {}",
            start.verification_uri, start.user_code
        );
        let mut interval = start.interval;
        let request = DeviceTokenRequest {
            device_code: start.device_code,
            name: Some(name.unwrap_or_else(default_token_name)),
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(start.expires_in);
        loop {
            let answer: DeviceTokenView =
                decode(&self.post("/api/auth/device/token", &request).await?)
                    .map_err(unexpected)?;
            match answer.status.as_str() {
                "signed_in" => {
                    let (Some(login), Some(token), Some(token_id)) =
                        (answer.login, answer.token, answer.token_id)
                    else {
                        return Err(unexpected("signed in, but no token came back".into()));
                    };
                    let path = credentials::save(
                        &self.url,
                        StoredLogin {
                            login: login.clone(),
                            token,
                            token_id,
                        },
                    )?;
                    println!(
                        "Signed in to {} as {login}; the token (90 days) is in {}",
                        self.url,
                        path.display()
                    );
                    return Ok(());
                }
                "pending" => {}
                "slow_down" => interval = answer.interval.unwrap_or(interval + 5),
                "expired" => {
                    return Err(unexpected(
                        "the code expired: run `trellis login` again".into(),
                    ));
                }
                "denied" => return Err(unexpected("the sign-in was declined on GitHub".into())),
                other => return Err(unexpected(format!("unexpected sign-in status {other:?}"))),
            }
            if std::time::Instant::now() >= deadline {
                return Err(unexpected(
                    "the code expired: run `trellis login` again".into(),
                ));
            }
            // GitHub's device flow asks clients to wait this long between polls.
            tokio::time::sleep(Duration::from_secs(interval)).await;
        }
    }

    /// Revokes the saved token on the server and forgets it.
    pub(super) async fn logout(&self) -> CliResult<()> {
        let Some(stored) = credentials::load(&self.url) else {
            println!("not signed in to {}", self.url);
            return Ok(());
        };
        let revoked = self
            .call(
                reqwest::Method::DELETE,
                &format!("/api/tokens/{}", stored.token_id),
                None,
            )
            .await;
        credentials::forget(&self.url)?;
        match revoked {
            Ok(_) => println!("signed out of {} ({})", self.url, stored.login),
            // Already revoked or expired: forgetting it is all there is to do.
            Err(e) => println!("forgot the token for {} ({})", self.url, e.message),
        }
        Ok(())
    }

    pub(super) async fn whoami(&self) -> CliResult<()> {
        let me = self.get("/api/me").await?;
        self.print(&me, |v| match decode::<MeView>(v) {
            Ok(MeView {
                login: Some(login), ..
            }) => login,
            Ok(_) => "the admin token".into(),
            Err(unexpected) => unexpected,
        });
        Ok(())
    }

    pub(super) async fn audit(
        &self,
        app: Option<String>,
        actor: Option<String>,
        since: Option<String>,
        limit: u32,
    ) -> CliResult<()> {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("limit", &limit.to_string());
        for (k, v) in [("app", app), ("actor", actor), ("since", since)] {
            if let Some(v) = v {
                query.append_pair(k, &v);
            }
        }
        let list = self.get(&format!("/api/audit?{}", query.finish())).await?;
        self.print(&list, |v| match decode::<Vec<AuditEntryView>>(v) {
            Ok(entries) if entries.is_empty() => "no entries".into(),
            Ok(entries) => entries
                .iter()
                .map(|e| {
                    format!(
                        "{} {:<12} {:<20} {:<28} {} {}{}",
                        e.at,
                        e.actor,
                        e.action,
                        e.target,
                        e.outcome,
                        e.status,
                        e.detail
                            .as_deref()
                            .map(|d| format!(" — {d}"))
                            .unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Err(unexpected) => unexpected,
        });
        Ok(())
    }
}

fn default_token_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this machine".into());
    format!("trellis login on {host}")
}
