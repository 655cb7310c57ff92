//! Attaching oneself to a notebook, as member or as referent (a referent names a dispositif).
//! At most one active referent per notebook: the database refuses a second one (409).

use axum::http::StatusCode;
use axum::response::Response;
use carnet_domain::roles::Role;
use carnet_domain::Id;
use carnet_http::auth::Authenticated;
use carnet_http::extract::Path;
use carnet_http::idempotency::IdempotentJson;
use carnet_http::AppError;
use carnet_store::repo::timeline::{self, NewEvent};
use carnet_store::repo::{carnets, members, orientation, structures};
use carnet_store::StoreError;

use carnet_http::openapi::ErrorBody;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Le rattachement au carnet : membre ou référent.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[schema(as = Rattachement)]
pub enum MemberType {
    Member,
    Referent,
    OrientationManager,
}

/// Se rattacher à un carnet.
#[derive(Deserialize, ToSchema)]
#[schema(as = RattachementDemande)]
pub struct AttachSelf {
    /// `member` ou `referent` (un professionnel seulement).
    #[schema(example = "referent")]
    member_type: String,
    /// Pour un référent : le dispositif d'accompagnement.
    dispositif_id: Option<String>,
}

/// Le rattachement fait.
#[derive(Serialize, ToSchema)]
#[schema(as = RattachementFait, example = json!({"member_type": "referent"}))]
pub struct Attached {
    member_type: MemberType,
}

/// `POST /api/write/carnets/{id}/members/self {"member_type": "member" | "referent", "dispositif_id"}`,
/// idempotent with an `Idempotency-Key` (a retried join answers as the first one did).
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/members/self",
    tag = "Membres et référent",
    summary = "Se rattacher à un carnet",
    description = "**Rôles** : professionnel (membre ou référent), chargé d'orientation (membre). Un \
        seul référent actif par carnet ; un référent indique le dispositif. Accepte une `Idempotency-Key`.",
    params(("id" = Id, Path, description = "Identifiant du carnet"), ("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse."),),
    request_body = AttachSelf,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 201, description = "Rattaché.", body = Attached),
        (status = 403, description = "`forbidden` : rôle ou rattachement sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu ou hors de portée.", body = ErrorBody),
        (status = 409, description = "`referent_exists` : le carnet a déjà un référent ; `already_member` : déjà membre.", body = ErrorBody),
        (status = 422, description = "`validation` : `member_type` (`invalid`), `dispositif_id` (`required`, `unknown`) ; en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = ErrorBody),
    )
)]
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
    let (notebook_id, facts) = crate::support::known_and_open(&auth, &id).await?;
    let db = &auth.ctx.db;
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
            if !structures::dispositif_is_active(db, id).await? {
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
    request
        .write(&auth, StatusCode::CREATED, async || {
            let inserted = members::add(
                db,
                auth.ctx.now,
                notebook_id,
                auth.account_id,
                structure_id,
                member_type,
            )
            .await;
            if let Err(StoreError::UniqueViolation(detail)) = &inserted {
                return Err(
                    if detail.contains("referent")
                        || member_type == "referent"
                            && !facts.active_members.contains(&auth.account_id)
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
                orientation::set_dispositif(db, notebook_id, dispositif).await?;
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
            Ok(Attached {
                member_type: match member_type {
                    "referent" => MemberType::Referent,
                    "orientation_manager" => MemberType::OrientationManager,
                    _ => MemberType::Member,
                },
            })
        })
        .await
}

/// Le professionnel à inviter.
#[derive(Deserialize, ToSchema)]
#[schema(as = Invitation)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    /// Son compte.
    account_id: String,
}

/// Le membre invité.
#[derive(Serialize, ToSchema)]
#[schema(as = MembreInvite, example = json!({"account_id": "0b9c2a4e-6a7d-4f3e-9c1b-2d3e4f5a6b7c", "member_type": "member"}))]
pub struct Invited {
    account_id: Id,
    member_type: MemberType,
}

/// `POST /api/write/carnets/{id}/members/invite {"account_id"}`: a member adds a professional
/// of the instance, who is told by email (nothing about the person in it). Idempotent with an
/// `Idempotency-Key`: a retried invitation answers as the first one did, without a second email.
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/members/invite",
    tag = "Membres et référent",
    summary = "Inviter un professionnel dans le carnet",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet. \
        L'invité est prévenu par courriel (rien sur la personne dedans). Accepte une `Idempotency-Key`.",
    params(("id" = Id, Path, description = "Identifiant du carnet"), ("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse."),),
    request_body = Invite,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 201, description = "Invité.", body = Invited),
        (status = 403, description = "`forbidden` : rôle ou rattachement sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu ou hors de portée.", body = ErrorBody),
        (status = 409, description = "`already_member` : déjà membre.", body = ErrorBody),
        (status = 422, description = "`validation` : `account_id` (`unknown`, `not_professional`…) ; en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = ErrorBody),
    )
)]
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
    let db = &auth.ctx.db;
    let (invited, structure) =
        crate::support::professional_structure(&auth, "account_id", &body.account_id, None).await?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    if facts.active_members.contains(&invited) {
        return Err(AppError::conflict(
            "already_member",
            "Cette personne est déjà membre du carnet.",
        ));
    }
    let email = members::email_of(db, invited).await?;
    request
        .write(&auth, StatusCode::CREATED, async || {
            members::add(
                db,
                auth.ctx.now,
                notebook,
                invited,
                Some(structure),
                "member",
            )
            .await?;
            carnets::refresh_member_keys(db, notebook).await?;
            members::record_invitation(db, auth.ctx.now, notebook, invited, auth.account_id)
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
            Ok(Invited {
                account_id: invited,
                member_type: MemberType::Member,
            })
        })
        .await
}

