//! Cookie mode: the session token in an `HttpOnly` cookie, for the SPA.
//!
//! A token in `sessionStorage` is readable by any script that gets into the
//! page; a token in an `HttpOnly` cookie is not. A browser client asks for this
//! mode with `X-Session-Mode: cookie` on the requests that sign in; the answer
//! then sets the cookie and leaves the token out of the body. Bearer tokens and
//! `X-Session-Token` work exactly as before for every other client.
//!
//! The cookie is `SameSite=Strict`, host-only (no `Domain`), and, unless the
//! server runs on plain HTTP (`APP_SESSION_COOKIE_SECURE=false`, local runs
//! only), `Secure` with the `__Host-` prefix, which browsers refuse to accept
//! from anywhere but a secure, host-only, `Path=/` cookie. It has no expiry: it
//! ends with the browser session, like the `sessionStorage` it replaces.
//! Because a browser attaches cookies by itself, an unsafe request that is
//! authenticated by the cookie must also prove it comes from our pages (see
//! `extract::credential`).

use actix_web::{
    FromRequest, HttpRequest, HttpResponse,
    cookie::{Cookie, SameSite},
    dev::Payload,
    web,
};
use std::future::{Ready, ready};

use super::ApiError;
use crate::ory::SessionToken;

/// The request header a browser client sends to use cookie mode; it doubles as
/// the custom header that cross-site forms cannot send (CSRF).
pub const MODE_HEADER: &str = "x-session-mode";
pub const MODE_COOKIE: &str = "cookie";

/// How the session cookie is written (`APP_SESSION_COOKIE_SECURE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCookie {
    pub secure: bool,
}

impl Default for SessionCookie {
    fn default() -> Self {
        SessionCookie { secure: true }
    }
}

impl SessionCookie {
    pub fn name(self) -> &'static str {
        if self.secure { "__Host-ory_spa_session" } else { "ory_spa_session" }
    }

    fn cookie(self, value: String) -> Cookie<'static> {
        Cookie::build(self.name(), value)
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Strict)
            .finish()
    }

    /// Sets the session cookie on `response`.
    pub fn set(self, response: &mut HttpResponse, token: &SessionToken) {
        // `add_cookie` fails only for a cookie that is not valid header text;
        // session tokens are printable ASCII (checked on the way in).
        let _ = response.add_cookie(&self.cookie(token.expose().to_owned()));
    }

    /// Removes the session cookie from the browser.
    pub fn clear(self, response: &mut HttpResponse) {
        let mut cookie = self.cookie(String::new());
        cookie.make_removal();
        let _ = response.add_cookie(&cookie);
    }
}

/// How the session token of a sign-in goes back: in the body (the default) or
/// in the cookie (`X-Session-Mode: cookie`).
#[derive(Debug, Clone, Copy)]
pub enum Delivery {
    Body,
    Cookie(SessionCookie),
}

impl Delivery {
    pub fn is_cookie(self) -> bool {
        matches!(self, Delivery::Cookie(_))
    }
}

/// `params(Delivery)` documents the header that asks for cookie mode, once for
/// every operation that signs in.
impl utoipa::IntoParams for Delivery {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::{
            Required, Type,
            path::{ParameterBuilder, ParameterIn},
            schema::{ObjectBuilder, SchemaType},
        };
        vec![
            ParameterBuilder::new()
                .name("X-Session-Mode")
                .parameter_in(ParameterIn::Header)
                .description(Some(
                    "`cookie`: cookie mode, for browser apps: the session token goes into an HttpOnly cookie \
                     instead of the body (see the `session_cookie` security scheme).",
                ))
                .required(Required::False)
                .schema(Some(ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null]))))
                .build(),
        ]
    }
}

impl FromRequest for Delivery {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(if wants_cookie(req) { Delivery::Cookie(policy(req)) } else { Delivery::Body }))
    }
}

pub(super) fn wants_cookie(req: &HttpRequest) -> bool {
    req.headers().get(MODE_HEADER).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case(MODE_COOKIE))
}

pub(super) fn policy(req: &HttpRequest) -> SessionCookie {
    req.app_data::<web::Data<SessionCookie>>().map(|policy| *policy.get_ref()).unwrap_or_default()
}
