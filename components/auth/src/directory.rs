//! The accounts directory: `GET /api/auth/accounts?q=&structure_id=&role=&disabled=&page=&per_page=`.
//! Managers and the platform admin list the instance's staff accounts, a structure admin those
//! of their structure (`carnet_domain::access::may_list_accounts`); emails only reach them. Each
//! account says what the caller may do with it under the grant matrix (revoke each role,
//! disable or enable it), and the answer lists the roles the caller may grant.

use crate::session::{role_structure, RoleStructure};
use axum::Json;
use carnet_domain::access::{may_list_accounts, AccountDirectory, Actor};
use carnet_domain::roles::{
    may_disable, may_grant, may_set_work_contact_of, Assignment, Role, Scope, ALL_ROLES,
};
use carnet_domain::{Id, Instant};
use carnet_http::auth::Authenticated;
use carnet_http::extract::Query;
use carnet_http::{AppError, FieldError};
use carnet_store::repo::accounts::{HeldRole, WorkContact};
use carnet_store::repo::directory::{self, DirectoryAccount, DirectoryFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Mots du nom (débuts de mots), ou partie de l'adresse électronique ; 100 caractères au plus.
    #[param(example = "martin")]
    q: Option<String>,
    /// Seulement les comptes ayant un rôle actif dans cette structure.
    structure_id: Option<String>,
    /// Seulement les comptes ayant ce rôle actif (un rôle du personnel).
    #[param(example = "professional")]
    role: Option<String>,
    /// `true` : seulement les comptes désactivés ; `false` : seulement les actifs.
    disabled: Option<bool>,
    /// Page (à partir de 1).
    page: Option<i64>,
    /// Comptes par page.
    per_page: Option<i64>,
}

/// Un rôle du personnel détenu par un compte de l'annuaire.
#[derive(Serialize, ToSchema)]
#[schema(as = RoleDansLAnnuaire)]
struct DirectoryRole {
    /// Identifiant de l'attribution du rôle (pour le retirer).
    id: Id,
    role: Role,
    #[schema(example = "Professionnel")]
    label: &'static str,
    /// La structure du rôle (administrateur de structure, professionnel), sinon `null`.
    structure: Option<RoleStructure>,
    /// Toujours `null` : l'annuaire ne montre que les rôles du personnel.
    beneficiary_id: Option<Id>,
    /// Vrai quand vous pouvez retirer ce rôle.
    may_revoke: bool,
}

impl DirectoryRole {
    fn of(held: &HeldRole, may_revoke: bool) -> Self {
        DirectoryRole {
            id: held.id,
            role: held.assignment.role,
            label: held.assignment.role.label(),
            structure: role_structure(held),
            beneficiary_id: held.assignment.scope.beneficiary_id(),
            may_revoke,
        }
    }
}

/// Un rôle que vous pouvez accorder.
#[derive(Serialize, ToSchema)]
#[schema(as = RoleAttribuable)]
struct GrantableRole {
    role: Role,
    #[schema(example = "Professionnel")]
    label: &'static str,
    /// Vrai quand le rôle s'exerce dans une structure (à choisir, sauf `structure_id` fixé).
    needs_structure: bool,
    /// La structure imposée (celle d'un administrateur de structure), sinon `null`.
    structure_id: Option<Id>,
}

/// The roles the caller may give (with the structure fixed for a structure admin).
fn grantable(granter: &Assignment) -> Vec<GrantableRole> {
    ALL_ROLES
        .into_iter()
        .filter_map(|role| {
            let structure = match role {
                Role::Beneficiary => return None,
                Role::StructureAdmin | Role::Professional => {
                    Some(granter.scope.structure_id().unwrap_or_else(Id::new_random))
                }
                _ => None,
            };
            let scope = structure.map_or(Scope::Instance, Scope::Structure);
            let wanted = Assignment::new(role, scope).ok()?;
            may_grant(granter, &wanted).then(|| GrantableRole {
                role,
                label: role.label(),
                needs_structure: structure.is_some(),
                structure_id: granter.scope.structure_id().filter(|_| structure.is_some()),
            })
        })
        .collect()
}

/// Un compte du personnel, avec ce que vous pouvez en faire.
#[derive(Serialize, ToSchema)]
#[schema(as = CompteDeLAnnuaire)]
struct DirectoryEntry {
    id: Id,
    first_name: String,
    last_name: String,
    /// Adresse électronique de connexion.
    email: String,
    /// Vrai quand le compte est désactivé.
    disabled: bool,
    disabled_at: Option<Instant>,
    /// Ses rôles actifs du personnel (pour un administrateur de structure : ceux de sa structure).
    roles: Vec<DirectoryRole>,
    /// Vrai quand vous pouvez désactiver ou réactiver ce compte.
    may_disable: bool,
    work_contact: WorkContact,
    /// Vrai quand vous pouvez modifier ses coordonnées professionnelles.
    may_set_work_contact: bool,
    /// Vrai pour votre propre compte (sur lequel vous ne pouvez rien faire ici).
    is_self: bool,
}

