//! Registration, login, re-authentication, logout and the current session.

use std::time::{Duration, Instant};

use actix_web::{HttpResponse, get, http::StatusCode, post, web};

use super::{
    AuthResponse, EmailAddress, LoginForm, LoginRequest, PasswordPolicy, ReauthenticateRequest, RegistrationForm,
    RegistrationRequest, SecondFactorPending, SessionView, UserId,
};
use crate::{
    authz::{App, AppPermission, AppRelation, Authorizer},
    http::{ApiError, Authenticated, Delivery, PasswordSlot, Problem, SessionCache},
    notify::{FirstFactor, Notifier},
    ory::{ClientInfo, FlowError, Identity, Kratos, NewTraits, SessionToken, SignIn, kratos::messages},
    throttle::{Bucket, Throttle, ThrottleError},
};

/// Register with email, name and password; answers with a session.
///
/// Kratos sends a verification code to the address at once; `verification` in
/// the answer names the flow to submit it to.
#[utoipa::path(
    post, path = "/api/auth/registration", operation_id = "register", tag = "auth",
    params(Delivery),
    request_body = RegistrationRequest,
    responses(
        (status = 201, description = "Registered and signed in; a verification code is on its way", body = AuthResponse),
        (status = 429, description = "Too many registrations from this address (`rate_limited`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Refused: a weak password (9000007 on `password`), or Kratos' messages per field, or malformed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/registration")]
// Each argument is an extractor actix fills; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn register(
    _slot: PasswordSlot,
    kratos: web::Data<Kratos>,
    authz: web::Data<Authorizer>,
    passwords: web::Data<PasswordPolicy>,
    throttle: web::Data<Throttle>,
    notifier: web::Data<Notifier>,
    client: ClientInfo,
    delivery: Delivery,
    body: web::Json<RegistrationRequest>,
) -> Result<HttpResponse, ApiError> {
    throttle.hit(Bucket::RegistrationsPerAddress, &client.address()).await?;
    let form = RegistrationForm::try_from(body.into_inner())?;
    let personal: Vec<&str> = [form.email.as_deref(), form.name.as_deref()].into_iter().flatten().collect();
    passwords.check(&form.password, &personal)?;
    let traits = NewTraits { email: form.email.as_deref(), name: form.name.as_deref() };
    let registered = kratos.register(&traits, &form.password, &client).await?;
    let user = UserId(registered.session.session.identity.id);

    // Kratos has committed the identity; Keto's grant comes second because it
    // needs the id. If the grant fails, the identity is deleted again so that a
    // retry can register the same email, and nobody holds a half-made account.
    if let Err(error) = authz.grant(&App::Home, AppRelation::Viewers, user).await {
        if let Err(cleanup) = kratos.delete_identity(user.0).await {
            tracing::error!(%user, error = %cleanup, "could not delete an identity after its Keto grant failed");
        }
        return Err(error.into());
    }
    tracing::info!(%user, "registered");
    notifier.registered(&registered.session.session.identity, &client).await;
    Ok(AuthResponse::deliver(StatusCode::CREATED, registered.session, registered.verification, delivery))
}

