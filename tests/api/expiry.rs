//! Expired login flows and expired sessions, from a Kratos with short lifespans.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{PASSWORD, ory::OryStack, problem, spawn_app_on, unique_email};

async fn short_lived_stack() -> &'static OryStack {
    tokio::task::spawn_blocking(|| {
        static STACK: std::sync::OnceLock<OryStack> = std::sync::OnceLock::new();
        STACK.get_or_init(|| {
            OryStack::start_with(&[("SESSION_LIFESPAN", "3s"), ("SELFSERVICE_FLOWS_LOGIN_LIFESPAN", "2s")])
        })
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn continuing_an_expired_login_flow_is_410() {
    let app = spawn_app_on(short_lived_stack().await, &[]).await;
    let email = unique_email();
    assert_eq!(app.register(&email, "Ada", PASSWORD).await.status(), 201);
    let failed = problem(app.login(&email, "wrong password here").await, 400, "invalid_credentials").await;
    let flow_id = failed["flow_id"].as_str().unwrap().to_owned();

    tokio::time::sleep(Duration::from_millis(2500)).await;
    let response = app
        .post("/api/auth/login")
        .json(&json!({ "identifier": email, "password": PASSWORD, "flow_id": flow_id }))
        .send()
        .await
        .unwrap();
    problem(response, 410, "flow_expired").await;
    // Starting afresh works.
    assert_eq!(app.login(&email, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn an_expired_session_is_401() {
    let app = spawn_app_on(short_lived_stack().await, &[]).await;
    let (token, _) = app.register_new().await;
    assert_eq!(app.whoami(&token).await.status(), 200);

    tokio::time::sleep(Duration::from_millis(3500)).await;
    let response = app.whoami(&token).await;
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    problem(response, 401, "unauthenticated").await;
    problem(app.home(&token).await, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_cached_session_ends_at_its_expiry_not_at_the_cache_time() {
    // The cache would keep it a minute; the session lives three seconds.
    let app = spawn_app_on(short_lived_stack().await, &[("APP_SESSION_CACHE_TTL_MS", "60000")]).await;
    let (token, _) = app.register_new().await;
    assert_eq!(app.home(&token).await.status(), 200);

    tokio::time::sleep(Duration::from_millis(3500)).await;
    problem(app.home(&token).await, 401, "unauthenticated").await;
}
