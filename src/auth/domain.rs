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

use crate::http::{
    ApiError, Message,
    message_id::{EMPTY as MESSAGE_EMPTY, TOO_LONG as MESSAGE_TOO_LONG},
    single_line,
};

/// Upper bound for any single text field of an auth form. Well above any real
/// email, name or passphrase; it only keeps abuse away from Kratos' hasher.
const MAX_FIELD_CHARS: usize = 1024;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRequest {
    /// Becomes the login identifier.
    #[schema(example = "ada@example.com", max_length = 1024)]
    pub email: Option<String>,
    /// One line: no control characters.
    #[schema(example = "Ada Lovelace", max_length = 1024)]
    pub name: Option<String>,
    #[schema(example = "correct horse battery staple", format = Password, max_length = 1024)]
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
        if let Some(Err(message)) = name.as_deref().map(|name| single_line("name", name)) {
            messages.push(message);
        }
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
    #[schema(example = "ada@example.com", max_length = 1024)]
    pub identifier: String,
    #[schema(example = "correct horse battery staple", format = Password, max_length = 1024)]
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

/// Re-authentication: the password of the session's own account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReauthenticateRequest {
    #[schema(example = "correct horse battery staple", format = Password, max_length = 1024)]
    pub password: String,
}

impl ReauthenticateRequest {
    pub fn into_password(self) -> Result<SecretString, ApiError> {
        parse_password(self.password)
    }
}

/// Ask for a verification code by email.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationRequest {
    #[schema(example = "ada@example.com", max_length = 1024)]
    pub email: String,
    /// Send a new code on this flow (from registration or an earlier request)
    /// instead of starting a new one.
    pub flow_id: Option<Uuid>,
}

/// Ask for a recovery code by email.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryRequest {
    #[schema(example = "ada@example.com", max_length = 1024)]
    pub email: String,
}

/// An address to send a code to, as typed (Kratos judges whether it is an email).
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(email: String) -> Result<Self, ApiError> {
        let mut messages = Vec::new();
        let email = bounded("email", Some(email.trim().to_owned()), &mut messages);
        match email {
            Some(email) if messages.is_empty() => Ok(EmailAddress(email)),
            _ => Err(ApiError::Validation { messages, flow_id: None }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A code from an email, for the flow it was sent on.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// The flow the code was sent on.
    #[schema(value_type = String, format = Uuid)]
    pub flow_id: Uuid,
    /// The code from the email (6 digits).
    #[schema(example = "123456", min_length = 1, max_length = 64)]
    pub code: String,
}

pub struct CodeForm {
    pub flow_id: Uuid,
    pub code: String,
}

/// Codes are 6 digits; anything far longer is a paste gone wrong, not worth a
/// round trip to Kratos.
const MAX_CODE_CHARS: usize = 64;

impl TryFrom<CodeRequest> for CodeForm {
    type Error = ApiError;

    fn try_from(request: CodeRequest) -> Result<Self, ApiError> {
        Ok(CodeForm { flow_id: request.flow_id, code: parse_code(request.code)? })
    }
}

/// A one-time code as typed: white space dropped (people paste codes with spaces
/// around or inside them), empty and absurdly long ones refused on `code`.
pub fn parse_code(code: String) -> Result<String, ApiError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let message = |id, text: &str| Message { field: Some("code".into()), id, text: text.into() };
    if code.is_empty() {
        return Err(message(MESSAGE_EMPTY, "must not be empty").into());
    }
    if code.chars().count() > MAX_CODE_CHARS {
        return Err(message(MESSAGE_TOO_LONG, "is far longer than a code").into());
    }
    Ok(code)
}

pub fn parse_password(value: String) -> Result<SecretString, ApiError> {
    let mut messages = Vec::new();
    match bounded("password", Some(value), &mut messages) {
        Some(password) if messages.is_empty() => Ok(SecretString::from(password)),
        _ => Err(ApiError::Validation { messages, flow_id: None }),
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
    fn codes_lose_their_white_space_and_absurd_ones_are_refused() {
        let flow_id = Uuid::new_v4();
        let form = CodeForm::try_from(CodeRequest { flow_id, code: " 123 456\n".into() }).ok().unwrap();
        assert_eq!(form.code, "123456");
        for code in ["  ".to_owned(), "9".repeat(MAX_CODE_CHARS + 1)] {
            let Err(ApiError::Validation { messages, .. }) = CodeForm::try_from(CodeRequest { flow_id, code }) else {
                panic!("expected a validation error");
            };
            assert_eq!(messages[0].field.as_deref(), Some("code"));
        }
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
