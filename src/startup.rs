//! Wiring: binds the listener, connects the database, builds the Ory clients and
//! the actix-web app with its middleware and routes.

use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::{
    App, HttpServer,
    dev::Server,
    http::{Method, header},
    middleware::{DefaultHeaders, from_fn},
    web,
};
use sea_orm::DatabaseConnection;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    account, auth,
    authz::Authorizer,
    config::Settings,
    db, documents, groups, health, home,
    http::{self, PasswordGate, RequestSpan, SessionCache},
    memory, monitoring,
    notify::Notifier,
    openapi::ApiDoc,
    ory::{self, Keto, Kratos},
    reconcile, social, spa,
    throttle::Throttle,
};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {address}: {source}")]
    Bind { address: std::net::SocketAddr, source: std::io::Error },
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("APP_SMTP_URL: {0}")]
    Mail(String),
}

pub struct Application {
    port: u16,
    server: Server,
    metrics_port: Option<u16>,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let address = settings.bind_address;
        let bind_error = |source| StartupError::Bind { address, source };
        let listener = TcpListener::bind(address).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();

        let db = db::connect(&settings.database_url).await?;
        db::migrate(&db).await?;

        let metrics_port = match settings.metrics_bind_address {
            Some(address) => {
                let bind_error = |source| StartupError::Bind { address, source };
                let listener = TcpListener::bind(address).map_err(bind_error)?;
                let port = listener.local_addr().map_err(bind_error)?.port();
                // Stops with the process; the API server owns the signals.
                tokio::spawn(monitoring::serve(listener).map_err(bind_error)?);
                Some(port)
            }
            None => None,
        };

        let notifier = Notifier::new(db.clone(), settings.mail.smtp_url.as_ref(), settings.mail.from.clone())
            .map_err(StartupError::Mail)?
            .with_unfinished_sign_in_after(settings.mail.unfinished_sign_in_after);
        if !notifier.is_on() {
            tracing::info!("security notices by mail are off (APP_SMTP_URL is not set)");
        }
        // Sends what a request could not, for as long as the server's runtime lives.
        tokio::spawn(notifier.clone().run_forever());

