use sea_orm_migration::prelude::*;

use crate::{fold::fill_title_folded, fold_title};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The search's fold now also drops accents and compatibility forms
/// (`fold_title`: "resume" finds "Résumé", "strasse" finds "Straße"). The
/// backend writes new titles with it; this folds the titles already there
/// again, so that a search finds old and new documents alike.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        fill_title_folded(manager, fold_title).await
    }

    /// Back to the lower-cased titles the migration before wrote.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        fill_title_folded(manager, str::to_lowercase).await
    }
}
