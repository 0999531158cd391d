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
