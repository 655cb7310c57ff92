//! The signed-in person: who-am-I, switching the active role, logout (here or everywhere), the
//! terms of use, and changing one's own sign-in email (confirmed from the new address).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use carnet_domain::access::may_set_work_contact;
use carnet_domain::{parse_phone, Email, Id, CGU_VERSION};
use carnet_http::auth::{hash_token, random_token, session_cookie, Authenticated, SignedIn};
use carnet_http::error::email_field;
use carnet_http::extract::JsonBody;
use carnet_http::idempotency::IdempotentJson;
use carnet_http::validate::Validator;
use carnet_http::{AppError, Ctx};
use carnet_store::repo::audit::{self, AuditEntry};
use carnet_store::repo::{accounts, sessions};
use carnet_store::StoreError;
use serde::Deserialize;
use serde_json::{json, Value};

/// A held role as the API shows it (who-am-I, role switch, the accounts directory).
pub(crate) fn role_json(held: &accounts::HeldRole) -> Value {
    json!({
        "id": held.id.to_string(),
        "role": held.assignment.role.code(),
        "label": held.assignment.role.label(),
        "structure": held.assignment.scope.structure_id().map(|id| json!({
            "id": id.to_string(),
            "name": held.structure_name,
        })),
        "beneficiary_id": held.assignment.scope.beneficiary_id().map(|id| id.to_string()),
    })
}

/// `GET /api/auth/me`.
pub async fn who_am_i(SignedIn(auth): SignedIn) -> Result<Json<Value>, AppError> {
    let db = &auth.ctx.db;
    let account = accounts::find(db, auth.account_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let roles = accounts::active_roles(db, auth.account_id).await?;
    let active = roles.iter().find(|held| held.id == auth.assignment_id);
    Ok(Json(json!({
        "account": {
            "id": account.id.to_string(),
            "email": account.email,
            "first_name": account.first_name,
            "last_name": account.last_name,
        },
        "roles": roles.iter().map(role_json).collect::<Vec<_>>(),
        "active_role": active.map(role_json),
        "department": {
            "code": auth.ctx.config.department_code,
            "name": auth.ctx.config.department_name,
        },
        "cgu": {
            "current_version": CGU_VERSION,
            "accepted_version": account.cgu_version,
            "accepted_at": account.cgu_accepted_at.map(|at| at.to_db()),
            "required": !auth.cgu_accepted,
        },
        "work_contact": match may_set_work_contact(&auth.actor()) {
            true => Some(work_contact_json(&accounts::work_contact(db, auth.account_id).await?)),
            false => None,
        },
    })))
}

pub(crate) fn work_contact_json(contact: &accounts::WorkContact) -> Value {
    json!({ "position": contact.position, "phone": contact.phone })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkContactBody {
    position: Option<String>,
    phone: Option<String>,
}

/// `PUT /api/auth/me/work-contact {"position": …, "phone": …}`: one's own work position and
/// phone, shown with one's name in the notebooks one is a member of (a missing or empty value
/// clears it). Audited with the values before and after.
pub async fn set_work_contact(
    auth: Authenticated,
    JsonBody(body): JsonBody<WorkContactBody>,
) -> Result<Json<Value>, AppError> {
    if !may_set_work_contact(&auth.actor()) {
        return Err(AppError::forbidden(
            "work_contact_forbidden",
            "Seuls les professionnels, les chargés d'orientation et les administrateurs de structure renseignent des coordonnées professionnelles.",
        ));
    }
    save_work_contact(&auth, auth.account_id, &body).await
}

/// Validates and saves the work contact of `account` (one's own, or as an administrator of
/// it), audited with the values before and after; the saved values.
pub(crate) async fn save_work_contact(
    auth: &Authenticated,
    account: Id,
    body: &WorkContactBody,
) -> Result<Json<Value>, AppError> {
    let mut check = Validator::new();
    let contact = accounts::WorkContact {
        position: check.text("position", body.position.as_deref(), 100),
        phone: check.parsed("phone", body.phone.as_deref(), parse_phone),
    };
    check.finish()?;
    let db = &auth.ctx.db;
    db.transaction(async || {
        let before = accounts::work_contact(db, account).await?;
        accounts::set_work_contact(db, account, &contact).await?;
        auth.audit(
            "work_contact_changed",
            "account",
            account,
            Some(json!({ "before": work_contact_json(&before), "after": work_contact_json(&contact) })),
        )
        .await?;
        Ok(Json(work_contact_json(&contact)))
    }).await
}

#[derive(Deserialize)]
pub struct SwitchRole {
    role_id: String,
}

/// `POST /api/auth/role {"role_id": …}`: act in another of one's own roles.
pub async fn switch_role(
    SignedIn(auth): SignedIn,
    JsonBody(body): JsonBody<SwitchRole>,
) -> Result<Json<Value>, AppError> {
    let wanted = Id::parse(&body.role_id)
        .map_err(|_| AppError::field("role_id", "invalid_id", "Rôle inconnu."))?;
    let db = &auth.ctx.db;
    let roles = accounts::active_roles(db, auth.account_id).await?;
    let Some(held) = roles.iter().find(|held| held.id == wanted) else {
        return Err(AppError::field(
            "role_id",
            "not_your_role",
            "Ce rôle n'est pas l'un des vôtres.",
        ));
    };
    db.transaction(async || {
        sessions::switch_role(db, auth.session_id, held.id).await?;
        auth.audit(
            "role_switched",
            "session",
            auth.session_id.to_string(),
            Some(json!({ "role": held.assignment.role.code() })),
        )
        .await?;
        Ok(Json(json!({ "active_role": role_json(held) })))
    })
    .await
}

fn cleared_cookie(body: Value) -> Response {
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0));
    response
}

