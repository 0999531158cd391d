use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The devices and networks each account has signed in from (src/notify/devices.rs),
/// so that a sign-in from a new one can be told to its owner. `device` is a
/// SHA-256 of the account, the user agent without its version numbers and the
/// address's network: nothing here names a browser or an address. Times are unix
/// seconds; the oldest rows beyond a few dozen per account are forgotten.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KnownDevices::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(KnownDevices::IdentityId).uuid().not_null())
                    .col(ColumnDef::new(KnownDevices::Device).string_len(64).not_null())
                    .col(ColumnDef::new(KnownDevices::FirstSeen).big_integer().not_null())
                    .col(ColumnDef::new(KnownDevices::LastSeen).big_integer().not_null())
                    .primary_key(Index::create().col(KnownDevices::IdentityId).col(KnownDevices::Device))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(KnownDevices::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum KnownDevices {
    Table,
    IdentityId,
    Device,
    FirstSeen,
    LastSeen,
}
