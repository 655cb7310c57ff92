//! Accounts, role assignments, structures, sign-in tokens and the sign-in rate-limit ledger.

use crate::{params, Db, StoreError};
use carnet_domain::roles::{Assignment, Role, Scope};
use carnet_domain::text::sort_key;
use carnet_domain::{Email, Id, Instant};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Debug, Deserialize)]
pub struct Account {
    pub id: Id,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub disabled_at: Option<Instant>,
    pub cgu_version: Option<String>,
    pub cgu_accepted_at: Option<Instant>,
}

const ACCOUNT_COLUMNS: &str =
    "id, email, first_name, last_name, disabled_at, cgu_version, cgu_accepted_at";

pub async fn find_by_email(db: &Db, email: &Email) -> Result<Option<Account>, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email_key = $1");
    db.query_opt_as(&sql, params![email.key()]).await
}

pub async fn find(db: &Db, id: Id) -> Result<Option<Account>, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
    db.query_opt_as(&sql, params![id]).await
}

pub struct NewAccount<'a> {
    pub email: &'a Email,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub created_by: Option<Id>,
}

/// Creates an account; a second account with the same email (whatever its case) is refused by
/// the UNIQUE index on `email_key` (`StoreError::UniqueViolation`).
pub async fn create(db: &Db, now: Instant, new: NewAccount<'_>) -> Result<Id, StoreError> {
    create_with_id(db, Id::new_random(), now, new).await
}

/// Like [`create`], with a given id (generated data).
pub async fn create_with_id(
    db: &Db,
    id: Id,
    now: Instant,
    new: NewAccount<'_>,
) -> Result<Id, StoreError> {
    db.execute(
        "INSERT INTO accounts (id, email, email_key, first_name, last_name, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            id,
            new.email.as_str(),
            new.email.key(),
            new.first_name,
            new.last_name,
            now,
            new.created_by
        ],
    )
    .await?;
    Ok(id)
}

pub async fn set_email(db: &Db, id: Id, email: &Email) -> Result<(), StoreError> {
    db.execute(
        "UPDATE accounts SET email = $2, email_key = $3 WHERE id = $1",
        params![id, email.as_str(), email.key()],
    )
    .await
    .map(|_| ())
}

pub async fn set_disabled(db: &Db, id: Id, disabled_at: Option<Instant>) -> Result<(), StoreError> {
    db.execute(
        "UPDATE accounts SET disabled_at = $2 WHERE id = $1",
        params![id, disabled_at],
    )
    .await
    .map(|_| ())
}

pub async fn accept_cgu(db: &Db, id: Id, version: &str, now: Instant) -> Result<(), StoreError> {
    db.execute(
        "UPDATE accounts SET cgu_version = $2, cgu_accepted_at = $3 WHERE id = $1",
        params![id, version, now],
    )
    .await
    .map(|_| ())
}

/// An active role assignment, with the structure's name for display.
#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "HeldRoleRow")]
pub struct HeldRole {
    pub id: Id,
    pub assignment: Assignment,
    pub structure_name: Option<String>,
}

/// The columns of a role assignment (`role_assignments`), as [`AssignmentRow::assignment`]
/// reads them.
#[derive(Clone, Debug, Deserialize)]
pub struct AssignmentRow {
    pub role: Role,
    pub structure_id: Option<Id>,
    pub beneficiary_id: Option<Id>,
}

impl AssignmentRow {
    /// The role and its scope; an impossible combination is a decoding error.
    pub fn assignment(&self) -> Result<Assignment, carnet_domain::ValueError> {
        let scope = match (self.structure_id, self.beneficiary_id) {
            (Some(id), _) => Scope::Structure(id),
            (None, Some(id)) => Scope::Beneficiary(id),
            (None, None) => Scope::Instance,
        };
        Assignment::new(self.role, scope)
    }
}

#[derive(Deserialize)]
struct HeldRoleRow {
    id: Id,
    role: Role,
    structure_id: Option<Id>,
    beneficiary_id: Option<Id>,
    structure_name: Option<String>,
}

impl TryFrom<HeldRoleRow> for HeldRole {
    type Error = carnet_domain::ValueError;

    fn try_from(row: HeldRoleRow) -> Result<Self, Self::Error> {
        let assignment = AssignmentRow {
            role: row.role,
            structure_id: row.structure_id,
            beneficiary_id: row.beneficiary_id,
        }
        .assignment()?;
        Ok(HeldRole {
            id: row.id,
            assignment,
            structure_name: row.structure_name,
        })
    }
}

pub async fn active_roles(db: &Db, account_id: Id) -> Result<Vec<HeldRole>, StoreError> {
    db.query_as(
        "SELECT r.id AS id, r.role AS role, r.structure_id AS structure_id, r.beneficiary_id AS beneficiary_id, \
         s.name AS structure_name \
         FROM role_assignments r LEFT JOIN structures s ON s.id = r.structure_id \
         WHERE r.account_id = $1 AND r.revoked_at IS NULL ORDER BY r.created_at, r.id",
        params![account_id],
    )
    .await
}

