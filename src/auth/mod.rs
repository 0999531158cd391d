//! Registration, login, logout and the current session: thin handlers over
//! Kratos' native self-service flows.

mod domain;
pub(crate) mod handlers;

use std::fmt;

use actix_web::web;
use serde::Serialize;
use uuid::Uuid;

pub use domain::{LoginForm, LoginRequest, RegistrationForm, RegistrationRequest};
pub use handlers::{AuthResponse, IdentityView, SessionView};

/// A Kratos identity id: the one name for a person across Kratos, Keto and our tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[schema(value_type = String, format = Uuid)]
pub struct UserId(pub Uuid);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/auth")
            .service(handlers::register)
            .service(handlers::login)
            .service(handlers::logout)
            .service(handlers::current_session),
    );
}
