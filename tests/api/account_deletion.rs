//! `DELETE /api/account`: the identity goes at once, then everything the person
//! owns and every grant that names them; the reconciler finishes what a crash
//! or another replica's cached session left.

use std::time::Duration;

use ory_spa::{authz::Authorizer, reconcile};
use reqwest::Method;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, Person, TestApp, fault_proxy::FaultProxy, ory::OryStack, problem, spawn_app, spawn_app_on, spawn_replica,
};

async fn delete_account(app: &TestApp, person: &Person) -> reqwest::Response {
    app.call(Method::DELETE, "/api/account", Some(&person.token), None).await
}

async fn database(app: &TestApp) -> DatabaseConnection {
    sea_orm::Database::connect(&app.database_url).await.unwrap()
}

async fn count(db: &DatabaseConnection, sql: &str, id: &str) -> i64 {
    let backend = db.get_database_backend();
    let sql = if backend == sea_orm::DbBackend::Postgres { sql.replace('?', "$1") } else { sql.to_owned() };
    let id: uuid::Uuid = id.parse().unwrap();
    let row = db.query_one_raw(Statement::from_sql_and_values(backend, sql, [id.into()])).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// The tuples Keto lists for `query`.
async fn keto_tuples(ory: &OryStack, query: &[(&str, &str)]) -> Vec<Value> {
    let body: Value = reqwest::Client::new()
        .get(format!("{}relation-tuples", ory.keto_read_url()))
        .query(query)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["relation_tuples"].as_array().unwrap().clone()
}

/// Every tuple Keto holds whose subject is the person, in our three namespaces.
async fn tuples_naming(ory: &OryStack, person: &Person) -> Vec<Value> {
    let mut all = Vec::new();
    for namespace in ["Document", "Group", "App"] {
        let subject = [
            ("namespace", namespace),
            ("subject_set.namespace", "User"),
            ("subject_set.object", &person.id),
            ("subject_set.relation", ""),
        ];
        all.extend(keto_tuples(ory, &subject).await);
    }
    all
}

async fn reconcile_now(app: &TestApp, ory: &OryStack) -> usize {
    let db = database(app).await;
    let authz = Authorizer::new(ory.keto(), db.clone());
    reconcile::run_once(&db, &authz, &ory.kratos(), reconcile::Grace::none()).await.unwrap()
}

/// Waits (at most 10 s) for the purge the request started to reach `expected`.
async fn wait_for_titles(app: &TestApp, person: &Person, expected: &[&str]) {
    let mut titles = Vec::new();
    for _ in 0..100 {
        titles = app.titles(person).await;
        titles.sort();
        if titles == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{}'s list is still {titles:?}, not {expected:?}", person.email);
}

#[tokio::test]
async fn deleting_an_account_ends_it_and_removes_what_the_person_owns_and_was_given() {
    let app = spawn_app().await;
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let ada = app.person("Ada").await;
    let grace = app.person("Grace").await;

    // Ada's: a private document, one shared with Grace, a group with Grace in it
    // and a document shared with that group.
    let private = app.create_document(&ada, "Ada's private").await;
    let shared = app.create_document(&ada, "Ada's shared").await;
    app.share(&ada, &shared, json!({ "email": grace.email, "role": "editor" })).await;
    let adas_team = app.create_group(&ada, "Ada's team", &[&grace]).await;
    let for_team = app.create_document(&ada, "Ada's for the team").await;
    app.share(&ada, &for_team, json!({ "group_id": adas_team, "role": "viewer" })).await;
    // Grace's: a document shared with Ada, and a group Ada is in.
    let graces = app.create_document(&grace, "Grace's").await;
    app.share(&grace, &graces, json!({ "email": ada.email, "role": "viewer" })).await;
    let graces_team = app.create_group(&grace, "Grace's team", &[&ada]).await;
    wait_for_titles(&app, &grace, &["Ada's for the team", "Ada's shared", "Grace's"]).await;
    let devices = "SELECT COUNT(*) FROM known_devices WHERE identity_id = ?";
    assert_eq!(count(&database(&app).await, devices, &ada.id).await, 1, "the device Ada registered from");
    let claimed = "SELECT COUNT(*) FROM device_accounts WHERE identity_id = ?";
    assert_eq!(count(&database(&app).await, claimed, &ada.id).await, 1, "and that it was her first");
    let activity = "SELECT COUNT(*) FROM security_activity WHERE identity_id = ?";
    assert!(count(&database(&app).await, activity, &ada.id).await > 0, "Ada's security activity");

    assert_eq!(delete_account(&app, &ada).await.status(), 204);

    problem(app.whoami(&ada.token).await, 401, "unauthenticated").await;
    problem(app.login(&ada.email, PASSWORD).await, 400, "invalid_credentials").await;
    wait_for_titles(&app, &grace, &["Grace's"]).await;
    let collaborators: Value = app
        .call(Method::GET, &format!("/api/documents/{graces}/collaborators"), Some(&grace.token), None)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> =
        collaborators["collaborators"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [grace.id.as_str()], "Ada's share of Grace's document is gone");
    let team: Value = app
        .call(Method::GET, &format!("/api/groups/{graces_team}"), Some(&grace.token), None)
        .await
        .json()
        .await
        .unwrap();
    let members: Vec<&str> = team["members"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(members, [grace.id.as_str()], "Ada left Grace's group");
    problem(
        app.call(Method::GET, &format!("/api/groups/{adas_team}"), Some(&grace.token), None).await,
        404,
        "not_found",
    )
    .await;

    assert_eq!(tuples_naming(ory, &ada).await, Vec::<Value>::new(), "Keto names Ada nowhere");
    for document in [&private, &shared, &for_team] {
        let on_it = keto_tuples(ory, &[("namespace", "Document"), ("object", document.as_str())]).await;
        assert_eq!(on_it, Vec::<Value>::new(), "no tuple is left on Ada's document {document}");
    }
    let db = database(&app).await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM documents WHERE owner_id = ?", &ada.id).await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM groups WHERE owner_id = ?", &ada.id).await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM access_index WHERE subject_object = ?", &ada.id).await, 0);

    // The request is kept until every replica's cached sessions have expired;
    // the reconciler then purges once more and forgets it.
    let requested = "SELECT COUNT(*) FROM account_deletions WHERE identity_id = ?";
    assert_eq!(count(&db, requested, &ada.id).await, 1);
    assert_eq!(reconcile_now(&app, ory).await, 1);
    assert_eq!(count(&db, requested, &ada.id).await, 0);
    assert_eq!(count(&db, devices, &ada.id).await, 0, "no device of Ada's is remembered");
    assert_eq!(count(&db, claimed, &ada.id).await, 0, "nor that she had one");
    let activity = "SELECT COUNT(*) FROM security_activity WHERE identity_id = ?";
    assert_eq!(count(&db, activity, &ada.id).await, 0, "nor her security activity");

    // The address is free: a new, empty account.
    let again = app.register(&ada.email, "Ada", PASSWORD).await;
    assert_eq!(again.status(), 201);
    let token = again.json::<Value>().await.unwrap()["session_token"].as_str().unwrap().to_owned();
    let list: Value = app.call(Method::GET, "/api/documents", Some(&token), None).await.json().await.unwrap();
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn deleting_an_account_needs_a_recent_login() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let app = spawn_app_on(ory, &[("APP_ACCOUNT_DELETION_MAX_LOGIN_AGE_MS", "1000")]).await;
    problem(
        app.call(Method::DELETE, "/api/account", Some("ory_st_not_a_real_token"), None).await,
        401,
        "unauthenticated",
    )
    .await;
    let ada = app.person("Ada").await;
    tokio::time::sleep(Duration::from_millis(1200)).await;

    problem(delete_account(&app, &ada).await, 403, "session_refresh_required").await;
    assert_eq!(app.whoami(&ada.token).await.status(), 200, "nothing happened");

    assert_eq!(app.reauthenticate(&ada.token, PASSWORD).await.status(), 200);
    assert_eq!(delete_account(&app, &ada).await.status(), 204);
    problem(app.whoami(&ada.token).await, 401, "unauthenticated").await;
}

/// Kratos' admin API refusing the deletion, through the fault proxy: a real
/// Kratos can be stopped, but restarting it on its port races the other tests'
/// connections for that port, and the proxy fails the admin API alone, answering
/// 503 without passing the request on, as a refusal does.
#[tokio::test]
async fn a_deletion_kratos_refuses_changes_nothing_and_a_retry_goes_through() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let proxy = FaultProxy::start(ory.kratos_admin).await;
    let app = spawn_app_on(ory, &[("APP_KRATOS_ADMIN_URL", &proxy.url())]).await;
    let ada = app.person("Ada").await;
    app.create_document(&ada, "Still mine").await;

    proxy.fail(true);
    problem(delete_account(&app, &ada).await, 503, "service_unavailable").await;
    proxy.fail(false);

    let db = database(&app).await;
    let failed = "SELECT COUNT(*) FROM account_deletions WHERE identity_id = ? AND kratos_failed";
    assert_eq!(count(&db, failed, &ada.id).await, 1, "kept until Kratos says whether it deleted the identity");
    assert_eq!(reconcile_now(&app, ory).await, 1, "the identity is still there: the deletion is forgotten");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM account_deletions WHERE identity_id = ?", &ada.id).await, 0);
    assert_eq!(app.login(&ada.email, PASSWORD).await.status(), 200, "the account is whole");
    assert_eq!(app.titles(&ada).await, ["Still mine"]);

    assert_eq!(delete_account(&app, &ada).await.status(), 204, "asked again, it goes through");
    wait_for_purge(ory, &ada).await;
}

/// Kratos answered too late (the request timed out and answered 503) but did
/// delete the identity: the reconciler finds it gone and purges what it owned.
#[tokio::test]
async fn a_deletion_kratos_carried_out_after_a_503_is_finished_by_the_reconciler() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let app = spawn_app_on(ory, NO_BACKGROUND_RECONCILER).await;
    let ada = app.person("Ada").await;
    let document = app.create_document(&ada, "Mine").await;
    let db = database(&app).await;
    insert_request(&db, &ada, true).await;
    ory.kratos().delete_identity(ada.id.parse().unwrap()).await.unwrap();

    assert_eq!(reconcile_now(&app, ory).await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM documents WHERE id = ?", &document).await, 0);
    assert_eq!(tuples_naming(ory, &ada).await, Vec::<Value>::new());
    assert_eq!(count(&db, "SELECT COUNT(*) FROM account_deletions WHERE identity_id = ?", &ada.id).await, 0);
}

/// For the tests that write a due row themselves: the app's own reconciler, whose
/// first pass runs at start-up, would otherwise race `reconcile_now` for it (it
/// did once, on a loaded PostgreSQL, and the count came back 0).
const NO_BACKGROUND_RECONCILER: &[(&str, &str)] = &[("APP_RECONCILE_INTERVAL_MS", "0")];

/// A row of `account_deletions` as a request leaves it, from long enough ago.
async fn insert_request(db: &DatabaseConnection, person: &Person, kratos_failed: bool) {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "INSERT INTO account_deletions (identity_id, requested_at, kratos_failed) VALUES ($1, 0, $2)"
        }
        _ => "INSERT INTO account_deletions (identity_id, requested_at, kratos_failed) VALUES (?, 0, ?)",
    };
    let id: uuid::Uuid = person.id.parse().unwrap();
    db.execute_raw(Statement::from_sql_and_values(backend, sql, [id.into(), kratos_failed.into()])).await.unwrap();
}

