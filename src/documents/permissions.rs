//! The `Document` namespace of `keto/namespaces.keto.ts`.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::authz::{Name, Resource};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[schema(value_type = String, format = Uuid)]
pub struct DocumentId(pub Uuid);

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Ordered strongest first: the list keeps the strongest a person holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DocumentRelation {
    Owners,
    Editors,
    Viewers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentPermission {
    /// Viewers, editors and owners (directly or through a group).
    View,
    /// Editors and owners.
    Edit,
    /// Owners: grant and revoke access.
    Share,
    /// Owners.
    Delete,
}

impl Resource for DocumentId {
    const NAMESPACE: &'static str = "Document";
    const KIND: &'static str = "document";
    type Relation = DocumentRelation;
    type Permission = DocumentPermission;

    fn object_id(&self) -> String {
        self.0.to_string()
    }

    fn implies(relation: DocumentRelation, permission: DocumentPermission) -> bool {
        use DocumentPermission as P;
        match relation {
            DocumentRelation::Owners => true,
            DocumentRelation::Editors => matches!(permission, P::View | P::Edit),
            DocumentRelation::Viewers => permission == P::View,
        }
    }
}

impl Name for DocumentRelation {
    const ALL: &'static [Self] = &[Self::Owners, Self::Editors, Self::Viewers];

    fn as_str(self) -> &'static str {
        match self {
            Self::Owners => "owners",
            Self::Editors => "editors",
            Self::Viewers => "viewers",
        }
    }
}

impl Name for DocumentPermission {
    const ALL: &'static [Self] = &[Self::View, Self::Edit, Self::Share, Self::Delete];

    fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Edit => "edit",
            Self::Share => "share",
            Self::Delete => "delete",
        }
    }
}
