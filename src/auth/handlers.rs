//! Registration, login, re-authentication, logout and the current session.

use actix_web::{HttpResponse, get, post, web};

use super::{
    AuthResponse, LoginForm, LoginRequest, PasswordPolicy, ReauthenticateRequest, RegistrationForm,
    RegistrationRequest, SecondFactorPending, SessionView, UserId,
};
use crate::{
    authz::{App, AppRelation, Authorizer},
    http::{ApiError, Authenticated, PasswordSlot, Problem, SessionCache},
    ory::{ClientInfo, Kratos, NewTraits, SessionError, SessionToken, SignIn},
};

/// Register with email, name and password; answers with a session.
///
/// Kratos sends a verification code to the address at once; `verification` in
/// the answer names the flow to submit it to.
#[utoipa::path(
    post, path = "/api/auth/registration", operation_id = "register", tag = "auth",
    request_body = RegistrationRequest,
    responses(
        (status = 201, description = "Registered and signed in; a verification code is on its way", body = AuthResponse),
        (status = 400, description = "Refused: a weak password (9000007 on `password`), or Kratos' messages per field, or malformed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/registration")]
pub async fn register(
    _slot: PasswordSlot,
    kratos: web::Data<Kratos>,
    authz: web::Data<Authorizer>,
    passwords: web::Data<PasswordPolicy>,
    client: ClientInfo,
    body: web::Json<RegistrationRequest>,
) -> Result<HttpResponse, ApiError> {
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
    Ok(HttpResponse::Created().json(AuthResponse::new(registered.session, registered.verification)))
}

/// Log in with identifier (email) and password; answers with a session.
#[utoipa::path(
    post, path = "/api/auth/login", operation_id = "login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = AuthResponse),
        (status = 202, description = "The password is right and the person has a second factor: complete the sign-in with `POST /api/auth/second-factor`", body = SecondFactorPending),
        (status = 400, description = "Wrong credentials (`invalid_credentials`) or malformed", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The address must be verified first (`email_not_verified`; only where Kratos requires verified addresses)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`flow_id` names no login flow", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`flow_id` names an expired flow", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/login")]
pub async fn login(
    _slot: PasswordSlot,
    kratos: web::Data<Kratos>,
    client: ClientInfo,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let form = LoginForm::try_from(body.into_inner())?;
    let sign_in = kratos.login(&form.identifier, &form.password, form.flow_id, &client).await?;
    match &sign_in {
        SignIn::Complete(session) => tracing::info!(user = %session.session.identity.id, "logged in"),
        SignIn::SecondFactorRequired { .. } => tracing::info!("password accepted; a second factor is required"),
    }
    Ok(AuthResponse::respond(sign_in))
}

/// Prove again that you know the password, for changes that need a recent
/// login (`session_refresh_required`). The session and its token stay the same.
#[utoipa::path(
    post, path = "/api/auth/reauthenticate", operation_id = "reauthenticate", tag = "auth",
    security(("bearer" = [])),
    request_body = ReauthenticateRequest,
    responses(
        (status = 200, description = "Re-authenticated; retry the change", body = AuthResponse),
        (status = 400, description = "Wrong password (`invalid_credentials`) or malformed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reauthenticate")]
pub async fn reauthenticate(
    _slot: PasswordSlot,
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    auth: Authenticated,
    client: ClientInfo,
    body: web::Json<ReauthenticateRequest>,
) -> Result<HttpResponse, ApiError> {
    let password = body.into_inner().into_password()?;
    // The identifier is the session's own: a refresh can only ever confirm the
    // person who already holds the session.
    let email = &auth.session.identity.traits.email;
    let session = kratos.reauthenticate(&auth.token, email, &password, &client).await?;
    // The same token now stands for a more recent login: confirm it afresh.
    cache.forget_token(&auth.token);
    tracing::info!(user = %auth.user, "re-authenticated");
    Ok(HttpResponse::Ok().json(AuthResponse::new(session, None)))
}

// The token is validated first: Kratos itself answers 204 for an already revoked
// token but 403 for garbage, and clients are better served by one rule (401).
/// Revoke the presented session; the same token is refused afterwards.
#[utoipa::path(
    post, path = "/api/auth/logout", operation_id = "logout", tag = "auth",
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
) -> Result<HttpResponse, ApiError> {
    match kratos.whoami(&token).await {
        // A password-only session still waiting for its second factor may end
        // itself: signing out must never need more than signing in did.
        Ok(_) | Err(SessionError::SecondFactorRequired) => {}
        Err(error) => return Err(error.into()),
    }
    kratos.logout(&token).await?;
    cache.forget_token(&token);
    Ok(HttpResponse::NoContent().finish())
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
