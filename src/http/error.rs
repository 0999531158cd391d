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
    // Display is what the logs see: never the detail, which can quote the input.
    #[error("malformed request")]
    MalformedRequest(String),
    #[error("validation failed")]
    Validation { messages: Vec<Message>, flow_id: Option<Uuid> },
    #[error("invalid credentials")]
    InvalidCredentials { messages: Vec<Message>, flow_id: Option<Uuid> },
    #[error("the email address is not verified")]
    EmailNotVerified { messages: Vec<Message>, flow_id: Option<Uuid> },
    #[error("the flow has expired")]
    FlowExpired,
    #[error("the flow is already completed")]
    FlowCompleted,
    #[error("a second factor is required")]
    SecondFactorRequired,
    #[error("the session must re-authenticate")]
    RefreshRequired,
    #[error("no such sign-in provider")]
    UnknownProvider,
    #[error("the return URL is not on the allow-list")]
    ReturnUrlNotAllowed,
    /// A social sign-in's return that does not belong to a sign-in this client started.
    #[error("the state does not match")]
    StateMismatch,
    #[error("the social sign-in took too long")]
    ExchangeCodeExpired,
    #[error("the person cancelled at the provider")]
    SocialSignInCancelled,
    /// An account has the address; sign in to it on `flow_id` to link the provider.
    #[error("an account with this address exists")]
    AccountExists { messages: Vec<Message>, flow_id: Uuid },
    #[error("the social sign-in failed")]
    SocialSignInFailed { messages: Vec<Message> },
    #[error("the link to undo an email change is not valid")]
    RestoreLinkInvalid,
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    #[error("forbidden")]
    Forbidden,
    /// A cookie-authenticated request that may have been forged by another site.
    #[error("cross-site request refused")]
    CrossSite(&'static str),
    #[error("not found")]
    NotFound(String),
    /// The request contradicts the resource's state (set up twice, say).
    #[error("conflict")]
    Conflict(String),
    #[error("rate limited for {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    /// The half-sign-in limit (`auth::handlers::limit_half_sign_ins`): the
    /// same `rate_limited`, with what it means to the owner.
    #[error("too many half sign-ins; rate limited for {retry_after_secs} s")]
    TooManyHalfSignIns { retry_after_secs: u64 },
    /// The limit on codes mailed to one address (`auth::handlers::limit_code_mails`).
    #[error("too many codes mailed to one address; rate limited for {retry_after_secs} s")]
    TooManyCodeMails { retry_after_secs: u64 },
    #[error("payload too large (limit {limit} bytes)")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    /// A dependency (Kratos, Keto, the database) failed; the source says which and why.
    #[error("{service} unavailable")]
    Unavailable {
        service: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// More password submissions than Kratos can hash at once; shed at the door.
    #[error("too many password submissions in flight")]
    Overloaded,
    #[error("internal error: {0}")]
    Internal(String),
}

/// Everything a variant decides about its response, from one `match`, so that a
/// new variant is a change in one place.
struct Facts<'a> {
    status: StatusCode,
    code: ProblemCode,
    detail: String,
    /// Field messages and the flow they belong to, for variants that carry them.
    messages: Option<(&'a [Message], Option<Uuid>)>,
    header: Option<(header::HeaderName, String)>,
}

impl ApiError {
    fn facts(&self) -> Facts<'_> {
        use ProblemCode as C;
        use StatusCode as S;
        let plain = |status, code, detail: &str| Facts {
            status,
            code,
            detail: detail.to_owned(),
            messages: None,
            header: None,
        };
        // Every limit answers alike but for its words: `Retry-After` tells when.
        let limited = |retry_after_secs: u64, detail: String| Facts {
            status: S::TOO_MANY_REQUESTS,
            code: C::RateLimited,
            detail,
            messages: None,
            header: Some((header::RETRY_AFTER, retry_after_secs.to_string())),
        };
        match self {
            Self::MalformedRequest(why) => plain(S::BAD_REQUEST, C::MalformedRequest, why),
            Self::Validation { messages, flow_id } => Facts {
                messages: Some((messages, *flow_id)),
                ..plain(S::BAD_REQUEST, C::ValidationFailed, "The request was refused; see `messages` for each field.")
            },
            Self::InvalidCredentials { messages, flow_id } => Facts {
                messages: Some((messages, *flow_id)),
                ..plain(S::BAD_REQUEST, C::InvalidCredentials, "The identifier or the password is wrong.")
            },
            Self::EmailNotVerified { messages, flow_id } => Facts {
                messages: Some((messages, *flow_id)),
                ..plain(
                    S::FORBIDDEN,
                    C::EmailNotVerified,
                    "Confirm your email address first: enter the code we sent you, or ask for a new one.",
                )
            },
            Self::FlowExpired => plain(S::GONE, C::FlowExpired, "This step has expired. Please start again."),
            Self::FlowCompleted => {
                plain(S::CONFLICT, C::FlowCompleted, "This code has been used already. Ask for a new one.")
            }
            Self::SecondFactorRequired => plain(
                S::FORBIDDEN,
                C::SecondFactorRequired,
                "Enter a code from your authenticator app, or a recovery code, to continue.",
            ),
            Self::RefreshRequired => {
                plain(S::FORBIDDEN, C::SessionRefreshRequired, "For this change, please confirm your password first.")
            }
            Self::UnknownProvider => plain(S::NOT_FOUND, C::UnknownProvider, "There is no such sign-in provider."),
            Self::ReturnUrlNotAllowed => plain(
                S::BAD_REQUEST,
                C::ReturnUrlNotAllowed,
                "This app does not send people back to that address after signing in.",
            ),
            Self::StateMismatch => plain(
                S::BAD_REQUEST,
                C::StateMismatch,
                "This sign-in was not started here, or it was finished already. Please start again.",
            ),
            Self::RestoreLinkInvalid => plain(
                S::BAD_REQUEST,
                C::RestoreLinkInvalid,
                "This link no longer works: it was used, it is more than seven days old, or it was not copied whole.",
            ),
            Self::ExchangeCodeExpired => {
                plain(S::GONE, C::ExchangeCodeExpired, "The sign-in took too long. Please start again.")
            }
            Self::SocialSignInCancelled => {
                plain(S::FORBIDDEN, C::SocialSignInCancelled, "The sign-in was cancelled at the provider.")
            }
            Self::AccountExists { messages, flow_id } => Facts {
                messages: Some((messages, Some(*flow_id))),
                ..plain(
                    S::CONFLICT,
                    C::AccountExists,
                    "An account with this email address exists already. Sign in to it with its password to add \
                     this provider to it.",
                )
            },
            Self::SocialSignInFailed { messages } => Facts {
                messages: Some((messages, None)),
                ..plain(S::BAD_REQUEST, C::SocialSignInFailed, "The provider could not sign you in. Please try again.")
            },
            Self::Unauthenticated(why) => Facts {
                // RFC 6750: a 401 for a bearer-protected resource names the scheme.
                header: Some((header::WWW_AUTHENTICATE, "Bearer".into())),
                ..plain(S::UNAUTHORIZED, C::Unauthenticated, why)
            },
            Self::Forbidden => plain(S::FORBIDDEN, C::Forbidden, "You do not have permission to do this."),
            Self::CrossSite(why) => plain(S::FORBIDDEN, C::CrossSiteRequest, why),
            Self::NotFound(what) => plain(S::NOT_FOUND, C::NotFound, what),
            Self::Conflict(why) => plain(S::CONFLICT, C::Conflict, why),
            Self::TooManyRequests { retry_after_secs } => limited(
                *retry_after_secs,
                format!("Too many attempts. Try again in {}.", wait_in_words(*retry_after_secs)),
            ),
            Self::TooManyHalfSignIns { retry_after_secs } => limited(
                *retry_after_secs,
                format!(
                    "Too many sign-ins to this account have stopped at the second factor, from devices it has not \
                     signed in from. Try again in {}, or from a device you have signed in from before. If they were \
                     not yours, someone else knows your password or controls a sign-in provider linked to your \
                     account.",
                    wait_in_words(*retry_after_secs)
                ),
            ),
            Self::TooManyCodeMails { retry_after_secs } => limited(
                *retry_after_secs,
                format!(
                    "Too many codes have been asked for this address lately. Try again in {}. If you did not ask \
                     for them, someone else did; a code is of no use to anyone who cannot read your mail.",
                    wait_in_words(*retry_after_secs)
                ),
            ),
            Self::PayloadTooLarge { limit } => plain(
                S::PAYLOAD_TOO_LARGE,
                C::PayloadTooLarge,
                &format!("The request body is larger than {limit} bytes."),
            ),
            Self::UnsupportedMediaType => {
                plain(S::UNSUPPORTED_MEDIA_TYPE, C::UnsupportedMediaType, "Send the request body as application/json.")
            }
            Self::MethodNotAllowed { allow } => Facts {
                header: Some((header::ALLOW, allow.clone())),
                ..plain(S::METHOD_NOT_ALLOWED, C::MethodNotAllowed, &format!("This resource allows {allow}."))
            },
            // Never the cause: it can name internal hosts or carry upstream bodies.
            Self::Unavailable { service, .. } => Facts {
                header: Some((header::RETRY_AFTER, "5".into())),
                ..plain(
                    S::SERVICE_UNAVAILABLE,
                    C::ServiceUnavailable,
                    &format!("{service} is unavailable at the moment. Try again shortly."),
                )
            },
            Self::Overloaded => Facts {
                header: Some((header::RETRY_AFTER, "1".to_owned())),
                ..plain(
                    S::SERVICE_UNAVAILABLE,
                    C::ServiceUnavailable,
                    "Too many sign-ins at this moment. Try again in a second.",
                )
            },
            Self::Internal(_) => plain(S::INTERNAL_SERVER_ERROR, C::Internal, "Something went wrong on our side."),
        }
    }

    pub fn unavailable(service: &'static str, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unavailable { service, source: Box::new(source) }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.facts().status
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Unavailable { .. } | Self::Internal(_) => {
                tracing::error!(error = %ErrorChain(self), "request failed")
            }
            _ => tracing::debug!(error = %self, "request refused"),
        }

        let facts = self.facts();
        let mut problem = Problem::new(facts.code, facts.status.as_u16(), facts.detail);
        if let Some((messages, flow_id)) = facts.messages {
            problem.messages = messages.to_vec();
            problem.flow_id = flow_id;
        }
        let mut response = HttpResponse::build(facts.status);
        response.insert_header((header::CONTENT_TYPE, CONTENT_TYPE));
        if let Some(header) = facts.header {
            response.insert_header(header);
        }
        response.body(serde_json::to_string(&problem).expect("a problem always serialises"))
    }
}

