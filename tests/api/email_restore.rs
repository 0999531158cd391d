//! Undoing an email change with the link mailed to the old address: against the
//! real Kratos and Mailpit.

use reqwest::{Method, Response};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, ory::OryStack, problem, spawn_app, spawn_app_on, unique_email};

/// The link's secret in the `nth` notice to `old`, after checking the link's form.
async fn undo_token(app: &TestApp, old: &str, nth: usize) -> String {
    let notice = app.mailbox.wait_for_notice(old, nth).await;
    assert_eq!(notice.subject, "Your ory-spa email address was changed");
    // The tests' backends leave APP_SPA_URL at its default.
    let start = notice.text.find("http://127.0.0.1:8080/restore-email#token=").expect(&notice.text);
    let link = &notice.text[start..];
    let token: String = link["http://127.0.0.1:8080/restore-email#token=".len()..].chars().take(64).collect();
    assert_eq!(token.len(), 64, "{}", notice.text);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    token
}

async fn restore(app: &TestApp, token: &str) -> Response {
    app.call(Method::POST, "/api/account/email/restore", None, Some(json!({ "token": token }))).await
}

async fn database(app: &TestApp) -> DatabaseConnection {
    sea_orm::Database::connect(&app.database_url).await.unwrap()
}

async fn links_of(db: &DatabaseConnection, identity: &str) -> i64 {
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        match db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => "SELECT COUNT(*) FROM email_restores WHERE identity_id = $1",
            _ => "SELECT COUNT(*) FROM email_restores WHERE identity_id = ?",
        },
        [identity.parse::<uuid::Uuid>().unwrap().into()],
    );
    db.query_one_raw(statement).await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test]
async fn a_changed_address_comes_back_with_the_link_and_whoever_changed_it_is_out() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let theirs = unique_email();

    // Someone with Ada's session moves the account to their address, and adds
    // their own second factors.
    assert_eq!(app.change_email(&ada.token, &theirs).await.status(), 200);
    let token = undo_token(&app, &ada.email, 1).await;
    app.enrol_totp(&ada.token).await;
    app.enrol_recovery_codes(&ada.token).await;
    assert!(!app.mailbox.wait_for_notice(&ada.email, 1).await.text.contains(&ada.token));

    // This replica has the session cached when the undo comes.
    assert_eq!(app.whoami(&ada.token).await.status(), 200);
    let restored = restore(&app, &token).await;
    assert_eq!(restored.status(), 200);
    let restored: Value = restored.json().await.unwrap();
    assert_eq!(restored, json!({ "email": ada.email, "authenticator_removed": true, "recovery_codes_removed": true }));

    // Every session ended, this replica's cached one included.
    assert_eq!(app.whoami(&ada.token).await.status(), 401);
    // The old address signs in again, with the password alone; the other does not.
    let login = app.login(&ada.email, PASSWORD).await;
    assert_eq!(login.status(), 200, "no second factor is asked for");
    let login: Value = login.json().await.unwrap();
    let identity = &login["session"]["identity"];
    assert_eq!(identity["email"], ada.email.as_str());
    assert_eq!(identity["email_verified"], true, "the link proved the address");
    problem(app.login(&theirs, PASSWORD).await, 400, "invalid_credentials").await;

    // Recovery mails the old address again: the owner can set a new password.
    let recovery = app.send_recovery_code(&ada.email).await;
    assert_eq!(recovery.status(), 202);
    let flow = recovery.json::<Value>().await.unwrap()["flow_id"].as_str().unwrap().to_owned();
    // The registration's verification code was the first of Kratos' mails to it.
    let mail = app.mailbox.wait_for_mail(&ada.email, 2).await;
    assert_eq!(mail.subject, "Reset your ory-spa password");
    let recovered = app.recover(&flow, &mail.code().expect("a code")).await;
    assert_eq!(recovered.status(), 200, "{}", recovered.text().await.unwrap());

    // The link is spent, and the activity says what happened.
    problem(restore(&app, &token).await, 400, "restore_link_invalid").await;
    let session = login["session_token"].as_str().unwrap();
    let activity: Value =
        app.call(Method::GET, "/api/account/activity", Some(session), None).await.json().await.unwrap();
    let kinds: Vec<&str> = activity["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    let restored_at = kinds.iter().position(|k| *k == "email_restored").expect("logged");
    let changed_at = kinds.iter().position(|k| *k == "email_changed").expect("logged");
    assert!(restored_at < changed_at, "newest first: {kinds:?}");
}

#[tokio::test]
async fn a_second_factor_from_before_the_change_stays() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    app.enrol_totp(&ada.token).await;

    assert_eq!(app.change_email(&ada.token, &unique_email()).await.status(), 200);
    // The first notice was of the authenticator app.
    let restored: Value = restore(&app, &undo_token(&app, &ada.email, 2).await).await.json().await.unwrap();
    assert_eq!(restored["authenticator_removed"], false);
    assert_eq!(restored["recovery_codes_removed"], false);
    let login = app.login(&ada.email, PASSWORD).await;
    assert_eq!(login.status(), 202, "Ada's own authenticator app is still asked for");
}

