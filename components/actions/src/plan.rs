//! Plan d'action: focuses (axes de travail) → objectifs → actions. Objectifs come from the
//! reference list of their theme or free text; one linked to a contract (CER, PPAE, PACEA, CEJ)
//! requires the beneficiary's recorded agreement. Statuses from the coded values. Every create
//! accepts an Idempotency-Key; every edit or delete names the version it is based on.

use crate::support::{path_id, trace, updated, version, writable};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use carnet_domain::access::WriteScope;
use carnet_domain::{parse_date, Id};
use carnet_http::auth::Authenticated;
use carnet_http::extract::JsonBody;
use carnet_http::extract::{Path, Query};
use carnet_http::idempotency::IdempotentJson;
use carnet_http::validate::Validator;
use carnet_http::AppError;
use carnet_store::repo::plan::{
    self, ActionState, ActionStatus, FocusState, NewAction, NewObjectif, ObjectifState,
    ObjectifStatus, Versioned, VersionedState,
};
use carnet_store::repo::referentiel::{self, ThemedList};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

const OBJECTIF_STATUSES: &[&str] = &["in_progress", "done", "abandonned"];
const ACTION_STATUSES: &[&str] = &[
    "in_progress",
    "abandonned",
    "canceled",
    "done",
    "planned",
    "standby",
];
const CONTRACTS: &[&str] = &["cer", "ppae", "pacea", "cej"];
const MAX_LABEL: usize = 300;

/// Un nouvel axe de travail.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NouvelAxeDeTravail)]
pub struct NewFocus {
    /// Le thème de l'axe (un thème « focus » du référentiel).
    #[schema(example = "logement")]
    theme: Option<String>,
}

/// L'axe de travail ajouté au plan d'action.
#[derive(Serialize, ToSchema)]
#[schema(as = AxeDeTravailAjoute)]
pub struct FocusCreated {
    id: Id,
    /// Le thème de l'axe.
    #[schema(example = "logement")]
    theme: String,
    /// Son libellé.
    #[schema(example = "Logement")]
    label: String,
    /// La version sur laquelle fonder sa suppression.
    #[schema(example = 1)]
    version: i64,
}

/// Adds an axe de travail to the plan.
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/focuses",
    tag = "Plan d'action",
    summary = "Ajouter un axe de travail",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet (pas \
        archivé). Un thème par axe ; accepte une `Idempotency-Key`.",
    params(
        ("id" = Id, Path, description = "Identifiant du carnet"),
        ("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse."),
    ),
    request_body = NewFocus,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 201, description = "L'axe ajouté.", body = FocusCreated, example = json!({
            "id": "0b8e2f0e-4a53-4c8f-9a38-8d7a3c1f2b10", "theme": "logement", "label": "Logement", "version": 1
        })),
        (status = 403, description = "`forbidden` : pas membre du carnet, ou rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu ou hors de portée.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`focus_exists` : le plan a déjà un axe sur ce thème.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; champ `theme`, code `unknown_code` ; en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn create_focus(
    auth: Authenticated,
    Path(id): Path<String>,
    request: IdempotentJson<NewFocus>,
) -> Result<Response, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let db = &auth.ctx.db;
    let theme = request.body.theme.clone().unwrap_or_default();
    let Some(label) = plan::focus_label(db, &theme).await? else {
        return Err(AppError::field(
            "theme",
            "unknown_code",
            "Choisissez un axe de travail de la liste.",
        ));
    };
    request
        .write(&auth, StatusCode::CREATED, async || {
            if plan::focus_exists(db, notebook, &theme).await? {
                return Err(AppError::conflict(
                    "focus_exists",
                    "Cet axe de travail existe déjà dans le plan d'action.",
                ));
            }
            let focus = Id::new_random();
            plan::create_focus(db, focus, notebook, &theme, auth.ctx.now, auth.account_id).await?;
            trace(
                &auth,
                notebook,
                "focus_added",
                &format!("Axe de travail ajouté : {label}"),
                None,
                Some(json!({ "theme": theme })),
            )
            .await?;
            Ok(FocusCreated {
                id: focus,
                theme: theme.clone(),
                label: label.clone(),
                version: 1,
            })
        })
        .await
}

