//! Undoing an email change from the old address.
//!
//! Whoever changes an account's address (its owner, or someone with the owner's
//! password and a session) takes its login and its recovery mail with it. The
//! notice of the change goes to the old address with a link that undoes it for
//! seven days (`LIFETIME`): the old address comes back, verified, every session
//! ends, and a second factor set up since the change is removed, since it is
//! likely the other person's and would lock the owner out.
//!
//! The link carries a 64-hex-digit secret in its fragment (`#token=…`), which
//! browsers never send to a server, so it reaches no access log; only its
//! SHA-256 is stored. Using one link ends every link of the account: an undo is
//! the last word, and a later change's link (mailed to the other person's
//! address) cannot take the address back again.
//!
//! The steps are each idempotent and the link is ended last, so a 503 half-way
//! can be retried with the same link:
//! 1. Kratos: the address back (`restore_email`, a no-op when already done);
//! 2. Kratos: a second factor created since the link was made removed;
//! 3. Kratos: every session revoked (and this replica's cache told);
//! 4. our database: every link of the account ended.

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr,
    sea_query::{Alias, Expr, ExprTrait, Query},
};
use uuid::Uuid;

use crate::{
    db::{ident, is_hex64, random_hex, sha256_hex},
    ory::{EmailRestore, Kratos, OryError, SecondFactorsSince},
};

/// How long a link undoes the change.
pub const LIFETIME: chrono::Duration = chrono::Duration::days(7);

fn table() -> Alias {
    ident("email_restores")
}

/// The table's times are milliseconds (see its migration).
fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// A link's secret, as it arrives: validated at the edge.
pub struct RestoreToken(String);

impl RestoreToken {
    /// `None` for anything that is not 64 lower-case hex digits.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        is_hex64(value).then(|| RestoreToken(value.to_owned()))
    }

    fn hash(&self) -> String {
        sha256_hex(&[self.0.as_bytes()])
    }
}

/// A link not yet used or ended.
#[derive(Debug, Clone)]
pub struct Pending {
    pub identity: Uuid,
    pub old_email: String,
    pub new_email: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// Unknown, used, ended by another undo, expired, or its account is gone.
    #[error("the restore link is not valid")]
    Invalid,
    /// Another account has the old address now; the link still works.
    #[error("another account has the address")]
    Taken,
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error(transparent)]
    Kratos(#[from] OryError),
}

/// What an undo did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub identity: Uuid,
    pub email: String,
    /// The second factors set up since the change, now removed.
    pub removed: SecondFactorsSince,
}

/// Undoes the change `token` was mailed for (the steps in the module's docs).
/// The caller tells its session cache that the identity's sessions ended.
pub async fn restore(db: &DatabaseConnection, kratos: &Kratos, token: &RestoreToken) -> Result<Restored, RestoreError> {
    let link = find(db, token).await?.ok_or(RestoreError::Invalid)?;
    let id = link.identity;
    let removed = match kratos.restore_email(id, &link.old_email, link.created_at).await? {
        EmailRestore::Restored(created_since) => created_since,
        EmailRestore::Taken => return Err(RestoreError::Taken),
        EmailRestore::Gone => {
            forget(db, id).await?;
            return Err(RestoreError::Invalid);
        }
    };
    if removed.authenticator {
        kratos.remove_authenticator(id).await?;
    }
    if removed.recovery_codes {
        kratos.remove_recovery_codes(id).await?;
    }
    kratos.revoke_all_sessions(id).await?;
    forget(db, id).await?;
    Ok(Restored { identity: id, email: link.old_email, removed })
}

/// Makes undo links: the database they are kept in and the SPA page they open.
#[derive(Clone)]
pub struct UndoLinks {
    db: DatabaseConnection,
    spa: super::SpaUrl,
}

impl UndoLinks {
    pub fn new(db: DatabaseConnection, spa: super::SpaUrl) -> Self {
        UndoLinks { db, spa }
    }

    /// The link that undoes the change of `identity`'s address from `old` to
    /// `new`, stored; `None` (logged) when the database refused.
    pub async fn make(&self, identity: Uuid, old: &str, new: &str) -> Option<String> {
        match issue(&self.db, identity, old, new).await {
            Ok(token) => Some(self.spa.restore_email(&token)),
            Err(error) => {
                tracing::warn!(%error, user = %identity, "could not make an undo link; the notice goes without");
                None
            }
        }
    }
}

