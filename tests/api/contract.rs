//! Every answer as the spec says: methods, unknown paths, and 401 before a
//! protected operation's body or path is judged.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn a_wrong_method_on_a_known_path_is_405_with_allow() {
    let app = spawn_app().await;
    let id = uuid::Uuid::new_v4();
    for (method, path, allow) in [
        (Method::GET, "/api/auth/login".to_owned(), "POST"),
        (Method::PUT, "/api/documents".to_owned(), "GET, POST"),
        (Method::POST, format!("/api/documents/{id}"), "GET, PATCH, DELETE"),
        (Method::DELETE, "/api/auth/session".to_owned(), "GET"),
    ] {
        let response = app.call(method.clone(), &path, None, None).await;
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        let body = problem(response, 405, "method_not_allowed").await;
        assert!(body["detail"].as_str().unwrap().contains(allow));
    }
}

#[tokio::test]
async fn an_unknown_path_anywhere_under_api_is_a_404_problem() {
    let app = spawn_app().await;
    for path in ["/api/nowhere", "/api/documents/x/y/z", "/api/", "/api/auth/login/extra"] {
        for method in [Method::GET, Method::POST, Method::DELETE] {
            problem(app.call(method, path, None, None).await, 404, "not_found").await;
        }
    }
}

#[tokio::test]
async fn a_bad_credential_is_401_before_the_body_or_path_is_judged() {
    let app = spawn_app().await;
    let token = "ory_st_not_a_real_token";
    let bad = Some(token);
    // A malformed body, a body of the wrong type, a path that is not a UUID, a
    // query out of range: each would be a 400 or 415 with a good token.
    let malformed = app
        .post("/api/documents")
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    problem(malformed, 401, "unauthenticated").await;
    let wrong_type =
        app.post("/api/documents").bearer_auth(token).header("content-type", "text/plain").body("x").send();
    problem(wrong_type.await.unwrap(), 401, "unauthenticated").await;
    problem(app.call(Method::GET, "/api/documents/not-a-uuid", bad, None).await, 401, "unauthenticated").await;
    problem(app.call(Method::GET, "/api/documents?page=0", bad, None).await, 401, "unauthenticated").await;
    // No credential at all, likewise.
    problem(
        app.call(Method::PATCH, "/api/documents/not-a-uuid", None, Some(json!({"x": 1}))).await,
        401,
        "unauthenticated",
    )
    .await;
    let unsupported = app.post("/api/groups").header("content-type", "text/plain").body("x").send().await.unwrap();
    problem(unsupported, 401, "unauthenticated").await;
}

#[tokio::test]
async fn with_a_good_credential_the_body_is_judged_as_before() {
    let app = spawn_app().await;
    let (token, _) = app.register_new().await;
    let malformed =
        app.post("/api/documents").bearer_auth(&token).header("content-type", "application/json").body("{not json");
    problem(malformed.send().await.unwrap(), 400, "malformed_request").await;
    problem(app.call(Method::GET, "/api/documents/not-a-uuid", Some(&token), None).await, 400, "malformed_request")
        .await;
}

