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

/// A crash between registration's two writes (the identity in Kratos, then the
/// grant in Keto) leaves an identity without the grant; made here directly in
/// Kratos through its admin API, as the crash would leave it.
#[tokio::test]
async fn a_sign_in_repairs_a_registration_that_stopped_before_its_keto_grant() {
    let app = spawn_app().await;
    let email = crate::helpers::unique_email();
    let ory = tokio::task::spawn_blocking(crate::helpers::ory::OryStack::shared).await.unwrap();
    let created = reqwest::Client::new()
        .post(format!("{}admin/identities", ory.kratos_admin_url()))
        .json(&json!({
            "schema_id": "default",
            "traits": { "email": email, "name": "Half Made" },
            "credentials": { "password": { "config": { "password": crate::helpers::PASSWORD } } },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());

    let login = app.login(&email, crate::helpers::PASSWORD).await;
    assert_eq!(login.status(), 200);
    let token = login.json::<serde_json::Value>().await.unwrap()["session_token"].as_str().unwrap().to_owned();
    assert_eq!(app.home(&token).await.status(), 200, "the sign-in granted the home page");
}
