//! Sessions Kratos confirmed, remembered for a short time so that every request
//! need not ask Kratos `whoami` again. Only `Authenticated` reads and fills it.
//!
//! - The key is a SHA-256 of the token, never the token: a heap dump or a debug
//!   print of the cache holds nothing a client could present.
//! - An entry lives at most `ttl` (`APP_SESSION_CACHE_TTL_MS`) and never past the
//!   session's own `expires_at`. That `ttl` is the bound on how long a session
//!   revoked *elsewhere* (another replica, Kratos' admin API) is still accepted
//!   here; revocations through this replica take effect at once.
//! - Revocations by session id or by identity (the session endpoints, a password
//!   change) cannot name the other sessions' tokens, so they are recorded as
//!   tombstones for `ttl`: an entry confirmed before a tombstone that covers it
//!   is refused. Recording the time the `whoami` was *sent* also refuses an
//!   answer that was in flight when the revocation happened.
//! - Bounded: at most `capacity` entries of at most [`MAX_ENTRY_BYTES`] each; a
//!   bigger session is simply not cached.
//! - Permissions are never cached here: Keto is asked on every request.

use std::{sync::Arc, time::Duration};

use moka::{Expiry, sync::Cache};
use sha2::{Digest, Sha256};
use tokio::time::Instant;
use uuid::Uuid;

use crate::ory::{Session, SessionToken};

/// A larger session (say, a very long user agent on many devices) is not cached.
pub const MAX_ENTRY_BYTES: usize = 2048;

type Key = [u8; 32];

fn key(token: &SessionToken) -> Key {
    Sha256::digest(token.expose().as_bytes()).into()
}

struct Entry {
    session: Session,
    /// When the `whoami` that confirmed it was sent.
    confirmed_at: Instant,
    /// How long it may live: `ttl`, or less if the session expires sooner.
    lifetime: Duration,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Tombstone {
    /// The session behind this token (by its key) was logged out.
    Token(Key),
    /// This session was revoked.
    Session(Uuid),
    /// Every session of this identity is to be confirmed again (its traits changed).
    Identity(Uuid),
    /// Every session of this identity but one was revoked.
    OthersOf(Uuid),
}

#[derive(Clone, Copy)]
struct Revoked {
    at: Instant,
    except: Option<Uuid>,
}

struct Lifetime;

impl Expiry<Key, Arc<Entry>> for Lifetime {
    fn expire_after_create(&self, _: &Key, entry: &Arc<Entry>, _: std::time::Instant) -> Option<Duration> {
        Some(entry.lifetime)
    }
}

/// The cache; `Clone` shares it. Off (`ttl` 0) it remembers nothing.
#[derive(Clone)]
pub struct SessionCache {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    ttl: Duration,
    sessions: Cache<Key, Arc<Entry>>,
    tombstones: Cache<Tombstone, Revoked>,
}

impl SessionCache {
    pub fn new(ttl: Duration, capacity: u64) -> Self {
        if ttl.is_zero() || capacity == 0 {
            return SessionCache { inner: None };
        }
        let sessions = Cache::builder().max_capacity(capacity).expire_after(Lifetime).build();
        // A tombstone older than `ttl` covers no entry any more: they all expired.
        let tombstones = Cache::builder().max_capacity(capacity).time_to_live(ttl).build();
        SessionCache { inner: Some(Arc::new(Inner { ttl, sessions, tombstones })) }
    }

    /// A session confirmed within `ttl` for this token, not expired and not
    /// revoked since.
    pub fn get(&self, token: &SessionToken) -> Option<Session> {
        let inner = self.inner.as_ref()?;
        let key = key(token);
        let found = inner.sessions.get(&key).and_then(|entry| {
            let valid = inner.still_valid(&key, &entry.session, entry.confirmed_at)
                && entry.confirmed_at.elapsed() < entry.lifetime;
            if !valid {
                inner.sessions.invalidate(&key);
            }
            valid.then(|| entry.session.clone())
        });
        metrics::counter!("session_cache_lookups_total", "result" => if found.is_some() { "hit" } else { "miss" })
            .increment(1);
        found
    }

