//! The audit log: who did what, when, from where. Written in the same transaction as the change.

use crate::{params, Db, StoreError};
use carnet_domain::{Id, Instant};

pub struct AuditEntry<'a> {
    pub actor_account_id: Option<Id>,
    pub actor_role: Option<&'a str>,
    pub action: &'a str,
    pub target_type: Option<&'a str>,
    pub target_id: Option<String>,
    pub client_addr: Option<&'a str>,
    /// Ids and codes only, never personal data. Sensitive values are replaced by their mark
    /// when stored (see [`carnet_domain::sensitive`]).
    pub details: Option<serde_json::Value>,
}

pub async fn record(db: &Db, at: Instant, entry: AuditEntry<'_>) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO audit_log (id, at, actor_account_id, actor_role, action, target_type, target_id, client_addr, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            Id::new_random(),
            at,
            entry.actor_account_id,
            entry.actor_role,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.client_addr,
            entry.details.map(|mut details| {
                carnet_domain::sensitive::redact(&mut details);
                details.to_string()
            }),
        ],
    )
    .await
    .map(|_| ())
}

/// The audit rows about one target, oldest first (for tests and the auditors' views).
pub async fn actions_for_target(db: &Db, target_id: &str) -> Result<Vec<String>, StoreError> {
    #[derive(serde::Deserialize)]
    struct Action {
        action: String,
    }
    Ok(db
        .query_as::<Action>(
            "SELECT action FROM audit_log WHERE target_id = $1 ORDER BY at, id",
            params![target_id],
        )
        .await?
        .into_iter()
        .map(|row| row.action)
        .collect())
}