/// Le départ fait.
#[derive(Serialize, ToSchema)]
#[schema(as = DepartDuCarnet, example = json!({"left": true}))]
pub struct Left {
    left: bool,
}

/// `POST /api/write/carnets/{id}/members/leave`: a member leaves; the referent cannot simply
/// leave (the referent is changed first).
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/members/leave",
    tag = "Membres et référent",
    summary = "Quitter le carnet",
    description = "**Rôles** : un membre du carnet. Le référent ne peut pas partir : il est d'abord remplacé.",
    params(("id" = Id, Path, description = "Identifiant du carnet")),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Parti.", body = Left),
        (status = 403, description = "`forbidden` : rôle ou rattachement sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu ou hors de portée.", body = ErrorBody),
        (status = 409, description = "`referent_cannot_leave` : le référent doit d'abord être remplacé.", body = ErrorBody),
    )
)]
pub async fn leave(
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<axum::Json<Left>, AppError> {
    let (notebook, _) = crate::support::writable(
        &auth,
        &id,
        carnet_domain::access::WriteScope::NotebookContent,
    )
    .await?;
    let db = &auth.ctx.db;
    let member_type = members::active_member_type(db, notebook, auth.account_id).await?;
    if member_type == "referent" {
        return Err(AppError::conflict(
            "referent_cannot_leave",
            "Le référent ne peut pas quitter le carnet : désignez d'abord un autre référent.",
        ));
    }
    db.transaction(async || {
        if !members::leave(db, auth.ctx.now, notebook, auth.account_id).await? {
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
        Ok(axum::Json(Left { left: true }))
    })
    .await
}

/// Le nouveau référent.
#[derive(Deserialize, ToSchema)]
#[schema(as = ChangementDeReferent)]
#[serde(deny_unknown_fields)]
pub struct ChangeReferent {
    /// Le compte du professionnel.
    account_id: String,
    /// La structure où il a été choisi (il peut travailler dans plusieurs).
    structure_id: Option<String>,
    /// Le dispositif d'accompagnement.
    dispositif_id: Option<String>,
}

/// Le référent du carnet.
#[derive(Serialize, ToSchema)]
#[schema(as = ReferentChange, example = json!({"referent": "0b9c2a4e-6a7d-4f3e-9c1b-2d3e4f5a6b7c"}))]
pub struct ReferentChanged {
    referent: Id,
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
    members::demote_referent(db, notebook).await?;
    let promoted = members::promote_to_referent(db, notebook, referent, structure).await;
    let inserted = match promoted {
        Ok(false) => members::add(db, now, notebook, referent, Some(structure), "referent").await,
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
    if structures::dispositif_is_active(db, id).await? {
        Ok(id)
    } else {
        Err(unknown())
    }
}

/// `POST /api/write/carnets/{id}/referent {"account_id", "dispositif_id"}`: a member, or the
/// admin of the new referent's structure, changes the referent; the former one stays a member.
/// Idempotent with an `Idempotency-Key` (a retry does not record a second change).
#[utoipa::path(
    post,
    path = "/api/write/carnets/{id}/referent",
    tag = "Membres et référent",
    summary = "Changer de référent",
    description = "**Rôles** : les professionnels et chargés d'orientation membres du carnet ; \
        l'administrateur de la structure du nouveau référent. L'ancien référent reste membre. \
        Accepte une `Idempotency-Key`.",
    params(("id" = Id, Path, description = "Identifiant du carnet"), ("Idempotency-Key" = Option<String>, Header, description = "Clé d'idempotence : une même demande répétée avec elle reçoit la même réponse."),),
    request_body = ChangeReferent,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Le nouveau référent.", body = ReferentChanged),
        (status = 403, description = "`forbidden` : rôle ou rattachement sans ce droit ; `archived` : carnet archivé ; `cross_origin`, `cgu_required`.", body = ErrorBody),
        (status = 404, description = "`not_found` : carnet inconnu ou hors de portée.", body = ErrorBody),
        (status = 409, description = "`referent_exists` : un autre référent vient d'être nommé.", body = ErrorBody),
        (status = 422, description = "`validation` : `account_id`, `structure_id`, `dispositif_id` (`required`, `unknown`…) ; en-tête `Idempotency-Key` : `invalid`, `key_reused`.", body = ErrorBody),
    )
)]
pub async fn change_referent(
    auth: Authenticated,
    Path(id): Path<String>,
    request: IdempotentJson<ChangeReferent>,
) -> Result<Response, AppError> {
    let body = &request.body;
    let (notebook, facts) = crate::support::known(&auth, &id).await?;
    let db = &auth.ctx.db;
    let (referent, structure) = crate::support::professional_structure(
        &auth,
        "account_id",
        &body.account_id,
        body.structure_id.as_deref(),
    )
    .await?;
    let scope = if auth.assignment.role == Role::StructureAdmin {
        carnet_domain::access::WriteScope::Referent(structure)
    } else {
        carnet_domain::access::WriteScope::NotebookContent
    };
    crate::support::may_write(&auth, &facts, scope)?;
    let dispositif = dispositif(db, "dispositif_id", body.dispositif_id.as_deref()).await?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    request.write(&auth, StatusCode::OK, async || {
        set_referent(db, auth.ctx.now, notebook, referent, structure).await?;
        orientation::set_dispositif(db, notebook, dispositif).await?;
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
        Ok(ReferentChanged { referent })
    }).await
}
