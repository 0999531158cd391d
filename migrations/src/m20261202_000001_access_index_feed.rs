use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The list's order in the access index: `sort_at` is a copy of the document's
/// `updated_at` on each of its rows, so that "the newest documents this subject
/// reaches" is a walk down one index (`access_index_feed`) that stops after a
/// page, instead of joining every visible document to sort them. The backend
/// writes the copy in the same transaction as the document or the row, so the
/// two never differ; rows of other namespaces leave it empty.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AccessIndex::Table)
                    .add_column(ColumnDef::new(AccessIndex::SortAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        let backfill = Query::update()
            .table(AccessIndex::Table)
            .value(
                AccessIndex::SortAt,
                SimpleExpr::SubQuery(
                    None,
                    Box::new(
                        Query::select()
                            .column(Documents::UpdatedAt)
                            .from(Documents::Table)
                            .and_where(
                                Expr::col((Documents::Table, Documents::Id))
                                    .equals((AccessIndex::Table, AccessIndex::Object)),
                            )
                            .to_owned()
                            .into_sub_query_statement(),
                    ),
                ),
            )
            .and_where(Expr::col(AccessIndex::Namespace).eq("Document"))
            .to_owned();
        manager.exec_stmt(backfill).await?;
        manager
            .create_index(
                Index::create()
                    .name("access_index_feed")
                    .table(AccessIndex::Table)
                    .col(AccessIndex::SubjectObject)
                    .col(AccessIndex::SubjectNamespace)
                    .col(AccessIndex::Namespace)
                    .col(AccessIndex::SubjectRelation)
                    .col(AccessIndex::SortAt)
                    .col(AccessIndex::Object)
                    // Covering: the walk reads the relation too, for Keto.
                    .col(AccessIndex::Relation)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("access_index_feed").table(AccessIndex::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(AccessIndex::Table).drop_column(AccessIndex::SortAt).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum AccessIndex {
    Table,
    Object,
    Namespace,
    SubjectObject,
    SubjectNamespace,
    SubjectRelation,
    Relation,
    SortAt,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    UpdatedAt,
}
