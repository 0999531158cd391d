use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Security notices waiting to be sent (src/notify/): written in the request that
/// made the change, removed once the SMTP server accepted the message. Times are
/// unix seconds; `send_after` is when a replica may (next) try to send it, which
/// a replica pushes forward before it tries, so that two replicas do not send
/// the same notice at once.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailOutbox::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(MailOutbox::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(MailOutbox::Recipient).string_len(320).not_null())
                    .col(ColumnDef::new(MailOutbox::Subject).string_len(200).not_null())
                    .col(ColumnDef::new(MailOutbox::Body).text().not_null())
                    .col(ColumnDef::new(MailOutbox::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(MailOutbox::SendAfter).big_integer().not_null())
                    .col(ColumnDef::new(MailOutbox::Attempts).integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mail_outbox_send_after")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::SendAfter)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(MailOutbox::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Id,
    Recipient,
    Subject,
    Body,
    CreatedAt,
    SendAfter,
    Attempts,
}
