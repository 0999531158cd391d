use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The accounts whose first device is remembered (src/notify/devices.rs). A
/// sign-in that adds the account's row here is the first and is not told; its
/// primary key makes that claim atomic, where counting the account's devices
/// let two first sign-ins at once both count none. Filled with every account
/// that has a device already, so only an account older than `known_devices`
/// still has its first sign-in to come.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeviceAccounts::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(DeviceAccounts::IdentityId).uuid().not_null().primary_key())
                    .to_owned(),
            )
            .await?;
        let accounts = Query::select().distinct().column(KnownDevices::IdentityId).from(KnownDevices::Table).to_owned();
        let fill = Query::insert()
            .into_table(DeviceAccounts::Table)
            .columns([DeviceAccounts::IdentityId])
            .select_from(accounts)
            .map_err(|error| DbErr::Migration(error.to_string()))?
            .to_owned();
        manager.exec_stmt(fill).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DeviceAccounts::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum DeviceAccounts {
    Table,
    IdentityId,
}

#[derive(DeriveIden)]
enum KnownDevices {
    Table,
    IdentityId,
}
