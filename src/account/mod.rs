//! The signed-in person's own account: profile, password, sessions and second
//! factors, over Kratos' settings flow and session API; the security notices it
//! is told of by mail. Everything here needs a session.

pub mod deletion;
mod domain;
pub mod email_restore;
pub(crate) mod export;
pub(crate) mod handlers;
pub(crate) mod providers;
pub(crate) mod second_factor;

use actix_web::web;

pub use domain::{
    EmailChange, EmailChanged, EmailRestoreRequest, EmailRestored, PasswordChange, PasswordChanged, ProfileUpdate,
    SessionsRevoked,
};

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

/// Where people open the SPA (`APP_SPA_URL`), ending in `/`: mailed links point
/// at its pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaUrl(url::Url);

impl SpaUrl {
    pub fn parse(value: &str) -> Result<Self, String> {
        let mut url = url::Url::parse(value).map_err(|e| format!("expected the SPA's URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err("expected an http:// or https:// URL with a host".into());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("expected no query and no fragment".into());
        }
        if !url.path().ends_with('/') {
            url.set_path(&format!("{}/", url.path()));
        }
        Ok(SpaUrl(url))
    }

    /// The SPA's page that undoes an email change with `token`. The secret is
    /// in the fragment, which browsers never send to a server.
    pub fn restore_email(&self, token: &str) -> String {
        let page = self.0.join("restore-email").expect("a relative path joins any base");
        format!("{page}#token={token}")
    }
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
            .service(handlers::restore_email)
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
            .service(second_factor::remove_recovery_codes)
            .service(providers::list)
            .service(providers::remove),
    );
}
