//! The committed spec (`openapi/openapi.json`) is the one the code generates and serves.

use crate::helpers::spawn_app;

const REGENERATE: &str = "regenerate it with `cargo run -q -- openapi > openapi/openapi.json`";

#[test]
fn the_committed_spec_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
        .unwrap_or_else(|e| panic!("openapi/openapi.json is missing ({e}); {REGENERATE}"));
    let generated = ory_spa::openapi::to_pretty_json();
    assert!(committed == generated, "openapi/openapi.json is out of date; {REGENERATE}");
}

#[tokio::test]
async fn the_served_spec_is_the_generated_one_and_swagger_ui_is_bundled() {
    let app = spawn_app().await;
    let served: serde_json::Value = app.get("/api-docs/openapi.json").send().await.unwrap().json().await.unwrap();
    let generated: serde_json::Value = serde_json::from_str(&ory_spa::openapi::to_pretty_json()).unwrap();
    assert_eq!(served, generated);
    assert_eq!(served["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");

    let ui = app.get("/swagger-ui/").send().await.unwrap();
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.unwrap().contains("swagger-ui"));
}
