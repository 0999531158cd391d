//! The production shape: two backend replicas (the real `ory-spa` binary, as
//! processes) on one PostgreSQL database behind a real HAProxy, in front of the
//! shared Kratos and Keto. Ignored by a plain `cargo test` because it needs
//! PostgreSQL and HAProxy; `scripts/test.sh` installs both and runs it with
//! `TEST_POSTGRES_URL=… cargo test --test api -- --ignored replicas::`.
//!
//! It cannot hang: every process dies with the test process (`PR_SET_PDEATHSIG`)
//! or when dropped, every request has a timeout, and the whole test has one.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use ory_spa::{authz::Authorizer, db::RowState, documents};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{
    PASSWORD, fresh_database,
    ory::{OryStack, free_port, probe, spawn},
    unique_email,
};

/// How long a replica trusts a session without asking Kratos (short, so that the
/// test can wait it out).
const CACHE_TTL: Duration = Duration::from_millis(1000);

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_until(what: &str, log: &Path, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "{what} did not become ready within 30 s; its log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Replica {
    url: String,
    process: Option<Process>,
}

impl Replica {
    fn start(name: &'static str, ory: &OryStack, database_url: &str, dir: &Path) -> Replica {
        let port = free_port();
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_ory-spa"));
        command
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("APP_BIND_ADDRESS", format!("127.0.0.1:{port}"))
            .env("APP_KRATOS_PUBLIC_URL", ory.kratos_public_url())
            .env("APP_KRATOS_ADMIN_URL", ory.kratos_admin_url())
            .env("APP_KETO_READ_URL", ory.keto_read_url())
            .env("APP_KETO_WRITE_URL", ory.keto_write_url())
            .env("APP_DATABASE_URL", database_url)
            .env("APP_SESSION_CACHE_TTL_MS", CACHE_TTL.as_millis().to_string())
            .env("APP_LOG_FORMAT", "json")
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file));
        let process = Process(spawn(command));
        let url = format!("http://127.0.0.1:{port}");
        let ready = format!("{url}/health/ready");
        wait_until(name, &log, || probe::answers_ok(&ready));
        Replica { url, process: Some(process) }
    }

    /// SIGKILL: no shutdown, no request finished.
    fn kill(&mut self) {
        self.process.take();
    }
}

/// HAProxy from Debian's package, round robin over the replicas, checking each
/// often so that a dead one leaves the rotation quickly. `X-Replica` names the
/// replica that answered.
fn start_haproxy(replicas: &[(&str, &str)], dir: &Path) -> (Process, String) {
    let port = free_port();
    let servers: String = replicas
        .iter()
        .map(|(name, url)| {
            format!("  server {name} {} check inter 200ms fall 1 rise 2\n", url.trim_start_matches("http://"))
        })
        .collect();
    let config = format!(
        "global\n  maxconn 512\n\
         defaults\n  mode http\n  timeout connect 2s\n  timeout client 15s\n  timeout server 15s\n  \
         retries 2\n  option redispatch\n\
         frontend api\n  bind 127.0.0.1:{port}\n  default_backend replicas\n\
         backend replicas\n  balance roundrobin\n  option httpchk GET /health/alive\n  \
         http-response set-header X-Replica %s\n{servers}"
    );
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, config).unwrap();
    let log = dir.join("haproxy.log");
    let file = std::fs::File::create(&log).unwrap();
    let haproxy = which_haproxy();
    let mut command = Command::new(haproxy);
    command.arg("-db").arg("-f").arg(&path).stdout(Stdio::from(file.try_clone().unwrap())).stderr(Stdio::from(file));
    let process = Process(spawn(command));
    let url = format!("http://127.0.0.1:{port}");
    let alive = format!("{url}/health/alive");
    wait_until("HAProxy", &log, || probe::answers_ok(&alive));
    (process, url)
}

fn which_haproxy() -> &'static str {
    for path in ["/usr/sbin/haproxy", "/usr/bin/haproxy"] {
        if Path::new(path).is_file() {
            return path;
        }
    }
    panic!("HAProxy is not installed: scripts/test.sh installs Debian's haproxy package before this test");
}

