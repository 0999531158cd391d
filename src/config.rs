//! Typed settings, read once at start-up.
//!
//! Every setting has a local-development default and can be overridden by an
//! environment variable with the `APP_` prefix. Nothing else in the crate reads
//! the environment. An unknown `APP_` variable is an error too, so a typo never
//! silently leaves a default (say, an allow-all CORS list or a production URL) in place.

use std::{collections::BTreeMap, fmt, net::SocketAddr, path::PathBuf, time::Duration};

use secrecy::SecretString;
use url::Url;

use crate::{
    account::AccountPolicy,
    auth::PasswordPolicy,
    http::SessionCookie,
    social::ReturnUrls,
    throttle::{Limit, Limits},
};

const PREFIX: &str = "APP_";

#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the HTTP server listens. Port 0 picks a free port (tests).
    pub bind_address: SocketAddr,
    pub kratos: KratosSettings,
    pub keto: KetoSettings,
    /// Upper bound for one call to Kratos or Keto; past it the request answers 503.
    pub ory_timeout: Duration,
    /// Contains a password in production, so it is kept secret.
    pub database_url: SecretString,
    /// Origins allowed to call the API from a browser. Empty: no cross-origin access.
    pub cors_allowed_origins: Vec<String>,
    pub log_format: LogFormat,
    /// The built SPA to serve at `/`; `None` serves the API only.
    pub spa_dir: Option<PathBuf>,
    pub account: AccountPolicy,
    pub password: PasswordPolicy,
    pub limits: Limits,
    /// The header a trusted reverse proxy puts the client's address in; `None`:
    /// the connection's address is the client's.
    pub client_address_header: Option<actix_web::http::header::HeaderName>,
    /// Cookie mode's cookie: `Secure` and `__Host-` unless the server is reached
    /// over plain HTTP (local runs only).
    pub session_cookie: SessionCookie,
    pub social: SocialSettings,
    pub session_cache: SessionCacheSettings,
    /// How often this replica's reconciler runs in the background; `None`: never
    /// (a scheduler runs `ory-spa reconcile` instead).
    pub reconcile_interval: Option<Duration>,
    /// Where the Prometheus metrics listener binds; `None` serves no metrics.
    /// Never the API's address: metrics are for the operator's network only.
    pub metrics_bind_address: Option<SocketAddr>,
    /// Password submissions (login, registration, re-authentication, password
    /// change) this replica lets wait on Kratos at once; more answer 503 at once.
    pub password_submissions_in_flight: usize,
    /// The least time a refused login takes (`auth::FailedLoginFloor`). Zero: no floor.
    pub failed_login_min: Duration,
    pub mail: MailSettings,
    /// Where people open the SPA, for links in mails (`account::SpaUrl`).
    pub spa_url: crate::account::SpaUrl,
}

/// Security notices by mail (`notify`).
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// lettre's SMTP URL; it may hold the SMTP password. `None`: no notices.
    pub smtp_url: Option<SecretString>,
    pub from: lettre::message::Mailbox,
    /// How long a sign-in may wait for its second factor before the owner is
    /// told that their password was entered (`notify`); `None`: never.
    pub unfinished_sign_in_after: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct SocialSettings {
    /// Where a social sign-in may send the browser back to; the first is the default.
    pub return_urls: ReturnUrls,
}

#[derive(Debug, Clone, Copy)]
pub struct SessionCacheSettings {
    /// How long a session Kratos confirmed is trusted without asking again: the
    /// bound on how late a revocation made elsewhere is honoured here. Zero: off.
    pub ttl: Duration,
    /// At most this many sessions are remembered.
    pub capacity: u64,
}

#[derive(Debug, Clone)]
pub struct KratosSettings {
    pub public_url: Url,
    /// Only ever called from the server; never proxied (see ARCHITECTURE.md).
    pub admin_url: Url,
}

#[derive(Debug, Clone)]
pub struct KetoSettings {
    pub read_url: Url,
    /// Only ever called from the server; never proxied (see ARCHITECTURE.md).
    pub write_url: Url,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// A setting that could not be used, named by its environment variable.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: String,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid setting {}: {}", self.variable, self.problem)
    }
}