/// Une page de l'annuaire des comptes.
#[derive(Serialize, ToSchema)]
#[schema(as = Annuaire)]
pub struct Directory {
    /// Les comptes, par nom puis prénom (ordre alphabétique français).
    items: Vec<DirectoryEntry>,
    /// Nombre de comptes trouvés, toutes pages confondues.
    total: i64,
    page: i64,
    per_page: i64,
    /// Les rôles que vous pouvez accorder.
    grantable_roles: Vec<GrantableRole>,
}

/// Lists the staff accounts the caller manages.
#[utoipa::path(
    get,
    path = "/api/auth/accounts",
    tag = "Annuaire",
    summary = "Annuaire des comptes du personnel",
    description = "**Rôles** : administrateur de la plateforme et gestionnaire du département (tout le \
        personnel de l'instance), administrateur de structure (les comptes de sa structure). Chaque \
        compte dit ce que vous pouvez en faire (retirer chaque rôle, désactiver, modifier ses \
        coordonnées) ; la réponse liste les rôles que vous pouvez accorder.",
    params(DirectoryQuery),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Une page de l'annuaire.", body = Directory, example = json!({
            "items": [{"id": "0b9c2a4e-6a7d-4f3e-9c1b-2d3e4f5a6b7c", "first_name": "Camille", "last_name": "Martin",
                "email": "camille.martin@ml-cayenne.fr", "disabled": false, "disabled_at": null,
                "roles": [{"id": "7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d", "role": "professional", "label": "Professionnel",
                    "structure": {"id": "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b", "name": "Mission locale de Cayenne"},
                    "beneficiary_id": null, "may_revoke": true}],
                "may_disable": true,
                "work_contact": {"position": "Conseillère en insertion", "phone": "05 94 12 34 56"},
                "may_set_work_contact": true, "is_self": false}],
            "total": 1, "page": 1, "per_page": 20,
            "grantable_roles": [{"role": "professional", "label": "Professionnel", "needs_structure": true,
                "structure_id": "8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"}]
        })),
        (status = 403, description = "`forbidden` : votre rôle ne consulte pas les comptes ; `cgu_required` : CGU à accepter.",
            body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` ; champs `q` (`too_long`), `structure_id` (`unknown_structure`), \
            `role` (`invalid_role`), `page`, `per_page` (hors bornes), `disabled` (pas un booléen).",
            body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn list_accounts(
    auth: Authenticated,
    Query(query): Query<DirectoryQuery>,
) -> Result<Json<Directory>, AppError> {
    let actor = Actor {
        account_id: auth.account_id,
        assignment: auth.assignment,
    };
    let Some(directory) = may_list_accounts(&actor) else {
        return Err(AppError::forbidden(
            "forbidden",
            "Votre rôle ne vous permet pas de consulter les comptes.",
        ));
    };
    let mut errors = Vec::new();
    let (page, per_page) =
        carnet_http::validate::paging_into(query.page, query.per_page, &mut errors);
    let text = query.q.filter(|q| !q.trim().is_empty());
    if text.as_ref().is_some_and(|q| q.chars().count() > 100) {
        errors.push(FieldError::new("q", "too_long", "100 caractères au plus."));
    }
    let structure = match query.structure_id.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => match Id::parse(text) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(FieldError::new(
                    "structure_id",
                    "unknown_structure",
                    "Cette structure n'existe pas.",
                ));
                None
            }
        },
    };
    let role = match query.role.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(code) => match Role::parse(code) {
            Ok(role) if role.is_staff() => Some(role),
            _ => {
                errors.push(FieldError::new("role", "invalid_role", "Rôle inconnu."));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let filter = DirectoryFilter {
        within_structure: match directory {
            AccountDirectory::Structure(id) => Some(id),
            AccountDirectory::Instance => None,
        },
        structure,
        role,
        disabled: query.disabled,
        text,
    };
    let (accounts, total) = directory::page(&auth.ctx.db, &filter, page, per_page).await?;
    let entry = |account: &DirectoryAccount| {
        let own = account.id == auth.account_id;
        let held: Vec<Assignment> = account.roles.iter().map(|r| r.assignment).collect();
        let roles = account
            .roles
            .iter()
            .filter(|r| r.assignment.role.is_staff())
            .filter(|r| match directory {
                AccountDirectory::Structure(id) => r.assignment.scope == Scope::Structure(id),
                AccountDirectory::Instance => true,
            })
            .map(|r| DirectoryRole::of(r, !own && may_grant(&auth.assignment, &r.assignment)))
            .collect();
        DirectoryEntry {
            id: account.id,
            first_name: account.first_name.clone(),
            last_name: account.last_name.clone(),
            email: account.email.clone(),
            disabled: account.disabled_at.is_some(),
            disabled_at: account.disabled_at,
            roles,
            may_disable: !own && may_disable(&auth.assignment, &held),
            work_contact: account.work_contact.clone(),
            may_set_work_contact: !own && may_set_work_contact_of(&auth.assignment, &held),
            is_self: own,
        }
    };
    Ok(Json(Directory {
        items: accounts.iter().map(entry).collect(),
        total,
        page,
        per_page,
        grantable_roles: grantable(&auth.assignment),
    }))
}
