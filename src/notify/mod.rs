//! Security notices by mail: a person hears of a change to their account that
//! they may not have made (a new password, a new address, an authenticator app
//! added, new recovery codes, a second factor removed, a sign-in provider linked or removed,
//! the account deleted, a sign-in from a device the account has not used before:
//! `devices`, the first factor of a sign-in without the second following). Kratos'
//! courier sends codes, but has no
//! message for any of these, so the backend sends them itself, over SMTP
//! (`APP_SMTP_URL`; without it there are no notices). Each event also goes into
//! the account's security activity (`activity`), which the person can read in
//! Settings, mail or no mail.
//!
//! The change has happened in Kratos by the time a notice is written, so a notice
//! never fails the request that made the change. It goes into an outbox
//! (`mail_outbox`) in that request and is sent right after it; a notice the SMTP
//! server did not take is tried again by the sender every `INTERVAL`, backing off,
//! for about a day, unless the server refused it for good (a 5xx: no such
//! mailbox), which drops it with an error in the log. Before trying, a replica pushes the notice's next attempt
//! forward, and only the one whose update matched sends it: two replicas do not
//! send one notice at once. A crash between the SMTP server's acceptance and the
//! row's removal sends it twice, which is the right way to fail for a warning.
//!
//! The outbox holds addresses and what happened; rows leave it when sent.
//!
//! One notice waits before it is due: a first factor (the right password, a
//! sign-in provider, or a recovery code from the mail) used by someone who then
//! did not give the second factor.
//! Until `APP_UNFINISHED_SIGN_IN_NOTICE_AFTER_MS` has passed, completing that
//! sign-in removes it, so the owner is told only of a sign-in that stopped
//! half-way. It is found by a SHA-256 of the half-way session's token, which the
//! completion presents. Its row in the activity is there from the first step and
//! goes the same way. Each half sign-in waits on its own; the first sent to an
//! address takes the others waiting with it, and says how many there were.

pub mod activity;
pub mod devices;

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr,
    sea_query::{Alias, Expr, ExprTrait, Order, Query},
};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use self::activity::{ActivityKind, Event};
use crate::{
    db::{ident, sha256_hex, unix_now},
    ory::{ClientInfo, Identity, Session, SessionToken},
};

/// How long a sign-in may wait for its second factor before the owner is told,
/// unless configured: time to find the phone and type a code, and still soon
/// enough to act on.
pub const UNFINISHED_SIGN_IN_AFTER: Duration = Duration::from_secs(600);

/// How often the sender looks for notices that are due (again).
pub const INTERVAL: Duration = Duration::from_secs(30);

/// The name people know the service by, in subjects and bodies.
const PRODUCT: &str = "ory-spa";

/// After this many failed attempts (about a day, backing off) a notice is dropped.
const MAX_ATTEMPTS: i32 = 12;

/// Notices per pass of the sender.
const BATCH: u64 = 50;

/// Unfinished sign-ins' notices waiting for one address at most. A right
/// password is not a failed login, so nothing else limits how often someone
/// who has it can take the first step; past this, the activity still lists
/// each, and the mail says "at least".
const MAX_UNFINISHED_WAITING: usize = 20;

/// What happened to the account.
#[derive(Debug, Clone, Copy)]
pub enum Notice<'a> {
    /// A complete sign-in from a device the account had not used before, with
    /// Kratos' authentication methods of its session.
    NewSignIn {
        methods: &'a [String],
    },
    PasswordChanged,
    /// Sent to the old address, which no longer signs in, with the link that
    /// undoes the change (`account::email_restore`) when there is one.
    EmailChanged {
        new: &'a str,
        undo: Option<&'a str>,
    },
    AuthenticatorAdded,
    AuthenticatorRemoved,
    /// A new set of recovery codes is in force; older ones no longer work.
    RecoveryCodesCreated,
    RecoveryCodesRemoved,
    AccountDeleted,
    /// The first factor, and then no second factor in time.
    UnfinishedSignIn {
        by: FirstFactor<'a>,
    },
    /// A sign-in provider was linked to the account, with the account's
    /// password: from now on that provider's account signs in to it.
    ProviderLinked {
        provider: ProviderName<'a>,
    },
    /// A sign-in provider no longer signs in to the account.
    ProviderRemoved {
        provider: ProviderName<'a>,
    },
}

/// A sign-in provider: Kratos' `id` for it, which the activity keeps (the SPA
/// labels it as it is configured when shown), and its `label` for a mail,
/// which is read once and must say what people call it ("Google", not "google").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderName<'a> {
    pub id: &'a str,
    pub label: &'a str,
}

/// The first step of a sign-in that asks for a second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstFactor<'a> {
    Password,
    Provider(ProviderName<'a>),
    /// A code from "Forgot your password?", mailed to the account's address.
    RecoveryCode,
}

impl FirstFactor<'_> {
    /// Kratos' name for the method, as the activity keeps it.
    fn method(self) -> &'static str {
        match self {
            FirstFactor::Password => "password",
            FirstFactor::Provider(_) => "oidc",
            FirstFactor::RecoveryCode => "code_recovery",
        }
    }
}

/// What a person is told of by mail, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    NewSignIn,
    PasswordChanged,
    EmailChanged,
    AuthenticatorAdded,
    AuthenticatorRemoved,
    RecoveryCodesCreated,
    RecoveryCodesRemoved,
    AccountDeleted,
    UnfinishedSignIn,
    ProviderLinked,
    ProviderRemoved,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 11] = [
        NoticeKind::NewSignIn,
        NoticeKind::PasswordChanged,
        NoticeKind::EmailChanged,
        NoticeKind::AuthenticatorAdded,
        NoticeKind::AuthenticatorRemoved,
        NoticeKind::RecoveryCodesCreated,
        NoticeKind::RecoveryCodesRemoved,
        NoticeKind::AccountDeleted,
        NoticeKind::UnfinishedSignIn,
        NoticeKind::ProviderLinked,
        NoticeKind::ProviderRemoved,
    ];

    /// What the log calls it: never an address.
    fn name(self) -> &'static str {
        match self {
            NoticeKind::NewSignIn => "new sign-in",
            NoticeKind::PasswordChanged => "password changed",
            NoticeKind::EmailChanged => "email changed",
            NoticeKind::AuthenticatorAdded => "authenticator added",
            NoticeKind::AuthenticatorRemoved => "authenticator removed",
            NoticeKind::RecoveryCodesCreated => "recovery codes created",
            NoticeKind::RecoveryCodesRemoved => "recovery codes removed",
            NoticeKind::AccountDeleted => "account deleted",
            NoticeKind::UnfinishedSignIn => "unfinished sign-in",
            NoticeKind::ProviderLinked => "provider linked",
            NoticeKind::ProviderRemoved => "provider removed",
        }
    }
}

