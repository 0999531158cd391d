//! Social sign-in ("Sign in with <provider>") over Kratos' native OpenID Connect
//! flows, ending with a session exactly like a password login's.
//!
//! 1. `POST /api/auth/social/providers/{provider}` starts a Kratos flow, keeps
//!    Kratos' half of the session-token exchange in our database under a fresh
//!    `state`, and answers with the provider's URL and a `verifier` for the client
//!    to keep.
//! 2. The browser signs in at the provider, which sends it to
//!    `/self-service/methods/oidc/callback/{provider}` here; we relay that one
//!    request to Kratos and send the browser where Kratos says (the return URL,
//!    with `state` and Kratos' `code`), or to the return URL with `error`.
//! 3. `POST /api/auth/social/complete` with the state, the verifier and the code
//!    exchanges them for the session token, once; or says why there is none.
//!
//! See ARCHITECTURE.md, "Social sign-in", for what the browser can reach.

mod domain;
pub(crate) mod handlers;
mod store;

use actix_web::web;

pub use domain::{CompleteSocialSignIn, LinkSocialAccount, ReturnUrls, SocialIntent, StartSocialSignIn};
pub use handlers::{SocialProviderView, SocialSignInStarted};

/// The JSON API, under `/api/auth/social`. Registered before `auth::routes`,
/// whose `/auth` scope would otherwise answer these paths with a 404.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/auth/social")
            .service(handlers::providers)
            .service(handlers::start)
            .service(handlers::complete)
            .service(handlers::link),
    );
}

/// The provider's redirect back, at the path Kratos builds its redirect URI from
/// (`selfservice.methods.oidc.config.base_redirect_uri`); outside `/api`, since a
/// browser navigates here, and it answers with redirects only.
pub fn callback_route(cfg: &mut web::ServiceConfig) {
    cfg.service(handlers::callback);
}
