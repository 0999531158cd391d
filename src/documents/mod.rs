//! Documents: rows in our database, access in Keto (`Document` namespace).

mod domain;
pub mod entity;
pub(crate) mod handlers;
mod permissions;
pub(crate) mod sharing;
pub mod store;

use actix_web::web;

pub use domain::{
    Collaborator, CollaboratorRole, Collaborators, CreateDocument, DocumentPage, DocumentSummary, DocumentView,
    Permissions, ShareRequest, ShareRole, UpdateDocument,
};
pub use permissions::{DocumentId, DocumentPermission, DocumentRelation};

use crate::http;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/documents")
            .app_data(http::json_config(domain::JSON_LIMIT))
            .service(handlers::list)
            .service(handlers::create)
            .service(handlers::get)
            .service(handlers::update)
            .service(handlers::remove)
            .service(sharing::list)
            .service(sharing::grant)
            .service(sharing::revoke_user)
            .service(sharing::revoke_group),
    );
}