impl Notice<'_> {
    pub fn kind(&self) -> NoticeKind {
        match self {
            Notice::NewSignIn { .. } => NoticeKind::NewSignIn,
            Notice::PasswordChanged => NoticeKind::PasswordChanged,
            Notice::EmailChanged { .. } => NoticeKind::EmailChanged,
            Notice::AuthenticatorAdded => NoticeKind::AuthenticatorAdded,
            Notice::AuthenticatorRemoved => NoticeKind::AuthenticatorRemoved,
            Notice::RecoveryCodesCreated => NoticeKind::RecoveryCodesCreated,
            Notice::RecoveryCodesRemoved => NoticeKind::RecoveryCodesRemoved,
            Notice::AccountDeleted => NoticeKind::AccountDeleted,
            Notice::UnfinishedSignIn { .. } => NoticeKind::UnfinishedSignIn,
            Notice::ProviderLinked { .. } => NoticeKind::ProviderLinked,
            Notice::ProviderRemoved { .. } => NoticeKind::ProviderRemoved,
        }
    }
}

/// Whom a notice goes to.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub email: &'a str,
    pub name: &'a str,
}

impl<'a> From<&'a crate::ory::Identity> for Recipient<'a> {
    fn from(identity: &'a crate::ory::Identity) -> Self {
        Recipient { email: &identity.traits.email, name: &identity.traits.name }
    }
}

struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Writes notices to the outbox and sends them. `Clone` is cheap.
#[derive(Clone)]
pub struct Notifier {
    db: DatabaseConnection,
    mailer: Option<Arc<Mailer>>,
    /// How long a sign-in may wait for its second factor before the owner is
    /// told; `None`: never.
    unfinished_sign_in_after: Option<Duration>,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error("the SMTP server did not take the message: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("the message could not be built: {0}")]
    Message(#[from] lettre::error::Error),
    #[error("the stored recipient is not an address: {0}")]
    Address(#[from] lettre::address::AddressError),
}

impl Notifier {
    /// A notifier sending through `smtp_url` (lettre's form: `smtps://user:pass@host`,
    /// `smtp://host:587?tls=required`, or plain `smtp://host:port` on a trusted
    /// network), or one that sends nothing and writes nothing.
    pub fn new(db: DatabaseConnection, smtp_url: Option<&SecretString>, from: Mailbox) -> Result<Self, String> {
        let mailer = match smtp_url {
            None => None,
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    // The URL holds the SMTP password: its parse error might quote it.
                    .map_err(|_| "not an SMTP URL (smtp://host:port, smtps://user:password@host)".to_owned())?
                    .timeout(Some(Duration::from_secs(10)))
                    .build();
                Some(Arc::new(Mailer { transport, from }))
            }
        };
        Ok(Notifier { db, mailer, unfinished_sign_in_after: Some(UNFINISHED_SIGN_IN_AFTER) })
    }

    /// Sets how long a sign-in may wait for its second factor before the owner
    /// is told (`None`: never). Whole seconds: the outbox keeps seconds.
    pub fn with_unfinished_sign_in_after(mut self, after: Option<Duration>) -> Self {
        self.unfinished_sign_in_after = after.map(|after| Duration::from_secs(after.as_secs_f64().ceil() as u64));
        self
    }

    pub fn is_on(&self) -> bool {
        self.mailer.is_some()
    }

    /// The kinds of notice this notifier sends.
    pub fn kinds(&self) -> Vec<NoticeKind> {
        if !self.is_on() {
            return Vec::new();
        }
        let unfinished = self.unfinished_sign_in_after.is_some();
        NoticeKind::ALL.into_iter().filter(|kind| unfinished || *kind != NoticeKind::UnfinishedSignIn).collect()
    }

    /// Puts the notice in the outbox and starts sending it. Never fails the
    /// caller: the change it reports has already happened.
    pub async fn notify(&self, to: Recipient<'_>, notice: Notice<'_>, client: &ClientInfo) {
        if self.mailer.is_none() {
            return;
        }
        let (subject, body) = compose(to, notice, client, Utc::now());
        if let Err(error) = self.enqueue(to.email, &subject, &body, Duration::ZERO, None).await {
            // No address in the log: it is what a person typed.
            tracing::warn!(%error, notice = notice.kind().name(), "could not queue a security notice");
            return;
        }
        let notifier = self.clone();
        tokio::spawn(async move {
            if let Err(error) = notifier.send_due().await {
                tracing::warn!(%error, "could not send security notices; retrying later");
            }
        });
    }

    /// Something happened to the account of `identity`: it goes into the
    /// account's security activity, and its notice to the account's address.
    /// Never fails the caller: the change has happened in Kratos.
    pub async fn record(&self, identity: &Identity, notice: Notice<'_>, client: &ClientInfo) {
        let kind = match notice {
            Notice::PasswordChanged => Some(ActivityKind::PasswordChanged),
            Notice::EmailChanged { .. } => Some(ActivityKind::EmailChanged),
            Notice::AuthenticatorAdded => Some(ActivityKind::AuthenticatorAdded),
            Notice::AuthenticatorRemoved => Some(ActivityKind::AuthenticatorRemoved),
            Notice::RecoveryCodesCreated => Some(ActivityKind::RecoveryCodesCreated),
            Notice::RecoveryCodesRemoved => Some(ActivityKind::RecoveryCodesRemoved),
            Notice::ProviderLinked { .. } => Some(ActivityKind::ProviderLinked),
            Notice::ProviderRemoved { .. } => Some(ActivityKind::ProviderRemoved),
            // Logged by `signed_in`, with the sign-in itself.
            Notice::NewSignIn { .. } => None,
            // Nobody is left to read it, and the purge removes the activity.
            Notice::AccountDeleted => None,
            // Logged, and queued, by `first_factor_accepted`, never through here.
            Notice::UnfinishedSignIn { .. } => None,
        };
        let provider = match notice {
            Notice::ProviderLinked { provider } | Notice::ProviderRemoved { provider } => Some(provider.id),
            _ => None,
        };
        if let Some(kind) = kind {
            self.log(identity, Event { provider, ..Event::of(kind) }, client).await;
        }
        if let Notice::AccountDeleted = notice {
            // A half sign-in to an account that is gone is no longer news.
            self.withdraw_unfinished_to(&identity.traits.email).await;
        }
        self.notify(identity.into(), notice, client).await;
    }

    /// An email change was undone (`account::email_restore`): logged. No mail:
    /// the person who did it is reading the address it went to.
    pub async fn restored(&self, identity: Uuid, client: &ClientInfo) {
        if let Err(error) = activity::record(&self.db, identity, Event::of(ActivityKind::EmailRestored), client).await {
            tracing::warn!(%error, user = %identity, "could not add to an account's security activity");
        }
    }

    /// A new account: its device is its first (a sign-in from it later is no
    /// news), and its activity begins.
    pub async fn registered(&self, identity: &Identity, client: &ClientInfo) {
        if let Err(error) = devices::sighting(&self.db, identity.id, client).await {
            tracing::warn!(%error, user = %identity.id, "could not remember the device of a registration");
        }
        self.log(identity, Event::of(ActivityKind::Registered), client).await;
    }

    /// Whether the account has signed in from `client`'s device before (what
    /// the half-sign-in limit spares). Not knowing says no.
    pub async fn knows_device(&self, identity: Uuid, client: &ClientInfo) -> bool {
        devices::is_known(&self.db, identity, client).await.unwrap_or_else(|error| {
            tracing::warn!(%error, user = %identity, "could not look up a device; taken as new");
            false
        })
    }

    /// A complete sign-in: logged, and told to the account's address if it came
    /// from a device the account has not used before (`devices`). Never fails
    /// the sign-in, which Kratos has made.
    pub async fn signed_in(&self, session: &Session, client: &ClientInfo) {
        let identity = &session.identity;
        let sighting = devices::sighting(&self.db, identity.id, client).await.unwrap_or_else(|error| {
            tracing::warn!(%error, user = %identity.id, "could not look up the device of a sign-in; no notice");
            devices::Sighting::Known
        });
        let new = sighting == devices::Sighting::New;
        let event = Event {
            new_device: new,
            methods: &session.summary.methods,
            provider: session.summary.providers.first().map(String::as_str),
            ..Event::of(ActivityKind::SignedIn)
        };
        self.log(identity, event, client).await;
        if new {
            self.notify(identity.into(), Notice::NewSignIn { methods: &session.summary.methods }, client).await;
        }
    }

    /// The first factor (the right password, a sign-in provider, a recovery code
    /// from the mail) signed in
    /// `identity` half-way, and a second factor is asked for: it is in the
    /// activity, and unless [`second_factor_given`](Self::second_factor_given)
    /// with the same `token` comes first, the owner is told once the wait is
    /// over. Never fails the sign-in: it only costs the owner a warning.
    pub async fn first_factor_accepted(
        &self,
        identity: &Identity,
        token: &SessionToken,
        by: FirstFactor<'_>,
        client: &ClientInfo,
    ) {
        let key = sha256_hex(&[token.expose().as_bytes()]);
        let methods = [by.method().to_owned()];
        let provider = match by {
            FirstFactor::Provider(provider) => Some(provider.id),
            FirstFactor::Password | FirstFactor::RecoveryCode => None,
        };
        let event = Event {
            session_token_hash: Some(&key),
            methods: &methods,
            provider,
            ..Event::of(ActivityKind::UnfinishedSignIn)
        };
        self.log(identity, event, client).await;
        let Some(after) = self.unfinished_sign_in_after.filter(|_| self.is_on()) else { return };
        // Each half sign-in waits with its own token's hash, so that finishing one
        // withdraws that one only: the owner's own half sign-in cannot hide a
        // stranger's made meanwhile. Someone with the first factor can repeat the
        // first step at will, so the first sent takes the others waiting with it
        // (`send_due`): at most one mail per address per wait.
        match self.other_unfinished(&identity.traits.email, Uuid::nil()).await {
            Ok(waiting) if waiting.len() < MAX_UNFINISHED_WAITING => {}
            Ok(_) => {
                tracing::info!(user = %identity.id, "enough unfinished sign-ins' notices are waiting already");
                return;
            }
            Err(error) => {
                tracing::warn!(%error, user = %identity.id, "could not queue the notice of an unfinished sign-in");
                return;
            }
        }
        let (subject, body) = compose(identity.into(), Notice::UnfinishedSignIn { by }, client, Utc::now());
        if let Err(error) = self.enqueue(&identity.traits.email, &subject, &body, after, Some(&key)).await {
            tracing::warn!(%error, user = %identity.id, "could not queue the notice of an unfinished sign-in");
            return;
        }
        // Sent from here when it is due; the sender's tick catches it if this
        // replica is gone by then.
        let notifier = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after + Duration::from_millis(100)).await;
            if let Err(error) = notifier.send_due().await {
                tracing::warn!(%error, "could not send security notices; retrying later");
            }
        });
    }

    async fn withdraw_unfinished_to(&self, recipient: &str) {
        if !self.is_on() {
            return;
        }
        let delete = Query::delete()
            .from_table(table())
            .and_where(Expr::col(ident("recipient")).eq(recipient))
            .and_where(Expr::col(ident("session_token_hash")).is_not_null())
            .to_owned();
        if let Err(error) = self.db.execute(&delete).await {
            tracing::warn!(%error, "could not withdraw the notice of an unfinished sign-in");
        }
    }

    /// The sign-in behind `token` got its second factor: nothing to tell, and
    /// its password step leaves the activity (the sign-in itself is logged).
    pub async fn second_factor_given(&self, token: &SessionToken) {
        let key = sha256_hex(&[token.expose().as_bytes()]);
        if let Err(error) = activity::withdraw(&self.db, &key).await {
            tracing::warn!(%error, "could not take a finished sign-in out of the activity's unfinished ones");
        }
        if !self.is_on() {
            return;
        }
        let delete =
            Query::delete().from_table(table()).and_where(Expr::col(ident("session_token_hash")).eq(key)).to_owned();
        if let Err(error) = self.db.execute(&delete).await {
            // The owner will be told of a sign-in they finished: a false alarm,
            // not a missed one.
            tracing::warn!(%error, "could not withdraw the notice of an unfinished sign-in");
        }
    }

    async fn log(&self, identity: &Identity, event: Event<'_>, client: &ClientInfo) {
        if let Err(error) = activity::record(&self.db, identity.id, event, client).await {
            tracing::warn!(%error, user = %identity.id, kind = ?event.kind, "could not add to an account's security activity");
        }
    }

    async fn enqueue(
        &self,
        recipient: &str,
        subject: &str,
        body: &str,
        after: Duration,
        session_token_hash: Option<&str>,
    ) -> Result<(), DbErr> {
        let now = unix_now();
        let due = now.saturating_add(i64::try_from(after.as_secs()).unwrap_or(i64::MAX));
        let insert = Query::insert()
            .into_table(table())
            .columns([
                ident("id"),
                ident("recipient"),
                ident("subject"),
                ident("body"),
                ident("created_at"),
                ident("send_after"),
                ident("session_token_hash"),
            ])
            .values_panic([
                // Time-ordered: `created_at` keeps whole seconds, and the id
                // says which of two notices in one second was made first.
                Expr::value(Uuid::now_v7()),
                Expr::value(recipient),
                Expr::value(subject),
                Expr::value(body),
                Expr::value(now),
                Expr::value(due),
                Expr::value(session_token_hash.map(str::to_owned)),
            ])
            .to_owned();
        self.db.execute(&insert).await?;
        Ok(())
    }

    /// Sends every notice that is due; returns how many were sent.
    pub async fn send_due(&self) -> Result<usize, NotifyError> {
        let Some(mailer) = &self.mailer else { return Ok(0) };
        let now = unix_now();
        let due = Query::select()
            .columns([
                ident("id"),
                ident("recipient"),
                ident("subject"),
                ident("body"),
                ident("attempts"),
                ident("session_token_hash"),
            ])
            .from(table())
            .and_where(Expr::col(ident("send_after")).lte(now))
            .order_by(ident("send_after"), Order::Asc)
            .limit(BATCH)
            .to_owned();
        let (mut sent, mut failure) = (0, None);
        for row in self.db.query_all(&due).await? {
            let id: Uuid = row.try_get("", "id")?;
            let attempts: i32 = row.try_get("", "attempts")?;
            let recipient: String = row.try_get("", "recipient")?;
            let unfinished = row.try_get::<Option<String>>("", "session_token_hash")?.is_some();
            // Of an address's unfinished sign-ins, only the first made is sent (and
            // takes the others): senders that wake together, on this replica or
            // another, must not each send one.
            if unfinished && self.first_unfinished(&recipient).await? != Some(id) {
                continue;
            }
            if !self.claim(id, attempts, now).await? {
                continue;
            }
            let mut body: String = row.try_get("", "body")?;
            let subject: String = row.try_get("", "subject")?;
            let others = if unfinished { self.other_unfinished(&recipient, id).await? } else { Vec::new() };
            if !others.is_empty() {
                body = with_more_unfinished(&body, &Others::of(&subject, others.iter().map(|(_, s)| s.as_str())));
            }
            let others: Vec<Uuid> = others.into_iter().map(|(id, _)| id).collect();
            let message = Message::builder()
                .from(mailer.from.clone())
                .to(Mailbox::new(None, recipient.parse()?))
                .subject(subject)
                .header(ContentType::TEXT_PLAIN)
                .body(body)?;
            match mailer.transport.send(message).await {
                Ok(_) => {
                    // Told, with how many there were: the others go with it, in the
                    // same statement, so that no sender finds one of them first
                    // made in between.
                    self.remove(&[&[id], others.as_slice()].concat()).await?;
                    sent += 1;
                }
                // A 5xx (no such mailbox, say) will not change by waiting.
                Err(error) if error.is_permanent() || attempts + 1 >= MAX_ATTEMPTS => {
                    tracing::error!(%error, attempts = attempts + 1, "gave up on a security notice");
                    self.remove(&[id]).await?;
                }
                // The others are tried too: a refusal may be this recipient's alone.
                Err(error) => failure = Some(error),
            }
        }
        match failure {
            Some(error) if sent == 0 => Err(error.into()),
            Some(error) => {
                tracing::warn!(%error, sent, "some security notices wait for another attempt");
                Ok(sent)
            }
            None => Ok(sent),
        }
    }

    /// Moves the notice's next attempt past this one (backing off: 1, 2, 4 …
    /// minutes, at most 4 hours), if no other replica has; whether this one did.
    async fn claim(&self, id: Uuid, attempts: i32, now: i64) -> Result<bool, DbErr> {
        let wait = 60_i64 << attempts.clamp(0, 8);
        let claim = Query::update()
            .table(table())
            .value(ident("send_after"), now + wait)
            .value(ident("attempts"), attempts + 1)
            .and_where(Expr::col(ident("id")).eq(id))
            .and_where(Expr::col(ident("attempts")).eq(attempts))
            .and_where(Expr::col(ident("send_after")).lte(now))
            .to_owned();
        Ok(self.db.execute(&claim).await?.rows_affected() == 1)
    }

    /// The first made of the unfinished sign-ins' notices waiting for `recipient`.
    async fn first_unfinished(&self, recipient: &str) -> Result<Option<Uuid>, DbErr> {
        let select = Query::select()
            .column(ident("id"))
            .from(table())
            .and_where(Expr::col(ident("recipient")).eq(recipient))
            .and_where(Expr::col(ident("session_token_hash")).is_not_null())
            .order_by(ident("created_at"), Order::Asc)
            .order_by(ident("id"), Order::Asc)
            .limit(1)
            .to_owned();
        self.db.query_one(&select).await?.map(|row| row.try_get("", "id")).transpose()
    }

    /// The unfinished sign-ins' notices waiting for `recipient`, but `id`'s,
    /// with their subjects; at most the most there can be.
    async fn other_unfinished(&self, recipient: &str, id: Uuid) -> Result<Vec<(Uuid, String)>, DbErr> {
        let select = Query::select()
            .columns([ident("id"), ident("subject")])
            .from(table())
            .and_where(Expr::col(ident("recipient")).eq(recipient))
            .and_where(Expr::col(ident("session_token_hash")).is_not_null())
            .and_where(Expr::col(ident("id")).ne(id))
            .limit(MAX_UNFINISHED_WAITING as u64)
            .to_owned();
        self.db
            .query_all(&select)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("", "id")?, row.try_get("", "subject")?)))
            .collect()
    }

    async fn remove(&self, ids: &[Uuid]) -> Result<(), DbErr> {
        let delete =
            Query::delete().from_table(table()).and_where(Expr::col(ident("id")).is_in(ids.iter().copied())).to_owned();
        self.db.execute(&delete).await?;
        Ok(())
    }

    /// Sends due notices every [`INTERVAL`]; errors wait for the next tick.
    pub async fn run_forever(self) {
        if self.mailer.is_none() {
            return;
        }
        let mut ticks = tokio::time::interval(INTERVAL);
        loop {
            ticks.tick().await;
            match self.send_due().await {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "sent security notices"),
                Err(error) => tracing::warn!(%error, "could not send security notices; retrying later"),
            }
        }
    }
}

