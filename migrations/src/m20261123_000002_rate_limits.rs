use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Rate-limit counters, shared by every replica through the database: one row
/// per bucket (a kind of request and a hashed client address or account) and
/// fixed time window. Old windows are deleted as they pass.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RateLimits::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(RateLimits::Bucket).string_len(100).not_null())
                    .col(ColumnDef::new(RateLimits::WindowStart).big_integer().not_null())
                    .col(ColumnDef::new(RateLimits::Hits).integer().not_null())
                    .primary_key(Index::create().col(RateLimits::Bucket).col(RateLimits::WindowStart))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("rate_limits_window_start")
                    .table(RateLimits::Table)
                    .col(RateLimits::WindowStart)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RateLimits::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum RateLimits {
    Table,
    Bucket,
    WindowStart,
    Hits,
}
