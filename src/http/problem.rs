//! The API's one error format: RFC 9457 `application/problem+json`.
//!
//! Every error body has the standard members (`type`, `title`, `status`, `detail`)
//! plus a stable `code` that clients branch on, and `messages` that carry Kratos'
//! own message ids and texts per field. `type` is a URN built from `code`, so it is
//! stable too without pretending to be a page someone can open.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// An error response (RFC 9457 problem details).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:ory-spa:problem:<code>`.
    #[serde(rename = "type")]
    #[schema(example = "urn:ory-spa:problem:validation_failed")]
    pub problem_type: String,
    /// A short summary of the kind of problem; the same for every occurrence of a code.
    pub title: String,
    /// The HTTP status code, repeated for clients that only see the body.
    pub status: u16,
    /// What went wrong this time, for people.
    pub detail: String,
    /// The stable identifier of the kind of problem, for programs.
    pub code: ProblemCode,
    /// Per-field and form-level messages. Kratos' messages keep their Kratos ids
    /// (1xxxxxx–5xxxxxx); messages from this API use ids 9xxxxxx.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
    /// The Kratos flow the messages belong to: submit the corrected form to it to
    /// continue (for example a login that needs another step).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<Uuid>,
}

/// One message about the request, optionally tied to a request field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Message {
    /// The request field the message is about (`email`, `password`, …); absent for the whole request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Kratos' message id (for example 4000007, "an account with the same identifier exists already"), or 9xxxxxx for this API's own.
    pub id: u64,
    /// The human-readable text.
    pub text: String,
}

/// This API's own message ids (Kratos' are 1xxxxxx–5xxxxxx). Stable: clients may branch on them.
pub mod message_id {
    /// A text field is longer than its limit.
    pub const TOO_LONG: u64 = 9_000_001;
    /// A required text field is empty (or only white space).
    pub const EMPTY: u64 = 9_000_002;
    /// An update names no field to change.
    pub const NOTHING_TO_CHANGE: u64 = 9_000_003;
    /// A share names both or neither of `email` and `group_id`.
    pub const ONE_SHARE_TARGET: u64 = 9_000_004;
    /// Sharing with oneself, or removing the owner.
    pub const NOT_ONESELF: u64 = 9_000_005;
    /// A page number or size out of range.
    pub const OUT_OF_RANGE: u64 = 9_000_006;
    /// A new password is too easy to guess (see the message for why).
    pub const PASSWORD_TOO_WEAK: u64 = 9_000_007;
    /// A one-line text (a name, a title) contains control characters.
    pub const CONTROL_CHARACTERS: u64 = 9_000_008;
    /// A TOTP code that has signed this person in already; the sign-in that sent
    /// it again was ended (its session revoked). Log in again with a new code.
    pub const CODE_ALREADY_USED: u64 = 9_000_009;
}

/// Stable problem identifiers. Adding one is a compatible change; renaming one is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// The request body is not valid JSON, has the wrong shape, or has unknown fields.
    MalformedRequest,
    /// The input was understood but refused; see `messages`.
    ValidationFailed,
    /// Wrong identifier or password.
    InvalidCredentials,
    /// The account's email address must be verified before it can log in.
    EmailNotVerified,
    /// The Kratos flow named by `flow_id` has expired; start again without it.
    FlowExpired,
    /// The flow already reached its goal (its code was used); start a new one.
    FlowCompleted,
    /// A second authentication factor is needed to continue.
    SecondFactorRequired,
    /// The change needs a recent login: re-authenticate, then retry.
    SessionRefreshRequired,
    /// Social sign-in: no provider with that id.
    UnknownProvider,
    /// Social sign-in: the requested return URL is not on the server's allow-list.
    ReturnUrlNotAllowed,
    /// Social sign-in: the return does not belong to a sign-in this client started
    /// (unknown or foreign state, wrong verifier, a code of another sign-in, or
    /// one completed already).
    StateMismatch,
    /// Social sign-in: it took too long; its exchange code has expired.
    ExchangeCodeExpired,
    /// Social sign-in: the person cancelled (or refused consent) at the provider.
    SocialSignInCancelled,
    /// Social sign-in: an account has the same email address; sign in to it
    /// (`POST /api/auth/social/link`) to add the provider to it.
    AccountExists,
    /// Social sign-in: the provider or Kratos refused for another reason; see `messages`.
    SocialSignInFailed,
    /// The link to undo an email change is not valid: used already, past its
    /// seven days, ended by another undo, or not copied whole.
    RestoreLinkInvalid,
    /// No valid session token was presented.
    Unauthenticated,
    /// The session is valid but lacks the permission.
    Forbidden,
    /// A request authenticated by the session cookie lacked `X-Session-Mode: cookie`
    /// or came from another origin.
    CrossSiteRequest,
    /// No such resource, or not one the caller may see.
    NotFound,
    /// The request contradicts the resource's current state.
    Conflict,
    /// Too many attempts; wait for `Retry-After` seconds.
    RateLimited,
    /// The request body exceeds the size limit.
    PayloadTooLarge,
    /// The request's content type is not `application/json`.
    UnsupportedMediaType,
    /// The method is not allowed on this resource.
    MethodNotAllowed,
    /// Kratos, Keto or the database could not answer; retry later.
    ServiceUnavailable,
    /// A bug on our side; the details are in the server log under the request id.
    Internal,
}

