//! Document endpoints. Each states the permission it needs; `Authorizer` asks Keto.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    DocumentId, DocumentPermission as P,
    domain::{
        CreateDocument, DocumentChanges, DocumentPage, DocumentView, NewDocument, PageQuery, Permissions,
        UpdateDocument,
    },
    store,
};
use crate::{
    authz::Authorizer,
    http::{ApiError, Authenticated, Problem},
};

/// Documents the caller can view (owned, shared directly, or through a group),
/// newest first; with `q`, those whose title contains it; with `owner`, only
/// their own or only others'.
#[utoipa::path(
    get, path = "/api/documents", operation_id = "listDocuments", tag = "documents", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = DocumentPage),
    )
)]
#[get("")]
pub async fn list(
    auth: Authenticated,
    query: web::Query<PageQuery>,
    db: web::Data<DatabaseConnection>,
    authz: web::Data<Authorizer>,
) -> Result<web::Json<DocumentPage>, ApiError> {
    let (page, filter) = query.into_inner().parse()?;
    // Keto has the last word on each document of the page.
    let (rows, total) = store::page_for(&db, &authz, auth.user, &page, &filter).await?;
    let items = rows.into_iter().map(Into::into).collect();
    Ok(web::Json(DocumentPage { items, page: page.page, per_page: page.per_page, total }))
}

/// Create a document; the caller becomes its owner.
#[utoipa::path(
    post, path = "/api/documents", operation_id = "createDocument", tag = "documents", security(("bearer" = [])),
    request_body = CreateDocument,
    responses(
        (status = 201, body = DocumentView),
    )
)]
#[post("")]
pub async fn create(
    auth: Authenticated,
    body: web::Json<CreateDocument>,
    db: web::Data<DatabaseConnection>,
    authz: web::Data<Authorizer>,
) -> Result<HttpResponse, ApiError> {
    let new = NewDocument::try_from(body.into_inner())?;
    let model = store::create(&db, &authz, auth.user, new).await?;
    let owner = Permissions { edit: true, share: true, delete: true };
    Ok(HttpResponse::Created().json(DocumentView::new(model, owner)))
}

/// A document the caller can view, with what they may do with it.
#[utoipa::path(
    get, path = "/api/documents/{id}", operation_id = "getDocument", tag = "documents", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = DocumentView),
        (status = 404, description = "No such document, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn get(
    auth: Authenticated,
    id: web::Path<Uuid>,
    db: web::Data<DatabaseConnection>,
    authz: web::Data<Authorizer>,
) -> Result<web::Json<DocumentView>, ApiError> {
    let id = DocumentId(id.into_inner());
    let permissions = permissions(&authz, &auth, id).await?;
    let model = store::find(&db, id).await?.ok_or_else(not_found)?;
    Ok(web::Json(DocumentView::new(model, permissions)))
}

/// Change the title, the body, or both. Needs `edit`.
#[utoipa::path(
    patch, path = "/api/documents/{id}", operation_id = "updateDocument", tag = "documents", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = UpdateDocument,
    responses(
        (status = 200, body = DocumentView),
        (status = 403, description = "The caller may view but not edit", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{id}")]
pub async fn update(
    auth: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<UpdateDocument>,
    db: web::Data<DatabaseConnection>,
    authz: web::Data<Authorizer>,
) -> Result<web::Json<DocumentView>, ApiError> {
    let id = DocumentId(id.into_inner());
    let permissions = permissions(&authz, &auth, id).await?;
    if !permissions.edit {
        return Err(ApiError::Forbidden);
    }
    let changes = DocumentChanges::try_from(body.into_inner())?;
    let model = store::find(&db, id).await?.ok_or_else(not_found)?;
    let model = store::update(&db, model, changes).await?;
    Ok(web::Json(DocumentView::new(model, permissions)))
}

/// Delete a document and every share of it. Needs `delete` (owners).
#[utoipa::path(
    delete, path = "/api/documents/{id}", operation_id = "deleteDocument", tag = "documents", security(("bearer" = [])),
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
    let id = DocumentId(id.into_inner());
    authz.require_visible(auth.user, &id, P::View, P::Delete).await?;
    store::delete(&db, &authz, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `view` or 404; the other permits for the answer, all in one Keto call.
async fn permissions(authz: &Authorizer, auth: &Authenticated, id: DocumentId) -> Result<Permissions, ApiError> {
    match authz.permits(auth.user, &id, &[P::View, P::Edit, P::Share, P::Delete]).await?.as_slice() {
        [true, edit, share, delete] => Ok(Permissions { edit: *edit, share: *share, delete: *delete }),
        _ => Err(not_found()),
    }
}

pub(super) fn not_found() -> ApiError {
    ApiError::NotFound("No such document, or you may not see it.".into())
}
