//! The first seed article's protected page: `App:home#view`, checked in Keto.
//! Every new identity is granted it at registration.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    auth::UserId,
    authz::{App, AppPermission},
    http::{Grant, Permitted, Problem},
};

pub struct ViewHome;

impl Grant for ViewHome {
    type On = App;
    const RESOURCE: App = App::Home;
    const PERMISSION: AppPermission = AppPermission::View;
}

#[derive(Serialize, ToSchema)]
pub struct HomeView {
    pub message: String,
    pub user: UserId,
}

/// The home page, for those Keto allows to view it.
#[utoipa::path(
    get, path = "/api/home", operation_id = "getHome", tag = "home",
    security(("bearer" = [])),
    responses(
        (status = 200, body = HomeView),
        (status = 403, description = "Keto denies App:home#view", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/home")]
pub async fn home(access: Permitted<ViewHome>) -> web::Json<HomeView> {
    let auth = access.auth;
    web::Json(HomeView { message: format!("Welcome home, {}!", auth.session.identity.traits.name), user: auth.user })
}
