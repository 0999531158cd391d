use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn create_list_members_and_delete() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;
    let group = app.create_group(&ada, "Team", &[&grace]).await;

    let mine: Value = app.call(Method::GET, "/api/groups", Some(&ada.token), None).await.json().await.unwrap();
    assert_eq!(mine["items"][0]["name"], "Team");
    assert_eq!(mine["items"][0]["role"], "owner");
    let theirs: Value = app.call(Method::GET, "/api/groups", Some(&grace.token), None).await.json().await.unwrap();
    assert_eq!(theirs["items"][0]["role"], "member");

    let view: Value =
        app.call(Method::GET, &format!("/api/groups/{group}"), Some(&grace.token), None).await.json().await.unwrap();
    assert_eq!(
        view["members"],
        json!([
            { "id": ada.id, "email": ada.email, "name": "Ada", "role": "owner" },
            { "id": grace.id, "email": grace.email, "name": "Grace", "role": "member" },
        ])
    );

    // Deleting the group also ends every share through it.
    let id = app.create_document(&ada, "Via team").await;
    app.share(&ada, &id, json!({ "group_id": group, "role": "viewer" })).await;
    assert_eq!(app.titles(&grace).await, ["Via team"]);
    assert_eq!(app.call(Method::DELETE, &format!("/api/groups/{group}"), Some(&ada.token), None).await.status(), 204);
    assert!(app.titles(&grace).await.is_empty());
    problem(app.call(Method::GET, &format!("/api/groups/{group}"), Some(&ada.token), None).await, 404, "not_found")
        .await;
    let collaborators: Value = app
        .call(Method::GET, &format!("/api/documents/{id}/collaborators"), Some(&ada.token), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(collaborators["collaborators"].as_array().unwrap().len(), 1, "only the owner is left: {collaborators}");
}

#[tokio::test]
async fn bad_group_input_is_refused() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    for name in ["", &"n".repeat(101)] {
        let body = problem(
            app.call(Method::POST, "/api/groups", Some(&ada.token), Some(json!({ "name": name }))).await,
            400,
            "validation_failed",
        )
        .await;
        assert_eq!(body["messages"][0]["field"], "name");
    }
    let group = app.create_group(&ada, "G", &[]).await;
    let add = |email: &str| {
        app.call(
            Method::POST,
            &format!("/api/groups/{group}/members"),
            Some(&ada.token),
            Some(json!({ "email": email })),
        )
    };
    problem(add("nobody-here@example.com").await, 404, "not_found").await;
    problem(add(&ada.email).await, 400, "validation_failed").await;
    problem(
        app.call(Method::DELETE, &format!("/api/groups/{group}/members/{}", ada.id), Some(&ada.token), None).await,
        400,
        "validation_failed",
    )
    .await;
}