        let server = server(listener, settings, db, notifier).map_err(bind_error)?;
        Ok(Application { port, server, metrics_port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics listener's port, when one is configured.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// Runs until SIGINT or SIGTERM, then stops accepting connections and lets
    /// requests in flight finish (up to the shutdown timeout).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn server(
    listener: TcpListener,
    settings: Settings,
    db: DatabaseConnection,
    notifier: Notifier,
) -> std::io::Result<Server> {
    let http_client = ory::http_client(settings.ory_timeout);
    let kratos = web::Data::new(Kratos::new(
        http_client.clone(),
        settings.kratos.public_url.clone(),
        settings.kratos.admin_url.clone(),
    ));
    let keto = Keto::new(http_client, settings.keto.read_url.clone(), settings.keto.write_url.clone());
    let authorizer = Authorizer::new(keto.clone(), db.clone());
    // The reconciler and the memory trim live as long as the server's runtime.
    if let Some(interval) = settings.reconcile_interval {
        tokio::spawn(reconcile::run_forever(
            db.clone(),
            authorizer.clone(),
            kratos.get_ref().clone(),
            reconcile::Grace::with_session_cache(settings.session_cache.ttl),
            interval,
        ));
    }
    tokio::spawn(memory::trim_forever());
    let authorizer = web::Data::new(authorizer);
    let sessions = web::Data::new(SessionCache::new(settings.session_cache.ttl, settings.session_cache.capacity));
    let keto = web::Data::new(keto);
    let throttle = Throttle::new(db.clone(), settings.limits);
    tokio::spawn(throttle.clone().prune_forever());
    let throttle = web::Data::new(throttle);
    let db = web::Data::new(db);
    let client_address = web::Data::new(http::ClientAddressHeader(settings.client_address_header.clone()));
    let routes = web::Data::new(http::RouteTable::from_openapi(&ApiDoc::openapi()));
    let session_cookie = web::Data::new(settings.session_cookie);
    let allowed_origins = web::Data::new(http::AllowedOrigins(settings.cors_allowed_origins.clone()));
    let account_policy = web::Data::new(settings.account);
    let undo_links =
        web::Data::new(account::email_restore::UndoLinks::new(db.get_ref().clone(), settings.spa_url.clone()));
    let password_gate = web::Data::new(PasswordGate::new(settings.password_submissions_in_flight));
    let password_policy = web::Data::new(settings.password);
    let failed_login_floor = web::Data::new(auth::FailedLoginFloor(settings.failed_login_min));
    let social_settings = web::Data::new(settings.social.clone());
    let notifier = web::Data::new(notifier);
    let origins = settings.cors_allowed_origins.clone();
    let spa_dir = settings.spa_dir.clone();

    let ory_timeout = settings.ory_timeout;
    let server = HttpServer::new(move || {
        // One HTTP client per worker, not one for the process. A pooled hyper
        // connection is driven by a task on the runtime that opened it, and each
        // actix worker is its own single-threaded runtime: with a shared client,
        // a worker borrowing another's connection crossed threads twice per Ory
        // call (a wake-up each way). That cost about 15 % of the backend's CPU
        // per `/api/home`. The caches (sessions, list counts) stay shared.
        let worker_http = ory::http_client(ory_timeout);
        let kratos = web::Data::new(kratos.with_http(worker_http.clone()));
        let keto = web::Data::new(keto.with_http(worker_http.clone()));
        let authorizer = web::Data::new(authorizer.with_http(worker_http));
        let app = App::new()
            // The last `wrap` is the outermost: the request id and the security
            // headers go on every response, CORS preflights (answered by `cors`)
            // and errors from any layer included.
            // Before any handler's arguments are extracted: it acts on the paths of
            // the OpenAPI document (the API and its health probes) and passes the
            // rest (the SPA) through.
            .wrap(from_fn(http::gate))
            .wrap(cors(&origins))
            .wrap(from_fn(http::security_headers))
            .wrap(from_fn(http::add_request_id_header))
            .wrap(from_fn(monitoring::record))
            .wrap(TracingLogger::<RequestSpan>::new())
            .app_data(http::json_config(http::DEFAULT_JSON_LIMIT))
            .app_data(http::path_config())
            .app_data(http::query_config())
            .app_data(kratos)
            .app_data(keto)
            .app_data(authorizer)
            .app_data(sessions.clone())
            .app_data(db.clone())
            .app_data(account_policy.clone())
            .app_data(undo_links.clone())
            .app_data(password_gate.clone())
            .app_data(password_policy.clone())
            .app_data(failed_login_floor.clone())
            .app_data(throttle.clone())
            .app_data(client_address.clone())
            .app_data(routes.clone())
            .app_data(session_cookie.clone())
            .app_data(allowed_origins.clone())
            .app_data(social_settings.clone())
            .app_data(notifier.clone())
            .service(health::alive)
            .service(health::ready)
            .configure(social::callback_route)
            .service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/api-docs/openapi.json", ApiDoc::openapi()))
            .service(
                web::scope("/api")
                    // Bodies here carry session tokens and private data; JSON is
                    // never a document, so it may load nothing and be framed nowhere.
                    .wrap(
                        DefaultHeaders::new()
                            .add((header::CACHE_CONTROL, "no-store"))
                            .add((header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'")),
                    )
                    .configure(social::routes)
                    .configure(auth::routes)
                    .configure(account::routes)
                    .configure(documents::routes)
                    .configure(groups::routes)
                    .service(home::home)
                    .default_service(web::to(http::not_found)),
            );
        match &spa_dir {
            Some(dir) => app.service(web::scope("").wrap(from_fn(spa::headers)).configure(spa::routes(dir.clone()))),
            None => app.default_service(web::to(http::not_found)),
        }
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}

/// Only the configured origins; with none, no cross-origin request is allowed.
/// No credentials mode: cross-origin clients use bearer tokens; cookie mode is
/// for the SPA on the backend's own origin (the cookie is host-only and
/// `SameSite=Strict`).
fn cors(origins: &[String]) -> Cors {
    let cors = origins.iter().fold(Cors::default(), |cors, origin| cors.allowed_origin(origin));
    cors.allowed_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::HeaderName::from_static("x-session-token"),
            header::HeaderName::from_static(http::MODE_HEADER),
        ])
        .expose_headers([header::HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
        .max_age(3600)
}
