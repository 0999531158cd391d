use actix_web::{
    Error, HttpMessage, HttpRequest, HttpResponse,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    error::{JsonPayloadError, PathError, QueryPayloadError},
    http::header::{self, HeaderName, HeaderValue},
    middleware::Next,
    web,
};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

use super::ApiError;

/// Default limit for JSON bodies. Features with larger bodies set their own.
pub const DEFAULT_JSON_LIMIT: usize = 64 * 1024;

/// JSON bodies: size limit, and every failure as a problem document.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(move |error, _req| {
        let api_error = match &error {
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                ApiError::PayloadTooLarge { limit }
            }
            JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
            JsonPayloadError::Deserialize(e) if e.is_data() => {
                ApiError::MalformedRequest(format!("Invalid request body: {e}"))
            }
            JsonPayloadError::Deserialize(e) => {
                ApiError::MalformedRequest(format!("The request body is not valid JSON: {e}"))
            }
            _ => ApiError::MalformedRequest("The request body could not be read.".into()),
        };
        api_error.into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error: PathError, _req| {
        ApiError::MalformedRequest(format!("Invalid path parameter: {error}")).into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error: QueryPayloadError, _req| {
        ApiError::MalformedRequest(format!("Invalid query string: {error}")).into()
    })
}

/// Unknown routes answer in the API's error format too.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!("No route for {} {}.", req.method(), req.path())))
}

/// Echoes the request id that tracing-actix-web generated, so a client can quote it
/// and an operator can find every log line of that request.
pub async fn add_request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = req.extensions().get::<RequestId>().copied();
    let mut response = next.call(req).await?;
    if let Some(id) = request_id
        && let Ok(value) = HeaderValue::from_str(&id.to_string())
    {
        response.headers_mut().insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}

/// Swagger UI's own page, where people paste their session tokens: its scripts
/// and styles from itself only, the spec fetched from here, never in a frame.
/// Its bundle (5.32.6, vendored by utoipa-swagger-ui) inserts one fixed <style>
/// element; the hash allows that one and no other inline style. A new Swagger UI
/// version may change it: the browser test reports CSP violations on this page.
pub const SWAGGER_UI_CSP: &str = "default-src 'none'; script-src 'self'; \
style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; img-src 'self' data:; font-src 'self'; \
connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// For anything that did not set its own policy (API JSON, errors, preflights):
/// it loads nothing and is framed nowhere.
const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Security headers on every response: no content-type sniffing, no referrer,
/// no framing (`X-Frame-Options` for browsers that predate `frame-ancestors`),
/// and a Content-Security-Policy unless the response has its own (the SPA).
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let swagger = req.path().starts_with("/swagger-ui");
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = if swagger { SWAGGER_UI_CSP } else { DEFAULT_CSP };
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    }
    Ok(response)
}

/// The root span of every request. Unlike the default, it records the path
/// without the query string and no user agent or client address: nothing a
/// client sends can put a token or personal data into the logs through it.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().copied();
        let route = request.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
        tracing::info_span!(
            "request",
            request_id = %request_id.map(|id| id.to_string()).unwrap_or_default(),
            method = %request.method(),
            route = %route,
            path = %request.path(),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
        )
    }

    /// Records the status and, for an error, its `Display` alone: the default
    /// also records the error's `Debug`, which can quote what the client sent.
    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error) = match outcome {
            Ok(response) => (response.status(), response.response().error().map(|e| e.to_string())),
            Err(error) => (error.as_response_error().status_code(), Some(error.to_string())),
        };
        span.record("http.status_code", status.as_u16());
        span.record("otel.status_code", if status.is_server_error() { "ERROR" } else { "OK" });
        if let Some(error) = error {
            span.record("exception.message", tracing::field::display(error));
        }
    }
}
