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
use carnet_store::repo::accounts::WorkContact;
use carnet_store::repo::{accounts, sessions};
use carnet_store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

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

/// Une nouvelle structure.
#[derive(Deserialize, ToSchema)]
#[schema(as = NouvelleStructure)]
pub struct NewStructure {
    /// Son nom, 100 caractères au plus.
    #[schema(example = "Mission locale de Cayenne")]
    name: String,
}

/// La structure créée.
#[derive(Serialize, ToSchema)]
#[schema(as = StructureCreee)]
pub struct CreatedStructure {
    id: Id,
    #[schema(example = "Mission locale de Cayenne")]
    name: String,
}

/// Creates a structure (managers).
#[utoipa::path(
    post,
    path = "/api/auth/structures",
    tag = "Comptes",
    summary = "Créer une structure",
    description = "**Rôles** : gestionnaire du département. Accepte une `Idempotency-Key`.",
    request_body = NewStructure,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 201, description = "La structure est créée.", body = CreatedStructure,
            example = json!({"id": "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b", "name": "Mission locale de Cayenne"})),
        (status = 403, description = "`forbidden` : réservé aux gestionnaires ; `cgu_required` : CGU à accepter ; \
            `cross_origin` : demande d'un autre site.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; champ `name` (`required`, `too_long`), ou `Idempotency-Key` \
            (`invalid`, `key_reused`).", body = carnet_http::openapi::ErrorBody),
    )
)]
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
            Ok(CreatedStructure {
                id,
                name: name.clone(),
            })
        })
        .await
}

/// Un rôle à accorder.
#[derive(Deserialize, ToSchema)]
#[schema(as = RoleDemande)]
pub struct RoleRequest {
    /// Le rôle (`manager`, `orientation_manager`, `structure_admin`, `professional`).
    #[schema(example = "professional")]
    role: String,
    /// La structure, pour `structure_admin` et `professional`.
    structure_id: Option<String>,
}

