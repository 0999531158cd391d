//! What every self-service flow has in common, and the one place where Kratos'
//! answers to a flow become our types.
//!
//! Every native flow has the same shape: `GET /self-service/<kind>/api` creates
//! it, `POST /self-service/<kind>?flow=<id>` submits a method to it. The answer
//! is one of three things, whatever the kind:
//! - a session (registration, login, recovery): [`Outcome::SignedIn`];
//! - the flow again, wanting more (a code was sent; a second factor is needed):
//!   [`Outcome::Continue`];
//! - the flow again, finished (settings saved, address verified): [`Outcome::Done`];
//! - a browser must go somewhere first (social sign-in: the provider):
//!   [`Outcome::RedirectBrowser`].
//!
//! Refusals are [`FlowError`]s. Kratos reports some of them with 200 and an
//! error message in the flow (a wrong verification code), others with 400, 403
//! or 410; `interpret` folds them all into one classification.

use chrono::{DateTime, Utc};
use reqwest::{Method, Response, StatusCode};
use serde::Serialize;
use url::Url;
use uuid::Uuid;

use super::{
    Kratos,
    identities::Identity,
    messages::UiMessage,
    sessions::{AssuranceLevel, ClientInfo, NativeSession, Session, SessionToken},
    social::ExchangeCode,
    wire,
};
use crate::ory::{FlowError, KRATOS, PROVIDER, SessionError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowKind {
    Registration,
    Login,
    Settings,
    Verification,
    Recovery,
}

impl FlowKind {
    /// The path segment, and the operation name in logs and errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::Login => "login",
            Self::Settings => "settings",
            Self::Verification => "verification",
            Self::Recovery => "recovery",
        }
    }
}

/// Where a flow stands. Kratos keeps the last state across a refused submission
/// (a settings flow stays `success` after a later 400), so the state says what
/// the flow reached, never whether the last submission worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowState {
    ChooseMethod,
    SentEmail,
    PassedChallenge,
    ShowForm,
    Success,
    Other(String),
}

impl FlowState {
    fn parse(state: Option<String>) -> Self {
        match state.as_deref() {
            Some("choose_method") => Self::ChooseMethod,
            Some("sent_email") => Self::SentEmail,
            Some("passed_challenge") => Self::PassedChallenge,
            Some("show_form") => Self::ShowForm,
            Some("success") => Self::Success,
            other => Self::Other(other.unwrap_or_default().to_owned()),
        }
    }
}

/// What Kratos suggests the client does next.
#[derive(Debug, Clone)]
pub enum ContinueWith {
    /// A session was issued (recovery hands it out this way).
    SetSessionToken(SessionToken),
    /// A verification code was sent to `address`; submit it to `flow_id`.
    ShowVerificationUi { flow_id: Uuid, address: String },
    /// A settings flow was prepared (after recovery: set a new password).
    ShowSettingsUi { flow_id: Uuid },
    /// The flow was replaced by a new one (after its code was used).
    ShowRecoveryUi { flow_id: Uuid },
    /// A browser must go there (social sign-in).
    RedirectBrowserTo(String),
}

impl ContinueWith {
    fn from_wire(wire: wire::ContinueWith) -> Option<Self> {
        Some(match wire {
            wire::ContinueWith::SetOrySessionToken { ory_session_token } => {
                Self::SetSessionToken(SessionToken::new(ory_session_token))
            }
            wire::ContinueWith::ShowVerificationUi { flow } => {
                Self::ShowVerificationUi { flow_id: flow.id, address: flow.verifiable_address.unwrap_or_default() }
            }
            wire::ContinueWith::ShowSettingsUi { flow } => Self::ShowSettingsUi { flow_id: flow.id },
            wire::ContinueWith::ShowRecoveryUi { flow } => Self::ShowRecoveryUi { flow_id: flow.id },
            wire::ContinueWith::RedirectBrowserTo { redirect_browser_to } => {
                Self::RedirectBrowserTo(redirect_browser_to)
            }
            wire::ContinueWith::Unknown => return None,
        })
    }
}

