use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each account's security activity (src/notify/activity.rs): registration,
/// sign-ins and the changes notices are mailed for, with the client's user agent
/// and address (and, for a sign-in, Kratos' methods, comma-separated), shown to
/// the person in Settings. `occurred_at` is unix seconds;
/// `id` is a version-7 UUID, so it orders events within one second. The latest
/// hundred per account are kept.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SecurityActivity::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(SecurityActivity::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(SecurityActivity::IdentityId).uuid().not_null())
                    .col(ColumnDef::new(SecurityActivity::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(SecurityActivity::OccurredAt).big_integer().not_null())
                    .col(ColumnDef::new(SecurityActivity::UserAgent).string_len(800))
                    .col(ColumnDef::new(SecurityActivity::IpAddress).string_len(45))
                    .col(ColumnDef::new(SecurityActivity::NewDevice).boolean().not_null().default(false))
                    .col(ColumnDef::new(SecurityActivity::Methods).string_len(100))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("security_activity_identity_occurred_at")
                    .table(SecurityActivity::Table)
                    .col(SecurityActivity::IdentityId)
                    .col(SecurityActivity::OccurredAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SecurityActivity::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SecurityActivity {
    Table,
    Id,
    IdentityId,
    Kind,
    OccurredAt,
    UserAgent,
    IpAddress,
    NewDevice,
    Methods,
}
