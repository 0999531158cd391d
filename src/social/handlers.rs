//! The social sign-in endpoints and the provider's redirect back.

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use url::Url;
use utoipa::ToSchema;

use super::{
    domain::{
        CompleteSocialSignIn, LinkSocialAccount, ReturnUrls, StartSocialSignIn, State, Verifier, parse_return_code,
    },
    store::{self, NewSignIn},
};
use crate::{
    auth::{
        AuthResponse, SecondFactorPending, UserId,
        handlers::{Attempts, WRONG_PASSWORD, limit_half_sign_ins},
    },
    authz::{App, AppPermission, AppRelation, Authorizer},
    config::SocialSettings,
    http::{ApiError, Delivery, PasswordSlot, Problem, ProblemCode},
    notify::{FirstFactor, Notice, Notifier, ProviderName},
    ory::{ClientInfo, FlowError, Kratos, NativeSession, SignIn, SocialCallback, SocialSetback},
    throttle::Throttle,
};

/// A provider to offer as "Sign in with <label>".
#[derive(Serialize, ToSchema)]
pub struct SocialProviderView {
    /// Start a sign-in with `POST /api/auth/social/providers/{id}`.
    #[schema(example = "hydra")]
    pub id: String,
    #[schema(example = "Local provider")]
    pub label: String,
}

/// A started social sign-in.
#[derive(Serialize, ToSchema)]
pub struct SocialSignInStarted {
    /// Send the browser here: the provider's sign-in page.
    pub redirect_to: String,
    /// Names this sign-in; the return URL carries it back.
    pub state: String,
    /// Keep it where only this client can read it (the SPA: the tab's
    /// sessionStorage), never in a URL, and send it with the return: it proves
    /// that the client that comes back is the one that started.
    pub verifier: String,
    /// The browser must be back by then.
    pub expires_at: DateTime<Utc>,
}

/// The sign-in providers Kratos offers.
#[utoipa::path(
    get, path = "/api/auth/social/providers", operation_id = "listSocialProviders", tag = "auth",
    responses((status = 200, description = "The providers, in Kratos' order (none when social sign-in is off); read from Kratos once a minute", body = [SocialProviderView]))
)]
#[get("/providers")]
pub async fn providers(kratos: web::Data<Kratos>) -> Result<web::Json<Vec<SocialProviderView>>, ApiError> {
    let providers = kratos.social_providers().await?;
    Ok(web::Json(providers.into_iter().map(|p| SocialProviderView { id: p.id, label: p.label }).collect()))
}

/// Start a social sign-in (or registration) with a provider.
///
/// Send the browser to `redirect_to`. It comes back to the return URL with
/// `state` and, when the provider signed the person in, `code`; then call
/// `POST /api/auth/social/complete` with them and the `verifier` from here.
#[utoipa::path(
    post, path = "/api/auth/social/providers/{provider}", operation_id = "startSocialSignIn", tag = "auth",
    params(("provider" = String, Path, description = "A provider's `id`", example = "hydra")),
    request_body = StartSocialSignIn,
    responses(
        (status = 201, description = "Started: send the browser to `redirect_to`", body = SocialSignInStarted),
        (status = 400, description = "`return_to` is not on the allow-list (`return_url_not_allowed`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider (`unknown_provider`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Kratos or the provider is unavailable (`service_unavailable`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/providers/{provider}")]
pub async fn start(
    kratos: web::Data<Kratos>,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<SocialSettings>,
    client: ClientInfo,
    provider: web::Path<String>,
    body: web::Json<StartSocialSignIn>,
) -> Result<HttpResponse, ApiError> {
    let provider = provider.into_inner();
    let request = body.into_inner();
    let return_url = settings.return_urls.choose(request.return_to.as_deref())?;
    let state = State::generate();
    let (verifier, verifier_hash) = Verifier::generate();
    let return_to = ReturnUrls::with_state(&return_url, &state);
    let started = kratos.start_social_sign_in(request.intent.flow_kind(), &provider, &return_to, &client).await?;
    // Written after Kratos answered: if this fails, the flow just expires unused.
    store::insert(
        &db,
        NewSignIn {
            state: &state,
            verifier_hash: &verifier_hash,
            provider: &provider,
            flow_id: started.flow_id,
            exchange_code: &started.exchange_code,
            expires_at: started.expires_at,
        },
    )
    .await?;
    tracing::info!(provider, flow = %started.flow_id, "social sign-in started");
    Ok(HttpResponse::Created().json(SocialSignInStarted {
        redirect_to: started.redirect_to.into(),
        state: state.as_str().to_owned(),
        verifier: verifier.expose().to_owned(),
        expires_at: started.expires_at,
    }))
}

