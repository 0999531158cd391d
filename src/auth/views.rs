//! What the auth and account endpoints answer with: our own shapes, built from
//! the `ory` types, so that a change in Kratos' JSON never reaches a client.

use actix_web::{HttpResponse, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::UserId;
use crate::{
    http::Delivery,
    ory::{
        AssuranceLevel, Identity, NativeSession, PendingVerification, SecondFactor, Session, SessionSummary,
        SessionToken, SignIn,
    },
};

/// A session token and the session it stands for.
#[derive(Serialize, ToSchema)]
pub struct AuthResponse {
    /// Send it as `Authorization: Bearer <session_token>`. Keep it out of URLs and
    /// logs. Absent in cookie mode (`X-Session-Mode: cookie`), where it is in an
    /// `HttpOnly` cookie instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
    pub session: SessionView,
    /// Present after registration: a code was sent to the address; submit it
    /// to `POST /api/auth/verification/code` with this `flow_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationPending>,
}

/// The password (or the recovery code by email) was right, and the person has a
/// second factor. `session_token` is a password-only session, good for nothing
/// but `POST /api/auth/second-factor` (or logout) until a code raises it to `aal2`;
/// Kratos tells nothing about the identity until then.
#[derive(Serialize, ToSchema)]
pub struct SecondFactorPending {
    /// Absent in cookie mode, where it is in the cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
    pub second_factor: SecondFactorRequired,
}

#[derive(Serialize, ToSchema)]
pub struct SecondFactorRequired {
    /// The login flow to submit the code to.
    #[schema(value_type = String, format = Uuid)]
    pub flow_id: Uuid,
    /// What the person can use: a code from their authenticator app (`totp`), or
    /// one of their recovery codes (`lookup_secret`).
    pub methods: Vec<SecondFactorMethod>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SecondFactorMethod {
    /// A 6-digit code from an authenticator app.
    Totp,
    /// One of the single-use recovery codes.
    LookupSecret,
}

impl From<SecondFactor> for SecondFactorMethod {
    fn from(factor: SecondFactor) -> Self {
        match factor {
            SecondFactor::Totp => Self::Totp,
            SecondFactor::LookupSecret => Self::LookupSecret,
        }
    }
}

impl From<SecondFactorMethod> for SecondFactor {
    fn from(method: SecondFactorMethod) -> Self {
        match method {
            SecondFactorMethod::Totp => Self::Totp,
            SecondFactorMethod::LookupSecret => Self::LookupSecret,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VerificationPending {
    /// The verification flow the code belongs to.
    #[schema(value_type = String, format = Uuid)]
    pub flow_id: Uuid,
    /// Where the code was sent.
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub expires_at: Option<DateTime<Utc>>,
    pub authenticated_at: Option<DateTime<Utc>>,
    pub assurance_level: AssuranceLevelView,
    pub identity: IdentityView,
}

/// How strongly the person has proven who they are: `aal1` after one factor
/// (a password, a recovery code by email), `aal2` after a second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AssuranceLevelView {
    Aal0,
    Aal1,
    Aal2,
}

impl From<AssuranceLevel> for AssuranceLevelView {
    fn from(level: AssuranceLevel) -> Self {
        match level {
            AssuranceLevel::Aal0 => Self::Aal0,
            AssuranceLevel::Aal1 => Self::Aal1,
            AssuranceLevel::Aal2 => Self::Aal2,
        }
    }
}

/// A person's profile.
#[derive(Serialize, ToSchema)]
pub struct IdentityView {
    pub id: UserId,
    pub email: String,
    /// Whether the email address has been confirmed with a code.
    pub email_verified: bool,
    pub name: String,
}

impl From<Identity> for IdentityView {
    fn from(identity: Identity) -> Self {
        IdentityView {
            id: UserId(identity.id),
            email: identity.traits.email,
            email_verified: identity.email_verified,
            name: identity.traits.name,
        }
    }
}

impl From<Session> for SessionView {
    fn from(session: Session) -> Self {
        SessionView {
            id: session.summary.id,
            expires_at: session.summary.expires_at,
            authenticated_at: session.summary.authenticated_at,
            assurance_level: session.summary.assurance_level.into(),
            identity: session.identity.into(),
        }
    }
}

impl AuthResponse {
    fn new(native: &NativeSession, verification: Option<PendingVerification>) -> Self {
        AuthResponse {
            session_token: Some(native.token.expose().to_owned()),
            session: native.session.clone().into(),
            verification: verification.map(|v| VerificationPending { flow_id: v.flow_id, email: v.address }),
        }
    }

    /// The answer to a completed sign-in, with the token in the body or, in
    /// cookie mode, in the session cookie.
    pub fn deliver(
        status: StatusCode,
        native: NativeSession,
        verification: Option<PendingVerification>,
        delivery: Delivery,
    ) -> HttpResponse {
        let body = AuthResponse::new(&native, verification);
        delivered(status, body, &native.token, delivery, |body| body.session_token = None)
    }

    /// The answer to a sign-in with one factor: 200 with a complete session, or
    /// 202 with a password-only one and the second factor it needs.
    pub fn respond(sign_in: SignIn, delivery: Delivery) -> HttpResponse {
        match sign_in {
            SignIn::Complete(session) => AuthResponse::deliver(StatusCode::OK, session, None, delivery),
            SignIn::SecondFactorRequired { token, challenge, .. } => {
                let body = SecondFactorPending {
                    session_token: Some(token.expose().to_owned()),
                    second_factor: SecondFactorRequired {
                        flow_id: challenge.flow_id,
                        methods: challenge.methods.into_iter().map(Into::into).collect(),
                    },
                };
                delivered(StatusCode::ACCEPTED, body, &token, delivery, |body| body.session_token = None)
            }
        }
    }
}

/// Writes `body` with `status`; in cookie mode, the token goes into the cookie
/// and `strip` takes it out of the body.
fn delivered<B: Serialize>(
    status: StatusCode,
    mut body: B,
    token: &SessionToken,
    delivery: Delivery,
    strip: impl FnOnce(&mut B),
) -> HttpResponse {
    match delivery {
        Delivery::Body => HttpResponse::build(status).json(body),
        Delivery::Cookie(cookie) => {
            strip(&mut body);
            let mut response = HttpResponse::build(status).json(body);
            cookie.set(&mut response, token);
            response
        }
    }
}

/// One of the person's sessions, as listed in their account.
#[derive(Serialize, ToSchema)]
pub struct SessionListItem {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// The session this request was made with.
    pub current: bool,
    /// When the session was created.
    pub issued_at: Option<DateTime<Utc>>,
    /// When the person last proved who they are in it (login or re-authentication).
    pub authenticated_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub assurance_level: AssuranceLevelView,
    /// The account has a second factor and this session has not given it: a
    /// sign-in that stopped at the second factor (the person's own, or someone
    /// else's with their password, provider or mail), or one from before the
    /// second factor was added. Kratos refuses it until it gives one.
    pub second_factor_missing: bool,
    /// How the person signed in: `password`, `code_recovery`, …
    pub methods: Vec<String>,
    /// The sign-in provider it was signed in with, by Kratos' id, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The browser or program the session was created from, as it introduced itself.
    pub user_agent: Option<String>,
    /// The address the session was created from.
    pub ip_address: Option<String>,
}

impl SessionListItem {
    /// `second_factor`: whether the account has one (`SecondFactors::any`).
    pub fn new(summary: SessionSummary, current: bool, second_factor: bool) -> Self {
        // Kratos appends a device per login and re-authentication; the first is
        // where the session began.
        let device = summary.devices.into_iter().next();
        SessionListItem {
            id: summary.id,
            current,
            issued_at: summary.issued_at,
            authenticated_at: summary.authenticated_at,
            expires_at: summary.expires_at,
            second_factor_missing: second_factor && summary.assurance_level != AssuranceLevel::Aal2,
            assurance_level: summary.assurance_level.into(),
            methods: summary.methods,
            provider: summary.providers.into_iter().next(),
            user_agent: device.as_ref().and_then(|d| d.user_agent.clone()),
            ip_address: device.and_then(|d| d.ip_address),
        }
    }
}
