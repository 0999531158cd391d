//! A second factor: TOTP codes computed from the secret Kratos hands out, as an
//! authenticator app would, and single-use recovery codes; the assurance policy
//! that refuses a password-only session of a person who has one.

use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, message_ids, problem, spawn_app, totp_code, unique_email};

const KRATOS_TOTP_INVALID: u64 = 4000008;
const KRATOS_LOOKUP_USED: u64 = 4000012;
const KRATOS_LOOKUP_INVALID: u64 = 4000016;
const CODE_ALREADY_USED: u64 = 9000009;

/// Logs in with the password; asserts a second factor is asked for and returns
/// `(password-only token, flow id, methods)`.
async fn password_step(app: &TestApp, email: &str) -> (String, String, Vec<String>) {
    let response = app.login(email, PASSWORD).await;
    assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
    let body: Value = response.json().await.unwrap();
    assert!(body.get("session").is_none(), "nothing about the identity before the second factor: {body}");
    let methods = body["second_factor"]["methods"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().to_owned());
    (
        body["session_token"].as_str().unwrap().to_owned(),
        body["second_factor"]["flow_id"].as_str().unwrap().to_owned(),
        methods.collect(),
    )
}

#[tokio::test]
async fn totp_is_set_up_with_a_real_code_and_a_wrong_one_is_refused() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    assert_eq!(app.second_factor_status(&ada.token).await, serde_json::json!({"totp": false, "recovery_codes": false}));

    let started = app.post("/api/account/second-factor/totp").bearer_auth(&ada.token).send().await.unwrap();
    assert_eq!(started.status(), 201);
    let started: Value = started.json().await.unwrap();
    assert!(started["qr_code"].as_str().unwrap().starts_with("data:image/png;base64,"));
    let secret = started["secret"].as_str().unwrap();
    assert!(secret.len() >= 16 && secret.bytes().all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));

    let confirm = |code: String| {
        app.post("/api/account/second-factor/totp/confirm")
            .bearer_auth(&ada.token)
            .json(&serde_json::json!({ "flow_id": started["flow_id"], "code": code }))
            .send()
    };
    let wrong = problem(confirm("000000".into()).await.unwrap(), 400, "validation_failed").await;
    assert_eq!(message_ids(&wrong, Some("code")), [KRATOS_TOTP_INVALID]);
    assert_eq!(confirm(totp_code(secret)).await.unwrap().status(), 204);

    assert_eq!(app.second_factor_status(&ada.token).await["totp"], true);
    // The session that set it up counts as having used it.
    let session: Value = app.whoami(&ada.token).await.json().await.unwrap();
    assert_eq!(session["assurance_level"], "aal2");
    let again = app.post("/api/account/second-factor/totp").bearer_auth(&ada.token).send().await.unwrap();
    problem(again, 409, "conflict").await;
}

#[tokio::test]
async fn with_totp_a_password_alone_signs_in_only_halfway() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let secret = app.enrol_totp(&ada.token).await;

    let (half, flow, methods) = password_step(&app, &ada.email).await;
    assert_eq!(methods, ["totp"]);
    // The password-only session is refused everywhere with a code that says what to do.
    for response in [app.home(&half).await, app.whoami(&half).await, app.profile(&half).await] {
        problem(response, 403, "second_factor_required").await;
    }
    problem(app.rename(&half, "Eve").await, 403, "second_factor_required").await;

    let wrong = problem(app.second_factor(&half, "totp", "000000", Some(&flow)).await, 400, "validation_failed").await;
    assert_eq!(message_ids(&wrong, Some("code")), [KRATOS_TOTP_INVALID]);
    let done = app.second_factor(&half, "totp", &totp_code(&secret), Some(&flow)).await;
    assert_eq!(done.status(), 200, "{}", done.text().await.unwrap());
    let done: Value = done.json().await.unwrap();
    assert_eq!(done["session"]["assurance_level"], "aal2");
    let token = done["session_token"].as_str().unwrap();
    assert_eq!(app.home(token).await.status(), 200);
    assert_eq!(app.home(&half).await.status(), 200, "Kratos raised the same session to aal2");
}

#[tokio::test]
async fn a_totp_code_signs_in_once() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let secret = app.enrol_totp(&ada.token).await;
    // One code, sent twice within its 90 s, as by someone who knows the
    // password and saw the code typed. Kratos 1.3.1 accepts it both times.
    let code = totp_code(&secret);

    let (first, flow, _) = password_step(&app, &ada.email).await;
    assert_eq!(app.second_factor(&first, "totp", &code, Some(&flow)).await.status(), 200);

    let (second, flow, _) = password_step(&app, &ada.email).await;
    let again = problem(app.second_factor(&second, "totp", &code, Some(&flow)).await, 400, "validation_failed").await;
    assert_eq!(message_ids(&again, Some("code")), [CODE_ALREADY_USED]);
    // Kratos had raised the second session; it is ended, not left signed in.
    problem(app.home(&second).await, 401, "unauthenticated").await;
    problem(app.second_factor(&second, "totp", &code, None).await, 401, "unauthenticated").await;
    assert_eq!(app.home(&first).await.status(), 200, "the first sign-in stands");
}

