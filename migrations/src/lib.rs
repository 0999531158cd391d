//! The backend's own tables. Membership and sharing are not here: they live in
//! Keto, which alone decides access. Rate-limit counters are here so that every
//! replica sees the same counts.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_documents_and_groups;
mod m20261123_000002_rate_limits;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_documents_and_groups::Migration),
            Box::new(m20261123_000002_rate_limits::Migration),
        ]
    }
}