impl ProblemCode {
    pub fn title(self) -> &'static str {
        match self {
            Self::MalformedRequest => "Malformed request",
            Self::ValidationFailed => "Validation failed",
            Self::InvalidCredentials => "Invalid credentials",
            Self::EmailNotVerified => "Email not verified",
            Self::FlowExpired => "Flow expired",
            Self::FlowCompleted => "Flow completed",
            Self::SecondFactorRequired => "Second factor required",
            Self::SessionRefreshRequired => "Session refresh required",
            Self::UnknownProvider => "Unknown provider",
            Self::ReturnUrlNotAllowed => "Return URL not allowed",
            Self::StateMismatch => "State mismatch",
            Self::ExchangeCodeExpired => "Exchange code expired",
            Self::RestoreLinkInvalid => "Restore link invalid",
            Self::SocialSignInCancelled => "Social sign-in cancelled",
            Self::AccountExists => "Account exists",
            Self::SocialSignInFailed => "Social sign-in failed",
            Self::Unauthenticated => "Unauthenticated",
            Self::Forbidden => "Forbidden",
            Self::CrossSiteRequest => "Cross-site request refused",
            Self::NotFound => "Not found",
            Self::Conflict => "Conflict",
            Self::RateLimited => "Too many requests",
            Self::PayloadTooLarge => "Payload too large",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::MethodNotAllowed => "Method not allowed",
            Self::ServiceUnavailable => "Service unavailable",
            Self::Internal => "Internal error",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MalformedRequest => "malformed_request",
            Self::ValidationFailed => "validation_failed",
            Self::InvalidCredentials => "invalid_credentials",
            Self::EmailNotVerified => "email_not_verified",
            Self::FlowExpired => "flow_expired",
            Self::FlowCompleted => "flow_completed",
            Self::SecondFactorRequired => "second_factor_required",
            Self::SessionRefreshRequired => "session_refresh_required",
            Self::UnknownProvider => "unknown_provider",
            Self::ReturnUrlNotAllowed => "return_url_not_allowed",
            Self::StateMismatch => "state_mismatch",
            Self::ExchangeCodeExpired => "exchange_code_expired",
            Self::RestoreLinkInvalid => "restore_link_invalid",
            Self::SocialSignInCancelled => "social_sign_in_cancelled",
            Self::AccountExists => "account_exists",
            Self::SocialSignInFailed => "social_sign_in_failed",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::CrossSiteRequest => "cross_site_request",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::RateLimited => "rate_limited",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::ServiceUnavailable => "service_unavailable",
            Self::Internal => "internal",
        }
    }
}

impl Message {
    /// A message about the whole request rather than one field.
    pub fn form(id: u64, text: impl Into<String>) -> Self {
        Message { field: None, id, text: text.into() }
    }
}

impl Problem {
    pub fn new(code: ProblemCode, status: u16, detail: impl Into<String>) -> Self {
        Problem {
            problem_type: format!("urn:ory-spa:problem:{}", code.as_str()),
            title: code.title().to_owned(),
            status,
            detail: detail.into(),
            code,
            messages: Vec::new(),
            flow_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_urn_matches_the_serialised_code() {
        for code in [ProblemCode::MalformedRequest, ProblemCode::SecondFactorRequired, ProblemCode::Internal] {
            let json = serde_json::to_value(Problem::new(code, 400, "x")).unwrap();
            assert_eq!(json["type"], format!("urn:ory-spa:problem:{}", json["code"].as_str().unwrap()));
        }
    }
}
