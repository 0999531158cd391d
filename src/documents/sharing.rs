//! A document's collaborators: list, grant a role to a person or a group, revoke.
//! Every change is one Keto patch, so it happens whole or not at all.

use std::collections::HashMap;

use actix_web::{HttpResponse, delete, get, post, web};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    DocumentId, DocumentPermission as P, DocumentRelation as R,
    domain::{Collaborator, CollaboratorRole, Collaborators, ShareRequest, ShareRequestSchema, ShareRole, ShareTarget},
    handlers::not_found,
    store,
};
use crate::{
    auth::UserId,
    authz::{Authorizer, Principal, relation_tuple},
    groups::{self, GroupId, GroupPermission},
    http::{ApiError, Authenticated, Message, Problem, message_id},
    ory::{Kratos, keto::TupleChange},
};

/// Everyone with a role on the document. Needs `view`.
#[utoipa::path(
    get, path = "/api/documents/{id}/collaborators", operation_id = "listCollaborators", tag = "sharing", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Collaborators),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/collaborators")]
pub async fn list(
    auth: Authenticated,
    id: web::Path<Uuid>,
    db: web::Data<DatabaseConnection>,
    authz: web::Data<Authorizer>,
    kratos: web::Data<Kratos>,
) -> Result<web::Json<Collaborators>, ApiError> {
    let id = DocumentId(id.into_inner());
    if !authz.check(auth.user, &id, P::View).await? {
        return Err(not_found());
    }
    let relations = authz.relations_on(&id).await?;
    let users: Vec<Uuid> = relations
        .iter()
        .filter_map(|(_, p)| match p {
            Principal::User(user) => Some(user.0),
            Principal::GroupMembers(_) => None,
        })
        .collect();
    let group_ids: Vec<GroupId> = relations
        .iter()
        .filter_map(|(_, p)| match p {
            Principal::GroupMembers(group) => Some(*group),
            Principal::User(_) => None,
        })
        .collect();
    let (identities, groups) =
        tokio::try_join!(async { kratos.identities(&users).await.map_err(ApiError::from) }, async {
            groups::store::find_many(&db, &group_ids).await.map_err(ApiError::from)
        },)?;
    let identities: HashMap<Uuid, _> = identities.into_iter().map(|i| (i.id, i)).collect();
    let groups: HashMap<Uuid, _> = groups.into_iter().map(|g| (g.id, g)).collect();

    let mut collaborators: Vec<Collaborator> = relations
        .into_iter()
        .filter_map(|(relation, principal)| {
            let role = match relation {
                R::Owners => CollaboratorRole::Owner,
                R::Editors => CollaboratorRole::Editor,
                R::Viewers => CollaboratorRole::Viewer,
            };
            // A person or group deleted since the share was made is left out.
            match principal {
                Principal::User(user) => identities.get(&user.0).map(|identity| Collaborator::User {
                    id: user,
                    email: identity.traits.email.clone(),
                    name: identity.traits.name.clone(),
                    role,
                }),
                Principal::GroupMembers(group) => {
                    groups.get(&group.0).map(|g| Collaborator::Group { id: group, name: g.name.clone(), role })
                }
            }
        })
        .collect();
    collaborators.sort_by_key(|c| match c {
        Collaborator::User { role, .. } | Collaborator::Group { role, .. } => *role as u8,
    });
    Ok(web::Json(Collaborators { collaborators }))
}

/// Grant `viewer` or `editor` to a person (by email) or to a group you belong to;
/// replaces the role they had. Needs `share` (owners).
#[utoipa::path(
    post, path = "/api/documents/{id}/collaborators", operation_id = "shareDocument", tag = "sharing", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ShareRequestSchema,
    responses(
        (status = 204, description = "Granted"),
        (status = 400, description = "Malformed, unknown role, or sharing with yourself", body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document, person or group", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/collaborators")]
pub async fn grant(
    auth: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<ShareRequest>,
    db: web::Data<DatabaseConnection>,
    authz: web::Data<Authorizer>,
    kratos: web::Data<Kratos>,
) -> Result<HttpResponse, ApiError> {
    let id = DocumentId(id.into_inner());
    let (target, role) = body.into_inner().target()?;
    authz.require_visible(auth.user, &id, P::View, P::Share).await?;
    store::find(&db, id).await?.ok_or_else(not_found)?;

    let principal = match target {
        ShareTarget::Email(email) => {
            let identity = kratos
                .find_identity_by_email(&email)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("No one is registered with the email {email}.")))?;
            if identity.id == auth.user.0 {
                return Err(ApiError::from(Message::form(
                    message_id::NOT_ONESELF,
                    "You own this document already; share it with someone else.",
                )));
            }
            Principal::User(UserId(identity.id))
        }
        ShareTarget::Group(group) => {
            // Only into groups the caller belongs to, so nobody can push documents
            // into strangers' groups; others' groups look nonexistent.
            let visible = authz.check(auth.user, &group, GroupPermission::View).await?;
            if !visible || groups::store::find(&db, group).await?.is_none() {
                return Err(groups::not_found());
            }
            Principal::GroupMembers(group)
        }
    };
    let (give, take) = match role {
        ShareRole::Viewer => (R::Viewers, R::Editors),
        ShareRole::Editor => (R::Editors, R::Viewers),
    };
    authz
        .apply(&[
            TupleChange::Delete(relation_tuple(&id, take, principal)),
            TupleChange::Insert(relation_tuple(&id, give, principal)),
        ])
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revoke a person's role. Needs `share` (owners); the owner cannot be removed.
#[utoipa::path(
    delete, path = "/api/documents/{id}/collaborators/users/{user_id}", operation_id = "revokeUser", tag = "sharing", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Revoked (or had no role)"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}/collaborators/users/{user_id}")]
pub async fn revoke_user(
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    authz: web::Data<Authorizer>,
) -> Result<HttpResponse, ApiError> {
    let (id, user) = path.into_inner();
    let id = DocumentId(id);
    authz.require_visible(auth.user, &id, P::View, P::Share).await?;
    if user == auth.user.0 {
        return Err(ApiError::from(Message::form(
            message_id::NOT_ONESELF,
            "The owner cannot be removed from their document.",
        )));
    }
    revoke(&authz, id, Principal::User(UserId(user))).await
}

/// Revoke a group's role. Needs `share` (owners).
#[utoipa::path(
    delete, path = "/api/documents/{id}/collaborators/groups/{group_id}", operation_id = "revokeGroup", tag = "sharing", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("group_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Revoked (or had no role)"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}/collaborators/groups/{group_id}")]
pub async fn revoke_group(
    auth: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    authz: web::Data<Authorizer>,
) -> Result<HttpResponse, ApiError> {
    let (id, group) = path.into_inner();
    let id = DocumentId(id);
    authz.require_visible(auth.user, &id, P::View, P::Share).await?;
    revoke(&authz, id, Principal::GroupMembers(GroupId(group))).await
}

async fn revoke(authz: &Authorizer, id: DocumentId, principal: Principal) -> Result<HttpResponse, ApiError> {
    authz
        .apply(&[
            TupleChange::Delete(relation_tuple(&id, R::Viewers, principal)),
            TupleChange::Delete(relation_tuple(&id, R::Editors, principal)),
        ])
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
