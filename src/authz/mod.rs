//! Typed permissions, checked in Ory Keto.
//!
//! A namespace of `keto/namespaces.keto.ts` is a Rust type implementing
//! [`Resource`]; its relations and permits are enums. So `Document::Edit` can only
//! be asked of a document, and a typo in a relation name is a compile error rather
//! than a silent deny. Handlers never build tuples or call Keto themselves: they go
//! through [`Authorizer`] (or the `Permitted` extractor, which uses it).

mod app;
pub mod index;

use std::fmt;

pub use app::{App, AppPermission, AppRelation};

use sea_orm::DatabaseConnection;

use self::index::AccessIndex;
use crate::{
    auth::UserId,
    db::StoreError,
    groups::{GroupId, GroupRelation},
    ory::{
        Keto, OryError, RelationTuple, Subject,
        keto::{Matching, TupleChange},
    },
};

/// A relation (writable) or a permit (checkable) name of a namespace.
pub trait Name: Copy + fmt::Debug + PartialEq + Send + Sync + 'static {
    const ALL: &'static [Self];

    fn as_str(self) -> &'static str;

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|candidate| candidate.as_str() == name)
    }
}

/// An object in a Keto namespace.
pub trait Resource {
    /// The class name in `keto/namespaces.keto.ts`.
    const NAMESPACE: &'static str;
    /// What people call it, for messages ("document").
    const KIND: &'static str;
    /// Relations that tuples are written for (`owners`, `viewers`, …).
    type Relation: Name;
    /// Permits that are checked (`view`, `edit`, …).
    type Permission: Name;

    fn object_id(&self) -> String;

    /// Whether holding `relation` is enough for `permission`, as the namespace's
    /// permits in `keto/namespaces.keto.ts` say (a test holds the two together
    /// against Keto). Lets a list ask Keto the cheaper question of a relation.
    fn implies(relation: Self::Relation, permission: Self::Permission) -> bool;
}

/// Who can hold a relation: a person, or every member of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Principal {
    User(UserId),
    /// `Group:<id>#members`.
    GroupMembers(GroupId),
}

impl From<Principal> for Subject {
    fn from(principal: Principal) -> Self {
        match principal {
            Principal::User(user) => user.into(),
            Principal::GroupMembers(group) => Subject::Set {
                namespace: GroupId::NAMESPACE.to_owned(),
                object: group.object_id(),
                relation: GroupRelation::Members.as_str().to_owned(),
            },
        }
    }
}

impl Principal {
    /// Reads a subject back; `None` for subjects this API never writes.
    pub fn from_subject(subject: &Subject) -> Option<Self> {
        let Subject::Set { namespace, object, relation } = subject;
        let id = object.parse().ok()?;
        match (namespace.as_str(), relation.as_str()) {
            (USER_NAMESPACE, "") => Some(Principal::User(UserId(id))),
            (GroupId::NAMESPACE, members) if members == GroupRelation::Members.as_str() => {
                Some(Principal::GroupMembers(GroupId(id)))
            }
            _ => None,
        }
    }
}

/// The `User` namespace: every person is the subject `User:<identity id>`.
pub const USER_NAMESPACE: &str = "User";

