//! A beneficiary's identity, rights and contact details, written under the notebook's version;
//! and bringing an archived notebook back.

use crate::{params, Db, Row, StoreError, Value};
use carnet_domain::{Id, Instant};
use serde_json::{json, Map, Value as Json};

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
    db.query_one(
        "SELECT version FROM notebooks WHERE id = $1",
        params![notebook],
    )
    .await?
    .get("version")
}

/// Writes columns (among [`WRITABLE_COLUMNS`]) of a beneficiary; returns those columns before
/// and after, as JSON objects (text or boolean, else null). The search key of a phone number is
/// kept in step here, and never returned: internal columns do not leave the store.
pub async fn update(
    db: &Db,
    beneficiary: Id,
    changes: &[(&str, Value)],
) -> Result<(Json, Json), StoreError> {
    let columns: Vec<&str> = changes.iter().map(|(c, _)| *c).collect();
    if let Some(column) = columns.iter().find(|c| !WRITABLE_COLUMNS.contains(c)) {
        return Err(StoreError::Other(format!(
            "colonne non modifiable : {column}"
        )));
    }
    let read = |row: &Row| -> Json {
        let mut map = Map::new();
        for column in &columns {
            let value = row
                .get::<Option<String>>(column)
                .map(|v| json!(v))
                .or_else(|_| row.get::<bool>(column).map(|v| json!(v)))
                .unwrap_or(Json::Null);
            map.insert(column.to_string(), value);
        }
        Json::Object(map)
    };
    let sql = format!(
        "SELECT {} FROM beneficiaries WHERE id = $1",
        columns.join(", ")
    );
    let before = read(&db.query_one(&sql, params![beneficiary]).await?);
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
    let after = read(&db.query_one(&sql, params![beneficiary]).await?);
    Ok((before, after))
}

/// A beneficiary's first and last names.
pub async fn names(db: &Db, beneficiary: Id) -> Result<(String, String), StoreError> {
    let row = db
        .query_one(
            "SELECT first_name, last_name FROM beneficiaries WHERE id = $1",
            params![beneficiary],
        )
        .await?;
    Ok((row.get("first_name")?, row.get("last_name")?))
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