/// Whether a reference item's theme belongs to the focus on `focus_theme` (the focus's own theme
/// or one of its sub-themes): objectifs and actions stay under their own axe de travail.
async fn theme_in_focus(
    db: &carnet_store::Db,
    theme: &str,
    focus_theme: &str,
) -> Result<bool, AppError> {
    Ok(plan::theme_focus(db, theme).await?.as_deref() == Some(focus_theme))
}

/// Un nouvel objectif : du référentiel (`ref_code`) ou en texte libre (`label`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NouvelObjectif)]
pub struct NewObjectifBody {
    /// Code d'un objectif du référentiel, du thème de l'axe.
    #[schema(example = "OBJ-001")]
    ref_code: Option<String>,
    /// Libellé libre (sans `ref_code`), 300 caractères au plus.
    label: Option<String>,
    /// Contrat auquel lier l'objectif : `cer`, `ppae`, `pacea` ou `cej`.
    #[schema(example = "cer")]
    linked_to: Option<String>,
    /// L'accord du bénéficiaire, obligatoire pour un objectif lié à un contrat.
    #[serde(default)]
    beneficiary_agreement: bool,
}

/// Adds an objectif under an axe de travail.
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/focuses/{item}/objectifs",
    tag = "Plan d'action",
    summary = "Ajouter un objectif à un axe de travail",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet (pas \
        archivé). Un objectif lié à un contrat demande l'accord enregistré du bénéficiaire ; \
        accepte une `Idempotency-Key`.",
    params(
        ("id" = Id, Path, description = "Identifiant du carnet"),
        ("item" = Id, Path, description = "Identifiant de l'axe de travail"),
        ("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse."),
    ),
    request_body = NewObjectifBody,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 201, description = "L'objectif ajouté.", body = ObjectifState, example = json!({
            "id": "5f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f", "label": "Accéder à un logement",
            "status": "in_progress", "linked_to": null, "version": 1
        })),
        (status = 403, description = "`forbidden` : pas membre du carnet, ou rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet ou axe de travail inconnu.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; `ref_code` : `unknown_code`, `wrong_theme` ; `label` : `required`, `too_long`, `invalid_characters` ; `linked_to` : `unknown_code` ; `beneficiary_agreement` : `required` ; en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn create_objectif(
    auth: Authenticated,
    Path((id, focus)): Path<(String, String)>,
    request: IdempotentJson<NewObjectifBody>,
) -> Result<Response, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let focus = path_id(&focus)?;
    let db = &auth.ctx.db;
    let focus_theme = plan::focus_theme(db, focus, notebook)
        .await?
        .ok_or(AppError::NotFound)?;
    let body = &request.body;
    let mut check = Validator::new();
    let label = match (&body.ref_code, &body.label) {
        (Some(code), _) => match plan::reference(db, ThemedList::Objectifs, code).await? {
            Some(reference) => {
                if !theme_in_focus(db, &reference.theme_code, &focus_theme).await? {
                    check.error(
                        "ref_code",
                        "wrong_theme",
                        "Cet objectif n'appartient pas à cet axe de travail.",
                    );
                }
                reference.label
            }
            None => {
                check.error(
                    "ref_code",
                    "unknown_code",
                    "Objectif inconnu de la liste de référence.",
                );
                String::new()
            }
        },
        (None, label) => check.required("label", label.as_deref(), MAX_LABEL),
    };
    if let Some(contract) = &body.linked_to {
        if !CONTRACTS.contains(&contract.as_str()) {
            check.error(
                "linked_to",
                "unknown_code",
                "Contrat inconnu (cer, ppae, pacea, cej).",
            );
        } else if !body.beneficiary_agreement {
            check.error(
                "beneficiary_agreement",
                "required",
                "Un objectif lié à un contrat demande l'accord enregistré du bénéficiaire.",
            );
        }
    }
    check.finish()?;
    let objectif = Id::new_random();
    request
        .write(&auth, StatusCode::CREATED, async || {
            plan::create_objectif(
                db,
                NewObjectif {
                    id: objectif,
                    focus_id: focus,
                    notebook_id: notebook,
                    ref_code: body.ref_code.as_deref(),
                    label: &label,
                    linked_to: body.linked_to.as_deref(),
                    agreement_recorded_at: body.linked_to.as_ref().map(|_| auth.ctx.now),
                },
                auth.ctx.now,
                auth.account_id,
            )
            .await?;
            trace(
                &auth,
                notebook,
                "objectif_added",
                &format!("Objectif ajouté : {label}"),
                None,
                Some(json!({ "label": label, "linked_to": body.linked_to })),
            )
            .await?;
            Ok(ObjectifState {
                id: objectif,
                label: label.clone(),
                status: ObjectifStatus::InProgress,
                linked_to: body.linked_to.clone(),
                version: 1,
            })
        })
        .await
}

