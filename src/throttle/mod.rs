//! Rate limits on what an attacker repeats: failed logins (per account and per
//! client address), sign-ins stopped at the second factor (per account),
//! registrations, recovery and verification requests (per client address), the
//! codes these mail (per recipient); and on exports of an account's data (per account), whose
//! cost grows with everything the person can see.
//!
//! The counters live in the backend's database, so every replica sees the same
//! counts (the production shape is several replicas on one PostgreSQL). A
//! process-local limiter would let N replicas allow N times the limit; a
//! separate store (Redis) would be one more service to run for a few writes per
//! login. Fixed windows: a counter per bucket and window, one upsert per event;
//! `Retry-After` is the time left in the window, which is exactly when the
//! bucket opens again. A burst can straddle two windows (up to twice the
//! limit in a window's length); for these limits that is acceptable.
//!
//! Buckets store a SHA-256 of the account or address, never the value.

mod limit;
mod store;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sea_orm::{DatabaseConnection, DbErr};
use sha2::{Digest, Sha256};

pub use limit::Limit;

/// What is being counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Wrong passwords (and wrong second-factor codes) for one account.
    LoginFailuresPerAccount,
    /// Wrong passwords and codes from one client address, for any account.
    LoginFailuresPerAddress,
    /// The right password for one account, from a device it has not signed in
    /// from, followed by a request for its second factor.
    HalfSignInsPerAccount,
    RegistrationsPerAddress,
    /// Asking for a recovery code, and submitting one.
    RecoveryPerAddress,
    /// Recovery and verification codes mailed to one address, whoever asks.
    CodeMailsPerRecipient,
    /// Asking for a verification code, and submitting one.
    VerificationPerAddress,
    /// Downloading the account's data (`GET /api/account/export`).
    ExportsPerAccount,
}

impl Bucket {
    fn name(self) -> &'static str {
        match self {
            Self::LoginFailuresPerAccount => "login-account",
            Self::LoginFailuresPerAddress => "login-address",
            Self::HalfSignInsPerAccount => "half-sign-in",
            Self::RegistrationsPerAddress => "registration",
            Self::RecoveryPerAddress => "recovery",
            Self::CodeMailsPerRecipient => "code-mail",
            Self::VerificationPerAddress => "verification",
            Self::ExportsPerAccount => "export",
        }
    }
}

/// The configured limits (`APP_LIMIT_*`); `None` switches one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub login_failures_per_account: Option<Limit>,
    pub login_failures_per_address: Option<Limit>,
    pub half_sign_ins_per_account: Option<Limit>,
    pub registrations_per_address: Option<Limit>,
    pub recovery_per_address: Option<Limit>,
    pub code_mails_per_recipient: Option<Limit>,
    pub verification_per_address: Option<Limit>,
    pub exports_per_account: Option<Limit>,
}

impl Limits {
    fn of(&self, bucket: Bucket) -> Option<Limit> {
        match bucket {
            Bucket::LoginFailuresPerAccount => self.login_failures_per_account,
            Bucket::LoginFailuresPerAddress => self.login_failures_per_address,
            Bucket::HalfSignInsPerAccount => self.half_sign_ins_per_account,
            Bucket::RegistrationsPerAddress => self.registrations_per_address,
            Bucket::RecoveryPerAddress => self.recovery_per_address,
            Bucket::CodeMailsPerRecipient => self.code_mails_per_recipient,
            Bucket::VerificationPerAddress => self.verification_per_address,
            Bucket::ExportsPerAccount => self.exports_per_account,
        }
    }

