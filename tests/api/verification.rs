//! Email verification by code, from registration to a verified address, against
//! the real Kratos and the codes it mails through the real Mailpit.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{PASSWORD, message_ids, ory::OryStack, problem, spawn_app, spawn_app_on, unique_email};

const KRATOS_CODE_INVALID: u64 = 4070006;
const KRATOS_ADDRESS_NOT_VERIFIED: u64 = 4000010;

/// A Kratos that refuses logins with an unverified address.
async fn strict_stack() -> &'static OryStack {
    tokio::task::spawn_blocking(|| {
        static STACK: std::sync::OnceLock<OryStack> = std::sync::OnceLock::new();
        STACK.get_or_init(|| {
            // The index form: Kratos v1.3.1 reads a JSON list in this variable as
            // one string and refuses to start.
            OryStack::start_with(&[("SELFSERVICE_FLOWS_LOGIN_AFTER_PASSWORD_HOOKS_0_HOOK", "require_verified_address")])
        })
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_code_from_the_registration_mail_verifies_the_address() {
    let app = spawn_app().await;
    let email = unique_email();
    let response = app.register(&email, "Ada", PASSWORD).await;
    let body: Value = response.json().await.unwrap();
    let token = body["session_token"].as_str().unwrap();
    let flow = body["verification"]["flow_id"].as_str().unwrap();

    let code = app.mailbox.wait_for_code(&email, 1).await;
    let verified = app.verify_email(flow, &code).await;
    assert_eq!(verified.status(), 204, "{}", verified.text().await.unwrap());

    let session: Value = app.whoami(token).await.json().await.unwrap();
    assert_eq!(session["identity"]["email_verified"], true);
    let profile: Value = app.profile(token).await.json().await.unwrap();
    assert_eq!(profile["email_verified"], true);
}

#[tokio::test]
async fn a_wrong_code_is_refused_on_the_code_field_and_the_right_one_still_works() {
    let app = spawn_app().await;
    let email = unique_email();
    let flow = app.register_pending(&email).await;
    let code = app.mailbox.wait_for_code(&email, 1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let refused = problem(app.verify_email(&flow, wrong).await, 400, "validation_failed").await;
    assert_eq!(message_ids(&refused, Some("code")), [KRATOS_CODE_INVALID]);
    assert_eq!(refused["flow_id"], flow.as_str());

    assert_eq!(app.verify_email(&flow, &code).await.status(), 204);
}

#[tokio::test]
async fn a_used_code_cannot_be_used_again() {
    let app = spawn_app().await;
    let email = unique_email();
    let flow = app.register_pending(&email).await;
    let code = app.mailbox.wait_for_code(&email, 1).await;
    assert_eq!(app.verify_email(&flow, &code).await.status(), 204);

    problem(app.verify_email(&flow, &code).await, 409, "flow_completed").await;
}

#[tokio::test]
async fn a_code_sent_for_another_flow_does_not_verify_this_one() {
    let app = spawn_app().await;
    let (ada, bob) = (unique_email(), unique_email());
    let ada_flow = app.register_pending(&ada).await;
    app.register_pending(&bob).await;
    let bob_code = app.mailbox.wait_for_code(&bob, 1).await;

    let refused = problem(app.verify_email(&ada_flow, &bob_code).await, 400, "validation_failed").await;
    assert_eq!(message_ids(&refused, Some("code")), [KRATOS_CODE_INVALID]);
}

#[tokio::test]
async fn a_new_code_can_be_asked_for_on_the_same_flow_or_a_new_one() {
    let app = spawn_app().await;
    let email = unique_email();
    let flow = app.register_pending(&email).await;
    app.mailbox.wait_for_code(&email, 1).await;

    let resent = app.send_verification_code(&email, Some(&flow)).await;
    assert_eq!(resent.status(), 202, "{}", resent.text().await.unwrap());
    assert_eq!(resent.json::<Value>().await.unwrap()["flow_id"], flow.as_str());
    let second = app.mailbox.wait_for_code(&email, 2).await;

    let fresh = app.send_verification_code(&email, None).await;
    assert_eq!(fresh.status(), 202);
    let fresh_flow = fresh.json::<Value>().await.unwrap()["flow_id"].as_str().unwrap().to_owned();
    assert_ne!(fresh_flow, flow, "without flow_id, a new flow");
    let third = app.mailbox.wait_for_code(&email, 3).await;

    // Each code belongs to its flow.
    problem(app.verify_email(&fresh_flow, &second).await, 400, "validation_failed").await;
    assert_eq!(app.verify_email(&fresh_flow, &third).await.status(), 204);
}

#[tokio::test]
async fn asking_for_a_code_says_the_same_for_unknown_addresses_and_mails_nothing() {
    let app = spawn_app().await;
    let stranger = unique_email();
    let known = unique_email();
    app.register_pending(&known).await;
    app.mailbox.wait_for_code(&known, 1).await;

    let for_stranger = app.send_verification_code(&stranger, None).await;
    let for_known = app.send_verification_code(&known, None).await;
    assert_eq!(for_stranger.status(), 202);
    assert_eq!(for_known.status(), 202);
    let (a, b): (Value, Value) = (for_stranger.json().await.unwrap(), for_known.json().await.unwrap());
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&a), keys(&b), "the same shape either way");

    // The courier sends in order: once the known address has its second mail,
    // a mail to the stranger would have been sent too.
    app.mailbox.wait_for_mail(&known, 2).await;
    assert_eq!(app.mailbox.count(&stranger).await, 0);
}

#[tokio::test]
async fn bad_verification_requests_get_clear_errors() {
    let app = spawn_app().await;
    let unknown = uuid::Uuid::new_v4().to_string();
    problem(app.verify_email(&unknown, "123456").await, 404, "not_found").await;
    problem(app.verify_email(&uuid::Uuid::nil().to_string(), "123456").await, 404, "not_found").await;
    problem(app.send_verification_code(&unique_email(), Some(&unknown)).await, 404, "not_found").await;

    let empty = problem(app.verify_email(&unknown, "  ").await, 400, "validation_failed").await;
    assert_eq!(empty["messages"][0]["field"], "code");
    let not_email = problem(app.send_verification_code("not an email", None).await, 400, "validation_failed").await;
    assert!(!message_ids(&not_email, Some("email")).is_empty(), "Kratos' message on the email field: {not_email}");
    problem(
        app.post("/api/auth/verification/code").json(&serde_json::json!({"code": "1"})).send().await.unwrap(),
        400,
        "malformed_request",
    )
    .await;
}

#[tokio::test]
async fn by_default_an_unverified_address_may_log_in() {
    let app = spawn_app().await;
    let email = unique_email();
    app.register_pending(&email).await;
    let login = app.login(&email, PASSWORD).await;
    assert_eq!(login.status(), 200);
    let login: Value = login.json().await.unwrap();
    assert_eq!(login["session"]["identity"]["email_verified"], false);
}

#[tokio::test]
async fn where_kratos_requires_it_only_a_verified_address_may_log_in() {
    let app = spawn_app_on(strict_stack().await, &[]).await;
    let email = unique_email();
    let flow = app.register_pending(&email).await;

    let refused = problem(app.login(&email, PASSWORD).await, 403, "email_not_verified").await;
    assert_eq!(message_ids(&refused, None), [KRATOS_ADDRESS_NOT_VERIFIED]);
    // A wrong password is still just a wrong password.
    problem(app.login(&email, "not the password at all").await, 400, "invalid_credentials").await;

    let code = app.mailbox.wait_for_code(&email, 1).await;
    assert_eq!(app.verify_email(&flow, &code).await.status(), 204);
    let login = app.login(&email, PASSWORD).await;
    assert_eq!(login.status(), 200, "{}", login.text().await.unwrap());
}

/// A Kratos whose verification and recovery flows expire after two seconds.
pub async fn short_flows_stack() -> &'static OryStack {
    tokio::task::spawn_blocking(|| {
        static STACK: std::sync::OnceLock<OryStack> = std::sync::OnceLock::new();
        STACK.get_or_init(|| {
            OryStack::start_with(&[
                ("SELFSERVICE_FLOWS_VERIFICATION_LIFESPAN", "2s"),
                ("SELFSERVICE_FLOWS_RECOVERY_LIFESPAN", "2s"),
            ])
        })
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn an_expired_verification_flow_is_410_and_a_new_code_works() {
    let app = spawn_app_on(short_flows_stack().await, &[]).await;
    let email = unique_email();
    let flow = app.register_pending(&email).await;
    let code = app.mailbox.wait_for_code(&email, 1).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;

    problem(app.verify_email(&flow, &code).await, 410, "flow_expired").await;
    problem(app.send_verification_code(&email, Some(&flow)).await, 410, "flow_expired").await;

    let fresh = app.send_verification_code(&email, None).await;
    let fresh_flow = fresh.json::<Value>().await.unwrap()["flow_id"].as_str().unwrap().to_owned();
    let fresh_code = app.mailbox.wait_for_code(&email, 2).await;
    assert_eq!(app.verify_email(&fresh_flow, &fresh_code).await.status(), 204);
}