/// Une nouvelle action : du référentiel (`ref_code`) ou en texte libre (`label`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NouvelleAction)]
pub struct NewActionBody {
    /// Code d'une action du référentiel, du thème de l'axe de l'objectif.
    #[schema(example = "ACT-001")]
    ref_code: Option<String>,
    /// Libellé libre (sans `ref_code`), 300 caractères au plus.
    label: Option<String>,
    /// Début (`AAAA-MM-JJ`), obligatoire.
    #[schema(example = "2024-03-01")]
    start_date: Option<String>,
    /// Échéance (`AAAA-MM-JJ`), pas avant le début.
    #[schema(example = "2024-06-30")]
    due_date: Option<String>,
}

fn dates(
    check: &mut Validator,
    start: Option<&str>,
    due: Option<&str>,
    start_required: bool,
) -> (Option<String>, Option<String>) {
    let start_date = if start_required && start.is_none_or(|s| s.trim().is_empty()) {
        check.error(
            "start_date",
            "required",
            "La date de début est obligatoire.",
        );
        None
    } else {
        check.parsed("start_date", start, parse_date)
    };
    let due_date = check.parsed("due_date", due, parse_date);
    if let (Some(start), Some(due)) = (start_date, due_date) {
        if due < start {
            check.error(
                "due_date",
                "before_start",
                "L'échéance ne peut pas précéder le début.",
            );
        }
    }
    let format = |d: carnet_domain::NaiveDate| d.format("%Y-%m-%d").to_string();
    (start_date.map(format), due_date.map(format))
}

