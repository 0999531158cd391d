//! Account recovery ("forgot password") by code: ask for a code, submit it and
//! be signed in, then set a new password (`PUT /api/account/password`).

use actix_web::{HttpResponse, post, web};

use super::{
    AuthResponse, CodeForm, CodeRequest, EmailAddress, RecoveryRequest, SecondFactorPending, UserId,
    handlers::ensure_home, verification::CodeSent,
};
use crate::{
    authz::Authorizer,
    http::{ApiError, Delivery, Problem},
    notify::Notifier,
    ory::{ClientInfo, Kratos, SignIn},
    throttle::{Bucket, Throttle},
};

/// Send a recovery code to an address.
///
/// The answer is the same whether or not an account has the address; only an
/// account's address gets a mail.
#[utoipa::path(
    post, path = "/api/auth/recovery", operation_id = "sendRecoveryCode", tag = "auth",
    request_body = RecoveryRequest,
    responses(
        (status = 202, description = "If an account has this address, a code is on its way", body = CodeSent),
        (status = 429, description = "Too many requests from this address (`rate_limited`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/recovery")]
pub async fn send_code(
    kratos: web::Data<Kratos>,
    throttle: web::Data<Throttle>,
    client: ClientInfo,
    body: web::Json<RecoveryRequest>,
) -> Result<HttpResponse, ApiError> {
    throttle.hit(Bucket::RecoveryPerAddress, &client.address()).await?;
    let email = EmailAddress::parse(body.into_inner().email)?;
    let flow_id = kratos.send_recovery_code(email.as_str()).await?;
    Ok(HttpResponse::Accepted().json(CodeSent { flow_id }))
}

/// Submit a recovery code: signs you in, with a session recent enough to set a
/// new password right away (`PUT /api/account/password`).
#[utoipa::path(
    post, path = "/api/auth/recovery/code", operation_id = "recover", tag = "auth",
    params(Delivery),
    request_body = CodeRequest,
    responses(
        (status = 200, description = "Signed in; now set a new password", body = AuthResponse),
        (status = 202, description = "The code was right, and the person has a second factor: complete the sign-in with `POST /api/auth/second-factor` first", body = SecondFactorPending),
        (status = 400, description = "Wrong code, or a code of another flow (`validation_failed`, Kratos' message 4060006 on `code`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`flow_id` names no recovery flow", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code was used already (`flow_completed`); ask for a new one", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The flow has expired (`flow_expired`); ask for a new code", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address (`rate_limited`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/recovery/code")]
pub async fn submit_code(
    kratos: web::Data<Kratos>,
    authz: web::Data<Authorizer>,
    throttle: web::Data<Throttle>,
    notifier: web::Data<Notifier>,
    client: ClientInfo,
    delivery: Delivery,
    body: web::Json<CodeRequest>,
) -> Result<HttpResponse, ApiError> {
    throttle.hit(Bucket::RecoveryPerAddress, &client.address()).await?;
    let form = CodeForm::try_from(body.into_inner())?;
    let sign_in = kratos.recover(form.flow_id, &form.code, &client).await?;
    if let SignIn::Complete(session) = &sign_in {
        let user = UserId(session.session.identity.id);
        tracing::info!(%user, "recovered an account");
        ensure_home(&authz, user).await;
        notifier.signed_in(&session.session, &client).await;
    }
    Ok(AuthResponse::respond(sign_in, delivery))
}
