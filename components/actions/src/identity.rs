//! Identity (managers) and the beneficiary's own contact details. A new sign-in email goes
//! through `/api/auth/me/email` and its confirmation.

use crate::support::{trace, writable};
use axum::Json;
use carnet_domain::access::WriteScope;
use carnet_domain::sensitive::summary_naming;
use carnet_domain::Id;
use carnet_domain::{parse_birth_date, parse_phone, Nir};
use carnet_http::auth::Authenticated;
use carnet_http::extract::JsonBody;
use carnet_http::extract::Path;
use carnet_http::validate::{emptied, Validator};
use carnet_http::AppError;
use carnet_store::repo::beneficiaries::{self, WritableFields};
use carnet_store::repo::carnets::{self, DuplicateRules};
use carnet_store::repo::referentiel;
use carnet_store::{Db, Value as DbValue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

/// Takes the notebook's version (identity and contact details are part of it): its new
/// version, or 409 if stale.
async fn bump_version(db: &Db, notebook: Id, version: Option<i64>) -> Result<i64, AppError> {
    let version = crate::support::version(version)?;
    if beneficiaries::take_notebook_version(db, notebook, version).await? {
        return Ok(version + 1);
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

/// The columns sent, before or after a change, as the timeline's free-form data.
fn columns_of(fields: &WritableFields, columns: &[&str]) -> Result<Value, AppError> {
    let all = serde_json::to_value(fields).map_err(AppError::internal)?;
    let picked: Map<String, Value> = columns
        .iter()
        .map(|column| (column.to_string(), all[*column].clone()))
        .collect();
    Ok(Value::Object(picked))
}

/// Une modification de l'identité et des droits, fondée sur la version du carnet : les champs
/// donnés ; un texte vide efface un lieu de naissance ou un identifiant.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ModificationIdentite)]
pub struct IdentityUpdate {
    /// La version du carnet sur laquelle la modification se fonde.
    #[schema(example = 3)]
    version: Option<i64>,
    first_name: Option<String>,
    last_name: Option<String>,
    /// `AAAA-MM-JJ`.
    #[schema(example = "1984-12-07")]
    birth_date: Option<String>,
    birth_place: Option<String>,
    /// Numéro de sécurité sociale (13 chiffres et la clé).
    nir: Option<String>,
    department_identifier: Option<String>,
    caf_number: Option<String>,
    ft_identifier: Option<String>,
    /// Droit RSA (liste `rsa_right`).
    rsa_right: Option<String>,
    /// Motif de clôture du RSA (liste `rsa_closure_reason`).
    rsa_closure_reason: Option<String>,
    /// Motif de suspension du RSA (liste `rsa_suspension_reason`).
    rsa_suspension_reason: Option<String>,
    are_right: Option<bool>,
    ass_right: Option<bool>,
    prime_activite: Option<bool>,
    // The manager checked the possible duplicates this change revealed: another person.
    /// Après un 409 `possible_duplicate` : le gestionnaire a vérifié, c'est une autre personne.
    #[serde(default)]
    confirm_different_person: bool,
}

/// L'identité et les droits d'un bénéficiaire, NIR compris : la réponse faite aux
/// gestionnaires, que la politique d'accès autorise à voir le NIR.
#[derive(Serialize, ToSchema)]
#[schema(as = IdentiteEtDroitsAvecNir)]
pub struct IdentityWithNir {
    #[schema(example = "Éloïse")]
    first_name: String,
    #[schema(example = "Dupont")]
    last_name: String,
    /// `AAAA-MM-JJ`.
    #[schema(example = "1984-12-07")]
    birth_date: Option<String>,
    birth_place: Option<String>,
    /// Numéro de sécurité sociale.
    nir: Option<String>,
    /// Identifiant du bénéficiaire au département.
    department_identifier: Option<String>,
    /// Numéro d'allocataire CAF ou MSA.
    caf_number: Option<String>,
    /// Identifiant France Travail.
    ft_identifier: Option<String>,
    /// Droit RSA (liste `rsa_right`).
    rsa_right: Option<String>,
    rsa_closure_reason: Option<String>,
    rsa_suspension_reason: Option<String>,
    /// Allocation d'aide au retour à l'emploi.
    are_right: bool,
    /// Allocation de solidarité spécifique.
    ass_right: bool,
    prime_activite: bool,
    /// La nouvelle version du carnet.
    #[schema(example = 4)]
    version: i64,
}

impl IdentityWithNir {
    fn new(fields: WritableFields, version: i64) -> Self {
        IdentityWithNir {
            first_name: fields.first_name,
            last_name: fields.last_name,
            birth_date: fields.birth_date,
            birth_place: fields.birth_place,
            nir: fields.nir,
            department_identifier: fields.department_identifier,
            caf_number: fields.caf_number,
            ft_identifier: fields.ft_identifier,
            rsa_right: fields.rsa_right,
            rsa_closure_reason: fields.rsa_closure_reason,
            rsa_suspension_reason: fields.rsa_suspension_reason,
            are_right: fields.are_right,
            ass_right: fields.ass_right,
            prime_activite: fields.prime_activite,
            version,
        }
    }
}

/// Changes a beneficiary's identity and rights (managers).
#[utoipa::path(
    patch,
    path = "/api/write/carnets/{id}/identity",
    tag = "Identité et droits",
    summary = "Modifier l'identité et les droits d'un bénéficiaire",
    description = "**Rôles** : gestionnaires (qui voient le NIR). Les champs donnés, fondés sur la \
        version du carnet. Une modification du NIR, de l'identifiant départemental, des noms ou de \
        la date de naissance qui fait ressembler la personne à celle d'un autre carnet reçoit le \
        même 409 `possible_duplicate` qu'une création, et ne change rien, sauf confirmation \
        `confirm_different_person` (alors journalisée avec les carnets ressemblants).",
    params(("id" = Id, Path, description = "Identifiant du carnet")),
    request_body = IdentityUpdate,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "L'identité et les droits enregistrés, avec la nouvelle version du carnet.", body = IdentityWithNir, example = json!({
            "first_name": "Éloïse", "last_name": "Dupont", "birth_date": "1984-12-07", "birth_place": "Bobigny",
            "nir": "2841275123456", "department_identifier": "D-1234", "caf_number": "1234567",
            "ft_identifier": null, "rsa_right": "rsa_droit_ouvert_versable", "rsa_closure_reason": null,
            "rsa_suspension_reason": null, "are_right": false, "ass_right": false, "prime_activite": true,
            "version": 4
        })),
        (status = 403, description = "`forbidden` : pas gestionnaire ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`stale_version` : le carnet a changé entre-temps (`details.current.version`) ; `possible_duplicate` : la personne ressemble à celle d'un autre carnet (`details.duplicates`).", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; `version` : `required` ; `first_name`, `last_name` : `required`, `too_long` ; `birth_date` : `invalid`, `out_of_range` ; `nir` : `invalid` ; identifiants : `invalid`, `too_long` ; textes : `invalid_characters` ; droits RSA : `unknown_code` ; `empty` : rien à modifier.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn update_identity(
    auth: Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<IdentityUpdate>,
) -> Result<Json<IdentityWithNir>, AppError> {
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
        let version = bump_version(db, notebook, body.version).await?;
        let (before, after) = beneficiaries::update(db, beneficiary, &changes).await?;
        if body.first_name.is_some() || body.last_name.is_some() {
            carnets::reindex_names(db, beneficiary, &after.first_name, &after.last_name).await?;
        }
        let sent: Vec<&str> = changes.iter().map(|(column, _)| *column).collect();
        let (before_data, after_data) = (columns_of(&before, &sent)?, columns_of(&after, &sent)?);
        let changed = |column: &str| before_data.get(column) != after_data.get(column);
        let changed_columns: Vec<&str> = sent
            .iter()
            .copied()
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
            Some(before_data),
            Some(after_data),
        )
        .await?;
        Ok(Json(IdentityWithNir::new(after, version)))
    }).await
}

