//! Each TOTP code signs a person in once.
//!
//! Kratos v1.3.1 accepts a code as often as it is sent for as long as the code
//! is valid: about 90 seconds (its own 30-second step and one step either side,
//! for clock drift). RFC 6238 (§5.2) and NIST SP 800-63B (§5.1.4.2) ask the
//! verifier to accept each code once. Without that, someone who knows the
//! password and saw the code being typed (over a shoulder, by a key logger, in a
//! screen share) signs in with it too, in the same minute.
//!
//! Kratos withholds the identity until the code is right, so the check comes
//! after Kratos has accepted it: the first sign-in with a code claims it here,
//! and any later one within the window is undone (its session ended) by the
//! handler. The claim is one upsert on a primary key, so two sign-ins racing with
//! the same code on two replicas cannot both win.
//!
//! Rows are keyed by a SHA-256 of the identity and the code, never either in
//! the clear. That hides nothing from whoever can read the table in time (a
//! million codes are quickly tried), but a code is worthless once its window is
//! over, and rows are kept only a little longer than that.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr,
    sea_query::{Alias, Expr, ExprTrait, OnConflict, Query},
};

use super::UserId;
use crate::db::{ident, unix_now};

/// How long a used code is remembered: Kratos accepts a code for at most 90 s;
/// the rest covers clocks that differ between replicas and Kratos.
const REMEMBER_SECS: i64 = 180;

/// Whether a code had been used before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The first sign-in with this code.
    First,
    /// The code has signed this person in already, within its window.
    Again,
}

fn table() -> Alias {
    ident("used_totp_codes")
}

fn key(user: UserId, code: &str) -> String {
    crate::db::sha256_hex(&[user.0.as_bytes(), code.as_bytes()])
}

/// Claims `code` for `user`'s sign-in that Kratos has just accepted.
pub async fn claim(db: &DatabaseConnection, user: UserId, code: &str) -> Result<Claim, DbErr> {
    let now = unix_now();
    let horizon = now - REMEMBER_SECS;
    let backend = db.get_database_backend();

    // One statement decides: a new row, or an old row past its window taken over
    // (both affect one row), or a row still in its window left alone (none).
    let insert = Query::insert()
        .into_table(table())
        .columns([ident("key"), ident("used_at")])
        .values_panic([key(user, code).into(), now.into()])
        .on_conflict(
            OnConflict::column(ident("key"))
                .update_column(ident("used_at"))
                .action_and_where(Expr::col((table(), ident("used_at"))).lt(horizon))
                .to_owned(),
        )
        .to_owned();
    let claimed = db.execute_raw(backend.build(&insert)).await?.rows_affected() == 1;

    // Everyone's rows past their window go as new ones come, on the index of
    // `used_at`. The claim stands either way: a failed sweep leaves rows that
    // the next one takes.
    let sweep = Query::delete().from_table(table()).and_where(Expr::col(ident("used_at")).lt(horizon)).to_owned();
    if let Err(error) = db.execute_raw(backend.build(&sweep)).await {
        tracing::warn!(%error, "could not sweep used TOTP codes");
    }

    Ok(if claimed { Claim::First } else { Claim::Again })
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn keys_hold_neither_the_person_nor_the_code_and_keep_both_apart() {
        let ada = UserId(Uuid::from_u128(1));
        let bob = UserId(Uuid::from_u128(2));
        let key = key(ada, "123456");
        assert_eq!(key.len(), 64);
        assert!(!key.contains("123456") && !key.contains(&ada.0.simple().to_string()));
        assert_ne!(key, super::key(bob, "123456"));
        assert_ne!(key, super::key(ada, "123457"));
        assert_eq!(key, super::key(ada, "123456"));
    }
}