/// Adds an action under an objectif.
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/objectifs/{item}/actions",
    tag = "Plan d'action",
    summary = "Ajouter une action à un objectif",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet (pas \
        archivé). Accepte une `Idempotency-Key`.",
    params(
        ("id" = Id, Path, description = "Identifiant du carnet"),
        ("item" = Id, Path, description = "Identifiant de l'objectif"),
        ("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse."),
    ),
    request_body = NewActionBody,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 201, description = "L'action ajoutée.", body = ActionState, example = json!({
            "id": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", "label": "Demande de logement social",
            "status": "in_progress", "start_date": "2024-03-01", "due_date": null, "version": 1
        })),
        (status = 403, description = "`forbidden` : pas membre du carnet, ou rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet ou objectif inconnu.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; `ref_code` : `unknown_code`, `wrong_theme` ; `label` : `required`, `too_long`, `invalid_characters` ; `start_date` : `required`, `invalid`, `out_of_range` ; `due_date` : `invalid`, `out_of_range`, `before_start` ; en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn create_action(
    auth: Authenticated,
    Path((id, objectif)): Path<(String, String)>,
    request: IdempotentJson<NewActionBody>,
) -> Result<Response, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let objectif = path_id(&objectif)?;
    let db = &auth.ctx.db;
    let focus_theme = plan::objectif_focus_theme(db, objectif, notebook)
        .await?
        .ok_or(AppError::NotFound)?;
    let body = &request.body;
    let mut check = Validator::new();
    let label = match (&body.ref_code, &body.label) {
        (Some(code), _) => match plan::reference(db, ThemedList::Actions, code).await? {
            Some(reference) => {
                if !theme_in_focus(db, &reference.theme_code, &focus_theme).await? {
                    check.error(
                        "ref_code",
                        "wrong_theme",
                        "Cette action n'appartient pas à l'axe de travail de l'objectif.",
                    );
                }
                reference.label
            }
            None => {
                check.error(
                    "ref_code",
                    "unknown_code",
                    "Action inconnue de la liste de référence.",
                );
                String::new()
            }
        },
        (None, label) => check.required("label", label.as_deref(), MAX_LABEL),
    };
    let (start_date, due_date) = dates(
        &mut check,
        body.start_date.as_deref(),
        body.due_date.as_deref(),
        true,
    );
    check.finish()?;
    let start_date = start_date.unwrap_or_default();
    let action = Id::new_random();
    request
        .write(&auth, StatusCode::CREATED, async || {
            plan::create_action(
                db,
                NewAction {
                    id: action,
                    objectif_id: objectif,
                    notebook_id: notebook,
                    ref_code: body.ref_code.as_deref(),
                    label: &label,
                    start_date: &start_date,
                    due_date: due_date.as_deref(),
                },
                auth.ctx.now,
                auth.account_id,
            )
            .await?;
            trace(
                &auth,
                notebook,
                "action_added",
                &format!("Action ajoutée : {label}"),
                None,
                Some(json!({ "label": label, "start_date": start_date, "due_date": due_date })),
            )
            .await?;
            Ok(ActionState {
                id: action,
                label: label.clone(),
                status: ActionStatus::InProgress,
                start_date: start_date.clone(),
                due_date: due_date.clone(),
                version: 1,
            })
        })
        .await
}

/// Une modification d'objectif ou d'action, fondée sur sa version : les champs donnés.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ModificationElementDuPlan)]
pub struct ItemUpdate {
    /// La version de l'élément sur laquelle la modification se fonde.
    #[schema(example = 1)]
    version: Option<i64>,
    /// Nouveau statut : d'un objectif `in_progress`, `done`, `abandonned` ; d'une action aussi
    /// `canceled`, `planned`, `standby`.
    #[schema(example = "done")]
    status: Option<String>,
    /// Nouveau libellé, 300 caractères au plus.
    label: Option<String>,
    /// Action seulement : début (`AAAA-MM-JJ`).
    start_date: Option<String>,
    /// Action seulement : échéance (`AAAA-MM-JJ`).
    due_date: Option<String>,
}

/// An objectif or an action: what its edit checks and traces.
trait PlanItem: VersionedState {
    /// The statuses it may take (codes of `STATUS_LIST`).
    const STATUSES: &'static [&'static str];
    const STATUS_LIST: &'static str;
    /// « l'objectif », « l'action ».
    const NOUN: &'static str;
    const UPDATED_EVENT: &'static str;
    fn label(&self) -> &str;
    fn status(&self) -> &'static str;
}

impl PlanItem for ObjectifState {
    const STATUSES: &'static [&'static str] = OBJECTIF_STATUSES;
    const STATUS_LIST: &'static str = "target_status";
    const NOUN: &'static str = "l'objectif";
    const UPDATED_EVENT: &'static str = "objectif_updated";
    fn label(&self) -> &str {
        &self.label
    }
    fn status(&self) -> &'static str {
        self.status.as_str()
    }
}

