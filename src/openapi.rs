//! The OpenAPI document, generated from the handlers' annotations. It is served at
//! `/api-docs/openapi.json`, committed at `openapi/openapi.json` (the test command
//! fails when they differ), and the SPA's client is generated from it.

use utoipa::{
    Modify, OpenApi,
    openapi::{
        header::Header,
        security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme},
    },
};

use crate::{account, auth, documents, groups, health, home, http, social};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ory-spa",
        description = "A JSON API for a single-page app. Identity by Ory Kratos (native self-service flows), permissions by Ory Keto.\n\n\
Authenticate with `Authorization: Bearer <session token>` (from registration or login). \
Every error is an RFC 9457 problem document (`application/problem+json`) with a stable `code`.",
        license(name = "Apache-2.0")
    ),
    paths(
        auth::handlers::register,
        auth::handlers::login,
        auth::handlers::reauthenticate,
        auth::second_factor::complete,
        auth::handlers::logout,
        auth::handlers::current_session,
        auth::verification::send_code,
        auth::verification::submit_code,
        auth::recovery::send_code,
        auth::recovery::submit_code,
        social::handlers::providers,
        social::handlers::start,
        social::handlers::complete,
        social::handlers::link,
        account::handlers::delete_account,
        account::export::export,
        account::handlers::notices,
        account::handlers::activity,
        account::handlers::profile,
        account::handlers::update_profile,
        account::handlers::change_email,
        account::handlers::restore_email,
        account::handlers::change_password,
        account::handlers::sessions,
        account::handlers::revoke_session,
        account::handlers::revoke_other_sessions,
        account::second_factor::status,
        account::second_factor::start_totp,
        account::second_factor::confirm_totp,
        account::second_factor::remove_totp,
        account::second_factor::generate_recovery_codes,
        account::second_factor::confirm_recovery_codes,
        account::second_factor::remove_recovery_codes,
        account::providers::list,
        account::providers::remove,
        home::home,
        documents::handlers::list,
        documents::handlers::create,
        documents::handlers::get,
        documents::handlers::update,
        documents::handlers::remove,
        documents::sharing::list,
        documents::sharing::grant,
        documents::sharing::revoke_user,
        documents::sharing::revoke_group,
        groups::handlers::list,
        groups::handlers::create,
        groups::handlers::get,
        groups::handlers::add_member,
        groups::handlers::remove_member,
        groups::handlers::remove,
        health::alive,
        health::ready,
    ),
    components(schemas(http::Problem, http::Message, http::ProblemCode)),
    modifiers(&BearerAuth, &StandardProblems),
    tags(
        (name = "auth", description = "Registration, login (with a password or a social sign-in provider), logout, the current session, email verification and account recovery"),
        (name = "account", description = "Your profile, email address, password, sessions, second factors and sign-in providers; exporting and deleting your account"),
        (name = "home", description = "The Keto-protected demo page"),
        (name = "documents", description = "Documents; access decided by Keto"),
        (name = "sharing", description = "A document's collaborators"),
        (name = "groups", description = "Groups of people to share with"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

/// The three ways to present a session, as alternatives on every secured
/// operation: the bearer token (curl, Swagger UI), Kratos' own header, and the
/// cookie that cookie mode sets (the SPA).
impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description = Some("A Kratos session token from /api/auth/login or /api/auth/registration.".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        let mut header = ApiKeyValue::new("X-Session-Token");
        header.description = Some("The same session token, in Kratos' own header.".into());
        components.add_security_scheme("session_token", SecurityScheme::ApiKey(ApiKey::Header(header)));
        let mut cookie = ApiKeyValue::new("__Host-ory_spa_session");
        cookie.description = Some(
            "Cookie mode (sign in with `X-Session-Mode: cookie`): the token in an HttpOnly cookie, named \
             `ory_spa_session` where the server runs on plain HTTP. Unsafe requests authenticated by it must \
             send `X-Session-Mode: cookie` and an `Origin` of the app."
                .into(),
        );
        components.add_security_scheme("session_cookie", SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));

        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    operation.security = Some(
                        ["bearer", "session_token", "session_cookie"]
                            .into_iter()
                            .map(|name| SecurityRequirement::new(name, Vec::<String>::new()))
                            .collect(),
                    );
                }
            }
        }
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
}

/// A response header, for the documentation of every response that has it.
fn header(description: &str, format: Option<&str>) -> utoipa::openapi::RefOr<Header> {
    let mut schema = utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::String);
    if let Some(format) = format {
        schema = schema.format(Some(utoipa::openapi::SchemaFormat::Custom(format.to_owned())));
    }
    let mut header = Header::new(schema.build());
    header.description = Some(description.to_owned());
    header.into()
}

/// Adds the problem responses that follow from an operation's shape, so that
/// handlers list only the statuses particular to them: 400 and 415/413 where
/// there is input, 401 where a session is required, 503 wherever Ory or the
/// database is involved (everything under /api). OpenAPI requires a description
/// on every response; where a handler gave none, the status's reason phrase is used.
struct StandardProblems;

impl Modify for StandardProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    http::problem::CONTENT_TYPE,
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            for operation in operations(item) {
                let has_input =
                    operation.request_body.is_some() || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let mut standard = Vec::new();
                if has_input {
                    standard.push((
                        "400",
                        "Malformed request (`malformed_request`) or invalid input (`validation_failed`)",
                    ));
                }
                if operation.request_body.is_some() {
                    standard.push(("413", "Request body too large (`payload_too_large`)"));
                    standard.push(("415", "Request body is not `application/json` (`unsupported_media_type`)"));
                }
                if secured {
                    standard.push((
                        "401",
                        "No valid session token (`unauthenticated`); comes with `WWW-Authenticate: Bearer`",
                    ));
                }
                if path.starts_with("/api/") {
                    standard.push((
                        "503",
                        "Kratos, Keto or the database is unavailable (`service_unavailable`); retry later",
                    ));
                }
                for (status, description) in standard {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem(description).into());
                }
                for (status, response) in operation.responses.responses.iter_mut() {
                    let utoipa::openapi::RefOr::T(response) = response else { continue };
                    if response.description.is_empty() {
                        let reason =
                            status.parse().ok().and_then(|code| actix_web::http::StatusCode::from_u16(code).ok());
                        response.description =
                            reason.and_then(|s| s.canonical_reason()).unwrap_or("Response").to_owned();
                    }
                    let headers = &mut response.headers;
                    headers.insert(
                        "X-Request-Id".into(),
                        header(
                            "Identifies this request in the server's logs; quote it when reporting a problem.",
                            Some("uuid"),
                        ),
                    );
                    match status.as_str() {
                        "401" => {
                            headers.insert(
                                "WWW-Authenticate".into(),
                                header("`Bearer`: the scheme to authenticate with.", None),
                            );
                        }
                        "429" | "503" => {
                            headers.insert("Retry-After".into(), header("Seconds to wait before trying again.", None));
                        }
                        "405" => {
                            headers.insert("Allow".into(), header("The methods this path allows.", None));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// The document as committed: pretty JSON with a trailing newline.
pub fn to_pretty_json() -> String {
    let mut json = ApiDoc::openapi().to_pretty_json().expect("the OpenAPI document serialises");
    json.push('\n');
    json
}
