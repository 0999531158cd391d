//! The backend's own database (SQLite by default, PostgreSQL in production).

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectOptions, Database, DatabaseConnection, DbErr,
    EntityTrait, IntoActiveModel, QueryFilter, prelude::Expr, sea_query::StringLen,
};
use secrecy::{ExposeSecret, SecretString};

pub async fn connect(url: &SecretString) -> Result<DatabaseConnection, DbErr> {
    let url = url.expose_secret();
    if let Some(dir) = sqlite_parent_dir(url) {
        std::fs::create_dir_all(dir).map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        // Statements are logged by our own spans where useful; sqlx's logging
        // would print every statement, parameters included, at info.
        .sqlx_logging(false)
        // SQLite's default rollback journal makes every write lock readers out:
        // a list waits for any share or edit in flight. In WAL mode readers
        // read the last commit while one writer writes. `synchronous` stays
        // FULL (sqlx's default), not the NORMAL WAL allows: a commit must
        // survive a power cut, because the index row written before a Keto
        // write is what the reconciler settles that write from (ARCHITECTURE.md,
        // "Consistency"). The mode is stored in the file; a `:memory:`
        // database keeps its own.
        .map_sqlx_sqlite_opts(|sqlite| sqlite.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal));
    Database::connect(options).await
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Seconds since the Unix epoch: how the tables written without an entity (used
/// TOTP codes, account deletions, the notices' outbox) keep times, the same in
/// SQLite and PostgreSQL.
pub fn unix_now() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(now.as_secs()).unwrap_or(i64::MAX)
}

/// A column (or table) of a table written without an entity, by name.
pub fn ident(name: &'static str) -> sea_orm::sea_query::Alias {
    sea_orm::sea_query::Alias::new(name)
}

/// The hex SHA-256 of `parts`, one after another: how a table keeps a key that
/// must not name what it stands for (a used code, a device).
pub fn sha256_hex(parts: &[&[u8]]) -> String {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    for part in parts {
        digest.update(part);
    }
    digest.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 random bytes as 64 lower-case hex digits: unguessable, and safe in URLs,
/// headers and JSON alike. Stored only as `sha256_hex` where it is a secret.
pub fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `value` has the shape `random_hex` makes.
pub fn is_hex64(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// For `sqlite://some/dir/file.sqlite?…`, the directory, so that a fresh checkout works.
fn sqlite_parent_dir(url: &str) -> Option<&std::path::Path> {
    let path = url.strip_prefix("sqlite://")?.split('?').next()?;
    let parent = std::path::Path::new(path).parent()?;
    (!parent.as_os_str().is_empty() && path != ":memory:").then_some(parent)
}

/// Where a row is in the sequence of database and Keto writes that creates or
/// deletes it (see ARCHITECTURE.md, "Consistency"). Only `Active` rows exist as far
/// as the API is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RowState {
    /// Inserted; the owner's Keto tuples are not confirmed yet.
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "active")]
    Active,
    /// Being deleted; its Keto tuples may be partly gone.
    #[sea_orm(string_value = "deleting")]
    Deleting,
}

/// A failure of one of the two stores a write spans; both answer 503.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row changed state under us (deleted concurrently, say).
    #[error("the row is gone")]
    Gone,
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error(transparent)]
    Keto(#[from] crate::ory::OryError),
}

/// A table whose rows carry a [`RowState`]: documents and groups.
pub trait Stateful: EntityTrait {
    const ID: Self::Column;
    const STATE: Self::Column;
    const UPDATED_AT: Self::Column;

    /// Sets the state of an already loaded model to `active`.
    fn activate(model: &mut Self::Model);
}