impl PlanItem for ActionState {
    const STATUSES: &'static [&'static str] = ACTION_STATUSES;
    const STATUS_LIST: &'static str = "action_status";
    const NOUN: &'static str = "l'action";
    const UPDATED_EVENT: &'static str = "action_updated";
    fn label(&self) -> &str {
        &self.label
    }
    fn status(&self) -> &'static str {
        self.status.as_str()
    }
}

async fn status_label(auth: &Authenticated, list: &str, code: &str) -> Result<String, AppError> {
    Ok(referentiel::coded_value_label(&auth.ctx.db, list, code)
        .await?
        .unwrap_or_else(|| code.to_string()))
}

/// `PATCH /api/write/carnets/{id}/objectifs/{item}` and `…/actions/{item}`: status (one step),
/// label, dates; based on a version.
async fn update_item<T: PlanItem>(
    auth: Authenticated,
    id: String,
    item: String,
    body: ItemUpdate,
) -> Result<Json<T>, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    let item = path_id(&item)?;
    let version = version(body.version)?;
    let mut check = Validator::new();
    if let Some(status) = &body.status {
        if !T::STATUSES.contains(&status.as_str()) {
            check.error("status", "unknown_code", "Statut inconnu.");
        }
    }
    let label = check.text("label", body.label.as_deref(), MAX_LABEL);
    if body.label.is_some() && label.is_none() && check.is_ok() {
        check.error("label", "required", "Le libellé ne peut pas être vide.");
    }
    let (start_date, due_date) = if T::KIND == Versioned::Action {
        dates(
            &mut check,
            body.start_date.as_deref(),
            body.due_date.as_deref(),
            false,
        )
    } else {
        if body.start_date.is_some() || body.due_date.is_some() {
            check.error(
                "due_date",
                "not_applicable",
                "Un objectif n'a pas de dates.",
            );
        }
        (None, None)
    };
    if body.status.is_none()
        && label.is_none()
        && start_date.is_none()
        && due_date.is_none()
        && check.is_ok()
    {
        check.error("", "empty", "Rien à modifier.");
    }
    check.finish()?;
    let db = &auth.ctx.db;
    db.transaction(async || {
        let before = plan::state::<T>(db, item, notebook)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut assignments = Vec::new();
        let mut values = Vec::new();
        for (column, value) in [
            ("status", body.status.clone()),
            ("label", label),
            ("start_date", start_date),
            ("due_date", due_date),
        ] {
            if let Some(value) = value {
                values.push(value.into());
                assignments.push(format!("{column} = ${}", values.len() + 3));
            }
        }
        let assignments: Vec<&str> = assignments.iter().map(String::as_str).collect();
        updated(plan::update_state::<T>(db, item, notebook, version, &assignments, values).await?)?;
        let after = plan::state::<T>(db, item, notebook)
            .await?
            .ok_or(AppError::NotFound)?;
        let noun = T::NOUN;
        let summary = match &body.status {
            Some(new) if new != before.status() => format!(
                "Statut de {noun} « {} » : {} → {}",
                after.label(),
                status_label(&auth, T::STATUS_LIST, before.status()).await?,
                status_label(&auth, T::STATUS_LIST, new).await?
            ),
            _ => format!("Modification de {noun} « {} »", after.label()),
        };
        trace(
            &auth,
            notebook,
            T::UPDATED_EVENT,
            &summary,
            Some(serde_json::to_value(&before).map_err(AppError::internal)?),
            Some(serde_json::to_value(&after).map_err(AppError::internal)?),
        )
        .await?;
        Ok(Json(after))
    })
    .await
}