/// One node of a flow's form, reduced to what a client may need to show.
#[derive(Debug, Clone)]
pub struct FlowNode {
    /// Kratos' node group: `default`, `password`, `profile`, `code`, `totp`, `lookup_secret`, …
    pub group: String,
    /// An input's name, or an image's or text's id (`totp_qr`, `totp_secret_key`).
    pub name: String,
    pub value: NodeValue,
    /// What the node is called for people. For a social sign-in button, the
    /// provider's own name (Kratos' text reads "Sign in with <name>").
    pub label: Option<String>,
}

#[derive(Debug, Clone)]
pub enum NodeValue {
    /// An input and its current value, if it has one that is text.
    Input(Option<String>),
    /// An image, such as a TOTP QR code as a `data:` URI.
    Image(String),
    /// A text, such as a TOTP secret; `secrets` lists recovery codes when the
    /// text is a list of them.
    Text { text: String, secrets: Vec<String> },
}

impl FlowNode {
    fn from_wire(node: &wire::Node) -> Option<Self> {
        let attributes = &node.attributes;
        let (name, value) = match attributes.node_type.as_deref() {
            Some("img") => (attributes.id.clone()?, NodeValue::Image(attributes.src.clone()?)),
            Some("text") => {
                let text = attributes.text.as_ref()?;
                let secrets = text.context["secrets"]
                    .as_array()
                    .map(|items| items.iter().filter_map(|s| s["text"].as_str().map(str::to_owned)).collect())
                    .unwrap_or_default();
                (attributes.id.clone()?, NodeValue::Text { text: text.text.clone(), secrets })
            }
            _ => (attributes.name.clone()?, NodeValue::Input(attributes.value.as_str().map(str::to_owned))),
        };
        let label = node.meta.label.as_ref().map(|label| match label.context["provider"].as_str() {
            Some(provider) => provider.to_owned(),
            None => label.text.clone(),
        });
        Some(FlowNode { group: node.group.clone(), name, value, label })
    }
}

/// A self-service flow, as Kratos last returned it.
#[derive(Debug, Clone)]
pub struct Flow {
    pub id: Uuid,
    pub kind: FlowKind,
    pub state: FlowState,
    /// Form-level and per-field messages, of every level.
    pub messages: Vec<UiMessage>,
    pub nodes: Vec<FlowNode>,
    pub continue_with: Vec<ContinueWith>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Where Kratos sends a browser at the end of the flow (social sign-in).
    pub return_to: Option<String>,
    /// Present on a flow created for social sign-in (`FlowOptions::social_return_to`).
    pub exchange_code: Option<ExchangeCode>,
}

impl Flow {
    pub(super) fn from_answer(kind: FlowKind, id: Uuid, answer: &mut wire::Answer) -> Self {
        let ui = answer.ui.take().unwrap_or_default();
        let form = ui.messages.into_iter().map(|m| UiMessage::from_wire(None, m));
        let nodes: Vec<FlowNode> = ui.nodes.iter().filter_map(FlowNode::from_wire).collect();
        let fields = ui.nodes.into_iter().flat_map(|node| {
            let field = node.attributes.name.clone();
            node.messages.into_iter().map(move |m| UiMessage::from_wire(field.as_deref(), m))
        });
        Flow {
            id,
            kind,
            state: FlowState::parse(answer.state.take()),
            messages: form.chain(fields).collect(),
            nodes,
            continue_with: std::mem::take(&mut answer.continue_with)
                .into_iter()
                .filter_map(ContinueWith::from_wire)
                .collect(),
            expires_at: answer.expires_at,
            return_to: answer.return_to.take(),
            exchange_code: answer.session_token_exchange_code.take().map(ExchangeCode::new),
        }
    }

    pub(super) fn errors(&self) -> Vec<UiMessage> {
        self.messages.iter().filter(|m| m.is_error()).cloned().collect()
    }

    /// The node named `name`, if the flow has one.
    pub fn node(&self, name: &str) -> Option<&FlowNode> {
        self.nodes.iter().find(|node| node.name == name)
    }

    /// The address a code flow (recovery, verification) sent its code to, as
    /// its `code` group's `email` node keeps it for a resend; `None` unless the
    /// flow names exactly one: a flow that sent to two is not ours to guess about.
    pub fn code_sent_to(&self) -> Option<&str> {
        let mut addresses = self.nodes.iter().filter(|node| node.group == "code" && node.name == "email").filter_map(
            |node| match &node.value {
                NodeValue::Input(Some(address)) if !address.is_empty() => Some(address.as_str()),
                _ => None,
            },
        );
        match (addresses.next(), addresses.next()) {
            (Some(address), None) => Some(address),
            _ => None,
        }
    }
}

