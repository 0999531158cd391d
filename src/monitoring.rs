//! Prometheus metrics, served on their own listener (`APP_METRICS_BIND_ADDRESS`),
//! never on the API's port: they describe traffic, and are for the operator's
//! network only.
//!
//! Code records through the `metrics` facade (`metrics::counter!`, …) wherever the
//! fact is known; this module installs the Prometheus recorder behind it once per
//! process, measures every request, and serves the text format at `/metrics`.
//!
//! - `http_requests_total`, `http_request_duration_seconds`: per route pattern
//!   (never the raw path, which would carry ids), method and status;
//! - `ory_requests_total`, `ory_request_duration_seconds`: per Ory service,
//!   operation and outcome (`ok`, `error`), recorded in `ory::Service::send`;
//! - `session_cache_lookups_total`: per result (`hit`, `miss`);
//! - `access_index_count_lookups_total`: a list's `total`, reused (`hit`) or
//!   counted (`miss`) (`authz::index::AccessIndex::count_reached`);
//! - `http_requests_shed_total`: password submissions refused by the in-flight
//!   limit (`http::PasswordGate`);
//! - `rate_limit_refusals_total`: requests refused by a rate limit, per bucket
//!   (`throttle`).

use std::{net::TcpListener, sync::OnceLock, time::Duration};

use actix_web::{
    App, Error, HttpResponse, HttpServer,
    body::MessageBody,
    dev::{Server, ServiceRequest, ServiceResponse},
    middleware::Next,
    web,
};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Seconds; from a cached session check to an Ory timeout.
const BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The process-wide recorder: the `metrics` facade has one global recorder, so
/// every app in a process (tests start several) records into the same one.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder =
                PrometheusBuilder::new().set_buckets(BUCKETS).expect("the buckets are not empty").build_recorder();
            let handle = recorder.handle();
            // Another recorder installed first (a test harness's) keeps recording
            // what it records; ours then renders nothing but is harmless.
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was installed already");
            }
            handle
        })
        .clone()
}

/// Middleware: counts and times every request by its route pattern and status.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = std::time::Instant::now();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().as_str().to_owned();
    let response = next.call(req).await;
    let status = match &response {
        Ok(response) => response.status().as_u16(),
        Err(error) => error.as_response_error().status_code().as_u16(),
    };
    let labels = [("route", route), ("method", method), ("status", status.to_string())];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}

/// The metrics listener: `GET /metrics` in Prometheus' text format, and a task
/// that keeps the recorder's histograms tidy.
pub fn serve(listener: TcpListener) -> std::io::Result<Server> {
    let handle = handle();
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(5));
        loop {
            ticks.tick().await;
            upkeep.run_upkeep();
        }
    });
    let server = HttpServer::new(move || {
        let handle = handle.clone();
        App::new().route(
            "/metrics",
            web::get().to(move || {
                let body = handle.render();
                async move { HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(body) }
            }),
        )
    })
    .workers(1)
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(1)
    .run();
    Ok(server)
}
