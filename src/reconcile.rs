//! Finishes or undoes database-and-Keto writes that a crash interrupted (see
//! `documents::store`). Runs in the background every [`INTERVAL`], and once on
//! demand with `ory-spa reconcile`.

use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::{authz::Authorizer, db::StoreError, documents, groups};

pub const INTERVAL: Duration = Duration::from_secs(60);

/// Rows younger than this may belong to a request still in flight; leave them.
pub const GRACE: chrono::Duration = chrono::Duration::seconds(60);

/// One pass over documents, groups and the access index; returns how many rows
/// it repaired.
pub async fn run_once(
    db: &DatabaseConnection,
    authz: &Authorizer,
    grace: chrono::Duration,
) -> Result<usize, StoreError> {
    let documents = documents::store::reconcile(db, authz, grace).await?;
    let groups = groups::store::reconcile(db, authz, grace).await?;
    let index = authz.reconcile_index(grace).await?;
    Ok(documents + groups + index)
}

/// Runs [`run_once`] forever; errors (Keto or the database down) wait for the next tick.
pub async fn run_forever(db: DatabaseConnection, authz: Authorizer) {
    let mut ticks = tokio::time::interval(INTERVAL);
    loop {
        ticks.tick().await;
        match run_once(&db, &authz, GRACE).await {
            Ok(0) => {}
            Ok(repaired) => tracing::info!(repaired, "reconciler repaired unfinished writes"),
            Err(error) => tracing::warn!(%error, "reconciler could not run; retrying next tick"),
        }
    }
}
