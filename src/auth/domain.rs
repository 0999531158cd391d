//! Request bodies and the validated forms they become.
//!
//! Policy (what a valid email or a strong password is, which traits are
//! required) belongs to Kratos and its identity schema, so that Kratos' own
//! messages, with their ids, reach the client per field. The edge only refuses
//! what is not a form at all: unknown fields, wrong JSON types, and absurd lengths.

use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::{ApiError, Message, message_id::TOO_LONG as MESSAGE_TOO_LONG};

/// Upper bound for any single text field of an auth form. Well above any real
/// email, name or passphrase; it only keeps abuse away from Kratos' hasher.
const MAX_FIELD_CHARS: usize = 1024;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRequest {
    /// Becomes the login identifier.
    #[schema(example = "ada@example.com")]
    pub email: Option<String>,
    #[schema(example = "Ada Lovelace")]
    pub name: Option<String>,
    #[schema(example = "correct horse battery staple", format = Password)]
    pub password: Option<String>,
}

/// Traits are optional here so that Kratos, which owns the identity schema,
/// reports a missing one with its own message.
pub struct RegistrationForm {
    pub email: Option<String>,
    pub name: Option<String>,
    pub password: SecretString,
}

impl TryFrom<RegistrationRequest> for RegistrationForm {
    type Error = ApiError;

    fn try_from(request: RegistrationRequest) -> Result<Self, ApiError> {
        let mut messages = Vec::new();
        let email = bounded("email", request.email.map(|e| e.trim().to_owned()), &mut messages);
        let name = bounded("name", request.name.map(|n| n.trim().to_owned()), &mut messages);
        // Not trimmed: spaces can be part of a passphrase.
        let password = bounded("password", request.password, &mut messages);
        if !messages.is_empty() {
            return Err(ApiError::Validation { messages, flow_id: None });
        }
        Ok(RegistrationForm { email, name, password: SecretString::from(password.unwrap_or_default()) })
    }
}

/// The login methods; only `password` for now. A second factor will be another
/// method submitted to the same flow (`flow_id`).
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoginMethod {
    #[default]
    Password,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[serde(default)]
    pub method: LoginMethod,
    /// The email address the account was registered with.
    #[schema(example = "ada@example.com")]
    pub identifier: String,
    #[schema(example = "correct horse battery staple", format = Password)]
    pub password: String,
    /// Continue this Kratos login flow (from an earlier problem's `flow_id`) instead of starting a new one.
    pub flow_id: Option<Uuid>,
}

pub struct LoginForm {
    pub identifier: String,
    pub password: SecretString,
    pub flow_id: Option<Uuid>,
}

impl TryFrom<LoginRequest> for LoginForm {
    type Error = ApiError;

    fn try_from(request: LoginRequest) -> Result<Self, ApiError> {
        let LoginMethod::Password = request.method;
        let mut messages = Vec::new();
        let identifier = bounded("identifier", Some(request.identifier.trim().to_owned()), &mut messages);
        let password = bounded("password", Some(request.password), &mut messages);
        if !messages.is_empty() {
            return Err(ApiError::Validation { messages, flow_id: None });
        }
        Ok(LoginForm {
            identifier: identifier.unwrap_or_default(),
            password: SecretString::from(password.unwrap_or_default()),
            flow_id: request.flow_id,
        })
    }
}

fn bounded(field: &str, value: Option<String>, messages: &mut Vec<Message>) -> Option<String> {
    match value {
        Some(value) if value.chars().count() > MAX_FIELD_CHARS => {
            messages.push(Message {
                field: Some(field.to_owned()),
                id: MESSAGE_TOO_LONG,
                text: format!("must be at most {MAX_FIELD_CHARS} characters"),
            });
            None
        }
        value => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlong_fields_are_refused_each_with_its_own_message() {
        let long = "x".repeat(MAX_FIELD_CHARS + 1);
        let request = RegistrationRequest { email: Some(long.clone()), name: Some("Ada".into()), password: Some(long) };
        let Err(ApiError::Validation { messages, .. }) = RegistrationForm::try_from(request) else {
            panic!("expected a validation error");
        };
        let fields: Vec<_> = messages.iter().map(|m| m.field.as_deref().unwrap()).collect();
        assert_eq!(fields, ["email", "password"]);
        assert!(messages.iter().all(|m| m.id == MESSAGE_TOO_LONG));
    }

    #[test]
    fn email_and_name_are_trimmed_but_the_password_is_not() {
        let request = RegistrationRequest {
            email: Some(" ada@example.com ".into()),
            name: Some(" Ada ".into()),
            password: Some(" pass phrase ".into()),
        };
        let form = RegistrationForm::try_from(request).ok().unwrap();
        assert_eq!(form.email.as_deref(), Some("ada@example.com"));
        assert_eq!(form.name.as_deref(), Some("Ada"));
        assert_eq!(secrecy::ExposeSecret::expose_secret(&form.password), " pass phrase ");
    }
}
