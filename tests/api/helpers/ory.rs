//! Starts the real Ory Kratos and Ory Keto for tests: temporary SQLite files, free
//! loopback ports, the repository's own `kratos/` and `keto/` configuration with
//! test-only overrides by environment variable (a cheap password hasher, quiet logs).
//! Each stack has its own Mailpit, the SMTP server Kratos' courier delivers to;
//! `helpers::mailbox` reads it. Social sign-in tests add a Hydra (`helpers::social`).
//!
//! Every process is started from one long-lived thread with `PR_SET_PDEATHSIG`,
//! so the kernel kills it when the test process ends, however it ends.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Mutex, OnceLock, mpsc},
    time::{Duration, Instant},
};

use tempfile::TempDir;

pub const KRATOS_VERSION: &str = "v1.3.1";
pub const KETO_VERSION: &str = "v0.14.0";
pub const MAILPIT_VERSION: &str = "v1.27.11";

pub(super) fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Where `scripts/ory-build.sh` puts the binaries.
pub fn binary(name: &str, version: &str) -> PathBuf {
    let dir = std::env::var_os("ORY_SPA_BIN_DIR").map(PathBuf::from).unwrap_or_else(|| {
        let cache = std::env::var_os("ORY_SPA_CACHE").map(PathBuf::from).unwrap_or_else(|| {
            let base = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache"));
            base.join("ory-spa")
        });
        cache.join("bin")
    });
    let path = dir.join(format!("{name}-{version}"));
    assert!(
        path.is_file(),
        "{} is missing: the integration tests need the real {name} {version}. \
         Build it with `bash scripts/ory-build.sh` (the README's test command does this).",
        path.display()
    );
    path
}

/// A port nothing listens on, for a service started a few seconds later (after
/// its migrations). Not one the kernel would pick (`bind(0)`): those come from
/// the ephemeral range, which every outgoing connection of the other tests draws
/// from too, and one of them took a stack's port in that gap more than once (the
/// service then failed to bind it). Ports below the ephemeral range, handed out
/// in turn by this process, are taken by nobody else.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u32>().ok())
        .unwrap_or(32768);
    let (low, high) = (10_000, ephemeral_low.max(10_001));
    // Another test process (a second `cargo test`) starts elsewhere in the range.
    let start = std::process::id() * 7919 % (high - low);
    for _ in 0..(high - low) {
        let port = low + (start + NEXT.fetch_add(1, Ordering::Relaxed)) % (high - low);
        let port = u16::try_from(port).expect("below the ephemeral range");
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port below {high}");
}

type SpawnRequest = (Command, mpsc::Sender<std::io::Result<Child>>);

/// Spawns children from one thread that lives as long as the process, because
/// `PR_SET_PDEATHSIG` fires when the *thread* that forked the child exits.
pub fn spawn(command: Command) -> Child {
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        std::thread::spawn(move || {
            for (mut command, reply) in rx {
                use std::os::unix::process::CommandExt;
                // SAFETY: prctl is async-signal-safe and touches no memory of ours.
                unsafe {
                    command.pre_exec(|| {
                        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                        Ok(())
                    });
                }
                let _ = reply.send(command.spawn());
            }
        });
        Mutex::new(tx)
    });
    let (tx, rx) = mpsc::channel();
    spawner.lock().unwrap().send((command, tx)).unwrap();
    rx.recv().unwrap().expect("spawning a service")
}