/// Log in with identifier (email) and password; answers with a session.
#[utoipa::path(
    post, path = "/api/auth/login", operation_id = "login", tag = "auth",
    params(Delivery),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = AuthResponse),
        (status = 202, description = "The password is right and the person has a second factor: complete the sign-in with `POST /api/auth/second-factor`. Until then it is in the account's security activity, and if the second factor does not follow in time, the owner is told by mail", body = SecondFactorPending),
        (status = 400, description = "Wrong credentials (`invalid_credentials`) or malformed", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The address must be verified first (`email_not_verified`; only where Kratos requires verified addresses)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins for this account or from this address, or too many logins of this account stopped at the second factor from devices it has not signed in from (`rate_limited`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`flow_id` names no login flow", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`flow_id` names an expired flow", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/login")]
// Each argument is an extractor actix fills; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn login(
    slot: PasswordSlot,
    floor: web::Data<FailedLoginFloor>,
    kratos: web::Data<Kratos>,
    authz: web::Data<Authorizer>,
    throttle: web::Data<Throttle>,
    notifier: web::Data<Notifier>,
    client: ClientInfo,
    delivery: Delivery,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let form = LoginForm::try_from(body.into_inner())?;
    let account = form.identifier.to_lowercase();
    let attempt = Attempts::begin(&throttle, &account, &client, WRONG_PASSWORD).await?;
    let answered = kratos.login(&form.identifier, &form.password, form.flow_id, &client).await;
    // Kratos has hashed the password: what follows (the failed-login floor's
    // wait, Keto, the notices, an admin lookup) costs the gate nothing, so the
    // place goes to the next password now.
    drop(slot);
    let sign_in = match attempt.end(answered).await {
        Err(refused @ ApiError::InvalidCredentials { .. }) => {
            floor.wait_from(started).await;
            return Err(refused);
        }
        other => other?,
    };
    match &sign_in {
        SignIn::Complete(session) => {
            let user = UserId(session.session.identity.id);
            tracing::info!(%user, "logged in");
            ensure_home(&authz, user).await;
            notifier.signed_in(&session.session, &client).await;
        }
        SignIn::SecondFactorRequired { token, .. } => {
            tracing::info!("password accepted; a second factor is required");
            // Kratos withholds the identity until the second factor; the owner of
            // the address typed is who the password belongs to.
            let identity = match kratos.find_identity_by_email(&form.identifier).await {
                Ok(Some(identity)) => Some(identity),
                Ok(None) => {
                    tracing::warn!("no identity has the identifier Kratos accepted a password for");
                    None
                }
                // The login stands; only its warning is lost.
                Err(error) => {
                    tracing::warn!(%error, "could not look up whom to tell of an unfinished sign-in");
                    None
                }
            };
            limit_half_sign_ins(&throttle, &kratos, &notifier, &account, identity.as_ref(), token, &client).await?;
            if let Some(identity) = identity {
                notifier.first_factor_accepted(&identity, token, FirstFactor::Password, &client).await;
            }
        }
    }
    Ok(AuthResponse::respond(sign_in, delivery))
}

/// Prove again that you know the password, for changes that need a recent
/// login (`session_refresh_required`). The session and its token stay the same.
#[utoipa::path(
    post, path = "/api/auth/reauthenticate", operation_id = "reauthenticate", tag = "auth",
    params(Delivery),
    security(("bearer" = [])),
    request_body = ReauthenticateRequest,
    responses(
        (status = 200, description = "Re-authenticated; retry the change", body = AuthResponse),
        (status = 400, description = "Wrong password (`invalid_credentials`) or malformed", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts (`rate_limited`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reauthenticate")]
// Each argument is an extractor actix fills; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn reauthenticate(
    _slot: PasswordSlot,
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    throttle: web::Data<Throttle>,
    auth: Authenticated,
    client: ClientInfo,
    delivery: Delivery,
    body: web::Json<ReauthenticateRequest>,
) -> Result<HttpResponse, ApiError> {
    let password = body.into_inner().into_password()?;
    // The identifier is the session's own: a refresh can only ever confirm the
    // person who already holds the session.
    let email = &auth.session.identity.traits.email;
    // A stolen session must not become a way to guess the password.
    let account = email.to_lowercase();
    let attempt = Attempts::begin(&throttle, &account, &client, WRONG_PASSWORD).await?;
    let result = kratos.reauthenticate(&auth.token, email, &password, &client).await;
    let session = attempt.end(result).await.map_err(on_password_field)?;
    // The same token now stands for a more recent login: confirm it afresh.
    cache.forget_token(&auth.token);
    tracing::info!(user = %auth.user, "re-authenticated");
    Ok(AuthResponse::deliver(StatusCode::OK, session, None, delivery))
}

// The gate has validated the token (Kratos itself answers 204 for an already
// revoked token but 403 for garbage, and clients are better served by one rule,
// 401), and lets a password-only session through: signing out must never need
// more than signing in did.
/// Revoke the presented session; the same token is refused afterwards.
#[utoipa::path(
    post, path = "/api/auth/logout", operation_id = "logout", tag = "auth",
    params(Delivery),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The session is revoked"),
    )
)]
#[post("/logout")]
pub async fn logout(
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    token: SessionToken,
    delivery: Delivery,
) -> Result<HttpResponse, ApiError> {
    kratos.logout(&token).await?;
    cache.forget_token(&token);
    let mut response = HttpResponse::NoContent().finish();
    if let Delivery::Cookie(cookie) = delivery {
        cookie.clear(&mut response);
    }
    Ok(response)
}

/// The current session and its identity ("whoami").
#[utoipa::path(
    get, path = "/api/auth/session", operation_id = "getSession", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The session", body = SessionView),
    )
)]
#[get("/session")]
pub async fn current_session(auth: Authenticated) -> web::Json<SessionView> {
    web::Json(auth.session.into())
}

/// Registration writes the identity in Kratos, then the home grant in Keto; a
/// crash between the two leaves an account that could never see its home page.
/// Every complete sign-in repairs that, for the price of one Keto check. A
/// failure here does not fail the sign-in: the grant is retried next time, and
/// until then the home page itself fails closed.
pub(crate) async fn ensure_home(authz: &Authorizer, user: UserId) {
    let repaired = async {
        if !authz.check(user, &App::Home, AppPermission::View).await? {
            authz.grant(&App::Home, AppRelation::Viewers, user).await?;
            tracing::warn!(%user, "granted the home page that an interrupted registration left out");
        }
        Ok::<_, crate::db::StoreError>(())
    };
    if let Err(error) = repaired.await {
        tracing::warn!(%user, %error, "could not confirm the home page grant; retrying at the next sign-in");
    }
}

/// Kratos says "wrong identifier or password" about the whole form; when the
/// password is the only thing typed, it is about the password.
fn on_password_field(error: ApiError) -> ApiError {
    match error {
        ApiError::InvalidCredentials { mut messages, flow_id } => {
            for message in &mut messages {
                message.field.get_or_insert_with(|| "password".to_owned());
            }
            ApiError::InvalidCredentials { messages, flow_id }
        }
        other => other,
    }
}

