//! `spawn_app()`: a fresh backend (own port, own SQLite file) in front of the Ory
//! stack, and typed helpers for the requests tests make.

use ory_spa::{config::Settings, startup::Application};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};
use tempfile::TempDir;

use super::{logs, mailbox::Mailbox, ory::OryStack};

pub struct TestApp {
    pub address: String,
    /// The metrics listener, where `APP_METRICS_BIND_ADDRESS` was given.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    /// The app's own database: a SQLite file, or a fresh PostgreSQL database when
    /// `TEST_POSTGRES_URL` is set (the test command runs the suite both ways).
    pub database_url: String,
    /// The mail the Ory stack's courier delivered (its own Mailpit).
    pub mailbox: Mailbox,
    /// Kept alive with the app that created the database (replicas share it;
    /// `None` too for the social tests' shared app, whose stack keeps it).
    pub(super) _db_dir: Option<TempDir>,
}

/// A fresh database for one app.
pub async fn fresh_database(dir: &TempDir) -> String {
    let Ok(server) = std::env::var("TEST_POSTGRES_URL") else {
        return format!("sqlite://{}/app.sqlite?mode=rwc", dir.path().display());
    };
    use sea_orm::ConnectionTrait;
    let name = format!("ory_spa_test_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(&server).await.expect("TEST_POSTGRES_URL answers");
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    admin.close().await.unwrap();
    let (base, _) = server.rsplit_once('/').expect("a URL ending in /database");
    format!("{base}/{name}")
}

/// A backend in front of the shared Ory stack.
pub async fn spawn_app() -> TestApp {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    spawn_app_on(ory, &[]).await
}

/// A backend in front of `ory`, with extra `APP_*` settings.
pub async fn spawn_app_on(ory: &OryStack, extra: &[(&str, &str)]) -> TestApp {
    let db_dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database(&db_dir).await;
    start(ory, database_url, Some(db_dir), extra).await
}

/// A second replica of `app`: another backend on the same database and Ory.
pub async fn spawn_replica(app: &TestApp, ory: &OryStack, extra: &[(&str, &str)]) -> TestApp {
    start(ory, app.database_url.clone(), None, extra).await
}

async fn start(ory: &OryStack, database_url: String, db_dir: Option<TempDir>, extra: &[(&str, &str)]) -> TestApp {
    logs::init();
    let mut vars = vec![
        ("APP_BIND_ADDRESS".to_owned(), "127.0.0.1:0".to_owned()),
        // Every test registers and logs in from 127.0.0.1; the throttling tests
        // switch the limits they test back on.
        ("APP_LIMIT_LOGIN_FAILURES_PER_ACCOUNT".to_owned(), "off".to_owned()),
        ("APP_LIMIT_LOGIN_FAILURES_PER_ADDRESS".to_owned(), "off".to_owned()),
        ("APP_LIMIT_REGISTRATIONS_PER_ADDRESS".to_owned(), "off".to_owned()),
        ("APP_LIMIT_RECOVERY_PER_ADDRESS".to_owned(), "off".to_owned()),
        ("APP_LIMIT_VERIFICATION_PER_ADDRESS".to_owned(), "off".to_owned()),
        // The tests talk plain HTTP, where a `Secure` cookie would never come back.
        ("APP_SESSION_COOKIE_SECURE".to_owned(), "false".to_owned()),
        ("APP_KRATOS_PUBLIC_URL".to_owned(), ory.kratos_public_url()),
        ("APP_KRATOS_ADMIN_URL".to_owned(), ory.kratos_admin_url()),
        ("APP_KETO_READ_URL".to_owned(), ory.keto_read_url()),
        ("APP_KETO_WRITE_URL".to_owned(), ory.keto_write_url()),
        ("APP_DATABASE_URL".to_owned(), database_url.clone()),
        ("APP_ORY_TIMEOUT_MS".to_owned(), "2000".to_owned()),
        // Security notices reach the same mailbox as Kratos' codes, from their
        // own sender (`mailbox::NOTICES_FROM`).
        ("APP_SMTP_URL".to_owned(), ory.smtp_url()),
        ("APP_MAIL_FROM".to_owned(), format!("ory-spa security <{}>", super::mailbox::NOTICES_FROM)),
    ];
    // The test command runs the session suites once with the cache at its
    // default and once with `TEST_SESSION_CACHE_TTL_MS=0` (off).
    if let Ok(ttl) = std::env::var("TEST_SESSION_CACHE_TTL_MS") {
        vars.push(("APP_SESSION_CACHE_TTL_MS".to_owned(), ttl));
    }
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let settings = Settings::from_vars(vars).expect("valid test settings");
    let app = Application::build(settings).await.expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app.metrics_port().map(|port| format!("http://127.0.0.1:{port}"));
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        metrics_address,
        client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        database_url,
        mailbox: ory.mailbox(),
        _db_dir: db_dir,
    }
}

