//! The scheduled jobs' SQL: reminders, digests, retention (archive, destroy, purge). Each
//! notification is recorded in `notifications_sent` in the same transaction as its outbox row,
//! so a job run twice, or two runs at once, send it once.

use crate::{decode_all, params, Db, Row, StoreError, Value};
use carnet_domain::{Id, Instant};
use serde::Deserialize;

/// Records that a notification is due to be sent; false if it already was.
pub async fn claim(
    db: &Db,
    kind: &str,
    subject: &str,
    recipient: &str,
    period: &str,
    now: Instant,
) -> Result<bool, StoreError> {
    let inserted = db
        .execute(
            "INSERT INTO notifications_sent (kind, subject_id, recipient_id, period, sent_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING",
            params![kind, subject, recipient, period, now],
        )
        .await?;
    Ok(inserted == 1)
}

#[derive(serde::Deserialize)]
pub struct Reminder {
    #[serde(rename = "id")]
    pub rendez_vous_id: Id,
    pub notebook_id: Id,
    pub starts_at: Instant,
    pub recipient_id: Id,
    pub email: String,
    pub is_beneficiary: bool,
}

/// Rendez-vous starting in `[from, to)`, pending and not cancelled, in notebooks not archived,
/// with each person to remind: the professional, and the beneficiary's accounts (enabled, not
/// opted out).
pub async fn reminders_due(
    db: &Db,
    from: Instant,
    to: Instant,
) -> Result<Vec<Reminder>, StoreError> {
    db.query_as(
            "SELECT r.id, r.notebook_id, r.starts_at, a.id AS recipient_id, a.email, 0 AS is_beneficiary \
               FROM rendez_vous r JOIN notebooks n ON n.id = r.notebook_id JOIN accounts a ON a.id = r.account_id \
              WHERE r.starts_at >= $1 AND r.starts_at < $2 AND r.cancelled_at IS NULL AND r.status = 'pending' \
                AND n.archived_at IS NULL AND a.disabled_at IS NULL \
             UNION ALL \
             SELECT r.id, r.notebook_id, r.starts_at, a.id AS recipient_id, a.email, 1 AS is_beneficiary \
               FROM rendez_vous r JOIN notebooks n ON n.id = r.notebook_id \
               JOIN role_assignments ra ON ra.beneficiary_id = n.beneficiary_id AND ra.revoked_at IS NULL \
               JOIN accounts a ON a.id = ra.account_id \
              WHERE r.starts_at >= $1 AND r.starts_at < $2 AND r.cancelled_at IS NULL AND r.status = 'pending' \
                AND n.archived_at IS NULL AND a.disabled_at IS NULL AND a.reminders_opt_out_at IS NULL \
             ORDER BY 3, 1",
            params![from, to],
        )
        .await
}

/// Referents and their count of overdue actions (due before `today`, still open).
pub async fn overdue_by_referent(
    db: &Db,
    today: &str,
) -> Result<Vec<(Id, String, i64)>, StoreError> {
    let rows = db
        .query(
            "SELECT a.id, a.email, COUNT(*) AS overdue FROM notebook_members m \
               JOIN accounts a ON a.id = m.account_id JOIN notebooks n ON n.id = m.notebook_id \
               JOIN actions x ON x.notebook_id = m.notebook_id \
              WHERE m.active = TRUE AND m.member_type = 'referent' AND n.archived_at IS NULL AND a.disabled_at IS NULL \
                AND x.due_date < $1 AND x.status IN ('in_progress', 'planned', 'standby') \
              GROUP BY a.id, a.email ORDER BY a.id",
            params![today],
        )
        .await?;
    Ok(decode_all::<OverdueReferent>(&rows)?
        .into_iter()
        .map(|r| (r.id, r.email, r.overdue))
        .collect())
}

#[derive(Deserialize)]
struct OverdueReferent {
    id: Id,
    email: String,
    overdue: i64,
}

/// An account to write to.
#[derive(Deserialize)]
struct Recipient {
    id: Id,
    email: String,
}

fn recipients(rows: &[Row]) -> Result<Vec<(Id, String)>, StoreError> {
    Ok(decode_all::<Recipient>(rows)?
        .into_iter()
        .map(|r| (r.id, r.email))
        .collect())
}

