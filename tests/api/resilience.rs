//! Kratos and Keto failing: every answer is 503 (never 500, never an allow), and
//! the service recovers when they are back. Each test stops the real services
//! of a stack of its own. The session cache is off where a test needs every
//! request to reach Kratos; one test shows what the cache changes.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, ory::OryStack, problem, spawn_app_on, unique_email};

/// Every request asks Kratos.
const NO_CACHE: (&str, &str) = ("APP_SESSION_CACHE_TTL_MS", "0");

#[tokio::test]
async fn kratos_stopped_mid_session_is_503_and_recovers() {
    let fault = OryStack::faulty().await;
    let ory = fault.stack();
    let app = spawn_app_on(ory, &[NO_CACHE]).await;
    let (token, _) = app.register_new().await;
    assert_eq!(app.whoami(&token).await.status(), 200);
    let providers = || app.get("/api/auth/social/providers").send();
    let listed = providers().await.unwrap();
    assert_eq!(listed.status(), 200);
    let listed: Value = listed.json().await.unwrap();
    assert!(!listed.as_array().unwrap().is_empty(), "kratos/kratos.yml names a provider: {listed}");

    tokio::task::spawn_blocking(|| ory.stop_kratos()).await.unwrap();
    // The providers are Kratos' configuration, read once a minute (each read is
    // a flow Kratos stores): the list is still there; a replica that never read
    // it cannot know it.
    let again = providers().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap(), listed);
    let fresh = spawn_app_on(ory, &[NO_CACHE]).await;
    problem(fresh.get("/api/auth/social/providers").send().await.unwrap(), 503, "service_unavailable").await;
    let whoami = app.whoami(&token).await;
    assert_eq!(whoami.headers()["retry-after"], "5");
    let body = problem(whoami, 503, "service_unavailable").await;
    assert!(!body["detail"].as_str().unwrap().contains("127.0.0.1"), "no internals leak: {body}");
    problem(app.home(&token).await, 503, "service_unavailable").await;
    problem(app.login(&unique_email(), PASSWORD).await, 503, "service_unavailable").await;
    problem(app.register(&unique_email(), "Ada", PASSWORD).await, 503, "service_unavailable").await;
    problem(app.logout(&token).await, 503, "service_unavailable").await;
    let ready = app.get("/health/ready").send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["checks"]["kratos"], "down");
    assert_eq!(ready["checks"]["keto"], "up");

    tokio::task::spawn_blocking(|| ory.start_kratos()).await.unwrap();
    assert_eq!(app.whoami(&token).await.status(), 200, "the session survived and is accepted again");
    assert_eq!(app.home(&token).await.status(), 200);
    assert_eq!(app.get("/health/ready").send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn kratos_hanging_past_the_timeout_is_503() {
    let fault = OryStack::faulty().await;
    let ory = fault.stack();
    let app = spawn_app_on(ory, &[("APP_ORY_TIMEOUT_MS", "500"), NO_CACHE]).await;
    let (token, _) = app.register_new().await;

    ory.freeze_kratos();
    let started = Instant::now();
    let response = app.whoami(&token).await;
    let elapsed = started.elapsed();
    ory.thaw_kratos();

    problem(response, 503, "service_unavailable").await;
    assert!(elapsed < Duration::from_secs(5), "the configured timeout bounds the wait ({elapsed:?})");
    assert_eq!(app.whoami(&token).await.status(), 200);
}

#[tokio::test]
async fn keto_stopped_denies_nothing_by_accident_and_recovers() {
    let fault = OryStack::faulty().await;
    let ory = fault.stack();
    let app = spawn_app_on(ory, &[]).await;
    let (token, _) = app.register_new().await;
    assert_eq!(app.home(&token).await.status(), 200);

    tokio::task::spawn_blocking(|| ory.stop_keto()).await.unwrap();
    problem(app.home(&token).await, 503, "service_unavailable").await;
    // Authentication alone does not need Keto.
    assert_eq!(app.whoami(&token).await.status(), 200);

    // Registration cannot grant the home relation: it fails as a whole, and the
    // Kratos identity it made is removed, so the same email can register later.
    let email = unique_email();
    problem(app.register(&email, "Ada", PASSWORD).await, 503, "service_unavailable").await;
    problem(app.login(&email, PASSWORD).await, 400, "invalid_credentials").await;

    tokio::task::spawn_blocking(|| ory.start_keto()).await.unwrap();
    assert_eq!(app.home(&token).await.status(), 200);
    let retried = app.register(&email, "Ada", PASSWORD).await;
    assert_eq!(retried.status(), 201);
    let retried: Value = retried.json().await.unwrap();
    assert_eq!(app.home(retried["session_token"].as_str().unwrap()).await.status(), 200);
}

#[tokio::test]
async fn with_kratos_stopped_a_cached_session_lasts_its_ttl_and_an_unknown_token_is_503() {
    let fault = OryStack::faulty().await;
    let ory = fault.stack();
    // A minute: long enough that the cached session cannot expire during the test.
    let app = spawn_app_on(ory, &[("APP_SESSION_CACHE_TTL_MS", "60000")]).await;
    let (token, _) = app.register_new().await;
    assert_eq!(app.whoami(&token).await.status(), 200);

    tokio::task::spawn_blocking(|| ory.stop_kratos()).await.unwrap();
    assert_eq!(app.whoami(&token).await.status(), 200, "confirmed within the cache's time");
    assert_eq!(app.home(&token).await.status(), 200, "Keto is still asked, and answers");
    problem(app.whoami("ory_st_never_confirmed_here").await, 503, "service_unavailable").await;
    // Logging out needs Kratos; the session stays what Kratos says it is.
    problem(app.logout(&token).await, 503, "service_unavailable").await;
    tokio::task::spawn_blocking(|| ory.start_kratos()).await.unwrap();
    assert_eq!(app.logout(&token).await.status(), 204);
    problem(app.whoami(&token).await, 401, "unauthenticated").await;
}

#[tokio::test]
async fn password_submissions_past_the_limit_are_shed_at_once_with_retry_after() {
    let fault = OryStack::faulty().await;
    let ory = fault.stack();
    let app = spawn_app_on(ory, &[("APP_PASSWORD_SUBMISSIONS_IN_FLIGHT", "1"), ("APP_ORY_TIMEOUT_MS", "3000")]).await;
    let email = unique_email();
    assert_eq!(app.register(&email, "Ada", PASSWORD).await.status(), 201);

    // A hung Kratos holds the one place until the Ory timeout: of two logins
    // sent together, one waits for it and the other is refused at once.
    ory.freeze_kratos();
    let (first, second) = tokio::join!(app.login(&email, PASSWORD), app.login(&email, PASSWORD));
    ory.thaw_kratos();

    let retry_after = |r: &reqwest::Response| r.headers()["retry-after"].to_str().unwrap().to_owned();
    let (shed, held) = if retry_after(&first) == "1" { (first, second) } else { (second, first) };
    assert_eq!(retry_after(&shed), "1", "one login was shed");
    assert_eq!(retry_after(&held), "5", "the other waited for Kratos, then timed out");
    let body = problem(shed, 503, "service_unavailable").await;
    assert!(body["detail"].as_str().unwrap().contains("Try again"), "{body}");
    problem(held, 503, "service_unavailable").await;
    assert_eq!(app.login(&email, PASSWORD).await.status(), 200, "the place is free again");
}

/// The gate bounds what costs Kratos a password hash, and no more: once Kratos
/// has answered, the place goes to the next login, even while the first still
/// waits for something else (here a hung Keto, on the sign-in's home-page check).
#[tokio::test]
async fn a_login_gives_up_its_place_in_the_gate_once_kratos_has_answered() {
    let fault = OryStack::faulty().await;
    let ory = fault.stack();
    let app = spawn_app_on(ory, &[("APP_PASSWORD_SUBMISSIONS_IN_FLIGHT", "1"), ("APP_ORY_TIMEOUT_MS", "3000")]).await;
    let (ada, bob) = (unique_email(), unique_email());
    assert_eq!(app.register(&ada, "Ada", PASSWORD).await.status(), 201);
    assert_eq!(app.register(&bob, "Bob", PASSWORD).await.status(), 201);

    ory.freeze_keto();
    let first = app.login(&ada, PASSWORD);
    let second = async {
        // Well after Kratos answered the first (a hash takes a fraction of a
        // second), and well before the first's Keto call times out.
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        app.login(&bob, PASSWORD).await
    };
    let (first, second) = tokio::join!(first, second);
    ory.thaw_keto();

    // Keto's check only confirms the home page; its failure is logged, and
    // the sign-in stands.
    assert_eq!(first.status(), 200, "{}", first.text().await.unwrap());
    assert_eq!(second.status(), 200, "not shed: {}", second.text().await.unwrap());
}

/// People type passwords into email fields. Nothing they submit as an email or
/// identifier reaches the logs at any level: not in the request span (path only),
/// not in an error's message (serde's quote what they refuse), whether Kratos
/// answers or not.
#[tokio::test]
async fn no_submitted_identifier_reaches_the_logs_even_when_ory_fails() {
    let fault = OryStack::faulty().await;
    let ory = fault.stack();
    let app = spawn_app_on(ory, &[]).await;
    let owner = app.person("Owner").await;
    let document = app.create_document(&owner, "Plans").await;
    let group = app.create_group(&owner, "Team", &[]).await;
    let marker = format!("hunter2-{}", uuid::Uuid::new_v4().simple());
    let typed = format!("{marker}@example.com");

    submit_identifier_everywhere(&app, &typed, &owner.token, &document, &group).await;
    // And again with Kratos gone, so that every lookup fails and its error is logged.
    tokio::task::spawn_blocking(|| ory.stop_kratos()).await.unwrap();
    submit_identifier_everywhere(&app, &typed, &owner.token, &document, &group).await;
    tokio::task::spawn_blocking(|| ory.start_kratos()).await.unwrap();

    let logs = crate::helpers::captured_logs();
    assert!(logs.contains("/api/auth/login") && logs.contains("Kratos"), "the attempts were logged at all");
    assert!(!logs.contains(&marker), "a submitted identifier reached the logs");
}

async fn submit_identifier_everywhere(app: &TestApp, typed: &str, token: &str, document: &str, group: &str) {
    let _ = app.login(typed, "whatever it was").await;
    let _ = app.register(typed, "Typed", PASSWORD).await;
    let _ = app.send_recovery_code(typed).await;
    let _ = app.send_verification_code(typed, None).await;
    let share = serde_json::json!({ "email": typed, "role": "viewer" });
    let path = format!("/api/documents/{document}/collaborators");
    let _ = app.call(reqwest::Method::POST, &path, Some(token), Some(share)).await;
    let member = serde_json::json!({ "email": typed });
    let _ = app.call(reqwest::Method::POST, &format!("/api/groups/{group}/members"), Some(token), Some(member)).await;
    // A value in the wrong place: serde's errors quote what they refuse.
    let wrong_type = serde_json::json!({ "identifier": typed, "password": 1 });
    let _ = app.post("/api/auth/login").json(&wrong_type).send().await;
    let wrong_variant = serde_json::json!({ "identifier": "x", "password": "y", "method": typed });
    let _ = app.post("/api/auth/login").json(&wrong_variant).send().await;
}
