use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A password step whose second factor has not followed is in the account's
/// activity (src/notify/activity.rs) from the moment it happens, and leaves it
/// when the sign-in completes: the row is found, as the outbox's notice is, by a
/// SHA-256 of the password-only session's token.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SecurityActivity::Table)
                    .add_column(ColumnDef::new(SecurityActivity::SessionTokenHash).string_len(64).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("security_activity_session_token_hash")
                    .table(SecurityActivity::Table)
                    .col(SecurityActivity::SessionTokenHash)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop().name("security_activity_session_token_hash").table(SecurityActivity::Table).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SecurityActivity::Table)
                    .drop_column(SecurityActivity::SessionTokenHash)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum SecurityActivity {
    Table,
    SessionTokenHash,
}