    fn longest_window(&self) -> Duration {
        [
            self.login_failures_per_account,
            self.login_failures_per_address,
            self.half_sign_ins_per_account,
            self.registrations_per_address,
            self.recovery_per_address,
            self.code_mails_per_recipient,
            self.verification_per_address,
            self.exports_per_account,
        ]
        .into_iter()
        .flatten()
        .map(|limit| limit.window)
        .max()
        .unwrap_or_default()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ThrottleError {
    /// Over the limit; the bucket opens again after `retry_after`.
    #[error("rate limited for {retry_after:?}")]
    Limited { retry_after: Duration },
    /// The counters could not be read or written: refuse, as with any store failure.
    #[error(transparent)]
    Database(#[from] DbErr),
}

#[derive(Clone)]
pub struct Throttle {
    db: DatabaseConnection,
    limits: Limits,
}

impl Throttle {
    pub fn new(db: DatabaseConnection, limits: Limits) -> Self {
        Throttle { db, limits }
    }

    /// Refuses if `key` has reached its limit in `bucket`; counts nothing (for
    /// failures, which are counted once they happen).
    pub async fn check(&self, bucket: Bucket, key: &str) -> Result<(), ThrottleError> {
        let Some(limit) = self.limits.of(bucket) else { return Ok(()) };
        let window = Window::now(limit);
        let hits = store::hits(&self.db, &bucket_key(bucket, key), window.start).await?;
        counted(bucket, window.allow(limit, hits))
    }

    /// Counts one event, and refuses it if it goes over the limit.
    pub async fn hit(&self, bucket: Bucket, key: &str) -> Result<(), ThrottleError> {
        let Some(limit) = self.limits.of(bucket) else { return Ok(()) };
        let window = Window::now(limit);
        let hits = store::increment(&self.db, &bucket_key(bucket, key), window.start).await?;
        // `hits` includes this event: the limit-th is allowed, the next is not.
        counted(bucket, window.allow(limit, hits.saturating_sub(1)))
    }

    /// Counts a failure that has happened (a wrong password).
    pub async fn record(&self, bucket: Bucket, key: &str) -> Result<(), DbErr> {
        let Some(limit) = self.limits.of(bucket) else { return Ok(()) };
        store::increment(&self.db, &bucket_key(bucket, key), Window::now(limit).start).await.map(drop)
    }

    /// Forgets `key`'s count (after a successful login, its earlier failures
    /// no longer say anything).
    pub async fn reset(&self, bucket: Bucket, key: &str) -> Result<(), DbErr> {
        if self.limits.of(bucket).is_none() {
            return Ok(());
        }
        store::clear(&self.db, &bucket_key(bucket, key)).await
    }

    /// Deletes windows that have passed; runs every minute while serving.
    pub async fn prune(&self) -> Result<u64, DbErr> {
        let horizon = unix_now().saturating_sub(self.limits.longest_window().as_secs());
        store::prune(&self.db, horizon as i64).await
    }

    /// Prunes every minute for as long as the server runs.
    pub async fn prune_forever(self) {
        let mut interval = tokio::time::interval(Duration::from_secs(60));
        loop {
            interval.tick().await;
            if let Err(error) = self.prune().await {
                tracing::warn!(%error, "could not prune rate-limit counters");
            }
        }
    }
}

/// The fixed window a moment falls in.
struct Window {
    start: i64,
    end: u64,
    now: u64,
}

impl Window {
    fn now(limit: Limit) -> Self {
        let now = unix_now();
        let length = limit.window.as_secs().max(1);
        let start = now - now % length;
        Window { start: start as i64, end: start + length, now }
    }

    /// Allowed while fewer than `limit.max` events were counted before this one.
    fn allow(&self, limit: Limit, before: u64) -> Result<(), ThrottleError> {
        if before < u64::from(limit.max) {
            Ok(())
        } else {
            // At least a second: `Retry-After: 0` would invite an immediate retry
            // that lands in the same window.
            Err(ThrottleError::Limited { retry_after: Duration::from_secs((self.end - self.now).max(1)) })
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// Counts a refusal for the metrics (`monitoring`), per bucket.
fn counted(bucket: Bucket, result: Result<(), ThrottleError>) -> Result<(), ThrottleError> {
    if matches!(result, Err(ThrottleError::Limited { .. })) {
        metrics::counter!("rate_limit_refusals_total", "bucket" => bucket.name()).increment(1);
    }
    result
}

fn bucket_key(bucket: Bucket, key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(24).map(|b| format!("{b:02x}")).collect();
    format!("{}:{hex}", bucket.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_hold_no_personal_data_and_keep_kinds_apart() {
        let key = bucket_key(Bucket::LoginFailuresPerAccount, "ada@example.com");
        assert!(!key.contains("ada"));
        assert!(key.len() <= 100, "fits the column");
        assert_ne!(key, bucket_key(Bucket::RecoveryPerAddress, "ada@example.com"));
    }

    #[test]
    fn the_limit_th_event_passes_and_the_next_waits_for_the_window_to_end() {
        let limit = Limit { max: 3, window: Duration::from_secs(60) };
        let window = Window { start: 120, end: 180, now: 150 };
        assert!(window.allow(limit, 2).is_ok());
        let Err(ThrottleError::Limited { retry_after }) = window.allow(limit, 3) else { panic!("expected a refusal") };
        assert_eq!(retry_after, Duration::from_secs(30));
    }
}
