//! Session tokens and sessions: whoami, logout, and a person's other sessions.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use reqwest::{Method, RequestBuilder, StatusCode, header::HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::{Kratos, identities::Identity, wire};
use crate::ory::{KRATOS, SessionError};

/// A Kratos session token. Its `Debug` never shows the value, and it is only sent
/// in headers and bodies, never in a URL.
#[derive(Clone)]
pub struct SessionToken(SecretString);

impl SessionToken {
    pub fn new(token: String) -> Self {
        SessionToken(SecretString::from(token))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    fn header_value(&self) -> Option<HeaderValue> {
        let mut value = HeaderValue::from_str(self.expose()).ok()?;
        // Keeps the value out of the HTTP stack's own debug output.
        value.set_sensitive(true);
        Some(value)
    }

    /// Adds the token as `X-Session-Token`, Kratos' header for native clients.
    /// A value that cannot be a header is not a token Kratos issued.
    pub(super) fn authorize(&self, request: RequestBuilder) -> Result<RequestBuilder, SessionError> {
        let value = self.header_value().ok_or(SessionError::Invalid)?;
        Ok(request.header("X-Session-Token", value))
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken([REDACTED])")
    }
}

/// How strongly a session's person has proven who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AssuranceLevel {
    /// Not authenticated (Kratos uses it for flows, never for an active session).
    Aal0,
    /// One factor: a password, a recovery code by email, or a social sign-in.
    Aal1,
    /// Two factors: additionally a TOTP code or a recovery code (lookup secret).
    Aal2,
}

impl AssuranceLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aal0 => "aal0",
            Self::Aal1 => "aal1",
            Self::Aal2 => "aal2",
        }
    }

    fn parse(value: Option<&str>) -> Self {
        match value {
            Some("aal2") | Some("aal3") => Self::Aal2,
            Some("aal1") => Self::Aal1,
            _ => Self::Aal0,
        }
    }
}

/// Who is on the other end of our API, as Kratos should record it on a session
/// it creates. Kratos sees only the backend; without this every session's device
/// would be "ory-spa/0.1 from 127.0.0.1".
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub user_agent: Option<String>,
    pub ip: Option<IpAddr>,
}

impl ClientInfo {
    /// The client's address as text, for rate limits (`unknown` when there is none).
    pub fn address(&self) -> String {
        self.ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    }

    /// Kratos records `User-Agent` and the first `X-Forwarded-For` address on new
    /// sessions. Its public API is reachable only by us, so it may believe them;
    /// we set `X-Forwarded-For` to the one address we determined, never append to
    /// a client's own header.
    pub(super) fn apply(&self, mut request: RequestBuilder) -> RequestBuilder {
        if let Some(agent) = self.user_agent.as_deref().and_then(|a| HeaderValue::from_str(a).ok()) {
            request = request.header(reqwest::header::USER_AGENT, agent);
        }
        if let Some(ip) = self.ip {
            request = request.header("X-Forwarded-For", ip.to_string());
        }
        request
    }
}

/// Where a session was used from, as Kratos recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

/// A session as listed: no identity, since every listed session is the caller's.
#[derive(Debug, Clone)]
pub struct SessionSummary {
    pub id: Uuid,
    pub issued_at: Option<DateTime<Utc>>,
    pub authenticated_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub assurance_level: AssuranceLevel,
    /// How the person signed in: `password`, `code_recovery`, `totp`, …
    pub methods: Vec<String>,
    /// The sign-in providers among them (Kratos' ids), for `oidc`.
    pub providers: Vec<String>,
    pub devices: Vec<Device>,
}

/// A confirmed Kratos session and its identity.
#[derive(Debug, Clone)]
pub struct Session {
    pub summary: SessionSummary,
    pub identity: Identity,
}

impl Session {
    pub fn id(&self) -> Uuid {
        self.summary.id
    }
}

/// What a flow that signs someone in returns.
#[derive(Debug)]
pub struct NativeSession {
    pub token: SessionToken,
    pub session: Session,
}

