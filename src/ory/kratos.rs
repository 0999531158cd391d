//! Kratos' native ("API") self-service flows, sessions, and the admin calls we need.
//!
//! Native flows are the ones for clients without cookies: no CSRF token, and the
//! result is a session token instead of a cookie. Each of our auth endpoints runs a
//! whole flow (create, then submit) in one request, so the SPA never talks to Kratos.

use chrono::{DateTime, Utc};
use reqwest::{Method, RequestBuilder, Response, StatusCode, header::HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;
use uuid::Uuid;

use super::{FlowError, KRATOS, OryError, SessionError, UiMessage};

/// Kratos' message id for a wrong identifier or password. Kratos uses the same
/// id for an unknown identifier, so an account's existence is not revealed.
pub const MESSAGE_INVALID_CREDENTIALS: u64 = 4000006;

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
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken([REDACTED])")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Traits {
    pub email: String,
    pub name: String,
}

/// The traits of an identity being registered. Absent traits are left out, so
/// Kratos reports them as missing with its own message.
#[derive(Debug, Serialize)]
pub struct NewTraits<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Identity {
    pub id: Uuid,
    pub traits: Traits,
}

/// A Kratos session, reduced to what the API uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Session {
    pub id: Uuid,
    #[serde(default)]
    pub active: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub authenticated_at: Option<DateTime<Utc>>,
    /// `aal1` after a password, `aal2` after a second factor.
    #[serde(rename = "authenticator_assurance_level")]
    pub assurance_level: Option<String>,
    pub identity: Identity,
}

/// What a successful native registration or login returns.
#[derive(Debug)]
pub struct NativeSession {
    pub token: SessionToken,
    pub session: Session,
}

#[derive(Deserialize)]
struct WireNativeSession {
    session_token: Option<String>,
    session: Option<Session>,
}

#[derive(Deserialize)]
struct WireFlow {
    id: Uuid,
    ui: WireUi,
}

#[derive(Deserialize)]
struct WireUi {
    #[serde(default)]
    messages: Vec<WireMessage>,
    #[serde(default)]
    nodes: Vec<WireNode>,
}

#[derive(Deserialize)]
struct WireNode {
    attributes: WireAttributes,
    #[serde(default)]
    messages: Vec<WireMessage>,
}

#[derive(Deserialize)]
struct WireAttributes {
    name: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    id: u64,
    text: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct WireErrorEnvelope {
    error: WireError,
}

#[derive(Deserialize)]
struct WireError {
    id: Option<String>,
}

#[derive(Deserialize)]
struct WireIdentity {
    id: Uuid,
    traits: serde_json::Value,
}

#[derive(Clone)]
pub struct Kratos {
    http: reqwest::Client,
    public: Url,
    admin: Url,
}

impl Kratos {
    pub fn new(http: reqwest::Client, public: Url, admin: Url) -> Self {
        Kratos { http, public, admin }
    }

    /// Runs a native registration flow with the password method. Kratos' `session`
    /// hook after registration is what makes the answer carry a session token.
    pub async fn register(&self, traits: &NewTraits<'_>, password: &SecretString) -> Result<NativeSession, FlowError> {
        let flow = self.create_flow("registration").await?;
        let body = serde_json::json!({
            "method": "password",
            "password": password.expose_secret(),
            "traits": traits,
        });
        self.submit_flow("registration", flow, &body).await
    }

    /// Runs (or, with `flow`, continues) a native login flow with the password method.
    pub async fn login(
        &self,
        identifier: &str,
        password: &SecretString,
        flow: Option<Uuid>,
    ) -> Result<NativeSession, FlowError> {
        let flow = match flow {
            Some(flow) => flow,
            None => self.create_flow("login").await?,
        };
        let body = serde_json::json!({
            "method": "password",
            "identifier": identifier,
            "password": password.expose_secret(),
        });
        self.submit_flow("login", flow, &body).await
    }

