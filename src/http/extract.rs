//! Extractors that authenticate and authorise a request before the handler runs.
//!
//! A handler that takes [`Authenticated`] only runs with a session Kratos has just
//! confirmed; one that takes [`Permitted<G>`] only runs when Keto has also said yes
//! to `G`. Every failure is a refusal: a missing or bad token is 401, a denied
//! check 403, Kratos or Keto unreachable 503. Nothing is allowed on an error.

use std::{
    future::{Future, Ready, ready},
    marker::PhantomData,
    net::IpAddr,
    pin::Pin,
};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header, web};

use super::{ApiError, SessionCache, cookie};
use crate::{
    auth::UserId,
    authz::{Authorizer, Resource},
    ory::{ClientInfo, Kratos, Session, SessionError, SessionToken},
};

/// Session tokens are short (`ory_st_` and 32 characters); anything far longer is
/// refused without bothering Kratos.
const MAX_TOKEN_LEN: usize = 512;

/// The session token a request presents, not yet validated.
///
/// Read from `Authorization: Bearer <token>` or, as Kratos itself accepts,
/// `X-Session-Token`; failing both, from the session cookie (cookie mode, see
/// `cookie`). Never from the query string: URLs end up in logs and browser
/// history.
fn bearer_token(req: &HttpRequest) -> Result<SessionToken, ApiError> {
    let headers = req.headers();
    let token = if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| malformed())?;
        let (scheme, token) = value.split_once(' ').ok_or_else(malformed)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::Unauthenticated("Use the Bearer scheme: `Authorization: Bearer <session token>`."));
        }
        token.trim().to_owned()
    } else if let Some(value) = headers.get("x-session-token") {
        value.to_str().map_err(|_| malformed())?.trim().to_owned()
    } else if let Some(cookie) = req.cookie(cookie::policy(req).name()) {
        if !req.method().is_safe() {
            same_origin(req)?;
        }
        cookie.value().to_owned()
    } else {
        return Err(ApiError::Unauthenticated("A session token is required: `Authorization: Bearer <session token>`."));
    };
    if token.is_empty() || token.len() > MAX_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(malformed());
    }
    Ok(SessionToken::new(token))
}

/// The origins allowed to call the API from a browser (`APP_CORS_ALLOWED_ORIGINS`),
/// besides the backend's own.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins(pub Vec<String>);

/// A browser sends the session cookie with any request to us, including one a
/// hostile page makes it send; `SameSite=Strict` stops that in today's browsers,
/// and this stops it everywhere. An unsafe request authenticated by the cookie
/// must carry our custom header (which a cross-site form cannot send, and a
/// cross-origin script can only send after a CORS preflight we refuse) and an
/// `Origin` that is ours or one of the configured ones.
fn same_origin(req: &HttpRequest) -> Result<(), ApiError> {
    if !cookie::wants_cookie(req) {
        return Err(ApiError::CrossSite(
            "A request authenticated by the session cookie must send `X-Session-Mode: cookie`.",
        ));
    }
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let own = !host.is_empty() && origin.split_once("://").is_some_and(|(_, authority)| authority == host);
    let configured =
        req.app_data::<web::Data<AllowedOrigins>>().is_some_and(|allowed| allowed.0.iter().any(|o| o == origin));
    if own || configured {
        Ok(())
    } else {
        Err(ApiError::CrossSite("This request did not come from the app's own pages."))
    }
}

fn malformed() -> ApiError {
    ApiError::Unauthenticated("The session token is malformed.")
}

/// The session token a request presents, *not* validated: for the few endpoints
/// that hand it to Kratos as it is (logout, completing a second factor), where
/// Kratos' own answer decides. Everything else takes [`Authenticated`].
impl FromRequest for SessionToken {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(bearer_token(req))
    }
}

/// A request with a session that Kratos has confirmed for this request.
#[derive(Clone)]
pub struct Authenticated {
    pub user: UserId,
    pub session: Session,
    /// The token the session was confirmed with (for logout).
    pub token: SessionToken,
}

/// What the gate learnt about a secured request's session (see `gate`).
#[derive(Clone)]
pub(super) enum SessionCheck {
    Confirmed(Box<Authenticated>),
    /// A valid session that has not used the person's second factor: only the
    /// endpoints that complete it (or log out) take it.
    NeedsSecondFactor,
}