/// Waits (at most 10 s) until Keto names the person nowhere: the purge is over.
async fn wait_for_purge(ory: &OryStack, person: &Person) {
    for _ in 0..100 {
        if tuples_naming(ory, person).await.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(tuples_naming(ory, person).await, Vec::<Value>::new(), "the purge did not finish");
}

#[tokio::test]
async fn a_deletion_a_crash_interrupted_is_finished_by_the_reconciler() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let app = spawn_app_on(ory, NO_BACKGROUND_RECONCILER).await;
    let ada = app.person("Ada").await;
    let document = app.create_document(&ada, "Mine").await;

    // What step 1 writes before the process died: the request, nothing else.
    let db = database(&app).await;
    insert_request(&db, &ada, false).await;
    assert_eq!(app.whoami(&ada.token).await.status(), 200, "the account is still there");

    assert_eq!(reconcile_now(&app, ory).await, 1);
    problem(app.login(&ada.email, PASSWORD).await, 400, "invalid_credentials").await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM documents WHERE id = ?", &document).await, 0);
    assert_eq!(tuples_naming(ory, &ada).await, Vec::<Value>::new());
}

/// Another replica may hold the person's session in its cache for up to its
/// time after the identity is gone, and let a write through; the reconciler's
/// second purge, after that time, removes it.
#[tokio::test]
async fn what_another_replicas_cached_session_wrote_after_the_deletion_is_purged_too() {
    let first = spawn_app().await;
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let cached = [("APP_SESSION_CACHE_TTL_MS", "60000")];
    let second = spawn_replica(&first, ory, &cached).await;
    let ada = first.person("Ada").await;
    assert_eq!(second.home(&ada.token).await.status(), 200);

    assert_eq!(delete_account(&first, &ada).await.status(), 204);
    // The purge the request started is over (its last step removes `App:home`),
    // so only the reconciler's can remove what comes next.
    wait_for_purge(ory, &ada).await;
    let late =
        second.call(Method::POST, "/api/documents", Some(&ada.token), Some(json!({ "title": "Written late" }))).await;
    assert_eq!(late.status(), 201, "the second replica still trusts its cached session");
    let late = late.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    assert_eq!(reconcile_now(&first, ory).await, 1);
    let db = database(&first).await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM documents WHERE id = ?", &late).await, 0);
    assert_eq!(tuples_naming(ory, &ada).await, Vec::<Value>::new());
}