/// Notebooks created since `since`, not archived, without an active referent.
pub async fn new_without_referent(db: &Db, since: Instant) -> Result<i64, StoreError> {
    db.query_one(
        "SELECT COUNT(*) AS n FROM notebooks n \
         WHERE n.has_referent = FALSE AND n.archived_at IS NULL AND n.created_at >= $1",
        params![since],
    )
    .await?
    .get("n")
}

/// Enabled structure admins.
pub async fn structure_admins(db: &Db) -> Result<Vec<(Id, String)>, StoreError> {
    let rows = db
        .query(
            "SELECT DISTINCT a.id, a.email FROM role_assignments r JOIN accounts a ON a.id = r.account_id \
              WHERE r.role = 'structure_admin' AND r.revoked_at IS NULL AND a.disabled_at IS NULL ORDER BY a.id",
            params![],
        )
        .await?;
    recipients(&rows)
}

/// Up to `limit` notebooks to archive: no individual contact since `before`.
pub async fn to_archive(db: &Db, before: Instant, limit: i64) -> Result<Vec<Id>, StoreError> {
    db.query(
        "SELECT id FROM notebooks WHERE archived_at IS NULL AND last_contact_at < $1 ORDER BY last_contact_at, id LIMIT $2",
        params![before, limit],
    )
    .await?
    .iter()
    .map(|r| r.get("id"))
    .collect()
}

/// Up to `limit` notebooks to destroy: archived before `before`.
pub async fn to_destroy(db: &Db, before: Instant, limit: i64) -> Result<Vec<Id>, StoreError> {
    db.query(
        "SELECT id FROM notebooks WHERE archived_at IS NOT NULL AND archived_at < $1 ORDER BY archived_at, id LIMIT $2",
        params![before, limit],
    )
    .await?
    .iter()
    .map(|r| r.get("id"))
    .collect()
}

pub async fn archive(db: &Db, notebook: Id, now: Instant) -> Result<bool, StoreError> {
    let archived = db
        .execute(
            "UPDATE notebooks SET archived_at = $2 WHERE id = $1 AND archived_at IS NULL",
            params![notebook, now],
        )
        .await?
        == 1;
    if archived {
        super::carnets::set_listed(db, notebook, false).await?;
    }
    Ok(archived)
}

