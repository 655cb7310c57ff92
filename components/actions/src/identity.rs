//! Identity (managers) and the beneficiary's own contact details. A new sign-in email goes
//! through `/api/auth/me/email` and its confirmation.

use crate::support::{trace, writable};
use axum::Json;
use carnet_domain::access::WriteScope;
use carnet_domain::sensitive::summary_naming;
use carnet_domain::{parse_birth_date, parse_phone, Nir};
use carnet_http::auth::Authenticated;
use carnet_http::extract::JsonBody;
use carnet_http::extract::Path;
use carnet_http::validate::{emptied, Validator};
use carnet_http::AppError;
use carnet_store::repo::beneficiaries;
use carnet_store::repo::carnets::{self, DuplicateRules};
use carnet_store::repo::referentiel;
use carnet_store::{Db, Value as DbValue};
use serde::Deserialize;
use serde_json::{json, Value};

/// Takes the notebook's version (identity and contact details are part of it): 409 if stale.
async fn bump_version(
    db: &Db,
    notebook: carnet_domain::Id,
    version: Option<i64>,
) -> Result<(), AppError> {
    let version = crate::support::version(version)?;
    if beneficiaries::take_notebook_version(db, notebook, version).await? {
        return Ok(());
    }
    let current = beneficiaries::notebook_version(db, notebook).await?;
    Err(AppError::Conflict {
        code: "stale_version",
        message:
            "Le carnet a été modifié entre-temps : rechargez puis refaites votre modification."
                .into(),
        details: Some(json!({ "current": { "version": current } })),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityUpdate {
    version: Option<i64>,
    first_name: Option<String>,
    last_name: Option<String>,
    birth_date: Option<String>,
    birth_place: Option<String>,
    nir: Option<String>,
    department_identifier: Option<String>,
    caf_number: Option<String>,
    ft_identifier: Option<String>,
    rsa_right: Option<String>,
    rsa_closure_reason: Option<String>,
    rsa_suspension_reason: Option<String>,
    are_right: Option<bool>,
    ass_right: Option<bool>,
    prime_activite: Option<bool>,
    /// The manager checked the possible duplicates this change revealed: another person.
    #[serde(default)]
    confirm_different_person: bool,
}

/// `PATCH /api/write/carnets/{id}/identity` (managers). A change of NIR, département identifier,
/// names or birth date that makes the beneficiary look like another one gets the same 409
/// `possible_duplicate` as a creation, and changes nothing, unless confirmed as another person
/// (then audited with the notebooks it resembles).
pub async fn update_identity(
    auth: Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<IdentityUpdate>,
) -> Result<Json<Value>, AppError> {
    let (notebook, facts) = writable(&auth, &id, WriteScope::Identity).await?;
    let beneficiary = facts.beneficiary_id.ok_or(AppError::NotFound)?;
    let db = &auth.ctx.db;
    let mut check = Validator::new();
    let mut changes: Vec<(&'static str, DbValue)> = Vec::new();
    for (field, value, max) in [
        ("first_name", &body.first_name, 100),
        ("last_name", &body.last_name, 100),
        ("birth_place", &body.birth_place, 100),
    ] {
        if value.is_some() {
            let text = if field == "birth_place" {
                check.text(field, value.as_deref(), max)
            } else {
                Some(check.required(field, value.as_deref(), max))
            };
            changes.push((field, text.into()));
        }
    }
    let today = auth.ctx.now.local_date(&auth.ctx.config.timezone);
    if let Some(date) = check.parsed("birth_date", body.birth_date.as_deref(), |text| {
        parse_birth_date(text, today)
    }) {
        changes.push(("birth_date", date.format("%Y-%m-%d").to_string().into()));
    }
    if let Some(nir) = check.parsed("nir", body.nir.as_deref(), Nir::parse) {
        changes.push(("nir", nir.as_str().to_string().into()));
    }
    for (field, value) in [
        ("department_identifier", &body.department_identifier),
        ("caf_number", &body.caf_number),
        ("ft_identifier", &body.ft_identifier),
    ] {
        if value.is_some() {
            let max = if field == "department_identifier" {
                50
            } else {
                20
            };
            let value = crate::beneficiaries::identifier(&mut check, field, value.as_deref(), max)
                .map(|id| {
                    if field == "ft_identifier" {
                        id.to_uppercase()
                    } else {
                        id
                    }
                });
            changes.push((field, value.into()));
        }
    }
    for (field, value) in [
        ("rsa_right", &body.rsa_right),
        ("rsa_closure_reason", &body.rsa_closure_reason),
        ("rsa_suspension_reason", &body.rsa_suspension_reason),
    ] {
        if let Some(code) = value {
            if referentiel::is_current_code(db, field, code).await? {
                changes.push((field, code.clone().into()));
            } else {
                check.error(
                    field,
                    "unknown_code",
                    "Valeur inconnue de la liste de référence.",
                );
            }
        }
    }
    for (field, value) in [
        ("are_right", body.are_right),
        ("ass_right", body.ass_right),
        ("prime_activite", body.prime_activite),
    ] {
        if let Some(value) = value {
            changes.push((field, value.into()));
        }
    }
    if changes.is_empty() && check.is_ok() {
        check.error("", "empty", "Rien à modifier.");
    }
    check.finish()?;
    db.transaction(async || {
        bump_version(db, notebook, body.version).await?;
        let (before, after) = beneficiaries::update(db, beneficiary, &changes).await?;
        if body.first_name.is_some() || body.last_name.is_some() {
            let (first_name, last_name) = beneficiaries::names(db, beneficiary).await?;
            carnets::reindex_names(db, beneficiary, &first_name, &last_name).await?;
        }
        let changed = |column: &str| before.get(column) != after.get(column);
        let changed_columns: Vec<&str> = changes
            .iter()
            .map(|(column, _)| *column)
            .filter(|column| changed(column))
            .collect();
        let rules = DuplicateRules {
            nir: changed("nir"),
            department_identifier: changed("department_identifier"),
            names_and_birth_date: changed("first_name")
                || changed("last_name")
                || changed("birth_date"),
        };
        if rules.any() {
            let duplicates = carnets::duplicates_of(db, beneficiary, rules).await?;
            if !duplicates.is_empty() {
                if !body.confirm_different_person {
                    return Err(AppError::Conflict {
                        code: "possible_duplicate",
                        message: "Avec cette modification, la personne ressemble à celle d'un autre carnet. Vérifiez-le, ou confirmez qu'il s'agit d'une autre personne.".into(),
                        details: Some(json!({ "duplicates": duplicates })),
                    });
                }
                auth.audit(
                    "identity_duplicate_confirmed_different",
                    "notebook",
                    notebook,
                    Some(json!({ "duplicates": duplicates })),
                )
                .await?;
            }
        }
        trace(
            &auth,
            notebook,
            "identity_updated",
            &summary_naming("Identité ou droits mis à jour", &changed_columns),
            Some(before),
            Some(after.clone()),
        )
        .await?;
        Ok(Json(after))
    }).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactDetails {
    version: Option<i64>,
    phone: Option<String>,
    address: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
}

/// `PATCH /api/write/carnets/{id}/contact-details` (the beneficiary, on their own notebook).
pub async fn update_contact_details(
    auth: Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ContactDetails>,
) -> Result<Json<Value>, AppError> {
    let (notebook, facts) = writable(&auth, &id, WriteScope::ContactDetails).await?;
    let beneficiary = facts.beneficiary_id.ok_or(AppError::NotFound)?;
    let mut check = Validator::new();
    let mut changes: Vec<(&'static str, DbValue)> = Vec::new();
    // An empty text clears a field; every field of one's contact details may be empty.
    if emptied(body.phone.as_deref()) {
        changes.push(("phone", DbValue::Null));
    } else if let Some(phone) = check.parsed("phone", body.phone.as_deref(), parse_phone) {
        changes.push(("phone", phone.into()));
    }
    if body.address.is_some() {
        changes.push((
            "address",
            check.text("address", body.address.as_deref(), 200).into(),
        ));
    }
    if emptied(body.postal_code.as_deref()) {
        changes.push(("postal_code", DbValue::Null));
    } else if let Some(code) = check.text("postal_code", body.postal_code.as_deref(), 5) {
        if code.len() == 5 && code.chars().all(|c| c.is_ascii_digit()) {
            changes.push(("postal_code", code.into()));
        } else {
            check.error("postal_code", "invalid", "Code postal à 5 chiffres.");
        }
    }
    if body.city.is_some() {
        changes.push(("city", check.text("city", body.city.as_deref(), 100).into()));
    }
    if changes.is_empty() && check.is_ok() {
        check.error("", "empty", "Rien à modifier.");
    }
    check.finish()?;
    let db = &auth.ctx.db;
    db.transaction(async || {
        bump_version(db, notebook, body.version).await?;
        let (before, after) = beneficiaries::update(db, beneficiary, &changes).await?;
        trace(
            &auth,
            notebook,
            "contact_details_updated",
            "Coordonnées mises à jour par la personne",
            Some(before),
            Some(after.clone()),
        )
        .await?;
        Ok(Json(after))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restore {
    reason: Option<String>,
}

/// `POST /api/write/carnets/{id}/restore {"reason"}`: a manager brings an archived notebook back
/// (retention then counts from now).
pub async fn restore(
    auth: Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Restore>,
) -> Result<Json<Value>, AppError> {
    if !carnet_domain::access::may_restore_notebook(&auth.actor()) {
        return Err(AppError::forbidden(
            "forbidden",
            "Seuls les gestionnaires restaurent un carnet archivé.",
        ));
    }
    let notebook = crate::support::path_id(&id)?;
    let mut check = Validator::new();
    let reason = check.required_multiline("reason", body.reason.as_deref(), 500);
    check.finish()?;
    let db = &auth.ctx.db;
    db.transaction(async || {
        if !beneficiaries::restore_notebook(db, notebook, auth.ctx.now).await? {
            return Err(match carnets::facts(db, notebook).await? {
                Some(_) => AppError::conflict("not_archived", "Ce carnet n'est pas archivé."),
                None => AppError::NotFound,
            });
        }
        carnets::set_listed(db, notebook, true).await?;
        trace(
            &auth,
            notebook,
            "restored",
            "Carnet restauré par un gestionnaire",
            None,
            Some(json!({ "reason": reason })),
        )
        .await?;
        Ok(Json(json!({ "restored": true })))
    })
    .await
}