/// Runs a command to completion (migrations), with its output in `log`.
pub(super) fn run(mut command: Command, log: &Path, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    std::fs::write(log, [&output.stdout[..], &output.stderr[..]].concat()).unwrap();
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A running service, killed when dropped.
pub struct Service {
    pub child: Child,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The same SQLite options as `scripts/dev.sh` (see kratos/kratos.yml for why).
pub(super) fn sqlite_options() -> &'static str {
    include_str!("../../../scripts/lib/ory-sqlite-options").trim()
}

/// Fixed test secrets: they protect nothing but throwaway SQLite files.
const TEST_SECRET: &str = "test-secret-not-for-production-0123456789";

/// The secret of the OAuth2 client Kratos is at the local provider (`helpers::social`
/// registers it there). Kratos refuses to start without one, so every stack has it.
pub(super) const OIDC_CLIENT_SECRET: &str = "test-oidc-client-secret-0123456789";

/// A Kratos, a Keto and a Mailpit of their own, on their own ports and databases.
pub struct OryStack {
    dir: TempDir,
    /// Extra Kratos settings by environment, for tests that need other lifespans.
    kratos_env: Vec<(String, String)>,
    pub kratos_public: u16,
    pub kratos_admin: u16,
    pub keto_read: u16,
    pub keto_write: u16,
    keto_opl: u16,
    keto_metrics: u16,
    mailpit_smtp: u16,
    mailpit_http: u16,
    kratos: Mutex<Option<Service>>,
    keto: Mutex<Option<Service>>,
    mailpit: Mutex<Option<Service>>,
}

impl OryStack {
    /// Starts the services and waits until they are ready.
    pub fn start() -> OryStack {
        OryStack::start_with(&[])
    }

    /// Like `start`, with extra Kratos settings (e.g. `SESSION_LIFESPAN`).
    pub fn start_with(kratos_env: &[(&str, &str)]) -> OryStack {
        let dir = tempfile::Builder::new().prefix("ory-spa-test-").tempdir().unwrap();
        let stack = OryStack {
            dir,
            kratos_env: kratos_env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            kratos_public: free_port(),
            kratos_admin: free_port(),
            keto_read: free_port(),
            keto_write: free_port(),
            keto_opl: free_port(),
            keto_metrics: free_port(),
            mailpit_smtp: free_port(),
            mailpit_http: free_port(),
            kratos: Mutex::new(None),
            keto: Mutex::new(None),
            mailpit: Mutex::new(None),
        };
        // Mailpit first: Kratos' courier delivers as soon as Kratos runs.
        stack.start_mailpit();
        stack.migrate();
        stack.start_kratos();
        stack.start_keto();
        stack
    }

    /// The stack most tests share; started once per test process.
    pub fn shared() -> &'static OryStack {
        static SHARED: OnceLock<OryStack> = OnceLock::new();
        SHARED.get_or_init(OryStack::start)
    }

    /// The stack for tests that stop or freeze Ory: one test at a time holds it,
    /// and it is running again when the next one gets it.
    pub async fn faulty() -> FaultStack {
        static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
        static STACK: OnceLock<OryStack> = OnceLock::new();
        let guard = LOCK.lock().await;
        let stack = tokio::task::spawn_blocking(|| STACK.get_or_init(OryStack::start)).await.unwrap();
        tokio::task::spawn_blocking(|| stack.ensure_running()).await.unwrap();
        FaultStack { stack, _guard: guard }
    }

    fn ensure_running(&self) {
        let _ = signal_if_running(&self.kratos, libc::SIGCONT);
        let _ = signal_if_running(&self.keto, libc::SIGCONT);
        if self.kratos.lock().unwrap().is_none() {
            self.start_kratos();
        }
        if self.keto.lock().unwrap().is_none() {
            self.start_keto();
        }
    }

    pub fn kratos_public_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.kratos_public)
    }
    pub fn kratos_admin_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.kratos_admin)
    }
    /// A client of this Keto's read and write APIs, for tests that change Keto
    /// behind the backend's back.
    pub fn keto(&self) -> ory_spa::ory::Keto {
        ory_spa::ory::Keto::new(
            ory_spa::ory::http_client(std::time::Duration::from_secs(2)),
            self.keto_read_url().parse().unwrap(),
            self.keto_write_url().parse().unwrap(),
        )
    }

    /// A client of this Kratos' public and admin APIs, for tests that run the
    /// backend's own jobs (the reconciler) against it.
    pub fn kratos(&self) -> ory_spa::ory::Kratos {
        ory_spa::ory::Kratos::new(
            ory_spa::ory::http_client(std::time::Duration::from_secs(2)),
            self.kratos_public_url().parse().unwrap(),
            self.kratos_admin_url().parse().unwrap(),
        )
    }

    pub fn keto_read_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.keto_read)
    }
    pub fn keto_write_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.keto_write)
    }
    /// Mailpit's web UI and HTTP API.
    pub fn mailpit_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.mailpit_http)
    }
    /// Where the backend sends its security notices: this stack's Mailpit, as
    /// Kratos' courier does (plain SMTP on loopback).
    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.mailpit_smtp)
    }

    /// A reader of the mail this stack's Kratos sends.
    pub fn mailbox(&self) -> super::mailbox::Mailbox {
        super::mailbox::Mailbox::new(self.mailpit_url(), self.dir.path().join("kratos.log"))
    }

    fn kratos_command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary("kratos", KRATOS_VERSION));
        command
            .current_dir(repo())
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DSN", format!("sqlite://{}/kratos.sqlite?{}", self.dir.path().display(), sqlite_options()))
            .env("SERVE_PUBLIC_PORT", self.kratos_public.to_string())
            .env("SERVE_PUBLIC_BASE_URL", self.kratos_public_url())
            .env("SERVE_ADMIN_PORT", self.kratos_admin.to_string())
            .env("SECRETS_DEFAULT", TEST_SECRET)
            .env("SECRETS_COOKIE", TEST_SECRET)
            .env("SECRETS_CIPHER", "0123456789abcdef0123456789abcdef")
            .env("SELFSERVICE_METHODS_OIDC_CONFIG_PROVIDERS_0_CLIENT_SECRET", OIDC_CLIENT_SECRET)
            // Test-only: the production argon2 settings would make every
            // registration and login take most of a second on two cores.
            .env("HASHERS_ALGORITHM", "bcrypt")
            .env("HASHERS_BCRYPT_COST", "4")
            // Kratos raises a bcrypt cost below 12 back to 12 outside dev mode.
            .env("DEV", "true")
            .env("SQA_OPT_OUT", "true")
            // No TLS on loopback: Mailpit offers no STARTTLS without a certificate,
            // and Kratos tries it whenever a server offers it (ory/kratos#4498).
            .env(
                "COURIER_SMTP_CONNECTION_URI",
                format!("smtp://127.0.0.1:{}/?disable_starttls=true", self.mailpit_smtp),
            )
            // The courier polls its queue this often (default 1s): a mail a test
            // waits for should not wait a second before it is even sent.
            .env("COURIER_WORKER_PULL_WAIT", "100ms")
            // Kratos spells the level "warning", Keto "warn".
            .env("LOG_LEVEL", "warning")
            .envs(self.kratos_env.iter().map(|(k, v)| (k, v)));
        command
    }

    fn keto_command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary("keto", KETO_VERSION));
        command
            .current_dir(repo())
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DSN", format!("sqlite://{}/keto.sqlite?{}", self.dir.path().display(), sqlite_options()))
            .env("SERVE_READ_PORT", self.keto_read.to_string())
            .env("SERVE_WRITE_PORT", self.keto_write.to_string())
            .env("SERVE_OPL_PORT", self.keto_opl.to_string())
            .env("SERVE_METRICS_PORT", self.keto_metrics.to_string())
            .env("SQA_OPT_OUT", "true")
            .env("LOG_LEVEL", "warn");
        command
    }

    fn migrate(&self) {
        run(
            self.kratos_command(&["migrate", "sql", "-e", "--yes", "-c", "kratos/kratos.yml"]),
            &self.dir.path().join("kratos-migrate.log"),
            "kratos migrate",
        );
        run(
            self.keto_command(&["migrate", "up", "-y", "-c", "keto/keto.yml"]),
            &self.dir.path().join("keto-migrate.log"),
            "keto migrate",
        );
    }

    fn log_file(&self, name: &str) -> Stdio {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.path().join(name)).unwrap();
        Stdio::from(file)
    }

    pub fn start_kratos(&self) {
        // `--watch-courier`: without it Kratos queues mail and never sends it.
        let mut command = self.kratos_command(&["serve", "-c", "kratos/kratos.yml", "--watch-courier"]);
        command.stdout(self.log_file("kratos.log")).stderr(self.log_file("kratos.log"));
        *self.kratos.lock().unwrap() = Some(Service { child: spawn(command) });
        self.wait_ready(&self.kratos, "Kratos", &format!("{}health/ready", self.kratos_public_url()), "kratos.log");
    }

    pub fn start_keto(&self) {
        let mut command = self.keto_command(&["serve", "-c", "keto/keto.yml"]);
        command.stdout(self.log_file("keto.log")).stderr(self.log_file("keto.log"));
        *self.keto.lock().unwrap() = Some(Service { child: spawn(command) });
        self.wait_ready(&self.keto, "Keto", &format!("{}health/ready", self.keto_read_url()), "keto.log");
    }

    fn start_mailpit(&self) {
        let mut command = Command::new(binary("mailpit", MAILPIT_VERSION));
        command
            .args(["--smtp", &format!("127.0.0.1:{}", self.mailpit_smtp)])
            .args(["--listen", &format!("127.0.0.1:{}", self.mailpit_http)])
            .args(["--database", &self.dir.path().join("mailpit.sqlite").display().to_string()])
            // Keep every message for the whole run (the default prunes past 500).
            .args(["--max", "0"])
            // Nothing leaves the machine: no update check against GitHub, no reverse
            // DNS lookup per SMTP connection, no remote CSS or fonts in the web UI.
            .args(["--disable-version-check", "--smtp-disable-rdns", "--block-remote-css-and-fonts"])
            // Mailpit also reads MP_* variables; only the flags above count.
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdout(self.log_file("mailpit.log"))
            .stderr(self.log_file("mailpit.log"));
        *self.mailpit.lock().unwrap() = Some(Service { child: spawn(command) });
        // Its web server comes up before its SMTP listener, so wait for both.
        let smtp = format!("127.0.0.1:{}", self.mailpit_smtp);
        let readyz = format!("{}readyz", self.mailpit_url());
        self.wait_until(&self.mailpit, "Mailpit", &format!("{readyz} and smtp://{smtp}"), "mailpit.log", || {
            probe::answers_ok(&readyz) && std::net::TcpStream::connect(&smtp).is_ok()
        });
    }

    pub fn stop_kratos(&self) {
        self.kratos.lock().unwrap().take();
    }

    pub fn stop_keto(&self) {
        self.keto.lock().unwrap().take();
    }

    /// Freezes Kratos (SIGSTOP): its sockets still accept connections, but nothing
    /// answers, which is what a hung service looks like to us.
    pub fn freeze_kratos(&self) {
        freeze(&self.kratos, "Kratos");
    }

    pub fn thaw_kratos(&self) {
        assert!(signal_if_running(&self.kratos, libc::SIGCONT), "Kratos is not running");
    }

    /// Freezes Keto, as `freeze_kratos` does Kratos.
    pub fn freeze_keto(&self) {
        freeze(&self.keto, "Keto");
    }

    pub fn thaw_keto(&self) {
        assert!(signal_if_running(&self.keto, libc::SIGCONT), "Keto is not running");
    }

    fn wait_ready(&self, service: &Mutex<Option<Service>>, name: &str, url: &str, log: &str) {
        self.wait_until(service, name, url, log, || probe::answers_ok(url));
    }

    fn wait_until(&self, service: &Mutex<Option<Service>>, name: &str, at: &str, log: &str, ready: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let problem = loop {
            if ready() {
                return;
            }
            if let Some(Service { child }) = service.lock().unwrap().as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                break format!("exited ({status})");
            }
            if Instant::now() > deadline {
                break "did not become ready within 60 s".to_owned();
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let log = std::fs::read_to_string(self.dir.path().join(log)).unwrap_or_default();
        panic!("{name} at {at} {problem}. Its log:\n{log}");
    }
}

