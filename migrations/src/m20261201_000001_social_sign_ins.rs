use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Social sign-ins in progress: one row from the moment the API hands the browser
/// the provider's URL until the browser is back and the session collected (or the
/// row expires). `init_code` is Kratos' half of the session-token exchange, which
/// never leaves the server; `verifier_hash` binds the row to the browser tab that
/// started the sign-in (it holds the verifier; we keep only its SHA-256). `linking`:
/// the person came back to an existing account with the same address, and `flow_id`
/// is now the login flow on which signing in to it links the provider.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SocialSignIns::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(SocialSignIns::State).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(SocialSignIns::VerifierHash).string_len(64).not_null())
                    .col(ColumnDef::new(SocialSignIns::Provider).string_len(100).not_null())
                    .col(ColumnDef::new(SocialSignIns::FlowId).uuid().not_null())
                    .col(ColumnDef::new(SocialSignIns::InitCode).string_len(256).not_null())
                    .col(ColumnDef::new(SocialSignIns::Linking).boolean().not_null())
                    .col(ColumnDef::new(SocialSignIns::ExpiresAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(SocialSignIns::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("social_sign_ins_expires_at")
                    .table(SocialSignIns::Table)
                    .col(SocialSignIns::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SocialSignIns::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SocialSignIns {
    Table,
    State,
    VerifierHash,
    Provider,
    FlowId,
    InitCode,
    Linking,
    ExpiresAt,
    CreatedAt,
}
