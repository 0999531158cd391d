//! Social sign-in ("Sign in with …") over OpenID Connect, in native flows.
//!
//! The backend runs Kratos' side of it; only the provider's side needs a browser:
//!
//! 1. [`Kratos::start_social_sign_in`]: a login or registration flow is created
//!    with a return URL and `return_session_token_exchange_code=true`, which puts
//!    the first half of an exchange code into the flow (we keep it), and the
//!    `oidc` method is submitted: Kratos answers with the provider's authorization
//!    URL for the browser.
//! 2. The browser signs in at the provider, which sends it to Kratos' callback
//!    (relayed by the backend: [`Kratos::relay_social_callback`]). Kratos creates or
//!    finds the identity and sends the browser to the return URL with the second
//!    half of the code (`code`), or without it when something stopped the sign-in,
//!    leaving the reason in the flow ([`Kratos::social_setback`]).
//! 3. [`Kratos::exchange_social_code`]: both halves give the session token
//!    (`GET /sessions/token-exchange`). Kratos v1.3.1 does not use the codes up:
//!    exchanging twice gives the same token again, so the caller makes the
//!    exchange single-use itself.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use url::Url;
use uuid::Uuid;

use super::{
    Kratos,
    flows::{Caller, Flow, FlowKind, FlowOptions, NodeValue, Outcome},
    identities::Identity,
    messages::{self, UiMessage},
    self_service::{SignIn, unexpected},
    sessions::{ClientInfo, SessionToken},
    wire,
};
use crate::ory::{FlowError, KRATOS, OryError, SessionError};

/// An OpenID Connect provider configured in Kratos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocialProvider {
    /// Kratos' id for it (`hydra`, `google`, …): part of the callback URL.
    pub id: String,
    /// What people read: "Sign in with <label>".
    pub label: String,
}

/// Kratos' `session_token_exchange_code`: the half of a session-token exchange
/// that never leaves the server. With the other half, which reaches the browser
/// in the return URL, it gives the session token. Never printed.
#[derive(Clone)]
pub struct ExchangeCode(SecretString);

impl ExchangeCode {
    pub fn new(code: String) -> Self {
        ExchangeCode(SecretString::from(code))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for ExchangeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExchangeCode([REDACTED])")
    }
}

