use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A counter per subject of the access index, raised in the same transaction
/// as every insert or removal of that subject's rows. A list's `total` is the
/// one step that reads everything a person can see; the backend remembers it
/// per set of principals and generations, so it is counted again only after
/// one of them changed, on whichever replica changed it.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccessIndexGenerations::Table)
                    .col(ColumnDef::new(AccessIndexGenerations::SubjectObject).uuid().not_null())
                    .col(ColumnDef::new(AccessIndexGenerations::SubjectNamespace).string_len(32).not_null())
                    .col(ColumnDef::new(AccessIndexGenerations::SubjectRelation).string_len(32).not_null())
                    .col(ColumnDef::new(AccessIndexGenerations::Generation).big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(AccessIndexGenerations::SubjectObject)
                            .col(AccessIndexGenerations::SubjectNamespace)
                            .col(AccessIndexGenerations::SubjectRelation),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AccessIndexGenerations::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum AccessIndexGenerations {
    Table,
    SubjectObject,
    SubjectNamespace,
    SubjectRelation,
    Generation,
}