    /// Validates a session token with Kratos (`/sessions/whoami`).
    pub async fn whoami(&self, token: &SessionToken) -> Result<Session, SessionError> {
        let Some(header) = token.header_value() else {
            return Err(SessionError::Invalid);
        };
        let request = self.public_request(Method::GET, "sessions/whoami").header("X-Session-Token", header);
        let response = KRATOS.send(request, "whoami").await?;
        match response.status() {
            StatusCode::OK => {
                let session: Session = KRATOS.json(response, "whoami").await?;
                // Kratos answers 401 for inactive sessions; checking again costs nothing
                // and keeps an inactive session from ever passing.
                if session.active { Ok(session) } else { Err(SessionError::Invalid) }
            }
            StatusCode::UNAUTHORIZED => Err(SessionError::Invalid),
            StatusCode::FORBIDDEN if error_id(response).await.as_deref() == Some("session_aal2_required") => {
                Err(SessionError::SecondFactorRequired)
            }
            status => Err(KRATOS.unexpected(status, "whoami").into()),
        }
    }

    /// Revokes the session behind a token.
    pub async fn logout(&self, token: &SessionToken) -> Result<(), SessionError> {
        let request = self
            .public_request(Method::DELETE, "self-service/logout/api")
            .json(&serde_json::json!({ "session_token": token.expose() }));
        let response = KRATOS.send(request, "logout").await?;
        match response.status() {
            StatusCode::NO_CONTENT | StatusCode::OK => Ok(()),
            // Kratos answers 400 or 403 for a token it does not know.
            StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(SessionError::Invalid),
            status => Err(KRATOS.unexpected(status, "logout").into()),
        }
    }

    /// Admin API: finds the identity whose password identifier is `email`.
    pub async fn find_identity_by_email(&self, email: &str) -> Result<Option<Identity>, OryError> {
        let mut url = self.admin.join("admin/identities").expect("static path");
        url.query_pairs_mut().append_pair("credentials_identifier", email);
        let response = KRATOS.send(self.http.get(url), "identity lookup").await?;
        if response.status() != StatusCode::OK {
            return Err(KRATOS.unexpected(response.status(), "identity lookup"));
        }
        let identities: Vec<WireIdentity> = KRATOS.json(response, "identity lookup").await?;
        // Kratos matches the identifier exactly (case-folded for emails); anything
        // else in the answer would be a surprise, so take only an exact match.
        Ok(identities
            .into_iter()
            .filter_map(|wire| {
                let traits: Traits = serde_json::from_value(wire.traits).ok()?;
                traits.email.eq_ignore_ascii_case(email).then_some(Identity { id: wire.id, traits })
            })
            .next())
    }

