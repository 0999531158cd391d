//! Groups in the database and their tuples in Keto, created and deleted through
//! `db::create` and `db::delete` like documents.
//!
//! A group's tuples are its own (`owners`, `members`, and the subject set that
//! makes owners members) and every document share naming `Group:<id>#members`.
//! They are removed in one Keto patch, so no share survives its group.

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::{GroupId, GroupRelation, domain::NewGroup, entity, entity::Entity as Groups};
use crate::{
    auth::UserId,
    authz::{Authorizer, Principal, Resource, relation_tuple},
    db::{self, RowState, StoreError},
    documents::DocumentId,
    ory::{Subject, keto::TupleChange},
};

/// `Group:<id>#owners`, written as a member so that owners count as members.
fn owners_of(group: GroupId) -> Subject {
    Subject::Set {
        namespace: GroupId::NAMESPACE.to_owned(),
        object: group.object_id(),
        relation: crate::authz::Name::as_str(GroupRelation::Owners).to_owned(),
    }
}

pub async fn create(
    db: &DatabaseConnection,
    authz: &Authorizer,
    owner: UserId,
    new: NewGroup,
) -> Result<entity::Model, StoreError> {
    let now = Utc::now();
    let id = GroupId(Uuid::new_v4());
    let row = entity::ActiveModel {
        id: Set(id.0),
        name: Set(new.name),
        owner_id: Set(owner.0),
        state: Set(RowState::Pending),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let tuples = [
        TupleChange::Insert(relation_tuple(&id, GroupRelation::Owners, owner)),
        TupleChange::Insert(relation_tuple(&id, GroupRelation::Members, owners_of(id))),
    ];
    db::create(db, row, id.0, authz.apply(&tuples)).await
}

pub async fn find(db: &DatabaseConnection, id: GroupId) -> Result<Option<entity::Model>, StoreError> {
    Ok(Groups::find_by_id(id.0).filter(entity::Column::State.eq(RowState::Active)).one(db).await?)
}

pub async fn find_many(db: &DatabaseConnection, ids: &[GroupId]) -> Result<Vec<entity::Model>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Groups::find()
        .filter(entity::Column::State.eq(RowState::Active))
        .filter(entity::Column::Id.is_in(ids.iter().map(|g| g.0)))
        .order_by_asc(entity::Column::Name)
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await?)
}

/// Every share to the group's members goes first, then the group's own tuples:
/// two Keto deletes by query, not one patch, because a patch's deletes cost
/// Keto milliseconds a tuple and a group shared on 3,333 documents outlasted
/// the Ory timeout on every try. After the first, the deletion rolls forward
/// (`db::delete_in_steps`): the members have lost the shares, so the group
/// cannot come back as it was. Either step only takes access away.
pub async fn delete(db: &DatabaseConnection, authz: &Authorizer, id: GroupId) -> Result<(), StoreError> {
    db::delete_in_steps::<Groups, _, _>(db, id.0, forget_shares(authz, id), authz.forget(&id)).await
}

async fn forget_shares(authz: &Authorizer, id: GroupId) -> Result<(), StoreError> {
    authz.forget_grants_to(DocumentId::NAMESPACE, Principal::GroupMembers(id)).await
}

/// Both steps of `delete`, for the reconciler.
async fn forget(authz: &Authorizer, id: GroupId) -> Result<(), StoreError> {
    forget_shares(authz, id).await?;
    authz.forget(&id).await
}

pub async fn reconcile(
    db: &DatabaseConnection,
    authz: &Authorizer,
    grace: chrono::Duration,
) -> Result<usize, StoreError> {
    let stale = db::unfinished::<Groups>(db, grace).await?;
    for row in &stale {
        forget(authz, GroupId(row.id)).await?;
        Groups::delete_by_id(row.id).exec(db).await?;
        tracing::warn!(group = %row.id, state = ?row.state, "reconciled an unfinished group write");
    }
    Ok(stale.len())
}

impl db::Stateful for Groups {
    const ID: entity::Column = entity::Column::Id;
    const STATE: entity::Column = entity::Column::State;
    const UPDATED_AT: entity::Column = entity::Column::UpdatedAt;

    fn activate(model: &mut entity::Model) {
        model.state = RowState::Active;
    }
}
