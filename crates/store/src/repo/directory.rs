//! The accounts directory: staff accounts with their active roles, for the people who manage
//! accounts (the policy is `carnet_domain::access::may_list_accounts`).
//!
//! The database narrows the rows (scope, structure, role, enabled state); names are then matched
//! and sorted on their folded form (`sort_key`) here, because accounts carry no stored key and a
//! département's staff is a few thousand rows at most.

use super::accounts::{assignment_from_row, HeldRole};
use crate::{Db, StoreError, Value};
use carnet_domain::roles::Role;
use carnet_domain::text::{sort_key, words};
use carnet_domain::{Id, Instant};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Debug, Default)]
pub struct DirectoryFilter {
    /// Only accounts holding an active role in this structure (a structure admin's scope).
    pub within_structure: Option<Id>,
    /// Only accounts holding an active role in this structure (a chosen filter).
    pub structure: Option<Id>,
    /// Only accounts holding this active role.
    pub role: Option<Role>,
    /// `Some(true)`: disabled accounts only; `Some(false)`: enabled ones only.
    pub disabled: Option<bool>,
    /// Words of a name, or part of an email address.
    pub text: Option<String>,
}

#[derive(Clone, Debug)]
pub struct DirectoryAccount {
    pub id: Id,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub disabled_at: Option<Instant>,
    /// Every active role, the beneficiary's included (the caller decides what to show).
    pub roles: Vec<HeldRole>,
    pub work_contact: super::accounts::WorkContact,
}

struct Candidate {
    id: Id,
    first_name: String,
    last_name: String,
    email: String,
    disabled_at: Option<Instant>,
    work_contact: super::accounts::WorkContact,
    key: String,
}

/// Does the candidate match every searched word (a prefix of a name word, or part of the email)?
fn matches(candidate: &Candidate, searched: &[String], text: &str) -> bool {
    let email = candidate.email.to_lowercase();
    let needle = text.trim().to_lowercase();
    if needle.contains('@') {
        return email.contains(&needle);
    }
    let mut name_words = words(&candidate.first_name);
    name_words.extend(words(&candidate.last_name));
    searched.iter().all(|word| {
        name_words
            .iter()
            .any(|name| name.starts_with(word.as_str()))
            || email.contains(word.as_str())
    })
}

