//! Registration, login (with a second factor), re-authentication, logout, the
//! current session, email verification and account recovery: thin handlers over
//! Kratos' native self-service flows (`ory::Kratos`).

mod domain;
pub(crate) mod handlers;
mod password;
pub(crate) mod recovery;
pub(crate) mod second_factor;
mod used_codes;
pub(crate) mod verification;
mod views;

use std::fmt;

use actix_web::web;
use serde::Serialize;
use uuid::Uuid;

pub use domain::{
    CodeForm, CodeRequest, EmailAddress, LoginForm, LoginRequest, ReauthenticateRequest, RecoveryRequest,
    RegistrationForm, RegistrationRequest, VerificationRequest, parse_code, parse_password,
};
pub use handlers::FailedLoginFloor;
pub use password::PasswordPolicy;
pub use second_factor::SecondFactorRequest;
pub use verification::CodeSent;
pub use views::{
    AssuranceLevelView, AuthResponse, IdentityView, SecondFactorMethod, SecondFactorPending, SecondFactorRequired,
    SessionListItem, SessionView, VerificationPending,
};

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
            .service(handlers::reauthenticate)
            .service(second_factor::complete)
            .service(handlers::logout)
            .service(handlers::current_session)
            .service(verification::send_code)
            .service(verification::submit_code)
            .service(recovery::send_code)
            .service(recovery::submit_code),
    );
}
