//! Rate limits: they trip, `Retry-After` tells the truth, a success after the
//! window works, and replicas on one database share the count.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{
    PASSWORD, TestApp, fresh_window, ory::OryStack, problem, spawn_app_on, spawn_replica, totp_code, unique_email,
};

async fn shared() -> &'static OryStack {
    tokio::task::spawn_blocking(OryStack::shared).await.unwrap()
}

/// Asserts a 429 `rate_limited` and returns its `Retry-After` in seconds.
async fn limited(response: reqwest::Response) -> u64 {
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    let body = problem(response, 429, "rate_limited").await;
    assert!(body["detail"].as_str().unwrap().starts_with("Too many attempts. Try again in "), "{body}");
    retry_after
}

#[tokio::test]
async fn failed_logins_for_an_account_trip_the_limit_until_the_window_ends() {
    let app = spawn_app_on(shared().await, &[("APP_LIMIT_LOGIN_FAILURES_PER_ACCOUNT", "3/4s")]).await;
    let ada = app.person("Ada").await;
    fresh_window(4, Duration::from_millis(3500)).await;

    for _ in 0..3 {
        problem(app.login(&ada.email, "not the password at all").await, 400, "invalid_credentials").await;
    }
    // Even the right password waits: otherwise the limit would not stop a guess.
    let retry_after = limited(app.login(&ada.email, PASSWORD).await).await;
    assert!((1..=4).contains(&retry_after), "{retry_after}");

    // Honest: once that many seconds have passed, the right password works.
    tokio::time::sleep(Duration::from_secs(retry_after) + Duration::from_millis(100)).await;
    assert_eq!(app.login(&ada.email, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn a_successful_login_clears_the_accounts_failures() {
    let app = spawn_app_on(shared().await, &[("APP_LIMIT_LOGIN_FAILURES_PER_ACCOUNT", "2/1h")]).await;
    let ada = app.person("Ada").await;
    fresh_window(3600, Duration::from_secs(30)).await;

    problem(app.login(&ada.email, "not the password at all").await, 400, "invalid_credentials").await;
    assert_eq!(app.login(&ada.email, PASSWORD).await.status(), 200);
    problem(app.login(&ada.email, "not the password at all").await, 400, "invalid_credentials").await;
    assert_eq!(app.login(&ada.email, PASSWORD).await.status(), 200, "the first failure was forgotten");
}

#[tokio::test]
async fn failed_logins_from_one_address_trip_its_limit_whatever_the_account() {
    let app = spawn_app_on(shared().await, &[("APP_LIMIT_LOGIN_FAILURES_PER_ADDRESS", "3/1h")]).await;
    let ada = app.person("Ada").await;
    fresh_window(3600, Duration::from_secs(30)).await;

    for _ in 0..3 {
        problem(app.login(&unique_email(), "not the password at all").await, 400, "invalid_credentials").await;
    }
    limited(app.login(&ada.email, PASSWORD).await).await;
}

#[tokio::test]
async fn two_replicas_on_one_database_share_the_count() {
    let ory = shared().await;
    let limit = [("APP_LIMIT_LOGIN_FAILURES_PER_ACCOUNT", "3/1h")];
    let first = spawn_app_on(ory, &limit).await;
    let second = spawn_replica(&first, ory, &limit).await;
    let ada = first.person("Ada").await;
    fresh_window(3600, Duration::from_secs(30)).await;

    problem(first.login(&ada.email, "wrong one").await, 400, "invalid_credentials").await;
    problem(second.login(&ada.email, "wrong two").await, 400, "invalid_credentials").await;
    problem(first.login(&ada.email, "wrong three").await, 400, "invalid_credentials").await;
    limited(second.login(&ada.email, PASSWORD).await).await;
    limited(first.login(&ada.email, PASSWORD).await).await;
}

#[tokio::test]
async fn registrations_recovery_and_verification_requests_are_limited_per_address() {
    let app = spawn_app_on(
        shared().await,
        &[
            ("APP_LIMIT_REGISTRATIONS_PER_ADDRESS", "2/1h"),
            ("APP_LIMIT_RECOVERY_PER_ADDRESS", "2/1h"),
            ("APP_LIMIT_VERIFICATION_PER_ADDRESS", "2/1h"),
        ],
    )
    .await;
    fresh_window(3600, Duration::from_secs(30)).await;

    let email = unique_email();
    assert_eq!(app.register(&email, "Ada", PASSWORD).await.status(), 201);
    assert_eq!(app.register(&unique_email(), "Bob", PASSWORD).await.status(), 201);
    let refused = unique_email();
    limited(app.register(&refused, "Eve", PASSWORD).await).await;

    for _ in 0..2 {
        assert_eq!(app.send_recovery_code(&email).await.status(), 202);
    }
    limited(app.send_recovery_code(&email).await).await;

    for _ in 0..2 {
        assert_eq!(app.send_verification_code(&email, None).await.status(), 202);
    }
    limited(app.send_verification_code(&email, None).await).await;

    // The refused registration created nothing: the address is free elsewhere.
    let other = spawn_app_on(shared().await, &[]).await;
    assert_eq!(other.register(&refused, "Eve", PASSWORD).await.status(), 201);
}

/// The per-client limits stop one client, not many: the codes mailed to one
/// address are limited too, whoever asks, recovery and verification together;
/// and an address no account has alike, so the refusal says nothing of which
/// addresses are registered. Another address is not held up.
#[tokio::test]
async fn codes_mailed_to_one_address_are_limited_whoever_asks() {
    let app = spawn_app_on(
        shared().await,
        &[
            ("APP_LIMIT_CODE_MAILS_PER_RECIPIENT", "3/1h"),
            ("APP_LIMIT_RECOVERY_PER_ADDRESS", "2/1h"),
            ("APP_LIMIT_VERIFICATION_PER_ADDRESS", "2/1h"),
            ("APP_CLIENT_ADDRESS_HEADER", "X-Forwarded-For"),
        ],
    )
    .await;
    let ada = app.person("Ada").await;
    let nobody = unique_email();
    let ask = |path: &'static str, email: String, client: usize| {
        app.post(path)
            .header("x-forwarded-for", format!("198.51.100.{client}"))
            .json(&serde_json::json!({ "email": email }))
            .send()
    };
    fresh_window(3600, Duration::from_secs(30)).await;

    for email in [&ada.email, &nobody] {
        // Three clients, each well within its own limit.
        assert_eq!(ask("/api/auth/recovery", email.clone(), 1).await.unwrap().status(), 202);
        assert_eq!(ask("/api/auth/verification", email.clone(), 2).await.unwrap().status(), 202);
        assert_eq!(ask("/api/auth/recovery", email.clone(), 3).await.unwrap().status(), 202);
        let refused = ask("/api/auth/recovery", email.clone(), 4).await.unwrap();
        let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=3600).contains(&retry_after), "{retry_after}");
        let body = problem(refused, 429, "rate_limited").await;
        assert!(body["detail"].as_str().unwrap().starts_with("Too many codes have been asked for this address"));
        problem(ask("/api/auth/verification", email.clone(), 5).await.unwrap(), 429, "rate_limited").await;
    }
    let grace = unique_email();
    assert_eq!(ask("/api/auth/recovery", grace, 6).await.unwrap().status(), 202, "another address has its own count");
}

