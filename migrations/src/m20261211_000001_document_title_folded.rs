use sea_orm_migration::prelude::*;

use crate::fold::fill_title_folded;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A document's title as the list's search compares it: lower-cased in Rust,
/// the same way on every database. SQLite's `lower()` folds ASCII letters only,
/// so a search for "ärger" missed "Ärger" there and found it on PostgreSQL.
/// The backend writes the column with the title; this fills it for the rows
/// already there, in the same fold (`str::to_lowercase`) as the backend's then.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Documents::Table)
                    // Text: lower-casing can lengthen a title past its 200 characters.
                    .add_column(ColumnDef::new(Documents::TitleFolded).text().not_null().default(""))
                    .to_owned(),
            )
            .await?;
        // Lower-cased, the fold of its day; m20261212_000001 folds accents too.
        fill_title_folded(manager, str::to_lowercase).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Documents::Table).drop_column(Documents::TitleFolded).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    TitleFolded,
}
