//! The backend's own tables. Membership and sharing are not here: they live in
//! Keto, which alone decides access.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_documents_and_groups;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20261123_000001_documents_and_groups::Migration)]
    }
}