/// Stores a new link for the change of `identity`'s address from `old` to
/// `new`, and returns its secret (for the mail only).
pub async fn issue(db: &DatabaseConnection, identity: Uuid, old: &str, new: &str) -> Result<String, DbErr> {
    let now = now_ms();
    // The account's expired links go as a new one comes.
    let expired = Query::delete()
        .from_table(table())
        .and_where(Expr::col(ident("identity_id")).eq(identity))
        .and_where(Expr::col(ident("expires_at")).lte(now))
        .to_owned();
    db.execute(&expired).await?;
    let token = random_hex();
    let insert = Query::insert()
        .into_table(table())
        .columns(["token_hash", "identity_id", "old_email", "new_email", "created_at", "expires_at"].map(ident))
        .values_panic([
            Expr::value(RestoreToken(token.clone()).hash()),
            Expr::value(identity),
            Expr::value(old),
            Expr::value(new),
            Expr::value(now),
            Expr::value(now + LIFETIME.num_milliseconds()),
        ])
        .to_owned();
    db.execute(&insert).await?;
    Ok(token)
}

/// The unexpired link `token` names, if any.
pub async fn find(db: &DatabaseConnection, token: &RestoreToken) -> Result<Option<Pending>, DbErr> {
    let select = Query::select()
        .columns(["identity_id", "old_email", "new_email", "created_at", "expires_at"].map(ident))
        .from(table())
        .and_where(Expr::col(ident("token_hash")).eq(token.hash()))
        .and_where(Expr::col(ident("expires_at")).gt(now_ms()))
        .to_owned();
    db.query_one(&select).await?.map(|row| pending(&row)).transpose()
}

/// The account's links that still work, newest first (for the export).
pub async fn of(db: &DatabaseConnection, identity: Uuid) -> Result<Vec<Pending>, DbErr> {
    let select = Query::select()
        .columns(["identity_id", "old_email", "new_email", "created_at", "expires_at"].map(ident))
        .from(table())
        .and_where(Expr::col(ident("identity_id")).eq(identity))
        .and_where(Expr::col(ident("expires_at")).gt(now_ms()))
        .order_by(ident("created_at"), sea_orm::Order::Desc)
        .to_owned();
    db.query_all(&select).await?.iter().map(pending).collect()
}

/// Ends every link of the account: after an undo, and with the account.
pub async fn forget(db: &DatabaseConnection, identity: Uuid) -> Result<(), DbErr> {
    let delete = Query::delete().from_table(table()).and_where(Expr::col(ident("identity_id")).eq(identity)).to_owned();
    db.execute(&delete).await?;
    Ok(())
}

/// Removes every expired link: with it goes the old address it kept. The
/// reconciler calls it on each pass.
pub async fn forget_expired(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let delete = Query::delete().from_table(table()).and_where(Expr::col(ident("expires_at")).lte(now_ms())).to_owned();
    Ok(db.execute(&delete).await?.rows_affected())
}

fn pending(row: &sea_orm::QueryResult) -> Result<Pending, DbErr> {
    let time = |column: &str| -> Result<DateTime<Utc>, DbErr> {
        let millis: i64 = row.try_get("", column)?;
        DateTime::from_timestamp_millis(millis).ok_or_else(|| DbErr::Custom(format!("{column} out of range")))
    };
    Ok(Pending {
        identity: row.try_get("", "identity_id")?,
        old_email: row.try_get("", "old_email")?,
        new_email: row.try_get("", "new_email")?,
        created_at: time("created_at")?,
        expires_at: time("expires_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_shape_random_hex_makes_is_a_token() {
        let token = random_hex();
        assert!(RestoreToken::parse(&token).is_some());
        assert!(RestoreToken::parse(&format!(" {token}\n")).is_some(), "pasted with spaces");
        assert!(RestoreToken::parse(&token[..63]).is_none(), "cut short");
        assert!(RestoreToken::parse(&token.to_uppercase()).is_none());
        assert!(RestoreToken::parse("").is_none());
        let hash = RestoreToken::parse(&token).unwrap().hash();
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, token, "the secret is not what is stored");
    }
}