/// "45 seconds", "15 minutes": the header says the seconds, people read this.
fn wait_in_words(seconds: u64) -> String {
    match seconds {
        0..=1 => "a second".to_owned(),
        2..=119 => format!("{seconds} seconds"),
        _ => format!("{} minutes", seconds.div_ceil(60)),
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
        use crate::ory::kratos::messages;
        match error {
            FlowError::Rejected { flow_id, messages } => {
                let messages: Vec<Message> = messages.into_iter().map(Message::from).collect();
                let has = |id| messages.iter().any(|m| m.id == id);
                let flow_id = Some(flow_id);
                if has(messages::INVALID_CREDENTIALS) {
                    ApiError::InvalidCredentials { messages, flow_id }
                } else if has(messages::ADDRESS_NOT_VERIFIED) {
                    ApiError::EmailNotVerified { messages, flow_id }
                } else {
                    ApiError::Validation { messages, flow_id }
                }
            }
            FlowError::Expired => ApiError::FlowExpired,
            FlowError::Completed => ApiError::FlowCompleted,
            FlowError::NotFound => {
                ApiError::NotFound("This step does not exist or has ended. Please start again.".into())
            }
            FlowError::RefreshRequired => ApiError::RefreshRequired,
            FlowError::Session(error) => error.into(),
            FlowError::Ory(error) => error.into(),
        }
    }
}

