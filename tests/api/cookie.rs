//! Cookie mode for the SPA: the session token in an HttpOnly cookie instead of
//! the body, and the CSRF defence for unsafe requests it authenticates.

use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, ory::OryStack, problem, spawn_app, spawn_app_on, totp_code, unique_email};

const NAME: &str = "ory_spa_session";

/// The cookie a response sets, as `name=value`, and its attributes.
fn set_cookie(response: &Response) -> (String, String) {
    let header = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    let (pair, attributes) = header.split_once(';').unwrap_or((&header, ""));
    (pair.trim().to_owned(), attributes.to_owned())
}

/// A browser-like request from the app's own page: the cookie, the mode header
/// and the `Origin` of the backend itself.
fn from_app(app: &TestApp, method: Method, path: &str, cookie: &str) -> RequestBuilder {
    app.client
        .request(method, format!("{}{path}", app.address))
        .header("cookie", cookie)
        .header("x-session-mode", "cookie")
        .header("origin", app.address.clone())
}

async fn login_with_cookie(app: &TestApp, email: &str) -> (Response, String) {
    let response = app
        .post("/api/auth/login")
        .header("x-session-mode", "cookie")
        .json(&json!({ "identifier": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let (cookie, _) = set_cookie(&response);
    (response, cookie)
}

#[tokio::test]
async fn a_sign_in_in_cookie_mode_sets_an_http_only_cookie_and_keeps_the_token_out_of_the_body() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let (response, cookie) = login_with_cookie(&app, &ada.email).await;
    assert_eq!(response.status(), 200);
    let (_, attributes) = set_cookie(&response);
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(attributes.contains(attribute), "{attribute} missing from {attributes}");
    }
    assert!(!attributes.contains("Domain"), "host-only: {attributes}");
    assert!(!attributes.contains("Max-Age") && !attributes.contains("Expires"), "ends with the browser: {attributes}");
    assert!(cookie.starts_with(&format!("{NAME}=ory_st_")), "{cookie}");
    let body: Value = response.json().await.unwrap();
    assert!(body.get("session_token").is_none(), "the token is not in the body: {body}");
    assert_eq!(body["session"]["identity"]["email"], ada.email);

    // Safe requests need only the cookie.
    let session = app.get("/api/auth/session").header("cookie", &cookie).send().await.unwrap();
    assert_eq!(session.status(), 200);
    assert_eq!(app.get("/api/home").header("cookie", &cookie).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn bearer_tokens_work_exactly_as_before() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let login: Value = app.login(&ada.email, PASSWORD).await.json().await.unwrap();
    let token = login["session_token"].as_str().expect("a token in the body without cookie mode");
    let unsafe_request = app.call(Method::POST, "/api/documents", Some(token), Some(json!({"title": "T", "body": ""})));
    assert_eq!(unsafe_request.await.status(), 201, "no CSRF rule for bearer tokens");
}

#[tokio::test]
async fn an_unsafe_request_by_cookie_needs_the_custom_header_and_our_origin() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let (_, cookie) = login_with_cookie(&app, &ada.email).await;
    let document = json!({ "title": "Plans", "body": "" });

    let no_header = app.post("/api/documents").header("cookie", &cookie).header("origin", app.address.clone());
    problem(no_header.json(&document).send().await.unwrap(), 403, "cross_site_request").await;
    let elsewhere = app
        .post("/api/documents")
        .header("cookie", &cookie)
        .header("x-session-mode", "cookie")
        .header("origin", "https://evil.example");
    problem(elsewhere.json(&document).send().await.unwrap(), 403, "cross_site_request").await;
    let no_origin = app.post("/api/documents").header("cookie", &cookie).header("x-session-mode", "cookie");
    problem(no_origin.json(&document).send().await.unwrap(), 403, "cross_site_request").await;

    let ours = from_app(&app, Method::POST, "/api/documents", &cookie).json(&document).send().await.unwrap();
    assert_eq!(ours.status(), 201, "{}", ours.text().await.unwrap());
}

#[tokio::test]
async fn a_configured_origin_passes_too() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let app = spawn_app_on(ory, &[("APP_CORS_ALLOWED_ORIGINS", "http://spa.example")]).await;
    let ada = app.person("Ada").await;
    let (_, cookie) = login_with_cookie(&app, &ada.email).await;
    let request = app
        .post("/api/groups")
        .header("cookie", &cookie)
        .header("x-session-mode", "cookie")
        .header("origin", "http://spa.example");
    assert_eq!(request.json(&json!({ "name": "Team" })).send().await.unwrap().status(), 201);
}

#[tokio::test]
async fn logout_in_cookie_mode_clears_the_cookie_and_ends_the_session() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let (_, cookie) = login_with_cookie(&app, &ada.email).await;

    let logout = from_app(&app, Method::POST, "/api/auth/logout", &cookie).send().await.unwrap();
    assert_eq!(logout.status(), 204);
    let (cleared, attributes) = set_cookie(&logout);
    assert_eq!(cleared, format!("{NAME}="));
    assert!(attributes.contains("Max-Age=0"), "{attributes}");
    problem(app.get("/api/auth/session").header("cookie", &cookie).send().await.unwrap(), 401, "unauthenticated").await;
}

#[tokio::test]
async fn registration_and_the_second_factor_work_in_cookie_mode() {
    let app = spawn_app().await;
    let email = unique_email();
    let registered = app
        .post("/api/auth/registration")
        .header("x-session-mode", "cookie")
        .json(&json!({ "email": email, "name": "Ada", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let (cookie, _) = set_cookie(&registered);
    let body: Value = registered.json().await.unwrap();
    assert!(body.get("session_token").is_none());
    assert_eq!(body["verification"]["email"], email);

    // Set up TOTP through the cookie, then sign in again with both factors.
    let started: Value = from_app(&app, Method::POST, "/api/account/second-factor/totp", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = started["secret"].as_str().unwrap();
    let confirm = json!({ "flow_id": started["flow_id"], "code": totp_code(secret) });
    let confirmed = from_app(&app, Method::POST, "/api/account/second-factor/totp/confirm", &cookie).json(&confirm);
    assert_eq!(confirmed.send().await.unwrap().status(), 204);

    let (half, half_cookie) = login_with_cookie(&app, &email).await;
    assert_eq!(half.status(), 202);
    let half: Value = half.json().await.unwrap();
    assert!(half.get("session_token").is_none(), "the password-only token stays in the cookie too");
    let step = json!({ "method": "totp", "code": totp_code(secret), "flow_id": half["second_factor"]["flow_id"] });
    let done = from_app(&app, Method::POST, "/api/auth/second-factor", &half_cookie).json(&step).send().await.unwrap();
    assert_eq!(done.status(), 200, "{}", done.text().await.unwrap());
    assert_eq!(app.get("/api/home").header("cookie", &half_cookie).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_and_host_prefixed() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let app = spawn_app_on(ory, &[("APP_SESSION_COOKIE_SECURE", "true")]).await;
    let ada = app.person("Ada").await;
    let (response, cookie) = login_with_cookie(&app, &ada.email).await;
    let (_, attributes) = set_cookie(&response);
    assert!(cookie.starts_with("__Host-ory_spa_session="), "{cookie}");
    assert!(attributes.contains("Secure") && attributes.contains("Path=/") && !attributes.contains("Domain"));
    // The same name is read back.
    assert_eq!(app.get("/api/auth/session").header("cookie", &cookie).send().await.unwrap().status(), 200);
}
