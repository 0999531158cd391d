//! Kratos and Keto failing: every answer is 503 (never 500, never an allow), and
//! the service recovers when they are back. Each test stops the real services
//! of a stack of its own. The session cache is off where a test needs every
//! request to reach Kratos; one test shows what the cache changes.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{PASSWORD, ory::OryStack, problem, spawn_app_on, unique_email};

/// Every request asks Kratos.
const NO_CACHE: (&str, &str) = ("APP_SESSION_CACHE_TTL_MS", "0");

#[tokio::test]
async fn kratos_stopped_mid_session_is_503_and_recovers() {
    let fault = OryStack::faulty().await;
    let ory = fault.stack();
    let app = spawn_app_on(ory, &[NO_CACHE]).await;
    let (token, _) = app.register_new().await;
    assert_eq!(app.whoami(&token).await.status(), 200);

    tokio::task::spawn_blocking(|| ory.stop_kratos()).await.unwrap();
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
