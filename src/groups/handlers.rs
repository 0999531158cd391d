//! Group endpoints. Membership lives in Keto only.

use std::collections::HashMap;

use actix_web::{HttpResponse, delete, get, post, web};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    GroupId, GroupPermission as P, GroupRelation as R,
    domain::{AddMember, CreateGroup, GroupList, GroupRole, GroupSummary, GroupView, Member, NewGroup},
    not_found, store,
};
use crate::{
    auth::UserId,
    authz::{Authorizer, Principal, relation_tuple},
    http::{ApiError, Authenticated, Message, Problem, bounded_text, message_id},
    ory::{Kratos, keto::TupleChange},
};

/// The groups the caller owns or belongs to.
#[utoipa::path(
    get, path = "/api/groups", operation_id = "listGroups", tag = "groups", security(("bearer" = [])),
    responses(
        (status = 200, body = GroupList),
    )
)]
#[get("")]
pub async fn list(
    auth: Authenticated,
    db: web::Data<DatabaseConnection>,
    authz: web::Data<Authorizer>,
) -> Result<web::Json<GroupList>, ApiError> {
    Ok(web::Json(GroupList { items: summaries_for(&db, &authz, auth.user).await? }))
}

/// The groups `user` owns or belongs to, with their role, as Keto says.
pub async fn summaries_for(
    db: &DatabaseConnection,
    authz: &Authorizer,
    user: UserId,
) -> Result<Vec<GroupSummary>, ApiError> {
    let held = authz.held_by::<GroupId>(Principal::User(user)).await?;
    let mut roles: HashMap<Uuid, GroupRole> = HashMap::new();
    for (id, relation) in held {
        let role = if relation == R::Owners { GroupRole::Owner } else { GroupRole::Member };
        roles
            .entry(id)
            .and_modify(|r| {
                if role == GroupRole::Owner {
                    *r = role
                }
            })
            .or_insert(role);
    }
    let ids: Vec<GroupId> = roles.keys().copied().map(GroupId).collect();
    let rows = store::find_many(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let role = roles[&row.id];
            GroupSummary::new(row, role)
        })
        .collect())
}

/// Create a group; the caller becomes its owner (and so a member).
#[utoipa::path(
    post, path = "/api/groups", operation_id = "createGroup", tag = "groups", security(("bearer" = [])),
    request_body = CreateGroup,
    responses(
        (status = 201, body = GroupSummary),
    )
)]
#[post("")]
pub async fn create(
    auth: Authenticated,
    body: web::Json<CreateGroup>,
    db: web::Data<DatabaseConnection>,
    authz: web::Data<Authorizer>,
) -> Result<HttpResponse, ApiError> {
    let new = NewGroup::try_from(body.into_inner())?;
    let model = store::create(&db, &authz, auth.user, new).await?;
    Ok(HttpResponse::Created().json(GroupSummary::new(model, GroupRole::Owner)))
}

/// A group the caller belongs to, with its members.
#[utoipa::path(
    get, path = "/api/groups/{id}", operation_id = "getGroup", tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = GroupView),
        (status = 404, description = "No such group, or the caller is not a member", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn get(
    auth: Authenticated,
    id: web::Path<Uuid>,
    db: web::Data<DatabaseConnection>,
    authz: web::Data<Authorizer>,
    kratos: web::Data<Kratos>,
) -> Result<web::Json<GroupView>, ApiError> {
    let id = GroupId(id.into_inner());
    if !authz.check(auth.user, &id, P::View).await? {
        return Err(not_found());
    }
    let model = store::find(&db, id).await?.ok_or_else(not_found)?;
    let relations = authz.relations_on(&id).await?;
    let mut roles: HashMap<Uuid, GroupRole> = HashMap::new();
    for (relation, principal) in relations {
        if let Principal::User(user) = principal {
            let role = if relation == R::Owners { GroupRole::Owner } else { GroupRole::Member };
            roles
                .entry(user.0)
                .and_modify(|r| {
                    if role == GroupRole::Owner {
                        *r = role
                    }
                })
                .or_insert(role);
        }
    }
    let users: Vec<Uuid> = roles.keys().copied().collect();
    let mut members: Vec<Member> = kratos
        .identities(&users)
        .await?
        .into_iter()
        .map(|identity| Member {
            id: UserId(identity.id),
            role: roles[&identity.id],
            email: identity.traits.email,
            name: identity.traits.name,
        })
        .collect();
    members.sort_by(|a, b| (a.role != GroupRole::Owner, &a.email).cmp(&(b.role != GroupRole::Owner, &b.email)));
    Ok(web::Json(GroupView {
        id,
        name: model.name,
        owner_id: UserId(model.owner_id),
        created_at: model.created_at,
        members,
    }))
}

/// Add a member by email. Needs `manage` (owners).
#[utoipa::path(
    post, path = "/api/groups/{id}/members", operation_id = "addMember", tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = AddMember,
    responses(
        (status = 204, description = "Added (or already a member)"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group, or no one with that email", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/members")]
pub async fn add_member(
    auth: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<AddMember>,
    db: web::Data<DatabaseConnection>,
    authz: web::Data<Authorizer>,
    kratos: web::Data<Kratos>,
) -> Result<HttpResponse, ApiError> {
    let id = GroupId(id.into_inner());
    let email = bounded_text("email", &body.email, 320).map_err(ApiError::from)?;
    authz.require_visible(auth.user, &id, P::View, P::Manage).await?;
    store::find(&db, id).await?.ok_or_else(not_found)?;
    let identity = kratos
        .find_identity_by_email(&email)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("No one is registered with the email {email}.")))?;
    if identity.id == auth.user.0 {
        return Err(ApiError::from(Message::form(
            message_id::NOT_ONESELF,
            "You own this group and are a member already.",
        )));
    }
    authz.grant(&id, R::Members, UserId(identity.id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Remove a member. Needs `manage` (owners); the owner cannot be removed.
#[utoipa::path(
    delete, path = "/api/groups/{id}/members/{user_id}", operation_id = "removeMember", tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed (or was not a member)"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}/members/{user_id}")]
pub async fn remove_member(
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    authz: web::Data<Authorizer>,
) -> Result<HttpResponse, ApiError> {
    let (id, user) = path.into_inner();
    let id = GroupId(id);
    authz.require_visible(auth.user, &id, P::View, P::Manage).await?;
    if user == auth.user.0 {
        return Err(ApiError::from(Message::form(
            message_id::NOT_ONESELF,
            "The owner cannot be removed from their group; delete the group instead.",
        )));
    }
    authz.apply(&[TupleChange::Delete(relation_tuple(&id, R::Members, UserId(user)))]).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete a group, its memberships and every share to it. Needs `manage` (owners).
///
/// The shares to the group end first: if Keto fails there, the answer is 503 and
/// nothing changed. Once they are gone the deletion goes forward: if Keto fails
/// after that, the answer is still 204, the group is gone from the API, and the
/// reconciler removes its memberships within a couple of minutes.
#[utoipa::path(
    delete, path = "/api/groups/{id}", operation_id = "deleteGroup", tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}")]
pub async fn remove(
    auth: Authenticated,
    id: web::Path<Uuid>,
    db: web::Data<DatabaseConnection>,
    authz: web::Data<Authorizer>,
) -> Result<HttpResponse, ApiError> {
    let id = GroupId(id.into_inner());
    authz.require_visible(auth.user, &id, P::View, P::Manage).await?;
    store::delete(&db, &authz, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
