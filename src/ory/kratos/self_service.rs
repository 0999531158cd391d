//! What the API does with each self-service flow: one method per use, each a
//! whole flow (create, then submit) so that callers never hold Kratos' state.

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use uuid::Uuid;

use super::{
    Kratos,
    flows::{Caller, ContinueWith, Flow, FlowKind, FlowOptions, FlowState, Outcome},
    identities::{Identity, NewTraits, Traits},
    second_factor::SecondFactorChallenge,
    sessions::{ClientInfo, NativeSession, SessionToken},
};
use crate::ory::{FlowError, KRATOS};

/// A new account: its session, and the verification Kratos started for its address.
#[derive(Debug)]
pub struct Registered {
    pub session: NativeSession,
    pub verification: Option<PendingVerification>,
}

/// What a sign-in with one factor (a password, a recovery code by email) gives.
#[derive(Debug)]
pub enum SignIn {
    Complete(NativeSession),
    /// The person has a second factor: `token` is a password-only session, good
    /// for nothing but completing `challenge` (or logging out).
    SecondFactorRequired {
        token: SessionToken,
        challenge: SecondFactorChallenge,
        /// Whom the first factor signed in, when Kratos says so: a social
        /// sign-in's exchange does; a password login's answer withholds it.
        identity: Option<Identity>,
    },
}

/// The identity with its new address, and the verification Kratos started for it.
#[derive(Debug)]
pub struct EmailChanged {
    pub identity: Identity,
    pub verification: Option<PendingVerification>,
}

/// A verification code was sent to `address`; submit it to `flow_id`.
#[derive(Debug, Clone)]
pub struct PendingVerification {
    pub flow_id: Uuid,
    pub address: String,
}

impl Kratos {
    /// Runs a native registration flow with the password method. Kratos' `session`
    /// hook after registration is what makes the answer carry a session token; with
    /// verification enabled it also sends a code and says so in `continue_with`.
    pub async fn register(
        &self,
        traits: &NewTraits<'_>,
        password: &SecretString,
        client: &ClientInfo,
    ) -> Result<Registered, FlowError> {
        let kind = FlowKind::Registration;
        let caller = Caller { token: None, client: Some(client) };
        let flow = self.create_flow(kind, caller, FlowOptions::default()).await?;
        let body = json!({ "method": "password", "password": password.expose_secret(), "traits": traits });
        match self.submit_flow(kind, flow.id, &body, caller).await? {
            Outcome::SignedIn { session, continue_with } => {
                let verification = continue_with.into_iter().find_map(|action| match action {
                    ContinueWith::ShowVerificationUi { flow_id, address } => {
                        Some(PendingVerification { flow_id, address })
                    }
                    _ => None,
                });
                Ok(Registered { session, verification })
            }
            other => Err(unexpected(kind, &other)),
        }
    }

    /// Runs (or, with `flow`, continues) a native login flow with the password
    /// method. For a person with a second factor the session is password-only
    /// until it steps up, and the answer says how.
    pub async fn login(
        &self,
        identifier: &str,
        password: &SecretString,
        flow: Option<Uuid>,
        client: &ClientInfo,
    ) -> Result<SignIn, FlowError> {
        let kind = FlowKind::Login;
        let caller = Caller { token: None, client: Some(client) };
        let flow = match flow {
            Some(flow) => flow,
            None => self.create_flow(kind, caller, FlowOptions::default()).await?.id,
        };
        let body = json!({ "method": "password", "identifier": identifier, "password": password.expose_secret() });
        self.sign_in(kind, self.submit_flow(kind, flow, &body, caller).await?).await
    }

    pub(super) async fn sign_in(&self, kind: FlowKind, outcome: Outcome) -> Result<SignIn, FlowError> {
        match outcome {
            Outcome::SignedIn { session, .. } => Ok(SignIn::Complete(session)),
            Outcome::NeedsSecondFactor { token } => {
                let challenge = self.second_factor_flow(&token).await?;
                Ok(SignIn::SecondFactorRequired { token, challenge, identity: None })
            }
            other => Err(unexpected(kind, &other)),
        }
    }

