//! "Forgot password": a recovery code by email, a session, a new password, and
//! the old password refused, against the real Kratos and Mailpit.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, message_ids, problem, spawn_app, spawn_app_on, unique_email};

const KRATOS_CODE_INVALID: u64 = 4060006;
const NEW_PASSWORD: &str = "remembered at last 2026";

/// Registers `email` and waits for its verification mail, so that the recovery
/// mail is the second one to the address.
async fn registered(app: &TestApp, email: &str) -> String {
    let response = app.register(email, "Ada", PASSWORD).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    app.mailbox.wait_for_mail(email, 1).await;
    response.json::<Value>().await.unwrap()["session_token"].as_str().unwrap().to_owned()
}

async fn ask_for_code(app: &TestApp, email: &str) -> String {
    let response = app.send_recovery_code(email).await;
    assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
    response.json::<Value>().await.unwrap()["flow_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_forgotten_password_is_replaced_with_a_code_from_the_mail() {
    let app = spawn_app().await;
    let email = unique_email();
    let old_session = registered(&app, &email).await;

    let flow = ask_for_code(&app, &email).await;
    let mail = app.mailbox.wait_for_mail(&email, 2).await;
    assert_eq!(mail.subject, "Reset your ory-spa password");
    let code = mail.code().expect("a code in the recovery mail");

    let recovered = app.recover(&flow, &code).await;
    assert_eq!(recovered.status(), 200, "{}", recovered.text().await.unwrap());
    let recovered: Value = recovered.json().await.unwrap();
    let token = recovered["session_token"].as_str().unwrap();
    assert_eq!(recovered["session"]["identity"]["email"], email);
    // Receiving the code proves the address, so Kratos marks it verified.
    assert_eq!(recovered["session"]["identity"]["email_verified"], true);

    // A recovered session is recent enough to set a password right away, but
    // not a weak one.
    problem(app.change_password(token, "password1", None).await, 400, "validation_failed").await;
    let changed = app.change_password(token, NEW_PASSWORD, None).await;
    assert_eq!(changed.status(), 200, "{}", changed.text().await.unwrap());
    assert_eq!(changed.json::<Value>().await.unwrap()["signed_out_sessions"], 1);

    problem(app.login(&email, PASSWORD).await, 400, "invalid_credentials").await;
    assert_eq!(app.login(&email, NEW_PASSWORD).await.status(), 200);
    problem(app.whoami(&old_session).await, 401, "unauthenticated").await;
}

#[tokio::test]
async fn the_answer_is_the_same_for_an_address_without_an_account_and_no_mail_goes_out() {
    let app = spawn_app().await;
    let known = unique_email();
    let stranger = unique_email();
    registered(&app, &known).await;

    let for_stranger = app.send_recovery_code(&stranger).await;
    let for_known = app.send_recovery_code(&known).await;
    assert_eq!(for_stranger.status(), for_known.status());
    let (a, b): (Value, Value) = (for_stranger.json().await.unwrap(), for_known.json().await.unwrap());
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&a), keys(&b));

    // The courier sends in order: the known address's mail arriving means a mail
    // to the stranger would have arrived too.
    app.mailbox.wait_for_mail(&known, 2).await;
    assert_eq!(app.mailbox.count(&stranger).await, 0);
}

#[tokio::test]
async fn a_wrong_code_is_refused_and_the_password_stays() {
    let app = spawn_app().await;
    let email = unique_email();
    registered(&app, &email).await;
    let flow = ask_for_code(&app, &email).await;
    let code = app.mailbox.wait_for_code(&email, 2).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let refused = problem(app.recover(&flow, wrong).await, 400, "validation_failed").await;
    assert_eq!(message_ids(&refused, Some("code")), [KRATOS_CODE_INVALID]);
    assert_eq!(app.login(&email, PASSWORD).await.status(), 200);
    // The right code still works on the same flow.
    assert_eq!(app.recover(&flow, &code).await.status(), 200);
}

