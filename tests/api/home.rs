//! The Keto-checked route: App:home#view.

use serde_json::json;

use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn a_new_identity_may_view_home() {
    let app = spawn_app().await;
    let (token, id) = app.register_new().await;
    let response = app.home(&token).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["user"], id);
    assert_eq!(body["message"], "Welcome home, Test Person!");
}

#[tokio::test]
async fn without_the_keto_relation_home_is_403() {
    let app = spawn_app().await;
    let (token, id) = app.register_new().await;
    assert_eq!(app.home(&token).await.status(), 200);

    // Take the grant away in the real Keto, through its write API.
    let ory = crate::helpers::ory::OryStack::shared();
    let response = reqwest::Client::new()
        .delete(format!("{}admin/relation-tuples", ory.keto_write_url()))
        .query(&[
            ("namespace", "App"),
            ("object", "home"),
            ("relation", "viewers"),
            ("subject_set.namespace", "User"),
            ("subject_set.object", id.as_str()),
            ("subject_set.relation", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    problem(app.home(&token).await, 403, "forbidden").await;
    // Still authenticated: the session itself is fine.
    assert_eq!(app.whoami(&token).await.status(), 200);

    // Given back, allowed again on the next request.
    let response = reqwest::Client::new()
        .put(format!("{}admin/relation-tuples", ory.keto_write_url()))
        .json(&json!({
            "namespace": "App", "object": "home", "relation": "viewers",
            "subject_set": { "namespace": "User", "object": id, "relation": "" }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(app.home(&token).await.status(), 200);
}

#[tokio::test]
async fn anonymous_home_is_401() {
    let app = spawn_app().await;
    problem(app.get("/api/home").send().await.unwrap(), 401, "unauthenticated").await;
}
