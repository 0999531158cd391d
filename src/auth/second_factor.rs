//! The second step of a sign-in, and stepping an existing session up: a TOTP
//! code or a recovery code raises a password-only (aal1) session to aal2.

use actix_web::{HttpResponse, http::StatusCode, post, web};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    AuthResponse, SecondFactorMethod, UserId,
    handlers::{Attempts, ensure_home},
    parse_code,
    used_codes::{self, Claim},
};
use crate::{
    authz::Authorizer,
    http::{ApiError, Delivery, Message, Problem, SessionCache, message_id},
    notify::Notifier,
    ory::{ClientInfo, Kratos, SessionToken, kratos::messages},
    throttle::Throttle,
};

/// A wrong TOTP code, or a recovery code that is unknown or used.
const WRONG_CODE: &[u64] = &[messages::TOTP_INVALID, messages::LOOKUP_SECRET_INVALID, messages::LOOKUP_SECRET_USED];

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorRequest {
    pub method: SecondFactorMethod,
    /// The 6-digit code from the authenticator app, or one recovery code.
    #[schema(example = "123456", min_length = 1, max_length = 64)]
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
    params(Delivery),
    security(("bearer" = [])),
    request_body = SecondFactorRequest,
    responses(
        (status = 200, description = "Signed in with both factors", body = AuthResponse),
        (status = 400, description = "A wrong code (Kratos' 4000008 for TOTP, 4000016 for an unknown recovery code, 4000012 for a used one, on `code`), or a TOTP code that has signed this person in already (9000009 on `code`: the session presented is ended; log in again)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`flow_id` names no login flow", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The login flow has expired; start without `flow_id`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong codes for this session or from this address (`rate_limited`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/second-factor")]
// Each argument is an extractor actix fills; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn complete(
    kratos: web::Data<Kratos>,
    authz: web::Data<Authorizer>,
    cache: web::Data<SessionCache>,
    throttle: web::Data<Throttle>,
    db: web::Data<DatabaseConnection>,
    notifier: web::Data<Notifier>,
    token: SessionToken,
    client: ClientInfo,
    delivery: Delivery,
    body: web::Json<SecondFactorRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let code = parse_code(request.code)?;
    // Six digits are guessable without a limit. The account is unknown until the
    // code is right (Kratos withholds it), so the session stands in for it; the
    // key is hashed before it is stored, like every rate-limit key.
    let account = format!("session:{}", token.expose());
    let attempt = Attempts::begin(&throttle, &account, &client, WRONG_CODE).await?;
    let result = kratos.complete_second_factor(&token, request.flow_id, request.method.into(), &code, &client).await;
    let session = attempt.end(result).await?;
    // The same token may now stand for a two-factor session: confirm it afresh.
    cache.forget_token(&token);
    let user = UserId(session.session.identity.id);
    if request.method == SecondFactorMethod::Totp {
        first_use(&kratos, &cache, &db, &token, user, &code).await?;
    }
    // After `first_use`: a code replayed by someone else ends their session
    // above, and leaves the owner's warning of it in place.
    notifier.second_factor_given(&token).await;
    tracing::info!(%user, method = ?request.method, "completed a second factor");
    ensure_home(&authz, user).await;
    // A step-up of a session signed in from here before finds a known device.
    notifier.signed_in(&session.session, &client).await;
    Ok(AuthResponse::deliver(StatusCode::OK, session, None, delivery))
}

/// Kratos has accepted a TOTP code and raised the session behind `token`; keeps
/// that only if nobody signed in with the same code before (`used_codes`).
/// Otherwise, and when the database cannot say, the session is ended: failing
/// closed, as a second factor must.
async fn first_use(
    kratos: &Kratos,
    cache: &SessionCache,
    db: &DatabaseConnection,
    token: &SessionToken,
    user: UserId,
    code: &str,
) -> Result<(), ApiError> {
    let refusal = match used_codes::claim(db, user, code).await {
        Ok(Claim::First) => return Ok(()),
        Ok(Claim::Again) => {
            tracing::warn!(%user, "a TOTP code was sent again after it had signed in; ending that session");
            ApiError::from(Message {
                field: Some("code".into()),
                id: message_id::CODE_ALREADY_USED,
                text: "This code has been used already, so this login was ended to keep your account safe. Log in \
                       again and enter the next code your app shows."
                    .into(),
            })
        }
        Err(error) => error.into(),
    };
    if let Err(error) = kratos.logout(token).await {
        // The session keeps its second factor. The client has only our refusal,
        // but it holds the token; say so loudly for whoever reads the log.
        tracing::error!(%user, %error, "could not end a session whose TOTP code was refused");
        return Err(error.into());
    }
    // A request with the same token may have been confirmed, as raised, in the
    // moment before the revocation; the tombstone refuses that answer too.
    cache.forget_token(token);
    Err(refusal)
}
