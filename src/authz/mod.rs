//! Typed permissions, checked in Ory Keto.
//!
//! A namespace of `keto/namespaces.keto.ts` is a Rust type implementing
//! [`Resource`]; its relations and permits are enums. So `Document::Edit` can only
//! be asked of a document, and a typo in a relation name is a compile error rather
//! than a silent deny. Handlers never build tuples or call Keto themselves: they go
//! through [`Authorizer`] (or the `Permitted` extractor, which uses it).

mod app;

use std::fmt;

pub use app::{App, AppPermission, AppRelation};

use crate::{
    auth::UserId,
    groups::{GroupId, GroupRelation},
    ory::{Keto, OryError, RelationTuple, Subject, keto::TupleChange},
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

/// The guard: asks Keto whether a user may do something to a resource.
#[derive(Clone)]
pub struct Authorizer {
    keto: Keto,
}

impl Authorizer {
    pub fn new(keto: Keto) -> Self {
        Authorizer { keto }
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

    /// One Keto round trip for many resources; answers in the same order.
    pub async fn check_many<R: Resource>(
        &self,
        user: UserId,
        resources: &[R],
        permission: R::Permission,
    ) -> Result<Vec<bool>, OryError> {
        let tuples: Vec<RelationTuple> = resources.iter().map(|r| permission_tuple(user, r, permission)).collect();
        self.keto.batch_check(&tuples).await
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

    /// Every tuple naming `namespace:object`, and every tuple whose subject is
    /// `principal` in `subject_namespace`, as delete changes (for one atomic patch).
    pub async fn tuples_to_forget(
        &self,
        namespace: &'static str,
        object: &str,
        principal: Option<(&'static str, Principal)>,
    ) -> Result<Vec<TupleChange>, OryError> {
        let mut tuples = self.keto.list(namespace, Some(object), None).await?;
        if let Some((subject_namespace, principal)) = principal {
            tuples.extend(self.keto.list(subject_namespace, None, Some(&principal.into())).await?);
        }
        Ok(tuples.into_iter().map(TupleChange::Delete).collect())
    }

    /// Applies inserts and deletes in one Keto transaction.
    pub async fn apply(&self, changes: &[TupleChange]) -> Result<(), OryError> {
        self.keto.patch(changes).await
    }

    /// Removes every tuple on `resource` (idempotent).
    pub async fn forget<R: Resource>(&self, resource: &R) -> Result<(), OryError> {
        self.keto.delete_object(R::NAMESPACE, &resource.object_id()).await
    }

    /// Writes `resource#relation@subject` (idempotent).
    pub async fn grant<R: Resource>(
        &self,
        resource: &R,
        relation: R::Relation,
        subject: impl Into<Subject>,
    ) -> Result<(), OryError> {
        self.keto.insert(&relation_tuple(resource, relation, subject)).await
    }
}

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
