//! Sessions: opened by a sign-in, read on every request, ended by logout, disabling or revocation.

use super::accounts::AssignmentRow;
use crate::{params, Db, Row, StoreError};
use carnet_domain::roles::{Assignment, Role};
use carnet_domain::{Id, Instant};
use serde::Deserialize;

pub struct NewSession<'a> {
    pub id: Id,
    pub account_id: Id,
    pub assignment_id: Id,
    pub expires_at: Instant,
    pub client_addr: Option<&'a str>,
}

pub async fn create(db: &Db, now: Instant, new: NewSession<'_>) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO sessions (id, account_id, assignment_id, created_at, expires_at, client_addr) VALUES ($1, $2, $3, $4, $5, $6)",
        params![new.id, new.account_id, new.assignment_id, now, new.expires_at, new.client_addr],
    )
    .await
    .map(|_| ())
}

/// What authentication needs to know of a session, read fresh on every request.
#[derive(Deserialize)]
#[serde(try_from = "SessionRow")]
pub struct SessionState {
    pub account_id: Id,
    pub assignment_id: Id,
    pub assignment: Assignment,
    pub expires_at: Instant,
    pub ended: bool,
    pub account_disabled: bool,
    pub assignment_revoked: bool,
    pub cgu_version: Option<String>,
}

/// The columns of [`SESSION_SQL`].
#[derive(Deserialize)]
struct SessionRow {
    account_id: Id,
    assignment_id: Id,
    expires_at: Instant,
    ended_at: Option<Instant>,
    disabled_at: Option<Instant>,
    cgu_version: Option<String>,
    role: Role,
    structure_id: Option<Id>,
    beneficiary_id: Option<Id>,
    revoked_at: Option<Instant>,
}

impl TryFrom<SessionRow> for SessionState {
    type Error = carnet_domain::ValueError;

    fn try_from(row: SessionRow) -> Result<Self, Self::Error> {
        let assignment = AssignmentRow {
            role: row.role,
            structure_id: row.structure_id,
            beneficiary_id: row.beneficiary_id,
        }
        .assignment()?;
        Ok(SessionState {
            account_id: row.account_id,
            assignment_id: row.assignment_id,
            assignment,
            expires_at: row.expires_at,
            ended: row.ended_at.is_some(),
            account_disabled: row.disabled_at.is_some(),
            assignment_revoked: row.revoked_at.is_some(),
            cgu_version: row.cgu_version,
        })
    }
}

/// A session with its account and role (parameter: the session id), for [`session_from_rows`].
pub const SESSION_SQL: &str = "SELECT s.account_id AS account_id, s.assignment_id AS assignment_id, s.expires_at AS expires_at, \
        s.ended_at AS ended_at, a.disabled_at AS disabled_at, a.cgu_version AS cgu_version, \
        r.role AS role, r.structure_id AS structure_id, r.beneficiary_id AS beneficiary_id, r.revoked_at AS revoked_at \
     FROM sessions s JOIN accounts a ON a.id = s.account_id JOIN role_assignments r ON r.id = s.assignment_id \
     WHERE s.id = $1";

/// A session with its account and role; `None` when there is no such session.
pub async fn load(db: &Db, session_id: Id) -> Result<Option<SessionState>, StoreError> {
    session_from_rows(&db.query(SESSION_SQL, params![session_id]).await?)
}

/// The answer of [`SESSION_SQL`] (sent alone, or with other reads).
pub fn session_from_rows(rows: &[Row]) -> Result<Option<SessionState>, StoreError> {
    rows.first().map(Row::decode).transpose()
}

pub async fn end(db: &Db, session_id: Id, now: Instant, reason: &str) -> Result<(), StoreError> {
    db.execute(
        "UPDATE sessions SET ended_at = $2, ended_reason = $3 WHERE id = $1 AND ended_at IS NULL",
        params![session_id, now, reason],
    )
    .await
    .map(|_| ())
}

/// Ends every open session of an account; returns how many.
pub async fn end_all(
    db: &Db,
    account_id: Id,
    now: Instant,
    reason: &str,
) -> Result<u64, StoreError> {
    db.execute(
        "UPDATE sessions SET ended_at = $2, ended_reason = $3 WHERE account_id = $1 AND ended_at IS NULL",
        params![account_id, now, reason],
    )
    .await
}

/// Ends the sessions acting in one assignment (when it is revoked).
pub async fn end_for_assignment(
    db: &Db,
    assignment_id: Id,
    now: Instant,
) -> Result<u64, StoreError> {
    db.execute(
        "UPDATE sessions SET ended_at = $2, ended_reason = 'role_revoked' WHERE assignment_id = $1 AND ended_at IS NULL",
        params![assignment_id, now],
    )
    .await
}

pub async fn switch_role(db: &Db, session_id: Id, assignment_id: Id) -> Result<(), StoreError> {
    db.execute(
        "UPDATE sessions SET assignment_id = $2 WHERE id = $1",
        params![session_id, assignment_id],
    )
    .await
    .map(|_| ())
}
