//! The one place that sets up `tracing`.
//!
//! Every line written inside a request carries the request's span, and with it the
//! `request_id` that is echoed to the client as `X-Request-Id`. Headers, bodies and
//! query strings are never recorded (see `http::request_span`), which is what keeps
//! session tokens and passwords out of the logs.

use tracing::Subscriber;
use tracing_subscriber::{EnvFilter, fmt::MakeWriter, layer::SubscriberExt};

use crate::config::LogFormat;

/// Used when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "info,ory_spa=debug";

/// Builds the subscriber; `writer` is stdout in production and a buffer in tests.
pub fn subscriber<W>(format: LogFormat, filter: &str, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Pretty => Box::new(registry.with(tracing_subscriber::fmt::layer().with_writer(writer))),
        LogFormat::Json => Box::new(registry.with(
            tracing_subscriber::fmt::layer().json().with_current_span(true).with_span_list(false).with_writer(writer),
        )),
    }
}

/// Installs the subscriber for the whole process. Call once, first thing in `main`.
pub fn init(subscriber: Box<dyn Subscriber + Send + Sync>) {
    tracing::subscriber::set_global_default(subscriber).expect("a tracing subscriber was already installed");
}
