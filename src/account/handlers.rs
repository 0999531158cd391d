use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{
    AccountPolicy, EmailChange, EmailChanged, EmailRestoreRequest, EmailRestored, PasswordChange, PasswordChanged,
    ProfileUpdate, SessionsRevoked, deletion, domain::PasswordForm, email_restore,
};
use crate::{
    auth::{EmailAddress, IdentityView, PasswordPolicy, SessionListItem, VerificationPending},
    authz::Authorizer,
    http::{ApiError, Authenticated, Delivery, PasswordSlot, Problem, SessionCache},
    notify::{
        Notice, NoticeKind, Notifier,
        activity::{self as security_activity, ActivityEvent},
    },
    ory::{ClientInfo, EveryOtherSession, Kratos, SessionSummary, Traits, kratos::messages::IDENTIFIER_TAKEN},
    throttle::{Bucket, Throttle},
};

/// Delete your account.
///
/// The account is gone when this answers: its password, second factors and
/// linked sign-in providers, and every session (this one too; in cookie mode the
/// cookie is cleared). The groups and documents you own are deleted with
/// everything shared through them, and you are taken out of other people's
/// groups and shares: at once as a rule, within a couple of minutes if Keto was
/// unavailable. The address can then register a new, empty account.
///
/// Needs a recent login, as a password change does: past it the answer is 403
/// `session_refresh_required`; re-authenticate (`POST /api/auth/reauthenticate`,
/// or sign in again) and send the same request again.
#[utoipa::path(
    delete, path = "/api/account", operation_id = "deleteAccount", tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted; every session of the account has ended"),
        (status = 403, description = "The login is too old for this (`session_refresh_required`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("")]
#[allow(clippy::too_many_arguments)]
pub async fn delete_account(
    db: web::Data<DatabaseConnection>,
    authz: web::Data<Authorizer>,
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    policy: web::Data<AccountPolicy>,
    notifier: web::Data<Notifier>,
    client: ClientInfo,
    auth: Authenticated,
    delivery: Delivery,
) -> Result<HttpResponse, ApiError> {
    // Someone at an unlocked screen must not be able to erase a person: the
    // login must be as recent as Kratos asks for a password change.
    let recent = auth.session.summary.authenticated_at.is_some_and(|at| {
        let age = chrono::Utc::now().signed_duration_since(at);
        age.to_std().map_or(true, |age| age <= policy.deletion_max_login_age)
    });
    if !recent {
        return Err(ApiError::RefreshRequired);
    }
    deletion::delete_identity(&db, &kratos, auth.user).await?;
    // Every session of the identity is confirmed with Kratos again on this
    // replica, which no longer knows it; the others' caches expire within their
    // time, and the reconciler's second purge removes what they let through.
    cache.refresh_identity(auth.user.0);
    cache.forget_token(&auth.token);
    tracing::info!(user = %auth.user, "deleted the account");
    notifier.record(&auth.session.identity, Notice::AccountDeleted, &client).await;
    // The purge outlives the request: a person with thousands of documents should
    // not hold a connection open while each goes, and the reconciler finishes it
    // if this replica dies first.
    let (db, authz, user) = (db.into_inner(), authz.into_inner(), auth.user);
    actix_web::rt::spawn(async move {
        match deletion::purge(&db, &authz, user).await {
            Ok(()) => tracing::info!(%user, "removed the deleted account's documents, groups and grants"),
            Err(error) => {
                tracing::warn!(%error, %user, "could not finish purging a deleted account; the reconciler will")
            }
        }
    });
    let mut response = HttpResponse::NoContent().finish();
    if let Delivery::Cookie(cookie) = delivery {
        cookie.clear(&mut response);
    }
    Ok(response)
}

/// The security notices this server mails.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SecurityNotices {
    /// Whether the server sends them at all (it has an SMTP server to send through).
    pub enabled: bool,
    /// What is mailed to your address when it happens (to the old address, for a
    /// new one); empty when `enabled` is false.
    pub events: Vec<NoticeKind>,
}

/// The security notices you get by email.
///
/// A notice says what happened to your account, when, and from which device, so
/// that you hear of a change you did not make: a sign-in from a browser or
/// network your account has not used before, a new password or address, a
/// second factor added or removed, new recovery codes made or the old ones
/// removed, the account deleted, the right password entered by someone who then
/// did not give the second factor.
#[utoipa::path(
    get, path = "/api/account/notices", operation_id = "getSecurityNotices", tag = "account",
    security(("bearer" = [])),
    responses((status = 200, description = "What is mailed", body = SecurityNotices))
)]
#[get("/notices")]
pub async fn notices(_auth: Authenticated, notifier: web::Data<Notifier>) -> web::Json<SecurityNotices> {
    web::Json(SecurityNotices { enabled: notifier.is_on(), events: notifier.kinds() })
}

