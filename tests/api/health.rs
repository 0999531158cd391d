use serde_json::Value;

use crate::helpers::{problem, spawn_app, spawn_app_on};

#[tokio::test]
async fn alive_and_ready_with_everything_up() {
    let app = spawn_app().await;
    assert_eq!(app.get("/health/alive").send().await.unwrap().status(), 200);
    let ready = app.get("/health/ready").send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["checks"]["kratos"], "up");
    assert_eq!(body["checks"]["keto"], "up");
    assert_eq!(body["checks"]["database"], "up");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let first = app.get("/health/alive").send().await.unwrap();
    let second = app.get("/api/nowhere").send().await.unwrap();
    let a = first.headers()["x-request-id"].to_str().unwrap().to_owned();
    let b = second.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&a).is_ok());
    assert_ne!(a, b);
    problem(second, 404, "not_found").await;
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let ory = tokio::task::spawn_blocking(crate::helpers::ory::OryStack::shared).await.unwrap();
    let app = spawn_app_on(ory, &[("APP_CORS_ALLOWED_ORIGINS", "http://localhost:5173")]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/api/auth/session", app.address))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
    };
    let allowed = preflight("http://localhost:5173").await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(allowed.headers()["access-control-allow-origin"], "http://localhost:5173");

    let refused = preflight("https://evil.example").await.unwrap();
    assert!(refused.headers().get("access-control-allow-origin").is_none());

    // And with no configuration, no origin at all.
    let default_app = spawn_app().await;
    let response = default_app.get("/health/alive").header("Origin", "http://localhost:5173").send().await.unwrap();
    assert!(response.headers().get("access-control-allow-origin").is_none());
}
