//! Attaching oneself to a notebook, as member or as referent (a referent names a dispositif).
//! At most one active referent per notebook: the database refuses a second one (409).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use carnet_domain::roles::Role;
use carnet_domain::Id;
use carnet_http::auth::Authenticated;
use carnet_http::idempotency::IdempotentJson;
use carnet_http::AppError;
use carnet_store::repo::carnets;
use carnet_store::repo::timeline::{self, NewEvent};
use carnet_store::{params, StoreError};

use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct AttachSelf {
    member_type: String,
    dispositif_id: Option<String>,
}

/// `POST /api/write/carnets/{id}/members/self {"member_type": "member" | "referent", "dispositif_id"}`,
/// idempotent with an `Idempotency-Key` (a retried join answers as the first one did).
pub async fn attach_self(
    auth: Authenticated,
    Path(id): Path<String>,
    request: IdempotentJson<AttachSelf>,
) -> Result<Response, AppError> {
    let body = &request.body;
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
    let actor = crate::support::actor(&auth);
    if carnet_domain::access::notebook_read(&actor, &facts)
        == carnet_domain::access::ReadAccess::Hidden
    {
        return Err(AppError::NotFound);
    }
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
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
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
    carnets::refresh_member_keys(db, notebook_id).await?;
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
    request
        .commit(
            &auth,
            StatusCode::CREATED,
            json!({ "member_type": member_type }),
        )
        .await
}

/// An account's active professional role: its structure.
async fn professional_structure(
    db: &carnet_store::Db,
    account: Id,
) -> Result<Option<Id>, AppError> {
    Ok(db
        .query_opt(
            "SELECT r.structure_id FROM role_assignments r JOIN accounts a ON a.id = r.account_id \
             WHERE r.account_id = $1 AND r.role = 'professional' AND r.revoked_at IS NULL AND a.disabled_at IS NULL ORDER BY r.created_at",
            params![account],
        )
        .await?
        .map(|r| r.get::<Option<Id>>("structure_id"))
        .transpose()?
        .flatten())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    account_id: String,
}

/// `POST /api/write/carnets/{id}/members/invite {"account_id"}`: a member adds a professional
/// of the instance, who is told by email (nothing about the person in it). Idempotent with an
/// `Idempotency-Key`: a retried invitation answers as the first one did, without a second email.
pub async fn invite(
    auth: Authenticated,
    Path(id): Path<String>,
    request: IdempotentJson<Invite>,
) -> Result<Response, AppError> {
    let body = &request.body;
    let (notebook, facts) = crate::support::writable(
        &auth,
        &id,
        carnet_domain::access::WriteScope::NotebookContent,
    )
    .await?;
    let invited = Id::parse(&body.account_id)
        .map_err(|_| AppError::field("account_id", "unknown", "Professionnel inconnu."))?;
    let db = &auth.ctx.db;
    let Some(structure) = professional_structure(db, invited).await? else {
        return Err(AppError::field(
            "account_id",
            "unknown",
            "Professionnel inconnu.",
        ));
    };
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    if facts.active_members.contains(&invited) {
        return Err(AppError::conflict(
            "already_member",
            "Cette personne est déjà membre du carnet.",
        ));
    }
    let email: String = db
        .query_one("SELECT email FROM accounts WHERE id = $1", params![invited])
        .await?
        .get("email")?;
    db.begin().await?;
    db.execute(
        "INSERT INTO notebook_members (id, notebook_id, account_id, structure_id, member_type, active, joined_at) VALUES ($1, $2, $3, $4, 'member', TRUE, $5)",
        params![Id::new_random(), notebook, invited, structure, auth.ctx.now],
    )
    .await?;
    carnets::refresh_member_keys(db, notebook).await?;
    db.execute(
        "INSERT INTO notebook_invitations (id, notebook_id, account_id, invited_by, created_at) VALUES ($1, $2, $3, $4, $5)",
        params![Id::new_random(), notebook, invited, auth.account_id, auth.ctx.now],
    )
    .await?;
    let link = format!("{}/carnets/{notebook}", auth.ctx.config.public_url);
    carnet_store::repo::outbox::enqueue_content(
        db,
        auth.ctx.now,
        &email,
        &carnet_domain::emails::invited_to_notebook(&link),
    )
    .await?;
    crate::support::trace(
        &auth,
        notebook,
        "member_invited",
        "Nouveau membre invité",
        None,
        Some(json!({ "account_id": invited.to_string() })),
    )
    .await?;
    request
        .commit(
            &auth,
            StatusCode::CREATED,
            json!({ "account_id": invited.to_string(), "member_type": "member" }),
        )
        .await
}