/// One page of the directory, sorted by last then first name (French order), and the total.
pub async fn page(
    db: &Db,
    filter: &DirectoryFilter,
    page: i64,
    per_page: i64,
) -> Result<(Vec<DirectoryAccount>, i64), StoreError> {
    let mut values: Vec<Value> = Vec::new();
    let mut conditions: Vec<String> = vec![
        "EXISTS (SELECT 1 FROM role_assignments r WHERE r.account_id = a.id AND r.role <> 'beneficiary')"
            .into(),
    ];
    for structure in [filter.within_structure, filter.structure]
        .into_iter()
        .flatten()
    {
        values.push(structure.into());
        let mut condition = format!(
            "EXISTS (SELECT 1 FROM role_assignments r WHERE r.account_id = a.id AND r.revoked_at IS NULL AND r.structure_id = ${}",
            values.len()
        );
        if let Some(role) = filter.role {
            values.push(role.code().into());
            condition.push_str(&format!(" AND r.role = ${}", values.len()));
        }
        condition.push(')');
        conditions.push(condition);
    }
    if filter.within_structure.is_none() && filter.structure.is_none() {
        if let Some(role) = filter.role {
            values.push(role.code().into());
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM role_assignments r WHERE r.account_id = a.id AND r.revoked_at IS NULL AND r.role = ${})",
                values.len()
            ));
        }
    }
    match filter.disabled {
        Some(true) => conditions.push("a.disabled_at IS NOT NULL".into()),
        Some(false) => conditions.push("a.disabled_at IS NULL".into()),
        None => {}
    }
    let rows = db
        .query(
            &format!(
                "SELECT a.id, a.first_name, a.last_name, a.email, a.disabled_at, p.position, p.phone \
                 FROM accounts a LEFT JOIN professionals p ON p.account_id = a.id WHERE {}",
                conditions.join(" AND ")
            ),
            &values,
        )
        .await?;
    let mut candidates = rows
        .iter()
        .map(|row| {
            let first_name: String = row.get("first_name")?;
            let last_name: String = row.get("last_name")?;
            Ok(Candidate {
                id: row.get("id")?,
                key: sort_key(&format!("{last_name} {first_name}")),
                first_name,
                last_name,
                email: row.get("email")?,
                disabled_at: row.get("disabled_at")?,
                work_contact: super::accounts::WorkContact::from_row(row)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let searched = words(text);
        candidates.retain(|candidate| matches(candidate, &searched, text));
    }
    candidates.sort_by(|a, b| (&a.key, a.id).cmp(&(&b.key, b.id)));
    let total = candidates.len() as i64;
    let start = ((page - 1) * per_page).clamp(0, total) as usize;
    let end = (start + per_page as usize).min(candidates.len());
    let chosen = &candidates[start..end];
    let mut roles = roles_of(db, chosen.iter().map(|c| c.id).collect()).await?;
    let accounts = chosen
        .iter()
        .map(|c| DirectoryAccount {
            id: c.id,
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.clone(),
            disabled_at: c.disabled_at,
            roles: roles.remove(&c.id).unwrap_or_default(),
            work_contact: c.work_contact.clone(),
        })
        .collect();
    Ok((accounts, total))
}

/// The active roles of some accounts, oldest first.
async fn roles_of(
    db: &Db,
    ids: Vec<Id>,
) -> Result<std::collections::HashMap<Id, Vec<HeldRole>>, StoreError> {
    let mut by_account: std::collections::HashMap<Id, Vec<HeldRole>> = Default::default();
    if ids.is_empty() {
        return Ok(by_account);
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let values: Vec<Value> = ids.into_iter().map(Value::from).collect();
    let rows = db
        .query(
            &format!(
                "SELECT r.id, r.account_id, r.role, r.structure_id, r.beneficiary_id, s.name AS structure_name \
                 FROM role_assignments r LEFT JOIN structures s ON s.id = r.structure_id \
                 WHERE r.revoked_at IS NULL AND r.account_id IN ({}) ORDER BY r.created_at, r.id",
                placeholders.join(", ")
            ),
            &values,
        )
        .await?;
    for row in &rows {
        by_account
            .entry(row.get("account_id")?)
            .or_default()
            .push(HeldRole {
                id: row.get("id")?,
                assignment: assignment_from_row(row)?,
                structure_name: row.get("structure_name")?,
            });
    }
    Ok(by_account)
}

/// Un dispositif d'accompagnement de l'instance.
#[derive(Serialize, Deserialize, ToSchema, Debug)]
#[schema(as = Dispositif)]
pub struct Dispositif {
    pub id: Id,
    #[schema(example = "Accompagnement social")]
    pub name: String,
    /// Le type d'orientation : `social`, `pro`, `sociopro` ou `autre`.
    #[schema(example = "social")]
    pub orientation_type: String,
}

/// The instance's current (not retired) orientation systems (`dispositifs`), by name.
pub async fn dispositifs(db: &Db) -> Result<Vec<Dispositif>, StoreError> {
    db.query_as(
        "SELECT id, name, orientation_type FROM dispositifs WHERE retired_at IS NULL ORDER BY name",
        crate::params![],
    )
    .await
}

/// Une structure de l'instance.
#[derive(Serialize, Deserialize, ToSchema, Debug)]
#[schema(as = StructureDeLInstance)]
pub struct Structure {
    pub id: Id,
    #[schema(example = "Mission locale Est")]
    pub name: String,
    #[schema(example = "13002526500013")]
    pub siret: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Son nom révèle la santé, la justice ou la religion : il est remplacé par « structure
    /// d'accompagnement » pour qui n'est pas de l'accompagnement de la personne.
    pub sensitive: bool,
}

/// The instance's structures, sorted the French way (`sort_key`).
pub async fn structures(db: &Db) -> Result<Vec<Structure>, StoreError> {
    db.query_as(
        "SELECT id, name, siret, address, postal_code, city, phone, email, sensitive FROM structures ORDER BY sort_key, id",
        crate::params![],
    )
    .await
}