/// Your account's security activity.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SecurityActivity {
    /// Newest first: the latest 100 sign-ins from known devices, and the latest
    /// 100 other events.
    pub events: Vec<ActivityEvent>,
}

/// Your account's security activity.
///
/// What happened to your account, when and from which device: the registration,
/// every sign-in (marked when it came from a browser or network the account had
/// not used before), and each change to its password, address or second factors.
/// Kept whether or not the server mails notices: the latest 100 sign-ins from
/// known devices, and apart from them the latest 100 other events, so that
/// signing in again and again cannot push a change out of the list.
#[utoipa::path(
    get, path = "/api/account/activity", operation_id = "getSecurityActivity", tag = "account",
    security(("bearer" = [])),
    responses((status = 200, description = "Newest first", body = SecurityActivity))
)]
#[get("/activity")]
pub async fn activity(
    db: web::Data<DatabaseConnection>,
    auth: Authenticated,
) -> Result<web::Json<SecurityActivity>, ApiError> {
    Ok(web::Json(SecurityActivity { events: security_activity::of(&db, auth.user.0).await? }))
}

/// Your profile.
#[utoipa::path(
    get, path = "/api/account/profile", operation_id = "getProfile", tag = "account",
    security(("bearer" = [])),
    responses((status = 200, description = "The profile", body = IdentityView))
)]
#[get("/profile")]
pub async fn profile(auth: Authenticated) -> web::Json<IdentityView> {
    web::Json(auth.session.identity.into())
}

/// Change your name.
#[utoipa::path(
    patch, path = "/api/account/profile", operation_id = "updateProfile", tag = "account",
    security(("bearer" = [])),
    request_body = ProfileUpdate,
    responses(
        (status = 200, description = "The profile as saved", body = IdentityView),
        (status = 400, description = "Refused by Kratos (for example an empty name, 4000003 on `name`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/profile")]
pub async fn update_profile(
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    auth: Authenticated,
    body: web::Json<ProfileUpdate>,
) -> Result<web::Json<IdentityView>, ApiError> {
    let name = body.into_inner().into_name()?;
    // Kratos' profile method replaces all traits: send the email unchanged.
    let traits = Traits { email: auth.session.identity.traits.email.clone(), name };
    let identity = kratos.update_traits(&auth.token, &traits).await?;
    // Cached sessions carry the identity: the old name must not outlive the change.
    cache.refresh_identity(auth.user.0);
    Ok(web::Json(identity.into()))
}

/// Change your email address.
///
/// The new address is the login identifier at once, and unverified: Kratos mails
/// it a code, to submit to `POST /api/auth/verification/code` with the
/// `verification.flow_id` of the answer. The old address is told of the change
/// (when the server mails notices), with a link that undoes it for seven days
/// (`POST /api/account/email/restore`).
///
/// Needs a recent login, as a password change does (403
/// `session_refresh_required`; re-authenticate and send it again). An address
/// another account has is refused (400, Kratos' 4000007 on `email`).
#[utoipa::path(
    put, path = "/api/account/email", operation_id = "changeEmail", tag = "account",
    security(("bearer" = [])),
    request_body = EmailChange,
    responses(
        (status = 200, description = "Changed; a code was sent to the new address", body = EmailChanged),
        (status = 400, description = "Not an email address, or one another account has (Kratos' messages on `email`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The login is too old for this change (`session_refresh_required`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/email")]