fn table() -> Alias {
    ident("mail_outbox")
}

/// The subject and plain-text body of a notice.
fn compose(to: Recipient<'_>, notice: Notice<'_>, client: &ClientInfo, at: DateTime<Utc>) -> (String, String) {
    let when = at.format("%Y-%m-%d %H:%M UTC");
    let from = device(client);
    let (subject, what, if_not): (String, String, std::borrow::Cow<'static, str>) = match notice {
        Notice::NewSignIn { methods } => (
            format!("New sign-in to your {PRODUCT} account"),
            format!("Someone signed in to your {PRODUCT} account ({}){}", to.email, with_methods(methods)),
            "someone else knows your password: sign that session out under Settings, \"Your sessions\", \
             set a new password with \"Forgot your password?\" on the login screen, which signs out every \
             other session, and turn on two-factor authentication in Settings."
                .into(),
        ),
        Notice::PasswordChanged => (
            format!("Your {PRODUCT} password was changed"),
            format!("The password of your {PRODUCT} account ({}) was changed", to.email),
            "someone else knows your password: choose \"Forgot your password?\" on the login \
             screen to set a new one, which signs out every other session, and turn on \
             two-factor authentication in Settings."
                .into(),
        ),
        Notice::EmailChanged { new, undo } => (
            format!("Your {PRODUCT} email address was changed"),
            format!("The email address of your {PRODUCT} account was changed from {} to {new}", to.email),
            match undo {
                Some(link) => format!(
                    "someone else has control of your account, and this address no longer signs in to it or \
                     receives its recovery codes. Open this link within seven days to undo the change:\n\n{link}\n\n\
                     It puts this address back, signs every session out, and removes an authenticator app or \
                     recovery codes set up since. Then set a new password with \"Forgot your password?\" on the \
                     login screen. Do not forward this mail: the link works for whoever has it."
                )
                .into(),
                None => "someone else has control of your account, and this address no longer signs in \
                         to it or receives its recovery codes: tell the people who run this service at once."
                    .into(),
            },
        ),
        Notice::AuthenticatorAdded => (
            format!("Two-factor authentication was turned on for your {PRODUCT} account"),
            format!("An authenticator app was set up for your {PRODUCT} account ({})", to.email),
            "someone else can sign in to your account, and from now on their app's codes are \
             asked for: set a new password with \"Forgot your password?\" on the login screen, \
             and tell the people who run this service."
                .into(),
        ),
        Notice::AuthenticatorRemoved => (
            format!("Two-factor authentication was turned off on your {PRODUCT} account"),
            format!("The authenticator app of your {PRODUCT} account ({}) was removed", to.email),
            "someone else can sign in to your account: set a new password with \"Forgot your \
             password?\" on the login screen, then set up an authenticator app again in Settings."
                .into(),
        ),
        Notice::RecoveryCodesCreated => (
            format!("New recovery codes were made for your {PRODUCT} account"),
            format!(
                "New recovery codes were put in force for your {PRODUCT} account ({}), and any older ones no \
                 longer work",
                to.email
            ),
            "someone else can sign in to your account with those codes: set a new password with \
             \"Forgot your password?\" on the login screen, then make new recovery codes in Settings, which \
             ends theirs, and check your authenticator app there."
                .into(),
        ),
        Notice::RecoveryCodesRemoved => (
            format!("The recovery codes of your {PRODUCT} account were removed"),
            format!("The recovery codes of your {PRODUCT} account ({}) were removed", to.email),
            "someone else can sign in to your account: set a new password with \"Forgot your \
             password?\" on the login screen, and review your second factors in Settings."
                .into(),
        ),
        Notice::UnfinishedSignIn { by: FirstFactor::Password } => (
            password_subject(),
            format!(
                "Someone entered the right password for your {PRODUCT} account ({}) and then did not give \
                 the second factor",
                to.email
            ),
            "someone else knows your password, and only your second factor stopped them: set a new \
             password with \"Forgot your password?\" on the login screen, which signs out every other \
             session."
                .into(),
        ),
        Notice::UnfinishedSignIn { by: FirstFactor::Provider(provider) } => {
            let provider = one_line(provider.label, 40);
            (
                provider_subject(&provider),
                format!(
                    "Someone signed in to your {PRODUCT} account ({}) with {provider} and then did not give the \
                     second factor",
                    to.email
                ),
                format!(
                    "someone else has control of the {provider} account linked to yours, and only your second \
                     factor stopped them: secure that account at {provider}, remove {provider} from your \
                     account in Settings, and sign out the sessions you do not know there."
                )
                .into(),
            )
        }
        Notice::UnfinishedSignIn { by: FirstFactor::RecoveryCode } => (
            mailed_code_subject(),
            format!(
                "Someone used a recovery code mailed to your address to sign in to your {PRODUCT} account ({}) \
                 and then did not give the second factor",
                to.email
            ),
            "someone else can read your mail, and only your second factor stopped them: secure your \
             mailbox first (its password, and its own second factor), then set a new password with \
             \"Forgot your password?\" on the login screen, which signs out every other session."
                .into(),
        ),
        Notice::ProviderLinked { provider } => {
            let provider = one_line(provider.label, 40);
            (
                format!("{provider} was linked to your {PRODUCT} account"),
                format!(
                    "Your {PRODUCT} account ({}) was linked to a {provider} account with the same address, with \
                     your password; from now on that {provider} account signs in to yours",
                    to.email
                ),
                format!(
                    "someone else knows your password and has a {provider} account with your address: remove \
                     {provider} from your account in Settings, and set a new password with \"Forgot your \
                     password?\" on the login screen."
                )
                .into(),
            )
        }
        Notice::ProviderRemoved { provider } => {
            let provider = one_line(provider.label, 40);
            (
                format!("{provider} was removed from your {PRODUCT} account"),
                format!("{provider} no longer signs in to your {PRODUCT} account ({})", to.email),
                "someone else can sign in to your account: set a new password with \"Forgot your \
                 password?\" on the login screen, which signs out every other session, and sign in with the \
                 provider again to link it back."
                    .into(),
            )
        }
        Notice::AccountDeleted => (
            format!("Your {PRODUCT} account was deleted"),
            format!("Your {PRODUCT} account ({}) was deleted, with the groups and documents you owned", to.email),
            "someone else had access to your account, and what it held cannot be brought \
             back; you can register again with this address."
                .into(),
        ),
    };
    // Why this sign-in, of all of them, is worth a mail.
    let why = match notice {
        Notice::NewSignIn { .. } => {
            "That browser or app, or that network, had not been used with your account before.\n\n"
        }
        Notice::UnfinishedSignIn { .. } => {
            "A sign-in that gets its authenticator app code or recovery code soon after is not told of.\n\n"
        }
        _ => "",
    };
    let body = format!(
        "Hello {name},\n\n{what} on {when}, from {from}.\n\n{why}If this was you, there is nothing to do.\n\n\
         If it was not, {if_not}\n\n— {PRODUCT}\n",
        name = one_line(to.name, 100),
    );
    (subject, body)
}

