//! Finishes or undoes database-and-Keto writes that a crash interrupted (see
//! `documents::store`), and finishes account deletions (`account::deletion`);
//! on the way, it removes expired email-change undo links. Runs in the
//! background every `APP_RECONCILE_INTERVAL_MS` (a minute unless configured),
//! and once on demand with `ory-spa reconcile`.

use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::{account, authz::Authorizer, db::StoreError, documents, groups, ory::Kratos};

/// Rows younger than this may belong to a request still in flight; leave them.
pub const GRACE: chrono::Duration = chrono::Duration::seconds(60);

/// How long the reconciler leaves what may still be in flight.
#[derive(Debug, Clone, Copy)]
pub struct Grace {
    /// Rows left `pending` or `deleting`: a request may still be writing them.
    pub writes: chrono::Duration,
    /// Account deletions: until no replica can still hold one of the account's
    /// sessions in its cache (see `account::deletion`).
    pub accounts: chrono::Duration,
}

impl Grace {
    /// For replicas whose session caches keep a session for `session_cache_ttl`.
    pub fn with_session_cache(session_cache_ttl: Duration) -> Grace {
        let cached = chrono::Duration::from_std(session_cache_ttl).unwrap_or(chrono::Duration::MAX);
        Grace { writes: GRACE, accounts: GRACE.max(cached + chrono::Duration::seconds(1)) }
    }

    /// Everything at once (tests, after they have arranged what is in flight).
    pub fn none() -> Grace {
        Grace { writes: chrono::Duration::zero(), accounts: chrono::Duration::zero() }
    }
}

/// One pass over documents, groups, the access index and account deletions;
/// returns how many it repaired or finished.
pub async fn run_once(
    db: &DatabaseConnection,
    authz: &Authorizer,
    kratos: &Kratos,
    grace: Grace,
) -> Result<usize, StoreError> {
    let documents = documents::store::reconcile(db, authz, grace.writes).await?;
    let groups = groups::store::reconcile(db, authz, grace.writes).await?;
    let index = authz.reconcile_index(grace.writes).await?;
    let accounts = account::deletion::reconcile(db, authz, kratos, grace.accounts).await?;
    // Housekeeping, not a repair: not counted.
    account::email_restore::forget_expired(db).await?;
    Ok(documents + groups + index + accounts)
}

/// Runs [`run_once`] every `interval`, the first at once; errors (Kratos, Keto
/// or the database down) wait for the next tick.
pub async fn run_forever(db: DatabaseConnection, authz: Authorizer, kratos: Kratos, grace: Grace, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    loop {
        ticks.tick().await;
        match run_once(&db, &authz, &kratos, grace).await {
            Ok(0) => {}
            Ok(repaired) => tracing::info!(repaired, "reconciler repaired unfinished writes"),
            Err(error) => tracing::warn!(%error, "reconciler could not run; retrying next tick"),
        }
    }
}