pub async fn grant(
    db: &Db,
    account_id: Id,
    assignment: &Assignment,
    now: Instant,
    created_by: Option<Id>,
) -> Result<Id, StoreError> {
    let id = Id::new_random();
    db.execute(
        "INSERT INTO role_assignments (id, account_id, role, structure_id, beneficiary_id, scope_key, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        params![
            id,
            account_id,
            assignment.role.code(),
            assignment.scope.structure_id(),
            assignment.scope.beneficiary_id(),
            assignment.scope.key(),
            now,
            created_by
        ],
    )
    .await?;
    Ok(id)
}

/// Revokes an active assignment of this account; false when there was none.
pub async fn revoke(
    db: &Db,
    account_id: Id,
    assignment_id: Id,
    now: Instant,
) -> Result<bool, StoreError> {
    let changed = db
        .execute(
            "UPDATE role_assignments SET revoked_at = $3 WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL",
            params![assignment_id, account_id, now],
        )
        .await?;
    Ok(changed == 1)
}

/// Ends the notebook memberships a revoked role gave: a professional's in that structure, an
/// orientation manager's own.
pub async fn end_memberships_of_role(
    db: &Db,
    account_id: Id,
    assignment: &Assignment,
    now: Instant,
) -> Result<u64, StoreError> {
    match (assignment.role, assignment.scope) {
        (Role::Professional, Scope::Structure(structure)) => {
            let ended = db.execute(
                "UPDATE notebook_members SET active = FALSE, left_at = $3 WHERE account_id = $1 AND structure_id = $2 AND active = TRUE",
                params![account_id, structure, now],
            )
            .await?;
            // The notebooks they were the referent of are now without one.
            super::members::refresh_has_referent(
                db,
                super::members::ReferentOf::ReferentFor {
                    account_id,
                    structure_id: structure,
                },
            )
            .await?;
            Ok(ended)
        }
        (Role::OrientationManager, _) => {
            db.execute(
                "UPDATE notebook_members SET active = FALSE, left_at = $2 WHERE account_id = $1 AND member_type = 'orientation_manager' AND active = TRUE",
                params![account_id, now],
            )
            .await
        }
        _ => Ok(0),
    }
}

pub async fn create_structure(db: &Db, name: &str, now: Instant) -> Result<Id, StoreError> {
    create_structure_with_id(db, Id::new_random(), name, now).await
}

/// Like [`create_structure`], with a given id (generated data).
pub async fn create_structure_with_id(
    db: &Db,
    id: Id,
    name: &str,
    now: Instant,
) -> Result<Id, StoreError> {
    db.execute(
        "INSERT INTO structures (id, name, sort_key, created_at) VALUES ($1, $2, $3, $4)",
        params![id, name, sort_key(name), now],
    )
    .await?;
    Ok(id)
}

pub async fn structure_exists(db: &Db, id: Id) -> Result<bool, StoreError> {
    Ok(db
        .query_opt("SELECT id FROM structures WHERE id = $1", params![id])
        .await?
        .is_some())
}

pub async fn any_platform_admin(db: &Db) -> Result<bool, StoreError> {
    Ok(db
        .query_opt(
            "SELECT id FROM role_assignments WHERE role = 'platform_admin' AND revoked_at IS NULL",
            params![],
        )
        .await?
        .is_some())
}

/// Sign-in and email-change tokens: only their SHA-256 is stored.
pub async fn insert_token(
    db: &Db,
    account_id: Id,
    token_hash: &str,
    purpose: &str,
    new_email: Option<&str>,
    now: Instant,
    expires_at: Instant,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO login_tokens (id, account_id, token_hash, purpose, new_email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![Id::new_random(), account_id, token_hash, purpose, new_email, now, expires_at],
    )
    .await
    .map(|_| ())
}

#[derive(Deserialize)]
pub struct ConsumedToken {
    pub account_id: Id,
    pub new_email: Option<String>,
}

/// Uses a token once: unknown, expired or already used → `None`. Two concurrent uses cannot both
/// succeed (the update only takes an unused row).
pub async fn consume_token(
    db: &Db,
    token_hash: &str,
    purpose: &str,
    now: Instant,
) -> Result<Option<ConsumedToken>, StoreError> {
    db.query_opt_as(
        "UPDATE login_tokens SET used_at = $3 \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 \
         RETURNING account_id, new_email",
        params![token_hash, purpose, now],
    )
    .await
}

