//! Signing in with GitHub against a stand-in: the browser's web flow ends in a session
//! cookie whose changes need the CSRF token, roles decide what each user may do, someone
//! without a role is turned away, the CLI's device flow ends in a personal token, and the
//! audit log shows each step.

use reqwest::redirect::Policy;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use trellis_e2e::*;

#[tokio::test]
async fn a_team_signs_in_with_github_and_each_role_is_held_to_its_rights() {
    let (github, server) = with_github().await;
    server.register_sample().await;
    for (login, role) in [("ada", "deployer"), ("grace", "viewer")] {
        let (status, body) = server
            .call(
                Method::PUT,
                &format!("/api/apps/sample/members/{login}"),
                Some(json!({ "role": role })),
            )
            .await;
        assert_eq!(status, 204, "{body}");
    }

    // ada signs in and comes back where she started, with an HttpOnly session cookie.
    let mut ada = Browser::new(&server);
    github.sign_in_as("ada");
    let answer = ada.sign_in("/apps/sample").await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(answer.headers()["location"], "/apps/sample");
    let session_cookie = set_cookies(&answer)
        .into_iter()
        .find(|c| c.starts_with("trellis_session="))
        .unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(session_cookie.contains(attribute), "{session_cookie}");
    }
    assert_eq!(github.secrets_seen(), [CLIENT_SECRET]);
    let me = ada.me().await;
    assert_eq!(
        (me["kind"].as_str(), me["login"].as_str()),
        (Some("user"), Some("ada"))
    );

    // The session reads; a change without the CSRF token, or from another site, is refused.
    let (status, apps) = ada.call(Method::GET, "/api/apps", None, false).await;
    assert_eq!((status, apps[0]["name"].as_str()), (200, Some("sample")));
    let token_request = Some(json!({"name": "laptop"}));
    let (status, err) = ada
        .call(Method::POST, "/api/tokens", token_request.clone(), false)
        .await;
    assert_eq!(status, 403, "{err}");
    assert!(message(&err).contains("x-csrf-token"), "{err}");
    let cross_site = ada
        .http
        .post(format!("{}/api/tokens", server.base))
        .header(
            "cookie",
            format!("trellis_session={}", ada.session.as_ref().unwrap()),
        )
        .header("x-csrf-token", ada.csrf.as_ref().unwrap())
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"name": "evil"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let (status, created) = ada
        .call(Method::POST, "/api/tokens", token_request, true)
        .await;
    assert_eq!(status, 201, "{created}");

    // A deployer cannot touch production or the settings; the refusal names the role needed.
    let (status, err) = ada
        .call(
            Method::POST,
            "/api/apps/sample/environments/production/deploy",
            Some(json!({})),
            true,
        )
        .await;
    assert_eq!(status, 403, "{err}");
    assert_eq!(
        message(&err),
        "ada may not deploy to production (protected) in sample: that needs the admin role, \
         and their role there is deployer"
    );
    let (status, err) = ada
        .call(
            Method::PATCH,
            "/api/apps/sample/environments/development",
            Some(json!({"autoDeploy": false})),
            true,
        )
        .await;
    assert_eq!(status, 403, "{err}");
    assert!(message(&err).contains("needs the admin role"), "{err}");

    // A viewer reads but cannot promote.
    let mut grace = Browser::new(&server);
    github.sign_in_as("grace");
    assert_eq!(grace.sign_in("/").await.status(), StatusCode::SEE_OTHER);
    grace.me().await;
    let (status, _) = grace
        .call(
            Method::GET,
            "/api/apps/sample/environments/staging",
            None,
            false,
        )
        .await;
    assert_eq!(status, 200);
    let (status, err) = grace
        .call(
            Method::POST,
            "/api/apps/sample/environments/development/promote",
            Some(json!({})),
            true,
        )
        .await;
    assert_eq!(status, 403, "{err}");
    assert!(message(&err).contains("needs the deployer role"), "{err}");

    // Someone with no role anywhere is turned away, and gets no session.
    let mut mallory = Browser::new(&server);
    github.sign_in_as("mallory");
    let refused = mallory.sign_in("/").await;
    // Back to the dashboard, which says why.
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    let location = refused.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("/?signInError=mallory+may+not+sign+in"),
        "{location}"
    );
    assert!(mallory.session.is_none());
    // A forged answer (another state) is refused too.
    let forged = mallory
        .http
        .get(format!(
            "{}/api/auth/github/callback?code=code-ada&state=guessed",
            server.base
        ))
        .header("cookie", "trellis_oauth_state=other|/")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::SEE_OTHER);
    assert!(
        set_cookies(&forged)
            .iter()
            .all(|c| !c.starts_with("trellis_session="))
    );
    assert!(
        forged.headers()["location"]
            .to_str()
            .unwrap()
            .contains("signInError=")
    );

    // Signing out ends the session.
    let (status, _) = grace
        .call(Method::POST, "/api/auth/logout", None, true)
        .await;
    assert_eq!(status, 204);
    let (status, err) = grace.call(Method::GET, "/api/me", None, false).await;
    assert_eq!(status, 401, "{err}");

    // The CLI's device flow: pending until the user enters the code, then a personal token.
    let (status, start) = anonymous_post(&server, "/api/auth/device", json!(null)).await;
    assert_eq!(status, 200, "{start}");
    assert_eq!(start["userCode"], "WDJB-MJHT");
    let device = json!({"deviceCode": start["deviceCode"]});
    let (_, poll) = anonymous_post(&server, "/api/auth/device/token", device.clone()).await;
    assert_eq!(poll["status"], "pending");
    github.authorise_device("device-1", "ada");
    let (_, poll) = anonymous_post(&server, "/api/auth/device/token", device.clone()).await;
    assert_eq!(
        poll["status"], "pending",
        "GitHub answers pending once more"
    );
    let (status, poll) = anonymous_post(&server, "/api/auth/device/token", device).await;
    assert_eq!(
        (status, poll["status"].as_str()),
        (200, Some("signed_in")),
        "{poll}"
    );
    let token = poll["token"].as_str().unwrap();
    assert!(token.starts_with("trl_"));
    let me: Value = reqwest::Client::new()
        .get(server.url("/api/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["login"], "ada");

    // The audit log shows each step, refusals included.
    let (status, log) = server.call(Method::GET, "/api/audit?limit=100", None).await;
    assert_eq!(status, 200, "{log}");
    let steps: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["actor"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["outcome"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "admin token member.set succeeded",
        "ada sign-in succeeded",
        "ada token.create refused",
        "ada token.create succeeded",
        "ada deploy refused",
        "ada environment.update refused",
        "grace promote refused",
        "unknown sign-in refused",
        "ada sign-in (device) succeeded",
    ] {
        assert!(
            steps.iter().any(|s| s == expected),
            "{expected:?} not in {steps:#?}"
        );
    }
    // A session user reads only the log of an app they administer.
    let (status, err) = ada.call(Method::GET, "/api/audit", None, false).await;
    assert_eq!(status, 403, "{err}");
}

async fn anonymous_post(server: &Server, path: &str, body: Value) -> (u16, Value) {
    let mut req = reqwest::Client::new().post(server.url(path));
    if !body.is_null() {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_admin_connects_github_in_a_few_clicks_and_people_sign_in_through_the_new_app() {
    let github = GithubStandIn::start().await;
    let server = Server::start_with_env(&[
        ("TRELLIS_GITHUB_URL", github.url.as_str()),
        ("TRELLIS_GITHUB_API_URL", github.url.as_str()),
        ("TRELLIS_WEBHOOK_SECRET", "the-trellis-webhook-secret"),
    ])
    .await;
    let (_, app) = server.call(Method::GET, "/api/github/app", None).await;
    assert_eq!(
        (app["connected"].as_bool(), app["signIn"].as_bool()),
        (Some(false), Some(false))
    );
    // Sign-in is off until then.
    let (status, _) = anonymous_post(&server, "/api/auth/device", json!(null)).await;
    assert_eq!(status, 404);

    // "Connect GitHub": the manifest, posted from the browser with the state cookie.
    let browser = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let start = browser
        .post(server.url("/api/github/manifest"))
        .bearer_auth(TOKEN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::OK);
    let state_cookie = set_cookies(&start)
        .into_iter()
        .find(|c| c.starts_with("trellis_manifest_state="))
        .unwrap();
    let view: Value = start.json().await.unwrap();
    let manifest = &view["manifest"];
    assert_eq!(
        manifest["hook_attributes"]["url"],
        format!("{}/api/webhooks/github", server.base)
    );
    assert_eq!(
        manifest["callback_urls"][0],
        format!("{}/api/auth/github/callback", server.base)
    );
    assert_eq!(
        manifest["default_permissions"],
        json!({"contents": "read", "metadata": "read", "deployments": "write",
            "statuses": "write", "pull_requests": "write"})
    );
    let post_url = view["postUrl"].as_str().unwrap();
    assert!(post_url.starts_with(&format!("{}/settings/apps/new?state=", github.url)));
    let created = browser
        .post(post_url)
        .form(&[("manifest", manifest.to_string())])
        .send()
        .await
        .unwrap();
    let callback = created.headers()["location"].to_str().unwrap().to_string();
    // Without this browser's state cookie the answer is refused.
    let stolen = browser.get(&callback).send().await.unwrap();
    assert_eq!(stolen.status(), StatusCode::BAD_REQUEST);
    let connected = browser
        .get(&callback)
        .header("cookie", state_cookie.split(';').next().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(connected.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        connected.headers()["location"],
        "/settings/github?connected=1"
    );
    assert_eq!(
        github.hook_secret(),
        Some(("the-trellis-webhook-secret".to_string(), true)),
        "the app signs deliveries with Trellis's secret (set with an app token)"
    );
    let (_, app) = server.call(Method::GET, "/api/github/app", None).await;
    assert_eq!(app["connected"], true);
    assert_eq!(
        app["installUrl"],
        "https://github.com/apps/trellis-test/installations/new"
    );
    assert_eq!(app["signIn"], true);
    let stored = std::fs::metadata(server.data_dir.join("github-app.json")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(stored.permissions().mode() & 0o777, 0o600);

    // People sign in through the new app at once, no restart.
    server.register_sample().await;
    server.set_role("sample", "ada", "viewer").await;
    let mut ada = Browser::new(&server);
    github.sign_in_as("ada");
    assert_eq!(ada.sign_in("/").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(ada.me().await["login"], "ada");
    // Only the admin token may change the app.
    let (status, err) = ada
        .call(Method::POST, "/api/github/manifest", Some(json!({})), true)
        .await;
    assert_eq!(status, 403, "{err}");
    let (_, log) = server.call(Method::GET, "/api/audit", None).await;
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "github.connect"),
        "{log}"
    );

    // The picker: the repositories of the app's installations, and which ada may register.
    github.install(31, "acme/shop", true);
    github.install(31, "acme/docs", false);
    github.install(32, "other/secret", true);
    github.grant("ada", "acme/shop", "admin");
    github.grant("ada", "acme/docs", "pull");
    github.branch("acme/shop", "main", &"a".repeat(40));
    github.branch("acme/shop", "feature/x", &"b".repeat(40));
    let (status, listed) = server
        .call(Method::GET, "/api/github/repositories", None)
        .await;
    assert_eq!(status, 200, "{listed}");
    let names = |v: &Value| -> Vec<String> {
        v["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["fullName"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&listed), ["acme/docs", "acme/shop", "other/secret"]);
    let (status, listed) = ada
        .call(
            Method::GET,
            "/api/github/repositories?search=ACME",
            None,
            false,
        )
        .await;
    assert_eq!(status, 200, "{listed}");
    // Nothing of a repository ada cannot read; which she may register, and why not.
    assert_eq!(names(&listed), ["acme/docs", "acme/shop"]);
    let docs = &listed["repositories"][0];
    assert_eq!(
        (
            docs["yourPermission"].as_str(),
            docs["canRegister"].as_bool()
        ),
        (Some("read"), Some(false)),
        "{docs}"
    );
    let shop = &listed["repositories"][1];
    assert_eq!(
        (
            shop["installationId"].as_u64(),
            shop["canRegister"].as_bool()
        ),
        (Some(31), Some(true)),
        "{shop}"
    );
    let (status, err) = ada
        .call(
            Method::GET,
            &format!("/api/github/repositories?search={}", "x".repeat(101)),
            None,
            false,
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("search")),
        "{err}"
    );
    let register = |name: &str, full_name: &str, installation: u64| {
        json!({"name": name, "repository": {"provider": "github", "fullName": full_name,
            "installationId": installation}})
    };
    let (status, err) = ada
        .call(
            Method::POST,
            "/api/apps",
            Some(register("docs", "acme/docs", 31)),
            true,
        )
        .await;
    assert_eq!(status, 403, "{err}");
    assert!(
        message(&err).contains("GitHub says they have read"),
        "{err}"
    );
    // Through an installation that does not hold it, the repository is nobody's.
    let (status, err) = ada
        .call(
            Method::POST,
            "/api/apps",
            Some(register("shop", "acme/shop", 32)),
            true,
        )
        .await;
    assert_eq!(status, 403, "{err}");
    assert!(message(&err).contains("no access"), "{err}");
    let (status, err) = ada
        .call(
            Method::POST,
            "/api/apps",
            Some(json!({"name": "etc", "repository": {"provider": "local", "path": "/etc"}})),
            true,
        )
        .await;
    assert_eq!(status, 403, "{err}");
    assert!(message(&err).contains("path on the server"), "{err}");
    let (status, created) = ada
        .call(
            Method::POST,
            "/api/apps",
            Some(register("shop", "acme/shop", 31)),
            true,
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["yourRole"], "admin", "{created}");
    let (status, branches) = ada
        .call(Method::GET, "/api/apps/shop/branches", None, false)
        .await;
    assert_eq!(status, 200, "{branches}");
    let branch_names: Vec<&str> = branches
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["name"].as_str())
        .collect();
    assert_eq!(branch_names, ["feature/x", "main"]);
    let (_, log) = ada
        .call(Method::GET, "/api/audit?app=shop", None, false)
        .await;
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "app.create" && e["actor"] == "ada"),
        "{log}"
    );

    // A secret store that cannot be read is the server's trouble, not a bug: 503, no detail.
    std::fs::write(server.data_dir.join("github-app.json"), b"{ truncated").unwrap();
    let (status, err) = server.call(Method::GET, "/api/github/app", None).await;
    assert_eq!(status, 503, "{err}");
    assert_eq!(err["error"]["code"], "secrets_unavailable", "{err}");
    assert!(!message(&err).contains("github-app.json"), "{err}");
}

/// The CLI with no token of its own: its credentials live in `config`.
async fn cli(server: &Server, config: &std::path::Path, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(binary("trellis"))
        .args(["--url", &server.base])
        .args(args)
        .env_remove("TRELLIS_TOKEN")
        .env("TRELLIS_CONFIG_DIR", config)
        .env("TRELLIS_DATA_DIR", config.join("no-data-dir"))
        .output()
        .await
        .expect("the CLI runs")
}

#[tokio::test]
async fn trellis_login_signs_the_cli_in_with_the_device_flow_and_logout_revokes_its_token() {
    let (github, server) = with_github().await;
    server.register_sample().await;
    server.set_role("sample", "ada", "admin").await;
    let config = tempfile::tempdir().unwrap();

    let before = cli(&server, config.path(), &["whoami"]).await;
    assert_eq!(before.status.code(), Some(3), "{before:?}");
    assert!(
        String::from_utf8_lossy(&before.stderr).contains("trellis login"),
        "{before:?}"
    );

    // ada enters the code on "GitHub" (the stand-in answers pending once, then the token).
    github.authorise_device("device-1", "ada");
    let login = cli(&server, config.path(), &["login", "--name", "ci laptop"]).await;
    assert!(login.status.success(), "{login:?}");
    assert!(String::from_utf8_lossy(&login.stderr).contains("enter the code WDJB-MJHT"));
    let saved = config.path().join("credentials.json");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(config.path())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );

    let me = cli(&server, config.path(), &["whoami"]).await;
    assert_eq!(String::from_utf8_lossy(&me.stdout).trim(), "ada", "{me:?}");
    let audit = cli(&server, config.path(), &["audit", "--app", "sample"]).await;
    assert!(audit.status.success(), "{audit:?}");
    assert!(
        String::from_utf8_lossy(&audit.stdout).contains("member.set"),
        "{audit:?}"
    );
    let (_, tokens) = server.call(Method::GET, "/api/audit?actor=ada", None).await;
    assert!(
        tokens
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "sign-in (device)")
    );

    let stored: Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    let token = stored["servers"][&server.base]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let logout = cli(&server, config.path(), &["logout"]).await;
    assert!(logout.status.success(), "{logout:?}");
    assert!(
        String::from_utf8_lossy(&logout.stdout).contains("signed out"),
        "{logout:?}"
    );
    let after = cli(&server, config.path(), &["whoami"]).await;
    assert_eq!(after.status.code(), Some(3), "{after:?}");
    let stored: Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    assert_eq!(stored["servers"], json!({}));
    // The token is revoked on the server, not only forgotten here.
    let revoked = reqwest::Client::new()
        .get(server.url("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::UNAUTHORIZED);
}

/// Opens the live socket as someone (`token`: a token, or `ticket=…`) and sends one message;
/// the reply, or the refusal's status.
async fn live_ask(
    server: &Server,
    token: Option<&str>,
    cookie: Option<(&str, &str)>,
    message: &str,
) -> Result<Value, u16> {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut url = format!("{}/api/ws", server.base.replace("http://", "ws://"));
    match token {
        Some(ticket) if ticket.starts_with("ticket=") => url.push_str(&format!("?{ticket}")),
        Some(t) => url.push_str(&format!("?token={t}")),
        None => {}
    }
    let mut request = url.into_client_request().unwrap();
    if let Some((session, origin)) = cookie {
        let h = request.headers_mut();
        h.insert(
            "cookie",
            format!("trellis_session={session}").parse().unwrap(),
        );
        h.insert("origin", origin.parse().unwrap());
    }
    let (mut socket, _) = match tokio_tungstenite::connect_async(request).await {
        Ok(s) => s,
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => return Err(r.status().as_u16()),
        Err(e) => panic!("{e}"),
    };
    socket.send(Message::Text(message.into())).await.unwrap();
    loop {
        if let Some(Ok(Message::Text(text))) = socket.next().await {
            return Ok(serde_json::from_str(text.as_str()).unwrap());
        }
    }
}

#[tokio::test]
async fn the_live_socket_knows_who_is_listening_and_what_they_may_follow() {
    let (github, server) = with_github().await;
    server.register_sample().await;
    server.set_role("sample", "grace", "viewer").await;
    let mut grace = Browser::new(&server);
    github.sign_in_as("grace");
    grace.sign_in("/").await;
    grace.me().await;
    let (_, created) = grace
        .call(
            Method::POST,
            "/api/tokens",
            Some(json!({"name": "live"})),
            true,
        )
        .await;
    let token = created["secret"].as_str().unwrap().to_string();
    let follow = r#"{"action":"subscribe","app":"sample"}"#;

    // A viewer follows the app, with her token or her session from the dashboard's own page.
    let reply = live_ask(&server, Some(&token), None, follow).await.unwrap();
    assert_eq!(reply["type"], "subscribed", "{reply}");
    let session = grace.session.clone().unwrap();
    let reply = live_ask(&server, None, Some((&session, &server.base)), follow)
        .await
        .unwrap();
    assert_eq!(reply["type"], "subscribed", "{reply}");
    // Another site's page cannot use her session; a stranger's token opens nothing.
    let other_site = live_ask(
        &server,
        None,
        Some((&session, "https://evil.example")),
        follow,
    )
    .await;
    assert_eq!(other_site, Err(403));
    assert_eq!(
        live_ask(&server, Some("trl_guess"), None, follow).await,
        Err(401)
    );
    // A socket on another origin (API Gateway's) gets no cookie: the session asks for a
    // one-use ticket, with its CSRF token; the ticket is no session and opens one socket.
    let (status, refused) = grace
        .call(Method::POST, "/api/live/ticket", None, false)
        .await;
    assert_eq!(status, 403, "{refused}");
    let (status, ticket) = grace
        .call(Method::POST, "/api/live/ticket", None, true)
        .await;
    assert_eq!(status, 201, "{ticket}");
    let ticket = format!("ticket={}", ticket["ticket"].as_str().unwrap());
    let reply = live_ask(&server, Some(&ticket), None, follow)
        .await
        .unwrap();
    assert_eq!(reply["type"], "subscribed", "{reply}");
    assert_eq!(
        live_ask(&server, Some(&ticket), None, follow).await,
        Err(401)
    );
    let (status, _) = server.call(Method::POST, "/api/live/ticket", None).await;
    assert_eq!(status, 409, "the admin token needs no ticket");
    let (_, second) = grace
        .call(Method::POST, "/api/live/ticket", None, true)
        .await;
    let as_cookie = second["ticket"].as_str().unwrap();
    let (status, _) = reqwest::Client::new()
        .get(server.url("/api/me"))
        .header("cookie", format!("trellis_session={as_cookie}"))
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(status, 401, "a ticket is not a session");

    // Without a role on the app, nothing of it can be followed.
    server.set_role("sample", "grace", "viewer").await;
    server
        .call(Method::DELETE, "/api/apps/sample/members/grace", None)
        .await;
    let reply = live_ask(&server, Some(&token), None, follow).await.unwrap();
    assert_eq!(reply["type"], "error", "{reply}");
    assert!(
        reply["message"].as_str().unwrap().contains("no role"),
        "{reply}"
    );
}
