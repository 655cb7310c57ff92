//! Rendez-vous: the structure a professional holds them for, creating one, the structure of an
//! existing one, and the notebook's date of last individual contact. Edits and cancellations go
//! through the versioned writes of `plan`.

use crate::{params, Db, StoreError};
use carnet_domain::{Id, Instant};

/// The structure a professional works in (their oldest active professional role); `None` for
/// anyone else, or when that role names no structure.
pub async fn holder_structure(db: &Db, account_id: Id) -> Result<Option<Id>, StoreError> {
    Ok(db
        .query_opt(
            "SELECT structure_id FROM role_assignments WHERE account_id = $1 AND role = 'professional' AND revoked_at IS NULL ORDER BY created_at",
            params![account_id],
        )
        .await?
        .map(|r| r.get::<Option<Id>>("structure_id"))
        .transpose()?
        .flatten())
}

/// A validated rendez-vous: who holds it, for which structure, and when.
pub struct NewRendezVous {
    pub id: Id,
    pub notebook_id: Id,
    pub account_id: Id,
    pub structure_id: Option<Id>,
    pub starts_at: Instant,
}

/// Records a pending rendez-vous, created now by `by`.
pub async fn create(db: &Db, new: NewRendezVous, now: Instant, by: Id) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO rendez_vous (id, notebook_id, account_id, structure_id, starts_at, status, created_at, created_by) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)",
        params![new.id, new.notebook_id, new.account_id, new.structure_id, new.starts_at, now, by],
    )
    .await
    .map(|_| ())
}

/// The structure of a rendez-vous of the notebook; `None` when there is no such rendez-vous or
/// it names no structure.
pub async fn structure(
    db: &Db,
    rendez_vous_id: Id,
    notebook_id: Id,
) -> Result<Option<Id>, StoreError> {
    Ok(db
        .query_opt(
            "SELECT structure_id FROM rendez_vous WHERE id = $1 AND notebook_id = $2",
            params![rendez_vous_id, notebook_id],
        )
        .await?
        .map(|r| r.get::<Option<Id>>("structure_id"))
        .transpose()?
        .flatten())
}

/// Moves the notebook's last individual contact forward to `at` (never back).
pub async fn record_contact(db: &Db, notebook_id: Id, at: Instant) -> Result<(), StoreError> {
    db.execute(
        "UPDATE notebooks SET last_contact_at = $2 WHERE id = $1 AND last_contact_at < $2",
        params![notebook_id, at],
    )
    .await
    .map(|_| ())
}

/// Un rendez-vous tel qu'il est enregistré.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[schema(as = EtatRendezVous, example = json!({"id": "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
    "starts_at": "2026-12-08T09:30:00.000000Z", "status": "pending", "cancelled_at": null,
    "account_id": "0b9c2a4e-6a7d-4f3e-9c1b-2d3e4f5a6b7c", "structure_id": "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b",
    "version": 2}))]
pub struct RendezVousState {
    pub id: Id,
    pub starts_at: Instant,
    pub status: crate::repo::carnets::view::RendezVousStatus,
    /// Annulé à cet instant (le rendez-vous est gardé).
    pub cancelled_at: Option<Instant>,
    /// Le professionnel qui le tient.
    pub account_id: Id,
    /// La structure qui le tient.
    pub structure_id: Option<Id>,
    /// La version sur laquelle fonder la prochaine modification.
    pub version: i64,
}

impl crate::repo::plan::VersionedState for RendezVousState {
    const KIND: crate::repo::plan::Versioned = crate::repo::plan::Versioned::RendezVous;
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "starts_at",
        "status",
        "cancelled_at",
        "account_id",
        "structure_id",
        "version",
    ];
    fn version(&self) -> i64 {
        self.version
    }
}
