//! The outbox: every email is a row written in the same transaction as what caused it; the
//! notifications component delivers them.

use crate::{params, Db, StoreError};
use carnet_domain::{Id, Instant};

pub struct NewEmail<'a> {
    pub template: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
}

pub async fn enqueue(db: &Db, now: Instant, email: NewEmail<'_>) -> Result<Id, StoreError> {
    let id = Id::new_random();
    db.execute(
        "INSERT INTO outbox (id, template, recipient, subject, body_text, body_html, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)",
        params![id, email.template, email.recipient, email.subject, email.body_text, email.body_html, now],
    )
    .await?;
    Ok(id)
}

/// Queues composed content for one recipient.
pub async fn enqueue_content(
    db: &Db,
    now: Instant,
    recipient: &str,
    content: &carnet_domain::emails::EmailContent,
) -> Result<Id, StoreError> {
    enqueue(
        db,
        now,
        NewEmail {
            template: content.template,
            recipient,
            subject: &content.subject,
            body_text: &content.text,
            body_html: &content.html,
        },
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct LeasedEmail {
    pub id: Id,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attempts: i64,
}

/// Leases up to `limit` due emails until `lease_until`: a concurrent run cannot lease them
/// (the lease condition is re-checked on each row as it is updated).
pub async fn lease_due(
    db: &Db,
    now: Instant,
    lease_until: Instant,
    limit: i64,
) -> Result<Vec<LeasedEmail>, StoreError> {
    db.query_as(
            "UPDATE outbox SET lease_until = $1 \
             WHERE status = 'pending' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2) \
               AND id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
                          AND (lease_until IS NULL OR lease_until < $2) ORDER BY created_at, id LIMIT $3) \
             RETURNING id, recipient, subject, body_text, body_html, attempts",
            params![lease_until, now, limit],
        )
        .await
}

pub async fn mark_sent(db: &Db, id: Id, now: Instant) -> Result<(), StoreError> {
    db.execute(
        "UPDATE outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1, lease_until = NULL, last_error = NULL WHERE id = $1",
        params![id, now],
    )
    .await
    .map(|_| ())
}

/// Records a failed attempt: retried at `retry_at`, or `failed` for good when `give_up`.
pub async fn mark_attempt_failed(
    db: &Db,
    id: Id,
    error: &str,
    retry_at: Instant,
    give_up: bool,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE outbox SET attempts = attempts + 1, lease_until = NULL, last_error = $2, next_attempt_at = $3, \
         status = CASE WHEN $4 THEN 'failed' ELSE status END WHERE id = $1",
        params![id, error, retry_at, give_up],
    )
    .await
    .map(|_| ())
}

pub async fn count_pending(db: &Db) -> Result<i64, StoreError> {
    db.query_one(
        "SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'",
        params![],
    )
    .await?
    .get("n")
}

/// Un courriel abandonné après toutes ses tentatives.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = CourrielEnEchec)]
pub struct FailedEmail {
    pub id: Id,
    /// Le modèle du courriel (`sign_in_link`, `rendez_vous_reminder`…).
    #[schema(example = "rendez_vous_reminder")]
    pub template: String,
    /// L'adresse du destinataire.
    pub recipient: String,
    /// Le nombre de tentatives faites.
    pub attempts: i64,
    /// La dernière erreur du fournisseur (`HTTP 500`, délai dépassé…).
    pub last_error: Option<String>,
    pub created_at: Instant,
}

/// The emails of the outbox that failed for good, newest first, at most 200.
pub async fn failed_emails(db: &Db) -> Result<Vec<FailedEmail>, StoreError> {
    db.query_as(
        "SELECT id, template, recipient, attempts, last_error, created_at FROM outbox WHERE status = 'failed' ORDER BY created_at DESC LIMIT 200",
        params![],
    )
    .await
}
