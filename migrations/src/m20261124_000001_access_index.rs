use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The access index: a copy of the relation tuples the backend writes to Keto on
/// documents and groups, so that a list finds a page of candidates in SQL instead
/// of listing every tuple in Keto. Keto stays the authority: every page is
/// re-checked there. `state` follows the write in flight, like the documents'
/// own (`pending` before Keto confirms an insert, `deleting` before Keto confirms
/// a delete); the reconciler settles rows a crash left in either.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccessIndex::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(AccessIndex::Namespace).string_len(32).not_null())
                    .col(ColumnDef::new(AccessIndex::Object).uuid().not_null())
                    .col(ColumnDef::new(AccessIndex::Relation).string_len(32).not_null())
                    .col(ColumnDef::new(AccessIndex::SubjectNamespace).string_len(32).not_null())
                    .col(ColumnDef::new(AccessIndex::SubjectObject).uuid().not_null())
                    .col(ColumnDef::new(AccessIndex::SubjectRelation).string_len(32).not_null())
                    .col(ColumnDef::new(AccessIndex::State).string_len(16).not_null())
                    .col(ColumnDef::new(AccessIndex::UpdatedAt).timestamp_with_time_zone().not_null())
                    .primary_key(
                        Index::create()
                            .col(AccessIndex::Namespace)
                            .col(AccessIndex::Object)
                            .col(AccessIndex::Relation)
                            .col(AccessIndex::SubjectNamespace)
                            .col(AccessIndex::SubjectObject)
                            .col(AccessIndex::SubjectRelation),
                    )
                    .to_owned(),
            )
            .await?;
        // "What does this subject hold in this namespace": the list's lookups, both
        // answered from the index alone (it covers every column they read).
        manager
            .create_index(
                Index::create()
                    .name("access_index_subject")
                    .table(AccessIndex::Table)
                    .col(AccessIndex::SubjectObject)
                    .col(AccessIndex::SubjectNamespace)
                    .col(AccessIndex::Namespace)
                    .col(AccessIndex::SubjectRelation)
                    .col(AccessIndex::Relation)
                    .col(AccessIndex::Object)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("access_index_state_updated_at")
                    .table(AccessIndex::Table)
                    .col(AccessIndex::State)
                    .col(AccessIndex::UpdatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AccessIndex::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum AccessIndex {
    Table,
    Namespace,
    Object,
    Relation,
    SubjectNamespace,
    SubjectObject,
    SubjectRelation,
    State,
    UpdatedAt,
}
