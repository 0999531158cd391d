//! The backend's own SQLite database (the embedded default; PostgreSQL's
//! concurrency is its own).

use std::time::Duration;

use reqwest::Method;
use sea_orm::sqlx::{Connection, Executor, SqliteConnection};
use serde_json::Value;

use crate::helpers::spawn_app;

/// In SQLite's default rollback journal a writer about to commit locks every
/// reader out, so a list would wait out the busy timeout (5 s) behind a slow
/// write and then fail. The backend opens its database in WAL mode, where
/// readers go on reading the last commit while one connection writes.
#[tokio::test]
async fn a_list_is_not_held_up_by_a_write_in_flight() {
    let app = spawn_app().await;
    let ada = app.person("Ada").await;
    app.create_document(&ada, "Before the write").await;

    let mut writer = SqliteConnection::connect(&app.database_url).await.unwrap();
    // EXCLUSIVE: the lock a rollback-journal writer holds while it commits.
    writer.execute("BEGIN EXCLUSIVE").await.unwrap();
    writer.execute("UPDATE documents SET title = 'Mid-write'").await.unwrap();

    let list =
        tokio::time::timeout(Duration::from_secs(3), app.call(Method::GET, "/api/documents", Some(&ada.token), None))
            .await
            .expect("the list answers while the write is open");
    assert_eq!(list.status(), 200);
    let list: Value = list.json().await.unwrap();
    assert_eq!(list["items"][0]["title"], "Before the write", "readers see the last commit");

    writer.execute("ROLLBACK").await.unwrap();
    let journal: (String,) = sea_orm::sqlx::query_as("PRAGMA journal_mode").fetch_one(&mut writer).await.unwrap();
    assert_eq!(journal.0, "wal");
}

/// The migration that adds `documents.title_folded` fills it for the documents
/// already there, and the one that adds accents to the fold folds them again,
/// as the backend folds a new title, so an old document is found like a new one.
#[tokio::test]
async fn documents_from_before_the_folded_title_get_it() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Database};

    let dir = tempfile::tempdir().unwrap();
    let db = Database::connect(format!("sqlite://{}?mode=rwc", dir.path().join("old.sqlite").display())).await.unwrap();
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let position = |name: &str| u32::try_from(names.iter().position(|n| n == name).unwrap()).unwrap();
    let insert = |id: &str, title: &str, folded: Option<&str>| {
        let (column, value) = match folded {
            Some(folded) => (", title_folded", format!(", '{folded}'")),
            None => ("", String::new()),
        };
        format!(
            "INSERT INTO documents (id, title, body, owner_id, state, created_at, updated_at{column}) \
             VALUES ('{id}', '{title}', '', 'owner', 'active', '2026-12-06T00:00:00Z', '2026-12-06T00:00:00Z'{value})"
        )
    };
    let folded = || async {
        let rows = db
            .query_all_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT title_folded FROM documents ORDER BY id",
            ))
            .await
            .unwrap();
        rows.iter().map(|row| row.try_get::<String>("", "title_folded").unwrap()).collect::<Vec<_>>()
    };

    // Written before the column.
    Migrator::up(&db, Some(position("m20261211_000001_document_title_folded"))).await.unwrap();
    for (id, title) in [("1", "Über den ÄRGER"), ("2", "Plain TITLE"), ("3", "Über den ÄRGER")] {
        db.execute_unprepared(&insert(id, title, None)).await.unwrap();
    }
    Migrator::up(&db, Some(1)).await.unwrap();
    assert_eq!(folded().await, ["über den ärger", "plain title", "über den ärger"], "lower-cased, every letter");

    // Written with the lower-cased fold, before accents were folded too.
    db.execute_unprepared(&insert("4", "Résumé, STRAßE", Some("résumé, straße"))).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(folded().await, ["uber den arger", "plain title", "uber den arger", "resume, strasse"]);
}

/// The migration that makes the account's first device a claim (a row in
/// `device_accounts`) makes it for every account with a device already: their
/// next new device is news, and only an account with none still has its first
/// sign-in to come.
#[tokio::test]
async fn accounts_with_devices_from_before_the_claim_have_had_their_first() {
    use migration::{Migrator, MigratorTrait};
    use ory_spa::notify::devices::{self, Sighting};
    use sea_orm::{ConnectionTrait, Database};

    let dir = tempfile::tempdir().unwrap();
    let db = Database::connect(format!("sqlite://{}?mode=rwc", dir.path().join("old.sqlite").display())).await.unwrap();
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let before = names.iter().position(|n| n == "m20261213_000001_device_accounts").unwrap();
    Migrator::up(&db, Some(u32::try_from(before).unwrap())).await.unwrap();
    let (seen, unseen) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    for device in ["a", "b"] {
        // Bound, as the backend writes it: SQLite keeps a UUID as 16 bytes.
        let insert = sea_orm::Statement::from_sql_and_values(
            db.get_database_backend(),
            "INSERT INTO known_devices (identity_id, device, first_seen, last_seen) VALUES (?, ?, 1, 1)",
            [seen.into(), device.into()],
        );
        db.execute_raw(insert).await.unwrap();
    }
    Migrator::up(&db, None).await.unwrap();

    let client = ory_spa::ory::ClientInfo { user_agent: Some("Laptop/2.0".into()), ip: None };
    assert_eq!(devices::sighting(&db, seen, &client).await.unwrap(), Sighting::New);
    assert_eq!(devices::sighting(&db, unseen, &client).await.unwrap(), Sighting::First);
    assert_eq!(devices::sighting(&db, unseen, &client).await.unwrap(), Sighting::Known);
}
