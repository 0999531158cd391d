//! The session extractor: what a protected endpoint answers for each kind of token.

use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn no_token_is_401_with_a_bearer_challenge() {
    let app = spawn_app().await;
    let response = app.get("/api/auth/session").send().await.unwrap();
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    problem(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn garbage_and_malformed_tokens_are_401() {
    let app = spawn_app().await;
    for header in
        ["Bearer ory_st_not-a-real-token", "Bearer ", "Bearer two words", "Basic dXNlcjpwYXNz", "ory_st_without_scheme"]
    {
        let response = app.get("/api/auth/session").header("Authorization", header).send().await.unwrap();
        assert_eq!(response.headers()["www-authenticate"], "Bearer", "for {header:?}");
        problem(response, 401, "unauthenticated").await;
    }
    let long = format!("Bearer {}", "a".repeat(4096));
    problem(app.get("/api/auth/session").header("Authorization", long).send().await.unwrap(), 401, "unauthenticated")
        .await;
}

#[tokio::test]
async fn kratos_own_header_works_too() {
    let app = spawn_app().await;
    let (token, id) = app.register_new().await;
    let response = app.get("/api/auth/session").header("X-Session-Token", &token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["identity"]["id"], id);
}

#[tokio::test]
async fn a_revoked_token_is_refused_everywhere() {
    let app = spawn_app().await;
    let (token, _) = app.register_new().await;
    assert_eq!(app.logout(&token).await.status(), 204);

    problem(app.whoami(&token).await, 401, "unauthenticated").await;
    problem(app.home(&token).await, 401, "unauthenticated").await;
    problem(app.logout(&token).await, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_token_in_the_query_string_is_ignored() {
    let app = spawn_app().await;
    let (token, _) = app.register_new().await;
    let response = app.get(&format!("/api/auth/session?session_token={token}")).send().await.unwrap();
    problem(response, 401, "unauthenticated").await;
}