impl SessionSummary {
    fn from_wire(wire: &wire::Session) -> Self {
        SessionSummary {
            id: wire.id,
            issued_at: wire.issued_at,
            authenticated_at: wire.authenticated_at,
            expires_at: wire.expires_at,
            assurance_level: AssuranceLevel::parse(wire.authenticator_assurance_level.as_deref()),
            methods: wire.authentication_methods.iter().map(|m| m.method.clone()).collect(),
            providers: wire.authentication_methods.iter().filter_map(|m| m.provider.clone()).collect(),
            devices: wire
                .devices
                .iter()
                .map(|d| Device { ip_address: d.ip_address.clone(), user_agent: d.user_agent.clone() })
                .collect(),
        }
    }
}

impl Session {
    /// An active session with its identity, or `None` for anything else: an
    /// inactive session must never pass, whatever status it came with.
    pub(super) fn from_wire(wire: wire::Session) -> Option<Self> {
        if !wire.active {
            return None;
        }
        let summary = SessionSummary::from_wire(&wire);
        let identity = Identity::from_wire(wire.identity?)?;
        Some(Session { summary, identity })
    }
}

/// Sessions per page of Kratos' list (its default). Whatever lists or acts on a
/// person's sessions walks every page.
const SESSION_PAGE_SIZE: usize = 250;
/// How many pages a walk reads: 10,000 sessions. Nobody has that many unless
/// someone makes them on purpose, and then a walk must not become the cost.
const SESSION_PAGES_MAX: usize = 40;

/// One page of Kratos' list of a person's other sessions.
struct SessionsPage {
    /// The active ones.
    sessions: Vec<SessionSummary>,
    /// How many Kratos sent, active or not.
    listed: usize,
    /// Kratos' count of them all.
    total: u64,
}

/// Every other active session, or word that there are more than a walk reads.
pub enum EveryOtherSession {
    All(Vec<SessionSummary>),
    /// More than `SESSION_PAGES_MAX` pages; the ones read, newest first.
    TooMany(Vec<SessionSummary>),
}

impl Kratos {
    /// Validates a session token with Kratos (`/sessions/whoami`).
    pub async fn whoami(&self, token: &SessionToken) -> Result<Session, SessionError> {
        let request = token.authorize(self.public(Method::GET, "sessions/whoami"))?;
        let response = KRATOS.send(request, "whoami").await?;
        match response.status() {
            StatusCode::OK => {
                let wire: wire::Session = KRATOS.json(response, "whoami").await?;
                Session::from_wire(wire).ok_or(SessionError::Invalid)
            }
            StatusCode::UNAUTHORIZED => Err(SessionError::Invalid),
            StatusCode::FORBIDDEN => Err(session_forbidden(response, "whoami").await),
            status => Err(KRATOS.unexpected(status, "whoami").into()),
        }
    }

    /// Revokes the session behind a token.
    pub async fn logout(&self, token: &SessionToken) -> Result<(), SessionError> {
        let request = self
            .public(Method::DELETE, "self-service/logout/api")
            .json(&serde_json::json!({ "session_token": token.expose() }));
        let response = KRATOS.send(request, "logout").await?;
        match response.status() {
            StatusCode::NO_CONTENT | StatusCode::OK => Ok(()),
            // Kratos answers 400 or 403 for a token it does not know.
            StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(SessionError::Invalid),
            status => Err(KRATOS.unexpected(status, "logout").into()),
        }
    }

    /// How many other active sessions the token holder has (Kratos' count,
    /// read with a page of one).
    pub async fn count_other_sessions(&self, token: &SessionToken) -> Result<u64, SessionError> {
        Ok(self.other_sessions_page(token, 1, 1).await?.total)
    }

    /// Every other active session (Kratos leaves out the current one), page by
    /// page: a session on the second page must not escape the list, a
    /// provider's sweep, or finding one by id.
    /// Kratos pages by offset, newest sign-in first, so a session that ends or
    /// signs in again during the walk can shift one past it; callers that act
    /// on the result walk again to confirm.
    pub async fn every_other_session(&self, token: &SessionToken) -> Result<EveryOtherSession, SessionError> {
        let mut all = Vec::new();
        for page in 1..=SESSION_PAGES_MAX {
            let page = self.other_sessions_page(token, page, SESSION_PAGE_SIZE).await?;
            // By what Kratos sent, not what was kept: a page that lost an
            // inactive session to the filter is still a full page.
            let last = page.listed < SESSION_PAGE_SIZE;
            all.extend(page.sessions);
            if last || all.len() as u64 >= page.total {
                return Ok(EveryOtherSession::All(all));
            }
        }
        Ok(EveryOtherSession::TooMany(all))
    }