impl From<UserId> for Subject {
    fn from(user: UserId) -> Self {
        Subject::Set { namespace: USER_NAMESPACE.to_owned(), object: user.to_string(), relation: String::new() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthzError {
    #[error("permission denied")]
    Denied,
    /// Keto could not answer; the request is refused, never allowed.
    #[error(transparent)]
    Ory(#[from] OryError),
}

#[derive(Debug, thiserror::Error)]
pub enum VisibleError {
    #[error("no such {kind}")]
    NotFound { kind: &'static str },
    #[error("permission denied")]
    Denied,
    #[error(transparent)]
    Ory(#[from] OryError),
}

/// The guard: asks Keto whether a user may do something to a resource. It is
/// also the one writer of tuples, and keeps the access index (`index`) in step
/// with every write.
#[derive(Clone)]
pub struct Authorizer {
    keto: Keto,
    index: AccessIndex,
}

impl Authorizer {
    pub fn new(keto: Keto, db: DatabaseConnection) -> Self {
        Authorizer { keto, index: AccessIndex::new(db) }
    }

    /// The same guard, sharing this one's access index (and its cached counts),
    /// calling Keto through another HTTP client.
    pub fn with_http(&self, http: reqwest::Client) -> Self {
        Authorizer { keto: self.keto.with_http(http), index: self.index.clone() }
    }

    /// The access index, for finding candidates; never for deciding.
    pub fn index(&self) -> &AccessIndex {
        &self.index
    }

    pub async fn check<R: Resource>(
        &self,
        user: UserId,
        resource: &R,
        permission: R::Permission,
    ) -> Result<bool, OryError> {
        self.keto.check(&permission_tuple(user, resource, permission)).await
    }

    /// `Ok(())` only when Keto says yes.
    pub async fn require<R: Resource>(
        &self,
        user: UserId,
        resource: &R,
        permission: R::Permission,
    ) -> Result<(), AuthzError> {
        if self.check(user, resource, permission).await? { Ok(()) } else { Err(AuthzError::Denied) }
    }

    /// For a resource named in a request: `NotFound` unless the user may `see` it
    /// (so its existence is not leaked), then `Denied` unless they may `act`.
    /// Both permits are checked in one Keto round trip.
    pub async fn require_visible<R: Resource>(
        &self,
        user: UserId,
        resource: &R,
        see: R::Permission,
        act: R::Permission,
    ) -> Result<(), VisibleError> {
        let tuples = [permission_tuple(user, resource, see), permission_tuple(user, resource, act)];
        match self.keto.batch_check(&tuples).await?.as_slice() {
            [false, _] => Err(VisibleError::NotFound { kind: R::KIND }),
            [true, false] => Err(VisibleError::Denied),
            [true, true] => Ok(()),
            _ => unreachable!("batch_check answers once per tuple"),
        }
    }

    /// Whether `user` may `permission` each resource, given the relation the
    /// access index says they hold on it; answers in the same order. Keto is
    /// first asked whether they still hold that relation (directly or through a
    /// group): a relation check is a few lookups where a permit's is a walk of
    /// its whole rewrite, which makes it about half the cost of a list. A yes
    /// on a relation that implies `permission` is a yes. The rest (a row the
    /// index has and Keto not, a relation that changed since) are asked the
    /// permit itself, so nothing Keto grants is hidden: one round trip when the
    /// index is current, two at most.
    pub async fn check_held<R: Resource>(
        &self,
        user: UserId,
        held: &[(R, R::Relation)],
        permission: R::Permission,
    ) -> Result<Vec<bool>, OryError> {
        let first: Vec<RelationTuple> = held
            .iter()
            .map(|(resource, relation)| match R::implies(*relation, permission) {
                true => relation_tuple(resource, *relation, user),
                false => permission_tuple(user, resource, permission),
            })
            .collect();
        let mut allowed = self.keto.batch_check(&first).await?;
        let again: Vec<usize> = (0..held.len()).filter(|&i| !allowed[i] && R::implies(held[i].1, permission)).collect();
        if !again.is_empty() {
            let tuples: Vec<RelationTuple> =
                again.iter().map(|&i| permission_tuple(user, &held[i].0, permission)).collect();
            for (i, answer) in again.into_iter().zip(self.keto.batch_check(&tuples).await?) {
                allowed[i] = answer;
            }
        }
        Ok(allowed)
    }

    /// Which of `permits` the user holds on `resource`, in one Keto round trip.
    pub async fn permits<R: Resource>(
        &self,
        user: UserId,
        resource: &R,
        permits: &[R::Permission],
    ) -> Result<Vec<bool>, OryError> {
        let tuples: Vec<RelationTuple> = permits.iter().map(|p| permission_tuple(user, resource, *p)).collect();
        self.keto.batch_check(&tuples).await
    }

    /// Every `(relation, principal)` written on `resource`.
    pub async fn relations_on<R: Resource>(&self, resource: &R) -> Result<Vec<(R::Relation, Principal)>, OryError> {
        let tuples = self.keto.list(R::NAMESPACE, Some(&resource.object_id()), None).await?;
        Ok(tuples
            .iter()
            .filter_map(|t| Some((R::Relation::parse(&t.relation)?, Principal::from_subject(&t.subject)?)))
            .collect())
    }

    /// The objects of `R`'s namespace on which `principal` holds a relation, with the relation.
    pub async fn held_by<R: Resource>(&self, principal: Principal) -> Result<Vec<(uuid::Uuid, R::Relation)>, OryError> {
        let tuples = self.keto.list(R::NAMESPACE, None, Some(&principal.into())).await?;
        Ok(tuples.iter().filter_map(|t| Some((t.object.parse().ok()?, R::Relation::parse(&t.relation)?))).collect())
    }

    /// Applies inserts and deletes in one Keto transaction, with the index
    /// written before and after it (see `index`).
    pub async fn apply(&self, changes: &[TupleChange]) -> Result<(), StoreError> {
        self.indexed(changes, self.keto.patch(changes)).await
    }

    /// Removes every tuple on `resource` (idempotent), and its index rows.
    pub async fn forget<R: Resource>(&self, resource: &R) -> Result<(), StoreError> {
        self.forget_matching(R::NAMESPACE, &Matching::Object(&resource.object_id())).await
    }

    /// Removes every tuple of `namespace` that grants something to `principal`
    /// (idempotent), and their index rows: one Keto statement, however many
    /// documents were shared with a group or a person.
    pub async fn forget_grants_to(&self, namespace: &'static str, principal: Principal) -> Result<(), StoreError> {
        self.forget_matching(namespace, &Matching::Subject(&principal.into())).await
    }

    /// `forget` for many resources of one namespace: the index's two steps
    /// once for all of them, Keto's deletes a few at a time between. If some
    /// of Keto's fail, their rows are restored, the others' removed, and the
    /// first error returned.
    pub async fn forget_all<R: Resource>(&self, resources: &[R]) -> Result<(), StoreError> {
        use futures_util::StreamExt;
        let objects: Vec<(uuid::Uuid, String)> = resources
            .iter()
            .filter_map(|resource| {
                let object = resource.object_id();
                Some((object.parse().ok()?, object))
            })
            .collect();
        if objects.is_empty() {
            return Ok(());
        }
        let ids: Vec<uuid::Uuid> = objects.iter().map(|(id, _)| *id).collect();
        self.index.prepare_forget_objects(R::NAMESPACE, &ids).await?;
        let results: Vec<(uuid::Uuid, Result<(), OryError>)> = futures_util::stream::iter(objects)
            .map(|(id, object)| {
                let keto = self.keto.clone();
                async move { (id, keto.delete_matching(R::NAMESPACE, &Matching::Object(&object)).await) }
            })
            .buffer_unordered(KETO_DELETES_AT_ONCE)
            .collect()
            .await;
        let (mut done, mut failed, mut first_error) = (Vec::new(), Vec::new(), None);
        for (id, result) in results {
            match result {
                Ok(()) => done.push(id),
                Err(error) => {
                    failed.push(id);
                    first_error.get_or_insert(error);
                }
            }
        }
        if !failed.is_empty()
            && let Err(undo) = self.index.undo_forget_objects(R::NAMESPACE, &failed).await
        {
            tracing::warn!(error = %undo, "could not restore index rows; the reconciler will");
        }
        if !done.is_empty() {
            self.index.confirm_forget_objects(R::NAMESPACE, &done).await?;
        }
        match first_error {
            Some(error) => Err(error.into()),
            None => Ok(()),
        }
    }

    /// The ordered index-and-Keto write of a delete by query: the index rows
    /// `deleting`, then Keto, then the rows removed; restored if Keto refuses.
    async fn forget_matching(&self, namespace: &'static str, matching: &Matching<'_>) -> Result<(), StoreError> {
        self.index.prepare_forget(namespace, matching).await?;
        if let Err(error) = self.keto.delete_matching(namespace, matching).await {
            if let Err(undo) = self.index.undo_forget(namespace, matching).await {
                tracing::warn!(error = %undo, "could not restore index rows; the reconciler will");
            }
            return Err(error.into());
        }
        self.index.confirm_forget(namespace, matching).await?;
        Ok(())
    }

    /// Writes `resource#relation@subject` (idempotent), and its index row.
    pub async fn grant<R: Resource>(
        &self,
        resource: &R,
        relation: R::Relation,
        subject: impl Into<Subject>,
    ) -> Result<(), StoreError> {
        let tuple = relation_tuple(resource, relation, subject);
        let changes = [TupleChange::Insert(tuple.clone())];
        self.indexed(&changes, self.keto.insert(&tuple)).await
    }

    /// The ordered index-and-Keto write: index rows first (`pending`/`deleting`),
    /// then Keto, then the rows confirmed. If Keto fails, step 1 is undone; if
    /// the undo fails too, or the process dies, the reconciler settles the rows.
    async fn indexed(
        &self,
        changes: &[TupleChange],
        keto_write: impl Future<Output = Result<(), OryError>>,
    ) -> Result<(), StoreError> {
        let prepared = self.index.prepare(changes).await?;
        if let Err(error) = keto_write.await {
            if let Err(undo) = self.index.undo(prepared).await {
                tracing::warn!(error = %undo, "could not undo index rows; the reconciler will");
            }
            return Err(error.into());
        }
        self.index.confirm(changes).await?;
        Ok(())
    }

    /// Settles index rows that a crash left `pending` or `deleting` for longer
    /// than `grace`: each becomes what Keto holds. Returns how many.
    pub async fn reconcile_index(&self, grace: chrono::Duration) -> Result<usize, StoreError> {
        let unsettled = self.index.unsettled(grace).await?;
        for tuple in &unsettled {
            let in_keto = self.keto.exists(tuple).await?;
            self.index.settle(tuple, in_keto).await?;
            tracing::warn!(namespace = %tuple.namespace, object = %tuple.object, in_keto, "settled an access index row");
        }
        Ok(unsettled.len())
    }
}

/// Keto deletes `forget_all` keeps in flight: Keto's writes serialise on its
/// database, so more only queue there.
const KETO_DELETES_AT_ONCE: usize = 8;

/// The tuple `resource#relation@subject`.
pub fn relation_tuple<R: Resource>(resource: &R, relation: R::Relation, subject: impl Into<Subject>) -> RelationTuple {
    RelationTuple {
        namespace: R::NAMESPACE.to_owned(),
        object: resource.object_id(),
        relation: relation.as_str().to_owned(),
        subject: subject.into(),
    }
}

fn permission_tuple<R: Resource>(user: UserId, resource: &R, permission: R::Permission) -> RelationTuple {
    RelationTuple {
        namespace: R::NAMESPACE.to_owned(),
        object: resource.object_id(),
        relation: permission.as_str().to_owned(),
        subject: user.into(),
    }
}