#[tokio::test]
async fn names_and_titles_with_control_characters_are_refused() {
    const CONTROL_CHARACTERS: u64 = 9000008;
    let app = spawn_app().await;
    let (token, _) = app.register_new().await;
    let ids = |body: &serde_json::Value, field: &str| crate::helpers::message_ids(body, Some(field));

    let title = json!({ "title": "Minutes\u{202e}fdp.exe", "body": "" });
    let refused =
        problem(app.call(Method::POST, "/api/documents", Some(&token), Some(title)).await, 400, "validation_failed")
            .await;
    assert_eq!(ids(&refused, "title"), [CONTROL_CHARACTERS]);
    let group = json!({ "name": "Team\nInjected: line" });
    let refused =
        problem(app.call(Method::POST, "/api/groups", Some(&token), Some(group)).await, 400, "validation_failed").await;
    assert_eq!(ids(&refused, "name"), [CONTROL_CHARACTERS]);
    let refused = problem(app.rename(&token, "Ada\u{1b}[2J").await, 400, "validation_failed").await;
    assert_eq!(ids(&refused, "name"), [CONTROL_CHARACTERS]);
    let email = crate::helpers::unique_email();
    let refused =
        problem(app.register(&email, "Ada\tLovelace", crate::helpers::PASSWORD).await, 400, "validation_failed").await;
    assert_eq!(ids(&refused, "name"), [CONTROL_CHARACTERS]);
    // Nothing was made: the same email registers with a plain name.
    assert_eq!(app.register(&email, "Ada Lovelace", crate::helpers::PASSWORD).await.status(), 201);
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_a_request_id() {
    let ory = tokio::task::spawn_blocking(crate::helpers::ory::OryStack::shared).await.unwrap();
    let app = crate::helpers::spawn_app_on(ory, &[("APP_CORS_ALLOWED_ORIGINS", "http://spa.example")]).await;
    let preflight = app
        .client
        .request(Method::OPTIONS, format!("{}/api/documents", app.address))
        .header("origin", "http://spa.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let responses = [
        ("a CORS preflight", preflight),
        ("an API error", app.get("/api/nowhere").send().await.unwrap()),
        ("a health probe", app.get("/health/alive").send().await.unwrap()),
        ("the spec", app.get("/api-docs/openapi.json").send().await.unwrap()),
        ("Swagger UI", app.get("/swagger-ui/").send().await.unwrap()),
        ("a path outside the API", app.get("/not/here").send().await.unwrap()),
    ];
    for (what, response) in responses {
        let headers = response.headers();
        assert!(headers.contains_key("x-request-id"), "{what}: no request id");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{what}");
        assert_eq!(headers["x-frame-options"], "DENY", "{what}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{what}: {csp}");
    }
}

#[tokio::test]
async fn a_flow_id_that_names_no_flow_is_404_whatever_its_value() {
    let app = spawn_app().await;
    let email = crate::helpers::unique_email();
    assert_eq!(app.register(&email, "Ada", crate::helpers::PASSWORD).await.status(), 201);
    for flow_id in [uuid::Uuid::nil(), uuid::Uuid::max(), uuid::Uuid::new_v4()] {
        let login = json!({ "identifier": email, "password": crate::helpers::PASSWORD, "flow_id": flow_id });
        problem(app.post("/api/auth/login").json(&login).send().await.unwrap(), 404, "not_found").await;
        problem(app.verify_email(&flow_id.to_string(), "123456").await, 404, "not_found").await;
        problem(app.recover(&flow_id.to_string(), "123456").await, 404, "not_found").await;
    }
}

/// Every operation the committed spec secures refuses a request without a
/// session (401, with the bearer challenge), whatever it is: the gate decides
/// from the spec, so a new endpoint is covered the day it is documented.
#[tokio::test]
async fn every_secured_operation_in_the_spec_refuses_a_request_without_a_session() {
    let app = spawn_app().await;
    let spec: serde_json::Value =
        serde_json::from_str(include_str!("../../openapi/openapi.json")).expect("the committed spec is JSON");
    let id = uuid::Uuid::new_v4().to_string();
    let mut checked = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let secured = operation["security"].as_array().is_some_and(|s| !s.is_empty());
            if !secured {
                continue;
            }
            let method: Method = method.to_uppercase().parse().unwrap();
            // Every path parameter is a UUID or a name; a UUID serves both.
            let concrete: String = path
                .split('/')
                .map(|segment| if segment.starts_with('{') { id.as_str() } else { segment })
                .collect::<Vec<_>>()
                .join("/");
            let body = [Method::POST, Method::PUT, Method::PATCH].contains(&method).then(|| json!({}));
            let response = app.call(method.clone(), &concrete, None, body).await;
            assert_eq!(response.headers().get("www-authenticate").map(|v| v.to_str().unwrap()), Some("Bearer"));
            problem(response, 401, "unauthenticated").await;
            checked.push(format!("{method} {path}"));
        }
    }
    // The account's newest endpoints among them, so that the loop cannot pass by
    // reading nothing.
    for operation in ["GET /api/account/activity", "GET /api/account/notices", "DELETE /api/account", "GET /api/home"] {
        assert!(checked.iter().any(|c| c == operation), "{operation} is secured in the spec: {checked:?}");
    }
    assert!(checked.len() >= 30, "{checked:?}");
}