/// A started social sign-in: send the browser to `redirect_to`; keep the rest.
#[derive(Debug)]
pub struct SocialStart {
    pub flow_id: Uuid,
    pub redirect_to: Url,
    pub exchange_code: ExchangeCode,
    /// When the flow expires; the sign-in must come back before then.
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum SocialError {
    /// Kratos offers no provider with that id.
    #[error("no such sign-in provider")]
    UnknownProvider,
    #[error(transparent)]
    Flow(#[from] FlowError),
}

impl From<OryError> for SocialError {
    fn from(error: OryError) -> Self {
        SocialError::Flow(error.into())
    }
}

/// Why a social sign-in came back without the second half of the code, as its
/// flow tells.
#[derive(Debug)]
pub enum SocialSetback {
    /// The person said no at the provider (at its login or its consent).
    Cancelled,
    /// An account already has the address. Kratos links the provider to it once
    /// the person signs in to that account on `flow_id` (a login flow, which
    /// lasts until `expires_at`).
    AccountExists { flow_id: Uuid, expires_at: Option<DateTime<Utc>>, message: UiMessage },
    /// Anything else, with Kratos' messages.
    Failed(Vec<UiMessage>),
}

/// What Kratos answered to the provider's redirect, for the browser.
#[derive(Debug, PartialEq, Eq)]
pub enum SocialCallback {
    /// Kratos sends the browser on to this URL, which the caller allowed: a
    /// return URL with the code, or without it after a setback.
    Redirect(Url),
    /// The callback belongs to no flow Kratos can use: no state, a state it
    /// cannot decrypt, or one whose code is not this flow's.
    StateMismatch,
    /// The flow expired while the person was at the provider; the exchange code
    /// is gone with it (ory/kratos#4610).
    Expired,
    /// Kratos refused for another reason.
    Failed,
}

/// How long the list of providers is reused. Kratos reads its configuration
/// at start-up, so the list changes only when Kratos restarts.
const PROVIDERS_FOR: Duration = Duration::from_secs(60);

/// The providers Kratos offers, as last read.
#[derive(Clone, Default)]
pub(super) struct ProviderList(Arc<Mutex<Option<ProvidersRead>>>);

struct ProvidersRead {
    at: Instant,
    list: Vec<SocialProvider>,
}

impl Kratos {
    /// The providers Kratos offers, from the `oidc` nodes of a new login flow,
    /// so that Kratos' configuration is the only list. Read once a minute: each
    /// read is a flow Kratos stores, and the login page asks on every view,
    /// without a session, so unremembered it would be a write to Kratos'
    /// database that anyone could repeat at will.
    pub async fn social_providers(&self) -> Result<Vec<SocialProvider>, FlowError> {
        if let Some(read) = self.providers.0.lock().expect("never poisoned").as_ref()
            && read.at.elapsed() < PROVIDERS_FOR
        {
            return Ok(read.list.clone());
        }
        let flow = self.create_flow(FlowKind::Login, Caller::default(), FlowOptions::default()).await?;
        let list = providers(&flow);
        *self.providers.0.lock().expect("never poisoned") =
            Some(ProvidersRead { at: Instant::now(), list: list.clone() });
        Ok(list)
    }

    /// What people call `provider` (its `label` in Kratos' configuration), for
    /// a mail; its id when Kratos cannot say now. A label is never worth
    /// failing the change whose mail it names.
    pub async fn provider_label(&self, provider: &str) -> String {
        match self.social_providers().await {
            Ok(list) => list.into_iter().find(|p| p.id == provider).map_or_else(|| provider.to_owned(), |p| p.label),
            Err(error) => {
                tracing::warn!(%error, provider, "could not read the providers' labels; the mail names the id");
                provider.to_owned()
            }
        }
    }

    /// Starts a social sign-in with `provider` on a new flow of `kind` (login or
    /// registration; Kratos switches to the other when the person turns out to
    /// be new, or known). `return_to` must be on Kratos' `allowed_return_urls`.
    pub async fn start_social_sign_in(
        &self,
        kind: FlowKind,
        provider: &str,
        return_to: &Url,
        client: &ClientInfo,
    ) -> Result<SocialStart, SocialError> {
        debug_assert!(matches!(kind, FlowKind::Login | FlowKind::Registration));
        let caller = Caller { token: None, client: Some(client) };
        let options = FlowOptions { social_return_to: Some(return_to), ..FlowOptions::default() };
        let flow = self.create_flow(kind, caller, options).await?;
        if !providers(&flow).iter().any(|p| p.id == provider) {
            return Err(SocialError::UnknownProvider);
        }
        let protocol = |detail: &str| KRATOS.protocol(kind.as_str(), detail.to_owned());
        let exchange_code =
            flow.exchange_code.clone().ok_or_else(|| protocol("a social flow without an exchange code"))?;
        let expires_at = flow.expires_at.ok_or_else(|| protocol("a flow without an expiry"))?;
        let body = json!({ "method": "oidc", "provider": provider });
        match self.submit_flow(kind, flow.id, &body, caller).await? {
            Outcome::RedirectBrowser { to } => {
                Ok(SocialStart { flow_id: flow.id, redirect_to: to, exchange_code, expires_at })
            }
            other => Err(unexpected(kind, &other).into()),
        }
    }

    /// Relays the provider's redirect (`GET /self-service/methods/oidc/callback/<id>`
    /// with the provider's `code` and Kratos' `state`, or `error`) to Kratos, as
    /// the browser would have made it, and says where the browser goes next.
    /// `allowed` decides which of Kratos' redirects are passed on.
    pub async fn relay_social_callback(
        &self,
        provider: &str,
        query: &str,
        client: &ClientInfo,
        allowed: impl Fn(&Url) -> bool,
    ) -> Result<SocialCallback, OryError> {
        let operation = "social sign-in callback";
        let mut url = self.public_url("self-service/methods/oidc/callback/");
        // A path segment, percent-encoded: `provider` comes from the browser.
        url.path_segments_mut().expect("an http URL").pop_if_empty().push(provider);
        url.set_query((!query.is_empty()).then_some(query));
        // Not JSON: Kratos then answers as it would answer the browser itself
        // (redirects), where a JSON request would turn some redirects into bodies.
        // No cookie and no session token: native flows need none, and a session
        // sent along would make Kratos skip the sign-in ("already authenticated").
        let request = client.apply(self.http.request(Method::GET, url).header(header::ACCEPT, "text/html"));
        let response = KRATOS.send(request, operation).await?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| self.public.join(value).ok())
                .ok_or_else(|| KRATOS.protocol(operation, "a redirect without a usable Location"))?;
            // Kratos sends the browser to a return URL whenever the callback belongs
            // to a flow it can still use, even after a setback; to its error page
            // (`selfservice.flows.error.ui_url?id=…`) when it cannot: the flow has
            // expired, or the state ties the callback to no flow.
            if allowed(&location) {
                return Ok(SocialCallback::Redirect(location));
            }
            let error = location.query_pairs().find(|(key, _)| key == "id").map(|(_, id)| id.into_owned());
            return match error {
                Some(id) => self.callback_error(&id).await,
                None => Ok(SocialCallback::Failed),
            };
        }
        Ok(match status {
            StatusCode::GONE => SocialCallback::Expired,
            status if status.is_client_error() => SocialCallback::Failed,
            status => return Err(KRATOS.unexpected(status, operation)),
        })
    }

