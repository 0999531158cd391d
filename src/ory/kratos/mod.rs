//! Our client for Ory Kratos: native ("API") self-service flows, sessions, and
//! the admin calls we need.
//!
//! Native flows are the ones for clients without cookies: no CSRF token, and the
//! result is a session token instead of a cookie. Each of our endpoints runs a
//! whole flow in one request, so the SPA never talks to Kratos. Where to look:
//!
//! - `flows`: what every flow has in common (`Flow`, `Outcome`, `ContinueWith`)
//!   and the one place where Kratos' answers to flows are classified;
//! - `self_service`: one method per thing the API does with a flow (register,
//!   log in, re-authenticate, change settings, verify, recover);
//! - `second_factor`: TOTP and recovery codes, set up and used;
//! - `social`: social sign-in (OpenID Connect): start, callback, code exchange;
//! - `sessions`: tokens, whoami, logout, listing and revoking sessions;
//! - `identities`: traits and the admin API (server-side only);
//! - `messages`: Kratos' message ids we branch on;
//! - `wire`: Kratos' JSON, private to this module.

mod flows;
mod identities;
pub mod messages;
mod second_factor;
mod self_service;
mod sessions;
mod social;
mod wire;

use reqwest::{Method, RequestBuilder, Response};
use url::Url;

pub use flows::{Caller, ContinueWith, Flow, FlowKind, FlowNode, FlowOptions, FlowState, NodeValue, Outcome};
pub use identities::{EmailRestore, Identity, NewTraits, SecondFactors, SecondFactorsSince, Traits};
pub use messages::{Level, UiMessage};
pub use second_factor::{RecoveryCodes, SecondFactor, SecondFactorChallenge, TotpEnrolment};
pub use self_service::{EmailChanged, PendingVerification, Registered, SignIn};
pub use sessions::{
    AssuranceLevel, ClientInfo, Device, EveryOtherSession, NativeSession, Session, SessionSummary, SessionToken,
};
pub use social::{
    ExchangeCode, LinkedProviders, SocialCallback, SocialError, SocialProvider, SocialSetback, SocialStart,
};

use super::{KRATOS, OryError};

#[derive(Clone)]
pub struct Kratos {
    http: reqwest::Client,
    public: Url,
    admin: Url,
    /// Shared by the clones of every worker.
    providers: social::ProviderList,
}

impl Kratos {
    pub fn new(http: reqwest::Client, public: Url, admin: Url) -> Self {
        Kratos { http, public, admin, providers: social::ProviderList::default() }
    }

    /// The same service through another HTTP client (one per server worker:
    /// `startup::server` says why).
    pub fn with_http(&self, http: reqwest::Client) -> Self {
        Kratos { http, ..self.clone() }
    }

    /// Readiness of Kratos' public API.
    pub async fn ready(&self) -> Result<(), OryError> {
        let response = KRATOS.send(self.public(Method::GET, "health/ready"), "readiness").await?;
        KRATOS.expect(&response, reqwest::StatusCode::OK, "readiness")
    }

    fn public_url(&self, path: &str) -> Url {
        self.public.join(path).expect("paths are static or end in a UUID")
    }

    fn admin_url(&self, path: &str) -> Url {
        self.admin.join(path).expect("paths are static or end in a UUID")
    }

    fn request(&self, method: Method, url: Url) -> RequestBuilder {
        self.http.request(method, url).header(reqwest::header::ACCEPT, "application/json")
    }

    fn public(&self, method: Method, path: &str) -> RequestBuilder {
        self.request(method, self.public_url(path))
    }
}

/// The `error.id` of an error envelope, if the body is one.
async fn error_id(response: Response) -> Option<String> {
    let body = response.bytes().await.ok()?;
    serde_json::from_slice::<wire::ErrorEnvelope>(&body).ok()?.error.id
}