/// `POST /api/auth/logout`: ends this session.
pub async fn logout(SignedIn(auth): SignedIn) -> Result<Response, AppError> {
    let db = &auth.ctx.db;
    db.transaction(async || {
        sessions::end(db, auth.session_id, auth.ctx.now, "logout").await?;
        auth.audit("logout", "session", auth.session_id.to_string(), None)
            .await?;
        Ok(cleared_cookie(json!({ "ended_sessions": 1 })))
    })
    .await
}

/// `POST /api/auth/logout-all`: ends every session of the account (a lost phone).
pub async fn logout_everywhere(SignedIn(auth): SignedIn) -> Result<Response, AppError> {
    let db = &auth.ctx.db;
    db.transaction(async || {
        let ended =
            sessions::end_all(db, auth.account_id, auth.ctx.now, "logout_everywhere").await?;
        auth.audit(
            "logout_everywhere",
            "account",
            auth.account_id.to_string(),
            Some(json!({ "ended_sessions": ended })),
        )
        .await?;
        Ok(cleared_cookie(json!({ "ended_sessions": ended })))
    })
    .await
}

#[derive(Deserialize)]
pub struct AcceptCgu {
    version: String,
}

/// `POST /api/auth/cgu {"version": …}`: accepts the current terms of use.
pub async fn accept_cgu(
    SignedIn(auth): SignedIn,
    JsonBody(body): JsonBody<AcceptCgu>,
) -> Result<Json<Value>, AppError> {
    if body.version != CGU_VERSION {
        return Err(AppError::field(
            "version",
            "outdated_cgu",
            "Ces conditions ne sont plus en vigueur : rechargez la page.",
        ));
    }
    let db = &auth.ctx.db;
    db.transaction(async || {
        accounts::accept_cgu(db, auth.account_id, CGU_VERSION, auth.ctx.now).await?;
        auth.audit(
            "cgu_accepted",
            "account",
            auth.account_id.to_string(),
            Some(json!({ "version": CGU_VERSION })),
        )
        .await?;
        Ok(Json(
            json!({ "accepted_version": CGU_VERSION, "accepted_at": auth.ctx.now.to_db() }),
        ))
    })
    .await
}

#[derive(Deserialize)]
pub struct EmailChange {
    email: String,
}

const EMAIL_CHANGE_HOURS: i64 = 24;

/// `POST /api/auth/me/email {"email": …}` → 202: a confirmation link goes to the new address;
/// nothing changes until it is used. Same answer whether the address is free or not. Idempotent
/// with an `Idempotency-Key` (a retry sends no second link).
pub async fn request_email_change(
    auth: Authenticated,
    request: IdempotentJson<EmailChange>,
) -> Result<Response, AppError> {
    let email = email_field("email", &request.body.email)
        .map_err(|error| AppError::Validation(vec![error]))?;
    if let Some(replay) = request.replay(&auth).await? {
        return Ok(replay);
    }
    let db = &auth.ctx.db;
    request.write(&auth, axum::http::StatusCode::ACCEPTED, async || {
        if accounts::find_by_email(db, &email).await?.is_none() {
            let token = random_token();
            accounts::insert_token(
                db,
                auth.account_id,
                &hash_token(&token),
                "email_change",
                Some(email.as_str()),
                auth.ctx.now,
                auth.ctx.now.plus_seconds(EMAIL_CHANGE_HOURS * 3600),
            )
            .await?;
            let link = format!(
                "{}/connexion/adresse#jeton={token}",
                auth.ctx.config.public_url
            );
            crate::emails::confirm_new_email(db, auth.ctx.now, email.as_str(), &link).await?;
        }
        auth.audit(
            "email_change_requested",
            "account",
            auth.account_id.to_string(),
            None,
        )
        .await?;
        Ok(json!({ "message": "Un lien de confirmation a été envoyé à la nouvelle adresse, si elle n'est pas déjà utilisée." }))
    }).await
}

#[derive(Deserialize)]
pub struct ConfirmEmail {
    token: String,
}

/// `POST /api/auth/me/email/confirm {"token": …}`: the new address proved; the old one is told.
/// No session needed: the link may be opened on another device.
pub async fn confirm_email_change(
    ctx: Ctx,
    JsonBody(body): JsonBody<ConfirmEmail>,
) -> Result<Json<Value>, AppError> {
    let db = &ctx.db;
    db.transaction(async || {
        let consumed =
            accounts::consume_token(db, &hash_token(body.token.trim()), "email_change", ctx.now)
                .await?;
        let Some(consumed) = consumed else {
            return Err(AppError::bad_request(
                "invalid_link",
                "Ce lien de confirmation n'est plus valable. Refaites la demande depuis votre compte.",
            ));
        };
        let account = accounts::find(db, consumed.account_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let new_email =
            Email::parse(consumed.new_email.as_deref().unwrap_or("")).map_err(AppError::internal)?;
        match accounts::set_email(db, account.id, &new_email).await {
            Err(StoreError::UniqueViolation(_)) => {
                return Err(AppError::conflict(
                    "email_taken",
                    "Cette adresse est déjà utilisée par un autre compte.",
                ));
            }
            other => other?,
        }
        crate::emails::email_changed(db, ctx.now, &account.email).await?;
        audit::record(
            db,
            ctx.now,
            AuditEntry {
                actor_account_id: Some(account.id),
                actor_role: None,
                action: "email_changed",
                target_type: Some("account"),
                target_id: Some(account.id.to_string()),
                client_addr: ctx.client_addr.as_ref().map(|c| c.0.as_str()),
                details: None,
            },
        )
        .await?;
        Ok(Json(json!({ "email": new_email.as_str() })))
    }).await
}
