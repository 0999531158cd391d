//! A second factor: TOTP and recovery codes (Kratos' `lookup_secret`), set up in
//! the settings flow and used in an `aal=aal2` login flow.
//!
//! Kratos' assurance policy (`session.whoami.required_aal: highest_available`,
//! kratos/kratos.yml) refuses the password-only session of a person who has a
//! second factor; a sign-in that gets such a session asks for the flow that
//! steps it up (`second_factor_flow`).

use serde_json::json;
use uuid::Uuid;

use super::{
    Kratos,
    flows::{Caller, FlowKind, FlowOptions, NodeValue, Outcome},
    sessions::{AssuranceLevel, ClientInfo, NativeSession, SessionToken},
};
use crate::ory::{FlowError, KRATOS};

/// A second factor Kratos offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    /// A code from an authenticator app.
    Totp,
    /// One of the single-use recovery codes.
    LookupSecret,
}

impl SecondFactor {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::LookupSecret => "lookup_secret",
        }
    }
}

/// The password was right, and a second factor is needed: submit a code of one
/// of `methods` to `flow_id` with the (password-only) session token.
#[derive(Debug, Clone)]
pub struct SecondFactorChallenge {
    pub flow_id: Uuid,
    pub methods: Vec<SecondFactor>,
}

/// A TOTP secret to enrol, shown once: confirm it with a code on `flow_id`.
#[derive(Debug)]
pub struct TotpEnrolment {
    pub flow_id: Uuid,
    /// A PNG of the `otpauth://` URI, as a `data:` URI, for authenticator apps.
    pub qr_code: String,
    /// The same secret as text (base32), for typing into an app.
    pub secret: String,
}

/// New recovery codes, not yet in force: confirm them on `flow_id`.
#[derive(Debug)]
pub struct RecoveryCodes {
    pub flow_id: Uuid,
    pub codes: Vec<String>,
}

impl Kratos {
    /// The `aal=aal2` login flow that steps the session behind `token` up, and
    /// the factors it offers.
    pub(super) async fn second_factor_flow(&self, token: &SessionToken) -> Result<SecondFactorChallenge, FlowError> {
        let caller = Caller { token: Some(token), client: None };
        let options = FlowOptions { aal: Some(AssuranceLevel::Aal2), ..FlowOptions::default() };
        let flow = self.create_flow(FlowKind::Login, caller, options).await?;
        let methods: Vec<SecondFactor> = [SecondFactor::Totp, SecondFactor::LookupSecret]
            .into_iter()
            .filter(|factor| flow.nodes.iter().any(|node| node.group == factor.as_str()))
            .collect();
        if methods.is_empty() {
            return Err(KRATOS.protocol("login", "a second factor is required but none is offered").into());
        }
        Ok(SecondFactorChallenge { flow_id: flow.id, methods })
    }

    /// Completes a second factor for the session behind `token` (after a
    /// password login, or to step up an existing session): on `flow`, or on a
    /// new `aal=aal2` login flow. Kratos keeps the session, and its token, and
    /// raises it to aal2.
    pub async fn complete_second_factor(
        &self,
        token: &SessionToken,
        flow: Option<Uuid>,
        factor: SecondFactor,
        code: &str,
        client: &ClientInfo,
    ) -> Result<NativeSession, FlowError> {
        let kind = FlowKind::Login;
        let caller = Caller { token: Some(token), client: Some(client) };
        let flow = match flow {
            Some(flow) => flow,
            None => {
                let options = FlowOptions { aal: Some(AssuranceLevel::Aal2), ..FlowOptions::default() };
                self.create_flow(kind, caller, options).await?.id
            }
        };
        let body = match factor {
            SecondFactor::Totp => json!({ "method": "totp", "totp_code": code }),
            SecondFactor::LookupSecret => json!({ "method": "lookup_secret", "lookup_secret": code }),
        };
        match self.submit_flow(kind, flow, &body, caller).await? {
            Outcome::SignedIn { session, .. } => Ok(session),
            _ => Err(KRATOS.protocol("login", "a second factor did not sign in").into()),
        }
    }

    /// Starts TOTP enrolment. `None` when the person has TOTP already (the
    /// settings flow offers removal instead of a new secret).
    pub async fn start_totp(&self, token: &SessionToken) -> Result<Option<TotpEnrolment>, FlowError> {
        let caller = Caller { token: Some(token), client: None };
        let flow = self.create_flow(FlowKind::Settings, caller, FlowOptions::default()).await?;
        let qr_code = flow.node("totp_qr").and_then(|node| match &node.value {
            NodeValue::Image(src) => Some(src.clone()),
            _ => None,
        });
        let secret = flow.node("totp_secret_key").and_then(|node| match &node.value {
            NodeValue::Text { text, .. } => Some(text.clone()),
            _ => None,
        });
        Ok(match (qr_code, secret) {
            (Some(qr_code), Some(secret)) => Some(TotpEnrolment { flow_id: flow.id, qr_code, secret }),
            _ => None,
        })
    }

    /// Confirms TOTP enrolment with a code from the app, on the enrolment's flow
    /// (the secret lives in that flow until then).
    pub async fn confirm_totp(&self, token: &SessionToken, flow: Uuid, code: &str) -> Result<(), FlowError> {
        self.settings_on(token, Some(flow), &json!({ "method": "totp", "totp_code": code })).await.map(drop)
    }

    /// Removes TOTP. Kratos asks for no code (ory/kratos#2450); the session must
    /// be aal2 and recent, which the assurance policy and the privileged-session
    /// rule see to.
    pub async fn remove_totp(&self, token: &SessionToken) -> Result<(), FlowError> {
        self.settings_on(token, None, &json!({ "method": "totp", "totp_unlink": true })).await.map(drop)
    }

    /// Makes new recovery codes (replacing any old ones once confirmed).
    pub async fn generate_recovery_codes(&self, token: &SessionToken) -> Result<RecoveryCodes, FlowError> {
        let kind = FlowKind::Settings;
        let caller = Caller { token: Some(token), client: None };
        let flow = self.create_flow(kind, caller, FlowOptions::default()).await?;
        let body = json!({ "method": "lookup_secret", "lookup_secret_regenerate": true });
        let Outcome::Continue(flow) = self.submit_flow(kind, flow.id, &body, caller).await? else {
            return Err(KRATOS.protocol("settings", "regenerating recovery codes did not show them").into());
        };
        match flow.node("lookup_secret_codes").map(|node| &node.value) {
            Some(NodeValue::Text { secrets, .. }) if !secrets.is_empty() => {
                Ok(RecoveryCodes { flow_id: flow.id, codes: secrets.clone() })
            }
            _ => Err(KRATOS.protocol("settings", "no recovery codes in the flow").into()),
        }
    }

    /// Puts the codes shown on `flow` in force.
    pub async fn confirm_recovery_codes(&self, token: &SessionToken, flow: Uuid) -> Result<(), FlowError> {
        self.settings_on(token, Some(flow), &json!({ "method": "lookup_secret", "lookup_secret_confirm": true }))
            .await
            .map(drop)
    }

    /// Removes the recovery codes.
    pub async fn disable_recovery_codes(&self, token: &SessionToken) -> Result<(), FlowError> {
        self.settings_on(token, None, &json!({ "method": "lookup_secret", "lookup_secret_disable": true }))
            .await
            .map(drop)
    }
}
