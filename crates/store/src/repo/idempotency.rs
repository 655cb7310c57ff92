//! Stored responses of idempotent creates, per account and key, kept 24 hours.

use crate::{params, Db, StoreError};
use carnet_domain::{Id, Instant};

#[derive(serde::Deserialize)]
pub struct Stored {
    pub request_hash: String,
    pub status: i64,
    pub response: String,
}

pub const KEEP_SECONDS: i64 = 24 * 3600;

/// The stored response for this key, unless older than 24 hours.
pub async fn find(
    db: &Db,
    account_id: Id,
    key: &str,
    now: Instant,
) -> Result<Option<Stored>, StoreError> {
    db.query_opt_as(
        "SELECT request_hash, status, response FROM idempotency_keys \
             WHERE account_id = $1 AND idempotency_key = $2 AND created_at > $3",
        params![account_id, key, now.minus_seconds(KEEP_SECONDS)],
    )
    .await
}

/// Stores a response in the caller's transaction (an expired row with the same key is replaced).
pub async fn save(
    db: &Db,
    account_id: Id,
    key: &str,
    hash: &str,
    status: i64,
    response: &str,
    now: Instant,
) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM idempotency_keys WHERE account_id = $1 AND idempotency_key = $2 AND created_at <= $3",
        params![account_id, key, now.minus_seconds(KEEP_SECONDS)],
    )
    .await?;
    db.execute(
        "INSERT INTO idempotency_keys (account_id, idempotency_key, request_hash, status, response, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        params![account_id, key, hash, status, response, now],
    )
    .await
    .map(|_| ())
}
