//! The signed-in person's own account: profile, password, sessions and second
//! factors, over Kratos' settings flow and session API; the security notices it
//! is told of by mail. Everything here needs a session.

pub mod deletion;
mod domain;
pub(crate) mod export;
pub(crate) mod handlers;
pub(crate) mod second_factor;

use actix_web::web;

pub use domain::{EmailChange, EmailChanged, PasswordChange, PasswordChanged, ProfileUpdate, SessionsRevoked};

/// Account behaviour chosen by configuration.
#[derive(Debug, Clone, Copy)]
pub struct AccountPolicy {
    /// Whether a password change signs out the person's other sessions unless the
    /// request says otherwise (`APP_PASSWORD_CHANGE_SIGNS_OUT_OTHERS`, default true).
    pub password_change_signs_out_others: bool,
    /// How recent a login must be to delete the account
    /// (`APP_ACCOUNT_DELETION_MAX_LOGIN_AGE_MS`, default Kratos' 15 minutes).
    pub deletion_max_login_age: std::time::Duration,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/account")
            .service(handlers::delete_account)
            .service(export::export)
            .service(handlers::notices)
            .service(handlers::activity)
            .service(handlers::profile)
            .service(handlers::update_profile)
            .service(handlers::change_email)
            .service(handlers::change_password)
            .service(handlers::sessions)
            .service(handlers::revoke_other_sessions)
            .service(handlers::revoke_session)
            .service(second_factor::status)
            .service(second_factor::start_totp)
            .service(second_factor::confirm_totp)
            .service(second_factor::remove_totp)
            .service(second_factor::generate_recovery_codes)
            .service(second_factor::confirm_recovery_codes)
            .service(second_factor::remove_recovery_codes),
    );
}