/// Finish a social sign-in when the browser is back.
///
/// With `code`: answers with a session, exactly like `POST /api/auth/login`
/// (200, or 202 when the person has a second factor). Without: says why the
/// provider's side did not sign the person in.
#[utoipa::path(
    post, path = "/api/auth/social/complete", operation_id = "completeSocialSignIn", tag = "auth",
    params(Delivery),
    request_body = CompleteSocialSignIn,
    responses(
        (status = 200, description = "Signed in", body = AuthResponse),
        (status = 202, description = "Signed in with the provider; the person has a second factor: complete the sign-in with `POST /api/auth/second-factor`", body = SecondFactorPending),
        (status = 400, description = "Not a return of a sign-in this client started, or completed already (`state_mismatch`); or the provider or Kratos refused (`social_sign_in_failed`, with Kratos' messages)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The person cancelled at the provider (`social_sign_in_cancelled`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An account already has this email address (`account_exists`, with Kratos' message): sign in to it with `POST /api/auth/social/link` to add the provider", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The sign-in took too long (`exchange_code_expired`); start again", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many sign-ins of this account stopped at the second factor from devices it has not signed in from (`rate_limited`), counted with the password's; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/complete")]
// Each argument is an extractor actix fills; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn complete(
    kratos: web::Data<Kratos>,
    authz: web::Data<Authorizer>,
    db: web::Data<DatabaseConnection>,
    notifier: web::Data<Notifier>,
    throttle: web::Data<Throttle>,
    client: ClientInfo,
    delivery: Delivery,
    body: web::Json<CompleteSocialSignIn>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let state = State::parse(&request.state)?;
    let record = store::find(&db, &state, &request.verifier).await?.ok_or(ApiError::StateMismatch)?;
    if record.expires_at <= Utc::now() {
        store::take(&db, &state).await?;
        return Err(ApiError::ExchangeCodeExpired);
    }

    if let Some(code) = request.code.as_deref() {
        let code = parse_return_code(code)?;
        // Single use: only the request that takes the record exchanges its code,
        // because Kratos v1.3.1 would exchange the same pair again.
        if !store::take(&db, &state).await? {
            return Err(ApiError::StateMismatch);
        }
        let sign_in = kratos.exchange_social_code(&record.exchange_code, code).await?.ok_or(ApiError::StateMismatch)?;
        match &sign_in {
            SignIn::Complete(session) => {
                grant_home(&kratos, &authz, session).await?;
                tracing::info!(user = %session.session.identity.id, provider = record.provider, "signed in with a provider");
                // A new account's first sign-in is its first device: no notice.
                notifier.signed_in(&session.session, &client).await;
            }
            SignIn::SecondFactorRequired { token, identity, .. } => {
                tracing::info!(provider = record.provider, "signed in with a provider; a second factor is required");
                // Whoever controls the provider's account got this far: the owner
                // hears of it unless the second factor follows.
                if let Some(identity) = identity {
                    let account = identity.traits.email.to_lowercase();
                    limit_half_sign_ins(&throttle, &kratos, &notifier, &account, Some(identity), token, &client)
                        .await?;
                }
                match identity {
                    Some(identity) => {
                        let label = kratos.provider_label(&record.provider).await;
                        let by = FirstFactor::Provider(ProviderName { id: &record.provider, label: &label });
                        notifier.first_factor_accepted(identity, token, by, &client).await;
                    }
                    None => tracing::warn!("Kratos' exchange did not say whom a social sign-in signed in"),
                }
            }
        }
        return Ok(AuthResponse::respond(sign_in, delivery));
    }

    // No code: Kratos sent the browser back after a setback, and its flow says
    // which. `flow` in the return URL names the flow Kratos moved the sign-in to;
    // whichever flow it is, its return URL must carry this sign-in's state, so a
    // flow from someone else's sign-in is refused.
    let flow_id = request.flow_id.unwrap_or(record.flow_id);
    let (return_to, setback) = match kratos.social_setback(flow_id).await {
        Ok(found) => found,
        Err(FlowError::Expired) => return Err(ApiError::ExchangeCodeExpired),
        Err(FlowError::NotFound) => return Err(ApiError::StateMismatch),
        Err(error) => return Err(error.into()),
    };
    if !return_to.as_ref().is_some_and(|url| carries_state(url, &state)) {
        return Err(ApiError::StateMismatch);
    }
    match setback {
        SocialSetback::Cancelled => {
            store::take(&db, &state).await?;
            Err(ApiError::SocialSignInCancelled)
        }
        SocialSetback::AccountExists { flow_id, expires_at, message } => {
            store::link_on(&db, &state, flow_id, expires_at.unwrap_or(record.expires_at)).await?;
            Err(ApiError::AccountExists { messages: vec![message.into()], flow_id })
        }
        SocialSetback::Failed(messages) => {
            store::take(&db, &state).await?;
            Err(ApiError::SocialSignInFailed { messages: messages.into_iter().map(Into::into).collect() })
        }
    }
}

