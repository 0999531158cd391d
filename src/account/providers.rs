//! The sign-in providers linked to the account (social sign-in): which they are,
//! and removing one. Linking happens by signing in with the provider
//! (`social`); a provider someone else linked, or one the person no longer
//! trusts, goes here. Removing needs a recent login, and a password left to
//! sign in with: Kratos refuses to remove the last way in. It also signs out
//! the other sessions that provider signed in: a provider worth removing may
//! be in someone else's hands, and so may its sessions.

use actix_web::{HttpResponse, delete, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::handlers::sign_out_others;
use crate::{
    auth::UserId,
    http::{ApiError, Authenticated, Problem, SessionCache},
    notify::{Notice, Notifier, ProviderName},
    ory::{ClientInfo, EveryOtherSession, Kratos},
};

/// A provider that signs in to this account.
#[derive(Serialize, ToSchema)]
pub struct LinkedProviderView {
    /// Kratos' id for it: remove it with `DELETE /api/account/providers/{id}`.
    #[schema(example = "hydra")]
    pub id: String,
    /// What people call it; its id when it is no longer configured.
    #[schema(example = "Local provider")]
    pub label: String,
}

/// The sign-in providers linked to your account.
#[derive(Serialize, ToSchema)]
pub struct LinkedProvidersView {
    pub providers: Vec<LinkedProviderView>,
    /// Whether the account has a password. Without one, a provider is the only
    /// way in, and cannot be removed until a password is set.
    pub password: bool,
}

/// A provider removed.
#[derive(Serialize, ToSchema)]
pub struct ProviderRemoved {
    /// How many other sessions it had signed in, now signed out. This one stays.
    pub signed_out_sessions: u64,
}

/// The sign-in providers linked to your account.
#[utoipa::path(
    get, path = "/api/account/providers", operation_id = "getLinkedProviders", tag = "account",
    security(("bearer" = [])),
    responses((status = 200, description = "The providers, and whether the account has a password", body = LinkedProvidersView))
)]
#[get("/providers")]
pub async fn list(kratos: web::Data<Kratos>, auth: Authenticated) -> Result<web::Json<LinkedProvidersView>, ApiError> {
    Ok(web::Json(linked(&kratos, auth.user).await?))
}

/// The providers linked to `user`'s account, by label (also for the export).
pub(crate) async fn linked(kratos: &Kratos, user: UserId) -> Result<LinkedProvidersView, ApiError> {
    let linked = kratos.linked_providers(user.0).await?;
    // Labels live in Kratos' configuration, which only a flow shows; an account
    // without providers needs none.
    let configured = if linked.providers.is_empty() { Vec::new() } else { kratos.social_providers().await? };
    let providers = linked
        .providers
        .into_iter()
        .map(|id| {
            let label = configured.iter().find(|p| p.id == id).map_or_else(|| id.clone(), |p| p.label.clone());
            LinkedProviderView { id, label }
        })
        .collect();
    Ok(LinkedProvidersView { providers, password: linked.password })
}

/// Remove a sign-in provider from your account: it no longer signs in to it,
/// and the other sessions it signed in are signed out.
#[utoipa::path(
    delete, path = "/api/account/providers/{provider}", operation_id = "removeLinkedProvider", tag = "account",
    security(("bearer" = [])),
    params(("provider" = String, Path, description = "The provider's id", max_length = 64, pattern = "^[A-Za-z0-9_-]+$")),
    responses(
        (status = 200, description = "Removed, and its other sessions signed out", body = ProviderRemoved),
        (status = 403, description = "The login is too old (`session_refresh_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider is linked to the account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account has no password: the provider is its only way in (`conflict`); set a password first", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/providers/{provider}")]
pub async fn remove(
    kratos: web::Data<Kratos>,
    cache: web::Data<SessionCache>,
    notifier: web::Data<Notifier>,
    client: ClientInfo,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let provider = path.into_inner();
    let linked = kratos.linked_providers(auth.user.0).await?;
    // Checked here, because Kratos answers both with one generic validation
    // error; an id that is not linked is also every id that is not an id.
    if !linked.providers.contains(&provider) {
        return Err(ApiError::NotFound("No such sign-in provider is linked to your account.".into()));
    }
    if !linked.password {
        return Err(ApiError::Conflict(
            "This provider is the only way to sign in to your account. Set a password first.".into(),
        ));
    }
    kratos.unlink_provider(&auth.token, &provider).await?;
    let label = kratos.provider_label(&provider).await;
    let removed = Notice::ProviderRemoved { provider: ProviderName { id: &provider, label: &label } };
    notifier.record(&auth.session.identity, removed, &client).await;
    // After the unlink, so that no new session of the provider's can start
    // behind the sweep. A failure here answers 503 with the provider already
    // removed (and told): asking again is a 404, and "sign out everywhere
    // else" is left.
    let signed_out = sign_out_sessions_of(&kratos, &cache, &auth, &provider).await?;
    tracing::info!(user = %auth.user, provider, signed_out, "removed a sign-in provider");
    Ok(HttpResponse::Ok().json(ProviderRemoved { signed_out_sessions: signed_out }))
}

/// Signs out the caller's other sessions that `provider` signed in, and says
/// how many. Every page counts: someone holding the provider could otherwise
/// sign in a few hundred times and keep the oldest sessions. Kratos pages by
/// offset, so a session that ends during the walk can shift one past it; a
/// walk that revoked something is followed by another, until one finds none.
/// Past what a walk reads, every other session goes: fail closed.
async fn sign_out_sessions_of(
    kratos: &Kratos,
    cache: &SessionCache,
    auth: &Authenticated,
    provider: &str,
) -> Result<u64, ApiError> {
    let mut signed_out = 0;
    // No new session of the provider's can start, so the second walk finds
    // none unless one shifted; the bound is for a Kratos that misbehaves.
    for _ in 0..3 {
        let others = match kratos.every_other_session(&auth.token).await? {
            EveryOtherSession::All(others) => others,
            EveryOtherSession::TooMany(_) => return Ok(signed_out + sign_out_others(kratos, cache, auth).await?),
        };
        let theirs: Vec<_> = others.into_iter().filter(|s| s.providers.iter().any(|p| p == provider)).collect();
        if theirs.is_empty() {
            break;
        }
        for session in theirs {
            kratos.revoke_session(&auth.token, session.id).await?;
            cache.revoke_session(session.id);
            signed_out += 1;
        }
    }
    Ok(signed_out)
}
