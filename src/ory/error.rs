use reqwest::StatusCode;
use uuid::Uuid;

use super::kratos::UiMessage;

/// Kratos or Keto could not give a usable answer. Callers must treat this as
/// "unknown", never as "allowed": it maps to 503.
#[derive(Debug, thiserror::Error)]
pub enum OryError {
    #[error("{service} did not answer: {source}")]
    Unreachable {
        service: &'static str,
        #[source]
        source: reqwest::Error,
    },
    #[error("{service} answered {status} to {operation}")]
    Status { service: &'static str, operation: &'static str, status: StatusCode },
    #[error("{service} sent an unexpected answer to {operation}: {detail}")]
    Protocol { service: &'static str, operation: &'static str, detail: String },
}

impl OryError {
    /// For the client-facing message: "Kratos" or "Keto".
    pub fn service(&self) -> &'static str {
        match self {
            Self::Unreachable { service, .. } | Self::Status { service, .. } | Self::Protocol { service, .. } => {
                service
            }
        }
    }
}

/// Why a self-service flow did not reach its goal.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// Kratos refused the input and returned the flow again, with messages.
    #[error("Kratos refused the flow submission")]
    Rejected { flow_id: Uuid, messages: Vec<UiMessage> },
    #[error("the flow has expired")]
    Expired,
    /// The flow already reached its goal (its code was used); a new one is needed.
    #[error("the flow is already completed")]
    Completed,
    #[error("no such flow")]
    NotFound,
    /// The session is too old for a privileged change; log in again with `refresh`.
    #[error("the session must re-authenticate first")]
    RefreshRequired,
    /// The session presented with the flow is not valid, or needs a second factor.
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Ory(#[from] OryError),
}

impl FlowError {
    /// Whether Kratos refused the submission with one of these message ids.
    pub fn refused_with(&self, ids: &[u64]) -> bool {
        matches!(self, FlowError::Rejected { messages, .. } if messages.iter().any(|m| ids.contains(&m.id)))
    }
}

/// Why a session token did not yield a session.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Unknown, malformed, expired or revoked: all the same to a client.
    #[error("the session token is not valid")]
    Invalid,
    #[error("the session needs a second factor")]
    SecondFactorRequired,
    #[error(transparent)]
    Ory(#[from] OryError),
}