pub async fn change_email(
    links: web::Data<email_restore::UndoLinks>,
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    notifier: web::Data<Notifier>,
    client: ClientInfo,
    auth: Authenticated,
    body: web::Json<EmailChange>,
) -> Result<web::Json<EmailChanged>, ApiError> {
    let email = EmailAddress::parse(body.into_inner().email)?;
    // Kratos' profile method replaces all traits: send the name unchanged.
    let traits = Traits { email: email.into_string(), name: auth.session.identity.traits.name.clone() };
    let changed = kratos.change_email(&auth.token, &traits).await.map_err(|error| {
        let mut error = ApiError::from(error);
        // Under the field the person typed, where a client shows field errors.
        if let ApiError::Validation { messages, .. } = &mut error {
            for message in messages.iter_mut().filter(|m| m.field.is_none() && m.id == IDENTIFIER_TAKEN) {
                message.field = Some("email".into());
            }
        }
        error
    })?;
    // Cached sessions carry the identity and its addresses.
    cache.refresh_identity(auth.user.0);
    tracing::info!(user = %auth.user, "changed the email address");
    // To the old address, which no longer signs in: if this was not its owner,
    // it is the one place they can still hear of it.
    let (old, new) = (&auth.session.identity.traits.email, &changed.identity.traits.email);
    if new != old {
        // The link is only worth making when the notice carrying it is mailed.
        let undo = match notifier.is_on() {
            true => links.make(auth.user.0, old, new).await,
            false => None,
        };
        let notice = Notice::EmailChanged { new, undo: undo.as_deref() };
        notifier.record(&auth.session.identity, notice, &client).await;
    }
    Ok(web::Json(EmailChanged {
        identity: changed.identity.into(),
        verification: changed.verification.map(|v| VerificationPending { flow_id: v.flow_id, email: v.address }),
    }))
}

/// Undo a change of your email address, with the link mailed to the old one.
///
/// No session: the person asking may have lost every way in. The link's
/// `#token=…` (64 hex digits) proves they read the old address within seven
/// days of the change. The old address becomes the account's login again,
/// verified; every session of the account is signed out; an authenticator app
/// or recovery codes set up after the change are removed (they are likely the
/// other person's). Every undo link of the account stops working. Then set a
/// new password with the recovery flow, which now mails the old address.
///
/// Counted with the recovery requests from the same address
/// (`APP_LIMIT_RECOVERY_PER_ADDRESS`).
#[utoipa::path(
    post, path = "/api/account/email/restore", operation_id = "restoreEmail", tag = "account",
    request_body = EmailRestoreRequest,
    responses(
        (status = 200, description = "The old address is back; every session is signed out", body = EmailRestored),
        (status = 400, description = "The link is not valid (`restore_link_invalid`): used, more than seven days old, ended by another undo, or cut short", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another account uses the old address now (`conflict`); the link still works", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/email/restore")]
pub async fn restore_email(
    db: web::Data<DatabaseConnection>,
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    throttle: web::Data<Throttle>,
    notifier: web::Data<Notifier>,
    client: ClientInfo,
    body: web::Json<EmailRestoreRequest>,
) -> Result<web::Json<EmailRestored>, ApiError> {
    throttle.hit(Bucket::RecoveryPerAddress, &client.address()).await?;
    let token = email_restore::RestoreToken::parse(&body.token).ok_or(ApiError::RestoreLinkInvalid)?;
    let restored = email_restore::restore(&db, &kratos, &token).await?;
    // Kratos revoked the sessions; this replica stops trusting its cached ones
    // now, the others within their cache's time.
    cache.refresh_identity(restored.identity);
    tracing::info!(user = %restored.identity, "undid an email change");
    notifier.restored(restored.identity, &client).await;
    Ok(web::Json(EmailRestored {
        email: restored.email,
        authenticator_removed: restored.removed.authenticator,
        recovery_codes_removed: restored.removed.recovery_codes,
    }))
}

/// Change your password.
///
/// Needs a recent login: past Kratos' privileged-session age the answer is 403
/// `session_refresh_required`; re-authenticate (`POST /api/auth/reauthenticate`)
/// and send the same request again. After a recovery code the session is recent.
#[utoipa::path(
    put, path = "/api/account/password", operation_id = "changePassword", tag = "account",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed; the old password no longer works", body = PasswordChanged),
        (status = 400, description = "Too weak (9000007 on `password`, with the reason), or refused by Kratos (too short, too similar to the email, …) with its messages on `password`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The login is too old for this change (`session_refresh_required`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/password")]
#[allow(clippy::too_many_arguments)]
pub async fn change_password(
    _slot: PasswordSlot,
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    policy: web::Data<AccountPolicy>,
    passwords: web::Data<PasswordPolicy>,
    notifier: web::Data<Notifier>,
    client: ClientInfo,
    auth: Authenticated,
    body: web::Json<PasswordChange>,
) -> Result<web::Json<PasswordChanged>, ApiError> {
    let form = PasswordForm::try_from(body.into_inner())?;
    let traits = &auth.session.identity.traits;
    passwords.check(&form.password, &[&traits.email, &traits.name])?;
    kratos.change_password(&auth.token, &form.password).await?;
    tracing::info!(user = %auth.user, "changed the password");
    notifier.record(&auth.session.identity, Notice::PasswordChanged, &client).await;
    // After Kratos has saved the password. If signing out fails, the client gets
    // 503 and sends the same request again, which sets the same password and
    // signs out then: a retry converges, and nothing is left half-done unseen.
    let signed_out_sessions = if form.sign_out_other_sessions.unwrap_or(policy.password_change_signs_out_others) {
        sign_out_others(&kratos, &cache, &auth).await?
    } else {
        0
    };
    Ok(web::Json(PasswordChanged { signed_out_sessions }))
}

