use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, FromQueryResult},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A document's title as the list's search compares it: lower-cased in Rust,
/// the same way on every database. SQLite's `lower()` folds ASCII letters only,
/// so a search for "ärger" missed "Ärger" there and found it on PostgreSQL.
/// The backend writes the column with the title; this fills it for the rows
/// already there, in the same fold (`str::to_lowercase`) as the backend's.
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
        // By title, not by id: one statement per distinct title, and no id
        // type to read, which differs between the two databases.
        #[derive(FromQueryResult)]
        struct Row {
            title: String,
        }
        let db = manager.get_connection();
        let select = Query::select().distinct().column(Documents::Title).from(Documents::Table).to_owned();
        let rows = Row::find_by_statement(db.get_database_backend().build(&select)).all(db).await?;
        for row in rows {
            let update = Query::update()
                .table(Documents::Table)
                .value(Documents::TitleFolded, row.title.to_lowercase())
                .and_where(Expr::col(Documents::Title).eq(row.title))
                .to_owned();
            db.execute(&update).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Documents::Table).drop_column(Documents::TitleFolded).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Title,
    TitleFolded,
}
