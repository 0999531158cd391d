//! The gate every request to one of the API's paths (`/api/…`, `/health/…`)
//! passes before its handler: the one place that knows, from the OpenAPI
//! document, which methods a path allows and which operations need a session.
//!
//! Two things the router cannot do by itself:
//! - a wrong method on a known path is `405` with `Allow` (the router only knows
//!   "no route", which would be a 404);
//! - a protected operation refuses a missing or bad credential (`401`) before
//!   anything else about the request is judged. Handler arguments are extracted
//!   side by side, and a malformed body or path is known before Kratos answers
//!   whoami, so without the gate a bad token with a bad body got a `400`. The
//!   gate confirms the session first and leaves it in the request for the
//!   `Authenticated` extractor, so Kratos is still asked once.

use actix_web::{
    Error, HttpMessage,
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::Method,
    middleware::Next,
    web,
};
use utoipa::openapi::OpenApi;

use super::{ApiError, extract::check_session};

/// The API's operations, read from the OpenAPI document at start-up.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
}

#[derive(Debug)]
struct Route {
    segments: Vec<Segment>,
    /// Each method the path allows, and whether it needs a session.
    methods: Vec<(Method, bool)>,
}

#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Parameter,
}

impl RouteTable {
    pub fn from_openapi(doc: &OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = segments(path)
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            Segment::Parameter
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect();
                let operations = [
                    (Method::GET, &item.get),
                    (Method::POST, &item.post),
                    (Method::PUT, &item.put),
                    (Method::PATCH, &item.patch),
                    (Method::DELETE, &item.delete),
                ];
                let methods = operations
                    .into_iter()
                    .filter_map(|(method, operation)| {
                        let operation = operation.as_ref()?;
                        Some((method, operation.security.as_ref().is_some_and(|s| !s.is_empty())))
                    })
                    .collect();
                Route { segments, methods }
            })
            .collect();
        RouteTable { routes }
    }

    /// The route a path belongs to; a literal segment beats a parameter.
    fn lookup(&self, path: &str) -> Option<&Route> {
        let parts: Vec<&str> = segments(path).collect();
        self.routes
            .iter()
            .filter(|route| {
                route.segments.len() == parts.len()
                    && route.segments.iter().zip(&parts).all(|(segment, part)| match segment {
                        Segment::Literal(literal) => literal == part,
                        Segment::Parameter => !part.is_empty(),
                    })
            })
            .max_by_key(|route| route.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count())
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_end_matches('/').split('/').skip(1)
}

/// The middleware, around the whole app; paths that are not operations of the
/// spec (the SPA, Swagger UI) pass through.
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let table = req.app_data::<web::Data<RouteTable>>().cloned();
    let Some(route) = table.as_deref().and_then(|table| table.lookup(req.path())) else {
        // Not an operation of ours: the router's default answers 404.
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let Some(&(_, secured)) = route.methods.iter().find(|(method, _)| method == req.method()) else {
        let allow = route.methods.iter().map(|(method, _)| method.as_str()).collect::<Vec<_>>().join(", ");
        return Ok(req.error_response(ApiError::MethodNotAllowed { allow }).map_into_right_body());
    };
    if secured {
        match check_session(req.request()).await {
            Ok(check) => {
                req.extensions_mut().insert(check);
            }
            Err(error) => return Ok(req.error_response(error).map_into_right_body()),
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable {
        RouteTable::from_openapi(&<crate::openapi::ApiDoc as utoipa::OpenApi>::openapi())
    }

    #[test]
    fn paths_match_their_templates_and_literals_win() {
        let table = table();
        let route = table.lookup("/api/documents/0b7e8f3c-0000-0000-0000-000000000000").unwrap();
        let methods: Vec<_> = route.methods.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(methods, ["GET", "PATCH", "DELETE"]);
        assert!(route.methods.iter().all(|(_, secured)| *secured));
        assert!(table.lookup("/api/account/sessions").is_some());
        assert!(table.lookup("/api/nowhere").is_none());
        assert!(table.lookup("/api/documents/a/b/c/d").is_none());
    }

    #[test]
    fn registration_is_public_and_logout_needs_a_session() {
        let table = table();
        let registration = table.lookup("/api/auth/registration").unwrap();
        assert_eq!(registration.methods, [(Method::POST, false)]);
        let logout = table.lookup("/api/auth/logout").unwrap();
        assert_eq!(logout.methods, [(Method::POST, true)]);
    }
}
