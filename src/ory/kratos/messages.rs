//! Kratos' message ids that this crate branches on, in one place (as Kratos keeps
//! them in its `text/id.go`). Kratos' ids are stable; clients may branch on them
//! too, since they reach the API's problem documents unchanged.
//!
//! The first digit is the level (1 info, 4 error), the next two the flow or
//! area (00 any, 05 settings, 06 recovery, 07/08 verification).

/// Wrong identifier or password. Kratos uses the same id for an unknown
/// identifier, so an account's existence is not revealed.
pub const INVALID_CREDENTIALS: u64 = 4_000_006;
/// "An account with the same identifier (email, …) exists already": Kratos
/// reports it on the form, not on the field that holds the identifier.
pub const IDENTIFIER_TAKEN: u64 = 4_000_007;
/// Login refused by the `require_verified_address` hook: the address is not verified.
pub const ADDRESS_NOT_VERIFIED: u64 = 4_000_010;
/// A TOTP code that does not match.
pub const TOTP_INVALID: u64 = 4_000_008;
/// A recovery code (lookup secret) that was used before.
pub const LOOKUP_SECRET_USED: u64 = 4_000_012;
/// A recovery code (lookup secret) that does not exist.
pub const LOOKUP_SECRET_INVALID: u64 = 4_000_016;
/// A recovery code by email that is wrong, for another flow, or used.
pub const RECOVERY_CODE_INVALID: u64 = 4_060_006;
/// A verification code by email that is wrong, for another flow, or used.
pub const VERIFICATION_CODE_INVALID: u64 = 4_070_006;

/// A social sign-in found an account with the same address: sign in to it (on the
/// login flow that carries this message) and Kratos adds the provider to it.
pub const ACCOUNT_EXISTS_LINK: u64 = 1_010_016;
/// Kratos' generic validation error, which also carries an OpenID Connect
/// provider's refusal (see [`is_provider_access_denied`]).
pub const GENERIC_ERROR: u64 = 4_000_001;

/// Settings saved.
/// A recovery code was sent (also said when no account has the address).
pub const RECOVERY_CODE_SENT: u64 = 1_060_003;
/// The address is verified.
pub const VERIFIED: u64 = 1_080_002;
/// A verification code was sent (also said when no account has the address).
pub const VERIFICATION_CODE_SENT: u64 = 1_080_003;

/// Whether `message` reports that the provider answered `access_denied` (RFC 6749
/// §4.1.2.1: the person declined, at the provider's login or consent). Kratos has
/// no id of its own for it: it is the generic error, with the provider's error
/// code quoted in the text ("… the OpenID Provider returned error "access_denied":
/// …", selfservice/strategy/oidc/strategy.go in v1.3.1).
pub fn is_provider_access_denied(message: &UiMessage) -> bool {
    message.id == GENERIC_ERROR && message.text.contains("returned error \"access_denied\"")
}

/// How Kratos classes a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Error,
}

/// A message Kratos attached to a flow, on a field or on the whole form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiMessage {
    /// Kratos' node name with the `traits.` prefix removed (`email`, `name`,
    /// `password`, `identifier`, `code`), so it names the field of our request body.
    pub field: Option<String>,
    pub id: u64,
    pub text: String,
    pub level: Level,
}

impl UiMessage {
    pub(super) fn from_wire(field: Option<&str>, message: super::wire::Message) -> Self {
        let level = match message.kind.as_str() {
            "error" => Level::Error,
            "success" => Level::Success,
            _ => Level::Info,
        };
        let field = field.map(request_field).or_else(|| field_of(message.id));
        UiMessage { field: field.map(str::to_owned), id: message.id, text: message.text, level }
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

/// Kratos' node name as the field of our request bodies: traits lose their
/// prefix, and every one-time code is `code`.
fn request_field(node: &str) -> &str {
    match node {
        "totp_code" | "lookup_secret" => "code",
        name => name.strip_prefix("traits.").unwrap_or(name),
    }
}

/// Kratos puts some messages on the whole form although they concern one field
/// of our request bodies; they are moved there so clients show them in place.
fn field_of(id: u64) -> Option<&'static str> {
    match id {
        RECOVERY_CODE_INVALID
        | VERIFICATION_CODE_INVALID
        | TOTP_INVALID
        | LOOKUP_SECRET_USED
        | LOOKUP_SECRET_INVALID => Some("code"),
        _ => None,
    }
}
