//! The backend's own tables. Membership and sharing live in Keto, which alone
//! decides access; `access_index` is a copy of our tuples for finding list
//! candidates, never for deciding. Rate-limit counters are here so that every
//! replica sees the same counts. Social sign-ins in progress are, because only
//! the server may hold Kratos' half of their session-token exchange; and TOTP
//! codes that have signed someone in, so that no replica accepts one twice.
//! Security notices wait in an outbox, and the devices each account has signed
//! in from are remembered (as hashes) to tell a new one; each account's security
//! activity is kept for the person to look back on.

pub use sea_orm_migration::prelude::*;

mod fold;
pub use fold::fold_title;

mod m20261123_000001_documents_and_groups;
mod m20261123_000002_rate_limits;
mod m20261124_000001_access_index;
mod m20261201_000001_social_sign_ins;
mod m20261202_000001_access_index_feed;
mod m20261203_000001_access_index_generations;
mod m20261206_000001_used_totp_codes;
mod m20261206_000002_account_deletions;
mod m20261206_000003_mail_outbox;
mod m20261207_000001_known_devices;
mod m20261207_000002_security_activity;
mod m20261208_000001_email_restores;
mod m20261209_000001_unfinished_sign_ins;
mod m20261210_000001_activity_provider;
mod m20261211_000001_document_title_folded;
mod m20261212_000001_document_title_accent_fold;
mod m20261213_000001_device_accounts;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_documents_and_groups::Migration),
            Box::new(m20261123_000002_rate_limits::Migration),
            Box::new(m20261124_000001_access_index::Migration),
            Box::new(m20261201_000001_social_sign_ins::Migration),
            Box::new(m20261202_000001_access_index_feed::Migration),
            Box::new(m20261203_000001_access_index_generations::Migration),
            Box::new(m20261206_000001_used_totp_codes::Migration),
            Box::new(m20261206_000002_account_deletions::Migration),
            Box::new(m20261206_000003_mail_outbox::Migration),
            Box::new(m20261207_000001_known_devices::Migration),
            Box::new(m20261207_000002_security_activity::Migration),
            Box::new(m20261208_000001_email_restores::Migration),
            Box::new(m20261209_000001_unfinished_sign_ins::Migration),
            Box::new(m20261210_000001_activity_provider::Migration),
            Box::new(m20261211_000001_document_title_folded::Migration),
            Box::new(m20261212_000001_document_title_accent_fold::Migration),
            Box::new(m20261213_000001_device_accounts::Migration),
        ]
    }
}
