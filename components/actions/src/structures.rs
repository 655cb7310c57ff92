//! Managers manage structures (details, the "sensitive" flag) and dispositifs.

use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use carnet_domain::access::{may_manage_structures, Actor};
use carnet_domain::{Email, Id};
use carnet_http::auth::Authenticated;
use carnet_http::extract::JsonBody;
use carnet_http::extract::Path;
use carnet_http::idempotency::IdempotentJson;
use carnet_http::openapi::ErrorBody;
use carnet_http::validate::Validator;
use carnet_http::AppError;
use carnet_store::repo::structures::{self, StructureChanges};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

fn require_manager(auth: &Authenticated) -> Result<(), AppError> {
    let actor = Actor {
        account_id: auth.account_id,
        assignment: auth.assignment,
    };
    if may_manage_structures(&actor) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "forbidden",
            "Seuls les gestionnaires du département gèrent les structures et les dispositifs.",
        ))
    }
}

/// Les coordonnées d'une structure à remplacer (seuls les champs donnés changent).
#[derive(Deserialize, ToSchema)]
#[schema(as = ModificationStructure)]
#[serde(deny_unknown_fields)]
pub struct StructureUpdate {
    /// 14 chiffres.
    #[schema(example = "13002526500013")]
    siret: Option<String>,
    address: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    /// Son nom révèle la santé, la justice ou la religion : masqué à qui n'accompagne pas la personne.
    sensitive: Option<bool>,
}

/// La structure modifiée.
#[derive(Serialize, ToSchema)]
#[schema(as = StructureModifiee, example = json!({"id": "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"}))]
pub struct StructureUpdated {
    id: Id,
}

/// `PATCH /api/write/structures/{id}`: the fields given are replaced.
#[utoipa::path(
    patch,
    path = "/api/write/structures/{id}",
    tag = "Structures et dispositifs",
    summary = "Modifier les coordonnées d'une structure",
    description = "**Rôles** : gestionnaire du département. Les champs donnés remplacent les anciens ; \
        le drapeau `sensitive` est journalisé.",
    params(("id" = Id, Path, description = "Identifiant de la structure")),
    request_body = StructureUpdate,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "La structure modifiée.", body = StructureUpdated),
        (status = 403, description = "`forbidden` : réservé aux gestionnaires ; `cross_origin`, `cgu_required`.", body = ErrorBody),
        (status = 404, description = "`not_found` : structure inconnue.", body = ErrorBody),
        (status = 422, description = "`validation` : `siret` (`invalid`), `email` (`invalid_email`), `phone` (`invalid_phone`), textes trop longs (`too_long`).", body = ErrorBody),
    )
)]
pub async fn update(
    auth: Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<StructureUpdate>,
) -> Result<Json<StructureUpdated>, AppError> {
    require_manager(&auth)?;
    let id = Id::parse(&id).map_err(|_| AppError::NotFound)?;
    let mut check = Validator::new();
    let siret = check.text("siret", body.siret.as_deref(), 14);
    if let Some(siret) = &siret {
        if siret.len() != 14 || !siret.chars().all(|c| c.is_ascii_digit()) {
            check.error("siret", "invalid", "Le SIRET compte 14 chiffres.");
        }
    }
    let email = check.parsed("email", body.email.as_deref(), Email::parse);
    let phone = check.parsed("phone", body.phone.as_deref(), carnet_domain::parse_phone);
    let address = check.text("address", body.address.as_deref(), 200);
    let postal_code = check.text("postal_code", body.postal_code.as_deref(), 5);
    let city = check.text("city", body.city.as_deref(), 100);
    check.finish()?;
    let db = &auth.ctx.db;
    db.transaction(async || {
        let changes = StructureChanges {
            siret,
            address,
            postal_code,
            city,
            phone,
            email: email.map(|e| e.as_str().to_string()),
            sensitive: body.sensitive,
        };
        if !structures::update(db, id, changes).await? {
            return Err(AppError::NotFound);
        }
        auth.audit(
            "structure_updated",
            "structure",
            id,
            body.sensitive.map(|s| json!({ "sensitive": s })),
        )
        .await?;
        Ok(Json(StructureUpdated { id }))
    })
    .await
}

/// Un nouveau dispositif d'accompagnement.
#[derive(Deserialize, ToSchema)]
#[schema(as = NouveauDispositif)]
pub struct NewDispositif {
    #[schema(example = "Accompagnement global")]
    name: Option<String>,
    /// `social`, `pro`, `sociopro` ou `autre`.
    #[schema(example = "sociopro")]
    orientation_type: Option<String>,
}

/// `POST /api/write/dispositifs {"name", "orientation_type"}`, idempotent with an
/// `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/api/write/dispositifs",
    tag = "Structures et dispositifs",
    summary = "Créer un dispositif d'accompagnement",
    description = "**Rôles** : gestionnaire du département. Accepte une `Idempotency-Key`.",
    params(("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse.")),
    request_body = NewDispositif,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 201, description = "Le dispositif créé.", body = carnet_store::repo::directory::Dispositif),
        (status = 403, description = "`forbidden` : réservé aux gestionnaires ; `cross_origin`, `cgu_required`.", body = ErrorBody),
        (status = 409, description = "`already_exists` : un dispositif porte déjà ce nom.", body = ErrorBody),
        (status = 422, description = "`validation` : `name` (`required`, `too_long`), `orientation_type` (`unknown_code`) ; en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = ErrorBody),
    )
)]
pub async fn create_dispositif(
    auth: Authenticated,
    request: IdempotentJson<NewDispositif>,
) -> Result<Response, AppError> {
    require_manager(&auth)?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let body = &request.body;
    let mut check = Validator::new();
    let name = check.required("name", body.name.as_deref(), 100);
    let kind = body.orientation_type.clone().unwrap_or_default();
    if !matches!(kind.as_str(), "social" | "pro" | "sociopro" | "autre") {
        check.error(
            "orientation_type",
            "unknown_code",
            "Type d'orientation inconnu (social, pro, sociopro, autre).",
        );
    }
    check.finish()?;
    let db = &auth.ctx.db;
    request
        .write(&auth, StatusCode::CREATED, async || {
            let id = structures::create_dispositif(db, auth.ctx.now, &name, &kind).await?;
            auth.audit("dispositif_created", "dispositif", id, None)
                .await?;
            Ok(carnet_store::repo::directory::Dispositif {
                id,
                name: name.clone(),
                orientation_type: kind.clone(),
            })
        })
        .await
}