impl std::error::Error for ConfigError {}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars())
    }

    /// Builds settings from `(name, value)` pairs; variables without the `APP_` prefix are ignored.
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let mut vars: BTreeMap<String, String> =
            vars.into_iter().filter(|(name, _)| name.starts_with(PREFIX)).collect();
        let mut take = |name: &str| vars.remove(&format!("{PREFIX}{name}"));

        let settings = Settings {
            bind_address: parse(&mut take, "BIND_ADDRESS", "127.0.0.1:8080", |v| {
                v.parse::<SocketAddr>().map_err(|e| e.to_string())
            })?,
            kratos: KratosSettings {
                public_url: parse(&mut take, "KRATOS_PUBLIC_URL", "http://127.0.0.1:4433/", parse_url)?,
                admin_url: parse(&mut take, "KRATOS_ADMIN_URL", "http://127.0.0.1:4434/", parse_url)?,
            },
            keto: KetoSettings {
                read_url: parse(&mut take, "KETO_READ_URL", "http://127.0.0.1:4466/", parse_url)?,
                write_url: parse(&mut take, "KETO_WRITE_URL", "http://127.0.0.1:4467/", parse_url)?,
            },
            ory_timeout: parse(&mut take, "ORY_TIMEOUT_MS", "5000", |v| match v.parse::<u64>() {
                Ok(0) => Err("must be greater than 0".into()),
                Ok(ms) => Ok(Duration::from_millis(ms)),
                Err(e) => Err(format!("expected milliseconds as a whole number: {e}")),
            })?,
            database_url: parse(&mut take, "DATABASE_URL", "sqlite://.local/backend.sqlite?mode=rwc", |v| {
                if v.starts_with("sqlite:") || v.starts_with("postgres://") || v.starts_with("postgresql://") {
                    Ok(SecretString::from(v.to_owned()))
                } else {
                    Err("expected a sqlite: or postgres:// URL".into())
                }
            })?,
            cors_allowed_origins: parse(&mut take, "CORS_ALLOWED_ORIGINS", "", parse_origins)?,
            log_format: parse(&mut take, "LOG_FORMAT", "pretty", |v| match v {
                "pretty" => Ok(LogFormat::Pretty),
                "json" => Ok(LogFormat::Json),
                _ => Err("expected `pretty` or `json`".into()),
            })?,
            spa_dir: parse(&mut take, "SPA_DIR", "", |v| Ok((!v.is_empty()).then(|| PathBuf::from(v))))?,
            // On by default: a password is most often changed because it may be
            // known to someone else, and a session they already hold would outlive
            // the change otherwise. A request can still say `false`.
            account: AccountPolicy {
                password_change_signs_out_others: parse(
                    &mut take,
                    "PASSWORD_CHANGE_SIGNS_OUT_OTHERS",
                    "true",
                    parse_bool,
                )?,
                // Kratos' own age for privileged settings (kratos/kratos.yml,
                // `privileged_session_max_age: 15m`; a unit test keeps the two
                // equal), so that one re-authentication covers every
                // privileged action, Kratos' and ours.
                deletion_max_login_age: parse(&mut take, "ACCOUNT_DELETION_MAX_LOGIN_AGE_MS", "900000", |v| {
                    match v.parse::<u64>() {
                        Ok(0) => Err("must be greater than 0".into()),
                        Ok(ms) => Ok(Duration::from_millis(ms)),
                        Err(e) => Err(format!("expected milliseconds: {e}")),
                    }
                })?,
            },
            password: PasswordPolicy {
                min_score: parse(&mut take, "PASSWORD_MIN_STRENGTH", "3", |v| match v.parse::<u8>() {
                    Ok(score) if score <= 4 => Ok(score),
                    _ => Err("expected a zxcvbn score from 0 (off) to 4".into()),
                })?,
            },
            // 5 s: a revocation made on another replica or in Kratos' admin API is
            // honoured within 5 s, close enough to "at once" for a person, while
            // an SPA that makes several calls per page view asks Kratos once.
            session_cache: SessionCacheSettings {
                ttl: parse(&mut take, "SESSION_CACHE_TTL_MS", "5000", |v| {
                    v.parse::<u64>().map(Duration::from_millis).map_err(|e| format!("expected milliseconds: {e}"))
                })?,
                capacity: parse(&mut take, "SESSION_CACHE_CAPACITY", "10000", |v| {
                    v.parse::<u64>().map_err(|e| format!("expected a number of sessions: {e}"))
                })?,
            },
            // A minute: what a crash left half-done waits at most a minute past its
            // grace (`reconcile::GRACE`), and an idle replica's pass is a few
            // indexed queries. Every replica may run it: each step is idempotent.
            reconcile_interval: parse(&mut take, "RECONCILE_INTERVAL_MS", "60000", |v| match v.parse::<u64>() {
                Ok(0) => Ok(None),
                Ok(ms) => Ok(Some(Duration::from_millis(ms))),
                Err(e) => Err(format!("expected milliseconds: {e}")),
            })?,
            metrics_bind_address: parse(&mut take, "METRICS_BIND_ADDRESS", "", |v| {
                if v.is_empty() { Ok(None) } else { v.parse::<SocketAddr>().map(Some).map_err(|e| e.to_string()) }
            })?,
            password_submissions_in_flight: parse(&mut take, "PASSWORD_SUBMISSIONS_IN_FLIGHT", "4", |v| {
                match v.parse::<usize>() {
                    Ok(0) => Err("must be greater than 0".into()),
                    Ok(n) => Ok(n),
                    Err(e) => Err(format!("expected a whole number: {e}")),
                }
            })?,
            // Above what Kratos takes to hash a password here (about 100 ms
            // unloaded, a few hundred with the password gate full) and to sleep
            // for an unknown account (at most 200 ms, kratos/kratos.yml), and
            // still short for a person who mistyped.
            failed_login_min: parse(&mut take, "FAILED_LOGIN_MIN_MS", "500", |v| {
                v.parse::<u64>().map(Duration::from_millis).map_err(|e| format!("expected milliseconds: {e}"))
            })?,
            // Off unless configured: an SMTP server is part of the deployment
            // (scripts/dev.sh and the tests point it at their Mailpit).
            mail: MailSettings {
                smtp_url: parse(&mut take, "SMTP_URL", "", |v| {
                    if v.is_empty() {
                        return Ok(None);
                    }
                    // Checked here so that a typo stops the start, not the first notice;
                    // the error never quotes the URL, which may hold a password.
                    match Url::parse(v) {
                        Ok(url) if matches!(url.scheme(), "smtp" | "smtps") && url.host().is_some() => {
                            Ok(Some(SecretString::from(v.to_owned())))
                        }
                        _ => Err("expected smtp://host:port or smtps://user:password@host".into()),
                    }
                })?,
                from: parse(&mut take, "MAIL_FROM", "ory-spa <no-reply@ory-spa.localhost>", |v| {
                    v.parse::<lettre::message::Mailbox>().map_err(|e| format!("expected `Name <address>`: {e}"))
                })?,
                // Ten minutes (`notify::UNFINISHED_SIGN_IN_AFTER`). Less than a
                // second would tell the owner of every sign-in they are finishing.
                unfinished_sign_in_after: parse(
                    &mut take,
                    "UNFINISHED_SIGN_IN_NOTICE_AFTER_MS",
                    "600000",
                    |v| match v {
                        "off" => Ok(None),
                        _ => match v.parse::<u64>() {
                            Ok(ms) if ms >= 1000 => Ok(Some(Duration::from_millis(ms))),
                            Ok(_) => Err("expected at least 1000 milliseconds, or `off`".into()),
                            Err(e) => Err(format!("expected milliseconds or `off`: {e}")),
                        },
                    },
                )?,
            },
            // The SPA as `scripts/dev.sh` serves it (the backend serves the build).
            spa_url: parse(&mut take, "SPA_URL", "http://127.0.0.1:8080/", crate::account::SpaUrl::parse)?,
            // Per account, low enough that guessing a password is hopeless, high
            // enough that a person who mistypes is not locked out; per address,
            // higher, since many people can share one address.
            limits: Limits {
                login_failures_per_account: parse(
                    &mut take,
                    "LIMIT_LOGIN_FAILURES_PER_ACCOUNT",
                    "10/15m",
                    parse_limit,
                )?,
                login_failures_per_address: parse(
                    &mut take,
                    "LIMIT_LOGIN_FAILURES_PER_ADDRESS",
                    "100/15m",
                    parse_limit,
                )?,
                // The right password without the second factor, from devices the
                // account has not signed in from: each such login leaves a
                // password-only session in Kratos, and repeating it is not a
                // failure. Ten is more than a person fumbling for their phone.
                half_sign_ins_per_account: parse(&mut take, "LIMIT_HALF_SIGN_INS_PER_ACCOUNT", "10/15m", parse_limit)?,
                registrations_per_address: parse(&mut take, "LIMIT_REGISTRATIONS_PER_ADDRESS", "20/1h", parse_limit)?,
                recovery_per_address: parse(&mut take, "LIMIT_RECOVERY_PER_ADDRESS", "10/15m", parse_limit)?,
                // The per-address limits stop one client, not many: this bounds
                // the mail one inbox gets (a flood can bury a security notice).
                // A person rarely needs more than a few codes in an hour. Someone
                // who spends ten an hour to keep the owner from one shows up in
                // the owner's inbox: each of those requests mails them a code.
                code_mails_per_recipient: parse(&mut take, "LIMIT_CODE_MAILS_PER_RECIPIENT", "10/1h", parse_limit)?,
                verification_per_address: parse(&mut take, "LIMIT_VERIFICATION_PER_ADDRESS", "10/15m", parse_limit)?,
                // Enough for a person who wants their data again; each export reads
                // everything they can see, so no one may ask for it in a loop.
                exports_per_account: parse(&mut take, "LIMIT_EXPORTS_PER_ACCOUNT", "10/1h", parse_limit)?,
            },
            session_cookie: SessionCookie { secure: parse(&mut take, "SESSION_COOKIE_SECURE", "true", parse_bool)? },
            client_address_header: parse(&mut take, "CLIENT_ADDRESS_HEADER", "", |v| {
                if v.is_empty() {
                    return Ok(None);
                }
                actix_web::http::header::HeaderName::try_from(v)
                    .map(Some)
                    .map_err(|_| format!("`{v}` is not a header name"))
            })?,
            social: SocialSettings {
                // The SPA's return page as `scripts/dev.sh` serves it. Kratos'
                // `selfservice.allowed_return_urls` must allow each of them too.
                return_urls: parse(
                    &mut take,
                    "SOCIAL_RETURN_URLS",
                    "http://127.0.0.1:8080/auth/social/return",
                    ReturnUrls::parse,
                )?,
            },
        };

        if let Some(unknown) = vars.keys().next() {
            return Err(ConfigError { variable: unknown.clone(), problem: "unknown setting (misspelled?)".into() });
        }
        Ok(settings)
    }
}

