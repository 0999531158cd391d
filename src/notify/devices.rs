//! Sign-ins from somewhere new. Every complete sign-in (a password, a second
//! factor, a recovery code, a provider) is looked up among the devices its account
//! has signed in from; one not among them is told to the account's address, then
//! remembered. The account's first device (its registration, or, for an account
//! older than this table, its first sign-in since) is remembered without a
//! notice: there is nothing yet to compare it with.
//!
//! A device is the user agent without its version numbers (a browser's update
//! is not a new device) together with the network of the address (its /24, or
//! /48 for IPv6: a new lease from the same provider is not a new place). What is
//! kept is a SHA-256 of the account and those two, never the user agent or the
//! address themselves: the table can tell a device again, not name it. A
//! client can choose its user agent, so this tells a person of a stranger who
//! does not take care to look like them; an attacker who copies the person's
//! browser and network is caught by neither this nor anything else a server sees.

use std::net::IpAddr;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr,
    sea_query::{Alias, Expr, ExprTrait, OnConflict, Order, Query},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    db::{ident, sha256_hex, unix_now},
    ory::ClientInfo,
};

/// Devices remembered per account; the least recently used beyond these are
/// forgotten, and a sign-in from one of them later is news again.
const MAX_PER_ACCOUNT: u64 = 50;

fn table() -> Alias {
    ident("known_devices")
}

/// The accounts whose first device has been seen.
fn accounts() -> Alias {
    ident("device_accounts")
}

/// What a sign-in's device was to its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sighting {
    /// Signed in from before.
    Known,
    /// The account's first: remembered, nothing to compare with.
    First,
    /// Not seen on this account before, which has signed in elsewhere.
    New,
}

/// A device as the export shows it: when, since nothing else is kept.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KnownDevice {
    /// Unix seconds.
    pub first_seen: i64,
    /// Unix seconds.
    pub last_seen: i64,
}

/// Records a sign-in by `identity` from `client`, and says what it was.
pub async fn sighting(db: &DatabaseConnection, identity: Uuid, client: &ClientInfo) -> Result<Sighting, DbErr> {
    let device = key(identity, client);
    let now = unix_now();
    let seen_again = Query::update()
        .table(table())
        .value(ident("last_seen"), now)
        .and_where(Expr::col(ident("identity_id")).eq(identity))
        .and_where(Expr::col(ident("device")).eq(device.as_str()))
        .to_owned();
    if db.execute(&seen_again).await?.rows_affected() > 0 {
        return Ok(Sighting::Known);
    }
    // The account's first device is the one whose sign-in adds the account's
    // row, once and for all. Counting the account's devices instead let two
    // first sign-ins from two devices at once both count none, and neither was
    // told; a primary key lets exactly one of them in. Claimed before the
    // device is written, so that every slip errs towards telling: if that
    // write fails, this device is news next time (the other order would let a
    // later device pass as the first), and of two sign-ins from one first
    // device at once, the one that did not claim may write the row and tell.
    let claim = Query::insert()
        .into_table(accounts())
        .columns([ident("identity_id")])
        .values_panic([Expr::value(identity)])
        .on_conflict(OnConflict::column(ident("identity_id")).do_nothing().to_owned())
        .to_owned();
    let first = db.execute(&claim).await?.rows_affected() == 1;
    let insert = Query::insert()
        .into_table(table())
        .columns([ident("identity_id"), ident("device"), ident("first_seen"), ident("last_seen")])
        .values_panic([Expr::value(identity), Expr::value(device.as_str()), Expr::value(now), Expr::value(now)])
        .on_conflict(OnConflict::columns([ident("identity_id"), ident("device")]).do_nothing().to_owned())
        .to_owned();
    // Two sign-ins from one new device at once: only the one that wrote the row
    // tells of it.
    if db.execute(&insert).await?.rows_affected() == 0 {
        return Ok(Sighting::Known);
    }
    if first {
        return Ok(Sighting::First);
    }
    forget_least_recent(db, identity).await?;
    Ok(Sighting::New)
}

/// Whether `identity` has signed in from `client`'s device; records nothing.
pub async fn is_known(db: &DatabaseConnection, identity: Uuid, client: &ClientInfo) -> Result<bool, DbErr> {
    let select = Query::select()
        .column(ident("device"))
        .from(table())
        .and_where(Expr::col(ident("identity_id")).eq(identity))
        .and_where(Expr::col(ident("device")).eq(key(identity, client)))
        .to_owned();
    Ok(db.query_one(&select).await?.is_some())
}