struct Client(reqwest::Client);

impl Client {
    async fn call(
        &self,
        base: &str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self.0.request(method, format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    async fn register(&self, base: &str) -> (String, String, String) {
        let email = unique_email();
        let body = json!({ "email": email, "name": "Replicated", "password": PASSWORD });
        let response = self.call(base, Method::POST, "/api/auth/registration", None, Some(body)).await;
        assert_eq!(response.status(), 201);
        let replica = replica_of(&response);
        let body: Value = response.json().await.unwrap();
        (body["session_token"].as_str().unwrap().to_owned(), email, replica)
    }

    /// Every title `token` sees, through `base`, page by page.
    async fn titles(&self, base: &str, token: &str) -> Vec<String> {
        let mut titles = Vec::new();
        for page in 1.. {
            let path = format!("/api/documents?per_page=100&page={page}");
            let response = self.call(base, Method::GET, &path, Some(token), None).await;
            assert_eq!(response.status(), 200);
            let body: Value = response.json().await.unwrap();
            let items = body["items"].as_array().unwrap();
            if items.is_empty() {
                break;
            }
            titles.extend(items.iter().map(|d| d["title"].as_str().unwrap().to_owned()));
        }
        titles.sort();
        titles
    }
}

fn replica_of(response: &reqwest::Response) -> String {
    response.headers().get("x-replica").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

#[tokio::test]
#[ignore = "needs PostgreSQL and HAProxy: scripts/test.sh runs it with --ignored"]
async fn two_replicas_behind_haproxy_on_one_postgresql() {
    tokio::time::timeout(Duration::from_secs(240), scenario()).await.expect("the replica test finished in time");
}

async fn scenario() {
    assert!(
        std::env::var("TEST_POSTGRES_URL").is_ok(),
        "TEST_POSTGRES_URL is not set: the replicas share one PostgreSQL database (scripts/test.sh sets it)"
    );
    let dir = TempDir::new().unwrap();
    let database_url = fresh_database(&dir).await;
    let ory = tokio::task::spawn_blocking(OryStack::shared).await.unwrap();
    let (db_url, path) = (database_url.clone(), dir.path().to_owned());
    // One after the other: the first applies the migrations.
    let (mut a, b) = tokio::task::spawn_blocking(move || {
        let a = Replica::start("a", ory, &db_url, &path);
        let b = Replica::start("b", ory, &db_url, &path);
        (a, b)
    })
    .await
    .unwrap();
    let path = dir.path().to_owned();
    let (a_url, b_url) = (a.url.clone(), b.url.clone());
    let (_haproxy, lb) =
        tokio::task::spawn_blocking(move || start_haproxy(&[("a", &a_url), ("b", &b_url)], &path)).await.unwrap();
    let client = Client(reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap());

    // Register through the balancer on one replica; the session works on the other.
    let (ada, ada_email, registered_on) = client.register(&lb).await;
    assert!(registered_on == "a" || registered_on == "b", "HAProxy names the replica: {registered_on:?}");
    let mut used_on_other = false;
    for _ in 0..10 {
        let response = client.call(&lb, Method::GET, "/api/auth/session", Some(&ada), None).await;
        assert_eq!(response.status(), 200);
        if replica_of(&response) != registered_on {
            used_on_other = true;
            break;
        }
    }
    assert!(used_on_other, "round robin reached the other replica with the same session");

    // A logout through one replica is refused by the other within the cache's time.
    let login = json!({ "identifier": ada_email, "password": PASSWORD });
    let response = client.call(&a.url, Method::POST, "/api/auth/login", None, Some(login)).await;
    assert_eq!(response.status(), 200);
    let phone = response.json::<Value>().await.unwrap()["session_token"].as_str().unwrap().to_owned();
    for replica in [&a.url, &b.url] {
        assert_eq!(client.call(replica, Method::GET, "/api/home", Some(&phone), None).await.status(), 200);
    }
    assert_eq!(client.call(&a.url, Method::POST, "/api/auth/logout", Some(&phone), None).await.status(), 204);
    assert_eq!(client.call(&a.url, Method::GET, "/api/home", Some(&phone), None).await.status(), 401, "at once here");
    tokio::time::sleep(CACHE_TTL + Duration::from_millis(200)).await;
    assert_eq!(
        client.call(&b.url, Method::GET, "/api/home", Some(&phone), None).await.status(),
        StatusCode::UNAUTHORIZED,
        "and on the other replica once its cache time has passed"
    );

    // Creating, sharing and listing are the same whichever replica answers.
    let (grace, grace_email, _) = client.register(&lb).await;
    let created = client
        .call(&a.url, Method::POST, "/api/documents", Some(&ada), Some(json!({ "title": "from a", "body": "" })))
        .await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let share = json!({ "email": grace_email, "role": "viewer" });
    let shared =
        client.call(&b.url, Method::POST, &format!("/api/documents/{id}/collaborators"), Some(&ada), Some(share)).await;
    assert_eq!(shared.status(), 204);
    for base in [&a.url, &b.url, &lb, &lb] {
        assert_eq!(client.titles(base, &grace).await, ["from a"], "through {base}");
        let path = format!("/api/documents/{id}");
        assert_eq!(client.call(base, Method::GET, &path, Some(&grace), None).await.status(), 200);
    }

    // A replica killed in the middle of a load of creates loses nothing that
    // was acknowledged, and the reconciler finishes or undoes what it left half-done.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let failed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let load = (0..4).map(|worker| {
        let (client, lb, ada, acknowledged, failed) =
            (client.0.clone(), lb.clone(), ada.clone(), acknowledged.clone(), failed.clone());
        tokio::spawn(async move {
            for n in 0..30 {
                let title = format!("load {worker}-{n:02}");
                let response = client
                    .post(format!("{lb}/api/documents"))
                    .bearer_auth(&ada)
                    .json(&json!({ "title": title, "body": "" }))
                    .send()
                    .await;
                match response {
                    Ok(response) if response.status() == 201 => acknowledged.lock().unwrap().push(title),
                    _ => {
                        failed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            }
        })
    });
    let load: Vec<_> = load.collect();
    while acknowledged.lock().unwrap().len() < 20 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    a.kill();
    for worker in load {
        worker.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() > 20, "the load went on through the other replica: {}", acknowledged.len());

    let db = sea_orm::Database::connect(&database_url).await.unwrap();
    let authz = Authorizer::new(ory.keto(), db.clone());
    ory_spa::reconcile::run_once(&db, &authz, &ory.kratos(), ory_spa::reconcile::Grace::none()).await.unwrap();
    let unfinished = documents::entity::Entity::find()
        .filter(documents::entity::Column::State.ne(RowState::Active))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(unfinished, 0, "no half-done document is left");
    let index_unsettled = ory_spa::authz::index::entity::Entity::find()
        .filter(ory_spa::authz::index::entity::Column::State.ne(RowState::Active))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(index_unsettled, 0, "no unsettled index row is left");

    let listed = client.titles(&b.url, &ada).await;
    for title in &acknowledged {
        assert!(listed.contains(title), "acknowledged {title} is listed");
    }
    let active = documents::entity::Entity::find().count(&db).await.unwrap();
    assert_eq!(listed.len() as u64, active, "every document left is whole and listed (1 + the load)");
    for document in documents::entity::Entity::find().all(&db).await.unwrap() {
        let path = format!("/api/documents/{}", document.id);
        let response = client.call(&b.url, Method::GET, &path, Some(&ada), None).await;
        assert_eq!(response.status(), 200, "{} is owned in Keto", document.title);
    }
    // Through the balancer, the dead replica is out of the rotation.
    for _ in 0..4 {
        let response = client.call(&lb, Method::GET, "/api/auth/session", Some(&ada), None).await;
        assert_eq!(response.status(), 200);
        assert_eq!(replica_of(&response), "b");
    }
    drop(b);
}
