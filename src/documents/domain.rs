//! Document requests, validated at the edge, and the views the API returns.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{DocumentId, entity};
use crate::{
    auth::UserId,
    groups::GroupId,
    http::{ApiError, Message, bounded_text, message_id},
};

pub const MAX_TITLE_CHARS: usize = 200;
/// The body limit; a larger body is 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The JSON limit for document requests: a 1 MiB body can take up to six times
/// that once JSON-escaped, so the byte limit proper is checked after parsing.
pub const JSON_LIMIT: usize = 6 * MAX_BODY_BYTES + 64 * 1024;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDocument {
    /// 1 to 200 characters (trimmed), one line.
    #[schema(example = "Meeting notes", min_length = 1, max_length = 200)]
    pub title: String,
    /// Up to 1 MiB of UTF-8.
    #[serde(default)]
    pub body: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDocument {
    /// 1 to 200 characters (trimmed), one line.
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// Up to 1 MiB of UTF-8.
    pub body: Option<String>,
}

pub struct NewDocument {
    pub title: String,
    pub body: String,
}

pub struct DocumentChanges {
    pub title: Option<String>,
    pub body: Option<String>,
}

fn title(value: &str) -> Result<String, ApiError> {
    bounded_text("title", value, MAX_TITLE_CHARS).map_err(ApiError::from)
}

fn body(value: String) -> Result<String, ApiError> {
    if value.len() > MAX_BODY_BYTES { Err(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES }) } else { Ok(value) }
}

impl TryFrom<CreateDocument> for NewDocument {
    type Error = ApiError;

    fn try_from(request: CreateDocument) -> Result<Self, ApiError> {
        Ok(NewDocument { title: title(&request.title)?, body: body(request.body)? })
    }
}

impl TryFrom<UpdateDocument> for DocumentChanges {
    type Error = ApiError;

    fn try_from(request: UpdateDocument) -> Result<Self, ApiError> {
        if request.title.is_none() && request.body.is_none() {
            return Err(Message::form(message_id::NOTHING_TO_CHANGE, "give a title, a body, or both").into());
        }
        Ok(DocumentChanges {
            title: request.title.as_deref().map(title).transpose()?,
            body: request.body.map(body).transpose()?,
        })
    }
}

/// What the caller may do with a document.
#[derive(Serialize, ToSchema)]
pub struct Permissions {
    pub edit: bool,
    pub share: bool,
    pub delete: bool,
}

#[derive(Serialize, ToSchema)]
pub struct DocumentView {
    pub id: DocumentId,
    pub title: String,
    pub body: String,
    pub owner_id: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub permissions: Permissions,
}

