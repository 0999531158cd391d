//! Kratos' JSON, as far as we read it. Private to `ory::kratos`: the rest of the
//! crate sees the types in `flows`, `sessions` and `identities`.
//!
//! Kratos writes `null` for many empty lists (`"messages": null`), which
//! `#[serde(default)]` alone does not accept; `nullable` reads both as empty.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use uuid::Uuid;

fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Any answer to a flow request: a flow (`id`, `ui`, …), a native session
/// (`session_token`, `session`), or an error envelope (`error`). Which one it is
/// is decided by `flows::interpret`, not by guessing in serde.
#[derive(Deserialize)]
pub(super) struct Answer {
    pub id: Option<Uuid>,
    pub state: Option<String>,
    pub ui: Option<Ui>,
    #[serde(default, deserialize_with = "nullable")]
    pub continue_with: Vec<ContinueWith>,
    pub session_token: Option<String>,
    pub session: Option<Session>,
    /// Settings flows carry the identity they change.
    pub identity: Option<Identity>,
    pub error: Option<Error>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Where a browser is sent when the flow ends (social sign-in).
    pub return_to: Option<String>,
    /// A native flow created with `return_session_token_exchange_code=true`: the
    /// first half of the code that later collects the session token.
    pub session_token_exchange_code: Option<String>,
    /// A 422 `browser_location_change_required`: where the browser must go.
    pub redirect_browser_to: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct Ui {
    #[serde(default, deserialize_with = "nullable")]
    pub messages: Vec<Message>,
    #[serde(default, deserialize_with = "nullable")]
    pub nodes: Vec<Node>,
}

#[derive(Deserialize)]
pub(super) struct Node {
    #[serde(default)]
    pub group: String,
    pub attributes: Attributes,
    #[serde(default, deserialize_with = "nullable")]
    pub messages: Vec<Message>,
    #[serde(default, deserialize_with = "nullable")]
    pub meta: Meta,
}

#[derive(Deserialize, Default)]
pub(super) struct Meta {
    pub label: Option<Text>,
}

/// The union of Kratos' node attribute kinds that we read: inputs (`name`,
/// `value`), images (`id`, `src`) and texts (`id`, `text`).
#[derive(Deserialize)]
pub(super) struct Attributes {
    pub node_type: Option<String>,
    pub name: Option<String>,
    pub id: Option<String>,
    #[serde(default)]
    pub value: serde_json::Value,
    pub src: Option<String>,
    pub text: Option<Text>,
}

#[derive(Deserialize)]
pub(super) struct Text {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub context: serde_json::Value,
}

#[derive(Deserialize)]
pub(super) struct Message {
    pub id: u64,
    pub text: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub(super) enum ContinueWith {
    SetOrySessionToken {
        ory_session_token: String,
    },
    ShowVerificationUi {
        flow: ContinueWithFlow,
    },
    ShowSettingsUi {
        flow: ContinueWithFlow,
    },
    ShowRecoveryUi {
        flow: ContinueWithFlow,
    },
    RedirectBrowserTo {
        redirect_browser_to: String,
    },
    /// An action newer than this client: ignored rather than failing the answer.
    #[serde(other)]
    Unknown,
}

#[derive(Deserialize)]
pub(super) struct ContinueWithFlow {
    pub id: Uuid,
    pub verifiable_address: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ErrorEnvelope {
    pub error: Error,
}

#[derive(Deserialize)]
pub(super) struct Error {
    pub id: Option<String>,
    /// Kratos' explanation, for the few errors that have no id of their own.
    pub reason: Option<String>,
    /// The HTTP status the error stands for.
    pub code: Option<u16>,
    #[serde(default)]
    pub details: ErrorDetails,
}

#[derive(Deserialize, Default)]
pub(super) struct ErrorDetails {
    #[serde(default, deserialize_with = "nullable")]
    pub continue_with: Vec<ContinueWith>,
}

#[derive(Deserialize)]
pub(super) struct Session {
    pub id: Uuid,
    #[serde(default)]
    pub active: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub authenticated_at: Option<DateTime<Utc>>,
    pub issued_at: Option<DateTime<Utc>>,
    pub authenticator_assurance_level: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub authentication_methods: Vec<AuthenticationMethod>,
    #[serde(default, deserialize_with = "nullable")]
    pub devices: Vec<Device>,
    pub identity: Option<Identity>,
}

#[derive(Deserialize)]
pub(super) struct AuthenticationMethod {
    pub method: String,
    /// For `oidc`: which provider.
    pub provider: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Device {
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Identity {
    pub id: Uuid,
    pub traits: serde_json::Value,
    #[serde(default, deserialize_with = "nullable")]
    pub verifiable_addresses: Vec<VerifiableAddress>,
    /// Only in admin answers: the credential types an identity has, by name
    /// (`password`, `totp`, `lookup_secret`); their secrets are not included
    /// unless asked for (`include_credential`).
    #[serde(default, deserialize_with = "nullable")]
    pub credentials: std::collections::BTreeMap<String, serde_json::Value>,
}

/// The `config` of a `lookup_secret` credential (`include_credential=lookup_secret`).
/// Only whether each code was used is read; the codes themselves are skipped.
#[derive(Deserialize)]
pub(super) struct LookupSecretConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub recovery_codes: Vec<LookupSecretCode>,
}

#[derive(Deserialize)]
pub(super) struct LookupSecretCode {
    /// When the code was used: null (or Go's zero time) while it is unused.
    #[serde(default)]
    pub used_at: Option<String>,
}

impl LookupSecretCode {
    pub fn unused(&self) -> bool {
        self.used_at.as_deref().is_none_or(|at| at.starts_with("0001-01-01"))
    }
}

#[derive(Deserialize)]
pub(super) struct VerifiableAddress {
    pub value: String,
    #[serde(default)]
    pub verified: bool,
}

/// `DELETE /sessions` (revoke all others).
#[derive(Deserialize)]
pub(super) struct RevokedCount {
    pub count: u64,
}

/// `GET /sessions/token-exchange`: the session a social sign-in created.
#[derive(Deserialize)]
pub(super) struct TokenExchange {
    pub session_token: String,
    /// With its identity even when the session still needs a second factor.
    pub session: Option<TokenExchangeSession>,
}

#[derive(Deserialize)]
pub(super) struct TokenExchangeSession {
    pub identity: Option<Identity>,
}
