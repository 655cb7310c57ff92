//! Accounts and roles, under the grant matrix of `carnet_domain::roles` (one policy per
//! capability: `may_grant`, `may_disable`, `may_create_structures`). Nobody acts on their own
//! account here, and nobody changes another person's sign-in email (there is no such endpoint).

use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use carnet_domain::roles::{
    may_create_structures, may_disable, may_grant, may_grant_to, may_set_work_contact_of,
    Assignment, Role, Scope,
};
use carnet_domain::Id;
use carnet_http::auth::Authenticated;
use carnet_http::error::email_field;
use carnet_http::extract::Path;
use carnet_http::idempotency::IdempotentJson;
use carnet_http::validate::Validator;
use carnet_http::{AppError, FieldError};
use carnet_store::repo::{accounts, sessions};
use carnet_store::StoreError;
use serde::Deserialize;
use serde_json::{json, Value};

const MAX_NAME: usize = 100;

fn refused() -> AppError {
    AppError::forbidden(
        "grant_refused",
        "Votre rôle ne vous permet pas d'accorder ou de retirer ce rôle.",
    )
}

fn name_field(field: &str, value: &str, errors: &mut Vec<FieldError>) -> String {
    let mut check = Validator::new();
    let name = check.required(field, Some(value), MAX_NAME);
    errors.extend(check.into_errors());
    name
}

#[derive(Deserialize)]
pub struct NewStructure {
    name: String,
}

