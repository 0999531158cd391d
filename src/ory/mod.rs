//! Our small clients for Ory Kratos and Ory Keto.
//!
//! Kratos' and Keto's JSON shapes are private to this module: everything it
//! exports is our own type (`Session`, `RelationTuple`, `UiMessage`, …), so a
//! change in Ory's wire format is fixed here and nowhere else. We use plain
//! `reqwest` instead of the generated SDK crates, which have had deserialisation
//! bugs against real servers; the integration tests against the real services decide.

mod error;
pub mod keto;
pub mod kratos;

use std::time::Duration;

use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

pub use error::{FlowError, OryError, SessionError};
pub use keto::{Keto, RelationTuple, Subject};
pub use kratos::{
    AssuranceLevel, ClientInfo, EmailChanged, EmailRestore, EveryOtherSession, ExchangeCode, Identity, Kratos,
    LinkedProviders, NativeSession, NewTraits, PendingVerification, RecoveryCodes, Registered, SecondFactor,
    SecondFactorChallenge, SecondFactors, SecondFactorsSince, Session, SessionSummary, SessionToken, SignIn,
    SocialCallback, SocialError, SocialProvider, SocialSetback, SocialStart, TotpEnrolment, Traits, UiMessage,
};

/// The HTTP client shared by both Ory clients.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(2)))
        // A redirect from Ory is never expected; following one could carry a
        // session token to another host.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("ory-spa/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client configuration is static and valid")
}

/// Which Ory service a call goes to, for errors and logs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Service(&'static str);

pub(crate) const KRATOS: Service = Service("Kratos");
pub(crate) const KETO: Service = Service("Keto");
/// The OpenID Connect provider of a social sign-in, when Kratos says it cannot reach it.
pub(crate) const PROVIDER: Service = Service("The sign-in provider");

impl Service {
    /// Sends one call, and records its latency and outcome (`monitoring`).
    async fn send(self, request: RequestBuilder, operation: &'static str) -> Result<Response, OryError> {
        let started = std::time::Instant::now();
        let result = request.send().await;
        let outcome = match &result {
            Ok(response) if !response.status().is_server_error() => "ok",
            _ => "error",
        };
        let labels = [("service", self.0), ("operation", operation), ("outcome", outcome)];
        metrics::counter!("ory_requests_total", &labels).increment(1);
        metrics::histogram!("ory_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
        let response = result.map_err(|source| {
            self.count_error(operation, "unreachable");
            self.unreachable(source)
        })?;
        tracing::debug!(service = self.0, operation, status = response.status().as_u16(), "ory call");
        Ok(response)
    }

    fn count_error(self, operation: &'static str, kind: &'static str) {
        metrics::counter!("ory_errors_total", "service" => self.0, "operation" => operation, "kind" => kind)
            .increment(1);
    }

    async fn json<T: DeserializeOwned>(self, response: Response, operation: &'static str) -> Result<T, OryError> {
        let body = response.bytes().await.map_err(|source| self.unreachable(source))?;
        serde_json::from_slice(&body).map_err(|e| self.protocol(operation, e.to_string()))
    }

    fn expect(self, response: &Response, status: StatusCode, operation: &'static str) -> Result<(), OryError> {
        if response.status() == status { Ok(()) } else { Err(self.unexpected(response.status(), operation)) }
    }

    /// Without the URL: an admin lookup carries an email in its query string, the
    /// session-token exchange and the social sign-in callback carry codes, and this
    /// error is logged.
    fn unreachable(self, source: reqwest::Error) -> OryError {
        OryError::Unreachable { service: self.0, source: source.without_url() }
    }

    fn unexpected(self, status: StatusCode, operation: &'static str) -> OryError {
        self.count_error(operation, "status");
        OryError::Status { service: self.0, operation, status }
    }

    fn protocol(self, operation: &'static str, detail: impl Into<String>) -> OryError {
        self.count_error(operation, "protocol");
        OryError::Protocol { service: self.0, operation, detail: detail.into() }
    }
}
