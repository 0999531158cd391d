//! Request bodies of the account endpoints and what they answer besides views.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    auth::{IdentityView, VerificationPending, parse_password},
    http::{ApiError, single_line},
};

/// A change to the profile. The email address is not changed here: it is the
/// login identifier, and changing it needs a recent login and a verification of
/// its own (`PUT /api/account/email`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    /// 1 to 100 characters (trimmed), one line.
    #[schema(example = "Ada Lovelace", min_length = 1, max_length = 100)]
    pub name: String,
}

impl ProfileUpdate {
    /// Kratos' identity schema judges the name's length (1 to 100 characters)
    /// with its own message ids; here it is trimmed, and refused if it holds
    /// control characters, which the schema does not rule out.
    pub fn into_name(self) -> Result<String, ApiError> {
        let name = self.name.trim().to_owned();
        single_line("name", &name)?;
        Ok(name)
    }
}

/// A new email address for the account: its login identifier from now on.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailChange {
    /// Trimmed; Kratos' identity schema judges whether it is an email address.
    #[schema(example = "ada@example.org", format = Email, max_length = 320)]
    pub email: String,
}

/// The address was changed; it is unverified until the code sent to it is submitted.
#[derive(Serialize, ToSchema)]
pub struct EmailChanged {
    pub identity: IdentityView,
    /// Present when a code was sent to the new address: submit it to
    /// `POST /api/auth/verification/code` with this `flow_id`. Absent when the
    /// address did not change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationPending>,
}

/// The secret of a link that undoes an email change, from its `#token=…`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailRestoreRequest {
    #[schema(example = "3f5c0e9a…", min_length = 64, max_length = 64, pattern = "^[0-9a-f]{64}$")]
    pub token: String,
}

/// The old address is the account's again.
#[derive(Serialize, ToSchema)]
pub struct EmailRestored {
    /// The account's address (its login) again, verified.
    #[schema(example = "ada@example.org")]
    pub email: String,
    /// An authenticator app was set up after the change, and was removed.
    pub authenticator_removed: bool,
    /// Recovery codes were made after the change, and were removed.
    pub recovery_codes_removed: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The new password. Kratos judges its strength (length, similarity to the email).
    #[schema(example = "correct horse battery staple", format = Password, max_length = 1024)]
    pub password: String,
    /// Sign out every other session of the account. When absent, the server's
    /// setting decides (by default: yes).
    pub sign_out_other_sessions: Option<bool>,
}

pub struct PasswordForm {
    pub password: SecretString,
    pub sign_out_other_sessions: Option<bool>,
}

impl TryFrom<PasswordChange> for PasswordForm {
    type Error = ApiError;

    fn try_from(request: PasswordChange) -> Result<Self, ApiError> {
        Ok(PasswordForm {
            password: parse_password(request.password)?,
            sign_out_other_sessions: request.sign_out_other_sessions,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct PasswordChanged {
    /// How many other sessions were signed out (0 when none were asked to be).
    pub signed_out_sessions: u64,
}

#[derive(Serialize, ToSchema)]
pub struct SessionsRevoked {
    /// How many sessions were signed out.
    pub revoked: u64,
}