/// `POST /api/auth/structures {"name": …}` (managers), idempotent with an `Idempotency-Key`.
pub async fn create_structure(
    auth: Authenticated,
    request: IdempotentJson<NewStructure>,
) -> Result<Response, AppError> {
    if !may_create_structures(&auth.assignment) {
        return Err(AppError::forbidden(
            "forbidden",
            "Seuls les gestionnaires du département créent des structures.",
        ));
    }
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let mut errors = Vec::new();
    let name = name_field("name", &request.body.name, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let db = &auth.ctx.db;
    request
        .write(&auth, StatusCode::CREATED, async || {
            let id = accounts::create_structure(db, &name, auth.ctx.now).await?;
            auth.audit("structure_created", "structure", id, None)
                .await?;
            Ok(json!({ "id": id.to_string(), "name": name }))
        })
        .await
}

#[derive(Deserialize)]
pub struct RoleRequest {
    role: String,
    structure_id: Option<String>,
}

/// Validates a requested role and its scope; the structure must exist.
async fn requested_assignment(
    auth: &Authenticated,
    request: &RoleRequest,
    errors: &mut Vec<FieldError>,
) -> Result<Option<Assignment>, AppError> {
    let Ok(role) = Role::parse(&request.role) else {
        errors.push(FieldError::new("role", "invalid_role", "Rôle inconnu."));
        return Ok(None);
    };
    let scope = match role {
        Role::StructureAdmin | Role::Professional => {
            let Some(id) = request
                .structure_id
                .as_deref()
                .and_then(|id| Id::parse(id).ok())
            else {
                errors.push(FieldError::new(
                    "structure_id",
                    "required",
                    "Choisissez la structure.",
                ));
                return Ok(None);
            };
            if !accounts::structure_exists(&auth.ctx.db, id).await? {
                errors.push(FieldError::new(
                    "structure_id",
                    "unknown_structure",
                    "Cette structure n'existe pas.",
                ));
                return Ok(None);
            }
            Scope::Structure(id)
        }
        Role::Beneficiary => {
            errors.push(FieldError::new(
                "role",
                "invalid_role",
                "Les comptes des bénéficiaires s'ouvrent depuis leur carnet.",
            ));
            return Ok(None);
        }
        _ => Scope::Instance,
    };
    match Assignment::new(role, scope) {
        Ok(assignment) => Ok(Some(assignment)),
        Err(error) => {
            errors.push(FieldError::new("role", "invalid_scope", error.to_string()));
            Ok(None)
        }
    }
}

#[derive(Deserialize)]
pub struct NewAccount {
    email: String,
    first_name: String,
    last_name: String,
    #[serde(flatten)]
    role: RoleRequest,
}

/// `POST /api/auth/accounts`: a new account with its first role, under the grant matrix; the
/// person is told by email. Idempotent with an `Idempotency-Key`: a retry answers as the first
/// request did (not "account exists"), without a second email.
pub async fn create_account(
    auth: Authenticated,
    request: IdempotentJson<NewAccount>,
) -> Result<Response, AppError> {
    let body = &request.body;
    let mut errors = Vec::new();
    let email = email_field("email", &body.email)
        .map_err(|error| errors.push(error))
        .ok();
    let first_name = name_field("first_name", &body.first_name, &mut errors);
    let last_name = name_field("last_name", &body.last_name, &mut errors);
    let assignment = requested_assignment(&auth, &body.role, &mut errors).await?;
    let (Some(email), Some(assignment), true) = (email, assignment, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    if !may_grant(&auth.assignment, &assignment) {
        return Err(refused());
    }
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let db = &auth.ctx.db;
    request
        .write(&auth, StatusCode::CREATED, async || {
            if let Some(existing) = accounts::find_by_email(db, &email).await? {
                return Err(AppError::Conflict {
                    code: "account_exists",
                    message: "Un compte existe déjà avec cette adresse : ajoutez-lui un rôle."
                        .into(),
                    details: Some(json!({ "account_id": existing.id.to_string() })),
                });
            }
            let account_id = accounts::create(
                db,
                auth.ctx.now,
                accounts::NewAccount {
                    email: &email,
                    first_name: &first_name,
                    last_name: &last_name,
                    created_by: Some(auth.account_id),
                },
            )
            .await?;
            let role_id = accounts::grant(
                db,
                account_id,
                &assignment,
                auth.ctx.now,
                Some(auth.account_id),
            )
            .await?;
            let sign_in_page = format!("{}/connexion", auth.ctx.config.public_url);
            crate::emails::account_created(
                db,
                auth.ctx.now,
                email.as_str(),
                &sign_in_page,
                &auth.ctx.config.department_name,
            )
            .await?;
            auth.audit("account_created", "account", account_id, None)
                .await?;
            auth.audit(
                "role_granted",
                "account",
                account_id,
                Some(json!({ "role": assignment.role.code(), "role_id": role_id.to_string() })),
            )
            .await?;
            Ok(json!({ "id": account_id.to_string(), "role_id": role_id.to_string() }))
        })
        .await
}

/// The target account, never oneself.
async fn other_account(auth: &Authenticated, id: &str) -> Result<accounts::Account, AppError> {
    let id = Id::parse(id).map_err(|_| AppError::NotFound)?;
    if id == auth.account_id {
        return Err(AppError::forbidden(
            "own_account",
            "Vous ne pouvez pas modifier vos propres rôles ou votre propre compte ici.",
        ));
    }
    accounts::find(&auth.ctx.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Another person's account and the roles it holds now (for the policies that need them all).
async fn other_account_and_roles(
    auth: &Authenticated,
    id: &str,
) -> Result<(accounts::Account, Vec<Assignment>), AppError> {
    let account = other_account(auth, id).await?;
    let held = accounts::active_roles(&auth.ctx.db, account.id)
        .await?
        .into_iter()
        .map(|h| h.assignment)
        .collect();
    Ok((account, held))
}

/// `POST /api/auth/accounts/{id}/roles {"role": …, "structure_id": …}`, idempotent with an
/// `Idempotency-Key` (a retry answers as the first grant did, not "already has this role").
pub async fn grant_role(
    auth: Authenticated,
    Path(id): Path<String>,
    request: IdempotentJson<RoleRequest>,
) -> Result<Response, AppError> {
    let (account, held) = other_account_and_roles(&auth, &id).await?;
    let mut errors = Vec::new();
    let assignment = requested_assignment(&auth, &request.body, &mut errors).await?;
    let Some(assignment) = assignment else {
        return Err(AppError::Validation(errors));
    };
    if !may_grant(&auth.assignment, &assignment) {
        return Err(refused());
    }
    if !may_grant_to(&auth.assignment, &assignment, &held) {
        return Err(AppError::forbidden(
            "account_out_of_reach",
            "Ce compte ne peut pas recevoir ce rôle de votre part : c'est celui d'une personne accompagnée, ou il a un rôle que vous ne pouvez pas attribuer.",
        ));
    }
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let db = &auth.ctx.db;
    request
        .write(&auth, StatusCode::CREATED, async || {
            let role_id = match accounts::grant(
                db,
                account.id,
                &assignment,
                auth.ctx.now,
                Some(auth.account_id),
            )
            .await
            {
                Err(StoreError::UniqueViolation(_)) => {
                    return Err(AppError::conflict(
                        "role_exists",
                        "Cette personne a déjà ce rôle.",
                    ));
                }
                other => other?,
            };
            auth.audit(
                "role_granted",
                "account",
                account.id,
                Some(json!({ "role": assignment.role.code(), "role_id": role_id.to_string() })),
            )
            .await?;
            Ok(json!({ "role_id": role_id.to_string() }))
        })
        .await
}

/// `DELETE /api/auth/accounts/{id}/roles/{role_id}`: sessions acting in that role end.
pub async fn revoke_role(
    auth: Authenticated,
    Path((id, role_id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let account = other_account(&auth, &id).await?;
    let role_id = Id::parse(&role_id).map_err(|_| AppError::NotFound)?;
    let db = &auth.ctx.db;
    let held = accounts::active_roles(db, account.id).await?;
    let target = held
        .iter()
        .find(|h| h.id == role_id)
        .ok_or(AppError::NotFound)?;
    if !may_grant(&auth.assignment, &target.assignment) {
        return Err(refused());
    }
    db.transaction(async || {
        accounts::revoke(db, account.id, role_id, auth.ctx.now).await?;
        sessions::end_for_assignment(db, role_id, auth.ctx.now).await?;
        accounts::end_memberships_of_role(db, account.id, &target.assignment, auth.ctx.now).await?;
        auth.audit(
            "role_revoked",
            "account",
            account.id,
            Some(json!({ "role": target.assignment.role.code(), "role_id": role_id.to_string() })),
        )
        .await?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

async fn set_disabled(
    auth: Authenticated,
    id: String,
    disable: bool,
) -> Result<Json<Value>, AppError> {
    let (account, held) = other_account_and_roles(&auth, &id).await?;
    let db = &auth.ctx.db;
    if !may_disable(&auth.assignment, &held) {
        return Err(AppError::forbidden(
            "forbidden",
            "Votre rôle ne vous permet pas de désactiver ou de réactiver ce compte.",
        ));
    }
    db.transaction(async || {
        let ended = if disable {
            accounts::set_disabled(db, account.id, Some(auth.ctx.now)).await?;
            sessions::end_all(db, account.id, auth.ctx.now, "account_disabled").await?
        } else {
            accounts::set_disabled(db, account.id, None).await?;
            0
        };
        let action = if disable {
            "account_disabled"
        } else {
            "account_enabled"
        };
        auth.audit(
            action,
            "account",
            account.id,
            Some(json!({ "ended_sessions": ended })),
        )
        .await?;
        Ok(Json(
            json!({ "disabled": disable, "ended_sessions": ended }),
        ))
    })
    .await
}

/// `PUT /api/auth/accounts/{id}/work-contact {"position": …, "phone": …}`: the work position
/// and phone of someone whose every role the caller may grant (a structure admin for its
/// professionals, a manager for staff), as they would set it themselves on « Mon compte ».
pub async fn set_work_contact_of(
    auth: Authenticated,
    Path(id): Path<String>,
    carnet_http::extract::JsonBody(body): carnet_http::extract::JsonBody<
        crate::session::WorkContactBody,
    >,
) -> Result<Json<Value>, AppError> {
    let (account, held) = other_account_and_roles(&auth, &id).await?;
    if !may_set_work_contact_of(&auth.assignment, &held) {
        return Err(AppError::forbidden(
            "work_contact_forbidden",
            "Votre rôle ne vous permet pas de modifier les coordonnées professionnelles de ce compte.",
        ));
    }
    crate::session::save_work_contact(&auth, account.id, &body).await
}

/// `POST /api/auth/accounts/{id}/disable`: no more sign-in, every session ends at once.
pub async fn disable_account(
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    set_disabled(auth, id, true).await
}

/// `POST /api/auth/accounts/{id}/enable`.
pub async fn enable_account(
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    set_disabled(auth, id, false).await
}
