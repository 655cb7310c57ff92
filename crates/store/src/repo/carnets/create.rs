//! Creating a beneficiary and their notebook, and keeping the copies lists and search read in
//! step: the search words and name keys after a change of names, the memberships' keys after a
//! change of membership, names or archiving.

use super::keys::{name_key, phone_key};
use crate::{params, Db, StoreError, Value};
use carnet_domain::text::words;
use carnet_domain::{Id, Instant};
use serde::Deserialize;

/// A validated beneficiary (the component validates every field).
#[derive(Clone, Debug, Default)]
pub struct NewBeneficiary {
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Option<String>,
    pub birth_place: Option<String>,
    pub nir: Option<String>,
    pub department_identifier: Option<String>,
    pub caf_number: Option<String>,
    pub ft_identifier: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub rsa_right: Option<String>,
    pub rsa_closure_reason: Option<String>,
    pub rsa_suspension_reason: Option<String>,
    pub are_right: bool,
    pub ass_right: bool,
    pub prime_activite: bool,
}

/// Creates the beneficiary, their search words and their notebook. Returns
/// (beneficiary id, notebook id).
pub async fn create(
    db: &Db,
    now: Instant,
    new: &NewBeneficiary,
    ids: Option<(Id, Id)>,
) -> Result<(Id, Id), StoreError> {
    let (beneficiary_id, notebook_id) = ids.unwrap_or_else(|| (Id::new_random(), Id::new_random()));
    db.execute(
        "INSERT INTO beneficiaries (id, first_name, last_name, created_at, name_key, birth_date, birth_place, nir, \
           department_identifier, caf_number, ft_identifier, email, phone, phone_key, address, postal_code, city, \
           rsa_right, rsa_closure_reason, rsa_suspension_reason, are_right, ass_right, prime_activite) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)",
        params![
            beneficiary_id,
            new.first_name.clone(),
            new.last_name.clone(),
            now,
            name_key(&new.first_name, &new.last_name),
            new.birth_date.clone(),
            new.birth_place.clone(),
            new.nir.clone(),
            new.department_identifier.clone(),
            new.caf_number.clone(),
            new.ft_identifier.clone(),
            new.email.clone(),
            new.phone.clone(),
            new.phone.as_deref().map(phone_key),
            new.address.clone(),
            new.postal_code.clone(),
            new.city.clone(),
            new.rsa_right.clone(),
            new.rsa_closure_reason.clone(),
            new.rsa_suspension_reason.clone(),
            new.are_right,
            new.ass_right,
            new.prime_activite,
        ],
    )
    .await?;
    db.execute(
        "INSERT INTO notebooks (id, beneficiary_id, last_contact_at, last_activity_at, created_at) VALUES ($1, $2, $3, $3, $3)",
        params![notebook_id, beneficiary_id, now],
    )
    .await?;
    reindex_names(db, beneficiary_id, &new.first_name, &new.last_name).await?;
    Ok((beneficiary_id, notebook_id))
}

/// Replaces the search words and sort key of a beneficiary's notebook after a change of names:
/// the beneficiary's, and its copies on the notebook, its search words and its memberships.
pub async fn reindex_names(
    db: &Db,
    beneficiary_id: Id,
    first_name: &str,
    last_name: &str,
) -> Result<(), StoreError> {
    let key = name_key(first_name, last_name);
    db.execute(
        "UPDATE beneficiaries SET name_key = $2 WHERE id = $1",
        params![beneficiary_id, key.clone()],
    )
    .await?;
    let Some(notebook) = db
        .query_opt_as::<Renamed>(
            "UPDATE notebooks SET name_key = $2 WHERE beneficiary_id = $1 RETURNING id, archived_at",
            params![beneficiary_id, key.clone()],
        )
        .await?
    else {
        return Ok(());
    };
    let notebook_id = notebook.id;
    let listed = notebook.archived_at.is_none();
    db.execute(
        "DELETE FROM notebook_search_words WHERE notebook_id = $1",
        params![notebook_id],
    )
    .await?;
    let mut name_words = words(first_name);
    name_words.extend(words(last_name));
    name_words.sort();
    name_words.dedup();
    for word in name_words {
        let prefix: String = word.chars().take(3).collect();
        db.execute(
            "INSERT INTO notebook_search_words (notebook_id, word, prefix, name_key, listed) VALUES ($1, $2, $3, $4, $5)",
            params![notebook_id, word, prefix, key.clone(), listed],
        )
        .await?;
    }
    refresh_member_keys(db, notebook_id).await
}

/// The notebook whose names changed.
#[derive(Deserialize)]
struct Renamed {
    id: Id,
    archived_at: Option<Instant>,
}

/// Whether a notebook is found by search and in portfolios (archiving takes it out; restoring
/// puts it back).
pub async fn set_listed(db: &Db, notebook_id: Id, listed: bool) -> Result<(), StoreError> {
    db.execute(
        "UPDATE notebook_search_words SET listed = $2 WHERE notebook_id = $1",
        params![notebook_id, listed],
    )
    .await?;
    refresh_member_keys(db, notebook_id).await
}

const MEMBER_KEYS: &str = "name_key = COALESCE((SELECT b.name_key FROM notebooks n JOIN beneficiaries b ON b.id = n.beneficiary_id \
       WHERE n.id = notebook_members.notebook_id), ''), \
     listed = (SELECT n.archived_at IS NULL FROM notebooks n WHERE n.id = notebook_members.notebook_id)";

/// Copies a notebook's name sort key and listed state onto its memberships, which portfolios
/// read: after a membership is added, the names change, or the notebook is archived or restored.
pub async fn refresh_member_keys(db: &Db, notebook_id: impl Into<Value>) -> Result<(), StoreError> {
    db.execute(
        &format!("UPDATE notebook_members SET {MEMBER_KEYS} WHERE notebook_id = $1"),
        &[notebook_id.into()],
    )
    .await?;
    Ok(())
}

/// The same for every membership (after a bulk load).
pub async fn refresh_all_member_keys(db: &Db) -> Result<(), StoreError> {
    db.execute(&format!("UPDATE notebook_members SET {MEMBER_KEYS}"), &[])
        .await?;
    Ok(())
}
