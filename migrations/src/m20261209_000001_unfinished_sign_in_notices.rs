use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A notice that a password was entered but the sign-in's second step did not
/// follow (src/notify/mod.rs) waits in the outbox until it is due, and goes if
/// the sign-in completes first. It is found by a SHA-256 of the password-only
/// session's token, never the token itself: the completion presents that token.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MailOutbox::Table)
                    .add_column(ColumnDef::new(MailOutbox::SessionTokenHash).string_len(64).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mail_outbox_session_token_hash")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::SessionTokenHash)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("mail_outbox_session_token_hash").table(MailOutbox::Table).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(MailOutbox::Table).drop_column(MailOutbox::SessionTokenHash).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    SessionTokenHash,
}
