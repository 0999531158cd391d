//! The account: profile, password (with Kratos' privileged-session rule) and
//! sessions, against the real Kratos.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{PASSWORD, message_ids, ory::OryStack, problem, spawn_app, spawn_app_on, unique_email};

const KRATOS_TOO_SHORT_NAME: u64 = 4000003;
const PASSWORD_TOO_WEAK: u64 = 9000007;
const KRATOS_PASSWORD_TOO_SIMILAR: u64 = 4000031;
const NEW_PASSWORD: &str = "a brand new evening stroll 77";

/// A Kratos whose logins stop being privileged after two seconds.
async fn impatient_stack() -> &'static OryStack {
    tokio::task::spawn_blocking(|| {
        static STACK: std::sync::OnceLock<OryStack> = std::sync::OnceLock::new();
        STACK.get_or_init(|| OryStack::start_with(&[("SELFSERVICE_FLOWS_SETTINGS_PRIVILEGED_SESSION_MAX_AGE", "2s")]))
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_profile_shows_the_identity_and_its_name_can_change() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;

    let profile: Value = app.profile(&ada.token).await.json().await.unwrap();
    assert_eq!(profile["email"], ada.email);
    assert_eq!(profile["name"], "Ada");
    assert_eq!(profile["id"], ada.id);
    assert_eq!(profile["email_verified"], false);

    let renamed = app.rename(&ada.token, "  Ada Lovelace ").await;
    assert_eq!(renamed.status(), 200);
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(renamed["name"], "Ada Lovelace", "trimmed and saved");
    assert_eq!(renamed["email"], ada.email, "the email is unchanged");

    let session: Value = app.whoami(&ada.token).await.json().await.unwrap();
    assert_eq!(session["identity"]["name"], "Ada Lovelace");
}

#[tokio::test]
async fn an_empty_name_is_refused_with_kratos_message_and_nothing_changes() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;

    let refused = problem(app.rename(&ada.token, "   ").await, 400, "validation_failed").await;
    assert_eq!(message_ids(&refused, Some("name")), [KRATOS_TOO_SHORT_NAME]);
    let profile: Value = app.profile(&ada.token).await.json().await.unwrap();
    assert_eq!(profile["name"], "Ada");
}

