//! Duplicate detection: the notebooks of other beneficiaries who may be the same person (same
//! NIR, same département identifier, or same names and birth date).

use super::create::NewBeneficiary;
use super::keys::name_key;
use crate::{params, Db, StoreError};
use carnet_domain::Id;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Un carnet existant qui est peut-être celui de la même personne.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, PartialEq)]
#[schema(as = Doublon)]
pub struct Duplicate {
    /// Le carnet qui est peut-être celui de la même personne.
    pub notebook_id: Id,
    /// La première règle qui l'a trouvé.
    pub rule: DuplicateRule,
}

/// Pourquoi deux personnes sont peut-être la même : même NIR, même identifiant départemental,
/// ou mêmes noms et date de naissance (accents et casse mis à part).
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[schema(as = RegleDeDoublon)]
pub enum DuplicateRule {
    Nir,
    DepartmentIdentifier,
    NamesAndBirthDate,
}

/// Possible duplicates of a person not yet created: same NIR, same département identifier, or
/// same names and birth date (accents and case aside).
pub async fn find_duplicates(db: &Db, new: &NewBeneficiary) -> Result<Vec<Duplicate>, StoreError> {
    let compared = Compared {
        nir: new.nir.clone(),
        department_identifier: new.department_identifier.clone(),
        name_key: name_key(&new.first_name, &new.last_name),
        birth_date: new.birth_date.clone(),
    };
    let every_rule = DuplicateRules {
        nir: true,
        department_identifier: true,
        names_and_birth_date: true,
    };
    duplicates(db, &compared, every_rule, None).await
}

/// Which duplicate rules to apply to a beneficiary whose identity changed: only those whose
/// fields changed (a person once confirmed different is not asked about again for an unrelated
/// correction).
#[derive(Clone, Copy, Debug, Default)]
pub struct DuplicateRules {
    pub nir: bool,
    pub department_identifier: bool,
    pub names_and_birth_date: bool,
}

impl DuplicateRules {
    pub fn any(&self) -> bool {
        self.nir || self.department_identifier || self.names_and_birth_date
    }
}

/// Other beneficiaries who may be the same person as this one, as it now is (read inside the
/// transaction that changed it), by the rules asked.
pub async fn duplicates_of(
    db: &Db,
    beneficiary_id: Id,
    rules: DuplicateRules,
) -> Result<Vec<Duplicate>, StoreError> {
    let compared: Compared = db
        .query_one_as(
            "SELECT nir, department_identifier, name_key, birth_date FROM beneficiaries WHERE id = $1",
            params![beneficiary_id],
        )
        .await?;
    duplicates(db, &compared, rules, Some(beneficiary_id)).await
}

/// What the duplicate rules compare of a person.
#[derive(Deserialize)]
struct Compared {
    nir: Option<String>,
    department_identifier: Option<String>,
    name_key: String,
    birth_date: Option<String>,
}

/// The notebooks of the beneficiaries (other than `other_than`) that the `rules` find to be
/// possibly the person `compared`, oldest first, each with the first rule that found it. A
/// missing value matches nothing.
async fn duplicates(
    db: &Db,
    compared: &Compared,
    rules: DuplicateRules,
    other_than: Option<Id>,
) -> Result<Vec<Duplicate>, StoreError> {
    db.query_as(
        "SELECT n.id AS notebook_id, \
           CASE WHEN $5 AND b.nir = $1 THEN 'nir' \
                WHEN $6 AND b.department_identifier = $2 THEN 'department_identifier' \
                ELSE 'names_and_birth_date' END AS rule \
         FROM beneficiaries b JOIN notebooks n ON n.beneficiary_id = b.id \
         WHERE (CAST($8 AS TEXT) IS NULL OR b.id <> $8) \
           AND (($5 AND CAST($1 AS TEXT) IS NOT NULL AND b.nir = $1) \
             OR ($6 AND CAST($2 AS TEXT) IS NOT NULL AND b.department_identifier = $2) \
             OR ($7 AND CAST($4 AS TEXT) IS NOT NULL AND b.name_key = $3 AND b.birth_date = $4)) \
         ORDER BY n.created_at",
        params![
            compared.nir.clone(),
            compared.department_identifier.clone(),
            compared.name_key.clone(),
            compared.birth_date.clone(),
            rules.nir,
            rules.department_identifier,
            rules.names_and_birth_date,
            other_than
        ],
    )
    .await
}
