use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// TOTP codes that have completed a sign-in, kept for a few minutes so that no
/// one signs in with the same code again while Kratos would still accept it
/// (src/auth/used_codes.rs). `key` is a SHA-256 of the identity and the code;
/// `used_at` is in unix seconds. Rows older than a few minutes are swept as new
/// ones are written.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UsedTotpCodes::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(UsedTotpCodes::Key).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(UsedTotpCodes::UsedAt).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("used_totp_codes_used_at")
                    .table(UsedTotpCodes::Table)
                    .col(UsedTotpCodes::UsedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(UsedTotpCodes::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum UsedTotpCodes {
    Table,
    Key,
    UsedAt,
}
