//! Liveness and readiness, for orchestrators and the run script.

use actix_web::{HttpResponse, get, web};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::ory::{Keto, Kratos};

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `alive`, `ready` or `unavailable`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Checks>,
}

/// Each dependency: `up` or `down`.
#[derive(Serialize, ToSchema)]
pub struct Checks {
    pub kratos: &'static str,
    pub keto: &'static str,
    pub database: &'static str,
}

/// The process is running.
#[utoipa::path(get, path = "/health/alive", operation_id = "alive", tag = "health", responses((status = 200, body = Health)))]
#[get("/health/alive")]
pub async fn alive() -> web::Json<Health> {
    web::Json(Health { status: "alive", checks: None })
}

/// Kratos, Keto and the database all answer. Checked concurrently, each bounded
/// by the Ory timeout, so a hung dependency cannot hang the probe.
#[utoipa::path(
    get, path = "/health/ready", operation_id = "ready", tag = "health",
    responses((status = 200, body = Health), (status = 503, description = "A dependency is down", body = Health))
)]
#[get("/health/ready")]
pub async fn ready(
    kratos: web::Data<Kratos>,
    keto: web::Data<Keto>,
    db: web::Data<DatabaseConnection>,
) -> HttpResponse {
    let (kratos, keto, database) = tokio::join!(kratos.ready(), keto.ready(), db.ping());
    for (name, error) in [
        ("Kratos", kratos.as_ref().err().map(ToString::to_string)),
        ("Keto", keto.as_ref().err().map(ToString::to_string)),
        ("the database", database.as_ref().err().map(ToString::to_string)),
    ] {
        if let Some(error) = error {
            tracing::warn!(%error, "{name} is not ready");
        }
    }
    let up = |ok: bool| if ok { "up" } else { "down" };
    let checks = Checks { kratos: up(kratos.is_ok()), keto: up(keto.is_ok()), database: up(database.is_ok()) };
    if kratos.is_ok() && keto.is_ok() && database.is_ok() {
        HttpResponse::Ok().json(Health { status: "ready", checks: Some(checks) })
    } else {
        HttpResponse::ServiceUnavailable().json(Health { status: "unavailable", checks: Some(checks) })
    }
}
