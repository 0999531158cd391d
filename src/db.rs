//! The backend's own database (SQLite by default, PostgreSQL in production).

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ColumnTrait, ConnectOptions, Database, DatabaseConnection, DbErr, EntityTrait, QueryFilter, prelude::Expr,
    sea_query::StringLen,
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
        .sqlx_logging(false);
    Database::connect(options).await
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
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
