//! Email verification by code: ask for a code, submit it.
//!
//! Registration starts a verification itself (its answer names the flow); these
//! endpoints send a new code and confirm one. Neither needs a session, because
//! where Kratos requires verified addresses an unverified person cannot log in.

use actix_web::{HttpResponse, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{CodeForm, CodeRequest, EmailAddress, VerificationRequest, handlers::limit_code_mails};
use crate::{
    http::{ApiError, Problem, SessionCache},
    ory::{ClientInfo, Kratos, SessionToken},
    throttle::{Bucket, Throttle},
};

/// A code is on its way.
#[derive(Serialize, ToSchema)]
pub struct CodeSent {
    /// Submit the code to this flow.
    #[schema(value_type = String, format = Uuid)]
    pub flow_id: Uuid,
}

/// Send a verification code to an address.
///
/// The answer is the same whether or not an account has the address, so it
/// tells nobody which addresses are registered; only an account's address gets a mail.
#[utoipa::path(
    post, path = "/api/auth/verification", operation_id = "sendVerificationCode", tag = "auth",
    request_body = VerificationRequest,
    responses(
        (status = 202, description = "If an account has this address, a code is on its way", body = CodeSent),
        (status = 404, description = "`flow_id` names no verification flow", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The flow named by `flow_id` is already completed (`flow_completed`)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The flow named by `flow_id` has expired (`flow_expired`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this client address, or too many codes asked for this email address (`rate_limited`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/verification")]
pub async fn send_code(
    kratos: web::Data<Kratos>,
    throttle: web::Data<Throttle>,
    client: ClientInfo,
    body: web::Json<VerificationRequest>,
) -> Result<HttpResponse, ApiError> {
    // Each request mails someone: without a limit this is a way to flood a mailbox.
    throttle.hit(Bucket::VerificationPerAddress, &client.address()).await?;
    let request = body.into_inner();
    let email = EmailAddress::parse(request.email)?;
    limit_code_mails(&throttle, &email).await?;
    let flow_id = kratos.send_verification_code(email.as_str(), request.flow_id).await?;
    Ok(HttpResponse::Accepted().json(CodeSent { flow_id }))
}

/// Confirm an address with the code from the email.
#[utoipa::path(
    post, path = "/api/auth/verification/code", operation_id = "verifyEmail", tag = "auth",
    request_body = CodeRequest,
    responses(
        (status = 204, description = "The address is verified"),
        (status = 400, description = "Wrong code, or a code of another flow (`validation_failed`, Kratos' message 4070006 on `code`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`flow_id` names no verification flow", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code was used already (`flow_completed`)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The flow has expired (`flow_expired`); ask for a new code", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address (`rate_limited`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/verification/code")]
pub async fn submit_code(
    kratos: web::Data<Kratos>,
    throttle: web::Data<Throttle>,
    cache: web::Data<SessionCache>,
    client: ClientInfo,
    // Not required: a code is enough. A signed-in client (the SPA) sends its
    // session along, and that session must show the address verified at once.
    token: Option<SessionToken>,
    body: web::Json<CodeRequest>,
) -> Result<HttpResponse, ApiError> {
    throttle.hit(Bucket::VerificationPerAddress, &client.address()).await?;
    let form = CodeForm::try_from(body.into_inner())?;
    kratos.verify_address(form.flow_id, &form.code).await?;
    if let Some(token) = token {
        cache.refresh_holder(&token);
    }
    Ok(HttpResponse::NoContent().finish())
}