    /// Remembers a session Kratos confirmed by a `whoami` sent at `confirmed_at`.
    pub fn insert(&self, token: &SessionToken, session: &Session, confirmed_at: Instant) {
        let Some(inner) = self.inner.as_ref() else { return };
        let key = key(token);
        if approximate_size(session) > MAX_ENTRY_BYTES || !inner.still_valid(&key, session, confirmed_at) {
            return;
        }
        let mut lifetime = inner.ttl;
        if let Some(expires_at) = session.summary.expires_at {
            let left = (expires_at - chrono::Utc::now()).to_std().unwrap_or_default();
            lifetime = lifetime.min(left);
        }
        if lifetime.is_zero() {
            return;
        }
        let entry = Entry { session: session.clone(), confirmed_at, lifetime };
        inner.sessions.insert(key, Arc::new(entry));
    }

    /// The session behind this token ended (logout) or changed (a second factor,
    /// a re-authentication): it is confirmed with Kratos again on its next use.
    pub fn forget_token(&self, token: &SessionToken) {
        let Some(inner) = self.inner.as_ref() else { return };
        let key = key(token);
        inner.sessions.invalidate(&key);
        inner.bury(Tombstone::Token(key), None);
    }

    /// One session was revoked by its id.
    pub fn revoke_session(&self, session: Uuid) {
        if let Some(inner) = self.inner.as_ref() {
            inner.bury(Tombstone::Session(session), None);
        }
    }

    /// Every session of `identity` but `keep` was revoked.
    pub fn revoke_others(&self, identity: Uuid, keep: Uuid) {
        if let Some(inner) = self.inner.as_ref() {
            inner.bury(Tombstone::OthersOf(identity), Some(keep));
        }
    }

    /// The identity behind this token, if it is cached here, changed without a
    /// session-bound call (an address verified by code): see `refresh_identity`.
    pub fn refresh_holder(&self, token: &SessionToken) {
        let Some(inner) = self.inner.as_ref() else { return };
        if let Some(entry) = inner.sessions.get(&key(token)) {
            inner.bury(Tombstone::Identity(entry.session.identity.id), None);
        }
    }

    /// `identity` changed (its traits, its addresses): every session of it is
    /// confirmed with Kratos again on its next request, so nobody sees the old
    /// name for `ttl`.
    pub fn refresh_identity(&self, identity: Uuid) {
        if let Some(inner) = self.inner.as_ref() {
            inner.bury(Tombstone::Identity(identity), None);
        }
    }
}

impl Inner {
    fn bury(&self, tombstone: Tombstone, except: Option<Uuid>) {
        self.tombstones.insert(tombstone, Revoked { at: Instant::now(), except });
    }