/// Validates a requested role and its scope; the structure must exist.
async fn requested_assignment(
    auth: &Authenticated,
    role: &str,
    structure_id: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Result<Option<Assignment>, AppError> {
    let Ok(role) = Role::parse(role) else {
        errors.push(FieldError::new("role", "invalid_role", "Rôle inconnu."));
        return Ok(None);
    };
    let scope = match role {
        Role::StructureAdmin | Role::Professional => {
            let Some(id) = structure_id.and_then(|id| Id::parse(id).ok()) else {
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

/// Un nouveau compte du personnel, avec son premier rôle.
#[derive(Deserialize, ToSchema)]
#[schema(as = NouveauCompte)]
pub struct NewAccount {
    #[schema(example = "camille.martin@ml-cayenne.fr")]
    email: String,
    #[schema(example = "Camille")]
    first_name: String,
    #[schema(example = "Martin")]
    last_name: String,
    /// Le premier rôle (`manager`, `orientation_manager`, `structure_admin`, `professional`).
    #[schema(example = "professional")]
    role: String,
    /// La structure, pour `structure_admin` et `professional`.
    structure_id: Option<String>,
}

/// Le compte créé et son premier rôle.
#[derive(Serialize, ToSchema)]
#[schema(as = CompteCree)]
pub struct CreatedAccount {
    id: Id,
    /// L'attribution du premier rôle.
    role_id: Id,
}

/// A new account with its first role, under the grant matrix; the person is told by email.
/// Idempotent with an `Idempotency-Key`: a retry answers as the first request did (not "account
/// exists"), without a second email.
#[utoipa::path(
    post,
    path = "/api/auth/accounts",
    tag = "Comptes",
    summary = "Créer un compte du personnel",
    description = "**Rôles** : administrateur de la plateforme (gestionnaires), gestionnaire du \
        département (chargés d'orientation, administrateurs de structure, professionnels), \
        administrateur de structure (professionnels de sa structure). La personne est prévenue \
        par courriel. Accepte une `Idempotency-Key` : une reprise répond comme la première demande, \
        sans second courriel.",
    request_body = NewAccount,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 201, description = "Le compte est créé.", body = CreatedAccount, example = json!({
            "id": "0b9c2a4e-6a7d-4f3e-9c1b-2d3e4f5a6b7c", "role_id": "7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d"
        })),
        (status = 403, description = "`grant_refused` : votre rôle n'accorde pas ce rôle ; `cgu_required` : CGU à \
            accepter ; `cross_origin` : demande d'un autre site.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`account_exists` : un compte a déjà cette adresse (son identifiant dans \
            `details.account_id`) : lui ajouter un rôle.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; champs `email` (`invalid_email`), `first_name`, `last_name` \
            (`required`, `too_long`), `role` (`invalid_role`, `invalid_scope`), `structure_id` (`required`, \
            `unknown_structure`), ou `Idempotency-Key` (`invalid`, `key_reused`).", body = carnet_http::openapi::ErrorBody),
    )
)]
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
    let assignment =
        requested_assignment(&auth, &body.role, body.structure_id.as_deref(), &mut errors).await?;
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
            Ok(CreatedAccount {
                id: account_id,
                role_id,
            })
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

/// Le rôle accordé.
#[derive(Serialize, ToSchema)]
#[schema(as = RoleAccorde)]
pub struct GrantedRole {
    /// L'attribution du rôle (pour le retirer).
    role_id: Id,
}

const ACCOUNT_PATH: &str = "Identifiant du compte";

/// Grants a role to another account, idempotent with an `Idempotency-Key` (a retry answers as
/// the first grant did, not "already has this role").
#[utoipa::path(
    post,
    path = "/api/auth/accounts/{id}/roles",
    tag = "Comptes",
    summary = "Accorder un rôle à un compte",
    description = "**Rôles** : administrateur de la plateforme, gestionnaire du département, \
        administrateur de structure, selon la matrice des attributions (jamais sur son propre compte, \
        jamais au compte d'une personne accompagnée). Accepte une `Idempotency-Key`.",
    params(("id" = Id, Path, description = ACCOUNT_PATH)),
    request_body = RoleRequest,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 201, description = "Le rôle est accordé.", body = GrantedRole,
            example = json!({"role_id": "7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d"})),
        (status = 403, description = "`own_account` : son propre compte ; `grant_refused` : votre rôle n'accorde pas \
            ce rôle ; `account_out_of_reach` : compte hors de votre portée ; `cgu_required`, `cross_origin`.",
            body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : pas de tel compte.", body = carnet_http::openapi::ErrorBody),
        (status = 409, description = "`role_exists` : la personne a déjà ce rôle.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; champs `role` (`invalid_role`, `invalid_scope`), `structure_id` \
            (`required`, `unknown_structure`), ou `Idempotency-Key` (`invalid`, `key_reused`).",
            body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn grant_role(
    auth: Authenticated,
    Path(id): Path<String>,
    request: IdempotentJson<RoleRequest>,
) -> Result<Response, AppError> {
    let (account, held) = other_account_and_roles(&auth, &id).await?;
    let mut errors = Vec::new();
    let assignment = requested_assignment(
        &auth,
        &request.body.role,
        request.body.structure_id.as_deref(),
        &mut errors,
    )
    .await?;
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
            Ok(GrantedRole { role_id })
        })
        .await
}

/// Revokes a role of another account: sessions acting in that role end.
#[utoipa::path(
    delete,
    path = "/api/auth/accounts/{id}/roles/{assignment_id}",
    tag = "Comptes",
    summary = "Retirer un rôle à un compte",
    description = "**Rôles** : qui peut accorder ce rôle (matrice des attributions), jamais sur son propre \
        compte. Les sessions qui agissent dans ce rôle se terminent ; les appartenances aux carnets \
        que ce rôle donnait prennent fin.",
    params(
        ("id" = Id, Path, description = ACCOUNT_PATH),
        ("assignment_id" = Id, Path, description = "Identifiant de l'attribution du rôle (`roles[].id`)"),
    ),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 204, description = "Le rôle est retiré."),
        (status = 403, description = "`own_account` : son propre compte ; `grant_refused` : votre rôle ne retire \
            pas ce rôle ; `cgu_required`, `cross_origin`.", body = carnet_http::openapi::ErrorBody,
            example = json!({"error": {"code": "grant_refused",
                "message": "Votre rôle ne vous permet pas d'accorder ou de retirer ce rôle."}})),
        (status = 404, description = "`not_found` : pas de tel compte, ou pas de tel rôle actif sur ce compte.",
            body = carnet_http::openapi::ErrorBody),
    )
)]
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