impl TestApp {
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(format!("{}{path}", self.address))
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(format!("{}{path}", self.address))
    }

    /// A request with an optional bearer token and an optional JSON body. The
    /// future borrows nothing, so call sites can build paths inline.
    pub fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> impl Future<Output = Response> + use<> {
        let mut request = self.client.request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move { request.send().await.unwrap() }
    }

    /// Registers a new person and returns them.
    pub async fn person(&self, name: &str) -> Person {
        let email = super::unique_email();
        let response = self.register(&email, name, super::PASSWORD).await;
        assert_eq!(response.status(), 201, "registration failed: {}", response.text().await.unwrap());
        let body: Value = response.json().await.unwrap();
        Person {
            token: body["session_token"].as_str().unwrap().to_owned(),
            id: body["session"]["identity"]["id"].as_str().unwrap().to_owned(),
            email,
        }
    }

    /// Creates a document as `owner` and returns its id.
    pub async fn create_document(&self, owner: &Person, title: &str) -> String {
        let response = self
            .call(Method::POST, "/api/documents", Some(&owner.token), Some(json!({ "title": title, "body": "text" })))
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    }

    /// Shares a document; panics unless it worked.
    pub async fn share(&self, owner: &Person, document: &str, body: Value) {
        let response = self
            .call(Method::POST, &format!("/api/documents/{document}/collaborators"), Some(&owner.token), Some(body))
            .await;
        assert_eq!(response.status(), 204, "{}", response.text().await.unwrap());
    }

    /// Creates a group as `owner` with `members`, and returns its id.
    pub async fn create_group(&self, owner: &Person, name: &str, members: &[&Person]) -> String {
        let response = self.call(Method::POST, "/api/groups", Some(&owner.token), Some(json!({ "name": name }))).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        for member in members {
            let response = self
                .call(
                    Method::POST,
                    &format!("/api/groups/{id}/members"),
                    Some(&owner.token),
                    Some(json!({ "email": member.email })),
                )
                .await;
            assert_eq!(response.status(), 204, "{}", response.text().await.unwrap());
        }
        id
    }

    /// The titles of the documents `person` sees in their list (first page of 100).
    pub async fn titles(&self, person: &Person) -> Vec<String> {
        let response = self.call(Method::GET, "/api/documents?per_page=100", Some(&person.token), None).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["items"].as_array().unwrap().iter().map(|d| d["title"].as_str().unwrap().to_owned()).collect()
    }

    pub async fn register(&self, email: &str, name: &str, password: &str) -> Response {
        self.post("/api/auth/registration")
            .json(&json!({ "email": email, "name": name, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// Registers a new person and returns `(session token, identity id)`.
    pub async fn register_new(&self) -> (String, String) {
        let response = self.register(&super::unique_email(), "Test Person", super::PASSWORD).await;
        assert_eq!(response.status(), 201, "registration failed: {}", response.text().await.unwrap());
        let body: Value = response.json().await.unwrap();
        (
            body["session_token"].as_str().unwrap().to_owned(),
            body["session"]["identity"]["id"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn login(&self, identifier: &str, password: &str) -> Response {
        self.post("/api/auth/login")
            .json(&json!({ "identifier": identifier, "password": password }))
            .send()
            .await
            .unwrap()
    }

    pub async fn whoami(&self, token: &str) -> Response {
        self.get("/api/auth/session").bearer_auth(token).send().await.unwrap()
    }

    pub async fn logout(&self, token: &str) -> Response {
        self.post("/api/auth/logout").bearer_auth(token).send().await.unwrap()
    }

    pub async fn home(&self, token: &str) -> Response {
        self.get("/api/home").bearer_auth(token).send().await.unwrap()
    }

    /// Logs in as `email` with `user_agent`, asserts it worked, returns the token.
    pub async fn login_from(&self, email: &str, password: &str, user_agent: &str) -> String {
        let response = self
            .post("/api/auth/login")
            .header("user-agent", user_agent)
            .json(&json!({ "identifier": email, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "login failed: {}", response.text().await.unwrap());
        response.json::<Value>().await.unwrap()["session_token"].as_str().unwrap().to_owned()
    }

    pub async fn reauthenticate(&self, token: &str, password: &str) -> Response {
        self.call(Method::POST, "/api/auth/reauthenticate", Some(token), Some(json!({ "password": password }))).await
    }

    pub async fn profile(&self, token: &str) -> Response {
        self.call(Method::GET, "/api/account/profile", Some(token), None).await
    }

    pub async fn rename(&self, token: &str, name: &str) -> Response {
        self.call(Method::PATCH, "/api/account/profile", Some(token), Some(json!({ "name": name }))).await
    }

    /// `PUT /api/account/password`; `sign_out` is the optional `sign_out_other_sessions`.
    pub async fn change_email(&self, token: &str, email: &str) -> Response {
        self.call(Method::PUT, "/api/account/email", Some(token), Some(json!({ "email": email }))).await
    }

    pub async fn change_password(&self, token: &str, password: &str, sign_out: Option<bool>) -> Response {
        let mut body = json!({ "password": password });
        if let Some(sign_out) = sign_out {
            body["sign_out_other_sessions"] = json!(sign_out);
        }
        self.call(Method::PUT, "/api/account/password", Some(token), Some(body)).await
    }

    /// The caller's sessions; asserts 200.
    pub async fn sessions(&self, token: &str) -> Vec<Value> {
        let response = self.call(Method::GET, "/api/account/sessions", Some(token), None).await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        response.json().await.unwrap()
    }

    pub async fn revoke_session(&self, token: &str, id: &str) -> Response {
        self.call(Method::DELETE, &format!("/api/account/sessions/{id}"), Some(token), None).await
    }

    /// `POST /api/auth/verification`: a code to `email`, on `flow` or a new flow.
    pub async fn send_verification_code(&self, email: &str, flow: Option<&str>) -> Response {
        let mut body = json!({ "email": email });
        if let Some(flow) = flow {
            body["flow_id"] = json!(flow);
        }
        self.call(Method::POST, "/api/auth/verification", None, Some(body)).await
    }

    pub async fn verify_email(&self, flow: &str, code: &str) -> Response {
        self.call(Method::POST, "/api/auth/verification/code", None, Some(json!({ "flow_id": flow, "code": code })))
            .await
    }

    pub async fn send_recovery_code(&self, email: &str) -> Response {
        self.call(Method::POST, "/api/auth/recovery", None, Some(json!({ "email": email }))).await
    }

    pub async fn recover(&self, flow: &str, code: &str) -> Response {
        self.call(Method::POST, "/api/auth/recovery/code", None, Some(json!({ "flow_id": flow, "code": code }))).await
    }

    /// Registers `email` and returns the verification flow the registration started.
    pub async fn register_pending(&self, email: &str) -> String {
        let response = self.register(email, "Test Person", super::PASSWORD).await;
        assert_eq!(response.status(), 201, "registration failed: {}", response.text().await.unwrap());
        let body: Value = response.json().await.unwrap();
        body["verification"]["flow_id"].as_str().expect("registration names a verification flow").to_owned()
    }

    /// `POST /api/auth/second-factor` with `token` (the password-only session).
    pub async fn second_factor(&self, token: &str, method: &str, code: &str, flow: Option<&str>) -> Response {
        let mut body = json!({ "method": method, "code": code });
        if let Some(flow) = flow {
            body["flow_id"] = json!(flow);
        }
        self.call(Method::POST, "/api/auth/second-factor", Some(token), Some(body)).await
    }

    /// Sets up TOTP for the holder of `token`; returns the secret.
    pub async fn enrol_totp(&self, token: &str) -> String {
        let started = self.call(Method::POST, "/api/account/second-factor/totp", Some(token), None).await;
        assert_eq!(started.status(), 201, "{}", started.text().await.unwrap());
        let started: Value = started.json().await.unwrap();
        let secret = started["secret"].as_str().unwrap().to_owned();
        let confirmed = self
            .call(
                Method::POST,
                "/api/account/second-factor/totp/confirm",
                Some(token),
                Some(json!({ "flow_id": started["flow_id"], "code": super::totp_code(&secret) })),
            )
            .await;
        assert_eq!(confirmed.status(), 204, "{}", confirmed.text().await.unwrap());
        secret
    }

    /// Sets up recovery codes for the holder of `token`; returns them.
    pub async fn enrol_recovery_codes(&self, token: &str) -> Vec<String> {
        let generated = self.call(Method::POST, "/api/account/second-factor/recovery-codes", Some(token), None).await;
        assert_eq!(generated.status(), 201, "{}", generated.text().await.unwrap());
        let generated: Value = generated.json().await.unwrap();
        let confirmed = self
            .call(
                Method::POST,
                "/api/account/second-factor/recovery-codes/confirm",
                Some(token),
                Some(json!({ "flow_id": generated["flow_id"] })),
            )
            .await;
        assert_eq!(confirmed.status(), 204, "{}", confirmed.text().await.unwrap());
        generated["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect()
    }

    pub async fn second_factor_status(&self, token: &str) -> Value {
        let response = self.call(Method::GET, "/api/account/second-factor", Some(token), None).await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        response.json().await.unwrap()
    }

    pub async fn revoke_other_sessions(&self, token: &str) -> Response {
        self.call(Method::DELETE, "/api/account/sessions", Some(token), None).await
    }
}

/// The ids of a problem's messages about `field` (`None`: the whole form).
pub fn message_ids(problem: &Value, field: Option<&str>) -> Vec<u64> {
    problem["messages"]
        .as_array()
        .map(|messages| {
            messages.iter().filter(|m| m["field"].as_str() == field).map(|m| m["id"].as_u64().unwrap()).collect()
        })
        .unwrap_or_default()
}

/// Asserts a problem document and returns it.
pub async fn problem(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), status, "unexpected status");
    assert_eq!(response.headers()["content-type"], "application/problem+json", "errors use the problem format");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "problem: {body}");
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], format!("urn:ory-spa:problem:{code}"));
    body
}

/// A registered person with a live session.
pub struct Person {
    pub token: String,
    pub id: String,
    pub email: String,
}
