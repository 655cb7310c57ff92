//! Repositories: the SQL of each area, in one place. Every function takes the request's `Db`
//! (inside the caller's transaction when it writes) and the request's instant where time matters.

pub mod access_log;
pub mod accounts;
pub mod audit;
pub mod beneficiaries;
pub mod bulk;
pub mod carnets;
pub mod dashboard;
pub mod diagnostic;
pub mod directory;
pub mod idempotency;
pub mod jobs;
pub mod members;
pub mod orientation;
pub mod outbox;
pub mod page;
pub mod plan;
pub mod preferences;
pub mod referentiel;
pub mod rendez_vous;
pub mod sessions;
pub mod structures;
pub mod test_data;
pub mod timeline;