    /// The error Kratos recorded for a callback it could not finish
    /// (`GET /self-service/errors`, public API).
    async fn callback_error(&self, id: &str) -> Result<SocialCallback, OryError> {
        let operation = "social sign-in error";
        let mut url = self.public_url("self-service/errors");
        url.query_pairs_mut().append_pair("id", id);
        let response = KRATOS.send(self.request(Method::GET, url), operation).await?;
        if response.status() != StatusCode::OK {
            return Err(KRATOS.unexpected(response.status(), operation));
        }
        let error = KRATOS.json::<wire::ErrorEnvelope>(response, operation).await?.error;
        Ok(match (error.id.as_deref(), error.code) {
            (Some("self_service_flow_expired"), _) | (_, Some(410)) => SocialCallback::Expired,
            // Kratos' own failure (its database, say): unavailable, not the browser's doing.
            (_, Some(code)) if code >= 500 => {
                let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return Err(KRATOS.unexpected(status, operation));
            }
            _ => SocialCallback::StateMismatch,
        })
    }

    /// Collects the session a social sign-in created, with both halves of the
    /// exchange code, and says whether it still needs a second factor. `None`:
    /// Kratos has no session for this pair (the code is not this sign-in's).
    pub async fn exchange_social_code(
        &self,
        exchange_code: &ExchangeCode,
        return_to_code: &str,
    ) -> Result<Option<SignIn>, FlowError> {
        let operation = "session token exchange";
        let mut url = self.public_url("sessions/token-exchange");
        url.query_pairs_mut()
            .append_pair("init_code", exchange_code.expose())
            .append_pair("return_to_code", return_to_code);
        let response = KRATOS.send(self.request(Method::GET, url), operation).await?;
        let (token, identity) = match response.status() {
            StatusCode::OK => {
                let exchange = KRATOS.json::<wire::TokenExchange>(response, operation).await?;
                let identity = exchange.session.and_then(|session| session.identity).and_then(Identity::from_wire);
                (SessionToken::new(exchange.session_token), identity)
            }
            // 404 "no session yet for this code"; 400 for an empty half.
            StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST => return Ok(None),
            status => return Err(KRATOS.unexpected(status, operation).into()),
        };
        // The exchange's own answer carries the identity even when the session
        // does not meet the assurance policy; whoami is what judges it.
        match self.whoami(&token).await {
            Ok(session) => Ok(Some(SignIn::Complete(super::NativeSession { token, session }))),
            Err(SessionError::SecondFactorRequired) => {
                let challenge = self.second_factor_flow(&token).await?;
                Ok(Some(SignIn::SecondFactorRequired { token, challenge, identity }))
            }
            Err(SessionError::Invalid) => Err(KRATOS.protocol(operation, "the exchanged token is not valid").into()),
            Err(SessionError::Ory(error)) => Err(error.into()),
        }
    }

