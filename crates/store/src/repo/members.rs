//! Notebook memberships: joining, being invited, leaving, and the referent (at most one active
//! referent per notebook, which the database enforces with a unique index).

use crate::{params, Db, StoreError};
use carnet_domain::{Id, Instant};

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
    .await
    .map(|_| ())
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
    .await
    .map(|_| ())
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
    Ok(db
        .execute(
            "UPDATE notebook_members SET member_type = 'referent', structure_id = $3 WHERE notebook_id = $1 AND account_id = $2 AND active = TRUE",
            params![notebook_id, account_id, structure_id],
        )
        .await?
        != 0)
}
