//! Structures (their details and the "sensitive" flag) and dispositifs, as the département's
//! managers manage them.

use crate::{params, Db, StoreError};
use carnet_domain::{Id, Instant};

/// New values for a structure's details: `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct StructureChanges {
    pub siret: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub sensitive: Option<bool>,
}

/// Replaces the given details of a structure; `false` when there is no such structure.
pub async fn update(db: &Db, id: Id, changes: StructureChanges) -> Result<bool, StoreError> {
    let StructureChanges {
        siret,
        address,
        postal_code,
        city,
        phone,
        email,
        sensitive,
    } = changes;
    Ok(db
        .execute(
            "UPDATE structures SET siret = COALESCE($2, siret), address = COALESCE($3, address), postal_code = COALESCE($4, postal_code), \
             city = COALESCE($5, city), phone = COALESCE($6, phone), email = COALESCE($7, email), sensitive = COALESCE($8, sensitive) WHERE id = $1",
            params![id, siret, address, postal_code, city, phone, email, sensitive],
        )
        .await?
        != 0)
}

/// Creates a dispositif, now; returns its id.
pub async fn create_dispositif(
    db: &Db,
    now: Instant,
    name: &str,
    orientation_type: &str,
) -> Result<Id, StoreError> {
    let id = Id::new_random();
    db.execute(
        "INSERT INTO dispositifs (id, name, orientation_type, created_at) VALUES ($1, $2, $3, $4)",
        params![id, name, orientation_type, now],
    )
    .await?;
    Ok(id)
}

/// Whether a dispositif exists and is not retired.
pub async fn dispositif_is_active(db: &Db, id: Id) -> Result<bool, StoreError> {
    Ok(db
        .query_opt(
            "SELECT id FROM dispositifs WHERE id = $1 AND retired_at IS NULL",
            params![id],
        )
        .await?
        .is_some())
}