    /// Why the sign-in on `flow` came back without a code, and the flow's return
    /// URL (which tells whose sign-in it is). The flow is where Kratos left it:
    /// the first flow, or the one Kratos moved the sign-in to (registration for a
    /// new person, login for an account to link), so both kinds are looked up.
    pub async fn social_setback(&self, flow: Uuid) -> Result<(Option<Url>, SocialSetback), FlowError> {
        let flow = match self.fetch_flow(FlowKind::Login, flow).await {
            Err(FlowError::NotFound) => self.fetch_flow(FlowKind::Registration, flow).await?,
            other => other?,
        };
        let return_to = flow.return_to.as_deref().and_then(|url| Url::parse(url).ok());
        Ok((return_to, setback(flow)))
    }

    /// The account a linking login flow (see [`SocialSetback::AccountExists`])
    /// signs in to: the identifier Kratos put in it, since Kratos links only to
    /// the account that has it.
    pub async fn social_link_identifier(&self, flow: Uuid) -> Result<String, FlowError> {
        let prepared = self.fetch_flow(FlowKind::Login, flow).await?;
        match prepared.node("identifier").map(|node| &node.value) {
            Some(NodeValue::Input(Some(identifier))) if !identifier.is_empty() => Ok(identifier.clone()),
            _ => Err(KRATOS.protocol("login", "an account-linking flow without its identifier").into()),
        }
    }

    /// Links the provider to the existing account `identifier` by signing in to
    /// it with its password on the login flow Kratos prepared.
    pub async fn link_social_account(
        &self,
        flow: Uuid,
        identifier: &str,
        password: &SecretString,
        client: &ClientInfo,
    ) -> Result<SignIn, FlowError> {
        let kind = FlowKind::Login;
        let caller = Caller { token: None, client: Some(client) };
        let body = json!({ "method": "password", "identifier": identifier, "password": password.expose_secret() });
        self.sign_in(kind, self.submit_flow(kind, flow, &body, caller).await?).await
    }
}

/// The sign-in providers linked to an account, and whether it also has a
/// password (without one, a provider is the only way in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedProviders {
    /// Kratos' ids of the providers, sorted, each once.
    pub providers: Vec<String>,
    pub password: bool,
}

impl Kratos {
    /// Admin API: the providers linked to the identity, from the identifiers of
    /// its `oidc` credential (`<provider>:<subject>`), and whether it has a
    /// password.
    ///
    /// Kratos gives every identity a `password` credential with the address as
    /// its identifier, a person who signed up with a provider too; only its
    /// hash says whether a password was ever set. The hash is read here, on the
    /// server, for that alone, and goes no further.
    pub async fn linked_providers(&self, id: Uuid) -> Result<LinkedProviders, OryError> {
        let operation = "identity lookup";
        let mut url = self.admin_url(&format!("admin/identities/{id}"));
        url.query_pairs_mut().append_pair("include_credential", "password");
        let response = KRATOS.send(self.request(Method::GET, url), operation).await?;
        KRATOS.expect(&response, StatusCode::OK, operation)?;
        let identity: wire::Identity = KRATOS.json(response, operation).await?;
        let identifiers = |kind: &str| -> Vec<String> {
            identity
                .credentials
                .get(kind)
                .and_then(|credential| credential["identifiers"].as_array())
                .map_or_else(Vec::new, |identifiers| {
                    identifiers.iter().filter_map(|value| value.as_str().map(str::to_owned)).collect()
                })
        };
        let mut providers: Vec<String> = identifiers("oidc")
            .iter()
            .filter_map(|identifier| identifier.split_once(':').map(|(provider, _)| provider.to_owned()))
            .collect();
        providers.sort_unstable();
        providers.dedup();
        let password = identity
            .credentials
            .get("password")
            .and_then(|credential| credential["config"]["hashed_password"].as_str())
            .is_some_and(|hash| !hash.is_empty());
        Ok(LinkedProviders { providers, password })
    }