    /// One page of the other active sessions, with Kratos' count of them all.
    /// The legacy `page` is numbered from 1 in Kratos v1.3.1 (0 is the first
    /// page too), and sessions come newest sign-in first.
    async fn other_sessions_page(
        &self,
        token: &SessionToken,
        page: usize,
        per_page: usize,
    ) -> Result<SessionsPage, SessionError> {
        let mut url = self.public_url("sessions");
        url.query_pairs_mut()
            .append_pair("per_page", &per_page.to_string())
            .append_pair("page", &page.to_string())
            .append_pair("active", "true");
        let request = token.authorize(self.request(Method::GET, url))?;
        let response = KRATOS.send(request, "session list").await?;
        match response.status() {
            StatusCode::OK => {
                let total = response
                    .headers()
                    .get("x-total-count")
                    .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                    .ok_or_else(|| KRATOS.protocol("session list", "no X-Total-Count header"))?;
                let sessions: Vec<wire::Session> = KRATOS.json(response, "session list").await?;
                Ok(SessionsPage {
                    listed: sessions.len(),
                    sessions: sessions.iter().filter(|s| s.active).map(SessionSummary::from_wire).collect(),
                    total,
                })
            }
            StatusCode::UNAUTHORIZED => Err(SessionError::Invalid),
            StatusCode::FORBIDDEN => Err(session_forbidden(response, "session list").await),
            status => Err(KRATOS.unexpected(status, "session list").into()),
        }
    }

    /// Revokes one of the token holder's other sessions. Kratos answers 204 for
    /// an id that is not theirs too (and revokes nothing), so callers that want
    /// to tell "not found" apart check `other_sessions` first.
    pub async fn revoke_session(&self, token: &SessionToken, id: Uuid) -> Result<(), SessionError> {
        let request = token.authorize(self.public(Method::DELETE, &format!("sessions/{id}")))?;
        let response = KRATOS.send(request, "session revocation").await?;
        match response.status() {
            StatusCode::NO_CONTENT | StatusCode::OK => Ok(()),
            StatusCode::UNAUTHORIZED => Err(SessionError::Invalid),
            StatusCode::FORBIDDEN => Err(session_forbidden(response, "session revocation").await),
            status => Err(KRATOS.unexpected(status, "session revocation").into()),
        }
    }

    /// Revokes all of the token holder's sessions but the current one; returns how many.
    pub async fn revoke_other_sessions(&self, token: &SessionToken) -> Result<u64, SessionError> {
        let request = token.authorize(self.public(Method::DELETE, "sessions"))?;
        let response = KRATOS.send(request, "session revocation").await?;
        match response.status() {
            StatusCode::OK => Ok(KRATOS.json::<wire::RevokedCount>(response, "session revocation").await?.count),
            StatusCode::UNAUTHORIZED => Err(SessionError::Invalid),
            StatusCode::FORBIDDEN => Err(session_forbidden(response, "session revocation").await),
            status => Err(KRATOS.unexpected(status, "session revocation").into()),
        }
    }
}

/// A 403 about a session: a second factor is missing, or something we do not expect.
async fn session_forbidden(response: reqwest::Response, operation: &'static str) -> SessionError {
    match super::error_id(response).await.as_deref() {
        Some("session_aal2_required") => SessionError::SecondFactorRequired,
        _ => KRATOS.unexpected(StatusCode::FORBIDDEN, operation).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_never_prints() {
        let token = SessionToken::new("ory_st_secret".into());
        assert!(!format!("{token:?}").contains("secret"));
    }

    #[test]
    fn an_inactive_session_never_passes() {
        let wire: wire::Session = serde_json::from_value(serde_json::json!({
            "id": "7f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f",
            "active": false,
            "identity": {"id": "8f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f", "traits": {"email": "a@b.c", "name": "A"}}
        }))
        .unwrap();
        assert!(Session::from_wire(wire).is_none());
    }
}
