use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{LoginForm, LoginRequest, RegistrationForm, RegistrationRequest, UserId};
use crate::{
    authz::{App, AppRelation, Authorizer},
    http::{ApiError, Authenticated, Problem},
    ory::{Kratos, NativeSession, NewTraits, Session},
};

/// A session token and the session it stands for.
#[derive(Serialize, ToSchema)]
pub struct AuthResponse {
    /// Send it as `Authorization: Bearer <session_token>`. Keep it out of URLs and logs.
    pub session_token: String,
    pub session: SessionView,
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    pub expires_at: Option<DateTime<Utc>>,
    pub authenticated_at: Option<DateTime<Utc>>,
    /// `aal1` after a password; `aal2` after a second factor.
    pub assurance_level: Option<String>,
    pub identity: IdentityView,
}

#[derive(Serialize, ToSchema)]
pub struct IdentityView {
    pub id: UserId,
    pub email: String,
    pub name: String,
}

impl From<Session> for SessionView {
    fn from(session: Session) -> Self {
        SessionView {
            id: session.id,
            expires_at: session.expires_at,
            authenticated_at: session.authenticated_at,
            assurance_level: session.assurance_level,
            identity: IdentityView {
                id: UserId(session.identity.id),
                email: session.identity.traits.email,
                name: session.identity.traits.name,
            },
        }
    }
}

impl From<NativeSession> for AuthResponse {
    fn from(native: NativeSession) -> Self {
        AuthResponse { session_token: native.token.expose().to_owned(), session: native.session.into() }
    }
}

/// Register with email, name and password; answers with a session.
#[utoipa::path(
    post, path = "/api/auth/registration", operation_id = "register", tag = "auth",
    request_body = RegistrationRequest,
    responses(
        (status = 201, description = "Registered and signed in", body = AuthResponse),
        (status = 400, description = "Refused by Kratos or malformed; Kratos' messages per field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/registration")]
pub async fn register(
    kratos: web::Data<Kratos>,
    authz: web::Data<Authorizer>,
    body: web::Json<RegistrationRequest>,
) -> Result<HttpResponse, ApiError> {
    let form = RegistrationForm::try_from(body.into_inner())?;
    let traits = NewTraits { email: form.email.as_deref(), name: form.name.as_deref() };
    let registered = kratos.register(&traits, &form.password).await?;
    let user = UserId(registered.session.identity.id);

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
    Ok(HttpResponse::Created().json(AuthResponse::from(registered)))
}

/// Log in with identifier (email) and password; answers with a session.
#[utoipa::path(
    post, path = "/api/auth/login", operation_id = "login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = AuthResponse),
        (status = 400, description = "Wrong credentials (`invalid_credentials`) or malformed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`flow_id` names no login flow", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`flow_id` names an expired flow", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/login")]
pub async fn login(kratos: web::Data<Kratos>, body: web::Json<LoginRequest>) -> Result<HttpResponse, ApiError> {
    let form = LoginForm::try_from(body.into_inner())?;
    let session = kratos.login(&form.identifier, &form.password, form.flow_id).await?;
    tracing::info!(user = %session.session.identity.id, "logged in");
    Ok(HttpResponse::Ok().json(AuthResponse::from(session)))
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
pub async fn logout(kratos: web::Data<Kratos>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    kratos.logout(&auth.token).await?;
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
