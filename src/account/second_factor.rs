//! Setting up a second factor: TOTP (an authenticator app) and recovery codes,
//! through Kratos' settings flow. Each change needs a recent login
//! (`session_refresh_required` otherwise), and once a person has a second
//! factor, a session that used it (the assurance policy, kratos/kratos.yml).

use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    auth::parse_code,
    http::{ApiError, Authenticated, Problem, SessionCache},
    notify::{Notice, Notifier},
    ory::{ClientInfo, Kratos},
};

/// Which second factors are set up.
#[derive(Serialize, ToSchema)]
pub struct SecondFactorStatus {
    /// An authenticator app (TOTP) is set up.
    pub totp: bool,
    /// Recovery codes are set up.
    pub recovery_codes: bool,
    /// How many of them are still unused (each signs in once); absent without
    /// recovery codes. At 0 they are still set up, and sign in nobody.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub recovery_codes_left: Option<u32>,
}

/// A TOTP secret to add to an authenticator app; it counts once confirmed.
#[derive(Serialize, ToSchema)]
pub struct TotpSetup {
    /// Confirm on this flow.
    #[schema(value_type = String, format = Uuid)]
    pub flow_id: Uuid,
    /// A QR code for the app to scan: a PNG as a `data:` URI.
    pub qr_code: String,
    /// The same secret as text (base32), to type into an app.
    pub secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirmation {
    #[schema(value_type = String, format = Uuid)]
    pub flow_id: Uuid,
    /// The current code from the app.
    #[schema(example = "123456", min_length = 1, max_length = 64)]
    pub code: String,
}

/// New recovery codes, shown this once; they count once confirmed.
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodesView {
    /// Confirm on this flow.
    #[schema(value_type = String, format = Uuid)]
    pub flow_id: Uuid,
    /// Each works once, in place of an authenticator code.
    pub codes: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryCodesConfirmation {
    #[schema(value_type = String, format = Uuid)]
    pub flow_id: Uuid,
}

/// Your second factors.
#[utoipa::path(
    get, path = "/api/account/second-factor", operation_id = "getSecondFactors", tag = "account",
    security(("bearer" = [])),
    responses((status = 200, description = "What is set up", body = SecondFactorStatus))
)]
#[get("/second-factor")]
pub async fn status(kratos: web::Data<Kratos>, auth: Authenticated) -> Result<web::Json<SecondFactorStatus>, ApiError> {
    let factors = kratos.second_factors(auth.user.0).await?;
    Ok(web::Json(SecondFactorStatus {
        totp: factors.totp,
        recovery_codes: factors.recovery_codes_left.is_some(),
        recovery_codes_left: factors.recovery_codes_left,
    }))
}

