use sea_orm::entity::prelude::*;

use crate::db::RowState;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    /// The title as the list's search compares it (`domain::fold_title`),
    /// written with it.
    #[sea_orm(column_type = "Text")]
    pub title_folded: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// Informational (shown to clients); access is decided by Keto's `owners` relation.
    pub owner_id: Uuid,
    pub state: RowState,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What a list shows of a document: everything but the body, which a page of
/// 100 would otherwise read (up to the body limit each) only to drop.
#[derive(Clone, Debug, DerivePartialModel)]
#[sea_orm(entity = "Entity")]
pub struct Summary {
    pub id: Uuid,
    pub title: String,
    pub owner_id: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}
