//! Your data in one JSON document (the right to data portability): the profile,
//! sessions, second factors and linked sign-in providers Kratos holds, and the documents and groups you
//! can reach here, the bodies of those you own with them.

use actix_web::{
    HttpResponse, get,
    http::header::{ContentDisposition, DispositionParam, DispositionType},
    web,
};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    email_restore,
    providers::{self, LinkedProvidersView},
    second_factor::SecondFactorStatus,
};
use crate::{
    auth::{IdentityView, SessionListItem},
    authz::Authorizer,
    documents,
    groups::{self, GroupSummary},
    http::{ApiError, Authenticated, Problem},
    notify::{
        activity::{self, ActivityEvent},
        devices::{self, KnownDevice},
    },
    ory::{EveryOtherSession, Kratos},
    throttle::{Bucket, Throttle},
};

#[derive(Serialize, ToSchema)]
pub struct AccountExport {
    pub exported_at: DateTime<Utc>,
    pub profile: IdentityView,
    /// Your active sessions, this one first.
    pub sessions: Vec<SessionListItem>,
    pub second_factors: SecondFactorStatus,
    /// The sign-in providers linked to your account, and whether it has a password.
    pub sign_in_providers: LinkedProvidersView,
    /// Every document you can view, newest first.
    pub documents: Vec<ExportedDocument>,
    /// The groups you own or belong to.
    pub groups: Vec<GroupSummary>,
    /// The devices and networks you have signed in from, as remembered to tell
    /// you of a sign-in from a new one: only a one-way hash of each is kept, so
    /// this is when each was first and last used, most recent first.
    pub known_devices: Vec<KnownDevice>,
    /// Your account's security activity, newest first (`GET /api/account/activity`).
    pub security_activity: Vec<ActivityEvent>,
    /// Changes of your address that the link mailed to the old one can still
    /// undo, newest first (the links' secrets are not kept).
    pub email_undo_links: Vec<EmailUndoLink>,
}

/// A change of address its undo link can still take back.
#[derive(Serialize, ToSchema)]
pub struct EmailUndoLink {
    pub old_email: String,
    pub new_email: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct ExportedDocument {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub title: String,
    /// You own it, and its body is here; otherwise it is shared with you and
    /// stays its owner's.
    pub owned: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Download your data.
///
/// One JSON document, as a file (`Content-Disposition: attachment`). It is built
/// from Kratos and Keto as they are now, so it takes longer the more documents
/// you can see, and an account may ask for it a few times an hour.
#[utoipa::path(
    get, path = "/api/account/export", operation_id = "exportAccount", tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Your data", body = AccountExport),
        (status = 429, description = "Too many exports of this account lately (`APP_LIMIT_EXPORTS_PER_ACCOUNT`); `Retry-After` says when to ask again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/export")]
pub async fn export(
    db: web::Data<DatabaseConnection>,
    authz: web::Data<Authorizer>,
    kratos: web::Data<Kratos>,
    throttle: web::Data<Throttle>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    throttle.hit(Bucket::ExportsPerAccount, &auth.user.to_string()).await?;
    let (others, factors, providers, documents, groups, known_devices, security_activity, undo_links) = tokio::try_join!(
        async { kratos.every_other_session(&auth.token).await.map_err(ApiError::from) },
        async { kratos.second_factors(auth.user.0).await.map_err(ApiError::from) },
        providers::linked(&kratos, auth.user),
        async { documents::store::everything_for(&db, &authz, auth.user).await.map_err(ApiError::from) },
        groups::handlers::summaries_for(&db, &authz, auth.user),
        async { devices::known(&db, auth.user.0).await.map_err(ApiError::from) },
        async { activity::of(&db, auth.user.0).await.map_err(ApiError::from) },
        async { email_restore::of(&db, auth.user.0).await.map_err(ApiError::from) },
    )?;
    // Past ten thousand sessions the export holds the newest ten thousand.
    let (EveryOtherSession::All(others) | EveryOtherSession::TooMany(others)) = others;
    let current = SessionListItem::new(auth.session.summary, true, factors.any());
    let export = AccountExport {
        exported_at: Utc::now(),
        profile: auth.session.identity.into(),
        sessions: std::iter::once(current)
            .chain(others.into_iter().map(|s| SessionListItem::new(s, false, factors.any())))
            .collect(),
        second_factors: SecondFactorStatus {
            totp: factors.totp,
            recovery_codes: factors.recovery_codes_left.is_some(),
            recovery_codes_left: factors.recovery_codes_left,
        },
        sign_in_providers: providers,
        documents: documents
            .into_iter()
            .map(|(row, body)| ExportedDocument {
                id: row.id,
                title: row.title,
                owned: row.owner_id == auth.user.0,
                body,
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
            .collect(),
        groups,
        known_devices,
        security_activity,
        email_undo_links: undo_links
            .into_iter()
            .map(|link| EmailUndoLink {
                old_email: link.old_email,
                new_email: link.new_email,
                created_at: link.created_at,
                expires_at: link.expires_at,
            })
            .collect(),
    };
    tracing::info!(user = %auth.user, documents = export.documents.len(), "exported the account");
    Ok(HttpResponse::Ok()
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename("ory-spa-account.json".into())],
        })
        .json(export))
}
