use std::process::ExitCode;

use ory_spa::{authz::Authorizer, config::Settings, db, ory, reconcile, startup::Application, telemetry};

const USAGE: &str = "usage: ory-spa [serve | migrate | reconcile | openapi]
  serve      run the HTTP server (the default)
  migrate    apply database migrations and exit
  reconcile  repair database and Keto writes a crash interrupted, and exit
  openapi  print the OpenAPI document (regenerate the committed one with
           `cargo run -q -- openapi > openapi/openapi.json`)
Settings come from APP_* environment variables; see README.md.";

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".to_owned());
    if command == "openapi" {
        print!("{}", ory_spa::openapi::to_pretty_json());
        return ExitCode::SUCCESS;
    }
    if !matches!(command.as_str(), "serve" | "migrate" | "reconcile") {
        eprintln!("{USAGE}");
        return if command == "--help" || command == "-h" { ExitCode::SUCCESS } else { ExitCode::from(2) };
    }

    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("ory-spa: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(telemetry::subscriber(settings.log_format, telemetry::DEFAULT_FILTER, std::io::stdout));

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let result: Result<(), Box<dyn std::error::Error>> = runtime.block_on(async move {
        match command.as_str() {
            "migrate" => {
                let db = db::connect(&settings.database_url).await?;
                db::migrate(&db).await?;
                tracing::info!("migrations applied");
            }
            "reconcile" => {
                let db = db::connect(&settings.database_url).await?;
                let http = ory::http_client(settings.ory_timeout);
                let keto = ory::Keto::new(http.clone(), settings.keto.read_url, settings.keto.write_url);
                let kratos = ory::Kratos::new(http, settings.kratos.public_url, settings.kratos.admin_url);
                let grace = reconcile::Grace::with_session_cache(settings.session_cache.ttl);
                let repaired = reconcile::run_once(&db, &Authorizer::new(keto, db.clone()), &kratos, grace).await?;
                tracing::info!(repaired, "reconciled");
            }
            _ => {
                let app = Application::build(settings).await?;
                tracing::info!(port = app.port(), "listening");
                app.run_until_stopped().await?;
            }
        }
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "ory-spa failed");
            eprintln!("ory-spa: {error}");
            ExitCode::FAILURE
        }
    }
}
