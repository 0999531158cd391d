//! The metrics listener: Prometheus' text format, on its own port only.

use crate::helpers::{ory::OryStack, problem, spawn_app_on};

/// The value of the sample `name{labels}`, if the scrape has it.
fn sample(scrape: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape.lines().find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let rest = series.strip_prefix(name)?.strip_prefix('{')?;
        labels.iter().all(|(k, v)| rest.contains(&format!("{k}=\"{v}\""))).then(|| value.parse().ok())?
    })
}

#[tokio::test]
async fn requests_ory_calls_and_the_caches_are_counted_on_the_metrics_port_only() {
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let app =
        spawn_app_on(ory, &[("APP_METRICS_BIND_ADDRESS", "127.0.0.1:0"), ("APP_SESSION_CACHE_TTL_MS", "60000")]).await;
    let metrics = format!("{}/metrics", app.metrics_address.as_ref().expect("a metrics listener"));
    let (token, _) = app.register_new().await;
    for _ in 0..3 {
        assert_eq!(app.home(&token).await.status(), 200);
    }
    problem(app.home("ory_st_unknown").await, 401, "unauthenticated").await;
    // A list counts what its person reaches once, then reuses the count.
    for _ in 0..2 {
        let list = app.call(reqwest::Method::GET, "/api/documents", Some(&token), None).await;
        assert_eq!(list.status(), 200);
    }

    let response = reqwest::get(&metrics).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let scrape = response.text().await.unwrap();
    // The recorder is per process, and other tests' apps count into it too:
    // lower bounds only.
    let home = [("route", "/api/home"), ("method", "GET"), ("status", "200")];
    assert!(sample(&scrape, "http_requests_total", &home) >= Some(3.0), "{scrape}");
    assert!(sample(&scrape, "http_request_duration_seconds_count", &home) >= Some(3.0));
    let refused = [("route", "/api/home"), ("status", "401")];
    assert!(sample(&scrape, "http_requests_total", &refused) >= Some(1.0));
    let check = [("service", "Keto"), ("operation", "check"), ("outcome", "ok")];
    assert!(sample(&scrape, "ory_requests_total", &check) >= Some(3.0));
    assert!(
        sample(&scrape, "ory_request_duration_seconds_bucket", &[("service", "Kratos"), ("operation", "whoami")])
            .is_some()
    );
    assert!(sample(&scrape, "session_cache_lookups_total", &[("result", "hit")]) >= Some(2.0));
    assert!(sample(&scrape, "session_cache_lookups_total", &[("result", "miss")]) >= Some(1.0));
    assert!(sample(&scrape, "access_index_count_lookups_total", &[("result", "miss")]) >= Some(1.0));
    assert!(sample(&scrape, "access_index_count_lookups_total", &[("result", "hit")]) >= Some(1.0));
    // The token never appears, nor anything from a path but its route pattern.
    assert!(!scrape.contains(&token));

    // Not on the API's port.
    problem(app.get("/metrics").send().await.unwrap(), 404, "not_found").await;
}