/// The least time a refused login takes (`APP_FAILED_LOGIN_MIN_MS`), so that a
/// wrong password and an unknown account cannot be told apart by the clock.
///
/// Kratos hashes the password of an account that exists (argon2, tens to
/// hundreds of milliseconds) and, for one that does not, sleeps for a random
/// time meant to look the same (`hashers.argon2.expected_duration`). In v1.3.1
/// that sleep is drawn around zero, not around the expected duration, and cut
/// off below (x/time.go, `RandomDelay`): half the answers about unknown
/// accounts came at once, which a few tries with any email address showed.
/// Padding both to the same floor hides it as long as Kratos answers within the
/// floor; a Kratos too loaded for that shows the difference again, and the
/// throttle counts every try either way.
#[derive(Debug, Clone, Copy)]
pub struct FailedLoginFloor(pub Duration);

impl FailedLoginFloor {
    async fn wait_from(self, started: Instant) {
        tokio::time::sleep_until((started + self.0).into()).await;
    }
}

/// Counts a sign-in that stopped at the second factor against `account` (the
/// identifier, lower-cased), unless it came from a device `identity` has
/// signed in from; past the limit, ends the session Kratos made for it and
/// refuses. A right password, or a provider's sign-in, is no failure, so only
/// this limits how often someone who has it, and not the second factor, can
/// repeat the step; each leaves a password-only session in Kratos. Sparing the
/// account's devices keeps such a person from locking the owner out.
pub(crate) async fn limit_half_sign_ins(
    throttle: &Throttle,
    kratos: &Kratos,
    notifier: &Notifier,
    account: &str,
    identity: Option<&Identity>,
    token: &SessionToken,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let known = match identity {
        Some(identity) => notifier.knows_device(identity.id, client).await,
        None => false,
    };
    if known {
        return Ok(());
    }
    if let Err(refused) = throttle.hit(Bucket::HalfSignInsPerAccount, account).await {
        // Refused after Kratos made the session: end it, so that the refusal
        // leaves nothing behind.
        if let Err(error) = kratos.logout(token).await {
            tracing::warn!(%error, "could not end the session of a refused half sign-in");
        }
        return Err(match refused {
            ThrottleError::Limited { retry_after } => {
                ApiError::TooManyHalfSignIns { retry_after_secs: retry_after.as_secs().max(1) }
            }
            ThrottleError::Database(error) => error.into(),
        });
    }
    Ok(())
}

/// Counts a code about to be mailed to `email` (recovery, verification)
/// against the address, whoever asks: the per-client limits stop one client, and
/// this bounds what many can send one inbox. Counted for any address, an
/// account's or not, so the answer says nothing of which addresses have one.
pub(crate) async fn limit_code_mails(throttle: &Throttle, email: &EmailAddress) -> Result<(), ApiError> {
    match throttle.hit(Bucket::CodeMailsPerRecipient, &email.as_str().to_lowercase()).await {
        Ok(()) => Ok(()),
        Err(ThrottleError::Limited { retry_after }) => {
            Err(ApiError::TooManyCodeMails { retry_after_secs: retry_after.as_secs().max(1) })
        }
        Err(ThrottleError::Database(error)) => Err(error.into()),
    }
}

/// Counts failed sign-in attempts (a wrong password, a wrong second-factor
/// code) against the account and the client's address, and refuses to try once
/// either has had too many.
pub(crate) struct Attempts<'a> {
    throttle: &'a Throttle,
    account: &'a str,
    address: String,
    /// The Kratos message ids that mean "wrong".
    failures: &'static [u64],
}

impl<'a> Attempts<'a> {
    pub(crate) async fn begin(
        throttle: &'a Throttle,
        account: &'a str,
        client: &ClientInfo,
        failures: &'static [u64],
    ) -> Result<Self, ApiError> {
        let address = client.address();
        // Both are checked before Kratos hashes anything: a refused attempt costs
        // a database read, not a password hash.
        throttle.check(Bucket::LoginFailuresPerAccount, account).await?;
        throttle.check(Bucket::LoginFailuresPerAddress, &address).await?;
        Ok(Attempts { throttle, account, address, failures })
    }

    /// Passes `result` on, counting it if it was a failure, and clearing the
    /// account's count if it succeeded.
    pub(crate) async fn end<T>(self, result: Result<T, FlowError>) -> Result<T, ApiError> {
        match &result {
            Err(error) if error.refused_with(self.failures) => {
                self.throttle.record(Bucket::LoginFailuresPerAccount, self.account).await?;
                self.throttle.record(Bucket::LoginFailuresPerAddress, &self.address).await?;
            }
            Ok(_) => self.throttle.reset(Bucket::LoginFailuresPerAccount, self.account).await?,
            Err(_) => {}
        }
        Ok(result?)
    }
}

/// A wrong identifier or password.
pub(crate) const WRONG_PASSWORD: &[u64] = &[messages::INVALID_CREDENTIALS];