impl DocumentView {
    pub fn new(model: entity::Model, permissions: Permissions) -> Self {
        DocumentView {
            id: DocumentId(model.id),
            title: model.title,
            body: model.body,
            owner_id: UserId(model.owner_id),
            created_at: model.created_at,
            updated_at: model.updated_at,
            permissions,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DocumentSummary {
    pub id: DocumentId,
    pub title: String,
    pub owner_id: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<entity::Summary> for DocumentSummary {
    fn from(model: entity::Summary) -> Self {
        DocumentSummary {
            id: DocumentId(model.id),
            title: model.title,
            owner_id: UserId(model.owner_id),
            created_at: model.created_at,
            updated_at: model.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DocumentPage {
    pub items: Vec<DocumentSummary>,
    pub page: u64,
    pub per_page: u64,
    /// Documents the caller can view, across all pages.
    pub total: u64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1-based page number.
    #[param(minimum = 1, maximum = 1000000, default = 1)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<u64>,
    /// Only documents whose title contains this text (trimmed; case and
    /// accents do not matter: "resume" finds "Résumé", "strasse" "Straße";
    /// `%` and `_` are themselves). Empty lists them all.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Only your own documents (`me`), or only those others shared with you
    /// (`others`); both when absent.
    #[param(inline)]
    pub owner: Option<Owner>,
}

/// Whose documents a list keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Owner {
    Me,
    Others,
}

/// What a list keeps of everything the caller can see; the default keeps all.
#[derive(Debug, Default)]
pub struct ListFilter {
    pub title: Option<TitleSearch>,
    pub owner: Option<Owner>,
}

impl ListFilter {
    pub fn is_everything(&self) -> bool {
        self.title.is_none() && self.owner.is_none()
    }
}

pub struct Page {
    pub page: u64,
    pub per_page: u64,
}

/// The longest title search: a title is at most 200 characters, and a search
/// is a few words of one.
pub const MAX_SEARCH_CHARS: usize = 100;

/// A title as a search compares it (the column `title_folded`, and the search):
/// case, accents and compatibility forms folded by Rust, alike on both
/// databases. Defined with the migrations, which fill the column with it.
pub use migration::fold_title;

/// Text a title must contain, as a `LIKE` pattern on the folded title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleSearch(String);

impl TitleSearch {
    /// `None` for a search that is only white space (the whole list).
    pub fn parse(value: &str) -> Result<Option<TitleSearch>, ApiError> {
        if value.trim().is_empty() {
            return Ok(None);
        }
        let text = bounded_text("q", value, MAX_SEARCH_CHARS)?;
        let mut pattern = String::with_capacity(text.len() + 2);
        pattern.push('%');
        for c in fold_title(&text).chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        Ok(Some(TitleSearch(pattern)))
    }

    /// For `LIKE … ESCAPE '\'`, on the folded title.
    pub fn pattern(&self) -> &str {
        &self.0
    }
}

impl PageQuery {
    /// The page and what the list keeps, each checked.
    pub fn parse(self) -> Result<(Page, ListFilter), ApiError> {
        let title = self.q.as_deref().map(TitleSearch::parse).transpose()?.flatten();
        let owner = self.owner;
        Ok((Page::try_from(self)?, ListFilter { title, owner }))
    }
}

impl TryFrom<PageQuery> for Page {
    type Error = ApiError;

    fn try_from(query: PageQuery) -> Result<Self, ApiError> {
        let page = query.page.unwrap_or(1);
        let per_page = query.per_page.unwrap_or(20);
        let mut messages = Vec::new();
        if !(1..=1_000_000).contains(&page) {
            messages.push(out_of_range("page", "must be at least 1"));
        }
        if !(1..=100).contains(&per_page) {
            messages.push(out_of_range("per_page", "must be between 1 and 100"));
        }
        if messages.is_empty() {
            Ok(Page { page, per_page })
        } else {
            Err(ApiError::Validation { messages, flow_id: None })
        }
    }
}

fn out_of_range(field: &str, text: &str) -> Message {
    Message { field: Some(field.to_owned()), id: message_id::OUT_OF_RANGE, text: text.to_owned() }
}

/// A role that can be granted; ownership cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ShareRole {
    Viewer,
    Editor,
}

/// Grant a role to a person (by email) or to a group's members. Exactly one of
/// `email` and `group_id`: parsed as one struct so that a request with both or
/// neither gets a clear message (9000004); documented as the `oneOf` it is.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    pub email: Option<String>,
    pub group_id: Option<GroupId>,
    pub role: ShareRole,
}

/// Grant a role to a person (by email) or to a group's members: exactly one of
/// `email` and `group_id`.
// The spec's form of `ShareRequest`, which parses both fields into one struct
// so that both or neither get a clear message (9000004).
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(as = ShareRequest)]
#[allow(dead_code)]
pub enum ShareRequestSchema {
    Person(ShareWithPerson),
    Group(ShareWithGroup),
}

/// Share with a person, by the email they registered with.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ShareWithPerson {
    #[schema(example = "grace@example.com", min_length = 1, max_length = 320)]
    email: String,
    role: ShareRole,
}

/// Share with every member of a group you belong to.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ShareWithGroup {
    group_id: GroupId,
    role: ShareRole,
}

pub enum ShareTarget {
    Email(String),
    Group(GroupId),
}

impl ShareRequest {
    pub fn target(self) -> Result<(ShareTarget, ShareRole), ApiError> {
        let target = match (self.email, self.group_id) {
            (Some(email), None) => {
                let email = bounded_text("email", &email, 320).map_err(ApiError::from)?;
                ShareTarget::Email(email)
            }
            (None, Some(group)) => ShareTarget::Group(group),
            _ => {
                return Err(
                    Message::form(message_id::ONE_SHARE_TARGET, "give exactly one of `email` and `group_id`").into()
                );
            }
        };
        Ok((target, self.role))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CollaboratorRole {
    Owner,
    Editor,
    Viewer,
}

#[derive(Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Collaborator {
    User { id: UserId, email: String, name: String, role: CollaboratorRole },
    Group { id: GroupId, name: String, role: CollaboratorRole },
}

#[derive(Serialize, ToSchema)]
pub struct Collaborators {
    pub collaborators: Vec<Collaborator>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(q: &str) -> Option<String> {
        TitleSearch::parse(q).unwrap().map(|s| s.pattern().to_owned())
    }

    #[test]
    fn a_title_search_is_a_folded_pattern_with_its_wildcards_escaped() {
        assert_eq!(pattern("  Plan "), Some("%plan%".into()));
        assert_eq!(pattern("ÜBER"), Some("%uber%".into()));
        assert_eq!(pattern(r"100% a_b c\d"), Some(r"%100\% a\_b c\\d%".into()));
        // Folded first, escaped after: a full-width "％" folds to a wildcard.
        assert_eq!(pattern("１００％"), Some(r"%100\%%".into()));
        assert_eq!(pattern(""), None);
        assert_eq!(pattern(" \u{3000} "), None, "only white space is no search");
    }

    #[test]
    fn a_title_search_is_one_short_line() {
        assert!(TitleSearch::parse(&"x".repeat(MAX_SEARCH_CHARS)).is_ok());
        for bad in ["x".repeat(MAX_SEARCH_CHARS + 1), "a\tb".into(), "a\u{202e}b".into()] {
            let Err(ApiError::Validation { messages, .. }) = TitleSearch::parse(&bad) else { panic!("{bad:?} passed") };
            assert_eq!(messages[0].field.as_deref(), Some("q"));
        }
    }
}