/// The subject of an unfinished sign-in begun with a recovery code from the
/// account's mail: the sender looks for it among the notices a mail covers.
fn mailed_code_subject() -> String {
    format!("A recovery code for your {PRODUCT} account was used, but the sign-in was not finished")
}

/// The subject of an unfinished sign-in begun with the password.
fn password_subject() -> String {
    format!("Your {PRODUCT} password was entered, but the sign-in was not finished")
}

/// The subject of an unfinished sign-in begun with a provider, and the
/// provider's label read back from one (the sender's only record of it).
fn provider_subject(label: &str) -> String {
    format!("Someone signed in to your {PRODUCT} account with {label}, but did not finish")
}

fn provider_of_subject(subject: &str) -> Option<&str> {
    let head = format!("Someone signed in to your {PRODUCT} account with ");
    subject.strip_prefix(head.as_str())?.strip_suffix(", but did not finish")
}

/// The other unfinished sign-ins a mail takes with it, as far as what to do
/// differs from the mail's own: those begun another way (the password, a
/// mailed recovery code, another provider) than the mail's.
#[derive(Debug, Default, PartialEq, Eq)]
struct Others {
    count: usize,
    by_password: usize,
    by_mailed_code: usize,
    by_provider: usize,
    /// Their distinct labels, in the order met.
    providers: Vec<String>,
}

