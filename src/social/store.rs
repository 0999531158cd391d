//! Social sign-ins in progress, in our database: the one place Kratos' half of
//! a session-token exchange is kept (see the migration for the columns).
//!
//! A row lives from the start of a sign-in until the browser is back: the return
//! takes it (deletes it, so a sign-in completes once even though Kratos would
//! exchange its code again), and rows whose time is up are swept when new ones
//! are written.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::domain::{State, VerifierHash};
use crate::ory::ExchangeCode;

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "social_sign_ins")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub state: String,
        pub verifier_hash: String,
        pub provider: String,
        pub flow_id: Uuid,
        /// Kratos' `session_token_exchange_code`: never logged (see `Debug` below).
        pub init_code: String,
        pub linking: bool,
        pub expires_at: DateTimeUtc,
        pub created_at: DateTimeUtc,
    }

    impl std::fmt::Debug for Model {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("SocialSignIn")
                .field("provider", &self.provider)
                .field("flow_id", &self.flow_id)
                .field("linking", &self.linking)
                .field("expires_at", &self.expires_at)
                .finish_non_exhaustive()
        }
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity};

/// Rows stay this long past their expiry, so that a late return still hears
/// "expired" rather than "no such sign-in".
const KEEP_EXPIRED: chrono::Duration = chrono::Duration::hours(1);

/// A sign-in in progress, as the return finds it.
#[derive(Debug)]
pub struct SignInRecord {
    pub provider: String,
    pub flow_id: Uuid,
    pub exchange_code: ExchangeCode,
    pub linking: bool,
    pub expires_at: DateTime<Utc>,
}

pub struct NewSignIn<'a> {
    pub state: &'a State,
    pub verifier_hash: &'a VerifierHash,
    pub provider: &'a str,
    pub flow_id: Uuid,
    pub exchange_code: &'a ExchangeCode,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(db: &DatabaseConnection, new: NewSignIn<'_>) -> Result<(), DbErr> {
    let now = Utc::now();
    Entity::delete_many().filter(Column::ExpiresAt.lt(now - KEEP_EXPIRED)).exec(db).await?;
    ActiveModel {
        state: Set(new.state.as_str().to_owned()),
        verifier_hash: Set(new.verifier_hash.as_str().to_owned()),
        provider: Set(new.provider.to_owned()),
        flow_id: Set(new.flow_id),
        init_code: Set(new.exchange_code.expose().to_owned()),
        linking: Set(false),
        expires_at: Set(new.expires_at),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The sign-in named by `state`, if the caller holds its verifier; `None` for
/// an unknown state and for the wrong verifier alike.
pub async fn find(db: &DatabaseConnection, state: &State, verifier: &str) -> Result<Option<SignInRecord>, DbErr> {
    let Some(row) = Entity::find_by_id(state.as_str()).one(db).await? else {
        return Ok(None);
    };
    if !VerifierHash::stored(row.verifier_hash).matches(verifier) {
        return Ok(None);
    }
    Ok(Some(SignInRecord {
        provider: row.provider,
        flow_id: row.flow_id,
        exchange_code: ExchangeCode::new(row.init_code),
        linking: row.linking,
        expires_at: row.expires_at,
    }))
}

/// Ends the sign-in; `false` if it was ended already (by a concurrent return).
pub async fn take(db: &DatabaseConnection, state: &State) -> Result<bool, DbErr> {
    Ok(Entity::delete_by_id(state.as_str()).exec(db).await?.rows_affected == 1)
}

/// Kratos moved the sign-in to `flow_id`, a login flow that links the provider
/// to an existing account; it lasts until `expires_at`.
pub async fn link_on(
    db: &DatabaseConnection,
    state: &State,
    flow_id: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::FlowId, sea_orm::prelude::Expr::value(flow_id))
        .col_expr(Column::Linking, sea_orm::prelude::Expr::value(true))
        .col_expr(Column::ExpiresAt, sea_orm::prelude::Expr::value(expires_at))
        .filter(Column::State.eq(state.as_str()))
        .exec(db)
        .await?;
    Ok(())
}
