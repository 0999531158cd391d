//! Social sign-in against a real OpenID Connect provider: Ory Hydra with our
//! login-and-consent app (hydra/), next to an Ory stack whose Kratos uses it, and a
//! "browser" (reqwest with a cookie store) that follows the redirects by hand.
//!
//! The provider sends the browser back to the redirect URI registered with it,
//! which Kratos builds from a fixed base URL (`base_redirect_uri`): the backend's
//! address must be known before Kratos and Hydra start. So the social tests share
//! one backend, started once on a port chosen up front and served from a thread of
//! its own (each test's runtime ends with the test); each test uses its own people.
//!
//! Kratos' login and registration flows here live [`FLOW_LIFESPAN`], short enough
//! for the expiry tests to wait out.

use std::{
    path::Path,
    process::{Command, Stdio},
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

use ory_spa::{config::Settings, startup::Application};
use reqwest::{Response, StatusCode, Url, header};
use serde_json::{Value, json};
use tempfile::TempDir;

use super::{
    TestApp,
    app::fresh_database,
    logs,
    ory::{OIDC_CLIENT_SECRET, OryStack, Service, binary, free_port, probe, repo, run, spawn, sqlite_options},
};

pub const HYDRA_VERSION: &str = "v2.3.0";
/// The provider's password (any email address is a user of the local provider).
pub const PROVIDER_PASSWORD: &str = "test provider password";
pub const FLOW_LIFESPAN: Duration = Duration::from_secs(10);
/// The id of the local provider in kratos/kratos.yml.
pub const PROVIDER: &str = "hydra";
/// A second provider, configured in Kratos but never running: Kratos cannot reach it.
pub const OFFLINE_PROVIDER: &str = "offline";
/// Wrong passwords per account before the shared backend says 429.
pub const LINK_FAILURES: u32 = 3;
/// How long the shared backend waits before telling of a sign-in that stopped
/// before its second factor.
pub const UNFINISHED_AFTER: Duration = Duration::from_secs(4);

/// Hydra, the login-and-consent app, and the OAuth2 client Kratos is.
struct Hydra {
    _dir: TempDir,
    public: u16,
    _hydra: Service,
    _login: Service,
}

impl Hydra {
    fn start(redirect_uri: &str) -> Hydra {
        let dir = tempfile::Builder::new().prefix("ory-spa-hydra-").tempdir().unwrap();
        let (public, admin, login) = (free_port(), free_port(), free_port());
        let log = |name: &str| {
            let file = std::fs::OpenOptions::new().create(true).append(true).open(dir.path().join(name)).unwrap();
            (Stdio::from(file.try_clone().unwrap()), Stdio::from(file))
        };

        // A SQLite file with the same options as Kratos': Hydra's `memory` DSN fails
        // concurrent sign-ins ("Unable to serialize access due to a concurrent update").
        let dsn = format!("sqlite://{}/hydra.sqlite?{}", dir.path().display(), sqlite_options());
        let mut migrate = Command::new(binary("hydra", HYDRA_VERSION));
        migrate.args(["migrate", "sql", "up", "-e", "--yes"]).env_clear().env("DSN", &dsn).env("SQA_OPT_OUT", "true");
        run(migrate, &dir.path().join("hydra-migrate.log"), "hydra migrate");

        let mut hydra = Command::new(binary("hydra", HYDRA_VERSION));
        let (out, err) = log("hydra.log");
        hydra
            .current_dir(repo())
            .args(["serve", "all", "-c", "hydra/hydra.yml", "--dev"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DSN", &dsn)
            .env("SECRETS_SYSTEM", r#"["test-hydra-system-secret-0123456789"]"#)
            .env("SERVE_PUBLIC_PORT", public.to_string())
            .env("SERVE_ADMIN_PORT", admin.to_string())
            .env("URLS_SELF_ISSUER", format!("http://127.0.0.1:{public}/"))
            .env("URLS_LOGIN", format!("http://127.0.0.1:{login}/login"))
            .env("URLS_CONSENT", format!("http://127.0.0.1:{login}/consent"))
            .env("URLS_ERROR", format!("http://127.0.0.1:{login}/"))
            .env("SQA_OPT_OUT", "true")
            .env("LOG_LEVEL", "warn")
            .stdout(out)
            .stderr(err);
        let hydra = Service { child: spawn(hydra) };

        let mut app = Command::new("node");
        let (out, err) = log("login-consent.log");
        app.current_dir(repo())
            .arg("hydra/login-consent/server.mjs")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HYDRA_ADMIN_URL", format!("http://127.0.0.1:{admin}/"))
            .env("PROVIDER_PASSWORD", PROVIDER_PASSWORD)
            .env("PORT", login.to_string())
            .stdout(out)
            .stderr(err);
        let login_app = Service { child: spawn(app) };

        let mut services =
            [("Hydra", hydra, "hydra.log"), ("the login-and-consent app", login_app, "login-consent.log")];
        let ready = [
            vec![format!("http://127.0.0.1:{admin}/health/ready"), format!("http://127.0.0.1:{public}/health/ready")],
            vec![format!("http://127.0.0.1:{login}/health/ready")],
        ];
        for ((name, service, log), urls) in services.iter_mut().zip(&ready) {
            wait_until(name, dir.path(), log, service, || urls.iter().all(|url| probe::answers_ok(url)));
        }
        // Hydra makes its signing keys (RSA) on first use, seconds of work: asked for
        // by concurrent sign-ins, it makes them twice at once and some token requests
        // fail. Its key set document makes them now, once.
        let jwks = format!("http://127.0.0.1:{public}/.well-known/jwks.json");
        let [(name, hydra, log), _] = &mut services;
        wait_until(name, dir.path(), log, hydra, || probe::answers_ok_within(&jwks, Duration::from_secs(60)));

        // Kratos' client at the provider: the secret Kratos has (ory.rs), the
        // redirect URI it builds from `base_redirect_uri`.
        let client = json!({
            "client_id": "ory-spa", "client_secret": OIDC_CLIENT_SECRET, "client_name": "ory-spa tests",
            "grant_types": ["authorization_code"], "response_types": ["code"],
            "scope": "openid email profile", "redirect_uris": [redirect_uri],
        });
        let (status, body) =
            probe::send_json("POST", &format!("http://127.0.0.1:{admin}/admin/clients"), &client.to_string()).unwrap();
        assert_eq!(status, 201, "registering Kratos' client at Hydra: {body}");

        let [(_, hydra, _), (_, login_app, _)] = services;
        Hydra { _dir: dir, public, _hydra: hydra, _login: login_app }
    }
}

fn wait_until(name: &str, dir: &Path, log: &str, service: &mut Service, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let problem = loop {
        if ready() {
            return;
        }
        if let Ok(Some(status)) = service.child.try_wait() {
            break format!("exited ({status})");
        }
        if Instant::now() > deadline {
            break "did not become ready within 60 s".to_owned();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = std::fs::read_to_string(dir.join(log)).unwrap_or_default();
    panic!("{name} {problem}. Its log:\n{log}");
}

/// The Ory stack, the provider, and the one backend the social tests share.
pub struct SocialStack {
    pub ory: OryStack,
    _hydra: Hydra,
    pub address: String,
    database_url: String,
    _db_dir: TempDir,
}

impl SocialStack {
    /// Started once per test process.
    pub async fn shared() -> &'static SocialStack {
        static STACK: OnceLock<SocialStack> = OnceLock::new();
        tokio::task::spawn_blocking(|| STACK.get_or_init(SocialStack::start)).await.unwrap()
    }

    fn start() -> SocialStack {
        let port = free_port();
        let address = format!("http://127.0.0.1:{port}");
        let hydra = Hydra::start(&format!("{address}/self-service/methods/oidc/callback/{PROVIDER}"));
        let lifespan = format!("{}s", FLOW_LIFESPAN.as_secs());
        let ory = OryStack::start_with(&[
            ("SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS_0_ISSUER_URL", &format!("http://127.0.0.1:{}/", hydra.public)),
            ("SELFSERVICE_METHODS_OIDC_CONFIG_BASE_REDIRECT_URI", &format!("{address}/")),
            ("SELFSERVICE_ALLOWED_RETURN_URLS", &format!("{address}/")),
            ("SELFSERVICE_FLOWS_LOGIN_LIFESPAN", &lifespan),
            ("SELFSERVICE_FLOWS_REGISTRATION_LIFESPAN", &lifespan),
            // A provider that is configured but not running, for the 503 test: port 1
            // on loopback refuses every connection.
            ("SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS_1_ID", OFFLINE_PROVIDER),
            ("SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS_1_PROVIDER", "generic"),
            ("SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS_1_LABEL", "Offline provider"),
            ("SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS_1_ISSUER_URL", "http://127.0.0.1:1/"),
            ("SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS_1_CLIENT_ID", "ory-spa"),
            ("SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS_1_CLIENT_SECRET", OIDC_CLIENT_SECRET),
            ("SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS_1_MAPPER_URL", "file://kratos/oidc/claims.jsonnet"),
        ]);

        logs::init();
        let db_dir = tempfile::tempdir().unwrap();
        // Like `spawn_app()`'s: SQLite, or a fresh PostgreSQL database when
        // TEST_POSTGRES_URL is set. Made on the app's own runtime, below.
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let database_url = runtime.block_on(fresh_database(&db_dir));
        let vars = [
            ("APP_BIND_ADDRESS", format!("127.0.0.1:{port}")),
            // As in `spawn_app()`: every test signs in from 127.0.0.1, so the limits
            // per address are off. Per account (each test has its own people) one is
            // on, low, for the test that guesses a password at `link`.
            ("APP_LIMIT_LOGIN_FAILURES_PER_ACCOUNT", format!("{LINK_FAILURES}/15m")),
            ("APP_LIMIT_LOGIN_FAILURES_PER_ADDRESS", "off".to_owned()),
            ("APP_LIMIT_REGISTRATIONS_PER_ADDRESS", "off".to_owned()),
            ("APP_LIMIT_RECOVERY_PER_ADDRESS", "off".to_owned()),
            ("APP_LIMIT_VERIFICATION_PER_ADDRESS", "off".to_owned()),
            ("APP_KRATOS_PUBLIC_URL", ory.kratos_public_url()),
            ("APP_KRATOS_ADMIN_URL", ory.kratos_admin_url()),
            ("APP_KETO_READ_URL", ory.keto_read_url()),
            ("APP_KETO_WRITE_URL", ory.keto_write_url()),
            ("APP_DATABASE_URL", database_url.clone()),
            ("APP_ORY_TIMEOUT_MS", "5000".to_owned()),
            ("APP_SOCIAL_RETURN_URLS", format!("{address}/auth/social/return")),
            // Security notices to the stack's Mailpit; a half sign-in is told
            // after a wait long enough for a finished one's code on a loaded machine.
            ("APP_SMTP_URL", ory.smtp_url()),
            ("APP_MAIL_FROM", format!("ory-spa security <{}>", super::mailbox::NOTICES_FROM)),
            ("APP_UNFINISHED_SIGN_IN_NOTICE_AFTER_MS", UNFINISHED_AFTER.as_millis().to_string()),
        ];
        let settings = Settings::from_vars(vars.map(|(k, v)| (k.to_owned(), v))).expect("valid test settings");
        let (started, ready) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let app = Application::build(settings).await.expect("the app starts");
                started.send(()).unwrap();
                app.run_until_stopped().await.unwrap();
            });
        });
        ready.recv().expect("the social test app starts");
        SocialStack { ory, _hydra: hydra, address, database_url, _db_dir: db_dir }
    }

    /// A client of the shared backend, like `spawn_app()`'s.
    pub fn app(&'static self) -> TestApp {
        TestApp {
            address: self.address.clone(),
            metrics_address: None,
            client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            database_url: self.database_url.clone(),
            mailbox: self.ory.mailbox(),
            _db_dir: None,
        }
    }

    pub fn return_url(&self) -> String {
        format!("{}/auth/social/return", self.address)
    }
}

/// What the person does at the provider.
#[derive(Debug, Clone, Copy)]
pub enum AtProvider<'a> {
    /// Signs in as `email` (with the provider's password) and allows access.
    SignIn { email: &'a str, name: &'a str },
    /// Presses "Cancel" on the provider's login page.
    CancelLogin,
    /// Signs in, then presses "Deny" on the consent page.
    DenyConsent { email: &'a str },
}

/// A browser: a cookie store (Hydra keeps its CSRF cookies), and redirects
/// followed by hand, so the test sees every hop.
pub struct Browser {
    client: reqwest::Client,
    /// Where following stops: the app's return URL (the SPA's page; the browser
    /// would load it, the test reads its query instead).
    stop_at: String,
    /// Every URL visited, in order.
    pub visited: Mutex<Vec<String>>,
}

impl Browser {
    pub fn new(stack: &SocialStack) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent("ory-spa-test-browser/1.0")
                .build()
                .unwrap(),
            stop_at: stack.return_url(),
            visited: Mutex::new(Vec::new()),
        }
    }

    /// Follows redirects from `response` (to `url`) until a page, or the return URL.
    async fn follow(&self, mut url: Url, mut response: Response) -> (Url, Option<String>) {
        for _ in 0..20 {
            if !response.status().is_redirection() {
                assert_eq!(response.status(), StatusCode::OK, "{url} answered {}", response.status());
                return (url, Some(response.text().await.unwrap()));
            }
            let location = response.headers()[header::LOCATION].to_str().unwrap();
            url = url.join(location).unwrap();
            self.visited.lock().unwrap().push(url.to_string());
            if url.as_str().starts_with(&self.stop_at) {
                return (url, None);
            }
            response = self.client.get(url.clone()).send().await.unwrap();
        }
        panic!("more than 20 redirects");
    }

    pub async fn get(&self, url: &str) -> (Url, Option<String>) {
        let url = Url::parse(url).unwrap();
        self.visited.lock().unwrap().push(url.to_string());
        let response = self.client.get(url.clone()).send().await.unwrap();
        self.follow(url, response).await
    }

    async fn submit(&self, page: &Url, form: &[(&str, &str)]) -> (Url, Option<String>) {
        let response = self.client.post(page.clone()).form(form).send().await.unwrap();
        self.follow(page.clone(), response).await
    }

    /// From the provider's authorization URL (`redirect_to`) through its login and
    /// consent pages to the return URL the browser is sent back to.
    pub async fn sign_in_at_provider(&self, redirect_to: &str, how: AtProvider<'_>) -> Url {
        let (login, page) = self.get(redirect_to).await;
        let page = page.unwrap_or_else(|| panic!("the provider's login page, not {login}"));
        assert!(page.contains(r#"id="login""#), "the provider's login form: {page}");
        let challenge = hidden(&page, "challenge");
        let (email, deny) = match how {
            AtProvider::CancelLogin => {
                let (back, page) = self.submit(&login, &[("challenge", &challenge), ("action", "cancel")]).await;
                assert!(page.is_none(), "cancelling leads back to the app, not to {back}");
                return back;
            }
            AtProvider::SignIn { email, .. } => (email, false),
            AtProvider::DenyConsent { email } => (email, true),
        };
        let name = if let AtProvider::SignIn { name, .. } = how { name } else { "" };
        let form = [
            ("challenge", challenge.as_str()),
            ("email", email),
            ("name", name),
            ("password", PROVIDER_PASSWORD),
            ("action", "sign-in"),
        ];
        let (consent, page) = self.submit(&login.join("/login").unwrap(), &form).await;
        let page = page.unwrap_or_else(|| panic!("the provider's consent page, not {consent}"));
        assert!(page.contains(r#"id="consent""#), "the provider's consent form: {page}");
        let challenge = hidden(&page, "challenge");
        let action = if deny { "deny" } else { "allow" };
        let (back, page) =
            self.submit(&consent.join("/consent").unwrap(), &[("challenge", &challenge), ("action", action)]).await;
        assert!(page.is_none(), "the provider sends the browser back to the app, not to {back}");
        back
    }
}

/// The value of the hidden input `name` in a page of the login-and-consent app.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = page.find(&marker).unwrap_or_else(|| panic!("no hidden {name} in {page}")) + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// A query parameter of the return URL.
pub fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

/// What `POST /api/auth/social/providers/{provider}` answered: 201 and its body.
pub async fn start(app: &TestApp, provider: &str, intent: &str) -> Value {
    let response = app
        .post(&format!("/api/auth/social/providers/{provider}"))
        .json(&json!({ "intent": intent }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

/// `POST /api/auth/social/complete` with what came back in `url` and the verifier.
pub async fn complete(app: &TestApp, started: &Value, url: &Url) -> Response {
    complete_as(app, started, url, None).await
}

/// `complete`, from the client that says it is `user_agent`.
pub async fn complete_as(app: &TestApp, started: &Value, url: &Url, user_agent: Option<&str>) -> Response {
    let mut body = json!({ "state": param(url, "state"), "verifier": started["verifier"] });
    if let Some(code) = param(url, "code") {
        body["code"] = json!(code);
    }
    if let Some(flow) = param(url, "flow") {
        body["flow_id"] = json!(flow);
    }
    let mut request = app.post("/api/auth/social/complete").json(&body);
    if let Some(user_agent) = user_agent {
        request = request.header("user-agent", user_agent);
    }
    request.send().await.unwrap()
}
