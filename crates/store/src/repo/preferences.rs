//! An account's email preferences: whether rendez-vous reminders reach it.

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