    /// Admin API: the identities with these ids, in one call. Unknown ids are left out.
    pub async fn identities(&self, ids: &[Uuid]) -> Result<Vec<Identity>, OryError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut url = self.admin.join("admin/identities").expect("static path");
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("page_size", "500");
            for id in ids {
                query.append_pair("ids", &id.to_string());
            }
        }
        let response = KRATOS.send(self.http.get(url), "identity lookup").await?;
        KRATOS.expect(&response, StatusCode::OK, "identity lookup")?;
        let identities: Vec<WireIdentity> = KRATOS.json(response, "identity lookup").await?;
        Ok(identities
            .into_iter()
            .filter_map(|wire| Some(Identity { id: wire.id, traits: serde_json::from_value(wire.traits).ok()? }))
            .collect())
    }

    /// Admin API: deletes an identity and, with it, its sessions.
    pub async fn delete_identity(&self, id: Uuid) -> Result<(), OryError> {
        let url = self.admin.join(&format!("admin/identities/{id}")).expect("a uuid is a valid path segment");
        let response = KRATOS.send(self.http.delete(url), "identity deletion").await?;
        match response.status() {
            StatusCode::NO_CONTENT | StatusCode::NOT_FOUND => Ok(()),
            status => Err(KRATOS.unexpected(status, "identity deletion")),
        }
    }

    /// Readiness of Kratos' public API.
    pub async fn ready(&self) -> Result<(), OryError> {
        let response = KRATOS.send(self.public_request(Method::GET, "health/ready"), "readiness").await?;
        match response.status() {
            StatusCode::OK => Ok(()),
            status => Err(KRATOS.unexpected(status, "readiness")),
        }
    }

    fn public_request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = self.public.join(path).expect("static path");
        self.http.request(method, url).header("Accept", "application/json")
    }

    async fn create_flow(&self, kind: &'static str) -> Result<Uuid, OryError> {
        let response = KRATOS.send(self.public_request(Method::GET, &format!("self-service/{kind}/api")), kind).await?;
        if response.status() != StatusCode::OK {
            return Err(KRATOS.unexpected(response.status(), kind));
        }
        let flow: WireFlow = KRATOS.json(response, kind).await?;
        Ok(flow.id)
    }

    async fn submit_flow(
        &self,
        kind: &'static str,
        flow: Uuid,
        body: &serde_json::Value,
    ) -> Result<NativeSession, FlowError> {
        let mut url = self.public.join(&format!("self-service/{kind}")).expect("static path");
        url.query_pairs_mut().append_pair("flow", &flow.to_string());
        let request = self.http.post(url).header("Accept", "application/json").json(body);
        let response = KRATOS.send(request, kind).await?;
        match response.status() {
            StatusCode::OK => {
                let wire: WireNativeSession = KRATOS.json(response, kind).await?;
                match (wire.session_token, wire.session) {
                    (Some(token), Some(session)) => Ok(NativeSession { token: SessionToken::new(token), session }),
                    // Registration without the `session` hook answers 200 without a
                    // token: a configuration error in kratos.yml, not the client's.
                    _ => Err(KRATOS
                        .protocol(kind, "no session token in the answer (is the `session` hook enabled?)")
                        .into()),
                }
            }
            StatusCode::BAD_REQUEST => match KRATOS.json::<WireFlow>(response, kind).await {
                Ok(flow) => Err(FlowError::Rejected { flow_id: flow.id, messages: ui_messages(flow.ui) }),
                // A 400 that is not a flow: Kratos could not read what we sent,
                // which is our bug, not the user's input.
                Err(OryError::Protocol { .. }) => Err(KRATOS.unexpected(StatusCode::BAD_REQUEST, kind).into()),
                Err(error) => Err(error.into()),
            },
            StatusCode::GONE => Err(FlowError::Expired),
            StatusCode::NOT_FOUND => Err(FlowError::NotFound),
            // Kratos answers 403 when a flow id of another kind or browser flow is
            // submitted here; to the client that flow simply does not exist.
            StatusCode::FORBIDDEN => Err(FlowError::NotFound),
            status => Err(KRATOS.unexpected(status, kind).into()),
        }
    }
}

/// Flattens the flow's form-level and per-node messages. Info messages (such as
/// "Sign up" labels) are not errors and are dropped.
fn ui_messages(ui: WireUi) -> Vec<UiMessage> {
    let form = ui.messages.into_iter().map(|m| (None, m));
    let fields = ui.nodes.into_iter().flat_map(|node| {
        let field = node.attributes.name.map(|name| name.strip_prefix("traits.").unwrap_or(&name).to_owned());
        node.messages.into_iter().map(move |m| (field.clone(), m))
    });
    form.chain(fields)
        .filter(|(_, m)| m.kind == "error")
        .map(|(field, m)| UiMessage { field, id: m.id, text: m.text })
        .collect()
}

async fn error_id(response: Response) -> Option<String> {
    let body = response.bytes().await.ok()?;
    serde_json::from_slice::<WireErrorEnvelope>(&body).ok()?.error.id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_messages_name_request_fields_and_skip_info() {
        let ui: WireUi = serde_json::from_value(serde_json::json!({
            "messages": [{"id": 4000007, "text": "exists already", "type": "error"}],
            "nodes": [
                {"attributes": {"name": "traits.email"}, "messages": [{"id": 4000001, "text": "bad email", "type": "error"}]},
                {"attributes": {"name": "password"}, "messages": []},
                {"attributes": {"name": "method"}, "messages": [{"id": 1040001, "text": "Sign up", "type": "info"}]}
            ]
        }))
        .unwrap();
        assert_eq!(
            ui_messages(ui),
            vec![
                UiMessage { field: None, id: 4000007, text: "exists already".into() },
                UiMessage { field: Some("email".into()), id: 4000001, text: "bad email".into() },
            ]
        );
    }

    #[test]
    fn a_token_never_prints() {
        let token = SessionToken::new("ory_st_secret".into());
        assert!(!format!("{token:?}").contains("secret"));
    }
}
