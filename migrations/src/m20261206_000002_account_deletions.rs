use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Accounts whose deletion was asked for (src/account/deletion.rs): written
/// before the Kratos identity is deleted, and removed by the reconciler once
/// the person's documents, groups and tuples are gone and no replica can still
/// hold one of their sessions in its cache. `requested_at` is in unix seconds.
/// `kratos_failed`: Kratos failed or timed out deleting the identity, and the
/// request answered 503; Kratos may still have deleted it, which the reconciler
/// asks before it finishes or forgets the deletion.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccountDeletions::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(AccountDeletions::IdentityId).uuid().not_null().primary_key())
                    .col(ColumnDef::new(AccountDeletions::RequestedAt).big_integer().not_null())
                    .col(ColumnDef::new(AccountDeletions::KratosFailed).boolean().not_null().default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AccountDeletions::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum AccountDeletions {
    Table,
    IdentityId,
    RequestedAt,
    KratosFailed,
}
