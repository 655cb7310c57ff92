//! Attaching oneself to a notebook, as member or as referent (a referent names a dispositif).
//! At most one active referent per notebook: the database refuses a second one (409).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use carnet_domain::roles::Role;
use carnet_domain::Id;
use carnet_http::auth::Authenticated;
use carnet_http::routing::JsonBody;
use carnet_http::AppError;
use carnet_store::repo::carnets;
use carnet_store::repo::timeline::{self, NewEvent};
use carnet_store::{params, StoreError};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub struct AttachSelf {
    member_type: String,
    dispositif_id: Option<String>,
}

/// `POST /api/write/carnets/{id}/members/self {"member_type": "member" | "referent", "dispositif_id"}`.
pub async fn attach_self(
    auth: Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AttachSelf>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let structure_id =
        match (auth.assignment.role, auth.assignment.scope.structure_id()) {
            (Role::Professional, Some(structure)) => Some(structure),
            (Role::OrientationManager, _) => None,
            _ => return Err(AppError::forbidden(
                "forbidden",
                "Seuls les professionnels et les chargés d'orientation se rattachent à un carnet.",
            )),
        };
    let notebook_id = Id::parse(&id).map_err(|_| AppError::NotFound)?;
    let db = &auth.ctx.db;
    let facts = carnets::facts(db, notebook_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if facts.archived {
        return Err(AppError::forbidden(
            "archived",
            "Ce carnet est archivé : il ne peut plus être modifié.",
        ));
    }
    let member_type = match (body.member_type.as_str(), auth.assignment.role) {
        ("member", Role::Professional) => "member",
        ("member", Role::OrientationManager) => "orientation_manager",
        ("referent", Role::Professional) => "referent",
        _ => {
            return Err(AppError::field(
                "member_type",
                "invalid",
                "Type de rattachement impossible pour votre rôle.",
            ))
        }
    };
    let dispositif = match (member_type, body.dispositif_id.as_deref()) {
        ("referent", Some(id)) => {
            let id = Id::parse(id)
                .map_err(|_| AppError::field("dispositif_id", "unknown", "Dispositif inconnu."))?;
            let known = db
                .query_opt(
                    "SELECT id FROM dispositifs WHERE id = $1 AND retired_at IS NULL",
                    params![id],
                )
                .await?
                .is_some();
            if !known {
                return Err(AppError::field(
                    "dispositif_id",
                    "unknown",
                    "Dispositif inconnu.",
                ));
            }
            Some(id)
        }
        ("referent", None) => {
            return Err(AppError::field(
                "dispositif_id",
                "required",
                "Un référent indique le dispositif d'accompagnement.",
            ))
        }
        _ => None,
    };
    db.begin().await?;
    let inserted = db
        .execute(
            "INSERT INTO notebook_members (id, notebook_id, account_id, structure_id, member_type, active, joined_at) VALUES ($1, $2, $3, $4, $5, TRUE, $6)",
            params![Id::new_random(), notebook_id, auth.account_id, structure_id, member_type, auth.ctx.now],
        )
        .await;
    if let Err(StoreError::UniqueViolation(detail)) = &inserted {
        db.rollback().await?;
        return Err(
            if detail.contains("referent")
                || member_type == "referent" && !facts.active_members.contains(&auth.account_id)
            {
                AppError::conflict("referent_exists", "Ce carnet a déjà un référent.")
            } else {
                AppError::conflict("already_member", "Vous êtes déjà membre de ce carnet.")
            },
        );
    }
    inserted?;
    if let Some(dispositif) = dispositif {
        db.execute(
            "UPDATE notebooks SET dispositif_id = $2, version = version + 1 WHERE id = $1",
            params![notebook_id, dispositif],
        )
        .await?;
    }
    let summary = if member_type == "referent" {
        "Nouveau référent"
    } else {
        "Nouveau membre"
    };
    timeline::record(
        db,
        auth.ctx.now,
        NewEvent {
            notebook_id,
            actor_account_id: Some(auth.account_id),
            event_type: "member_joined",
            summary,
            before: None,
            after: Some(json!({ "member_type": member_type })),
        },
    )
    .await?;
    auth.audit(
        "member_joined",
        "notebook",
        notebook_id,
        Some(json!({ "member_type": member_type })),
    )
    .await?;
    db.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "member_type": member_type })),
    ))
}