#[tokio::test]
async fn wrong_second_factor_codes_are_limited_per_session() {
    let app = spawn_app_on(shared().await, &[("APP_LIMIT_LOGIN_FAILURES_PER_ACCOUNT", "3/1h")]).await;
    let ada = app.person("Ada").await;
    let secret = app.enrol_totp(&ada.token).await;
    fresh_window(3600, Duration::from_secs(30)).await;

    let login: Value = app.login(&ada.email, PASSWORD).await.json().await.unwrap();
    let half = login["session_token"].as_str().unwrap();
    let flow = login["second_factor"]["flow_id"].as_str().unwrap();
    for _ in 0..3 {
        problem(app.second_factor(half, "totp", "000000", Some(flow)).await, 400, "validation_failed").await;
    }
    limited(app.second_factor(half, "totp", &totp_code(&secret), Some(flow)).await).await;
}

async fn wrong_login_from(app: &TestApp, forwarded_for: &str) -> reqwest::Response {
    app.post("/api/auth/login")
        .header("x-forwarded-for", forwarded_for)
        .json(&serde_json::json!({ "identifier": unique_email(), "password": "not the password at all" }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_client_address_comes_from_the_trusted_proxy_header_only_when_configured() {
    let ory = shared().await;
    fresh_window(3600, Duration::from_secs(30)).await;

    // Behind a proxy that appends the address it saw to X-Forwarded-For.
    let proxied = spawn_app_on(
        ory,
        &[("APP_LIMIT_LOGIN_FAILURES_PER_ADDRESS", "2/1h"), ("APP_CLIENT_ADDRESS_HEADER", "X-Forwarded-For")],
    )
    .await;
    // The client's own (spoofed) entries come first; only the last one counts.
    for _ in 0..2 {
        problem(wrong_login_from(&proxied, "198.51.100.7, 203.0.113.1").await, 400, "invalid_credentials").await;
    }
    limited(wrong_login_from(&proxied, "198.51.100.8, 203.0.113.1").await).await;
    problem(wrong_login_from(&proxied, "203.0.113.2").await, 400, "invalid_credentials").await;

    // Without the setting the header is the client's own say, and ignored.
    let direct = spawn_app_on(ory, &[("APP_LIMIT_LOGIN_FAILURES_PER_ADDRESS", "2/1h")]).await;
    problem(wrong_login_from(&direct, "203.0.113.10").await, 400, "invalid_credentials").await;
    problem(wrong_login_from(&direct, "203.0.113.11").await, 400, "invalid_credentials").await;
    limited(wrong_login_from(&direct, "203.0.113.12").await).await;
}

/// Each export reads everything the person can see: an account may ask a few
/// times per window, and then waits; another account is not held up.
#[tokio::test]
async fn exports_of_an_account_are_limited_per_account() {
    let app = spawn_app_on(shared().await, &[("APP_LIMIT_EXPORTS_PER_ACCOUNT", "2/1h")]).await;
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;
    let export = |person: &crate::helpers::Person| {
        app.call(reqwest::Method::GET, "/api/account/export", Some(&person.token), None)
    };
    assert_eq!(export(&ada).await.status(), 200);
    assert_eq!(export(&ada).await.status(), 200);
    let retry_after = limited(export(&ada).await).await;
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    assert_eq!(export(&grace).await.status(), 200, "the limit is per account");
}

/// The right password without the second factor is no failure, but each such
/// login leaves a password-only session in Kratos: from devices the account has
/// not signed in from, a few per window, then `429`, the refused login's session
/// ended at once. The owner's own devices, and other accounts, are spared.
#[tokio::test]
async fn half_sign_ins_from_new_devices_are_limited_per_account_and_the_owners_devices_are_not() {
    let app = spawn_app_on(shared().await, &[("APP_LIMIT_HALF_SIGN_INS_PER_ACCOUNT", "2/15m")]).await;
    // Registered from this test's client: a device of Ada's from now on.
    let ada = app.person("Ada").await;
    app.enrol_totp(&ada.token).await;
    let stranger = |email: String| {
        app.post("/api/auth/login")
            .header("user-agent", "Stranger/1.0")
            .json(&serde_json::json!({ "identifier": email, "password": PASSWORD }))
            .send()
    };
    fresh_window(900, Duration::from_secs(30)).await;
    for _ in 0..2 {
        assert_eq!(stranger(ada.email.clone()).await.unwrap().status(), 202);
    }
    let refused = stranger(ada.email.clone()).await.unwrap();
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    let body = problem(refused, 429, "rate_limited").await;
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.starts_with("Too many sign-ins to this account have stopped at the second factor"), "{body}");
    assert!(detail.contains("or from a device you have signed in from before"), "{body}");

    let sessions = app.call(reqwest::Method::GET, "/api/account/sessions", Some(&ada.token), None).await;
    let sessions: Vec<Value> = sessions.json().await.unwrap();
    let half = sessions.iter().filter(|s| s["second_factor_missing"] == true).count();
    assert_eq!((sessions.len(), half), (3, 2), "the refused login left no session: {sessions:?}");

    let own = app.login(&ada.email, PASSWORD).await;
    assert_eq!(own.status(), 202, "Ada's own device still gets to the second factor");
    let grace = app.person("Grace").await;
    app.enrol_totp(&grace.token).await;
    assert_eq!(stranger(grace.email.clone()).await.unwrap().status(), 202, "another account has its own count");
}
