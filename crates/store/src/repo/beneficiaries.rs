//! A beneficiary's identity, rights and contact details, written under the notebook's version;
//! and bringing an archived notebook back.

use crate::{params, Db, StoreError, Value};
use carnet_domain::{Id, Instant};
use serde::{Deserialize, Serialize};

/// The columns of `beneficiaries` that identity and contact-detail changes write.
pub const WRITABLE_COLUMNS: &[&str] = &[
    "first_name",
    "last_name",
    "birth_date",
    "birth_place",
    "nir",
    "department_identifier",
    "caf_number",
    "ft_identifier",
    "rsa_right",
    "rsa_closure_reason",
    "rsa_suspension_reason",
    "are_right",
    "ass_right",
    "prime_activite",
    "phone",
    "address",
    "postal_code",
    "city",
];

/// A beneficiary's columns that identity and contact-detail changes write
/// ([`WRITABLE_COLUMNS`]), as they are saved.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct WritableFields {
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Option<String>,
    pub birth_place: Option<String>,
    pub nir: Option<String>,
    pub department_identifier: Option<String>,
    pub caf_number: Option<String>,
    pub ft_identifier: Option<String>,
    pub rsa_right: Option<String>,
    pub rsa_closure_reason: Option<String>,
    pub rsa_suspension_reason: Option<String>,
    pub are_right: bool,
    pub ass_right: bool,
    pub prime_activite: bool,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
}

#[derive(Deserialize)]
struct NotebookVersion {
    version: i64,
}

/// Takes the notebook's next version if it is still at `version`; false when stale.
pub async fn take_notebook_version(
    db: &Db,
    notebook: Id,
    version: i64,
) -> Result<bool, StoreError> {
    Ok(db
        .execute(
            "UPDATE notebooks SET version = version + 1 WHERE id = $1 AND version = $2",
            params![notebook, version],
        )
        .await?
        == 1)
}

/// The notebook's current version.
pub async fn notebook_version(db: &Db, notebook: Id) -> Result<i64, StoreError> {
    Ok(db
        .query_one_as::<NotebookVersion>(
            "SELECT version FROM notebooks WHERE id = $1",
            params![notebook],
        )
        .await?
        .version)
}

/// A beneficiary's writable columns.
pub async fn writable_fields(db: &Db, beneficiary: Id) -> Result<WritableFields, StoreError> {
    db.query_one_as(
        &format!(
            "SELECT {} FROM beneficiaries WHERE id = $1",
            WRITABLE_COLUMNS.join(", ")
        ),
        params![beneficiary],
    )
    .await
}

/// Writes columns (among [`WRITABLE_COLUMNS`]) of a beneficiary; returns the writable columns
/// before and after. The search key of a phone number is kept in step here, and never
/// returned: internal columns do not leave the store.
pub async fn update(
    db: &Db,
    beneficiary: Id,
    changes: &[(&str, Value)],
) -> Result<(WritableFields, WritableFields), StoreError> {
    if let Some((column, _)) = changes.iter().find(|(c, _)| !WRITABLE_COLUMNS.contains(c)) {
        return Err(StoreError::Other(format!(
            "colonne non modifiable : {column}"
        )));
    }
    let before = writable_fields(db, beneficiary).await?;
    let phone_key = changes
        .iter()
        .find(|(column, _)| *column == "phone")
        .map(|(_, phone)| match phone {
            Value::Text(phone) => Value::from(super::carnets::phone_key(phone)),
            _ => Value::Null,
        });
    let mut values = vec![Value::from(beneficiary)];
    let assignments: Vec<String> = changes
        .iter()
        .map(|(column, value)| (*column, value))
        .chain(phone_key.as_ref().map(|key| ("phone_key", key)))
        .map(|(column, value)| {
            values.push(value.clone());
            format!("{column} = ${}", values.len())
        })
        .collect();
    db.execute(
        &format!(
            "UPDATE beneficiaries SET {} WHERE id = $1",
            assignments.join(", ")
        ),
        &values,
    )
    .await?;
    let after = writable_fields(db, beneficiary).await?;
    Ok((before, after))
}

/// Brings an archived notebook back (its last contact becomes `now`, so retention counts from
/// now); false when no archived notebook has this id.
pub async fn restore_notebook(db: &Db, notebook: Id, now: Instant) -> Result<bool, StoreError> {
    Ok(db
        .execute(
            "UPDATE notebooks SET archived_at = NULL, last_contact_at = $2 WHERE id = $1 AND archived_at IS NOT NULL",
            params![notebook, now],
        )
        .await?
        > 0)
}
