//! The second step of a sign-in, and stepping an existing session up: a TOTP
//! code or a recovery code raises a password-only (aal1) session to aal2.

use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{AuthResponse, SecondFactorMethod, parse_code};
use crate::{
    http::{ApiError, Problem, SessionCache},
    ory::{ClientInfo, Kratos, SessionToken},
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorRequest {
    pub method: SecondFactorMethod,
    /// The 6-digit code from the authenticator app, or one recovery code.
    #[schema(example = "123456")]
    pub code: String,
    /// The flow from the login's `second_factor.flow_id`. Without it a new one is
    /// started, which is how an existing password-only session steps up.
    pub flow_id: Option<Uuid>,
}

/// Complete a sign-in with a second factor, or step up a password-only session.
///
/// Send the session token from the login (or the session that was refused with
/// `second_factor_required`). The session, and its token, become `aal2`.
#[utoipa::path(
    post, path = "/api/auth/second-factor", operation_id = "completeSecondFactor", tag = "auth",
    security(("bearer" = [])),
    request_body = SecondFactorRequest,
    responses(
        (status = 200, description = "Signed in with both factors", body = AuthResponse),
        (status = 400, description = "A wrong code (Kratos' 4000008 for TOTP, 4000016 for an unknown recovery code, 4000012 for a used one, on `code`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`flow_id` names no login flow", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The login flow has expired; start without `flow_id`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/second-factor")]
pub async fn complete(
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    token: SessionToken,
    client: ClientInfo,
    body: web::Json<SecondFactorRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let code = parse_code(request.code)?;
    let session = kratos.complete_second_factor(&token, request.flow_id, request.method.into(), &code, &client).await?;
    // The same token may now stand for a two-factor session: confirm it afresh.
    cache.forget_token(&token);
    tracing::info!(user = %session.session.identity.id, method = ?request.method, "completed a second factor");
    Ok(HttpResponse::Ok().json(AuthResponse::new(session, None)))
}
