//! Extractors that authenticate and authorise a request before the handler runs.
//!
//! A handler that takes [`Authenticated`] only runs with a session Kratos has
//! confirmed (just now, or within the session cache's short time, see
//! `session_cache`); one that takes [`Permitted<G>`] only runs when Keto has also said yes
//! to `G`. Every failure is a refusal: a missing or bad token is 401, a denied
//! check 403, Kratos or Keto unreachable 503. Nothing is allowed on an error.

use std::{
    future::{Future, Ready, ready},
    marker::PhantomData,
    pin::Pin,
};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};

use super::{ApiError, SessionCache};
use crate::{
    auth::UserId,
    authz::{Authorizer, Resource},
    ory::{ClientInfo, Kratos, Session, SessionToken},
};

/// Session tokens are short (`ory_st_` and 32 characters); anything far longer is
/// refused without bothering Kratos.
const MAX_TOKEN_LEN: usize = 512;

/// The session token a request presents, not yet validated.
///
/// Read from `Authorization: Bearer <token>` or, as Kratos itself accepts,
/// `X-Session-Token`. Never from the query string: URLs end up in logs and
/// browser history.
fn bearer_token(req: &HttpRequest) -> Result<SessionToken, ApiError> {
    let headers = req.headers();
    let token = if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| malformed())?;
        let (scheme, token) = value.split_once(' ').ok_or_else(malformed)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::Unauthenticated("Use the Bearer scheme: `Authorization: Bearer <session token>`."));
        }
        token.trim()
    } else if let Some(value) = headers.get("x-session-token") {
        value.to_str().map_err(|_| malformed())?.trim()
    } else {
        return Err(ApiError::Unauthenticated("A session token is required: `Authorization: Bearer <session token>`."));
    };
    if token.is_empty() || token.len() > MAX_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(malformed());
    }
    Ok(SessionToken::new(token.to_owned()))
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

/// A request with a session that Kratos has confirmed: for this request, or
/// within the session cache's time (`SessionCache`), and not revoked here since.
pub struct Authenticated {
    pub user: UserId,
    pub session: Session,
    /// The token the session was confirmed with (for logout).
    pub token: SessionToken,
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let kratos = req.app_data::<web::Data<Kratos>>().cloned();
        let cache = req.app_data::<web::Data<SessionCache>>().cloned();
        Box::pin(async move {
            let token = token?;
            let kratos = kratos.ok_or_else(|| ApiError::Internal("Kratos client not configured".into()))?;
            let cache = cache.ok_or_else(|| ApiError::Internal("session cache not configured".into()))?;
            let session = match cache.get(&token) {
                Some(session) => session,
                None => {
                    let sent = tokio::time::Instant::now();
                    let session = kratos.whoami(&token).await?;
                    cache.insert(&token, &session, sent);
                    session
                }
            };
            Ok(Authenticated { user: UserId(session.identity.id), session, token })
        })
    }
}

/// The longest `User-Agent` passed on to Kratos, which records it on new
/// sessions for the person's session list. Real ones are a few hundred bytes.
const MAX_USER_AGENT_LEN: usize = 512;

/// The client device, for Kratos to record on a session it creates: the
/// `User-Agent` the client sent, and the address of the connection.
impl FromRequest for ClientInfo {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| agent.chars().take(MAX_USER_AGENT_LEN).collect());
        ready(Ok(ClientInfo { user_agent, ip: req.peer_addr().map(|address| address.ip()) }))
    }
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