impl From<crate::ory::SocialError> for ApiError {
    fn from(error: crate::ory::SocialError) -> Self {
        match error {
            crate::ory::SocialError::UnknownProvider => ApiError::UnknownProvider,
            crate::ory::SocialError::Flow(error) => error.into(),
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

impl From<crate::throttle::ThrottleError> for ApiError {
    fn from(error: crate::throttle::ThrottleError) -> Self {
        match error {
            crate::throttle::ThrottleError::Limited { retry_after } => {
                ApiError::TooManyRequests { retry_after_secs: retry_after.as_secs().max(1) }
            }
            crate::throttle::ThrottleError::Database(error) => error.into(),
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

impl From<crate::account::deletion::DeletionError> for ApiError {
    fn from(error: crate::account::deletion::DeletionError) -> Self {
        match error {
            crate::account::deletion::DeletionError::Database(error) => error.into(),
            crate::account::deletion::DeletionError::Kratos(error) => error.into(),
        }
    }
}

impl From<crate::account::email_restore::RestoreError> for ApiError {
    fn from(error: crate::account::email_restore::RestoreError) -> Self {
        use crate::account::email_restore::RestoreError;
        match error {
            RestoreError::Invalid => ApiError::RestoreLinkInvalid,
            RestoreError::Taken => ApiError::Conflict(
                "Another account uses this address now, so it cannot be put back. The link still works if that \
                 changes; tell the people who run this service."
                    .into(),
            ),
            RestoreError::Database(error) => error.into(),
            RestoreError::Kratos(error) => error.into(),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        ApiError::unavailable("the database", error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_in_seconds_then_minutes() {
        assert_eq!(wait_in_words(1), "a second");
        assert_eq!(wait_in_words(45), "45 seconds");
        assert_eq!(wait_in_words(900), "15 minutes");
        assert_eq!(wait_in_words(3599), "60 minutes");
    }
}
