//! An actix-web JSON backend for a single-page app, with Ory Kratos for identity
//! and Ory Keto for permissions. See ARCHITECTURE.md for the map.

pub mod account;
pub mod auth;
pub mod authz;
pub mod config;
pub mod db;
pub mod documents;
pub mod groups;
pub mod health;
pub mod home;
pub mod http;
pub mod memory;
pub mod monitoring;
pub mod notify;
pub mod openapi;
pub mod ory;
pub mod reconcile;
pub mod social;
pub mod spa;
pub mod startup;
pub mod telemetry;
pub mod throttle;