#[tokio::test]
async fn a_code_the_database_cannot_record_signs_nobody_in() {
    use sea_orm::ConnectionTrait;

    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let secret = app.enrol_totp(&ada.token).await;
    let (half, flow, _) = password_step(&app, &ada.email).await;
    // A real database error on the claim: its table is gone.
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    db.execute_unprepared("DROP TABLE used_totp_codes").await.unwrap();

    let refused = app.second_factor(&half, "totp", &totp_code(&secret), Some(&flow)).await;
    problem(refused, 503, "service_unavailable").await;
    // Kratos had accepted the code; the session it raised is ended, not kept.
    problem(app.home(&half).await, 401, "unauthenticated").await;
}

#[tokio::test]
async fn recovery_codes_sign_in_once_each() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    app.enrol_totp(&ada.token).await;
    let codes = app.enrol_recovery_codes(&ada.token).await;
    assert!(codes.len() >= 10, "{codes:?}");
    assert_eq!(
        app.second_factor_status(&ada.token).await,
        serde_json::json!({"totp": true, "recovery_codes": true, "recovery_codes_left": codes.len()})
    );

    let (half, flow, methods) = password_step(&app, &ada.email).await;
    assert_eq!(methods, ["totp", "lookup_secret"]);
    let unknown =
        problem(app.second_factor(&half, "lookup_secret", "notacode", Some(&flow)).await, 400, "validation_failed")
            .await;
    assert_eq!(message_ids(&unknown, Some("code")), [KRATOS_LOOKUP_INVALID]);
    assert_eq!(app.second_factor(&half, "lookup_secret", &codes[0], Some(&flow)).await.status(), 200);

    let (half, flow, _) = password_step(&app, &ada.email).await;
    let reused =
        problem(app.second_factor(&half, "lookup_secret", &codes[0], Some(&flow)).await, 400, "validation_failed")
            .await;
    assert_eq!(message_ids(&reused, Some("code")), [KRATOS_LOOKUP_USED]);
    assert_eq!(app.second_factor(&half, "lookup_secret", &codes[1], Some(&flow)).await.status(), 200);
    // Two used; the count says so, and the codes themselves never come back.
    let status = app.second_factor_status(&half).await;
    assert_eq!(status["recovery_codes_left"], codes.len() - 2, "{status}");
    assert!(codes.iter().all(|code| !status.to_string().contains(code.as_str())));
}

#[tokio::test]
async fn new_recovery_codes_replace_the_old_ones_once_confirmed() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    app.enrol_totp(&ada.token).await;
    let old = app.enrol_recovery_codes(&ada.token).await;
    let new = app.enrol_recovery_codes(&ada.token).await;
    assert_ne!(old, new);

    let (half, flow, _) = password_step(&app, &ada.email).await;
    problem(app.second_factor(&half, "lookup_secret", &old[2], Some(&flow)).await, 400, "validation_failed").await;
    assert_eq!(app.second_factor(&half, "lookup_secret", &new[2], Some(&flow)).await.status(), 200);
}

#[tokio::test]
async fn removing_the_second_factors_makes_the_password_enough_again() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    app.enrol_totp(&ada.token).await;
    app.enrol_recovery_codes(&ada.token).await;

    let remove = |what: &'static str| {
        app.call(reqwest::Method::DELETE, &format!("/api/account/second-factor/{what}"), Some(&ada.token), None)
    };
    assert_eq!(remove("totp").await.status(), 204);
    assert_eq!(remove("recovery-codes").await.status(), 204);
    assert_eq!(app.second_factor_status(&ada.token).await, serde_json::json!({"totp": false, "recovery_codes": false}));
    problem(remove("totp").await, 404, "not_found").await;
    problem(remove("recovery-codes").await, 404, "not_found").await;

    let login = app.login(&ada.email, PASSWORD).await;
    assert_eq!(login.status(), 200);
    assert!(login.json::<Value>().await.unwrap().get("second_factor").is_none());
}

#[tokio::test]
async fn an_older_password_only_session_steps_up_with_a_code() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    // A session from before TOTP existed, on another device.
    let phone = app.login_from(&ada.email, PASSWORD, "Phone/1.0").await;
    let secret = app.enrol_totp(&ada.token).await;

    problem(app.home(&phone).await, 403, "second_factor_required").await;
    // No flow id: the step-up starts its own aal2 flow for the presented session.
    let stepped = app.second_factor(&phone, "totp", &totp_code(&secret), None).await;
    assert_eq!(stepped.status(), 200, "{}", stepped.text().await.unwrap());
    assert_eq!(app.home(&phone).await.status(), 200);
}

#[tokio::test]
async fn a_password_only_session_can_still_log_out() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    app.enrol_totp(&ada.token).await;
    let (half, _, _) = password_step(&app, &ada.email).await;

    assert_eq!(app.logout(&half).await.status(), 204);
    let after = app.second_factor(&half, "totp", "123456", None).await;
    problem(after, 401, "unauthenticated").await;
}

