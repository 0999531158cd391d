//! Kratos and Keto failing: every answer is 503 (never 500, never an allow), and
//! the service recovers when they are back. Each test stops the real services
//! of a stack of its own.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{PASSWORD, ory::OryStack, problem, spawn_app_on, unique_email};

#[tokio::test]
async fn kratos_stopped_mid_session_is_503_and_recovers() {
    let fault = OryStack::faulty().await;
    let ory = fault.stack();
    let app = spawn_app_on(ory, &[]).await;
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
    let app = spawn_app_on(ory, &[("APP_ORY_TIMEOUT_MS", "500")]).await;
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
