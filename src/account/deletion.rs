//! Deleting an account: the Kratos identity, and everything the person has here.
//!
//! No transaction spans Kratos, Keto and our database, so a deletion is a
//! durable request first (table `account_deletions`), finished by whoever gets
//! there: the request itself, or the reconciler after a crash.
//!
//! 1. `request`: the row is written. From here the deletion rolls forward: a
//!    crash before the next step leaves a row the reconciler finishes.
//! 2. Kratos deletes the identity, and with it its credentials and every session.
//!    If Kratos fails, the client gets 503 and the row is marked `kratos_failed`:
//!    a refusal changed nothing, but a timeout may have deleted the identity after
//!    all, and then its data must still go. The identity goes first so that no new
//!    sign-in, and no session not already cached by a replica, can add to what
//!    step 3 removes.
//! 3. `purge`: the groups the person owns are deleted (each through its own
//!    ordered sequence, shares and members with it), and their documents (the
//!    same order, a chunk at a time: `documents::store::purge`), then every tuple
//!    that still names them (shares to them, memberships, `App:home`) in Keto and
//!    the access index; and the account's security activity, the devices
//!    remembered for new-sign-in notices and its email-change undo links. Each
//!    part is idempotent.
//! 4. `reconcile`, once the row is older than every replica's session cache
//!    (`grace`): steps 2 and 3 again, then the row goes. A session another
//!    replica had cached may have written for up to that long after step 2; the
//!    second purge removes what it wrote. A `kratos_failed` row is finished only
//!    if Kratos has no such identity; if it has, the row just goes.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr,
    sea_query::{Alias, Expr, ExprTrait, OnConflict, Query},
};
use uuid::Uuid;

use crate::{
    auth::UserId,
    authz::{App, Authorizer, Principal, Resource},
    db::{StoreError, ident, unix_now},
    documents::{self, DocumentId, DocumentRelation},
    groups::{self, GroupId, GroupRelation},
    ory::{Kratos, OryError},
};

/// Owned groups deleted at once by a purge.
const PURGE_CONCURRENCY: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum DeletionError {
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error(transparent)]
    Kratos(#[from] OryError),
}

fn table() -> Alias {
    ident("account_deletions")
}

/// Steps 1 and 2, inside the request: after `Ok`, the identity is gone and the
/// purge is left to `purge` (at once) and `reconcile` (again, later).
pub async fn delete_identity(db: &DatabaseConnection, kratos: &Kratos, user: UserId) -> Result<(), DeletionError> {
    request(db, user).await?;
    if let Err(error) = kratos.delete_identity(user.0).await {
        if let Err(mark) = mark_kratos_failed(db, user).await {
            // The deletion now rolls forward: the person asked for it.
            tracing::warn!(error = %mark, %user, "could not mark an account deletion failed; the reconciler will finish it");
        }
        return Err(error.into());
    }
    Ok(())
}

/// Step 1. Asked again (after a 503, say), the deletion starts over: its time is
/// when the identity may last have been deleted, which the final purge waits on.
async fn request(db: &DatabaseConnection, user: UserId) -> Result<(), DbErr> {
    let insert = Query::insert()
        .into_table(table())
        .columns([ident("identity_id"), ident("requested_at"), ident("kratos_failed")])
        .values_panic([Expr::value(user.0), Expr::value(unix_now()), Expr::value(false)])
        .on_conflict(
            OnConflict::column(ident("identity_id"))
                .update_columns([ident("requested_at"), ident("kratos_failed")])
                .to_owned(),
        )
        .to_owned();
    db.execute(&insert).await?;
    Ok(())
}

async fn mark_kratos_failed(db: &DatabaseConnection, user: UserId) -> Result<(), DbErr> {
    let update = Query::update()
        .table(table())
        .value(ident("kratos_failed"), true)
        .and_where(Expr::col(ident("identity_id")).eq(user.0))
        .to_owned();
    db.execute(&update).await?;
    Ok(())
}

