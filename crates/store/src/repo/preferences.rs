//! An account's email preferences: whether rendez-vous reminders reach it; and the emails that
//! failed for good (listed for managers).

use crate::{params, Db, StoreError};
use carnet_domain::{Id, Instant};

/// Whether reminder emails reach an account: `None` when they do, else since when they do not.
pub async fn reminders_opted_out_at(db: &Db, account: Id) -> Result<Option<String>, StoreError> {
    Ok(db
        .query_opt(
            "SELECT reminders_opt_out_at FROM accounts WHERE id = $1",
            params![account],
        )
        .await?
        .and_then(|row| {
            row.get::<Option<String>>("reminders_opt_out_at")
                .ok()
                .flatten()
        }))
}

/// Turns an account's reminder emails on or off; true when that changed something.
pub async fn set_reminders(
    db: &Db,
    account: Id,
    enabled: bool,
    now: Instant,
) -> Result<bool, StoreError> {
    let changed = if enabled {
        db.execute(
            "UPDATE accounts SET reminders_opt_out_at = NULL WHERE id = $1 AND reminders_opt_out_at IS NOT NULL",
            params![account],
        )
        .await?
    } else {
        db.execute(
            "UPDATE accounts SET reminders_opt_out_at = $2 WHERE id = $1 AND reminders_opt_out_at IS NULL",
            params![account, now],
        )
        .await?
    };
    Ok(changed > 0)
}

/// Stops an account's reminder emails, keeping the first opt-out instant if already opted out.
pub async fn opt_out_of_reminders(db: &Db, account: Id, now: Instant) -> Result<(), StoreError> {
    db.execute(
        "UPDATE accounts SET reminders_opt_out_at = COALESCE(reminders_opt_out_at, $2) WHERE id = $1",
        params![account, now],
    )
    .await
    .map(|_| ())
}

/// An email given up after every attempt.
#[derive(Clone, Debug)]
pub struct FailedEmail {
    pub id: String,
    pub template: String,
    pub recipient: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
}

/// The emails of the outbox that failed for good, newest first, at most 200.
pub async fn failed_emails(db: &Db) -> Result<Vec<FailedEmail>, StoreError> {
    db.query(
        "SELECT id, template, recipient, attempts, last_error, created_at FROM outbox WHERE status = 'failed' ORDER BY created_at DESC LIMIT 200",
        params![],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(FailedEmail {
            id: r.get("id")?,
            template: r.get("template")?,
            recipient: r.get("recipient")?,
            attempts: r.get("attempts")?,
            last_error: r.get("last_error")?,
            created_at: r.get("created_at")?,
        })
    })
    .collect()
}
