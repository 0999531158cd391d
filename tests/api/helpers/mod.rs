mod app;
pub mod fault_proxy;
mod logs;
pub mod mailbox;
pub mod ory;

pub use app::{Person, TestApp, fresh_database, message_ids, problem, spawn_app, spawn_app_on};
pub use logs::captured_logs;

/// A unique, valid email for one test, so tests sharing a Kratos never collide.
pub fn unique_email() -> String {
    format!("user-{}@example.com", uuid::Uuid::new_v4().simple())
}

pub const PASSWORD: &str = "a quiet evening walk 42";
