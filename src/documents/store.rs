//! Documents in the database and their tuples in Keto. Creation and deletion go
//! through `db::create` and `db::delete`, which order the two stores' writes so
//! that a failure at any step can be undone or finished (ARCHITECTURE.md,
//! "Consistency"): the row is always written before its tuples and removed after
//! them, so a tuple never points at nothing, and a row without its owner tuple is
//! never `active`.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::{
    DocumentId, DocumentRelation,
    domain::{DocumentChanges, NewDocument, Page},
    entity::{self, Entity as Documents},
};
use crate::{
    auth::UserId,
    authz::{Authorizer, Resource, index::AccessIndex},
    db::{self, RowState, StoreError},
};

pub async fn create(
    db: &DatabaseConnection,
    authz: &Authorizer,
    owner: UserId,
    new: NewDocument,
) -> Result<entity::Model, StoreError> {
    let now = Utc::now();
    let id = DocumentId(Uuid::new_v4());
    let row = entity::ActiveModel {
        id: Set(id.0),
        title: Set(new.title),
        body: Set(new.body),
        owner_id: Set(owner.0),
        state: Set(RowState::Pending),
        created_at: Set(now),
        updated_at: Set(now),
    };
    db::create(db, row, id.0, authz.grant(&id, DocumentRelation::Owners, owner)).await
}

/// The document, if it exists and is active.
pub async fn find(db: &DatabaseConnection, id: DocumentId) -> Result<Option<entity::Model>, StoreError> {
    Ok(Documents::find_by_id(id.0).filter(entity::Column::State.eq(RowState::Active)).one(db).await?)
}

pub async fn update(
    db: &DatabaseConnection,
    model: entity::Model,
    changes: DocumentChanges,
) -> Result<entity::Model, StoreError> {
    let mut row: entity::ActiveModel = model.into();
    if let Some(title) = changes.title {
        row.title = Set(title);
    }
    if let Some(body) = changes.body {
        row.body = Set(body);
    }
    row.updated_at = Set(Utc::now());
    Ok(row.update(db).await?)
}

pub async fn delete(db: &DatabaseConnection, authz: &Authorizer, id: DocumentId) -> Result<(), StoreError> {
    db::delete::<Documents, _>(db, id.0, authz.forget(&id)).await
}

/// A page of the documents `user` may view, newest first, and how many there
/// are. The candidates come from the access index (what `user` holds directly
/// or through a group), so the cost follows the page, not everything the person
/// can see; the caller re-checks `view` for the page in Keto, which decides.
pub async fn page_for(
    db: &DatabaseConnection,
    user: UserId,
    page: &Page,
) -> Result<(Vec<entity::Model>, u64), StoreError> {
    let query = Documents::find()
        .filter(entity::Column::State.eq(RowState::Active))
        .filter(entity::Column::Id.in_subquery(AccessIndex::reachable(DocumentId::NAMESPACE, user)));
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(entity::Column::UpdatedAt)
        .order_by_asc(entity::Column::Id)
        .offset((page.page - 1) * page.per_page)
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Finishes or undoes what a crash left behind: rows stuck in `pending` or
/// `deleting` for longer than `grace` lose their tuples and are deleted.
pub async fn reconcile(
    db: &DatabaseConnection,
    authz: &Authorizer,
    grace: chrono::Duration,
) -> Result<usize, StoreError> {
    let stale = db::unfinished::<Documents>(db, grace).await?;
    for row in &stale {
        authz.forget(&DocumentId(row.id)).await?;
        Documents::delete_by_id(row.id).exec(db).await?;
        tracing::warn!(document = %row.id, state = ?row.state, "reconciled an unfinished document write");
    }
    Ok(stale.len())
}

impl db::Stateful for Documents {
    const ID: entity::Column = entity::Column::Id;
    const STATE: entity::Column = entity::Column::State;
    const UPDATED_AT: entity::Column = entity::Column::UpdatedAt;

    fn activate(model: &mut entity::Model) {
        model.state = RowState::Active;
    }
}