#[tokio::test]
async fn the_second_factor_step_needs_a_session_token() {
    let app = spawn_app().await;
    let response = app
        .post("/api/auth/second-factor")
        .json(&serde_json::json!({"method": "totp", "code": "123456"}))
        .send()
        .await
        .unwrap();
    problem(response, 401, "unauthenticated").await;
    problem(app.second_factor("ory_st_not_a_real_token", "totp", "123456", None).await, 401, "unauthenticated").await;
    // The credential is judged first; with a real one, the body.
    problem(app.second_factor("ory_st_not_a_real_token", "sms", "123456", None).await, 401, "unauthenticated").await;
    let (token, _) = app.register_new().await;
    problem(app.second_factor(&token, "sms", "123456", None).await, 400, "malformed_request").await;
}

#[tokio::test]
async fn a_forgotten_password_of_a_person_with_totp_still_needs_the_code() {
    let app = spawn_app().await;
    let email = unique_email();
    let registered: Value = app.register(&email, "Ada", PASSWORD).await.json().await.unwrap();
    let token = registered["session_token"].as_str().unwrap();
    let secret = app.enrol_totp(token).await;
    app.mailbox.wait_for_mail(&email, 1).await;

    let flow =
        app.send_recovery_code(&email).await.json::<Value>().await.unwrap()["flow_id"].as_str().unwrap().to_owned();
    let code = app.mailbox.wait_for_code(&email, 2).await;
    let recovered = app.recover(&flow, &code).await;
    assert_eq!(recovered.status(), 202, "a code by email is not the second factor");
    let recovered: Value = recovered.json().await.unwrap();
    let half = recovered["session_token"].as_str().unwrap();
    let login_flow = recovered["second_factor"]["flow_id"].as_str().unwrap();
    problem(app.change_password(half, "a brand new evening stroll 77", None).await, 403, "second_factor_required")
        .await;

    assert_eq!(app.second_factor(half, "totp", &totp_code(&secret), Some(login_flow)).await.status(), 200);
    let changed = app.change_password(half, "a brand new evening stroll 77", None).await;
    assert_eq!(changed.status(), 200, "{}", changed.text().await.unwrap());
}

/// In the person's list of sessions, one that has not given the second factor
/// (a sign-in stopped there, or one from before the second factor was added) is
/// marked, so that a stranger's can be told apart and signed out; finished ones
/// are not, nor is any session of an account without a second factor.
#[tokio::test]
async fn the_sessions_list_marks_the_sessions_without_the_second_factor() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let phone = app.login_from(&ada.email, PASSWORD, "Phone/1.0").await;
    // (this one, the user agent, marked), this one first, then Kratos' order.
    let marks = || async {
        let list = app.call(reqwest::Method::GET, "/api/account/sessions", Some(&ada.token), None).await;
        assert_eq!(list.status(), 200);
        let mut marks: Vec<(bool, String, bool)> = list
            .json::<Vec<Value>>()
            .await
            .unwrap()
            .iter()
            .map(|s| {
                let agent = s["user_agent"].as_str().unwrap_or("").to_owned();
                (s["current"].as_bool().unwrap(), agent, s["second_factor_missing"].as_bool().unwrap())
            })
            .collect();
        marks.sort();
        marks
    };
    let before = marks().await;
    assert_eq!(before.len(), 2, "{before:?}");
    assert!(before.iter().all(|(_, _, marked)| !marked), "no second factor, nothing missing: {before:?}");

    let secret = app.enrol_totp(&ada.token).await;
    let (half, _, _) = password_step(&app, &ada.email).await;
    let with_totp = marks().await;
    let agent = |phone: bool| with_totp.iter().find(|(_, a, _)| (a == "Phone/1.0") == phone).unwrap().1.clone();
    let elsewhere = agent(false);
    assert_eq!(
        with_totp,
        [(false, "Phone/1.0".to_owned(), true), (false, elsewhere.clone(), true), (true, elsewhere.clone(), false)],
        "the phone's from before the authenticator, and the half sign-in, are marked; this one is not"
    );

    let stepped = app.second_factor(&phone, "totp", &totp_code(&secret), None).await;
    assert_eq!(stepped.status(), 200, "{}", stepped.text().await.unwrap());
    let after_step_up = marks().await;
    assert!(after_step_up.contains(&(false, "Phone/1.0".to_owned(), false)), "{after_step_up:?}");
    assert!(after_step_up.contains(&(false, elsewhere.clone(), true)), "{after_step_up:?}");

    let removed = app.call(reqwest::Method::DELETE, "/api/account/second-factor/totp", Some(&ada.token), None).await;
    assert_eq!(removed.status(), 204);
    let without = marks().await;
    assert!(without.iter().all(|(_, _, marked)| !marked), "the password is enough again: {without:?}");
    assert_eq!(app.logout(&half).await.status(), 204);
}
