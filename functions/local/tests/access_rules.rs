//! The access service's rules on a real store: who may do what, tokens and sessions that
//! expire or are revoked, and refusals that name the role needed.

use std::sync::{Arc, Mutex};

use trellis_core::DomainError;
use trellis_core::access::{
    AccessService, Action, Actor, AuditQuery, AuditRecord, LIVE_TICKET_LIFETIME,
    LIVE_TICKET_PREFIX, Role,
};
use trellis_core::model::Timestamp;
use trellis_core::ports::Clock;
use trellis_local::sqlite::SqliteAccessStore;

struct ManualClock(Mutex<Timestamp>);

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

impl ManualClock {
    fn advance(&self, by: time::Duration) {
        *self.0.lock().unwrap() += by;
    }
}

struct Fixture {
    access: AccessService,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteAccessStore::open(&dir.path().join("a.db")).unwrap());
    let clock = Arc::new(ManualClock(Mutex::new(
        time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000),
    )));
    let access = AccessService::new(store, clock.clone(), time::Duration::days(90));
    Fixture {
        access,
        clock,
        _dir: dir,
    }
}

fn user(login: &str) -> Actor {
    Actor::User {
        login: login.into(),
    }
}

fn env(name: &str, protected: bool) -> trellis_core::model::Environment {
    let mut e = trellis_core::conformance::environment("shop", name, 0);
    e.protected = protected;
    e
}

#[tokio::test]
async fn a_role_from_github_allows_what_it_should_and_the_refusal_names_the_role_needed() {
    let f = fixture();
    let (staging, production) = (env("staging", false), env("production", true));
    f.access
        .record_github_role("shop", "dev", Some(Role::Deployer))
        .await
        .unwrap();
    f.access
        .record_github_role("shop", "reader", Some(Role::Viewer))
        .await
        .unwrap();
    let dev = user("dev");
    assert_eq!(
        f.access
            .authorize(&dev, "shop", Action::Promote(&staging))
            .await
            .unwrap(),
        Role::Deployer
    );
    match f
        .access
        .authorize(&dev, "shop", Action::Promote(&production))
        .await
    {
        Err(DomainError::Forbidden(m)) => assert_eq!(
            m,
            "dev may not promote to production (protected) in shop: that needs the admin role, \
             and their role there is deployer"
        ),
        other => panic!("{other:?}"),
    }
    let reader = user("reader");
    assert!(
        f.access
            .authorize(&reader, "shop", Action::Read)
            .await
            .is_ok()
    );
    assert!(matches!(
        f.access
            .authorize(&reader, "shop", Action::Deploy(&staging))
            .await,
        Err(DomainError::Forbidden(_))
    ));
    // No grant on another app: no access there.
    match f.access.authorize(&dev, "blog", Action::Read).await {
        Err(DomainError::Forbidden(m)) => assert!(m.ends_with("they have no role there"), "{m}"),
        other => panic!("{other:?}"),
    }
    // The admin token is admin everywhere.
    assert_eq!(
        f.access
            .authorize(&Actor::Operator, "blog", Action::DeleteApp)
            .await
            .unwrap(),
        Role::Admin
    );
}

#[tokio::test]
async fn an_override_beats_github_and_a_role_github_stopped_confirming_lapses() {
    let f = fixture();
    let dev = user("dev");
    f.access
        .record_github_role("shop", "dev", Some(Role::Admin))
        .await
        .unwrap();
    f.access
        .set_role(&Actor::Operator, "shop", "dev", Some(Role::Viewer))
        .await
        .unwrap();
    assert_eq!(
        f.access.role(&dev, "shop").await.unwrap(),
        Some(Role::Viewer)
    );
    f.access
        .set_role(&Actor::Operator, "shop", "dev", None)
        .await
        .unwrap();
    assert_eq!(
        f.access.role(&dev, "shop").await.unwrap(),
        Some(Role::Admin)
    );
    f.clock.advance(time::Duration::hours(25));
    assert_eq!(f.access.role(&dev, "shop").await.unwrap(), None);
    assert!(matches!(
        f.access
            .set_role(&Actor::Operator, "shop", "not a login", Some(Role::Admin))
            .await,
        Err(DomainError::Invalid { field, .. }) if field == "login"
    ));
}

