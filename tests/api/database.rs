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
/// already there, folded as the backend folds a new title (every letter, not
/// only ASCII), so an old document is found like a new one.
#[tokio::test]
async fn documents_from_before_the_folded_title_get_it() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Database};

    let dir = tempfile::tempdir().unwrap();
    let db = Database::connect(format!("sqlite://{}?mode=rwc", dir.path().join("old.sqlite").display())).await.unwrap();
    let before = u32::try_from(Migrator::migrations().len()).unwrap() - 1;
    Migrator::up(&db, Some(before)).await.unwrap();
    for (id, title) in [("1", "Über den ÄRGER"), ("2", "Plain TITLE"), ("3", "Über den ÄRGER")] {
        db.execute_unprepared(&format!(
            "INSERT INTO documents (id, title, body, owner_id, state, created_at, updated_at) \
             VALUES ('{id}', '{title}', '', 'owner', 'active', '2026-12-06T00:00:00Z', '2026-12-06T00:00:00Z')"
        ))
        .await
        .unwrap();
    }
    Migrator::up(&db, None).await.unwrap();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT title_folded FROM documents ORDER BY id",
        ))
        .await
        .unwrap();
    let folded: Vec<String> = rows.iter().map(|row| row.try_get("", "title_folded").unwrap()).collect();
    assert_eq!(folded, ["über den ärger", "plain title", "über den ärger"]);
}