/// Destroys a notebook and the beneficiary's personal data wherever it was copied; access and
/// audit logs keep only `pseudonym` in place of the ids. In the caller's transaction.
pub async fn destroy(db: &Db, notebook: Id, pseudonym: &str) -> Result<(), StoreError> {
    let Some(row) = db
        .query_opt(
            "SELECT beneficiary_id FROM notebooks WHERE id = $1",
            params![notebook],
        )
        .await?
    else {
        return Ok(());
    };
    let beneficiary: Id = row.get("beneficiary_id")?;
    let person = db
        .query_one(
            "SELECT email, phone, nir FROM beneficiaries WHERE id = $1",
            params![beneficiary],
        )
        .await?;
    let accounts = recipients(
        &db.query(
            "SELECT a.id, a.email FROM role_assignments r JOIN accounts a ON a.id = r.account_id WHERE r.beneficiary_id = $1",
            params![beneficiary],
        )
        .await?,
    )?;
    let rendez_vous: Vec<String> = db
        .query(
            "SELECT id FROM rendez_vous WHERE notebook_id = $1",
            params![notebook],
        )
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect::<Result<_, _>>()?;
    // The notebook's parts, children first.
    for sql in [
        "DELETE FROM actions WHERE notebook_id = $1",
        "DELETE FROM objectifs WHERE notebook_id = $1",
        "DELETE FROM focuses WHERE notebook_id = $1",
        "DELETE FROM rendez_vous WHERE notebook_id = $1",
        "DELETE FROM notebook_situations WHERE notebook_id = $1",
        "DELETE FROM job_projects WHERE notebook_id = $1",
        "DELETE FROM notebook_members WHERE notebook_id = $1",
        "DELETE FROM notebook_invitations WHERE notebook_id = $1",
        "DELETE FROM orientation_requests WHERE notebook_id = $1",
        "DELETE FROM timeline_events WHERE notebook_id = $1",
    ] {
        db.execute(sql, params![notebook]).await?;
    }
    for id in &rendez_vous {
        db.execute(
            "DELETE FROM notifications_sent WHERE subject_id = $1",
            params![id.clone()],
        )
        .await?;
    }
    // Every id of the person, and every value that identifies them.
    let mut ids: Vec<String> = vec![notebook.to_string(), beneficiary.to_string()];
    ids.extend(accounts.iter().map(|(id, _)| id.to_string()));
    let mut values: Vec<String> = Vec::new();
    for column in ["email", "phone", "nir"] {
        if let Some(value) = person.get::<Option<String>>(column)? {
            values.push(value);
        }
    }
    values.extend(accounts.iter().map(|(_, email)| email.clone()));
    for (account, email) in &accounts {
        for sql in [
            "DELETE FROM sessions WHERE account_id = $1",
            "DELETE FROM login_tokens WHERE account_id = $1",
            "DELETE FROM idempotency_keys WHERE account_id = $1",
            "DELETE FROM notifications_sent WHERE recipient_id = $1",
            "DELETE FROM role_assignments WHERE account_id = $1",
        ] {
            db.execute(sql, params![*account]).await?;
        }
        db.execute(
            "DELETE FROM login_requests WHERE email_key = $1",
            params![email.to_lowercase()],
        )
        .await?;
        db.execute(
            "UPDATE accounts SET created_by = NULL WHERE created_by = $1",
            params![*account],
        )
        .await?;
        db.execute("DELETE FROM accounts WHERE id = $1", params![*account])
            .await?;
    }
    db.execute(
        "DELETE FROM notebook_search_words WHERE notebook_id = $1",
        params![notebook],
    )
    .await?;
    db.execute("DELETE FROM notebooks WHERE id = $1", params![notebook])
        .await?;
    db.execute(
        "DELETE FROM beneficiaries WHERE id = $1",
        params![beneficiary],
    )
    .await?;
    // Copies: emails about them or to them, stored responses, logs.
    for id in &ids {
        let pattern = format!("%{id}%");
        db.execute(
            "DELETE FROM outbox WHERE body_text LIKE $1 OR body_html LIKE $1",
            params![pattern.clone()],
        )
        .await?;
        db.execute(
            "DELETE FROM idempotency_keys WHERE response LIKE $1",
            params![pattern.clone()],
        )
        .await?;
        db.execute(
            "UPDATE notebook_access_log SET notebook_id = $2 WHERE notebook_id = $1",
            params![id.clone(), pseudonym],
        )
        .await?;
        db.execute(
            "UPDATE notebook_access_log SET account_id = $2 WHERE account_id = $1",
            params![id.clone(), pseudonym],
        )
        .await?;
        db.execute(
            "UPDATE audit_log SET target_id = $2 WHERE target_id = $1",
            params![id.clone(), pseudonym],
        )
        .await?;
        db.execute(
            "UPDATE audit_log SET actor_account_id = $2 WHERE actor_account_id = $1",
            params![id.clone(), pseudonym],
        )
        .await?;
        db.execute(
            "UPDATE audit_log SET details = NULL WHERE details LIKE $1",
            params![pattern.clone()],
        )
        .await?;
    }
    for value in &values {
        db.execute(
            "DELETE FROM outbox WHERE LOWER(recipient) = LOWER($1) OR body_text LIKE $2",
            params![value.clone(), format!("%{value}%")],
        )
        .await?;
    }
    Ok(())
}

/// Deletes up to `limit` rows of a log older than `before`; returns how many.
pub async fn purge_log(
    db: &Db,
    table: &str,
    before: Instant,
    limit: i64,
) -> Result<u64, StoreError> {
    let (table, column) = match table {
        "notebook_access_log" => ("notebook_access_log", "at"),
        "audit_log" => ("audit_log", "at"),
        _ => return Ok(0),
    };
    db.execute(
        &format!("DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE {column} < $1 ORDER BY {column} LIMIT $2)"),
        &[Value::from(before), Value::from(limit)],
    )
    .await
}

pub async fn record_run(
    db: &Db,
    job: &str,
    now: Instant,
    report: &serde_json::Value,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO job_runs (id, job, started_at, report) VALUES ($1, $2, $3, $4)",
        params![Id::new_random(), job, now, report.to_string()],
    )
    .await
    .map(|_| ())
}