async fn forget_least_recent(db: &DatabaseConnection, identity: Uuid) -> Result<(), DbErr> {
    let kept = Query::select()
        .column(ident("device"))
        .from(table())
        .and_where(Expr::col(ident("identity_id")).eq(identity))
        .order_by(ident("last_seen"), Order::Desc)
        .order_by(ident("device"), Order::Asc)
        .limit(MAX_PER_ACCOUNT)
        .to_owned();
    let delete = Query::delete()
        .from_table(table())
        .and_where(Expr::col(ident("identity_id")).eq(identity))
        .and_where(Expr::col(ident("device")).not_in_subquery(kept))
        .to_owned();
    db.execute(&delete).await?;
    Ok(())
}

/// The account's remembered devices, most recently used first.
pub async fn known(db: &DatabaseConnection, identity: Uuid) -> Result<Vec<KnownDevice>, DbErr> {
    let select = Query::select()
        .columns([ident("first_seen"), ident("last_seen")])
        .from(table())
        .and_where(Expr::col(ident("identity_id")).eq(identity))
        .order_by(ident("last_seen"), Order::Desc)
        .to_owned();
    db.query_all(&select)
        .await?
        .into_iter()
        .map(|row| {
            Ok(KnownDevice { first_seen: row.try_get("", "first_seen")?, last_seen: row.try_get("", "last_seen")? })
        })
        .collect()
}

/// Forgets every device of a deleted account, and that it had any.
pub async fn forget(db: &DatabaseConnection, identity: Uuid) -> Result<(), DbErr> {
    for table in [table(), accounts()] {
        let delete =
            Query::delete().from_table(table).and_where(Expr::col(ident("identity_id")).eq(identity)).to_owned();
        db.execute(&delete).await?;
    }
    Ok(())
}

/// The row's key: the account, the user agent without digits, the network.
fn key(identity: Uuid, client: &ClientInfo) -> String {
    let agent: String = client.user_agent.as_deref().unwrap_or("").chars().filter(|c| !c.is_ascii_digit()).collect();
    let network = client.ip.map(network).unwrap_or_default();
    // The separators keep ("a", "b c") and ("a b", "c") apart.
    sha256_hex(&[identity.as_bytes(), agent.trim().as_bytes(), b"\n", network.as_bytes()])
}

/// The network an address belongs to, as far as "somewhere new" goes.
fn network(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let [a, b, c, ..] = v6.segments();
            format!("{a:x}:{b:x}:{c:x}::/48")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(agent: &str, ip: &str) -> ClientInfo {
        ClientInfo { user_agent: Some(agent.to_owned()), ip: Some(ip.parse().unwrap()) }
    }

    const FIREFOX_133: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    const FIREFOX_134: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:134.0) Gecko/20100101 Firefox/134.0";
    const CHROME: &str =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    #[test]
    fn an_update_or_a_new_lease_is_the_same_device_and_another_browser_or_network_is_not() {
        let ada = Uuid::new_v4();
        let home = key(ada, &client(FIREFOX_133, "203.0.113.5"));
        assert_eq!(home, key(ada, &client(FIREFOX_134, "203.0.113.77")), "a browser update, a new lease");
        assert_eq!(home, key(ada, &client(FIREFOX_133, "::ffff:203.0.113.9")), "the same address, mapped");
        assert_ne!(home, key(ada, &client(CHROME, "203.0.113.5")), "another browser");
        assert_ne!(home, key(ada, &client(FIREFOX_133, "198.51.100.5")), "another network");
        assert_ne!(home, key(Uuid::new_v4(), &client(FIREFOX_133, "203.0.113.5")), "another account");
        assert_eq!(
            key(ada, &client("curl", "2001:db8:1:2::1")),
            key(ada, &client("curl", "2001:db8:1:ffff::2")),
            "one IPv6 /48"
        );
        assert_ne!(key(ada, &client("curl", "2001:db8:1::1")), key(ada, &client("curl", "2001:db8:2::1")));
        assert_ne!(key(ada, &ClientInfo::default()), key(ada, &client("curl", "203.0.113.5")));
    }

    #[test]
    fn the_key_names_neither_the_browser_nor_the_address() {
        let stored = key(Uuid::new_v4(), &client(FIREFOX_133, "203.0.113.5"));
        assert_eq!(stored.len(), 64);
        assert!(stored.bytes().all(|b| b.is_ascii_hexdigit()), "{stored}");
    }
}
