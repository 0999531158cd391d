use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A password step whose second factor has not followed (src/notify/) is a row
/// in the account's activity from the moment it happens, and a notice waiting
/// in the outbox until it is due; both go when that sign-in completes. They are
/// found by a SHA-256 of the password-only session's token, never the token
/// itself: the completion presents that token.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, index) in tables() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table.clone())
                        .add_column(ColumnDef::new(SessionTokenHash).string_len(64).null())
                        .to_owned(),
                )
                .await?;
            manager
                .create_index(Index::create().name(index).table(table).col(SessionTokenHash).if_not_exists().to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, index) in tables() {
            manager.drop_index(Index::drop().name(index).table(table.clone()).to_owned()).await?;
            manager.alter_table(Table::alter().table(table).drop_column(SessionTokenHash).to_owned()).await?;
        }
        Ok(())
    }
}

fn tables() -> [(Alias, &'static str); 2] {
    [
        (Alias::new("mail_outbox"), "mail_outbox_session_token_hash"),
        (Alias::new("security_activity"), "security_activity_session_token_hash"),
    ]
}

#[derive(DeriveIden)]
struct SessionTokenHash;
