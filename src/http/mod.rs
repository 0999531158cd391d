//! HTTP concerns shared by every feature: the error format, extractors, body
//! limits, request ids and the request span.

mod cookie;
mod error;
mod extract;
mod gate;
pub mod problem;
mod request;
mod session_cache;
mod shed;
mod text;

pub use cookie::{Delivery, MODE_HEADER, SessionCookie};
pub use error::ApiError;
pub use extract::{AllowedOrigins, Authenticated, ClientAddressHeader, Grant, Permitted};
pub use gate::{RouteTable, gate};
pub use problem::{Message, Problem, ProblemCode, message_id};
pub use request::{
    DEFAULT_JSON_LIMIT, RequestSpan, add_request_id_header, json_config, not_found, path_config, query_config,
    security_headers,
};
pub use session_cache::SessionCache;
pub use shed::{PasswordGate, PasswordSlot};
pub use text::{bounded_text, single_line};