#[tokio::test]
async fn account_endpoints_need_a_session() {
    let app = spawn_app().await;
    problem(app.profile("ory_st_not_a_real_token").await, 401, "unauthenticated").await;
    problem(app.rename("ory_st_not_a_real_token", "Eve").await, 401, "unauthenticated").await;
    problem(app.change_password("ory_st_not_a_real_token", NEW_PASSWORD, None).await, 401, "unauthenticated").await;
    problem(app.reauthenticate("ory_st_not_a_real_token", PASSWORD).await, 401, "unauthenticated").await;
    problem(app.revoke_other_sessions("ory_st_not_a_real_token").await, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_password_change_replaces_the_password_and_signs_out_the_other_sessions() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let phone = app.login_from(&ada.email, PASSWORD, "Phone/1.0").await;

    let changed = app.change_password(&ada.token, NEW_PASSWORD, None).await;
    assert_eq!(changed.status(), 200, "{}", changed.text().await.unwrap());
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["signed_out_sessions"], 1);

    problem(app.whoami(&phone).await, 401, "unauthenticated").await;
    assert_eq!(app.whoami(&ada.token).await.status(), 200, "the session that changed it stays");
    problem(app.login(&ada.email, PASSWORD).await, 400, "invalid_credentials").await;
    assert_eq!(app.login(&ada.email, NEW_PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn a_password_change_can_keep_the_other_sessions() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let phone = app.login_from(&ada.email, PASSWORD, "Phone/1.0").await;

    let changed: Value = app.change_password(&ada.token, NEW_PASSWORD, Some(false)).await.json().await.unwrap();
    assert_eq!(changed["signed_out_sessions"], 0);
    assert_eq!(app.whoami(&phone).await.status(), 200);
}

#[tokio::test]
async fn the_server_setting_decides_when_the_request_does_not() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let app = spawn_app_on(ory, &[("APP_PASSWORD_CHANGE_SIGNS_OUT_OTHERS", "false")]).await;
    let ada = app.person("Ada").await;
    let phone = app.login_from(&ada.email, PASSWORD, "Phone/1.0").await;

    let changed: Value = app.change_password(&ada.token, NEW_PASSWORD, None).await.json().await.unwrap();
    assert_eq!(changed["signed_out_sessions"], 0);
    assert_eq!(app.whoami(&phone).await.status(), 200);

    // The request still wins over the setting.
    let changed: Value = app.change_password(&ada.token, PASSWORD, Some(true)).await.json().await.unwrap();
    assert_eq!(changed["signed_out_sessions"], 1);
    problem(app.whoami(&phone).await, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_weak_password_is_refused_with_kratos_messages_and_the_old_one_still_works() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;

    let common = problem(app.change_password(&ada.token, "12345678", None).await, 400, "validation_failed").await;
    assert_eq!(message_ids(&common, Some("password")), [PASSWORD_TOO_WEAK]);
    let own_name = problem(app.change_password(&ada.token, "ada ada ada", None).await, 400, "validation_failed").await;
    assert_eq!(message_ids(&own_name, Some("password")), [PASSWORD_TOO_WEAK]);
    let similar = problem(app.change_password(&ada.token, &ada.email, None).await, 400, "validation_failed").await;
    assert_eq!(message_ids(&similar, Some("password")), [KRATOS_PASSWORD_TOO_SIMILAR]);

    assert_eq!(app.login(&ada.email, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn an_old_login_must_reauthenticate_before_changing_the_password_then_the_retry_works() {
    let app = spawn_app_on(impatient_stack().await, &[]).await;
    let ada = app.person("Ada").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;

    problem(app.change_password(&ada.token, NEW_PASSWORD, None).await, 403, "session_refresh_required").await;
    // Nothing changed: the old password still works.
    assert_eq!(app.login(&ada.email, PASSWORD).await.status(), 200);

    let wrong =
        problem(app.reauthenticate(&ada.token, "not the password at all").await, 400, "invalid_credentials").await;
    assert_eq!(message_ids(&wrong, Some("password")), [4000006], "the only field typed is the password");
    let refreshed = app.reauthenticate(&ada.token, PASSWORD).await;
    assert_eq!(refreshed.status(), 200, "{}", refreshed.text().await.unwrap());
    let refreshed: Value = refreshed.json().await.unwrap();
    assert_eq!(refreshed["session_token"], ada.token.as_str(), "the same session, made recent");

    // The client repeats the very request that was refused.
    let changed = app.change_password(&ada.token, NEW_PASSWORD, None).await;
    assert_eq!(changed.status(), 200, "{}", changed.text().await.unwrap());
    assert_eq!(app.login(&ada.email, NEW_PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn a_name_change_does_not_need_a_recent_login() {
    let app = spawn_app_on(impatient_stack().await, &[]).await;
    let ada = app.person("Ada").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(app.rename(&ada.token, "Ada L.").await.status(), 200);
}

#[tokio::test]
async fn a_new_email_address_is_the_login_from_then_on_and_is_verified_by_its_code() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    app.mailbox.wait_for_mail(&ada.email, 1).await;
    let new = unique_email();

    let changed = app.change_email(&ada.token, &format!("  {new} ")).await;
    assert_eq!(changed.status(), 200, "{}", changed.text().await.unwrap());
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["identity"]["email"], new.as_str(), "trimmed and saved");
    assert_eq!(changed["identity"]["email_verified"], false);
    assert_eq!(changed["verification"]["email"], new.as_str());
    let session: Value = app.whoami(&ada.token).await.json().await.unwrap();
    assert_eq!(session["identity"]["email"], new.as_str(), "the session (and its cache entry) follows");

    problem(app.login(&ada.email, PASSWORD).await, 400, "invalid_credentials").await;
    assert_eq!(app.login(&new, PASSWORD).await.status(), 200);

    let code = app.mailbox.wait_for_code(&new, 1).await;
    let flow = changed["verification"]["flow_id"].as_str().unwrap();
    // With the session, as the SPA sends it: its cache entry learns the news.
    let body = serde_json::json!({ "flow_id": flow, "code": code });
    let verified = app.call(reqwest::Method::POST, "/api/auth/verification/code", Some(&ada.token), Some(body)).await;
    assert_eq!(verified.status(), 204);
    let profile: Value = app.profile(&ada.token).await.json().await.unwrap();
    assert_eq!(profile["email"], new.as_str());
    assert_eq!(profile["email_verified"], true);

    // The same address again changes nothing and sends nothing.
    let again: Value = app.change_email(&ada.token, &new).await.json().await.unwrap();
    assert_eq!(again["identity"]["email_verified"], true);
    assert!(again.get("verification").is_none(), "{again}");
}

#[tokio::test]
async fn an_email_address_that_is_not_one_or_is_taken_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;

    let not_one = problem(app.change_email(&ada.token, "not an address").await, 400, "validation_failed").await;
    assert!(!message_ids(&not_one, Some("email")).is_empty(), "Kratos' message on `email`: {not_one}");
    let taken = problem(app.change_email(&ada.token, &grace.email).await, 400, "validation_failed").await;
    assert_eq!(message_ids(&taken, Some("email")), [4000007], "{taken}");

    let profile: Value = app.profile(&ada.token).await.json().await.unwrap();
    assert_eq!(profile["email"], ada.email.as_str());
    assert_eq!(app.login(&ada.email, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn an_old_login_must_reauthenticate_before_changing_the_email_address() {
    let app = spawn_app_on(impatient_stack().await, &[]).await;
    let ada = app.person("Ada").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let new = unique_email();

    problem(app.change_email(&ada.token, &new).await, 403, "session_refresh_required").await;
    assert_eq!(app.login(&ada.email, PASSWORD).await.status(), 200, "nothing changed");
    assert_eq!(app.reauthenticate(&ada.token, PASSWORD).await.status(), 200);
    assert_eq!(app.change_email(&ada.token, &new).await.status(), 200);
    assert_eq!(app.login(&new, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn the_export_holds_the_profile_and_every_document_and_group_the_person_reaches() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;
    let shared = app.create_document(&grace, "Grace's, shared").await;
    app.share(&grace, &shared, serde_json::json!({ "email": ada.email, "role": "viewer" })).await;
    app.create_document(&grace, "Grace's, private").await;
    app.create_group(&grace, "Grace's team", &[&ada]).await;
    app.create_group(&ada, "Ada's team", &[]).await;
    // More than one page of the list (100), so that the export pages through it.
    for n in 0..100 {
        app.create_document(&ada, &format!("Ada's {n:03}")).await;
    }

    let response = app.call(reqwest::Method::GET, "/api/account/export", Some(&ada.token), None).await;
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment") && disposition.contains("ory-spa-account.json"), "{disposition}");
    let export: Value = response.json().await.unwrap();
    assert_eq!(export["profile"]["email"], ada.email.as_str());
    assert_eq!(export["sessions"][0]["current"], true);
    assert_eq!(export["second_factors"]["totp"], false);
    assert_eq!(export["sign_in_providers"], serde_json::json!({ "providers": [], "password": true }));
    // The device Ada registered from, remembered for new-sign-in notices: times only.
    let devices = export["known_devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1, "{devices:?}");
    assert_eq!(devices[0].as_object().unwrap().keys().collect::<Vec<_>>(), ["first_seen", "last_seen"]);
    assert_eq!(export["security_activity"][0]["kind"], "registered", "{}", export["security_activity"]);

    let documents = export["documents"].as_array().unwrap();
    assert_eq!(documents.len(), 101, "Ada's hundred and the one shared with her, not Grace's private one");
    let theirs: Vec<&Value> = documents.iter().filter(|d| d["owned"] == false).collect();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["title"], "Grace's, shared");
    assert!(theirs[0].get("body").is_none(), "another person's text stays theirs: {}", theirs[0]);
    assert!(documents.iter().filter(|d| d["owned"] == true).all(|d| d["body"] == "text"), "her own, with their text");

    let mut groups: Vec<(String, String)> = export["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["name"].as_str().unwrap().to_owned(), g["role"].as_str().unwrap().to_owned()))
        .collect();
    groups.sort();
    assert_eq!(groups, [("Ada's team".into(), "owner".into()), ("Grace's team".into(), "member".into())]);
}

#[tokio::test]
async fn sessions_are_listed_with_their_device_and_the_current_one_marked() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    app.login_from(&ada.email, PASSWORD, "Phone/1.0").await;
    let laptop = app.login_from(&ada.email, PASSWORD, "Laptop/2.0").await;

    let sessions = app.sessions(&laptop).await;
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions[0]["current"], true, "the current session comes first");
    assert_eq!(sessions[0]["user_agent"], "Laptop/2.0");
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let agents: Vec<&str> = sessions.iter().filter_map(|s| s["user_agent"].as_str()).collect();
    assert!(agents.contains(&"Phone/1.0"), "{agents:?}");
    for session in &sessions {
        assert_eq!(session["ip_address"], "127.0.0.1", "the client's address, not the backend's port");
        assert!(session["expires_at"].is_string() && session["issued_at"].is_string());
        assert_eq!(session["assurance_level"], "aal1");
        assert_eq!(session["methods"][0], "password");
    }
}

#[tokio::test]
async fn revoking_a_session_takes_effect_on_its_next_request() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let phone = app.login_from(&ada.email, PASSWORD, "Phone/1.0").await;
    let phone_id = app.sessions(&phone).await[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.home(&phone).await.status(), 200);

    assert_eq!(app.revoke_session(&ada.token, &phone_id).await.status(), 204);
    problem(app.home(&phone).await, 401, "unauthenticated").await;
    assert_eq!(app.sessions(&ada.token).await.len(), 1);
    problem(app.revoke_session(&ada.token, &phone_id).await, 404, "not_found").await;
}

#[tokio::test]
async fn nobody_can_revoke_someone_elses_session() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let eve = app.person("Eve").await;
    let ada_session = app.sessions(&ada.token).await[0]["id"].as_str().unwrap().to_owned();

    problem(app.revoke_session(&eve.token, &ada_session).await, 404, "not_found").await;
    problem(app.revoke_session(&eve.token, &uuid::Uuid::new_v4().to_string()).await, 404, "not_found").await;
    assert_eq!(app.whoami(&ada.token).await.status(), 200);
}

#[tokio::test]
async fn revoking_the_current_session_is_a_logout() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let own = app.sessions(&ada.token).await[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.revoke_session(&ada.token, &own).await.status(), 204);
    problem(app.whoami(&ada.token).await, 401, "unauthenticated").await;
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_only_this_session() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let phone = app.login_from(&ada.email, PASSWORD, "Phone/1.0").await;
    let laptop = app.login_from(&ada.email, PASSWORD, "Laptop/2.0").await;

    // A session that has ended already is not counted again.
    assert_eq!(app.logout(&ada.token).await.status(), 204);
    let revoked = app.revoke_other_sessions(&laptop).await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(revoked.json::<Value>().await.unwrap()["revoked"], 1);
    problem(app.home(&phone).await, 401, "unauthenticated").await;
    problem(app.home(&ada.token).await, 401, "unauthenticated").await;
    assert_eq!(app.home(&laptop).await.status(), 200);
    assert_eq!(app.sessions(&laptop).await.len(), 1);
}

#[tokio::test]
async fn registration_says_a_verification_code_is_on_its_way() {
    let app = spawn_app().await;
    let email = unique_email();
    let response = app.register(&email, "Ada", PASSWORD).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["verification"]["email"], email);
    assert!(uuid::Uuid::parse_str(body["verification"]["flow_id"].as_str().unwrap()).is_ok());
    assert_eq!(body["session"]["identity"]["email_verified"], false);
}

/// Signs in `count` times straight at Kratos' native login, eight at a time,
/// and returns the session tokens, oldest first. Not through the backend: its
/// login throttle would rightly stop one person signing in hundreds of times.
async fn sessions_at_kratos(ory: &OryStack, email: &str, count: usize) -> Vec<String> {
    let kratos = ory.kratos_public_url();
    let client = reqwest::Client::new();
    let mut tokens = Vec::with_capacity(count);
    while tokens.len() < count {
        let mut batch = tokio::task::JoinSet::new();
        for _ in 0..(count - tokens.len()).min(8) {
            let (client, kratos, email) = (client.clone(), kratos.clone(), email.to_owned());
            batch.spawn(async move {
                let flow: Value =
                    client.get(format!("{kratos}self-service/login/api")).send().await.unwrap().json().await.unwrap();
                let submitted: Value = client
                    .post(format!("{kratos}self-service/login?flow={}", flow["id"].as_str().unwrap()))
                    .json(&serde_json::json!({"method": "password", "identifier": email, "password": PASSWORD}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let token = submitted["session_token"].as_str().unwrap_or_else(|| panic!("{submitted}")).to_owned();
                (submitted["session"]["authenticated_at"].as_str().unwrap().to_owned(), token)
            });
        }
        let mut signed_in: Vec<(String, String)> = batch.join_all().await;
        signed_in.sort();
        tokens.extend(signed_in.into_iter().map(|(_, token)| token));
    }
    tokens
}

/// Kratos lists a person's sessions 250 to a page. The list, finding a session
/// by id, counting the ones signed out and the export read every page.
#[tokio::test]
async fn every_session_counts_past_the_first_page_of_kratos_list() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let app = spawn_app_on(ory, &[]).await;
    let ada = app.person("Ada").await;
    // Ada's first session (registration's) is the oldest of 261: the last page.
    let tokens = sessions_at_kratos(ory, &ada.email, 260).await;
    let newest = tokens.last().unwrap();
    let first_id = app.sessions(&ada.token).await[0]["id"].as_str().unwrap().to_owned();

    let listed = app.sessions(newest).await;
    assert_eq!(listed.len(), 261, "this session and all 260 others");
    assert_eq!(listed.last().unwrap()["id"], first_id.as_str(), "the oldest last, from Kratos' second page");

    assert_eq!(app.revoke_session(newest, &first_id).await.status(), 204);
    problem(app.home(&ada.token).await, 401, "unauthenticated").await;

    let export: Value =
        app.call(reqwest::Method::GET, "/api/account/export", Some(newest), None).await.json().await.unwrap();
    assert_eq!(export["sessions"].as_array().unwrap().len(), 260, "every session left, this one included");

    let revoked = app.revoke_other_sessions(newest).await;
    assert_eq!(revoked.json::<Value>().await.unwrap()["revoked"], 259);
    problem(app.home(&tokens[0]).await, 401, "unauthenticated").await;
    assert_eq!(app.sessions(newest).await.len(), 1);
}
