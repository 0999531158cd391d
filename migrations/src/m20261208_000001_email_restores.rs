use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Links that undo an email change (src/account/email_restore.rs), mailed to the
/// old address with the notice of the change. Only a SHA-256 of each link's
/// secret is kept. Times are unix *milliseconds*: an undo removes the second
/// factors Kratos created after the change, and a script can add one within
/// the change's second.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EmailRestores::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(EmailRestores::TokenHash).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(EmailRestores::IdentityId).uuid().not_null())
                    .col(ColumnDef::new(EmailRestores::OldEmail).string().not_null())
                    .col(ColumnDef::new(EmailRestores::NewEmail).string().not_null())
                    .col(ColumnDef::new(EmailRestores::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(EmailRestores::ExpiresAt).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("email_restores_identity")
                    .table(EmailRestores::Table)
                    .col(EmailRestores::IdentityId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(EmailRestores::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum EmailRestores {
    Table,
    TokenHash,
    IdentityId,
    OldEmail,
    NewEmail,
    CreatedAt,
    ExpiresAt,
}
