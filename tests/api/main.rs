//! Integration tests: the real backend against the real Ory Kratos and Ory Keto,
//! which the tests start themselves (see `helpers::ory`).

mod helpers;

mod account;
mod account_deletion;
mod auth;
mod consistency;
mod contract;
mod cookie;
mod database;
mod documents;
mod email_restore;
mod expiry;
mod extractor;
mod groups;
mod health;
mod home;
mod mail;
mod matrix;
mod metrics;
mod notifications;
mod openapi;
mod recovery;
mod replicas;
mod resilience;
mod second_factor;
mod session_cache;
mod social;
mod throttling;
mod verification;
