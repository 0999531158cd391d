//! Request bodies, the return-URL allow-list, and the secrets that bind a social
//! sign-in to the browser tab that started it.

use std::fmt;

use secrecy::SecretString;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    auth::parse_password,
    db::{is_hex64, random_hex},
    http::ApiError,
    ory::kratos::FlowKind,
};

/// Which Kratos flow a social sign-in starts on. Either way the person ends up
/// signed in: Kratos switches to registration for someone new and to login for
/// someone it knows; the two differ only in the words around the button.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SocialIntent {
    #[default]
    Login,
    Registration,
}

impl SocialIntent {
    pub fn flow_kind(self) -> FlowKind {
        match self {
            Self::Login => FlowKind::Login,
            Self::Registration => FlowKind::Registration,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartSocialSignIn {
    #[serde(default)]
    pub intent: SocialIntent,
    /// Where the browser comes back to after the provider: one of the server's
    /// configured return URLs (the first one when left out). The server adds `state`.
    #[schema(example = "http://127.0.0.1:8080/auth/social/return")]
    pub return_to: Option<String>,
}

/// The browser is back: what the return URL carried, and the verifier that
/// proves this client started the sign-in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteSocialSignIn {
    /// `state` from the return URL.
    pub state: String,
    /// The `verifier` the start answered with, kept by the client since then
    /// (never in a URL).
    pub verifier: String,
    /// `code` from the return URL, when there is one: the provider signed the
    /// person in.
    pub code: Option<String>,
    /// `flow` from the return URL, when there is one: an account with the same
    /// address exists, and this is the login flow that links to it.
    pub flow_id: Option<Uuid>,
}

/// Link the provider to an existing account by proving its password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkSocialAccount {
    pub state: String,
    pub verifier: String,
    /// The password of the account that already has the address.
    #[schema(format = Password)]
    pub password: String,
}

impl LinkSocialAccount {
    pub fn into_parts(self) -> Result<(State, String, SecretString), ApiError> {
        let password = parse_password(self.password)?;
        Ok((State::parse(&self.state)?, self.verifier, password))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Names one social sign-in. It travels in the return URL (so it is not a
/// secret) and keys the server's record of the sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State(String);

impl State {
    pub fn generate() -> Self {
        State(random_hex())
    }

    /// Anything that is not a state we could have made names no sign-in.
    pub fn parse(value: &str) -> Result<Self, ApiError> {
        if is_hex64(value) { Ok(State(value.to_owned())) } else { Err(ApiError::StateMismatch) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Binds a sign-in to the client that started it: handed to that client once,
/// kept by it (the SPA: in the tab's sessionStorage) and never put in a URL. A
/// return URL opened anywhere else (a link someone was sent, another tab) has
/// the state but not this, so it cannot sign anyone in. The server keeps only
/// its hash.
pub struct Verifier(SecretString);

impl Verifier {
    pub fn generate() -> (Self, VerifierHash) {
        let value = random_hex();
        let hash = VerifierHash::of(&value);
        (Verifier(SecretString::from(value)), hash)
    }

    pub fn expose(&self) -> &str {
        secrecy::ExposeSecret::expose_secret(&self.0)
    }
}

/// SHA-256 of a verifier, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierHash(String);

impl VerifierHash {
    pub fn of(verifier: &str) -> Self {
        VerifierHash(hex(&Sha256::digest(verifier.as_bytes())))
    }

    pub fn stored(hash: String) -> Self {
        VerifierHash(hash)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `verifier` hashes to this. Both sides are hashes of the same length,
    /// compared without an early exit, so the time taken says nothing about how
    /// much of a guess was right.
    pub fn matches(&self, verifier: &str) -> bool {
        let candidate = Self::of(verifier);
        let (a, b) = (self.0.as_bytes(), candidate.0.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
    }
}

/// Kratos' half of the exchange that reaches the browser: 64 letters and digits.
/// Anything else cannot be one, and is not sent on to Kratos.
pub fn parse_return_code(code: &str) -> Result<&str, ApiError> {
    if !code.is_empty() && code.len() <= 256 && code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(code)
    } else {
        Err(ApiError::StateMismatch)
    }
}

/// The URLs a social sign-in may send the browser back to (`APP_SOCIAL_RETURN_URLS`),
/// compared exactly: scheme, host, port and path. The first is the default, and
/// where the backend sends a browser whose sign-in failed before Kratos could.
/// Kratos' own `selfservice.allowed_return_urls` must allow them too; it checks
/// every return URL again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnUrls(Vec<Url>);

impl ReturnUrls {
    /// A comma-separated list of absolute http(s) URLs without query or fragment.
    pub fn parse(value: &str) -> Result<Self, String> {
        let urls = value
            .split(',')
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .map(|raw| {
                let url = Url::parse(raw).map_err(|e| format!("`{raw}` is not a URL: {e}"))?;
                if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                    return Err(format!("`{raw}` is not an http:// or https:// URL"));
                }
                if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
                    return Err(format!("`{raw}` has a query, fragment or user; list plain URLs"));
                }
                Ok(url)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if urls.is_empty() {
            return Err("list at least one URL".into());
        }
        Ok(ReturnUrls(urls))
    }

    pub fn default_url(&self) -> &Url {
        &self.0[0]
    }

    /// The listed URL `requested` names, or the default when there is none.
    pub fn choose(&self, requested: Option<&str>) -> Result<Url, ApiError> {
        let Some(requested) = requested else {
            return Ok(self.default_url().clone());
        };
        let url = Url::parse(requested).map_err(|_| ApiError::ReturnUrlNotAllowed)?;
        self.0.iter().find(|allowed| **allowed == url).cloned().ok_or(ApiError::ReturnUrlNotAllowed)
    }

    /// Whether `url` is one of ours, with any query (Kratos adds `code`, `flow`, …).
    pub fn allows(&self, url: &Url) -> bool {
        let mut bare = url.clone();
        bare.set_query(None);
        bare.set_fragment(None);
        self.0.contains(&bare)
    }

    /// `url` with `state` added to its query.
    pub fn with_state(url: &Url, state: &State) -> Url {
        let mut url = url.clone();
        url.query_pairs_mut().append_pair("state", state.as_str());
        url
    }

    /// The default return URL with `error=<code>`: the SPA shows that problem.
    pub fn with_error(&self, code: &str) -> Url {
        let mut url = self.default_url().clone();
        url.query_pairs_mut().append_pair("error", code);
        url
    }
}

impl fmt::Display for ReturnUrls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let urls: Vec<&str> = self.0.iter().map(Url::as_str).collect();
        f.write_str(&urls.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_urls_match_exactly_and_refuse_everything_else() {
        let urls = ReturnUrls::parse("https://app.example/auth/social/return, ory-spa://return").err();
        assert!(urls.is_some(), "only http(s) URLs");
        let urls = ReturnUrls::parse("https://app.example/auth/social/return,http://127.0.0.1:8080/back").unwrap();
        assert_eq!(urls.default_url().as_str(), "https://app.example/auth/social/return");
        assert_eq!(urls.choose(None).unwrap(), *urls.default_url());
        assert_eq!(urls.choose(Some("http://127.0.0.1:8080/back")).unwrap().as_str(), "http://127.0.0.1:8080/back");
        for refused in [
            "https://evil.example/auth/social/return",
            "https://app.example/auth/social/return/more",
            "https://app.example/auth/social/return?next=x",
            "http://app.example/auth/social/return",
            "https://app.example:444/auth/social/return",
            "//app.example/auth/social/return",
        ] {
            assert!(matches!(urls.choose(Some(refused)), Err(ApiError::ReturnUrlNotAllowed)), "{refused}");
        }
        let back = Url::parse("https://app.example/auth/social/return?code=abc&state=def").unwrap();
        assert!(urls.allows(&back));
        assert!(!urls.allows(&Url::parse("https://www.ory.sh/kratos/docs/fallback/error?id=1").unwrap()));
        assert!(ReturnUrls::parse(" , ").is_err());
        assert!(ReturnUrls::parse("https://app.example/back?x=1").is_err());
    }

    #[test]
    fn a_verifier_matches_only_its_own_hash_and_states_are_hex() {
        let (verifier, hash) = Verifier::generate();
        assert!(hash.matches(verifier.expose()));
        assert!(!hash.matches(&verifier.expose().replace(|c: char| c.is_ascii_digit(), "a")));
        assert!(!hash.matches(""));
        let state = State::generate();
        assert_eq!(State::parse(state.as_str()).unwrap(), state);
        assert_ne!(State::generate(), state);
        for bad in ["", "abc", &"G".repeat(64), &"a".repeat(65)] {
            assert!(matches!(State::parse(bad), Err(ApiError::StateMismatch)));
        }
        assert!(parse_return_code("HS7iliPlCnbd3aP2").is_ok());
        assert!(parse_return_code("a&b=c").is_err());
    }
}
