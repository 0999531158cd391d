//! `ApiError`: the one error type handlers return, and the one place where every
//! layer's error becomes an HTTP status and a problem document.
//!
//! Layers below (`ory`, `auth`, `authz`) have their own error enums and know
//! nothing of HTTP. The `From` impls here decide the status; `ResponseError`
//! renders it. Ory and database failures become 503 (fail closed, retryable),
//! never 500 and never an accidental allow; their causes go to the log, not the client.

use actix_web::{
    HttpResponse, ResponseError,
    http::{StatusCode, header},
};
use uuid::Uuid;

use super::problem::{CONTENT_TYPE, Message, Problem, ProblemCode};
use crate::{
    authz::{AuthzError, VisibleError},
    ory::{FlowError, OryError, SessionError},
};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed request: {0}")]
    MalformedRequest(String),
    #[error("validation failed")]
    Validation { messages: Vec<Message>, flow_id: Option<Uuid> },
    #[error("invalid credentials")]
    InvalidCredentials { messages: Vec<Message>, flow_id: Option<Uuid> },
    #[error("the flow has expired")]
    FlowExpired,
    #[error("a second factor is required")]
    SecondFactorRequired,
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    #[error("forbidden")]
    Forbidden,
    #[error("not found: {0}")]
    NotFound(String),
    #[error("payload too large (limit {limit} bytes)")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A dependency (Kratos, Keto, the database) failed; the source says which and why.
    #[error("{service} unavailable")]
    Unavailable {
        service: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    fn code(&self) -> ProblemCode {
        match self {
            Self::MalformedRequest(_) => ProblemCode::MalformedRequest,
            Self::Validation { .. } => ProblemCode::ValidationFailed,
            Self::InvalidCredentials { .. } => ProblemCode::InvalidCredentials,
            Self::FlowExpired => ProblemCode::FlowExpired,
            Self::SecondFactorRequired => ProblemCode::SecondFactorRequired,
            Self::Unauthenticated(_) => ProblemCode::Unauthenticated,
            Self::Forbidden => ProblemCode::Forbidden,
            Self::NotFound(_) => ProblemCode::NotFound,
            Self::PayloadTooLarge { .. } => ProblemCode::PayloadTooLarge,
            Self::UnsupportedMediaType => ProblemCode::UnsupportedMediaType,
            Self::MethodNotAllowed => ProblemCode::MethodNotAllowed,
            Self::Unavailable { .. } => ProblemCode::ServiceUnavailable,
            Self::Internal(_) => ProblemCode::Internal,
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::MalformedRequest(why) => why.clone(),
            Self::Validation { .. } => "The request was refused; see `messages` for each field.".into(),
            Self::InvalidCredentials { .. } => "The identifier or the password is wrong.".into(),
            Self::FlowExpired => "The flow has expired. Start again without a flow_id.".into(),
            Self::SecondFactorRequired => "This session needs a second factor before it can be used here.".into(),
            Self::Unauthenticated(why) => (*why).into(),
            Self::Forbidden => "You do not have permission to do this.".into(),
            Self::NotFound(what) => what.clone(),
            Self::PayloadTooLarge { limit } => {
                format!("The request body is larger than {limit} bytes.")
            }
            Self::UnsupportedMediaType => "Send the request body as application/json.".into(),
            Self::MethodNotAllowed => "This method is not allowed on this resource.".into(),
            // Never the cause: it can name internal hosts or carry upstream bodies.
            Self::Unavailable { service, .. } => {
                format!("{service} is unavailable at the moment. Try again shortly.")
            }
            Self::Internal(_) => "Something went wrong on our side.".into(),
        }
    }

    pub fn unavailable(service: &'static str, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unavailable { service, source: Box::new(source) }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::MalformedRequest(_) | Self::Validation { .. } | Self::InvalidCredentials { .. } => {
                StatusCode::BAD_REQUEST
            }
            Self::FlowExpired => StatusCode::GONE,
            Self::SecondFactorRequired | Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            Self::Unavailable { .. } | Self::Internal(_) => {
                tracing::error!(error = %ErrorChain(self), "request failed")
            }
            _ => tracing::debug!(error = %self, "request refused"),
        }

        let mut problem = Problem::new(self.code(), status.as_u16(), self.detail());
        if let Self::Validation { messages, flow_id } | Self::InvalidCredentials { messages, flow_id } = self {
            problem.messages = messages.clone();
            problem.flow_id = *flow_id;
        }

        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, CONTENT_TYPE));
        match self {
            // RFC 6750: a 401 for a bearer-protected resource names the scheme.
            Self::Unauthenticated(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::Unavailable { .. } => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&problem).expect("a problem always serialises"))
    }
}

/// Displays an error with its whole `source()` chain, for the log.
struct ErrorChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl From<OryError> for ApiError {
    fn from(error: OryError) -> Self {
        ApiError::unavailable(error.service(), error)
    }
}

impl From<FlowError> for ApiError {
    fn from(error: FlowError) -> Self {
        match error {
            FlowError::Rejected { flow_id, messages } => {
                let messages: Vec<Message> = messages.into_iter().map(Message::from).collect();
                if messages.iter().any(|m| m.id == crate::ory::kratos::MESSAGE_INVALID_CREDENTIALS) {
                    ApiError::InvalidCredentials { messages, flow_id: Some(flow_id) }
                } else {
                    ApiError::Validation { messages, flow_id: Some(flow_id) }
                }
            }
            FlowError::Expired => ApiError::FlowExpired,
            FlowError::NotFound => ApiError::NotFound("No such flow. Start again without a flow_id.".into()),
            FlowError::Ory(error) => error.into(),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::Invalid => ApiError::Unauthenticated("The session token is unknown, expired or revoked."),
            SessionError::SecondFactorRequired => ApiError::SecondFactorRequired,
            SessionError::Ory(error) => error.into(),
        }
    }
}

impl From<AuthzError> for ApiError {
    fn from(error: AuthzError) -> Self {
        match error {
            AuthzError::Denied => ApiError::Forbidden,
            AuthzError::Ory(error) => error.into(),
        }
    }
}

impl From<VisibleError> for ApiError {
    fn from(error: VisibleError) -> Self {
        match error {
            VisibleError::NotFound { kind } => ApiError::NotFound(format!("No such {kind}, or you may not see it.")),
            VisibleError::Denied => ApiError::Forbidden,
            VisibleError::Ory(error) => error.into(),
        }
    }
}

/// One message of our own about the input: a 400 `validation_failed`.
impl From<Message> for ApiError {
    fn from(message: Message) -> Self {
        ApiError::Validation { messages: vec![message], flow_id: None }
    }
}

impl From<crate::ory::UiMessage> for Message {
    fn from(m: crate::ory::UiMessage) -> Self {
        Message { field: m.field, id: m.id, text: m.text }
    }
}

impl From<crate::db::StoreError> for ApiError {
    fn from(error: crate::db::StoreError) -> Self {
        match error {
            crate::db::StoreError::Gone => ApiError::NotFound("It no longer exists.".into()),
            crate::db::StoreError::Database(error) => error.into(),
            crate::db::StoreError::Keto(error) => error.into(),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        ApiError::unavailable("the database", error)
    }
}
