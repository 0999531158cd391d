//! The `App` namespace: application-wide pages, such as the home page of the
//! first seed article (`App:home#view`).

use super::{Name, Resource};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    Home,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppRelation {
    Viewers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppPermission {
    View,
}

impl Resource for App {
    const NAMESPACE: &'static str = "App";
    const KIND: &'static str = "page";
    type Relation = AppRelation;
    type Permission = AppPermission;

    fn object_id(&self) -> String {
        match self {
            App::Home => "home".to_owned(),
        }
    }

    fn implies(relation: AppRelation, permission: AppPermission) -> bool {
        matches!((relation, permission), (AppRelation::Viewers, AppPermission::View))
    }
}

impl Name for AppRelation {
    const ALL: &'static [Self] = &[AppRelation::Viewers];

    fn as_str(self) -> &'static str {
        match self {
            AppRelation::Viewers => "viewers",
        }
    }
}

impl Name for AppPermission {
    const ALL: &'static [Self] = &[AppPermission::View];

    fn as_str(self) -> &'static str {
        match self {
            AppPermission::View => "view",
        }
    }
}