/// Asks Kratos about the request's token (or the session cache, for a session
/// Kratos confirmed within its time and not revoked here since): 401 when there
/// is none or Kratos does not know it, 503 when Kratos cannot say.
pub(super) async fn check_session(req: &HttpRequest) -> Result<SessionCheck, ApiError> {
    let token = bearer_token(req)?;
    let kratos = req
        .app_data::<web::Data<Kratos>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal("Kratos client not configured".into()))?;
    let cache = req
        .app_data::<web::Data<SessionCache>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal("session cache not configured".into()))?;
    let confirmed = |session: Session, token| {
        SessionCheck::Confirmed(Box::new(Authenticated { user: UserId(session.identity.id), session, token }))
    };
    // Only sessions Kratos confirmed are remembered; one that still needs its
    // second factor, or any error, asks Kratos again next time.
    if let Some(session) = cache.get(&token) {
        return Ok(confirmed(session, token));
    }
    let sent = tokio::time::Instant::now();
    match kratos.whoami(&token).await {
        Ok(session) => {
            cache.insert(&token, &session, sent);
            Ok(confirmed(session, token))
        }
        Err(SessionError::SecondFactorRequired) => Ok(SessionCheck::NeedsSecondFactor),
        Err(error) => Err(error.into()),
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // The gate has asked Kratos already for every operation the spec marks
        // secured; asking here too covers a handler the spec forgot.
        let checked = req.extensions().get::<SessionCheck>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let check = match checked {
                Some(check) => check,
                None => check_session(&req).await?,
            };
            match check {
                SessionCheck::Confirmed(auth) => Ok(*auth),
                SessionCheck::NeedsSecondFactor => Err(ApiError::SecondFactorRequired),
            }
        })
    }
}

/// The longest `User-Agent` passed on to Kratos, which records it on new
/// sessions for the person's session list. Real ones are a few hundred bytes.
const MAX_USER_AGENT_LEN: usize = 512;

/// The header a trusted reverse proxy puts the client's address in
/// (`APP_CLIENT_ADDRESS_HEADER`); `None` when clients connect directly.
#[derive(Debug, Clone, Default)]
pub struct ClientAddressHeader(pub Option<header::HeaderName>);

/// The client device: the `User-Agent` it sent, and its address. Kratos records
/// both on sessions it creates; rate limits count per address.
impl FromRequest for ClientInfo {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| agent.chars().take(MAX_USER_AGENT_LEN).collect());
        ready(Ok(ClientInfo { user_agent, ip: client_ip(req) }))
    }
}

/// The connection's address, unless a trusted proxy is configured and names
/// the client in its header. Without that setting the header is ignored: any
/// client could write it, and choose its own rate-limit bucket.
fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let configured = req.app_data::<web::Data<ClientAddressHeader>>().and_then(|h| h.0.clone());
    if let Some(name) = configured
        && let Some(value) = req.headers().get(&name).and_then(|v| v.to_str().ok())
        // `X-Forwarded-For` lists every hop; the last is the one our proxy added.
        && let Some(ip) = value.rsplit(',').next().and_then(|last| last.trim().parse().ok())
    {
        return Some(ip);
    }
    req.peer_addr().map(|address| address.ip())
}

/// A permission on a fixed object, checkable before the handler runs.
/// Permissions on objects named in the path are checked in the handler with
/// `Authorizer::require`, since the object is only known there.
pub trait Grant: 'static {
    type On: Resource;
    const RESOURCE: Self::On;
    const PERMISSION: <Self::On as Resource>::Permission;
}

/// An authenticated request whose user Keto has confirmed holds `G`.
pub struct Permitted<G: Grant> {
    pub auth: Authenticated,
    grant: PhantomData<G>,
}

impl<G: Grant> FromRequest for Permitted<G> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let authenticated = Authenticated::from_request(req, payload);
        let authz = req.app_data::<web::Data<Authorizer>>().cloned();
        Box::pin(async move {
            let auth = authenticated.await?;
            let authz = authz.ok_or_else(|| ApiError::Internal("Keto client not configured".into()))?;
            authz.require(auth.user, &G::RESOURCE, G::PERMISSION).await?;
            Ok(Permitted { auth, grant: PhantomData })
        })
    }
}