#[tokio::test]
async fn a_used_recovery_code_cannot_sign_in_again() {
    let app = spawn_app().await;
    let email = unique_email();
    registered(&app, &email).await;
    let flow = ask_for_code(&app, &email).await;
    let code = app.mailbox.wait_for_code(&email, 2).await;
    assert_eq!(app.recover(&flow, &code).await.status(), 200);

    problem(app.recover(&flow, &code).await, 409, "flow_completed").await;
}

#[tokio::test]
async fn a_code_for_another_flow_or_person_does_not_sign_in() {
    let app = spawn_app().await;
    let (ada, eve) = (unique_email(), unique_email());
    registered(&app, &ada).await;
    registered(&app, &eve).await;
    let ada_flow = ask_for_code(&app, &ada).await;
    ask_for_code(&app, &eve).await;
    let eve_code = app.mailbox.wait_for_code(&eve, 2).await;

    let refused = problem(app.recover(&ada_flow, &eve_code).await, 400, "validation_failed").await;
    assert_eq!(message_ids(&refused, Some("code")), [KRATOS_CODE_INVALID]);
}

#[tokio::test]
async fn unknown_flows_and_empty_codes_are_clear_errors() {
    let app = spawn_app().await;
    problem(app.recover(&uuid::Uuid::new_v4().to_string(), "123456").await, 404, "not_found").await;
    problem(app.recover(&uuid::Uuid::nil().to_string(), "123456").await, 404, "not_found").await;
    let empty = problem(app.recover(&uuid::Uuid::new_v4().to_string(), "").await, 400, "validation_failed").await;
    assert_eq!(empty["messages"][0]["field"], "code");
    problem(app.send_recovery_code(&"x".repeat(2000)).await, 400, "validation_failed").await;
}

#[tokio::test]
async fn an_expired_recovery_flow_is_410() {
    let app = spawn_app_on(crate::verification::short_flows_stack().await, &[]).await;
    let email = unique_email();
    registered(&app, &email).await;
    let flow = ask_for_code(&app, &email).await;
    let code = app.mailbox.wait_for_code(&email, 2).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;

    problem(app.recover(&flow, &code).await, 410, "flow_expired").await;
    assert_eq!(app.login(&email, PASSWORD).await.status(), 200, "nothing changed");
}

#[tokio::test]
async fn no_code_token_or_password_of_the_account_flows_reaches_the_logs() {
    let app = spawn_app().await;
    let email = unique_email();
    let response = app.register(&email, "Ada", PASSWORD).await;
    let flow = response.json::<Value>().await.unwrap()["verification"]["flow_id"].as_str().unwrap().to_owned();
    let verification_code = app.mailbox.wait_for_code(&email, 1).await;
    assert_eq!(app.verify_email(&flow, &verification_code).await.status(), 204);

    let flow = ask_for_code(&app, &email).await;
    let recovery_code = app.mailbox.wait_for_code(&email, 2).await;
    let recovered: Value = app.recover(&flow, &recovery_code).await.json().await.unwrap();
    let token = recovered["session_token"].as_str().unwrap().to_owned();
    let new_password = format!("unique-password-{}", uuid::Uuid::new_v4().simple());
    assert_eq!(app.change_password(&token, &new_password, None).await.status(), 200);
    assert_eq!(app.reauthenticate(&token, &new_password).await.status(), 200);

    let logs = crate::helpers::captured_logs();
    assert!(logs.contains("/api/auth/recovery/code"), "the requests were logged at all");
    for secret in [token.trim_start_matches("ory_st_"), &new_password] {
        assert!(!logs.contains(secret), "a secret of the account flows leaked into the logs");
    }
    // Six digits occur by chance in timestamps; a leaked code would be a value
    // (a JSON string, a query or key=value pair), so look for those shapes.
    for code in [&verification_code, &recovery_code] {
        for shape in [format!("\"{code}\""), format!("={code}"), format!("\\\"{code}\\\"")] {
            assert!(!logs.contains(&shape), "a code leaked into the logs as {shape}");
        }
    }
}
