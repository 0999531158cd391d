//! HTTP concerns shared by every feature: the error format, extractors, body
//! limits, request ids and the request span.

mod error;
mod extract;
pub mod problem;
mod request;
mod session_cache;
mod shed;
mod text;

pub use error::ApiError;
pub use extract::{Authenticated, Grant, Permitted};
pub use problem::{Message, Problem, ProblemCode, message_id};
pub use request::{
    DEFAULT_JSON_LIMIT, RequestSpan, add_request_id_header, json_config, not_found, path_config, query_config,
};
pub use session_cache::SessionCache;
pub use shed::{PasswordGate, PasswordSlot};
pub use text::bounded_text;
