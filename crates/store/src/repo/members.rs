//! Notebook memberships: joining, being invited, leaving, and the referent (at most one active
//! referent per notebook, which the database enforces with a unique index).
//!
//! Whether a notebook has an active referent is also kept on the notebook itself
//! (`notebooks.has_referent`), which the « sans référent » list, its count and the dashboard read
//! through one index: [`refresh_has_referent`] is the one place it is written.

use crate::{params, Db, Dialect, StoreError, Value};
use carnet_domain::{Id, Instant};

/// The notebooks whose `has_referent` to recompute.
#[derive(Debug, Clone, Copy)]
pub enum ReferentOf {
    /// One notebook.
    Notebook(Id),
    /// The notebooks where an account was a referent for a structure (its role there revoked).
    ReferentFor { account_id: Id, structure_id: Id },
    /// Every notebook (after a bulk load).
    Every,
}

/// Whether the notebook `notebooks` has an active referent, from its memberships (read on the
/// one-referent index).
const HAS_REFERENT: &str = "EXISTS (SELECT 1 FROM notebook_members m \
     WHERE m.notebook_id = notebooks.id AND m.member_type = 'referent' AND m.active = TRUE)";

/// Recomputes `notebooks.has_referent` from the active memberships, for the notebooks `which`
/// names; called, in its transaction, by every write that may make or unmake a referent, after
/// it. Only the notebooks whose value changes are written.
///
/// On PostgreSQL the rows are locked first, and the value computed by a later statement: that
/// statement's snapshot then holds every commit of a transaction that refreshed them before, so
/// two transactions changing one notebook's memberships at once (a referent joining while another
/// member's role is revoked) cannot leave a stale value. A single `UPDATE` waiting for the row
/// would keep the snapshot it started with. SQLite runs one writer at a time.
pub async fn refresh_has_referent(db: &Db, which: ReferentOf) -> Result<(), StoreError> {
    let (selected, values): (&str, Vec<Value>) = match which {
        ReferentOf::Notebook(notebook_id) => ("id = $1", vec![notebook_id.into()]),
        ReferentOf::ReferentFor {
            account_id,
            structure_id,
        } => (
            "id IN (SELECT r.notebook_id FROM notebook_members r \
               WHERE r.account_id = $1 AND r.structure_id = $2 AND r.member_type = 'referent')",
            vec![account_id.into(), structure_id.into()],
        ),
        ReferentOf::Every => ("TRUE", Vec::new()),
    };
    if db.dialect() == Dialect::Postgres {
        db.query(
            &format!("SELECT id FROM notebooks WHERE {selected} FOR UPDATE"),
            &values,
        )
        .await?;
    }
    db.execute(
        &format!(
            "UPDATE notebooks SET has_referent = {HAS_REFERENT} \
             WHERE {selected} AND has_referent <> {HAS_REFERENT}"
        ),
        &values,
    )
    .await?;
    Ok(())
}

/// Adds an active membership of `member_type` ("member", "referent", "orientation_manager")
/// joined now. A second active membership, or a second referent, fails with
/// `StoreError::UniqueViolation`.
pub async fn add(
    db: &Db,
    now: Instant,
    notebook_id: Id,
    account_id: Id,
    structure_id: Option<Id>,
    member_type: &str,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO notebook_members (id, notebook_id, account_id, structure_id, member_type, active, joined_at) VALUES ($1, $2, $3, $4, $5, TRUE, $6)",
        params![Id::new_random(), notebook_id, account_id, structure_id, member_type, now],
    )
    .await?;
    if member_type == "referent" {
        refresh_has_referent(db, ReferentOf::Notebook(notebook_id)).await?;
    }
    Ok(())
}

/// The email address of an account (an invited professional is told by email). Fails when
/// there is no such account.
pub async fn email_of(db: &Db, account_id: Id) -> Result<String, StoreError> {
    db.query_one(
        "SELECT email FROM accounts WHERE id = $1",
        params![account_id],
    )
    .await?
    .get("email")
}

/// Records that `invited_by` invited `account_id` to the notebook, now.
pub async fn record_invitation(
    db: &Db,
    now: Instant,
    notebook_id: Id,
    account_id: Id,
    invited_by: Id,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO notebook_invitations (id, notebook_id, account_id, invited_by, created_at) VALUES ($1, $2, $3, $4, $5)",
        params![Id::new_random(), notebook_id, account_id, invited_by, now],
    )
    .await
    .map(|_| ())
}

/// The member type of an account's active membership of a notebook. Fails when the account is
/// not an active member.
pub async fn active_member_type(
    db: &Db,
    notebook_id: Id,
    account_id: Id,
) -> Result<String, StoreError> {
    db.query_one(
        "SELECT member_type FROM notebook_members WHERE notebook_id = $1 AND account_id = $2 AND active = TRUE",
        params![notebook_id, account_id],
    )
    .await?
    .get("member_type")
}

/// Ends an account's active membership of a notebook, now, unless it is the referent's;
/// `false` when nothing was ended (not a member, or the referent).
pub async fn leave(
    db: &Db,
    now: Instant,
    notebook_id: Id,
    account_id: Id,
) -> Result<bool, StoreError> {
    Ok(db
        .execute(
            "UPDATE notebook_members SET active = FALSE, left_at = $3 WHERE notebook_id = $1 AND account_id = $2 AND active = TRUE AND member_type <> 'referent'",
            params![notebook_id, account_id, now],
        )
        .await?
        != 0)
}

/// Makes the notebook's active referent, if any, a plain member.
pub async fn demote_referent(db: &Db, notebook_id: Id) -> Result<(), StoreError> {
    db.execute(
        "UPDATE notebook_members SET member_type = 'member' WHERE notebook_id = $1 AND member_type = 'referent' AND active = TRUE",
        params![notebook_id],
    )
    .await?;
    refresh_has_referent(db, ReferentOf::Notebook(notebook_id)).await
}

/// Makes an active member the notebook's referent, for `structure_id`; `false` when the account
/// is not an active member (nothing written). A second referent fails with
/// `StoreError::UniqueViolation`.
pub async fn promote_to_referent(
    db: &Db,
    notebook_id: Id,
    account_id: Id,
    structure_id: Id,
) -> Result<bool, StoreError> {
    let promoted = db
        .execute(
            "UPDATE notebook_members SET member_type = 'referent', structure_id = $3 WHERE notebook_id = $1 AND account_id = $2 AND active = TRUE",
            params![notebook_id, account_id, structure_id],
        )
        .await?
        != 0;
    if promoted {
        refresh_has_referent(db, ReferentOf::Notebook(notebook_id)).await?;
    }
    Ok(promoted)
}