/// `POST /api/write/carnets/{id}/members/leave`: a member leaves; the referent cannot simply
/// leave (the referent is changed first).
pub async fn leave(
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<axum::Json<serde_json::Value>, AppError> {
    let (notebook, _) = crate::support::writable(
        &auth,
        &id,
        carnet_domain::access::WriteScope::NotebookContent,
    )
    .await?;
    let db = &auth.ctx.db;
    let member_type: String = db
        .query_one("SELECT member_type FROM notebook_members WHERE notebook_id = $1 AND account_id = $2 AND active = TRUE", params![notebook, auth.account_id])
        .await?
        .get("member_type")?;
    if member_type == "referent" {
        return Err(AppError::conflict(
            "referent_cannot_leave",
            "Le référent ne peut pas quitter le carnet : désignez d'abord un autre référent.",
        ));
    }
    db.begin().await?;
    let left = db
        .execute(
            "UPDATE notebook_members SET active = FALSE, left_at = $3 WHERE notebook_id = $1 AND account_id = $2 AND active = TRUE AND member_type <> 'referent'",
            params![notebook, auth.account_id, auth.ctx.now],
        )
        .await?;
    if left == 0 {
        db.rollback().await?;
        return Err(AppError::conflict(
            "referent_cannot_leave",
            "Le référent ne peut pas quitter le carnet : désignez d'abord un autre référent.",
        ));
    }
    crate::support::trace(
        &auth,
        notebook,
        "member_left",
        "Un membre a quitté le carnet",
        Some(json!({ "member_type": member_type })),
        None,
    )
    .await?;
    db.commit().await?;
    Ok(axum::Json(json!({ "left": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeReferent {
    account_id: String,
    dispositif_id: Option<String>,
}

/// Makes `referent` the notebook's referent (the former one stays a member), in the caller's
/// transaction. A concurrent change is refused by the one-referent index (409).
pub async fn set_referent(
    db: &carnet_store::Db,
    now: carnet_domain::Instant,
    notebook: Id,
    referent: Id,
    structure: Id,
) -> Result<(), AppError> {
    db.execute(
        "UPDATE notebook_members SET member_type = 'member' WHERE notebook_id = $1 AND member_type = 'referent' AND active = TRUE",
        params![notebook],
    )
    .await?;
    let promoted = db
        .execute(
            "UPDATE notebook_members SET member_type = 'referent', structure_id = $3 WHERE notebook_id = $1 AND account_id = $2 AND active = TRUE",
            params![notebook, referent, structure],
        )
        .await;
    let inserted = match promoted {
        Ok(0) => db
            .execute(
                "INSERT INTO notebook_members (id, notebook_id, account_id, structure_id, member_type, active, joined_at) VALUES ($1, $2, $3, $4, 'referent', TRUE, $5)",
                params![Id::new_random(), notebook, referent, structure, now],
            )
            .await
            .map(|_| ()),
        other => other.map(|_| ()),
    };
    match inserted {
        Err(StoreError::UniqueViolation(_)) => Err(AppError::conflict(
            "referent_exists",
            "Ce carnet vient de recevoir un autre référent : rechargez.",
        )),
        Err(other) => Err(AppError::from(other)),
        Ok(()) => Ok(carnets::refresh_member_keys(db, notebook).await?),
    }
}

/// Checks a dispositif id.
pub async fn dispositif(
    db: &carnet_store::Db,
    field: &str,
    id: Option<&str>,
) -> Result<Id, AppError> {
    let unknown = || AppError::field(field, "unknown", "Dispositif inconnu.");
    let id = Id::parse(id.ok_or_else(|| {
        AppError::field(
            field,
            "required",
            "Indiquez le dispositif d'accompagnement.",
        )
    })?)
    .map_err(|_| unknown())?;
    db.query_opt(
        "SELECT id FROM dispositifs WHERE id = $1 AND retired_at IS NULL",
        params![id],
    )
    .await?
    .ok_or_else(unknown)?;
    Ok(id)
}

/// `POST /api/write/carnets/{id}/referent {"account_id", "dispositif_id"}`: a member, or the
/// admin of the new referent's structure, changes the referent; the former one stays a member.
/// Idempotent with an `Idempotency-Key` (a retry does not record a second change).
pub async fn change_referent(
    auth: Authenticated,
    Path(id): Path<String>,
    request: IdempotentJson<ChangeReferent>,
) -> Result<Response, AppError> {
    let body = &request.body;
    let referent = Id::parse(&body.account_id)
        .map_err(|_| AppError::field("account_id", "unknown", "Professionnel inconnu."))?;
    let db = &auth.ctx.db;
    let Some(structure) = professional_structure(db, referent).await? else {
        return Err(AppError::field(
            "account_id",
            "unknown",
            "Professionnel inconnu.",
        ));
    };
    let scope = if auth.assignment.role == Role::StructureAdmin {
        carnet_domain::access::WriteScope::Referent(structure)
    } else {
        carnet_domain::access::WriteScope::NotebookContent
    };
    let (notebook, _) = crate::support::writable(&auth, &id, scope).await?;
    let dispositif = dispositif(db, "dispositif_id", body.dispositif_id.as_deref()).await?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    db.begin().await?;
    set_referent(db, auth.ctx.now, notebook, referent, structure).await?;
    db.execute(
        "UPDATE notebooks SET dispositif_id = $2, version = version + 1 WHERE id = $1",
        params![notebook, dispositif],
    )
    .await?;
    crate::support::trace(
        &auth,
        notebook,
        "referent_changed",
        "Changement de référent",
        None,
        Some(
            json!({ "account_id": referent.to_string(), "dispositif_id": dispositif.to_string() }),
        ),
    )
    .await?;
    request
        .commit(
            &auth,
            StatusCode::OK,
            json!({ "referent": referent.to_string() }),
        )
        .await
}
