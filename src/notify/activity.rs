//! The account's security activity: what happened to it, when and from which
//! device (registration, sign-ins, and each change a notice is mailed for), for
//! the person to look back on in Settings, whether or not the server mails
//! notices. A person who missed a mail, or whose mail went to an address an
//! attacker changed, can still see here what was done and from where.
//!
//! Unlike `known_devices` this keeps the user agent and address as the client
//! gave them (cut short): showing them is its purpose, as Kratos' session list
//! does. It keeps an account's latest `MAX_PER_ACCOUNT` events of each kind:
//! sign-ins from known devices with unfinished sign-ins, sign-ins from new
//! devices, and changes (see `Bucket`). It goes with the account, and is in its
//! export.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sea_orm::{
    Condition, ConnectionTrait, DatabaseConnection, DbErr,
    sea_query::{Alias, Expr, ExprTrait, Order, Query},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    db::{ident, unix_now},
    ory::ClientInfo,
};

/// Events of each kind (`Bucket`) kept per account; older ones are forgotten
/// as new ones come.
pub const MAX_PER_ACCOUNT: u64 = 100;

/// The longest user agent kept, in characters.
const MAX_AGENT: usize = 200;

fn table() -> Alias {
    ident("security_activity")
}

/// What a row says of its event, in the order `record` writes them.
const EVENT_COLUMNS: [&str; 7] =
    ["kind", "occurred_at", "user_agent", "ip_address", "new_device", "methods", "provider"];

/// The longest provider id kept (Kratos' ids are short words: `google`).
const MAX_PROVIDER: usize = 64;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Registered,
    SignedIn,
    PasswordChanged,
    EmailChanged,
    AuthenticatorAdded,
    AuthenticatorRemoved,
    RecoveryCodesCreated,
    RecoveryCodesRemoved,
    /// The change of address was undone with the link mailed to the old one.
    EmailRestored,
    /// The first factor (the password, or a sign-in provider: `methods`), and a
    /// second factor asked for that has not (yet) been given. The row goes when that sign-in completes, so those left are the
    /// password steps that stopped there.
    UnfinishedSignIn,
    /// A sign-in provider was linked to the account (with its password).
    ProviderLinked,
    /// A sign-in provider was removed from the account.
    ProviderRemoved,
}

impl ActivityKind {
    const ALL: [ActivityKind; 12] = [
        ActivityKind::Registered,
        ActivityKind::SignedIn,
        ActivityKind::PasswordChanged,
        ActivityKind::EmailChanged,
        ActivityKind::AuthenticatorAdded,
        ActivityKind::AuthenticatorRemoved,
        ActivityKind::RecoveryCodesCreated,
        ActivityKind::RecoveryCodesRemoved,
        ActivityKind::EmailRestored,
        ActivityKind::UnfinishedSignIn,
        ActivityKind::ProviderLinked,
        ActivityKind::ProviderRemoved,
    ];

    fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Registered => "registered",
            ActivityKind::SignedIn => "signed_in",
            ActivityKind::PasswordChanged => "password_changed",
            ActivityKind::EmailChanged => "email_changed",
            ActivityKind::AuthenticatorAdded => "authenticator_added",
            ActivityKind::AuthenticatorRemoved => "authenticator_removed",
            ActivityKind::RecoveryCodesCreated => "recovery_codes_created",
            ActivityKind::RecoveryCodesRemoved => "recovery_codes_removed",
            ActivityKind::EmailRestored => "email_restored",
            ActivityKind::UnfinishedSignIn => "unfinished_sign_in",
            ActivityKind::ProviderLinked => "provider_linked",
            ActivityKind::ProviderRemoved => "provider_removed",
        }
    }

    fn parse(stored: &str) -> Option<Self> {
        ActivityKind::ALL.into_iter().find(|kind| kind.as_str() == stored)
    }
}

/// One event of the account's security activity.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityEvent {
    pub kind: ActivityKind,
    pub occurred_at: DateTime<Utc>,
    /// The browser or program it came from, as it introduced itself (cut at 200
    /// characters).
    pub user_agent: Option<String>,
    /// The address it came from.
    pub ip_address: Option<String>,
    /// A sign-in from a device (browser or app, on a network) the account had not
    /// used before: the ones a notice is mailed for. False for everything else.
    pub new_device: bool,
    /// How a sign-in was made, in Kratos' words and order (`password`, `totp`,
    /// `lookup_secret`, `code_recovery`, `oidc`); empty for everything else.
    pub methods: Vec<String>,
    /// The sign-in provider, by Kratos' id (`GET /api/auth/social/providers`
    /// names it): of a sign-in with one, one that stopped before the second
    /// factor, and a provider linked or removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// An event to record.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub kind: ActivityKind,
    pub new_device: bool,
    /// Kratos' authentication methods of a sign-in's session.
    pub methods: &'a [String],
    /// An unfinished sign-in's SHA-256 of its session token, for [`withdraw`].
    pub session_token_hash: Option<&'a str>,
    /// The sign-in provider it concerns, by Kratos' id.
    pub provider: Option<&'a str>,
}

impl Event<'_> {
    pub fn of(kind: ActivityKind) -> Self {
        Event { kind, new_device: false, methods: &[], session_token_hash: None, provider: None }
    }
}

