//! Groups: a name in our database; owners and members in Keto (`Group` namespace).

mod domain;
pub mod entity;
pub(crate) mod handlers;
mod permissions;
pub mod store;

use actix_web::web;

pub use domain::{AddMember, CreateGroup, GroupList, GroupRole, GroupSummary, GroupView, Member};
pub use permissions::{GroupId, GroupPermission, GroupRelation};

use crate::http::ApiError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/groups")
            .service(handlers::list)
            .service(handlers::create)
            .service(handlers::get)
            .service(handlers::add_member)
            .service(handlers::remove_member)
            .service(handlers::remove),
    );
}

pub(crate) fn not_found() -> ApiError {
    ApiError::NotFound("No such group, or you are not a member.".into())
}
