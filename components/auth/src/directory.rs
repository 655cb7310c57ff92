//! The accounts directory: `GET /api/auth/accounts?q=&structure_id=&role=&disabled=&page=&per_page=`.
//! Managers and the platform admin list the instance's staff accounts, a structure admin those
//! of their structure (`carnet_domain::access::may_list_accounts`); emails only reach them. Each
//! account says what the caller may do with it under the grant matrix (revoke each role,
//! disable or enable it), and the answer lists the roles the caller may grant.

use axum::Json;
use carnet_domain::access::{may_list_accounts, AccountDirectory, Actor};
use carnet_domain::roles::{
    may_disable, may_grant, may_set_work_contact_of, Assignment, Role, Scope, ALL_ROLES,
};
use carnet_domain::Id;
use carnet_http::auth::Authenticated;
use carnet_http::extract::Query;
use carnet_http::{AppError, FieldError};
use carnet_store::repo::accounts::HeldRole;
use carnet_store::repo::directory::{self, DirectoryFilter};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub struct DirectoryQuery {
    q: Option<String>,
    structure_id: Option<String>,
    role: Option<String>,
    disabled: Option<bool>,
    page: Option<i64>,
    per_page: Option<i64>,
}

fn role_json(held: &HeldRole, may_revoke: bool) -> Value {
    let mut role = crate::session::role_json(held);
    role["may_revoke"] = may_revoke.into();
    role
}

/// The roles the caller may give (with the structure fixed for a structure admin).
fn grantable(granter: &Assignment) -> Vec<Value> {
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
            may_grant(granter, &wanted).then(|| {
                json!({
                    "role": role.code(),
                    "label": role.label(),
                    "needs_structure": structure.is_some(),
                    "structure_id": granter.scope.structure_id().filter(|_| structure.is_some()).map(|id| id.to_string()),
                })
            })
        })
        .collect()
}

pub async fn list_accounts(
    auth: Authenticated,
    Query(query): Query<DirectoryQuery>,
) -> Result<Json<Value>, AppError> {
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
    let items: Vec<Value> = accounts
        .iter()
        .map(|account| {
            let own = account.id == auth.account_id;
            let held: Vec<Assignment> = account.roles.iter().map(|r| r.assignment).collect();
            let shown: Vec<Value> = account
                .roles
                .iter()
                .filter(|r| r.assignment.role.is_staff())
                .filter(|r| match directory {
                    AccountDirectory::Structure(id) => r.assignment.scope == Scope::Structure(id),
                    AccountDirectory::Instance => true,
                })
                .map(|r| role_json(r, !own && may_grant(&auth.assignment, &r.assignment)))
                .collect();
            json!({
                "id": account.id.to_string(),
                "first_name": account.first_name,
                "last_name": account.last_name,
                "email": account.email,
                "disabled": account.disabled_at.is_some(),
                "disabled_at": account.disabled_at.map(|at| at.to_db()),
                "roles": shown,
                "may_disable": !own && may_disable(&auth.assignment, &held),
                "work_contact": crate::session::work_contact_json(&account.work_contact),
                "may_set_work_contact": !own && may_set_work_contact_of(&auth.assignment, &held),
                "is_self": own,
            })
        })
        .collect();
    Ok(Json(json!({
        "items": items,
        "total": total,
        "page": page,
        "per_page": per_page,
        "grantable_roles": grantable(&auth.assignment),
    })))
}