#[tokio::test]
async fn a_second_change_does_not_defeat_the_first_undo_and_one_undo_ends_every_link() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let (first, second) = (unique_email(), unique_email());

    assert_eq!(app.change_email(&ada.token, &first).await.status(), 200);
    let ours = undo_token(&app, &ada.email, 1).await;
    assert_eq!(app.change_email(&ada.token, &second).await.status(), 200);
    let theirs = undo_token(&app, &first, 1).await;
    let db = database(&app).await;
    assert_eq!(links_of(&db, &ada.id).await, 2);

    let restored: Value = restore(&app, &ours).await.json().await.unwrap();
    assert_eq!(restored["email"], ada.email.as_str(), "from the second address too");
    problem(restore(&app, &theirs).await, 400, "restore_link_invalid").await;
    assert_eq!(links_of(&db, &ada.id).await, 0);
    assert_eq!(app.login(&ada.email, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn a_link_that_is_not_one_or_is_too_old_changes_nothing() {
    // Without the background reconciler, only the pass below removes the link.
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let app = spawn_app_on(ory, &[("APP_RECONCILE_INTERVAL_MS", "0")]).await;
    let ada = app.person("Ada").await;
    let theirs = unique_email();
    assert_eq!(app.change_email(&ada.token, &theirs).await.status(), 200);
    let token = undo_token(&app, &ada.email, 1).await;

    for bad in [&token[..63], "not a token", &"0".repeat(64), &token.to_uppercase()] {
        let refused = problem(restore(&app, bad).await, 400, "restore_link_invalid").await;
        assert!(refused["detail"].as_str().unwrap().contains("seven days"), "{refused}");
    }
    let malformed = app.call(Method::POST, "/api/account/email/restore", None, Some(json!({ "link": token }))).await;
    problem(malformed, 400, "malformed_request").await;

    // Past its seven days.
    let db = database(&app).await;
    db.execute_unprepared("UPDATE email_restores SET expires_at = created_at - 1").await.unwrap();
    problem(restore(&app, &token).await, 400, "restore_link_invalid").await;

    assert_eq!(app.whoami(&ada.token).await.status(), 200, "nothing was signed out");
    assert_eq!(app.login(&theirs, PASSWORD).await.status(), 200, "the address was not touched");

    // The reconciler's pass removes the expired link, and the old address with it.
    assert_eq!(links_of(&db, &ada.id).await, 1, "an expired link stays until the reconciler's pass");
    let authz = ory_spa::authz::Authorizer::new(ory.keto(), db.clone());
    ory_spa::reconcile::run_once(&db, &authz, &ory.kratos(), ory_spa::reconcile::Grace::none()).await.unwrap();
    assert_eq!(links_of(&db, &ada.id).await, 0);
}

#[tokio::test]
async fn an_address_another_account_took_meanwhile_is_refused_and_the_link_still_works_later() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    assert_eq!(app.change_email(&ada.token, &unique_email()).await.status(), 200);
    let token = undo_token(&app, &ada.email, 1).await;

    // Someone registers Ada's old address in the meantime.
    let taken = app.register(&ada.email, "Mallory", PASSWORD).await;
    assert_eq!(taken.status(), 201);
    let mallory: Value = taken.json().await.unwrap();
    let refused = problem(restore(&app, &token).await, 409, "conflict").await;
    assert!(refused["detail"].as_str().unwrap().contains("still works"), "{refused}");
    assert_eq!(app.whoami(&ada.token).await.status(), 200, "nothing was signed out");

    // Once that account is gone (here its holder deletes it), the link does its work.
    let mallory = mallory["session_token"].as_str().unwrap();
    assert_eq!(app.call(Method::DELETE, "/api/account", Some(mallory), None).await.status(), 204);
    assert_eq!(restore(&app, &token).await.status(), 200);
    assert_eq!(app.login(&ada.email, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn without_mail_there_is_no_link() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let app = spawn_app_on(ory, &[("APP_SMTP_URL", "")]).await;
    let ada = app.person("Ada").await;
    assert_eq!(app.change_email(&ada.token, &unique_email()).await.status(), 200);
    assert_eq!(links_of(&database(&app).await, &ada.id).await, 0);
}

#[tokio::test]
async fn the_export_lists_the_links_without_their_secret_and_the_account_takes_them_along() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    let theirs = unique_email();
    assert_eq!(app.change_email(&ada.token, &theirs).await.status(), 200);
    let token = undo_token(&app, &ada.email, 1).await;

    let export: Value =
        app.call(Method::GET, "/api/account/export", Some(&ada.token), None).await.json().await.unwrap();
    let links = export["email_undo_links"].as_array().unwrap();
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(links[0]["old_email"], ada.email.as_str());
    assert_eq!(links[0]["new_email"], theirs.as_str());
    assert_eq!(
        links[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["created_at", "expires_at", "new_email", "old_email"]
    );
    assert!(!export.to_string().contains(&token), "the secret is not kept");

    assert_eq!(app.call(Method::DELETE, "/api/account", Some(&ada.token), None).await.status(), 204);
    let db = database(&app).await;
    for _ in 0..100 {
        if links_of(&db, &ada.id).await == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(links_of(&db, &ada.id).await, 0, "the purge ends the account's links");
    problem(restore(&app, &token).await, 400, "restore_link_invalid").await;
}