/// The account a token was issued to, used or not (to attribute a failed confirmation).
pub async fn token_owner(db: &Db, token_hash: &str) -> Result<Option<Id>, StoreError> {
    #[derive(Deserialize)]
    struct Owner {
        account_id: Id,
    }
    Ok(db
        .query_opt_as::<Owner>(
            "SELECT account_id FROM login_tokens WHERE token_hash = $1",
            params![token_hash],
        )
        .await?
        .map(|owner| owner.account_id))
}

pub async fn record_login_request(
    db: &Db,
    email_key: &str,
    client_addr: &str,
    now: Instant,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO login_requests (id, email_key, client_addr, created_at) VALUES ($1, $2, $3, $4)",
        params![Id::new_random(), email_key, client_addr, now],
    )
    .await
    .map(|_| ())
}

/// Requests since `since` for this email and for this client address, with the oldest of each.
pub struct RequestCounts {
    pub by_email: i64,
    pub oldest_by_email: Option<Instant>,
    pub by_client: i64,
    pub oldest_by_client: Option<Instant>,
}

pub async fn count_login_requests(
    db: &Db,
    email_key: &str,
    client_addr: &str,
    since: Instant,
) -> Result<RequestCounts, StoreError> {
    #[derive(Deserialize)]
    struct Count {
        n: i64,
        oldest: Option<Instant>,
    }
    let by_email: Count = db
        .query_one_as(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM login_requests WHERE email_key = $1 AND created_at > $2",
            params![email_key, since],
        )
        .await?;
    let by_client: Count = db
        .query_one_as(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM login_requests WHERE client_addr = $1 AND created_at > $2",
            params![client_addr, since],
        )
        .await?;
    Ok(RequestCounts {
        by_email: by_email.n,
        oldest_by_email: by_email.oldest,
        by_client: by_client.n,
        oldest_by_client: by_client.oldest,
    })
}

/// A fresh instance: creates the platform admin and the first manager. Refused once a platform
/// admin exists. Returns (admin account, manager account).
pub async fn bootstrap(
    db: &Db,
    now: Instant,
    admin: (&Email, &str, &str),
    manager: (&Email, &str, &str),
) -> Result<Option<(Id, Id)>, StoreError> {
    db.transaction(async || {
        if any_platform_admin(db).await? {
            return Ok(None);
        }
        let ids = bootstrap_in_transaction(db, now, admin, manager).await?;
        Ok(Some(ids))
    })
    .await
}

/// The bootstrap's writes, inside the caller's transaction.
pub async fn bootstrap_in_transaction(
    db: &Db,
    now: Instant,
    admin: (&Email, &str, &str),
    manager: (&Email, &str, &str),
) -> Result<(Id, Id), StoreError> {
    let mut ids = Vec::new();
    for ((email, first_name, last_name), role) in
        [(admin, Role::PlatformAdmin), (manager, Role::Manager)]
    {
        let id = match find_by_email(db, email).await? {
            Some(existing) => existing.id,
            None => {
                create(
                    db,
                    now,
                    NewAccount {
                        email,
                        first_name,
                        last_name,
                        created_by: None,
                    },
                )
                .await?
            }
        };
        let assignment = Assignment::new(role, Scope::Instance).expect("instance role");
        grant(db, id, &assignment, now, None).await?;
        super::audit::record(
            db,
            now,
            super::audit::AuditEntry {
                actor_account_id: None,
                actor_role: None,
                action: "bootstrap_role_granted",
                target_type: Some("account"),
                target_id: Some(id.to_string()),
                client_addr: None,
                details: Some(serde_json::json!({ "role": role.code() })),
            },
        )
        .await?;
        ids.push(id);
    }
    Ok((ids[0], ids[1]))
}

// How a staff member is reached at work, shown with their name wherever they are a member of a
// notebook (`professionals`); both absent until set. Read from the table and answered as is.
/// Les coordonnées professionnelles d'un membre du personnel, montrées avec son nom dans les
/// carnets dont il est membre ; `null` tant qu'elles ne sont pas renseignées.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(
    as = CoordonneesProfessionnelles,
    example = json!({"position": "Conseillère en insertion", "phone": "05 94 12 34 56"})
)]
pub struct WorkContact {
    /// Fonction occupée.
    pub position: Option<String>,
    /// Téléphone professionnel (format national).
    pub phone: Option<String>,
}

/// An account's work position and phone.
pub async fn work_contact(db: &Db, account_id: Id) -> Result<WorkContact, StoreError> {
    Ok(db
        .query_opt_as(
            "SELECT position, phone FROM professionals WHERE account_id = $1",
            params![account_id],
        )
        .await?
        .unwrap_or_default())
}

/// Replaces an account's work position and phone (`None` clears).
pub async fn set_work_contact(
    db: &Db,
    account_id: Id,
    contact: &WorkContact,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO professionals (account_id, position, phone) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET position = excluded.position, phone = excluded.phone",
        params![account_id, contact.position.clone(), contact.phone.clone()],
    )
    .await
    .map(|_| ())
}