impl Others {
    /// Of the notices with these `subjects`, taken by the one with `own`: what
    /// `own` does not say already.
    fn of<'a>(own: &str, subjects: impl Iterator<Item = &'a str>) -> Self {
        let mut others = Others::default();
        for subject in subjects {
            others.count += 1;
            if subject == password_subject() && own != password_subject() {
                others.by_password += 1;
            }
            if subject == mailed_code_subject() && own != mailed_code_subject() {
                others.by_mailed_code += 1;
            }
            if let Some(label) = provider_of_subject(subject)
                && provider_of_subject(own) != Some(label)
            {
                others.by_provider += 1;
                if !others.providers.iter().any(|known| known == label) {
                    others.providers.push(label.to_owned());
                }
            }
        }
        others
    }
}

/// "It", "One of them", "3 of them": which of `more` others did something.
fn which_of(more: usize, did: usize) -> Option<String> {
    match (more, did) {
        (_, 0) => None,
        (1, _) => Some("It".to_owned()),
        (_, 1) => Some("One of them".to_owned()),
        (_, n) => Some(format!("{n} of them")),
    }
}

/// An unfinished sign-in's notice that also tells of the `others` waiting,
/// before its sign-off.
fn with_more_unfinished(body: &str, others: &Others) -> String {
    let sign_off = format!("\n\n— {PRODUCT}\n");
    let more = others.count;
    let count = match more {
        1 => "one more sign-in".to_owned(),
        // The others waiting are all there were only below the cap.
        more if more + 1 >= MAX_UNFINISHED_WAITING => format!("at least {more} more sign-ins"),
        more => format!("{more} more sign-ins"),
    };
    // The others may have begun otherwise (a provider, a recovery code): the
    // activity says how each began.
    let mut note = format!(
        "\n\nSince then, {count} stopped at the second factor: Settings, \"Security activity\", \
         lists each one with how it began and the device it came from."
    );
    // What a combined mail must not lose is what changes what to do: the
    // password means someone knows it, a mailed recovery code that someone
    // reads the person's mail, and a provider that someone controls the
    // person's account there.
    if let Some(began) = which_of(more, others.by_password) {
        note.push_str(&format!(
            " {began} began with your password: someone else knows it, so set a new one with \"Forgot your \
             password?\" on the login screen."
        ));
    }
    if let Some(began) = which_of(more, others.by_mailed_code) {
        note.push_str(&format!(
            " {began} began with a recovery code mailed to this address: someone else can read your mail, so \
             secure your mailbox first (its password, and its own second factor)."
        ));
    }
    if let Some(began) = which_of(more, others.by_provider) {
        let providers = others.providers.join(" and ");
        let (accounts, them) = match others.providers.len() {
            1 => (format!("the {providers} account"), "it"),
            _ => (format!("the {providers} accounts"), "them"),
        };
        note.push_str(&format!(
            " {began} began with {providers}: someone else has control of {accounts} linked to yours, so \
             secure {them} there and remove {them} from your account in Settings."
        ));
    }
    match body.strip_suffix(&sign_off) {
        Some(text) => format!("{text}{note}{sign_off}"),
        None => format!("{body}{note}\n"),
    }
}