/// A dependency-free readiness probe: one HTTP/1.0 GET over a plain socket, so the
/// harness needs no async runtime of its own.
pub mod probe {
    use std::io::{Read, Write};

    pub fn answers_ok(url: &str) -> bool {
        answers_ok_within(url, std::time::Duration::from_secs(2))
    }

    /// Like `answers_ok`, waiting up to `timeout` for the answer.
    pub fn answers_ok_within(url: &str, timeout: std::time::Duration) -> bool {
        let rest = url.strip_prefix("http://").expect("http URL");
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let Ok(mut stream) = std::net::TcpStream::connect(host) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(timeout));
        if write!(stream, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").is_err() {
            return false;
        }
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200")
    }

    /// One `method` request with a JSON body; the status and body, or why not.
    pub fn send_json(method: &str, url: &str, body: &str) -> Result<(u16, String), String> {
        let rest = url.strip_prefix("http://").expect("http URL");
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let mut stream = std::net::TcpStream::connect(host).map_err(|e| format!("{url}: {e}"))?;
        let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
        write!(
            stream,
            "{method} /{path} HTTP/1.0\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .map_err(|e| format!("{url}: {e}"))?;
        let mut response = String::new();
        stream.read_to_string(&mut response).map_err(|e| format!("{url}: {e}"))?;
        let status =
            response.get(9..12).and_then(|code| code.parse().ok()).ok_or_else(|| format!("{url}: {response}"))?;
        let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
        Ok((status, body))
    }
}

