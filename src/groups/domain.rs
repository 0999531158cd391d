use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{GroupId, entity};
use crate::{
    auth::UserId,
    http::{ApiError, bounded_text},
};

pub const MAX_NAME_CHARS: usize = 100;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGroup {
    /// 1 to 100 characters (trimmed), one line.
    #[schema(example = "Reviewers", min_length = 1, max_length = 100)]
    pub name: String,
}

pub struct NewGroup {
    pub name: String,
}

impl TryFrom<CreateGroup> for NewGroup {
    type Error = ApiError;

    fn try_from(request: CreateGroup) -> Result<Self, ApiError> {
        let name = bounded_text("name", &request.name, MAX_NAME_CHARS).map_err(ApiError::from)?;
        Ok(NewGroup { name })
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    #[schema(example = "grace@example.com", min_length = 1, max_length = 320)]
    pub email: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroupRole {
    Owner,
    Member,
}

#[derive(Serialize, ToSchema)]
pub struct GroupSummary {
    pub id: GroupId,
    pub name: String,
    pub owner_id: UserId,
    /// The caller's role in the group.
    pub role: GroupRole,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct GroupList {
    pub items: Vec<GroupSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct Member {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: GroupRole,
}

#[derive(Serialize, ToSchema)]
pub struct GroupView {
    pub id: GroupId,
    pub name: String,
    pub owner_id: UserId,
    pub created_at: DateTime<Utc>,
    pub members: Vec<Member>,
}

impl GroupSummary {
    pub fn new(model: entity::Model, role: GroupRole) -> Self {
        GroupSummary {
            id: GroupId(model.id),
            name: model.name,
            owner_id: UserId(model.owner_id),
            role,
            created_at: model.created_at,
        }
    }
}
