use super::*;
use crate::model::{EnvState, Repository, Settings};

fn env(name: &str, protected: bool) -> Environment {
    Environment {
        app: "shop".into(),
        name: name.into(),
        position: 0,
        branch: None,
        auto_deploy: false,
        protected,
        requires_approval: false,
        preview: None,
        tests_enabled: false,
        dependency_cache: true,
        state: EnvState::Empty,
        current_deployment: None,
        current_commit: None,
        running_deployment: None,
        queued_deployment: None,
        variables: Default::default(),
        secret_names: vec![],
        settings: Settings::default(),
        version: 1,
    }
}

fn grant(role: Role, source: GrantSource, age_hours: i64) -> Grant {
    Grant {
        app: "shop".into(),
        login: "ada".into(),
        role,
        source,
        granted_by: "github".into(),
        updated_at: time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(1000)
            - time::Duration::hours(age_hours),
    }
}

#[test]
fn viewers_read_deployers_act_outside_protected_environments_admins_do_the_rest() {
    let staging = env("staging", false);
    let production = env("production", true);
    let cases = [
        (Action::Read, Role::Viewer),
        (Action::Deploy(&staging), Role::Deployer),
        (Action::Promote(&staging), Role::Deployer),
        (Action::Rollback(&staging), Role::Deployer),
        (Action::Cancel(&staging), Role::Deployer),
        (Action::Deploy(&production), Role::Admin),
        (Action::Promote(&production), Role::Admin),
        (Action::Rollback(&production), Role::Admin),
        (Action::Cancel(&production), Role::Admin),
        (Action::Teardown(&staging), Role::Admin),
        (Action::Configure(&staging), Role::Admin),
        (Action::ConfigureApp, Role::Admin),
        (Action::DeleteApp, Role::Admin),
        (Action::ManageMembers, Role::Admin),
        (Action::Approve(&production), Role::Admin),
        (Action::ReadAudit, Role::Admin),
    ];
    for (action, role) in cases {
        assert_eq!(required_role(&action), role, "{}", action.describe());
    }
    assert!(Role::Viewer < Role::Deployer && Role::Deployer < Role::Admin);
}

#[test]
fn github_permissions_map_to_roles() {
    for (p, r) in [
        ("read", Some(Role::Viewer)),
        ("pull", Some(Role::Viewer)),
        ("triage", Some(Role::Viewer)),
        ("write", Some(Role::Deployer)),
        ("push", Some(Role::Deployer)),
        ("maintain", Some(Role::Admin)),
        ("admin", Some(Role::Admin)),
        ("none", None),
        ("", None),
    ] {
        assert_eq!(Role::from_github_permission(p), r, "{p:?}");
    }
}

#[test]
fn an_override_beats_github_and_a_stale_github_role_no_longer_counts() {
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(1000);
    let fresh = grant(Role::Admin, GrantSource::Github, 1);
    let stale = grant(Role::Admin, GrantSource::Github, 25);
    let lowered = grant(Role::Viewer, GrantSource::Override, 500);
    assert_eq!(
        effective_role(std::slice::from_ref(&fresh), now, GITHUB_ROLE_MAX_AGE),
        Some(Role::Admin)
    );
    assert_eq!(effective_role(&[stale], now, GITHUB_ROLE_MAX_AGE), None);
    assert_eq!(
        effective_role(&[fresh, lowered], now, GITHUB_ROLE_MAX_AGE),
        Some(Role::Viewer)
    );
    assert_eq!(effective_role(&[], now, GITHUB_ROLE_MAX_AGE), None);
}

#[test]
fn an_audit_query_filters_by_app_actor_time_and_page() {
    let at = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(10);
    let entry = AuditEntry {
        id: "01B".into(),
        at,
        actor: "ada".into(),
        action: "promote".into(),
        app: Some("shop".into()),
        target: "shop/production".into(),
        request_id: "r1".into(),
        outcome: AuditOutcome::Succeeded,
        status: 202,
        detail: None,
        expires_at: at + time::Duration::days(90),
    };
    let all = AuditQuery {
        limit: 10,
        ..Default::default()
    };
    assert!(all.matches(&entry));
    let q = |f: fn(&mut AuditQuery)| {
        let mut q = all.clone();
        f(&mut q);
        q.matches(&entry)
    };
    assert!(!q(|q| q.app = Some("blog".into())));
    assert!(!q(|q| q.actor = Some("grace".into())));
    assert!(q(|q| q.since = Some(time::OffsetDateTime::UNIX_EPOCH)));
    assert!(!q(|q| q.until = Some(time::OffsetDateTime::UNIX_EPOCH)));
    assert!(!q(|q| q.before = Some("01A".into())));
    assert!(q(|q| q.before = Some("01C".into())));
    assert!(!q(|q| q.now = Some(
        time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(101)
    )));
}

#[test]
fn a_user_registers_an_app_only_for_a_github_repository_they_administer() {
    let ada = Actor::User {
        login: "ada".into(),
    };
    let github = Repository::Github {
        full_name: "acme/shop".into(),
        installation_id: 7,
    };
    let local = Repository::Local {
        path: "/etc".into(),
    };
    assert_eq!(
        check_create_app(&Actor::Operator, &local, None).unwrap(),
        None
    );
    for held in ["admin", "maintain"] {
        assert_eq!(
            check_create_app(&ada, &github, Some(held)).unwrap(),
            Some(Role::Admin)
        );
    }
    for (held, says) in [
        (Some("write"), "GitHub says they have write"),
        (Some("read"), "GitHub says they have read"),
        (None, "no access through Trellis's GitHub App"),
        (Some("nonsense"), "no access through Trellis's GitHub App"),
    ] {
        let refused = check_create_app(&ada, &github, held)
            .unwrap_err()
            .to_string();
        assert!(refused.contains("admin or maintain"), "{refused}");
        assert!(refused.contains(says), "{refused}");
    }
    let refused = check_create_app(&ada, &local, Some("admin"))
        .unwrap_err()
        .to_string();
    assert!(refused.contains("path on the server"), "{refused}");
}