    /// Proves again that the holder of `token` knows the password (a login flow
    /// with `refresh=true` for the same session), which makes the session
    /// privileged for settings again. Kratos keeps the session and its token.
    pub async fn reauthenticate(
        &self,
        token: &SessionToken,
        identifier: &str,
        password: &SecretString,
        client: &ClientInfo,
    ) -> Result<NativeSession, FlowError> {
        let kind = FlowKind::Login;
        let caller = Caller { token: Some(token), client: Some(client) };
        let flow = self.create_flow(kind, caller, FlowOptions { refresh: true, ..FlowOptions::default() }).await?;
        let body = json!({ "method": "password", "identifier": identifier, "password": password.expose_secret() });
        match self.submit_flow(kind, flow.id, &body, caller).await? {
            Outcome::SignedIn { session, .. } => Ok(session),
            other => Err(unexpected(kind, &other)),
        }
    }

    /// Settings, `profile` method: replaces the identity's traits. Returns the
    /// identity as Kratos saved it.
    pub async fn update_traits(&self, token: &SessionToken, traits: &Traits) -> Result<Identity, FlowError> {
        let body = json!({ "method": "profile", "traits": traits });
        match self.settings(token, &body).await? {
            Some(identity) => Ok(identity),
            None => Err(KRATOS.protocol("settings", "a saved profile without its identity").into()),
        }
    }

    /// Settings, `profile` method, with a new address. The address is the login
    /// identifier, which Kratos protects: a session older than its privileged age
    /// gets `FlowError::RefreshRequired`. Kratos saves the address unverified and,
    /// with verification on, mails it a code and says where to submit it.
    pub async fn change_email(&self, token: &SessionToken, traits: &Traits) -> Result<EmailChanged, FlowError> {
        let body = json!({ "method": "profile", "traits": traits });
        let (flow, identity) = self.settings_flow(token, None, &body).await?;
        let identity = identity.ok_or_else(|| KRATOS.protocol("settings", "a saved profile without its identity"))?;
        let verification = flow.continue_with.into_iter().find_map(|action| match action {
            ContinueWith::ShowVerificationUi { flow_id, address } => Some(PendingVerification { flow_id, address }),
            _ => None,
        });
        Ok(EmailChanged { identity, verification })
    }

    /// Settings, `password` method. Needs a privileged session
    /// (`FlowError::RefreshRequired` otherwise).
    pub async fn change_password(&self, token: &SessionToken, password: &SecretString) -> Result<(), FlowError> {
        let body = json!({ "method": "password", "password": password.expose_secret() });
        self.settings(token, &body).await.map(drop)
    }

    async fn settings(&self, token: &SessionToken, body: &serde_json::Value) -> Result<Option<Identity>, FlowError> {
        self.settings_on(token, None, body).await
    }

    /// Submits `body` to the settings flow `flow`, or to a new one.
    pub(super) async fn settings_on(
        &self,
        token: &SessionToken,
        flow: Option<Uuid>,
        body: &serde_json::Value,
    ) -> Result<Option<Identity>, FlowError> {
        Ok(self.settings_flow(token, flow, body).await?.1)
    }

    /// `settings_on`, with the finished flow (its `continue_with`).
    async fn settings_flow(
        &self,
        token: &SessionToken,
        flow: Option<Uuid>,
        body: &serde_json::Value,
    ) -> Result<(Flow, Option<Identity>), FlowError> {
        let kind = FlowKind::Settings;
        let caller = Caller { token: Some(token), client: None };
        let flow = match flow {
            Some(flow) => flow,
            None => self.create_flow(kind, caller, FlowOptions::default()).await?.id,
        };
        match self.submit_flow(kind, flow, body, caller).await? {
            Outcome::Done { flow, identity } => Ok((flow, identity)),
            other => Err(unexpected(kind, &other)),
        }
    }