/// Your active sessions, the current one first, then the others by their
/// latest sign-in (up to 10,000; signing out every other one reaches them all).
#[utoipa::path(
    get, path = "/api/account/sessions", operation_id = "listSessions", tag = "account",
    security(("bearer" = [])),
    responses((status = 200, description = "The sessions", body = Vec<SessionListItem>))
)]
#[get("/sessions")]
pub async fn sessions(
    kratos: web::Data<Kratos>,
    auth: Authenticated,
) -> Result<web::Json<Vec<SessionListItem>>, ApiError> {
    // Every page of Kratos' list: a session left off here could not be told
    // apart from one that is gone.
    let sessions = async { kratos.every_other_session(&auth.token).await.map_err(ApiError::from) };
    let factors = async { kratos.second_factors(auth.user.0).await.map_err(ApiError::from) };
    let (others, factors) = tokio::try_join!(sessions, factors)?;
    let (EveryOtherSession::All(others) | EveryOtherSession::TooMany(others)) = others;
    let second_factor = factors.any();
    let current = SessionListItem::new(auth.session.summary, true, second_factor);
    let others = others.into_iter().map(|s| SessionListItem::new(s, false, second_factor));
    Ok(web::Json(std::iter::once(current).chain(others).collect()))
}

/// Sign out one session. Its token is refused from the next request on.
/// Signing out the current session is a logout.
#[utoipa::path(
    delete, path = "/api/account/sessions/{id}", operation_id = "revokeSession", tag = "account",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The session's id")),
    responses(
        (status = 204, description = "Signed out"),
        (status = 404, description = "None of your active sessions has this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/sessions/{id}")]
pub async fn revoke_session(
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    auth: Authenticated,
    delivery: Delivery,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut response = HttpResponse::NoContent().finish();
    if id == auth.session.id() {
        // Kratos refuses to revoke the current session by id; logout does it.
        kratos.logout(&auth.token).await?;
        cache.forget_token(&auth.token);
        if let Delivery::Cookie(cookie) = delivery {
            cookie.clear(&mut response);
        }
    } else {
        // Kratos answers 204 for any id, its own or not (and revokes only its
        // own); listing first lets a wrong id be a 404 the client can act on.
        // Past what a walk reads, the revocation is asked for anyway: Kratos
        // still revokes only the holder's own.
        if let EveryOtherSession::All(others) = kratos.every_other_session(&auth.token).await?
            && !others.iter().any(|s: &SessionSummary| s.id == id)
        {
            return Err(ApiError::NotFound("None of your active sessions has this id.".into()));
        }
        kratos.revoke_session(&auth.token, id).await?;
        cache.revoke_session(id);
    }
    tracing::info!(user = %auth.user, session = %id, "signed out a session");
    Ok(response)
}

/// Sign out every other session; this one stays.
#[utoipa::path(
    delete, path = "/api/account/sessions", operation_id = "revokeOtherSessions", tag = "account",
    security(("bearer" = [])),
    responses((status = 200, description = "The other sessions are signed out", body = SessionsRevoked))
)]
#[delete("/sessions")]
pub async fn revoke_other_sessions(
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    auth: Authenticated,
) -> Result<web::Json<SessionsRevoked>, ApiError> {
    let revoked = sign_out_others(&kratos, &cache, &auth).await?;
    tracing::info!(user = %auth.user, revoked, "signed out the other sessions");
    Ok(web::Json(SessionsRevoked { revoked }))
}

/// Revokes every other session and says how many were active. Kratos' own count
/// includes sessions that had already ended, which is not what a person means by
/// "signed out 3 other sessions".
pub(super) async fn sign_out_others(
    kratos: &Kratos,
    cache: &SessionCache,
    auth: &Authenticated,
) -> Result<u64, ApiError> {
    let active = kratos.count_other_sessions(&auth.token).await?;
    kratos.revoke_other_sessions(&auth.token).await?;
    // Evicted on this replica at once; the others' caches expire within their time.
    cache.revoke_others(auth.user.0, auth.session.id());
    Ok(active)
}