/// Add the provider to the existing account with the same email address, by
/// signing in to that account with its password.
///
/// After `POST /api/auth/social/complete` answered `account_exists`. The account
/// is the one Kratos found; signing in to it links the provider, so that the next
/// social sign-in lands in it directly.
#[utoipa::path(
    post, path = "/api/auth/social/link", operation_id = "linkSocialAccount", tag = "auth",
    params(Delivery),
    request_body = LinkSocialAccount,
    responses(
        (status = 200, description = "Signed in, and the provider is linked", body = AuthResponse),
        (status = 202, description = "The password is right and the person has a second factor: complete the sign-in with `POST /api/auth/second-factor`; the provider is linked", body = SecondFactorPending),
        (status = 400, description = "Wrong password (`invalid_credentials`; try again), or not a sign-in this client started (`state_mismatch`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "This sign-in has no account to link (`conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The sign-in took too long (`exchange_code_expired`); start again", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins for this account or from this address, or too many of its sign-ins stopped at the second factor from devices it has not signed in from, counted with the login's (`rate_limited`; the provider is linked all the same); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/link")]
// Each argument is an extractor actix fills; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn link(
    // A password Kratos must hash, like a login's: it waits for a slot or is shed.
    slot: PasswordSlot,
    kratos: web::Data<Kratos>,
    db: web::Data<DatabaseConnection>,
    throttle: web::Data<Throttle>,
    notifier: web::Data<Notifier>,
    client: ClientInfo,
    delivery: Delivery,
    body: web::Json<LinkSocialAccount>,
) -> Result<HttpResponse, ApiError> {
    let (state, verifier, password) = body.into_inner().into_parts()?;
    let record = store::find(&db, &state, &verifier).await?.ok_or(ApiError::StateMismatch)?;
    if !record.linking {
        return Err(ApiError::Conflict("This sign-in has no account to link.".into()));
    }
    if record.expires_at <= Utc::now() {
        store::take(&db, &state).await?;
        return Err(ApiError::ExchangeCodeExpired);
    }
    let identifier = match kratos.social_link_identifier(record.flow_id).await {
        Err(FlowError::Expired) => return Err(ApiError::ExchangeCodeExpired),
        other => other?,
    };
    // A password guessed here is a password guessed at login: the same limits
    // count it. A wrong one leaves the record, so the person can try again.
    let account = identifier.to_lowercase();
    let attempt = Attempts::begin(&throttle, &account, &client, WRONG_PASSWORD).await?;
    let answered = kratos.link_social_account(record.flow_id, &identifier, &password, &client).await;
    // Kratos has hashed the password: the gate's place goes to the next one.
    drop(slot);
    let sign_in = match answered {
        Err(FlowError::Expired) => return Err(ApiError::ExchangeCodeExpired),
        other => attempt.end(other).await?,
    };
    store::take(&db, &state).await?;
    // The right password links the provider even when a second factor is still
    // asked for: the owner hears of the link either way.
    let label = kratos.provider_label(&record.provider).await;
    let linked = Notice::ProviderLinked { provider: ProviderName { id: &record.provider, label: &label } };
    match &sign_in {
        SignIn::Complete(session) => {
            tracing::info!(user = %session.session.identity.id, provider = record.provider, "linked a provider");
            notifier.record(&session.session.identity, linked, &client).await;
            notifier.signed_in(&session.session, &client).await;
        }
        SignIn::SecondFactorRequired { token, .. } => {
            tracing::info!(provider = record.provider, "linked a provider; a second factor is required");
            // Kratos withholds the identity until the second factor, as at login.
            let identity = match kratos.find_identity_by_email(&identifier).await {
                Ok(identity) => identity,
                Err(error) => {
                    tracing::warn!(%error, "could not look up whom to tell of a linked provider");
                    None
                }
            };
            match &identity {
                Some(identity) => notifier.record(identity, linked, &client).await,
                None => tracing::warn!("no identity has the identifier a provider was linked to"),
            }
            // A password that stops at the second factor here is one that stopped
            // at login: it counts with the login's. The link stands either way
            // (Kratos made it with the right password); only the session goes.
            limit_half_sign_ins(&throttle, &kratos, &notifier, &account, identity.as_ref(), token, &client).await?;
            if let Some(identity) = identity {
                notifier.first_factor_accepted(&identity, token, FirstFactor::Password, &client).await;
            }
        }
    }
    Ok(AuthResponse::respond(sign_in, delivery))
}

/// The provider sends the browser here (the redirect URI registered with it).
/// The request goes on to Kratos, which finishes the sign-in, and the browser to
/// where Kratos says: one of our return URLs. Whatever else happens, the browser
/// lands on the default return URL with `error=<problem code>`, so it is never
/// left on a bare error page halfway through.
#[get("/self-service/methods/oidc/callback/{provider}")]
pub async fn callback(
    req: HttpRequest,
    kratos: web::Data<Kratos>,
    settings: web::Data<SocialSettings>,
    client: ClientInfo,
    provider: web::Path<String>,
) -> HttpResponse {
    let urls = &settings.return_urls;
    let answer = kratos.relay_social_callback(&provider, req.query_string(), &client, |url| urls.allows(url)).await;
    let location = match answer {
        Ok(SocialCallback::Redirect(url)) => url,
        Ok(SocialCallback::StateMismatch) => {
            tracing::info!(provider = %provider, "a provider's redirect that belongs to no sign-in");
            urls.with_error(ProblemCode::StateMismatch.as_str())
        }
        Ok(SocialCallback::Expired) => urls.with_error(ProblemCode::ExchangeCodeExpired.as_str()),
        Ok(SocialCallback::Failed) => urls.with_error(ProblemCode::SocialSignInFailed.as_str()),
        // Fail closed: no session, and the SPA says what a 503 would.
        Err(error) => {
            tracing::error!(%error, "could not relay a provider's redirect to Kratos");
            urls.with_error(ProblemCode::ServiceUnavailable.as_str())
        }
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

fn carries_state(url: &Url, state: &State) -> bool {
    url.query_pairs().any(|(key, value)| key == "state" && value == state.as_str())
}

/// Every signed-in person may view the home page (`App:home#viewers`), granted at
/// registration. A social sign-in may have just registered the person, so it
/// checks and grants (one Keto read for everyone else). Unlike a password login's
/// repair (`auth::handlers::ensure_home`), a failure fails the sign-in: for a new
/// account this is the registration's own grant, and a password registration
/// fails closed too. The new session is ended again (the client never holds a
/// session that every page would refuse) and the identity kept: it may be an
/// account of long standing, and the next sign-in grants again.
async fn grant_home(kratos: &Kratos, authz: &Authorizer, native: &NativeSession) -> Result<(), ApiError> {
    let user = UserId(native.session.identity.id);
    let granted = async {
        if !authz.check(user, &App::Home, AppPermission::View).await? {
            authz.grant(&App::Home, AppRelation::Viewers, user).await?;
        }
        Ok::<_, crate::db::StoreError>(())
    };
    if let Err(error) = granted.await {
        if let Err(logout) = kratos.logout(&native.token).await {
            tracing::error!(%user, error = %logout, "could not end a session after its Keto grant failed");
        }
        return Err(error.into());
    }
    Ok(())
}