/// What a submission achieved (see the module documentation).
#[derive(Debug)]
pub enum Outcome {
    SignedIn {
        session: NativeSession,
        continue_with: Vec<ContinueWith>,
    },
    /// A session was issued, but it is password-only and the person has a second
    /// factor: Kratos withholds the identity until the session steps up.
    NeedsSecondFactor {
        token: SessionToken,
    },
    Continue(Flow),
    Done {
        flow: Flow,
        identity: Option<Identity>,
    },
    /// The method needs a browser to go to `to` (social sign-in: the provider's
    /// authorization URL); the flow goes on there.
    RedirectBrowser {
        to: Url,
    },
}

/// The request a flow is created with.
#[derive(Debug, Clone, Copy, Default)]
pub struct FlowOptions<'a> {
    /// Log in again for the session presented with the flow (privileged actions).
    pub refresh: bool,
    /// Ask for this assurance level (a second factor: `Aal2`).
    pub aal: Option<AssuranceLevel>,
    /// Social sign-in: where Kratos sends the browser back to (on its
    /// `allowed_return_urls`), and a `session_token_exchange_code` in the flow,
    /// with which the backend collects the session afterwards.
    pub social_return_to: Option<&'a Url>,
}

/// On whose behalf a flow request is made: the session (settings, refresh) and
/// the client device that Kratos records on a new session.
#[derive(Clone, Copy, Default)]
pub struct Caller<'a> {
    pub token: Option<&'a SessionToken>,
    pub client: Option<&'a ClientInfo>,
}

impl Kratos {
    /// Creates a native flow of `kind`.
    pub async fn create_flow(
        &self,
        kind: FlowKind,
        caller: Caller<'_>,
        options: FlowOptions<'_>,
    ) -> Result<Flow, FlowError> {
        let mut url = self.public_url(&format!("self-service/{}/api", kind.as_str()));
        {
            let mut query = url.query_pairs_mut();
            if options.refresh {
                query.append_pair("refresh", "true");
            }
            if let Some(aal) = options.aal {
                query.append_pair("aal", aal.as_str());
            }
            if let Some(return_to) = options.social_return_to {
                query.append_pair("return_to", return_to.as_str());
                query.append_pair("return_session_token_exchange_code", "true");
            }
        }
        let request = self.prepare(self.request(Method::GET, url), caller)?;
        let response = KRATOS.send(request, kind.as_str()).await?;
        match response.status() {
            StatusCode::OK => {
                let mut answer: wire::Answer = KRATOS.json(response, kind.as_str()).await?;
                let id = answer.id.ok_or_else(|| KRATOS.protocol(kind.as_str(), "a flow without an id"))?;
                Ok(Flow::from_answer(kind, id, &mut answer))
            }
            status => Err(self.refusal(kind, status, response).await),
        }
    }

    /// Submits `body` (a method and its fields) to flow `id` of `kind`.
    pub async fn submit_flow(
        &self,
        kind: FlowKind,
        id: Uuid,
        body: &impl Serialize,
        caller: Caller<'_>,
    ) -> Result<Outcome, FlowError> {
        // Kratos answers the nil UUID with a generic error rather than 404; no
        // flow has it, so say so without asking.
        if id.is_nil() {
            return Err(FlowError::NotFound);
        }
        let mut url = self.public_url(&format!("self-service/{}", kind.as_str()));
        url.query_pairs_mut().append_pair("flow", &id.to_string());
        let request = self.prepare(self.request(Method::POST, url).json(body), caller)?;
        let response = KRATOS.send(request, kind.as_str()).await?;
        match response.status() {
            StatusCode::OK => {
                let answer: wire::Answer = KRATOS.json(response, kind.as_str()).await?;
                self.accepted(kind, answer).await
            }
            // Native flows say "a browser must go there" as an error (the social
            // sign-in method, with the provider's authorization URL).
            StatusCode::UNPROCESSABLE_ENTITY => {
                let answer: wire::Answer = KRATOS.json(response, kind.as_str()).await?;
                let wanted =
                    answer.error.as_ref().and_then(|e| e.id.as_deref()) == Some("browser_location_change_required");
                match answer.redirect_browser_to.as_deref().map(Url::parse) {
                    Some(Ok(to)) if wanted => Ok(Outcome::RedirectBrowser { to }),
                    _ => Err(KRATOS.unexpected(StatusCode::UNPROCESSABLE_ENTITY, kind.as_str()).into()),
                }
            }
            status => Err(self.refusal(kind, status, response).await),
        }
    }

