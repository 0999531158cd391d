//! Serves the built SPA (`frontend/dist`) at `/`.
//!
//! - Hashed files under `/assets/` never change, so browsers keep them a year.
//! - `index.html` is revalidated on every load, so a deploy is seen at once.
//! - Any other path that is not a file gets `index.html` (history routing),
//!   except under `/assets/`, where a missing file is a real 404.
//! - A strict Content-Security-Policy without `unsafe-inline`: the session token
//!   lives in sessionStorage, so injected script is what we must keep out.

use std::path::{Path, PathBuf};

use actix_files::{Files, NamedFile};
use actix_web::{
    Error, HttpRequest,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse, fn_service},
    http::header::{self, HeaderValue},
    middleware::Next,
    web,
};

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
form-action 'self'; frame-ancestors 'none'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

pub fn routes(dir: PathBuf) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let index = dir.join("index.html");
        cfg.service(Files::new("/", &dir).index_file("index.html").prefer_utf8(true).default_handler(fn_service(
            move |req: ServiceRequest| {
                let index = index.clone();
                async move {
                    let (req, _) = req.into_parts();
                    let response = fallback(&req, &index).await?;
                    Ok(ServiceResponse::new(req, response))
                }
            },
        )));
    }
}

async fn fallback(req: &HttpRequest, index: &Path) -> Result<actix_web::HttpResponse, Error> {
    if req.path().starts_with("/assets/") {
        return Err(crate::http::ApiError::NotFound(format!("No file {}.", req.path())).into());
    }
    Ok(NamedFile::open_async(index).await?.into_response(req))
}

/// Security and cache headers for everything the SPA scope serves.
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let hashed = req.path().starts_with("/assets/");
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let cache = if hashed && response.status().is_success() { IMMUTABLE } else { REVALIDATE };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(response)
}