    /// No tombstone recorded at or after `confirmed_at` covers `session`, and
    /// it has not expired.
    fn still_valid(&self, key: &Key, session: &Session, confirmed_at: Instant) -> bool {
        let id = session.id();
        let identity = session.identity.id;
        let covers = |tombstone, except: fn(&Revoked) -> Option<Uuid>| {
            self.tombstones
                .get(&tombstone)
                .is_some_and(|revoked| revoked.at >= confirmed_at && except(&revoked) != Some(id))
        };
        let expired = session.summary.expires_at.is_some_and(|at| at <= chrono::Utc::now());
        !expired
            && !covers(Tombstone::Token(*key), |_| None)
            && !covers(Tombstone::Session(id), |_| None)
            && !covers(Tombstone::Identity(identity), |_| None)
            && !covers(Tombstone::OthersOf(identity), |revoked| revoked.except)
    }
}

/// Roughly what an entry holds on the heap, to keep oversized ones out.
fn approximate_size(session: &Session) -> usize {
    let summary = &session.summary;
    let traits = &session.identity.traits;
    let strings = summary.methods.iter().map(String::len).sum::<usize>()
        + summary
            .devices
            .iter()
            .map(|d| d.ip_address.as_ref().map_or(0, String::len) + d.user_agent.as_ref().map_or(0, String::len))
            .sum::<usize>()
        + traits.email.len()
        + traits.name.len();
    std::mem::size_of::<Entry>() + strings + 32 * (summary.methods.len() + summary.devices.len())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::ory::{AssuranceLevel, Identity, SessionSummary, Traits};

    fn session(identity: Uuid, expires_in: chrono::Duration) -> Session {
        Session {
            summary: SessionSummary {
                id: Uuid::new_v4(),
                issued_at: None,
                authenticated_at: None,
                expires_at: Some(Utc::now() + expires_in),
                assurance_level: AssuranceLevel::Aal1,
                methods: vec!["password".into()],
                providers: Vec::new(),
                devices: Vec::new(),
            },
            identity: Identity {
                id: identity,
                traits: Traits { email: "ada@example.com".into(), name: "Ada".into() },
                email_verified: false,
            },
        }
    }

    fn token(value: &str) -> SessionToken {
        SessionToken::new(value.into())
    }

    fn cache() -> SessionCache {
        SessionCache::new(Duration::from_secs(60), 100)
    }

    #[test]
    fn the_key_is_a_hash_of_the_token_not_the_token() {
        let key = key(&token("ory_st_secret"));
        assert_eq!(key.len(), 32);
        assert!(!key.windows(6).any(|w| w == b"ory_st"));
        assert_ne!(key, super::key(&token("ory_st_other")));
    }

    #[test]
    fn a_confirmed_session_is_remembered_and_a_zero_ttl_remembers_nothing() {
        let (cache, off) = (cache(), SessionCache::new(Duration::ZERO, 100));
        let ada = session(Uuid::new_v4(), chrono::Duration::hours(1));
        for c in [&cache, &off] {
            c.insert(&token("a"), &ada, Instant::now());
        }
        assert_eq!(cache.get(&token("a")).map(|s| s.id()), Some(ada.id()));
        assert!(cache.get(&token("b")).is_none());
        assert!(off.get(&token("a")).is_none());
    }

    #[test]
    fn an_expired_session_is_not_remembered() {
        let cache = cache();
        cache.insert(&token("a"), &session(Uuid::new_v4(), chrono::Duration::seconds(-1)), Instant::now());
        assert!(cache.get(&token("a")).is_none());
    }

    #[test]
    fn revocations_refuse_what_was_confirmed_before_them_and_only_that() {
        let cache = cache();
        let person = Uuid::new_v4();
        let (phone, laptop) =
            (session(person, chrono::Duration::hours(1)), session(person, chrono::Duration::hours(1)));
        let before = Instant::now();
        cache.insert(&token("phone"), &phone, before);
        cache.insert(&token("laptop"), &laptop, before);

        cache.revoke_others(person, laptop.id());
        assert!(cache.get(&token("phone")).is_none(), "the others are refused");
        assert!(cache.get(&token("laptop")).is_some(), "the one kept stays");

        // An answer to a whoami sent before the revocation is not taken in.
        cache.insert(&token("phone"), &phone, before);
        assert!(cache.get(&token("phone")).is_none());

        cache.revoke_session(laptop.id());
        assert!(cache.get(&token("laptop")).is_none());

        cache.insert(&token("laptop"), &laptop, before);
        cache.forget_token(&token("laptop"));
        assert!(cache.get(&token("laptop")).is_none());
    }

    #[test]
    fn a_changed_identity_confirms_every_session_again() {
        let cache = cache();
        let ada = session(Uuid::new_v4(), chrono::Duration::hours(1));
        cache.insert(&token("a"), &ada, Instant::now());
        cache.refresh_identity(ada.identity.id);
        assert!(cache.get(&token("a")).is_none());
        // Confirmed again after the change: remembered.
        std::thread::sleep(Duration::from_millis(2));
        cache.insert(&token("a"), &ada, Instant::now());
        assert!(cache.get(&token("a")).is_some());
    }

    #[test]
    fn an_oversized_session_is_not_remembered() {
        let cache = cache();
        let mut big = session(Uuid::new_v4(), chrono::Duration::hours(1));
        big.summary.devices =
            vec![crate::ory::kratos::Device { ip_address: None, user_agent: Some("x".repeat(MAX_ENTRY_BYTES)) }];
        cache.insert(&token("a"), &big, Instant::now());
        assert!(cache.get(&token("a")).is_none());
    }
}