    /// The flow `id` of `kind` as it stands (after a browser took it further).
    pub async fn fetch_flow(&self, kind: FlowKind, id: Uuid) -> Result<Flow, FlowError> {
        if id.is_nil() {
            return Err(FlowError::NotFound);
        }
        let mut url = self.public_url(&format!("self-service/{}/flows", kind.as_str()));
        url.query_pairs_mut().append_pair("id", &id.to_string());
        let response = KRATOS.send(self.request(Method::GET, url), kind.as_str()).await?;
        match response.status() {
            StatusCode::OK => {
                let mut answer: wire::Answer = KRATOS.json(response, kind.as_str()).await?;
                Ok(Flow::from_answer(kind, id, &mut answer))
            }
            status => Err(self.refusal(kind, status, response).await),
        }
    }

    fn prepare(
        &self,
        request: reqwest::RequestBuilder,
        caller: Caller<'_>,
    ) -> Result<reqwest::RequestBuilder, FlowError> {
        let request = match caller.client {
            Some(client) => client.apply(request),
            None => request,
        };
        Ok(match caller.token {
            Some(token) => token.authorize(request)?,
            None => request,
        })
    }

    /// A 200 to a submission: a session, or the flow with or without errors.
    async fn accepted(&self, kind: FlowKind, mut answer: wire::Answer) -> Result<Outcome, FlowError> {
        let operation = kind.as_str();
        let continue_with = |answer: &mut wire::Answer| -> Vec<ContinueWith> {
            std::mem::take(&mut answer.continue_with).into_iter().filter_map(ContinueWith::from_wire).collect()
        };
        if let Some(token) = answer.session_token.take() {
            let token = SessionToken::new(token);
            let continue_with = continue_with(&mut answer);
            let wire = answer
                .session
                .take()
                .filter(|session| session.active)
                .ok_or_else(|| KRATOS.protocol(operation, "a session token without an active session"))?;
            // Kratos sends `"identity": null` when the session does not meet the
            // assurance policy (`session.whoami.required_aal`).
            if wire.identity.is_none() {
                return Ok(Outcome::NeedsSecondFactor { token });
            }
            let session = Session::from_wire(wire)
                .ok_or_else(|| KRATOS.protocol(operation, "a session whose identity does not fit our schema"))?;
            return Ok(Outcome::SignedIn { session: NativeSession { token, session }, continue_with });
        }
        let Some(id) = answer.id else {
            // Registration without the `session` hook answers 200 without a
            // token: a configuration error in kratos.yml, not the client's.
            return Err(KRATOS
                .protocol(operation, "neither a session nor a flow (is the `session` hook enabled?)")
                .into());
        };
        let identity = answer.identity.take();
        let mut flow = Flow::from_answer(kind, id, &mut answer);
        let errors = flow.errors();
        if !errors.is_empty() {
            return Err(FlowError::Rejected { flow_id: flow.id, messages: errors });
        }
        // Recovery issues its session as a `continue_with` action, with no
        // session object: ask Kratos for the session behind the new token.
        let issued = flow.continue_with.iter().position(|c| matches!(c, ContinueWith::SetSessionToken(_)));
        if let Some(index) = issued {
            let ContinueWith::SetSessionToken(token) = flow.continue_with.remove(index) else { unreachable!() };
            return match self.whoami(&token).await {
                Ok(session) => Ok(Outcome::SignedIn {
                    session: NativeSession { token, session },
                    continue_with: flow.continue_with,
                }),
                Err(SessionError::SecondFactorRequired) => Ok(Outcome::NeedsSecondFactor { token }),
                Err(SessionError::Ory(error)) => Err(FlowError::Ory(error)),
                Err(SessionError::Invalid) => {
                    Err(KRATOS.protocol(operation, "the issued session token is not valid").into())
                }
            };
        }
        match flow.state {
            FlowState::PassedChallenge | FlowState::Success => {
                let identity = identity.and_then(Identity::from_wire);
                Ok(Outcome::Done { flow, identity })
            }
            _ => Ok(Outcome::Continue(flow)),
        }
    }

