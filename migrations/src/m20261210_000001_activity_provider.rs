use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The security activity names the sign-in provider of an event that has one
/// (a sign-in with it, one that stopped before the second factor, a link or a
/// removal), by Kratos' id: a person with two providers can tell which.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SecurityActivity::Table)
                    .add_column(ColumnDef::new(SecurityActivity::Provider).string_len(64).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(SecurityActivity::Table).drop_column(SecurityActivity::Provider).to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum SecurityActivity {
    Table,
    Provider,
}