/// L'état du compte après sa désactivation ou sa réactivation.
#[derive(Serialize, ToSchema)]
#[schema(as = EtatDuCompte)]
pub struct AccountState {
    /// Vrai quand le compte est désactivé.
    disabled: bool,
    /// Sessions terminées (toutes à la désactivation, aucune à la réactivation).
    ended_sessions: u64,
}

async fn set_disabled(
    auth: Authenticated,
    id: String,
    disable: bool,
) -> Result<Json<AccountState>, AppError> {
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
        Ok(Json(AccountState {
            disabled: disable,
            ended_sessions: ended,
        }))
    })
    .await
}

/// The work position and phone of someone whose every role the caller may grant (a structure
/// admin for its professionals, a manager for staff), as they would set it themselves on « Mon
/// compte ».
#[utoipa::path(
    put,
    path = "/api/auth/accounts/{id}/work-contact",
    tag = "Comptes",
    summary = "Modifier les coordonnées professionnelles d'un compte",
    description = "**Rôles** : qui peut accorder chacun des rôles du compte (administrateur de structure \
        pour ses professionnels, gestionnaire pour le personnel), jamais sur son propre compte. Une \
        valeur absente ou vide l'efface. Journalisé avec les valeurs avant et après.",
    params(("id" = Id, Path, description = ACCOUNT_PATH)),
    request_body = crate::session::WorkContactBody,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les coordonnées enregistrées.", body = WorkContact,
            example = json!({"position": "Conseillère en insertion", "phone": "05 94 12 34 56"})),
        (status = 403, description = "`own_account` : son propre compte ; `work_contact_forbidden` : compte hors \
            de votre portée ; `cgu_required`, `cross_origin`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : pas de tel compte.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` : champ `position` (`too_long`) ou `phone` (`invalid_phone`…).",
            body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn set_work_contact_of(
    auth: Authenticated,
    Path(id): Path<String>,
    carnet_http::extract::JsonBody(body): carnet_http::extract::JsonBody<
        crate::session::WorkContactBody,
    >,
) -> Result<Json<WorkContact>, AppError> {
    let (account, held) = other_account_and_roles(&auth, &id).await?;
    if !may_set_work_contact_of(&auth.assignment, &held) {
        return Err(AppError::forbidden(
            "work_contact_forbidden",
            "Votre rôle ne vous permet pas de modifier les coordonnées professionnelles de ce compte.",
        ));
    }
    crate::session::save_work_contact(&auth, account.id, &body).await
}

/// Disables another account: no more sign-in, every session ends at once.
#[utoipa::path(
    post,
    path = "/api/auth/accounts/{id}/disable",
    tag = "Comptes",
    summary = "Désactiver un compte",
    description = "**Rôles** : qui peut accorder chacun des rôles actifs du compte, jamais sur son propre \
        compte. Plus de connexion possible ; toutes ses sessions se terminent aussitôt.",
    params(("id" = Id, Path, description = ACCOUNT_PATH)),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Le compte est désactivé.", body = AccountState,
            example = json!({"disabled": true, "ended_sessions": 2})),
        (status = 403, description = "`own_account` : son propre compte ; `forbidden` : compte hors de votre portée ; \
            `cgu_required`, `cross_origin`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : pas de tel compte.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn disable_account(
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<AccountState>, AppError> {
    set_disabled(auth, id, true).await
}

/// Enables a disabled account again.
#[utoipa::path(
    post,
    path = "/api/auth/accounts/{id}/enable",
    tag = "Comptes",
    summary = "Réactiver un compte",
    description = "**Rôles** : qui peut accorder chacun des rôles actifs du compte, jamais sur son propre \
        compte. La personne peut de nouveau se connecter.",
    params(("id" = Id, Path, description = ACCOUNT_PATH)),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Le compte est réactivé.", body = AccountState,
            example = json!({"disabled": false, "ended_sessions": 0})),
        (status = 403, description = "`own_account` : son propre compte ; `forbidden` : compte hors de votre portée ; \
            `cgu_required`, `cross_origin`.", body = carnet_http::openapi::ErrorBody),
        (status = 404, description = "`not_found` : pas de tel compte.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn enable_account(
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<Json<AccountState>, AppError> {
    set_disabled(auth, id, false).await
}
