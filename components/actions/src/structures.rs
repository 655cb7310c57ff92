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
use carnet_http::validate::Validator;
use carnet_http::AppError;
use carnet_store::repo::structures::{self, StructureChanges};
use serde::Deserialize;
use serde_json::{json, Value};

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StructureUpdate {
    siret: Option<String>,
    address: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    sensitive: Option<bool>,
}

/// `PATCH /api/write/structures/{id}`: the fields given are replaced.
pub async fn update(
    auth: Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<StructureUpdate>,
) -> Result<Json<Value>, AppError> {
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
        Ok(Json(json!({ "id": id.to_string() })))
    })
    .await
}

#[derive(Deserialize)]
pub struct NewDispositif {
    name: Option<String>,
    orientation_type: Option<String>,
}

/// `POST /api/write/dispositifs {"name", "orientation_type"}`, idempotent with an
/// `Idempotency-Key`.
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
            Ok(json!({ "id": id.to_string(), "name": name, "orientation_type": kind }))
        })
        .await
}