/// Changes an objectif: status, label.
#[utoipa::path(
    patch,
    path = "/api/write/carnets/{id}/objectifs/{item}",
    tag = "Plan d'action",
    summary = "Modifier un objectif",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet (pas \
        archivé). Statut et libellé, fondés sur la version de l'objectif.",
    params(
        ("id" = Id, Path, description = "Identifiant du carnet"),
        ("item" = Id, Path, description = "Identifiant de l'objectif"),
    ),
    request_body = ItemUpdate,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "L'objectif modifié, avec sa nouvelle version.", body = ObjectifState, example = json!({
            "id": "5f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f", "label": "Accéder à un logement",
            "status": "done", "linked_to": null, "version": 2
        })),
        (status = 403, description = "`forbidden` : pas membre du carnet, ou rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet ou objectif inconnu.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`stale_version` : l'objectif a changé entre-temps ; `details.current` est son état actuel.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; `version` : `required` ; `status` : `unknown_code` ; `label` : `required`, `too_long`, `invalid_characters` ; `due_date` : `not_applicable` ; `empty` : rien à modifier.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn update_objectif(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    JsonBody(body): JsonBody<ItemUpdate>,
) -> Result<Json<ObjectifState>, AppError> {
    update_item(auth, id, item, body).await
}

/// Changes an action: status, label, dates.
#[utoipa::path(
    patch,
    path = "/api/write/carnets/{id}/actions/{item}",
    tag = "Plan d'action",
    summary = "Modifier une action",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet (pas \
        archivé). Statut, libellé et dates, fondés sur la version de l'action.",
    params(
        ("id" = Id, Path, description = "Identifiant du carnet"),
        ("item" = Id, Path, description = "Identifiant de l'action"),
    ),
    request_body = ItemUpdate,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "L'action modifiée, avec sa nouvelle version.", body = ActionState, example = json!({
            "id": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", "label": "Demande de logement social",
            "status": "done", "start_date": "2024-03-01", "due_date": "2024-06-30", "version": 2
        })),
        (status = 403, description = "`forbidden` : pas membre du carnet, ou rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet ou action inconnue.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`stale_version` : l'action a changé entre-temps ; `details.current` est son état actuel.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; `version` : `required` ; `status` : `unknown_code` ; `label` : `required`, `too_long`, `invalid_characters` ; `start_date`, `due_date` : `invalid`, `out_of_range`, `before_start` ; `empty` : rien à modifier.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn update_action(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    JsonBody(body): JsonBody<ItemUpdate>,
) -> Result<Json<ActionState>, AppError> {
    update_item(auth, id, item, body).await
}

/// La version sur laquelle une suppression se fonde.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// La version actuelle de l'élément supprimé.
    #[param(example = 1)]
    version: Option<i64>,
}