fn parse<T>(
    take: &mut impl FnMut(&str) -> Option<String>,
    name: &str,
    default: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let value = take(name);
    parse(value.as_deref().unwrap_or(default).trim())
        .map_err(|problem| ConfigError { variable: format!("{PREFIX}{name}"), problem })
}

fn parse_limit(value: &str) -> Result<Option<Limit>, String> {
    match value {
        "off" => Ok(None),
        _ => value.parse().map(Some),
    }
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("expected `true` or `false`".into()),
    }
}

fn parse_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("expected an http:// or https:// URL".into());
    }
    // Url::join treats a base without a trailing slash as a file and drops its last
    // segment; normalising here lets Ory sit behind a path prefix.
    let mut url = url;
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    Ok(url)
}

fn parse_origins(value: &str) -> Result<Vec<String>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            // A wildcard with bearer tokens would let any site drive the API from a
            // victim's browser once it has a token; origins must be listed one by one.
            if origin == "*" {
                return Err("`*` is not allowed; list the origins".to_owned());
            }
            let url = Url::parse(origin).map_err(|e| format!("`{origin}` is not an origin: {e}"))?;
            let canonical = url.origin().ascii_serialization();
            if canonical == "null" || url.path() != "/" || url.query().is_some() {
                return Err(format!("`{origin}` is not an origin like https://app.example.com"));
            }
            Ok(canonical)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_point_at_local_ory_and_allow_no_origin() {
        let settings = Settings::from_vars(vars(&[("PATH", "/bin")])).unwrap();
        assert_eq!(settings.kratos.public_url.as_str(), "http://127.0.0.1:4433/");
        assert_eq!(settings.keto.write_url.as_str(), "http://127.0.0.1:4467/");
        assert!(settings.cors_allowed_origins.is_empty());
        assert_eq!(settings.ory_timeout, Duration::from_secs(5));
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = Settings::from_vars(vars(&[("APP_KETO_READ_URL", "not a url")])).unwrap_err();
        assert_eq!(err.variable, "APP_KETO_READ_URL");
        let err = Settings::from_vars(vars(&[("APP_ORY_TIMEOUT_MS", "0")])).unwrap_err();
        assert_eq!(err.variable, "APP_ORY_TIMEOUT_MS");
    }

    #[test]
    fn an_unfinished_sign_in_is_told_after_ten_minutes_unless_set_otherwise() {
        let settings = Settings::from_vars(vars(&[])).unwrap();
        assert_eq!(settings.mail.unfinished_sign_in_after, Some(crate::notify::UNFINISHED_SIGN_IN_AFTER));
        let off = Settings::from_vars(vars(&[("APP_UNFINISHED_SIGN_IN_NOTICE_AFTER_MS", "off")])).unwrap();
        assert_eq!(off.mail.unfinished_sign_in_after, None);
        for bad in ["0", "999", "soon"] {
            let err = Settings::from_vars(vars(&[("APP_UNFINISHED_SIGN_IN_NOTICE_AFTER_MS", bad)])).unwrap_err();
            assert_eq!(err.variable, "APP_UNFINISHED_SIGN_IN_NOTICE_AFTER_MS");
        }
    }

    #[test]
    fn the_reconciler_runs_every_minute_unless_set_to_zero() {
        let settings = Settings::from_vars(vars(&[])).unwrap();
        assert_eq!(settings.reconcile_interval, Some(Duration::from_secs(60)));
        let off = Settings::from_vars(vars(&[("APP_RECONCILE_INTERVAL_MS", "0")])).unwrap();
        assert_eq!(off.reconcile_interval, None);
        let err = Settings::from_vars(vars(&[("APP_RECONCILE_INTERVAL_MS", "a minute")])).unwrap_err();
        assert_eq!(err.variable, "APP_RECONCILE_INTERVAL_MS");
    }

    #[test]
    fn the_session_cache_is_on_for_five_seconds_unless_set_to_zero() {
        let settings = Settings::from_vars(vars(&[])).unwrap();
        assert_eq!(settings.session_cache.ttl, Duration::from_secs(5));
        let off = Settings::from_vars(vars(&[("APP_SESSION_CACHE_TTL_MS", "0")])).unwrap();
        assert!(off.session_cache.ttl.is_zero());
        assert!(settings.metrics_bind_address.is_none(), "no metrics listener unless configured");
        let err = Settings::from_vars(vars(&[("APP_PASSWORD_SUBMISSIONS_IN_FLIGHT", "0")])).unwrap_err();
        assert_eq!(err.variable, "APP_PASSWORD_SUBMISSIONS_IN_FLIGHT");
    }

    #[test]
    fn a_refused_login_takes_half_a_second_unless_configured() {
        assert_eq!(Settings::from_vars(vars(&[])).unwrap().failed_login_min, Duration::from_millis(500));
        let off = Settings::from_vars(vars(&[("APP_FAILED_LOGIN_MIN_MS", "0")])).unwrap();
        assert!(off.failed_login_min.is_zero());
        let err = Settings::from_vars(vars(&[("APP_FAILED_LOGIN_MIN_MS", "half a second")])).unwrap_err();
        assert_eq!(err.variable, "APP_FAILED_LOGIN_MIN_MS");
    }

    #[test]
    fn a_password_change_signs_out_other_sessions_unless_configured_not_to() {
        assert!(Settings::from_vars(vars(&[])).unwrap().account.password_change_signs_out_others);
        let settings = Settings::from_vars(vars(&[("APP_PASSWORD_CHANGE_SIGNS_OUT_OTHERS", "false")])).unwrap();
        assert!(!settings.account.password_change_signs_out_others);
        let err = Settings::from_vars(vars(&[("APP_PASSWORD_CHANGE_SIGNS_OUT_OTHERS", "yes")])).unwrap_err();
        assert_eq!(err.variable, "APP_PASSWORD_CHANGE_SIGNS_OUT_OTHERS");
    }

    #[test]
    fn deleting_an_account_needs_a_login_as_recent_as_kratos_privileged_settings_do() {
        let settings = Settings::from_vars(vars(&[])).unwrap();
        let kratos = include_str!("../kratos/kratos.yml");
        let age = kratos
            .lines()
            .find_map(|line| line.trim().strip_prefix("privileged_session_max_age:"))
            .expect("kratos.yml sets privileged_session_max_age")
            .trim();
        assert_eq!(age, "15m", "a new value here needs the default below changed with it");
        assert_eq!(settings.account.deletion_max_login_age, Duration::from_secs(15 * 60));
        let err = Settings::from_vars(vars(&[("APP_ACCOUNT_DELETION_MAX_LOGIN_AGE_MS", "0")])).unwrap_err();
        assert_eq!(err.variable, "APP_ACCOUNT_DELETION_MAX_LOGIN_AGE_MS");
    }

    #[test]
    fn security_notices_are_off_until_an_smtp_url_is_given() {
        let settings = Settings::from_vars(vars(&[])).unwrap();
        assert!(settings.mail.smtp_url.is_none());
        assert_eq!(settings.mail.from.to_string(), "ory-spa <no-reply@ory-spa.localhost>");
        let on = Settings::from_vars(vars(&[("APP_SMTP_URL", "smtps://user:s3cret@mail.example.com")])).unwrap();
        assert!(on.mail.smtp_url.is_some());
        let err = Settings::from_vars(vars(&[("APP_SMTP_URL", "https://user:s3cret@mail.example.com")])).unwrap_err();
        assert_eq!(err.variable, "APP_SMTP_URL");
        assert!(!err.problem.contains("s3cret"), "{}", err.problem);
        assert!(!format!("{on:?}").contains("s3cret"), "Debug hides the SMTP password");
        let err = Settings::from_vars(vars(&[("APP_MAIL_FROM", "not an address")])).unwrap_err();
        assert_eq!(err.variable, "APP_MAIL_FROM");
    }

    #[test]
    fn the_password_strength_is_a_score_from_0_to_4() {
        assert_eq!(Settings::from_vars(vars(&[])).unwrap().password.min_score, 3);
        let settings = Settings::from_vars(vars(&[("APP_PASSWORD_MIN_STRENGTH", "0")])).unwrap();
        assert_eq!(settings.password.min_score, 0);
        let err = Settings::from_vars(vars(&[("APP_PASSWORD_MIN_STRENGTH", "5")])).unwrap_err();
        assert_eq!(err.variable, "APP_PASSWORD_MIN_STRENGTH");
    }

    #[test]
    fn limits_have_defaults_and_can_be_switched_off() {
        let settings = Settings::from_vars(vars(&[("APP_LIMIT_REGISTRATIONS_PER_ADDRESS", "off")])).unwrap();
        assert_eq!(settings.limits.registrations_per_address, None);
        assert_eq!(settings.limits.login_failures_per_account.unwrap().max, 10);
        assert_eq!(settings.limits.half_sign_ins_per_account.unwrap().max, 10);
        let mails = settings.limits.code_mails_per_recipient.unwrap();
        assert_eq!((mails.max, mails.window), (10, std::time::Duration::from_secs(3600)));
        let err = Settings::from_vars(vars(&[("APP_LIMIT_RECOVERY_PER_ADDRESS", "lots")])).unwrap_err();
        assert_eq!(err.variable, "APP_LIMIT_RECOVERY_PER_ADDRESS");
        assert!(Settings::from_vars(vars(&[])).unwrap().client_address_header.is_none());
    }

    #[test]
    fn social_return_urls_default_to_the_local_spa_and_must_be_plain_urls() {
        let settings = Settings::from_vars(vars(&[])).unwrap();
        assert_eq!(settings.social.return_urls.default_url().as_str(), "http://127.0.0.1:8080/auth/social/return");
        let err = Settings::from_vars(vars(&[("APP_SOCIAL_RETURN_URLS", "https://a.example/back?x=1")])).unwrap_err();
        assert_eq!(err.variable, "APP_SOCIAL_RETURN_URLS");
    }

    #[test]
    fn a_misspelled_variable_is_refused() {
        let err = Settings::from_vars(vars(&[("APP_KRATOS_URL", "http://x/")])).unwrap_err();
        assert_eq!(err.variable, "APP_KRATOS_URL");
    }

    #[test]
    fn origins_are_canonical_and_wildcards_refused() {
        let settings =
            Settings::from_vars(vars(&[("APP_CORS_ALLOWED_ORIGINS", "http://localhost:5173, https://A.example")]))
                .unwrap();
        assert_eq!(settings.cors_allowed_origins, ["http://localhost:5173", "https://a.example"]);
        assert!(Settings::from_vars(vars(&[("APP_CORS_ALLOWED_ORIGINS", "*")])).is_err());
        assert!(Settings::from_vars(vars(&[("APP_CORS_ALLOWED_ORIGINS", "https://a.example/path")])).is_err());
    }

    #[test]
    fn urls_gain_a_trailing_slash_so_joins_keep_prefixes() {
        let settings = Settings::from_vars(vars(&[("APP_KRATOS_PUBLIC_URL", "http://ory/kratos")])).unwrap();
        assert_eq!(
            settings.kratos.public_url.join("sessions/whoami").unwrap().as_str(),
            "http://ory/kratos/sessions/whoami"
        );
    }
}