/// Start setting up an authenticator app: a secret to scan or type in.
#[utoipa::path(
    post, path = "/api/account/second-factor/totp", operation_id = "startTotp", tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Scan the QR code (or type the secret), then confirm with a code", body = TotpSetup),
        (status = 403, description = "The login is too old (`session_refresh_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An authenticator app is set up already; remove it first", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/second-factor/totp")]
pub async fn start_totp(kratos: web::Data<Kratos>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    let enrolment = kratos
        .start_totp(&auth.token)
        .await?
        .ok_or_else(|| ApiError::Conflict("An authenticator app is set up already; remove it first.".into()))?;
    Ok(HttpResponse::Created().json(TotpSetup {
        flow_id: enrolment.flow_id,
        qr_code: enrolment.qr_code,
        secret: enrolment.secret,
    }))
}

/// Confirm the authenticator app with its current code; from now on sign-ins need it.
#[utoipa::path(
    post, path = "/api/account/second-factor/totp/confirm", operation_id = "confirmTotp", tag = "account",
    security(("bearer" = [])),
    request_body = TotpConfirmation,
    responses(
        (status = 204, description = "Set up; this session now counts as having used it"),
        (status = 400, description = "A wrong code (Kratos' 4000008 on `code`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The login is too old (`session_refresh_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`flow_id` names no settings flow", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The setup has expired; start again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/second-factor/totp/confirm")]
pub async fn confirm_totp(
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    notifier: web::Data<Notifier>,
    client: ClientInfo,
    auth: Authenticated,
    body: web::Json<TotpConfirmation>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let code = parse_code(request.code)?;
    kratos.confirm_totp(&auth.token, request.flow_id, &code).await?;
    // Kratos now asks every session of this person for the second factor
    // (`highest_available`): a cached one-factor session must not skip that.
    cache.refresh_identity(auth.user.0);
    tracing::info!(user = %auth.user, "set up TOTP");
    // Someone else's authenticator on the account locks its owner out as surely
    // as a new password does.
    notifier.record(&auth.session.identity, Notice::AuthenticatorAdded, &client).await;
    Ok(HttpResponse::NoContent().finish())
}

/// Remove the authenticator app.
#[utoipa::path(
    delete, path = "/api/account/second-factor/totp", operation_id = "removeTotp", tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "The login is too old (`session_refresh_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No authenticator app is set up", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/second-factor/totp")]
pub async fn remove_totp(
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    notifier: web::Data<Notifier>,
    client: ClientInfo,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    // Kratos answers removing a TOTP that is not there with a bare 400; say what it is.
    if !kratos.second_factors(auth.user.0).await?.totp {
        return Err(ApiError::NotFound("No authenticator app is set up.".into()));
    }
    kratos.remove_totp(&auth.token).await?;
    cache.refresh_identity(auth.user.0);
    tracing::info!(user = %auth.user, "removed TOTP");
    notifier.record(&auth.session.identity, Notice::AuthenticatorRemoved, &client).await;
    Ok(HttpResponse::NoContent().finish())
}

/// Make new recovery codes (replacing the old ones once confirmed). They are shown this once.
#[utoipa::path(
    post, path = "/api/account/second-factor/recovery-codes", operation_id = "generateRecoveryCodes", tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Keep them somewhere safe, then confirm", body = RecoveryCodesView),
        (status = 403, description = "The login is too old (`session_refresh_required`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/second-factor/recovery-codes")]
pub async fn generate_recovery_codes(kratos: web::Data<Kratos>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    let codes = kratos.generate_recovery_codes(&auth.token).await?;
    Ok(HttpResponse::Created().json(RecoveryCodesView { flow_id: codes.flow_id, codes: codes.codes }))
}

/// Put the recovery codes shown on a flow in force.
#[utoipa::path(
    post, path = "/api/account/second-factor/recovery-codes/confirm", operation_id = "confirmRecoveryCodes", tag = "account",
    security(("bearer" = [])),
    request_body = RecoveryCodesConfirmation,
    responses(
        (status = 204, description = "In force; any older codes no longer work"),
        (status = 403, description = "The login is too old (`session_refresh_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`flow_id` names no settings flow", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The flow has expired; make new codes", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/second-factor/recovery-codes/confirm")]
pub async fn confirm_recovery_codes(
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    notifier: web::Data<Notifier>,
    client: ClientInfo,
    auth: Authenticated,
    body: web::Json<RecoveryCodesConfirmation>,
) -> Result<HttpResponse, ApiError> {
    kratos.confirm_recovery_codes(&auth.token, body.into_inner().flow_id).await?;
    cache.refresh_identity(auth.user.0);
    tracing::info!(user = %auth.user, "set up recovery codes");
    // Whoever holds these codes can sign in past the authenticator app.
    notifier.record(&auth.session.identity, Notice::RecoveryCodesCreated, &client).await;
    Ok(HttpResponse::NoContent().finish())
}

/// Remove the recovery codes.
#[utoipa::path(
    delete, path = "/api/account/second-factor/recovery-codes", operation_id = "removeRecoveryCodes", tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "The login is too old (`session_refresh_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No recovery codes are set up", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/second-factor/recovery-codes")]
pub async fn remove_recovery_codes(
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    notifier: web::Data<Notifier>,
    client: ClientInfo,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    if kratos.second_factors(auth.user.0).await?.recovery_codes_left.is_none() {
        return Err(ApiError::NotFound("No recovery codes are set up.".into()));
    }
    kratos.disable_recovery_codes(&auth.token).await?;
    cache.refresh_identity(auth.user.0);
    tracing::info!(user = %auth.user, "removed recovery codes");
    notifier.record(&auth.session.identity, Notice::RecoveryCodesRemoved, &client).await;
    Ok(HttpResponse::NoContent().finish())
}
