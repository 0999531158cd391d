//! Account recovery ("forgot password") by code: ask for a code, submit it and
//! be signed in, then set a new password (`PUT /api/account/password`).

use actix_web::{HttpResponse, post, web};
use uuid::Uuid;

use super::{
    AuthResponse, CodeForm, CodeRequest, EmailAddress, RecoveryRequest, SecondFactorPending, UserId,
    handlers::{ensure_home, limit_code_mails},
    verification::CodeSent,
};
use crate::{
    authz::Authorizer,
    http::{ApiError, Delivery, Problem},
    notify::{FirstFactor, Notifier},
    ory::{ClientInfo, Identity, Kratos, SignIn},
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
        (status = 429, description = "Too many requests from this client address, or too many codes asked for this email address (`rate_limited`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
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
    limit_code_mails(&throttle, &email).await?;
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
        (status = 202, description = "The code was right, and the person has a second factor: complete the sign-in with `POST /api/auth/second-factor` first. Until then it is in the account's security activity, and if the second factor does not follow in time, the owner is told by mail", body = SecondFactorPending),
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
    match &sign_in {
        SignIn::Complete(session) => {
            let user = UserId(session.session.identity.id);
            tracing::info!(%user, "recovered an account");
            ensure_home(&authz, user).await;
            notifier.signed_in(&session.session, &client).await;
        }
        SignIn::SecondFactorRequired { token, .. } => {
            tracing::info!("recovery code accepted; a second factor is required");
            // Whoever holds the code can read the owner's mail: if the second factor
            // does not follow, the owner must hear of it as of a password that did.
            // The recovery is done either way; only the warning can be lost.
            match recovered_identity(&kratos, form.flow_id).await {
                Ok(Some(identity)) => {
                    notifier.first_factor_accepted(&identity, token, FirstFactor::RecoveryCode, &client).await;
                }
                Ok(None) => tracing::warn!("no identity has the address a recovery flow sent its code to"),
                Err(error) => tracing::warn!(%error, "could not look up whom to tell of an unfinished recovery"),
            }
        }
    }
    Ok(AuthResponse::respond(sign_in, delivery))
}

/// Whom a recovery flow's code signed in: the account with the address the code
/// was sent to (Kratos names the identity only once the second factor is in).
async fn recovered_identity(kratos: &Kratos, flow: Uuid) -> Result<Option<Identity>, ApiError> {
    let Some(address) = kratos.recovery_address(flow).await? else { return Ok(None) };
    Ok(kratos.find_identity_by_email(&address).await?)
}