#[tokio::test]
async fn a_personal_token_acts_for_its_owner_until_it_expires_or_is_revoked() {
    let f = fixture();
    let (token, secret) = f.access.create_token("ada", "laptop", 30).await.unwrap();
    assert!(secret.starts_with("trl_") && secret.len() > 60);
    assert_ne!(token.hash, secret, "only the hash is kept");
    assert_eq!(
        f.access.actor_for_token(&secret).await.unwrap(),
        Some(user("ada"))
    );
    let listed = f.access.tokens_of("ada").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some(), "use is recorded");
    assert_eq!(f.access.actor_for_token("trl_guess").await.unwrap(), None);
    // Someone else cannot revoke it.
    assert!(matches!(
        f.access.revoke_token("mallory", &token.id).await,
        Err(DomainError::NotFound(_))
    ));
    f.clock.advance(time::Duration::days(31));
    assert_eq!(f.access.actor_for_token(&secret).await.unwrap(), None);
    let (second, secret2) = f.access.create_token("ada", "ci", 1).await.unwrap();
    f.access.revoke_token("ada", &second.id).await.unwrap();
    assert_eq!(f.access.actor_for_token(&secret2).await.unwrap(), None);
    for (name, days, field) in [
        ("", 30, "name"),
        ("x", 0, "expiresInDays"),
        ("x", 367, "expiresInDays"),
    ] {
        match f.access.create_token("ada", name, days).await {
            Err(DomainError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_live_ticket_opens_one_socket_within_its_minute_and_is_no_session() {
    let f = fixture();
    assert!(matches!(
        f.access.issue_live_ticket(&Actor::Operator).await,
        Err(trellis_core::DomainError::Conflict(_))
    ));
    let ticket = f.access.issue_live_ticket(&user("ada")).await.unwrap();
    assert!(ticket.secret.starts_with(LIVE_TICKET_PREFIX));
    assert_eq!(f.access.session(&ticket.secret).await.unwrap(), None);
    assert_eq!(
        f.access.redeem_live_ticket(&ticket.secret).await.unwrap(),
        Some(user("ada"))
    );
    assert_eq!(
        f.access.redeem_live_ticket(&ticket.secret).await.unwrap(),
        None
    );

    let late = f.access.issue_live_ticket(&user("ada")).await.unwrap();
    f.clock.advance(LIVE_TICKET_LIFETIME);
    assert_eq!(
        f.access.redeem_live_ticket(&late.secret).await.unwrap(),
        None
    );

    // A session's secret is not a ticket; signing out everywhere ends unused tickets.
    let (_, session) = f
        .access
        .start_session("ada", time::Duration::hours(8))
        .await
        .unwrap();
    assert_eq!(f.access.redeem_live_ticket(&session).await.unwrap(), None);
    assert!(f.access.session(&session).await.unwrap().is_some());
    let unused = f.access.issue_live_ticket(&user("ada")).await.unwrap();
    f.access.end_sessions_of("ada").await.unwrap();
    assert_eq!(
        f.access.redeem_live_ticket(&unused.secret).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn sessions_expire_and_end() {
    let f = fixture();
    let (_, secret) = f
        .access
        .start_session("ada", time::Duration::hours(8))
        .await
        .unwrap();
    assert_eq!(
        f.access.session(&secret).await.unwrap().map(|s| s.login),
        Some("ada".into())
    );
    f.clock.advance(time::Duration::hours(8));
    assert_eq!(f.access.session(&secret).await.unwrap(), None);
    let (_, other) = f
        .access
        .start_session("ada", time::Duration::hours(8))
        .await
        .unwrap();
    f.access.end_sessions_of("ada").await.unwrap();
    assert_eq!(f.access.session(&other).await.unwrap(), None);
}

#[tokio::test]
async fn the_audit_log_keeps_entries_for_the_retention_and_classifies_outcomes() {
    let f = fixture();
    for status in [202, 403, 409] {
        f.access
            .record(AuditRecord {
                actor: "ada".into(),
                action: "promote".into(),
                app: Some("shop".into()),
                target: "shop/production".into(),
                request_id: format!("r{status}"),
                status,
                detail: None,
            })
            .await
            .unwrap();
    }
    let all = AuditQuery {
        limit: 10,
        ..Default::default()
    };
    let outcomes: Vec<String> = f
        .access
        .audit(all.clone())
        .await
        .unwrap()
        .iter()
        .map(|e| format!("{:?}", e.outcome))
        .collect();
    assert_eq!(outcomes, ["Failed", "Refused", "Succeeded"]);
    f.clock.advance(time::Duration::days(91));
    assert!(f.access.audit(all).await.unwrap().is_empty());
}

/// What GitHub says now, per (repository, login); a repository named `broken` fails.
struct Permissions(std::collections::HashMap<(String, String), String>);

#[async_trait::async_trait]
impl trellis_core::access::RepositoryPermissions for Permissions {
    async fn collaborator_permission(
        &self,
        repository: &trellis_core::model::Repository,
        login: &str,
    ) -> Result<Option<String>, trellis_core::SourceError> {
        let trellis_core::model::Repository::Github { full_name, .. } = repository else {
            panic!("local repositories are not asked about");
        };
        if full_name == "acme/broken" {
            return Err(trellis_core::SourceError::Failed("HTTP 502".into()));
        }
        Ok(self.0.get(&(full_name.clone(), login.to_string())).cloned())
    }
}

fn github_app(name: &str, repo: &str) -> trellis_core::model::App {
    let mut app = trellis_core::conformance::app(name);
    app.repository = trellis_core::model::Repository::Github {
        full_name: repo.into(),
        installation_id: 1,
    };
    app
}

#[tokio::test]
async fn the_schedule_asks_github_again_for_old_roles_only_and_one_failure_stops_nothing() {
    let f = fixture();
    for (app, login, role) in [
        ("shop", "ada", Role::Admin),
        ("shop", "grace", Role::Deployer),
        ("shop", "linus", Role::Viewer),
        ("broken", "ada", Role::Viewer),
    ] {
        f.access
            .record_github_role(app, login, Some(role))
            .await
            .unwrap();
    }
    f.access
        .set_role(&Actor::Operator, "shop", "ada", Some(Role::Viewer))
        .await
        .unwrap();
    f.clock.advance(time::Duration::hours(7));
    // A role recorded just now is not asked about again.
    f.access
        .record_github_role("shop", "new", Some(Role::Viewer))
        .await
        .unwrap();
    let now = Permissions(
        [
            (
                ("acme/shop".to_string(), "ada".to_string()),
                "admin".to_string(),
            ),
            (
                ("acme/shop".to_string(), "grace".to_string()),
                "read".to_string(),
            ),
        ]
        .into(),
    );
    let apps = [
        github_app("shop", "acme/shop"),
        github_app("broken", "acme/broken"),
        trellis_core::conformance::app("local"),
    ];
    let summary = f
        .access
        .refresh_github_roles(&now, &apps, trellis_core::access::GITHUB_ROLE_REFRESH)
        .await;
    assert_eq!(
        (summary.checked, summary.changed, summary.removed),
        (4, 1, 1),
        "{summary:?}"
    );
    assert_eq!(summary.errors.len(), 1, "{summary:?}");
    assert!(summary.errors[0].starts_with("broken/ada"), "{summary:?}");
    // grace lost write access on GitHub, linus all access; ada's override still decides.
    assert_eq!(
        f.access.role(&user("grace"), "shop").await.unwrap(),
        Some(Role::Viewer)
    );
    assert_eq!(f.access.role(&user("linus"), "shop").await.unwrap(), None);
    assert_eq!(
        f.access.role(&user("ada"), "shop").await.unwrap(),
        Some(Role::Viewer)
    );
    // Refreshed roles no longer lapse when the original day is over.
    f.clock.advance(time::Duration::hours(20));
    assert_eq!(
        f.access.role(&user("grace"), "shop").await.unwrap(),
        Some(Role::Viewer)
    );
}