/// How a sign-in was made, as a person would say it (", with the password and an
/// authenticator app code"), or nothing when Kratos did not say.
fn with_methods(methods: &[String]) -> String {
    let words: Vec<String> = methods
        .iter()
        .map(|method| match method.as_str() {
            "password" => "the password".to_owned(),
            "totp" => "an authenticator app code".to_owned(),
            "lookup_secret" => "a recovery code".to_owned(),
            "code_recovery" => "a recovery code sent by email".to_owned(),
            "code" => "a code sent by email".to_owned(),
            "oidc" => "a sign-in provider".to_owned(),
            other => one_line(other, 40),
        })
        .collect();
    match words.as_slice() {
        [] => String::new(),
        [one] => format!(", with {one}"),
        [first @ .., last] => format!(", with {} and {last}", first.join(", ")),
    }
}

/// The client as a person would recognise it: its user agent and address.
fn device(client: &ClientInfo) -> String {
    let agent = client.user_agent.as_deref().map(|agent| one_line(agent, 200)).filter(|agent| !agent.is_empty());
    match (agent, client.ip) {
        (Some(agent), Some(ip)) => format!("{agent} at {ip}"),
        (Some(agent), None) => agent,
        (None, Some(ip)) => format!("an unnamed device at {ip}"),
        (None, None) => "an unknown device".to_owned(),
    }
}