/// Removes the row, if it is still the request read at `read_at`.
async fn withdraw(db: &DatabaseConnection, user: UserId, read_at: i64) -> Result<(), DbErr> {
    let delete = Query::delete()
        .from_table(table())
        .and_where(Expr::col(ident("identity_id")).eq(user.0))
        .and_where(Expr::col(ident("requested_at")).eq(read_at))
        .to_owned();
    db.execute(&delete).await?;
    Ok(())
}

/// Step 3: everything the person owns, and every grant that names them.
pub async fn purge(db: &DatabaseConnection, authz: &Authorizer, user: UserId) -> Result<(), StoreError> {
    let person = Principal::User(user);
    let groups = authz.held_by::<GroupId>(person).await?.into_iter();
    let owned = groups.filter(|(_, relation)| *relation == GroupRelation::Owners);
    at_once(owned.map(|(group, _)| groups::store::delete(db, authz, GroupId(group)))).await?;
    let documents = authz.held_by::<DocumentId>(person).await?.into_iter();
    let owned: Vec<DocumentId> = documents
        .filter(|(_, relation)| *relation == DocumentRelation::Owners)
        .map(|(document, _)| DocumentId(document))
        .collect();
    documents::store::purge(db, authz, &owned).await?;
    // What is left names them: shares to them, memberships, `App:home`. One
    // Keto delete by query a namespace (a patch of the same deletes took Keto 6
    // to 10 ms a tuple, 40 s for a person shared 3,333 documents).
    for namespace in [DocumentId::NAMESPACE, GroupId::NAMESPACE, App::NAMESPACE] {
        authz.forget_grants_to(namespace, person).await?;
    }
    crate::notify::devices::forget(db, user.0).await?;
    crate::notify::activity::forget(db, user.0).await?;
    super::email_restore::forget(db, user.0).await?;
    Ok(())
}

/// Runs `deletes` (each its own ordered sequence, on its own object) a few at a
/// time: a person may own thousands, and one after the other each waits on its
/// own Keto round trip. Every delete runs even when one fails; the first error
/// is returned, and the reconciler's purge tries again.
async fn at_once<F>(deletes: impl Iterator<Item = F>) -> Result<(), StoreError>
where
    F: std::future::Future<Output = Result<(), StoreError>>,
{
    use futures_util::StreamExt;
    let results: Vec<Result<(), StoreError>> =
        futures_util::stream::iter(deletes).buffer_unordered(PURGE_CONCURRENCY).map(gone_is_fine).collect().await;
    results.into_iter().collect()
}

/// A row that is not `active` is being created or deleted by another request;
/// the reconciler finishes it (and a later purge finds whatever remains).
fn gone_is_fine(result: Result<(), StoreError>) -> Result<(), StoreError> {
    match result {
        Err(StoreError::Gone) => Ok(()),
        other => other,
    }
}

/// Step 4: deletions requested longer than `grace` ago are finished (identity,
/// purge) and their rows removed. Returns how many.
pub async fn reconcile(
    db: &DatabaseConnection,
    authz: &Authorizer,
    kratos: &Kratos,
    grace: chrono::Duration,
) -> Result<usize, StoreError> {
    let cutoff = unix_now() - grace.num_seconds();
    let due = Query::select()
        .columns([ident("identity_id"), ident("kratos_failed"), ident("requested_at")])
        .from(table())
        .and_where(Expr::col(ident("requested_at")).lte(cutoff))
        .to_owned();
    let rows = db.query_all(&due).await?;
    let mut finished = 0;
    for row in rows {
        let user = UserId(row.try_get::<Uuid>("", "identity_id")?);
        // A request made meanwhile (a retry) owns the row from then on.
        let read_at: i64 = row.try_get("", "requested_at")?;
        if row.try_get::<bool>("", "kratos_failed")? {
            if kratos.identity_exists(user.0).await? {
                // Kratos refused, and the person was told nothing changed.
                withdraw(db, user, read_at).await?;
                tracing::info!(%user, "forgot an account deletion Kratos refused");
                finished += 1;
                continue;
            }
        } else {
            kratos.delete_identity(user.0).await?;
        }
        purge(db, authz, user).await?;
        withdraw(db, user, read_at).await?;
        tracing::info!(%user, "finished an account deletion");
        finished += 1;
    }
    Ok(finished)
}