/// `DELETE …/{focuses|objectifs|actions}/{item}?version=N`: `event` and `summary` trace it.
async fn delete_item<T: VersionedState>(
    auth: Authenticated,
    id: String,
    item: String,
    version_given: Option<i64>,
    event: &str,
    summary: impl Fn(Option<&T>) -> String,
) -> Result<StatusCode, AppError> {
    let (notebook, _) = writable(&auth, &id, WriteScope::NotebookContent).await?;
    let item = path_id(&item)?;
    let version = version(version_given)?;
    let db = &auth.ctx.db;
    db.transaction(async || {
        let before = plan::state::<T>(db, item, notebook).await?;
        updated(plan::delete::<T>(db, item, notebook, version).await?)?;
        let summary = summary(before.as_ref());
        let before = before
            .map(|state| serde_json::to_value(state).map_err(AppError::internal))
            .transpose()?;
        trace(&auth, notebook, event, &summary, before, None).await?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

/// Deletes an axe de travail, its objectifs and their actions.
#[utoipa::path(
    delete,
    path = "/api/write/carnets/{id}/focuses/{item}",
    tag = "Plan d'action",
    summary = "Supprimer un axe de travail",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet (pas \
        archivé). Supprime aussi ses objectifs et leurs actions ; fondé sur la version de l'axe.",
    params(
        ("id" = Id, Path, description = "Identifiant du carnet"),
        ("item" = Id, Path, description = "Identifiant de l'axe de travail"),
        VersionQuery,
    ),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 204, description = "Supprimé."),
        (status = 403, description = "`forbidden` : pas membre du carnet, ou rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet ou axe de travail inconnu.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`stale_version` : l'axe a changé entre-temps ; `details.current` est son état actuel.", body = carnet_http::openapi::ErrorBody,
            example = json!({"error": {"code": "stale_version", "message": "Cet élément a été modifié entre-temps : voici son état actuel. Rechargez puis refaites votre modification.", "details": {"current": {"id": "0b8e2f0e-4a53-4c8f-9a38-8d7a3c1f2b10", "theme_code": "logement", "version": 2}}}})),
        (status = 422, description = "`validation` ; paramètre `version` : `required`.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn delete_focus(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
) -> Result<StatusCode, AppError> {
    delete_item::<FocusState>(auth, id, item, q.version, "focus_deleted", |_| {
        "Axe de travail supprimé".to_string()
    })
    .await
}

/// Deletes an objectif and its actions.
#[utoipa::path(
    delete,
    path = "/api/write/carnets/{id}/objectifs/{item}",
    tag = "Plan d'action",
    summary = "Supprimer un objectif",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet (pas \
        archivé). Supprime aussi ses actions ; fondé sur la version de l'objectif.",
    params(
        ("id" = Id, Path, description = "Identifiant du carnet"),
        ("item" = Id, Path, description = "Identifiant de l'objectif"),
        VersionQuery,
    ),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 204, description = "Supprimé."),
        (status = 403, description = "`forbidden` : pas membre du carnet, ou rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet ou objectif inconnu.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`stale_version` : l'objectif a changé entre-temps ; `details.current` est son état actuel.", body = carnet_http::openapi::ErrorBody,
            example = json!({"error": {"code": "stale_version", "message": "Cet élément a été modifié entre-temps : voici son état actuel. Rechargez puis refaites votre modification.", "details": {"current": {"id": "5f0c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f", "label": "Accéder à un logement", "status": "done", "linked_to": null, "version": 2}}}})),
        (status = 422, description = "`validation` ; paramètre `version` : `required`.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn delete_objectif(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
) -> Result<StatusCode, AppError> {
    delete_item::<ObjectifState>(auth, id, item, q.version, "objectif_deleted", |before| {
        format!(
            "Objectif supprimé : {}",
            before.map(|b| b.label.as_str()).unwrap_or("")
        )
    })
    .await
}

/// Deletes an action.
#[utoipa::path(
    delete,
    path = "/api/write/carnets/{id}/actions/{item}",
    tag = "Plan d'action",
    summary = "Supprimer une action",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet (pas \
        archivé). Fondé sur la version de l'action.",
    params(
        ("id" = Id, Path, description = "Identifiant du carnet"),
        ("item" = Id, Path, description = "Identifiant de l'action"),
        VersionQuery,
    ),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 204, description = "Supprimée."),
        (status = 403, description = "`forbidden` : pas membre du carnet, ou rôle sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : carnet ou action inconnue.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`stale_version` : l'action a changé entre-temps ; `details.current` est son état actuel.", body = carnet_http::openapi::ErrorBody,
            example = json!({"error": {"code": "stale_version", "message": "Cet élément a été modifié entre-temps : voici son état actuel. Rechargez puis refaites votre modification.", "details": {"current": {"id": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", "label": "Demande de logement social", "status": "done", "start_date": "2024-03-01", "due_date": null, "version": 2}}}})),
        (status = 422, description = "`validation` ; paramètre `version` : `required`.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn delete_action(
    auth: Authenticated,
    Path((id, item)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
) -> Result<StatusCode, AppError> {
    delete_item::<ActionState>(auth, id, item, q.version, "action_deleted", |before| {
        format!(
            "Action supprimée : {}",
            before.map(|b| b.label.as_str()).unwrap_or("")
        )
    })
    .await
}
