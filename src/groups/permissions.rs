//! The `Group` namespace of `keto/namespaces.keto.ts`.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::authz::{Name, Resource};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[schema(value_type = String, format = Uuid)]
pub struct GroupId(pub Uuid);

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupRelation {
    Owners,
    /// People, plus the subject set `Group:<id>#owners`, which makes owners members.
    Members,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupPermission {
    /// Members (owners included): see the group and its members, share into it.
    View,
    /// Owners: add and remove members, delete the group.
    Manage,
}

impl Resource for GroupId {
    const NAMESPACE: &'static str = "Group";
    const KIND: &'static str = "group";
    type Relation = GroupRelation;
    type Permission = GroupPermission;

    fn object_id(&self) -> String {
        self.0.to_string()
    }

    fn implies(relation: GroupRelation, permission: GroupPermission) -> bool {
        match relation {
            GroupRelation::Owners => true,
            GroupRelation::Members => permission == GroupPermission::View,
        }
    }
}

impl Name for GroupRelation {
    const ALL: &'static [Self] = &[Self::Owners, Self::Members];

    fn as_str(self) -> &'static str {
        match self {
            Self::Owners => "owners",
            Self::Members => "members",
        }
    }
}

impl Name for GroupPermission {
    const ALL: &'static [Self] = &[Self::View, Self::Manage];

    fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Manage => "manage",
        }
    }
}