/// Une modification de ses coordonnées, fondée sur la version du carnet : les champs donnés ;
/// un texte vide en efface un.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ModificationCoordonnees)]
pub struct ContactDetails {
    /// La version du carnet sur laquelle la modification se fonde.
    #[schema(example = 3)]
    version: Option<i64>,
    #[schema(example = "07 11 22 33 44")]
    phone: Option<String>,
    address: Option<String>,
    /// Cinq chiffres.
    #[schema(example = "93500")]
    postal_code: Option<String>,
    #[schema(example = "Pantin")]
    city: Option<String>,
}

/// Les coordonnées d'un bénéficiaire (sans rien de son identité).
#[derive(Serialize, ToSchema)]
#[schema(as = Coordonnees)]
pub struct ContactDetailsAnswer {
    #[schema(example = "07 11 22 33 44")]
    phone: Option<String>,
    #[schema(example = "12 rue des Lilas")]
    address: Option<String>,
    #[schema(example = "93500")]
    postal_code: Option<String>,
    #[schema(example = "Pantin")]
    city: Option<String>,
    /// La nouvelle version du carnet.
    #[schema(example = 4)]
    version: i64,
}

/// Changes one's own contact details (the beneficiary).
#[utoipa::path(
    patch,
    path = "/api/write/carnets/{id}/contact-details",
    tag = "Identité et droits",
    summary = "Modifier ses coordonnées",
    description = "**Rôles** : le bénéficiaire, dans son propre carnet. Téléphone, adresse, code \
        postal et ville, fondés sur la version du carnet ; un texte vide efface un champ. Une \
        nouvelle adresse électronique passe par `/api/auth/me/email`.",
    params(("id" = Id, Path, description = "Identifiant du carnet")),
    request_body = ContactDetails,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les coordonnées enregistrées, avec la nouvelle version du carnet.", body = ContactDetailsAnswer, example = json!({
            "phone": "07 11 22 33 44", "address": "12 rue des Lilas", "postal_code": "93500", "city": "Pantin", "version": 4
        })),
        (status = 403, description = "`forbidden` : pas le bénéficiaire de ce carnet ; `archived` : carnet archivé ; `cross_origin`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu ou hors de portée.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`stale_version` : le carnet a changé entre-temps (`details.current.version`).", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; `version` : `required` ; `phone`, `postal_code` : `invalid` ; `address`, `city` : `too_long` ; `empty` : rien à modifier.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn update_contact_details(
    auth: Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ContactDetails>,
) -> Result<Json<ContactDetailsAnswer>, AppError> {
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
        let version = bump_version(db, notebook, body.version).await?;
        let (before, after) = beneficiaries::update(db, beneficiary, &changes).await?;
        let sent: Vec<&str> = changes.iter().map(|(column, _)| *column).collect();
        trace(
            &auth,
            notebook,
            "contact_details_updated",
            "Coordonnées mises à jour par la personne",
            Some(columns_of(&before, &sent)?),
            Some(columns_of(&after, &sent)?),
        )
        .await?;
        Ok(Json(ContactDetailsAnswer {
            phone: after.phone,
            address: after.address,
            postal_code: after.postal_code,
            city: after.city,
            version,
        }))
    })
    .await
}

/// La restauration d'un carnet archivé.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RestaurationCarnet)]
pub struct Restore {
    /// Pourquoi le carnet est restauré (500 caractères au plus).
    #[schema(example = "La personne revient dans le dispositif.")]
    reason: Option<String>,
}

/// Le carnet est restauré.
#[derive(Serialize, ToSchema)]
#[schema(as = CarnetRestaure)]
pub struct Restored {
    /// Toujours vrai.
    restored: bool,
}

/// A manager brings an archived notebook back (retention then counts from now).
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/restore",
    tag = "Identité et droits",
    summary = "Restaurer un carnet archivé",
    description = "**Rôles** : gestionnaires. Le carnet redevient modifiable et listé ; la durée \
        de conservation repart de maintenant.",
    params(("id" = Id, Path, description = "Identifiant du carnet")),
    request_body = Restore,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Restauré.", body = Restored, example = json!({"restored": true})),
        (status = 403, description = "`forbidden` : pas gestionnaire ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`not_archived` : ce carnet n'est pas archivé.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; champ `reason` : `required`, `too_long`.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn restore(
    auth: Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Restore>,
) -> Result<Json<Restored>, AppError> {
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
        Ok(Json(Restored { restored: true }))
    })
    .await
}