/// Adds an event to the account's activity, forgetting the oldest beyond the
/// limit.
pub async fn record(
    db: &DatabaseConnection,
    identity: Uuid,
    event: Event<'_>,
    client: &ClientInfo,
) -> Result<(), DbErr> {
    let methods = (!event.methods.is_empty()).then(|| event.methods.join(",")).filter(|m| m.len() <= 100);
    let agent: Option<String> = client
        .user_agent
        .as_deref()
        .map(|agent| agent.chars().filter(|c| !c.is_control()).take(MAX_AGENT).collect::<String>())
        .filter(|agent| !agent.trim().is_empty());
    let insert = Query::insert()
        .into_table(table())
        .columns(["id", "identity_id"].into_iter().chain(EVENT_COLUMNS).chain(["session_token_hash"]).map(ident))
        .values_panic([
            // Version 7: ordered by time, so that events of one second keep their order.
            Expr::value(Uuid::now_v7()),
            Expr::value(identity),
            Expr::value(event.kind.as_str()),
            Expr::value(unix_now()),
            Expr::value(agent),
            Expr::value(client.ip.map(|ip: IpAddr| ip.to_canonical().to_string())),
            Expr::value(event.new_device),
            Expr::value(methods),
            Expr::value(event.provider.map(|provider| provider.chars().take(MAX_PROVIDER).collect::<String>())),
            Expr::value(event.session_token_hash.map(str::to_owned)),
        ])
        .to_owned();
    db.execute(&insert).await?;
    // Only the new event's own kind of event makes room for it.
    let bucket = Bucket::of(&event).condition();
    let kept = Query::select()
        .column(ident("id"))
        .from(table())
        .and_where(Expr::col(ident("identity_id")).eq(identity))
        .cond_where(bucket.clone())
        .order_by(ident("occurred_at"), Order::Desc)
        .order_by(ident("id"), Order::Desc)
        .limit(MAX_PER_ACCOUNT)
        .to_owned();
    let forget = Query::delete()
        .from_table(table())
        .and_where(Expr::col(ident("identity_id")).eq(identity))
        .cond_where(bucket)
        .and_where(Expr::col(ident("id")).not_in_subquery(kept))
        .to_owned();
    db.execute(&forget).await?;
    Ok(())
}

/// What an event makes room among: each bucket keeps its own latest
/// `MAX_PER_ACCOUNT`, so that what someone can repeat cheaply never pushes out
/// what matters more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bucket {
    /// Sign-ins from a device the account knew, and password steps without
    /// their second factor: an attacker who has the password can make them at
    /// will, so a hundred of them must not push out anything else.
    Routine,
    /// Sign-ins from a new device: one with the password can make these too
    /// (a new user agent is a new device), each one mailed; a hundred of them
    /// must still not push out a change.
    NewDevice,
    /// Registration and every change to the account's security.
    Changes,
}

impl Bucket {
    fn of(event: &Event<'_>) -> Bucket {
        match event.kind {
            ActivityKind::SignedIn if event.new_device => Bucket::NewDevice,
            ActivityKind::SignedIn | ActivityKind::UnfinishedSignIn => Bucket::Routine,
            _ => Bucket::Changes,
        }
    }

    fn condition(self) -> Condition {
        let kind = |k: ActivityKind| Expr::col(ident("kind")).eq(k.as_str());
        let sign_in =
            |new: bool| Condition::all().add(kind(ActivityKind::SignedIn)).add(Expr::col(ident("new_device")).eq(new));
        match self {
            Bucket::Routine => Condition::any().add(sign_in(false)).add(kind(ActivityKind::UnfinishedSignIn)),
            Bucket::NewDevice => sign_in(true),
            Bucket::Changes => {
                Condition::all().add(kind(ActivityKind::SignedIn).not()).add(kind(ActivityKind::UnfinishedSignIn).not())
            }
        }
    }
}

/// The sign-in behind the token hashed to `session_token_hash` got its second
/// factor: its password step is no longer an unfinished sign-in.
pub async fn withdraw(db: &DatabaseConnection, session_token_hash: &str) -> Result<(), DbErr> {
    let delete = Query::delete()
        .from_table(table())
        .and_where(Expr::col(ident("session_token_hash")).eq(session_token_hash))
        .to_owned();
    db.execute(&delete).await?;
    Ok(())
}

/// The account's activity, newest first.
pub async fn of(db: &DatabaseConnection, identity: Uuid) -> Result<Vec<ActivityEvent>, DbErr> {
    let select = Query::select()
        .columns(EVENT_COLUMNS.map(ident))
        .from(table())
        .and_where(Expr::col(ident("identity_id")).eq(identity))
        .order_by(ident("occurred_at"), Order::Desc)
        .order_by(ident("id"), Order::Desc)
        .limit(3 * MAX_PER_ACCOUNT)
        .to_owned();
    let mut events = Vec::new();
    for row in db.query_all(&select).await? {
        let kind: String = row.try_get("", "kind")?;
        // A kind a newer version wrote, read by an older replica: left out.
        let Some(kind) = ActivityKind::parse(&kind) else { continue };
        let at: i64 = row.try_get("", "occurred_at")?;
        events.push(ActivityEvent {
            kind,
            occurred_at: DateTime::from_timestamp(at, 0).unwrap_or_default(),
            user_agent: row.try_get("", "user_agent")?,
            ip_address: row.try_get("", "ip_address")?,
            new_device: row.try_get("", "new_device")?,
            methods: row
                .try_get::<Option<String>>("", "methods")?
                .map(|methods| methods.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            provider: row.try_get("", "provider")?,
        });
    }
    Ok(events)
}

/// Forgets the activity of a deleted account.
pub async fn forget(db: &DatabaseConnection, identity: Uuid) -> Result<(), DbErr> {
    let delete = Query::delete().from_table(table()).and_where(Expr::col(ident("identity_id")).eq(identity)).to_owned();
    db.execute(&delete).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_as_itself() {
        for kind in ActivityKind::ALL {
            assert_eq!(ActivityKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str(), "the API's name is the stored one");
        }
        assert_eq!(ActivityKind::parse("passkey_added"), None);
    }
}