    /// Any status but 200, to a creation or a submission.
    async fn refusal(&self, kind: FlowKind, status: StatusCode, response: Response) -> FlowError {
        let operation = kind.as_str();
        let answer = match response.bytes().await {
            Ok(body) => serde_json::from_slice::<wire::Answer>(&body).ok(),
            Err(source) => return KRATOS.unreachable(source).into(),
        };
        let error = answer.as_ref().and_then(|a| a.error.as_ref());
        let error_id = error.and_then(|e| e.id.as_deref());
        // The social sign-in method answers 500 when it cannot reach the provider
        // (its discovery document, say): the provider is down, not Kratos.
        if status == StatusCode::INTERNAL_SERVER_ERROR
            && error
                .and_then(|e| e.reason.as_deref())
                .is_some_and(|reason| reason.starts_with("Unable to initialize OpenID Connect Provider"))
        {
            return PROVIDER.unexpected(status, operation).into();
        }
        match (status, error_id) {
            (StatusCode::BAD_REQUEST, _) => match answer {
                Some(mut answer) if answer.ui.is_some() => match answer.id {
                    Some(id) => {
                        let flow = Flow::from_answer(kind, id, &mut answer);
                        FlowError::Rejected { flow_id: id, messages: flow.errors() }
                    }
                    None => KRATOS.protocol(operation, "a refused flow without an id").into(),
                },
                // A code used once already: Kratos has replaced the flow with a
                // new one (`show_recovery_ui`) and explains in `reason`.
                Some(answer)
                    if answer.error.as_ref().is_some_and(|e| {
                        e.details.continue_with.iter().any(|c| matches!(c, wire::ContinueWith::ShowRecoveryUi { .. }))
                    }) =>
                {
                    FlowError::Completed
                }
                // A 400 that is not a flow: Kratos could not read what we sent,
                // which is our bug, not the user's input.
                _ => KRATOS.unexpected(status, operation).into(),
            },
            (StatusCode::UNAUTHORIZED, _) => SessionError::Invalid.into(),
            (StatusCode::FORBIDDEN, Some("session_refresh_required")) => FlowError::RefreshRequired,
            (StatusCode::FORBIDDEN, Some("session_aal2_required")) => SessionError::SecondFactorRequired.into(),
            // Kratos answers 403 when a flow id of another kind, or a browser
            // flow, is submitted here; to the client that flow does not exist.
            (StatusCode::FORBIDDEN, _) | (StatusCode::NOT_FOUND, _) => FlowError::NotFound,
            (StatusCode::GONE, Some("self_service_flow_replaced")) => FlowError::Completed,
            (StatusCode::GONE, _) => FlowError::Expired,
            // Kratos v1.3.1 answers a submission to an expired *verification* flow
            // with a redirect to a new flow (selfservice/flow/verification/error.go,
            // "bug fix for #2049"), even for native flows and JSON requests. Other
            // kinds say 410; to the client it is the same thing.
            (StatusCode::SEE_OTHER, _) => FlowError::Expired,
            _ => KRATOS.unexpected(status, operation).into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(json: serde_json::Value) -> Flow {
        let mut answer: wire::Answer = serde_json::from_value(json).unwrap();
        let id = answer.id.unwrap();
        Flow::from_answer(FlowKind::Settings, id, &mut answer)
    }

    #[test]
    fn messages_name_request_fields_and_keep_their_level() {
        let flow = flow(serde_json::json!({
            "id": "7f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f",
            "state": "success",
            "ui": {
                "messages": null,
                "nodes": [
                    {"group": "profile", "attributes": {"node_type": "input", "name": "traits.email", "value": "a@b.c"},
                     "messages": [{"id": 4000001, "text": "bad email", "type": "error"}]},
                    {"group": "password", "attributes": {"node_type": "input", "name": "password"}, "messages": null},
                    {"group": "default", "attributes": {"node_type": "input", "name": "method"},
                     "messages": [{"id": 1040001, "text": "Sign up", "type": "info"}]}
                ]
            }
        }));
        assert_eq!(flow.state, FlowState::Success, "a refused submission keeps the last state");
        assert_eq!(flow.errors().len(), 1);
        assert_eq!(flow.errors()[0].field.as_deref(), Some("email"));
        assert_eq!(flow.messages.len(), 2, "info messages are kept, but are not errors");
        assert!(matches!(&flow.node("traits.email").unwrap().value, NodeValue::Input(Some(v)) if v == "a@b.c"));
    }

    #[test]
    fn a_code_flow_names_the_one_address_it_sent_its_code_to() {
        let email = |value: serde_json::Value| serde_json::json!({"group": "code", "attributes": {"node_type": "input", "name": "email", "value": value}});
        let with = |nodes: Vec<serde_json::Value>| {
            flow(serde_json::json!({
                "id": "7f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f",
                "state": "passed_challenge",
                "ui": {"nodes": nodes}
            }))
        };
        let code = serde_json::json!({"group": "code", "attributes": {"node_type": "input", "name": "code"}});
        assert_eq!(with(vec![email("ada@example.com".into()), code.clone()]).code_sent_to(), Some("ada@example.com"));
        assert_eq!(with(vec![code.clone()]).code_sent_to(), None, "no address");
        assert_eq!(with(vec![email("".into())]).code_sent_to(), None, "an empty field names nobody");
        let two = vec![email("ada@example.com".into()), email("eve@example.com".into())];
        assert_eq!(with(two).code_sent_to(), None, "two addresses: not ours to guess");
        let elsewhere = serde_json::json!({"group": "default",
            "attributes": {"node_type": "input", "name": "email", "value": "eve@example.com"}});
        assert_eq!(with(vec![elsewhere]).code_sent_to(), None, "only the code group's");
    }

    #[test]
    fn a_form_level_code_message_lands_on_the_code_field() {
        let flow = flow(serde_json::json!({
            "id": "7f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f",
            "state": "sent_email",
            "ui": {"messages": [{"id": 4070006, "text": "invalid", "type": "error"}], "nodes": []}
        }));
        assert_eq!(flow.errors()[0].field.as_deref(), Some("code"));
    }

    #[test]
    fn continue_with_actions_become_ours_and_unknown_ones_are_skipped() {
        let flow = flow(serde_json::json!({
            "id": "7f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f",
            "state": "passed_challenge",
            "ui": {"nodes": []},
            "continue_with": [
                {"action": "set_ory_session_token", "ory_session_token": "ory_st_x"},
                {"action": "show_settings_ui", "flow": {"id": "9f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f", "url": "http://x"}},
                {"action": "something_new", "whatever": 1}
            ]
        }));
        assert_eq!(flow.continue_with.len(), 2);
        assert!(matches!(flow.continue_with[0], ContinueWith::SetSessionToken(_)));
        assert!(matches!(flow.continue_with[1], ContinueWith::ShowSettingsUi { .. }));
    }

    #[test]
    fn images_and_texts_are_nodes_too() {
        let flow = flow(serde_json::json!({
            "id": "7f6a0a4e-4e8e-4d8e-9e0e-2a6b1c1d2e3f",
            "ui": {"nodes": [
                {"group": "totp", "attributes": {"node_type": "img", "id": "totp_qr", "src": "data:image/png;base64,AA"}},
                {"group": "totp", "attributes": {"node_type": "text", "id": "totp_secret_key", "text": {"id": 1050006, "text": "SECRET"}}},
                {"group": "lookup_secret", "attributes": {"node_type": "text", "id": "lookup_secret_codes",
                 "text": {"text": "a, b", "context": {"secrets": [{"text": "a"}, {"text": "b"}]}}}}
            ]}
        }));
        assert!(matches!(&flow.node("totp_qr").unwrap().value, NodeValue::Image(src) if src.starts_with("data:")));
        assert!(
            matches!(&flow.node("totp_secret_key").unwrap().value, NodeValue::Text { text, .. } if text == "SECRET")
        );
        assert!(
            matches!(&flow.node("lookup_secret_codes").unwrap().value, NodeValue::Text { secrets, .. } if secrets == &["a", "b"])
        );
    }
}
