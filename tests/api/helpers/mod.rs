mod app;
pub mod fault_proxy;
mod logs;
pub mod mailbox;
pub mod ory;
pub mod social;

pub use app::{Person, TestApp, fresh_database, message_ids, problem, spawn_app, spawn_app_on, spawn_replica};
pub use logs::captured_logs;

/// A unique, valid email for one test, so tests sharing a Kratos never collide.
pub fn unique_email() -> String {
    format!("user-{}@example.com", uuid::Uuid::new_v4().simple())
}

pub const PASSWORD: &str = "a quiet evening walk 42";

/// The current TOTP code for a base32 `secret`, as an authenticator app shows it.
pub fn totp_code(secret: &str) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).expect("Kratos hands out base32 secrets");
    let totp = totp_rs::Builder::new().with_secret(secret).build().expect("a 160-bit secret is a valid TOTP key");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    totp.generate(now).to_string()
}

/// Waits, if need be, so that at least `needed` of a `window`-second fixed
/// window of the backend's rate limits remain: counts made now then all land in
/// one window.
pub async fn fresh_window(window: u64, needed: std::time::Duration) {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let into = Duration::from_millis((now.as_millis() % (u128::from(window) * 1000)) as u64);
    let left = Duration::from_secs(window) - into;
    if left < needed {
        tokio::time::sleep(left + Duration::from_millis(50)).await;
    }
}