/// Moves row `id` from `from` to `to`; `Gone` if it was not in `from` (a
/// concurrent delete, say).
pub async fn set_state<E: Stateful>(
    db: &DatabaseConnection,
    id: uuid::Uuid,
    from: RowState,
    to: RowState,
) -> Result<(), StoreError> {
    let result = E::update_many()
        .col_expr(E::STATE, Expr::value(to))
        .col_expr(E::UPDATED_AT, Expr::value(chrono::Utc::now()))
        .filter(E::ID.eq(id))
        .filter(E::STATE.eq(from))
        .exec(db)
        .await?;
    if result.rows_affected == 0 { Err(StoreError::Gone) } else { Ok(()) }
}

/// The create sequence (ARCHITECTURE.md, "Consistency"): insert `row` as
/// `pending`, then `write_tuples` in Keto, then mark the row `active`. If Keto
/// fails, the row is deleted again; if that fails too, or the process dies, the
/// reconciler removes the stale `pending` row and whatever tuples it got.
pub async fn create<A, F>(
    db: &DatabaseConnection,
    row: A,
    id: uuid::Uuid,
    write_tuples: F,
) -> Result<ModelOf<A>, StoreError>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    A::Entity: Stateful,
    ModelOf<A>: IntoActiveModel<A>,
    F: Future<Output = Result<(), StoreError>>,
{
    let mut model = row.insert(db).await?;
    if let Err(error) = write_tuples.await {
        let _ = A::Entity::delete_many().filter(<A::Entity as Stateful>::ID.eq(id)).exec(db).await;
        return Err(error);
    }
    set_state::<A::Entity>(db, id, RowState::Pending, RowState::Active).await?;
    <A::Entity as Stateful>::activate(&mut model);
    Ok(model)
}

/// The delete sequence: mark the row `deleting` (the API no longer sees it), then
/// `forget_tuples` in Keto (one atomic call), then delete the row. If Keto fails,
/// the row goes back to `active` and the caller answers 503 with nothing changed;
/// if that fails too, or the process dies, the reconciler finishes the deletion.
pub async fn delete<E, F>(db: &DatabaseConnection, id: uuid::Uuid, forget_tuples: F) -> Result<(), StoreError>
where
    E: Stateful,
    F: Future<Output = Result<(), StoreError>>,
{
    delete_in_steps::<E, _, _>(db, id, forget_tuples, std::future::ready(Ok(()))).await
}

/// The delete sequence for an object whose tuples take Keto more than one call:
/// as `delete` while `first` fails (the row is `active` again, nothing
/// changed), but once `first` is done the deletion rolls forward, because Keto
/// has lost part of the object. If `rest` fails, the row stays `deleting`
/// (invisible to the API) and `Ok` is returned: the reconciler finishes it.
pub async fn delete_in_steps<E, F, G>(
    db: &DatabaseConnection,
    id: uuid::Uuid,
    first: F,
    rest: G,
) -> Result<(), StoreError>
where
    E: Stateful,
    F: Future<Output = Result<(), StoreError>>,
    G: Future<Output = Result<(), StoreError>>,
{
    set_state::<E>(db, id, RowState::Active, RowState::Deleting).await?;
    if let Err(error) = first.await {
        let _ = set_state::<E>(db, id, RowState::Deleting, RowState::Active).await;
        return Err(error);
    }
    if let Err(error) = rest.await {
        tracing::warn!(%error, %id, "a deletion stopped half-way in Keto; the reconciler will finish it");
        return Ok(());
    }
    E::delete_many().filter(E::ID.eq(id)).exec(db).await?;
    Ok(())
}

type ModelOf<A> = <<A as ActiveModelTrait>::Entity as EntityTrait>::Model;

/// Rows left `pending` or `deleting` for longer than `grace`: writes a crash interrupted.
pub async fn unfinished<E: Stateful>(
    db: &DatabaseConnection,
    grace: chrono::Duration,
) -> Result<Vec<E::Model>, StoreError> {
    let cutoff = chrono::Utc::now() - grace;
    Ok(E::find()
        .filter(E::STATE.is_in([RowState::Pending, RowState::Deleting]))
        .filter(E::UPDATED_AT.lte(cutoff))
        .all(db)
        .await?)
}
