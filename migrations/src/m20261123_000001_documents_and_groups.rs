use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `state` records a Keto write in flight: `pending` until the owner tuple is
/// written, `active` after, `deleting` while the tuples are being removed. The
/// reconciler finishes or undoes whatever a crash left in `pending`/`deleting`.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Documents::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Documents::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Documents::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Documents::Body).text().not_null())
                    .col(ColumnDef::new(Documents::OwnerId).uuid().not_null())
                    .col(ColumnDef::new(Documents::State).string_len(16).not_null())
                    .col(ColumnDef::new(Documents::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Documents::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("documents_state_updated_at")
                    .table(Documents::Table)
                    .col(Documents::State)
                    .col(Documents::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Groups::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Groups::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Groups::Name).string_len(100).not_null())
                    .col(ColumnDef::new(Groups::OwnerId).uuid().not_null())
                    .col(ColumnDef::new(Groups::State).string_len(16).not_null())
                    .col(ColumnDef::new(Groups::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Groups::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("groups_state_updated_at")
                    .table(Groups::Table)
                    .col(Groups::State)
                    .col(Groups::UpdatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Groups::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Documents::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    Title,
    Body,
    OwnerId,
    State,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    Name,
    OwnerId,
    State,
    CreatedAt,
    UpdatedAt,
}