    /// Sends a verification code to `email`, on `flow` (a resend) or on a new
    /// flow. Returns the flow to submit the code to. Kratos answers the same
    /// whether or not an account has the address.
    pub async fn send_verification_code(&self, email: &str, flow: Option<Uuid>) -> Result<Uuid, FlowError> {
        let kind = FlowKind::Verification;
        let flow = match flow {
            Some(flow) => flow,
            None => self.create_flow(kind, Caller::default(), FlowOptions::default()).await?.id,
        };
        let body = json!({ "method": "code", "email": email });
        sent(kind, self.submit_flow(kind, flow, &body, Caller::default()).await?)
    }

    /// Submits a verification code; on success the address is verified.
    pub async fn verify_address(&self, flow: Uuid, code: &str) -> Result<(), FlowError> {
        let kind = FlowKind::Verification;
        let body = json!({ "method": "code", "code": code });
        match self.submit_flow(kind, flow, &body, Caller::default()).await? {
            Outcome::Done { .. } => Ok(()),
            other => Err(unexpected(kind, &other)),
        }
    }

    /// Sends a recovery code to `email` on a new flow and returns the flow.
    /// Kratos answers the same whether or not an account has the address. A flow
    /// is created per request for a code, never per page view: renewing flows on
    /// every render is how clients end up renewing codes forever (ory/kratos#3557).
    pub async fn send_recovery_code(&self, email: &str) -> Result<Uuid, FlowError> {
        let kind = FlowKind::Recovery;
        let flow = self.create_flow(kind, Caller::default(), FlowOptions::default()).await?;
        let body = json!({ "method": "code", "email": email });
        sent(kind, self.submit_flow(kind, flow.id, &body, Caller::default()).await?)
    }

    /// Submits a recovery code; on success Kratos signs the person in (with
    /// `use_continue_with_transitions`, the token arrives as `continue_with`).
    /// A person with a second factor must still use it: a code by email proves
    /// the address, not the second factor.
    pub async fn recover(&self, flow: Uuid, code: &str, client: &ClientInfo) -> Result<SignIn, FlowError> {
        let kind = FlowKind::Recovery;
        let caller = Caller { token: None, client: Some(client) };
        let body = json!({ "method": "code", "code": code });
        self.sign_in(kind, self.submit_flow(kind, flow, &body, caller).await?).await
    }

    /// The address a recovery flow sent its code to (`Flow::code_sent_to`):
    /// Kratos withholds whom a recovery code signed in until the second factor,
    /// and the code went to that address's owner. Ours send one code per flow
    /// (`send_recovery_code`).
    pub async fn recovery_address(&self, flow: Uuid) -> Result<Option<String>, FlowError> {
        Ok(self.fetch_flow(FlowKind::Recovery, flow).await?.code_sent_to().map(str::to_owned))
    }
}

/// The flow id of a flow that has sent its code.
fn sent(kind: FlowKind, outcome: Outcome) -> Result<Uuid, FlowError> {
    match outcome {
        Outcome::Continue(flow) if flow.state == FlowState::SentEmail => Ok(flow.id),
        other => Err(unexpected(kind, &other)),
    }
}

/// An outcome that this use of the flow cannot have: Kratos' configuration or
/// behaviour differs from what we rely on, which is not the client's fault.
pub(super) fn unexpected(kind: FlowKind, outcome: &Outcome) -> FlowError {
    let what = match outcome {
        Outcome::SignedIn { .. } => "a session".to_owned(),
        Outcome::NeedsSecondFactor { .. } => "a session that needs a second factor".to_owned(),
        Outcome::Continue(flow) => format!("the flow again, in state {:?}", flow.state),
        Outcome::Done { flow, .. } => format!("a finished flow, in state {:?}", flow.state),
        Outcome::RedirectBrowser { .. } => "a redirect for a browser".to_owned(),
    };
    KRATOS.protocol(kind.as_str(), format!("unexpected outcome: {what}")).into()
}