    /// Settings flow: the provider no longer signs in to the account. Kratos
    /// refuses unless another first factor (a password) is left, and asks for a
    /// recent login (`session_refresh_required`).
    pub async fn unlink_provider(&self, token: &SessionToken, provider: &str) -> Result<(), FlowError> {
        self.settings_on(token, None, &json!({ "method": "oidc", "unlink": provider })).await.map(drop)
    }
}

/// The `oidc` nodes of a flow: one submit button per provider, labelled
/// "Sign in with <label>" with the label in the message's context.
fn providers(flow: &Flow) -> Vec<SocialProvider> {
    flow.nodes
        .iter()
        .filter(|node| node.group == "oidc" && node.name == "provider")
        .filter_map(|node| match &node.value {
            NodeValue::Input(Some(id)) => {
                Some(SocialProvider { id: id.clone(), label: node.label.clone().unwrap_or_else(|| id.clone()) })
            }
            _ => None,
        })
        .collect()
}

fn setback(flow: Flow) -> SocialSetback {
    if let Some(message) = flow.messages.iter().find(|m| m.id == messages::ACCOUNT_EXISTS_LINK).cloned() {
        return SocialSetback::AccountExists { flow_id: flow.id, expires_at: flow.expires_at, message };
    }
    let errors = flow.errors();
    if errors.iter().any(messages::is_provider_access_denied) {
        return SocialSetback::Cancelled;
    }
    SocialSetback::Failed(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(json: serde_json::Value) -> Flow {
        let mut answer: wire::Answer = serde_json::from_value(json).unwrap();
        let id = answer.id.unwrap();
        Flow::from_answer(FlowKind::Login, id, &mut answer)
    }

    #[test]
    fn providers_are_the_oidc_buttons_with_their_labels() {
        let flow = flow(serde_json::json!({
            "id": "7f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f",
            "session_token_exchange_code": "secret-half",
            "ui": {"nodes": [
                {"group": "default", "attributes": {"node_type": "input", "name": "identifier"}},
                {"group": "oidc", "attributes": {"node_type": "input", "name": "provider", "value": "hydra"},
                 "meta": {"label": {"id": 1010002, "text": "Sign in with Local provider",
                                    "context": {"provider": "Local provider", "provider_id": "hydra"}}}},
                {"group": "oidc", "attributes": {"node_type": "input", "name": "provider", "value": "github"}}
            ]}
        }));
        assert_eq!(
            providers(&flow),
            [
                SocialProvider { id: "hydra".into(), label: "Local provider".into() },
                SocialProvider { id: "github".into(), label: "github".into() }
            ]
        );
        assert!(!format!("{flow:?}").contains("secret-half"), "the exchange code never prints");
    }

    #[test]
    fn a_refusal_at_the_provider_is_a_cancellation_and_a_known_address_asks_to_link() {
        let cancelled = flow(serde_json::json!({
            "id": "7f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f",
            "ui": {"messages": [{"id": 4000001, "type": "error",
                "text": "Unable to complete OpenID Connect flow because the OpenID Provider returned error \"access_denied\": no."}],
                "nodes": []}
        }));
        assert!(matches!(setback(cancelled), SocialSetback::Cancelled));

        let other = flow(serde_json::json!({
            "id": "7f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f",
            "ui": {"messages": [{"id": 4000001, "type": "error",
                "text": "Unable to complete OpenID Connect flow because the OpenID Provider returned error \"server_error\": oops."}],
                "nodes": []}
        }));
        assert!(matches!(setback(other), SocialSetback::Failed(messages) if messages.len() == 1));

        let link = flow(serde_json::json!({
            "id": "7f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f",
            "ui": {"messages": [{"id": 1010016, "type": "info", "text": "You tried to sign in with \"a@b.c\" …"}],
                "nodes": [{"group": "default", "attributes": {"node_type": "input", "name": "identifier", "value": "a@b.c"}}]}
        }));
        assert!(matches!(setback(link), SocialSetback::AccountExists { message, .. } if message.id == 1010016));
    }
}