/// Exclusive use of the fault-injection stack for one test.
pub struct FaultStack {
    stack: &'static OryStack,
    _guard: tokio::sync::MutexGuard<'static, ()>,
}

impl FaultStack {
    /// The stack, for `spawn_blocking` closures; keep the `FaultStack` alive meanwhile.
    pub fn stack(&self) -> &'static OryStack {
        self.stack
    }
}

impl std::ops::Deref for FaultStack {
    type Target = OryStack;

    fn deref(&self) -> &OryStack {
        self.stack
    }
}

/// Stops the service (SIGSTOP) and waits until it has: kill(2) returns once the
/// signal is queued, not once every thread has stopped, so a request sent at
/// once could still be answered.
fn freeze(service: &Mutex<Option<Service>>, name: &str) {
    assert!(signal_if_running(service, libc::SIGSTOP), "{name} is not running");
    let pid = service.lock().unwrap().as_ref().expect("running").child.id();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !all_threads_stopped(pid) {
        assert!(Instant::now() < deadline, "{name} did not stop within 5 s of SIGSTOP");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn signal_if_running(service: &Mutex<Option<Service>>, signal: libc::c_int) -> bool {
    let guard = service.lock().unwrap();
    let Some(service) = guard.as_ref() else {
        return false;
    };
    // SAFETY: plain syscall on a child we own.
    unsafe { libc::kill(service.child.id() as libc::pid_t, signal) == 0 }
}

/// Whether every thread of `pid` is stopped (`T` in `/proc/<pid>/task/<tid>/stat`).
fn all_threads_stopped(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return false };
    tasks.flatten().all(|task| {
        std::fs::read_to_string(task.path().join("stat"))
            // The state follows the command name, which is in parentheses.
            .is_ok_and(|stat| stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('T')))
    })
}