/// `text` without control characters, at most `max` characters: it came from
/// a client, and goes into someone's mail.
fn one_line(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect::<String>().trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_says_what_when_and_from_where_without_a_code() {
        let client = ClientInfo { user_agent: Some("Firefox/1\r\nBcc: x@y".into()), ip: Some([203, 0, 113, 5].into()) };
        let to = Recipient { email: "ada@example.com", name: "Ada" };
        let at = DateTime::parse_from_rfc3339("2026-12-06T04:50:00Z").unwrap().with_timezone(&Utc);
        let (subject, body) = compose(to, Notice::EmailChanged { new: "eve@example.org", undo: None }, &client, at);
        assert_eq!(subject, "Your ory-spa email address was changed");
        assert!(body.contains("from ada@example.com to eve@example.org on 2026-12-06 04:50 UTC"), "{body}");
        assert!(body.contains("from Firefox/1Bcc: x@y at 203.0.113.5."), "no line break from the client: {body}");
        // A test's mailbox reads the first six-digit run of a mail as its code.
        assert!(!body.split(|c: char| !c.is_ascii_digit()).any(|run| run.len() == 6), "{body}");
    }

    #[test]
    fn a_new_sign_in_says_how_it_was_made() {
        let methods = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect::<Vec<_>>();
        assert_eq!(with_methods(&[]), "");
        assert_eq!(with_methods(&methods(&["password"])), ", with the password");
        assert_eq!(with_methods(&methods(&["password", "totp"])), ", with the password and an authenticator app code");
        assert_eq!(
            with_methods(&methods(&["oidc", "totp", "lookup_secret"])),
            ", with a sign-in provider, an authenticator app code and a recovery code"
        );
        assert_eq!(with_methods(&methods(&["webauthn"])), ", with webauthn");
        let client = ClientInfo { user_agent: Some("Phone/1.0".into()), ip: None };
        let to = Recipient { email: "ada@example.com", name: "Ada" };
        let at = DateTime::parse_from_rfc3339("2026-12-06T04:50:00Z").unwrap().with_timezone(&Utc);
        let (subject, body) = compose(to, Notice::NewSignIn { methods: &methods(&["code_recovery"]) }, &client, at);
        assert_eq!(subject, "New sign-in to your ory-spa account");
        assert!(
            body.contains(
                "Someone signed in to your ory-spa account (ada@example.com), with a recovery code sent by email \
                 on 2026-12-06 04:50 UTC, from Phone/1.0."
            ),
            "{body}"
        );
    }

    #[test]
    fn an_unfinished_sign_in_says_the_password_is_known_and_what_to_do() {
        let client = ClientInfo { user_agent: Some("Stranger/1.0".into()), ip: Some([198, 51, 100, 7].into()) };
        let to = Recipient { email: "ada@example.com", name: "Ada" };
        let at = DateTime::parse_from_rfc3339("2026-12-06T04:50:00Z").unwrap().with_timezone(&Utc);
        let (subject, body) = compose(to, Notice::UnfinishedSignIn { by: FirstFactor::Password }, &client, at);
        assert_eq!(subject, "Your ory-spa password was entered, but the sign-in was not finished");
        assert!(
            body.contains(
                "Someone entered the right password for your ory-spa account (ada@example.com) and then did not \
                 give the second factor on 2026-12-06 04:50 UTC, from Stranger/1.0 at 198.51.100.7."
            ),
            "{body}"
        );
        assert!(body.contains("only your second factor stopped them"), "{body}");
    }

    #[test]
    fn an_unfinished_recovery_says_the_mail_is_read_and_to_secure_it_first() {
        let client = ClientInfo { user_agent: Some("Stranger/1.0".into()), ip: None };
        let to = Recipient { email: "ada@example.com", name: "Ada" };
        let at = DateTime::parse_from_rfc3339("2026-12-06T04:50:00Z").unwrap().with_timezone(&Utc);
        let (subject, body) = compose(to, Notice::UnfinishedSignIn { by: FirstFactor::RecoveryCode }, &client, at);
        assert_eq!(subject, "A recovery code for your ory-spa account was used, but the sign-in was not finished");
        assert!(
            body.contains(
                "Someone used a recovery code mailed to your address to sign in to your ory-spa account \
                 (ada@example.com) and then did not give the second factor on 2026-12-06 04:50 UTC, from \
                 Stranger/1.0."
            ),
            "{body}"
        );
        assert!(body.contains("someone else can read your mail"), "{body}");
        assert!(body.contains("secure your mailbox first"), "{body}");
        assert_eq!(FirstFactor::RecoveryCode.method(), "code_recovery", "as Kratos names the method");
    }

    #[test]
    fn a_notice_for_several_unfinished_sign_ins_says_how_many_before_its_sign_off() {
        let client = ClientInfo { user_agent: Some("Stranger/1.0".into()), ip: None };
        let to = Recipient { email: "ada@example.com", name: "Ada" };
        let at = DateTime::parse_from_rfc3339("2026-12-06T04:50:00Z").unwrap().with_timezone(&Utc);
        let (_, body) = compose(to, Notice::UnfinishedSignIn { by: FirstFactor::Password }, &client, at);
        let once = with_more_unfinished(&body, &Others { count: 1, ..Others::default() });
        assert!(
            once.contains(
                "\n\nSince then, one more sign-in stopped at the second factor: Settings, \"Security \
                 activity\", lists each one with how it began and the device it came from.\n\n— ory-spa\n"
            ),
            "{once}"
        );
        assert!(once.starts_with(body.strip_suffix("\n\n— ory-spa\n").unwrap()), "{once}");
        assert!(
            with_more_unfinished(&body, &Others { count: 4, ..Others::default() })
                .contains("Since then, 4 more sign-ins stopped at the second factor")
        );
        let capped = with_more_unfinished(&body, &Others { count: MAX_UNFINISHED_WAITING - 1, ..Others::default() });
        assert!(capped.contains("Since then, at least 19 more sign-ins stopped"), "{capped}");
        assert!(!once.contains("mailed to this address"), "{once}");

        let one = with_more_unfinished(&body, &Others { count: 1, by_mailed_code: 1, ..Others::default() });
        assert!(
            one.contains(
                "the device it came from. It began with a recovery code mailed to this address: someone else can \
                 read your mail, so secure your mailbox first (its password, and its own second factor).\n\n— \
                 ory-spa\n"
            ),
            "{one}"
        );
        let three = |by_mailed_code| Others { count: 3, by_mailed_code, ..Others::default() };
        assert!(with_more_unfinished(&body, &three(1)).contains(" One of them began with a recovery code"));
        assert!(with_more_unfinished(&body, &three(2)).contains(" 2 of them began with a recovery code"));
    }

    #[test]
    fn a_combined_notice_names_what_the_others_began_with_when_it_changes_what_to_do() {
        let client = ClientInfo { user_agent: Some("Stranger/1.0".into()), ip: None };
        let to = Recipient { email: "ada@example.com", name: "Ada" };
        let at = DateTime::parse_from_rfc3339("2026-12-06T04:50:00Z").unwrap().with_timezone(&Utc);
        let subject = |by| compose(to, Notice::UnfinishedSignIn { by }, &client, at).0;
        let body_of = |by| compose(to, Notice::UnfinishedSignIn { by }, &client, at).1;
        let provider = |id, label| FirstFactor::Provider(ProviderName { id, label });
        let password = subject(FirstFactor::Password);
        let mailed = subject(FirstFactor::RecoveryCode);
        let google = subject(provider("google", "Google"));
        let github = subject(provider("github", "GitHub"));
        assert_eq!(provider_of_subject(&google), Some("Google"));
        assert_eq!(provider_of_subject(&password), None);

        let of = |own: &str, subjects: &[&String]| Others::of(own, subjects.iter().map(|s| s.as_str()));
        let taken = of(&password, &[&google, &mailed, &google, &github, &password]);
        assert_eq!(
            taken,
            Others {
                count: 5,
                by_password: 0,
                by_mailed_code: 1,
                by_provider: 3,
                providers: vec!["Google".into(), "GitHub".into()]
            },
            "the mail's own kind (the password) it says itself"
        );
        assert_eq!(of(&google, &[&google, &mailed]).by_provider, 0, "and its own provider");
        assert_eq!(of(&mailed, &[&mailed]).by_mailed_code, 0, "and its own recovery code");
        let behind_a_provider =
            with_more_unfinished(&body_of(provider("google", "Google")), &of(&google, &[&password]));
        assert!(
            behind_a_provider.contains(
                " It began with your password: someone else knows it, so set a new one with \"Forgot your \
                 password?\" on the login screen."
            ),
            "{behind_a_provider}"
        );

        let body = body_of(FirstFactor::Password);
        let text = with_more_unfinished(&body, &taken);
        assert!(text.contains(" One of them began with a recovery code mailed to this address"), "{text}");
        assert!(
            text.contains(
                " 3 of them began with Google and GitHub: someone else has control of the Google and GitHub \
                 accounts linked to yours, so secure them there and remove them from your account in Settings."
            ),
            "{text}"
        );
        let one = with_more_unfinished(&body, &of(&password, &[&github]));
        assert!(
            one.contains(
                " It began with GitHub: someone else has control of the GitHub account linked to yours, so secure \
                 it there and remove it from your account in Settings."
            ),
            "{one}"
        );
    }

    #[test]
    fn a_provider_is_named_in_what_it_did_and_in_what_to_do() {
        let client = ClientInfo { user_agent: Some("Stranger/1.0".into()), ip: None };
        let to = Recipient { email: "ada@example.com", name: "Ada" };
        let at = DateTime::parse_from_rfc3339("2026-12-06T04:50:00Z").unwrap().with_timezone(&Utc);
        let by = FirstFactor::Provider(ProviderName { id: "google", label: "Google\r\nBcc: x@y" });
        let (subject, body) = compose(to, Notice::UnfinishedSignIn { by }, &client, at);
        assert_eq!(subject, "Someone signed in to your ory-spa account with GoogleBcc: x@y, but did not finish");
        assert!(body.contains("has control of the GoogleBcc: x@y account linked to yours"), "{body}");
        assert!(body.contains("remove GoogleBcc: x@y from your account in Settings"), "{body}");

        let google = ProviderName { id: "google", label: "Google" };

        let (subject, body) = compose(to, Notice::ProviderLinked { provider: google }, &client, at);
        assert_eq!(subject, "Google was linked to your ory-spa account");
        assert!(body.contains("was linked to a Google account with the same address, with your password"), "{body}");
        assert!(body.contains("remove Google from your account in Settings"), "{body}");

        let (subject, body) = compose(to, Notice::ProviderRemoved { provider: google }, &client, at);
        assert_eq!(subject, "Google was removed from your ory-spa account");
        assert!(body.contains("Google no longer signs in to your ory-spa account (ada@example.com)"), "{body}");
        assert!(body.contains("sign in with the provider again to link it back"), "{body}");
    }

    #[test]
    fn an_unknown_client_is_said_to_be_unknown() {
        assert_eq!(device(&ClientInfo { user_agent: None, ip: None }), "an unknown device");
        assert_eq!(device(&ClientInfo { user_agent: Some("  ".into()), ip: None }), "an unknown device");
    }
}
