//! Magic-link sign-in. Posting an email always gets the same answer, known address or not; a
//! known, enabled account gets a single-use link valid `login_link_minutes` (15 by default).
//! The link opens a page whose "Continuer" button POSTs the token, so a mail scanner following
//! the link cannot use it up. Limits: 5 requests per email and 100 per client address per
//! 15 minutes → 429 with Retry-After, for known and unknown addresses alike.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use carnet_domain::roles::Role;
use carnet_domain::{Id, Instant};
use carnet_http::auth::{hash_token, random_token, session_cookie, sign_session};
use carnet_http::error::email_field;
use carnet_http::extract::JsonBody;
use carnet_http::{AppError, Ctx};
use carnet_store::repo::audit::{self, AuditEntry};
use carnet_store::repo::{accounts, sessions};
use serde::Deserialize;
use serde_json::json;

const WINDOW_SECONDS: i64 = 15 * 60;
const MAX_PER_EMAIL: i64 = 5;
const MAX_PER_CLIENT: i64 = 100;

#[derive(Deserialize)]
pub struct LinkRequest {
    email: String,
}

fn same_answer() -> Response {
    (
        StatusCode::ACCEPTED,
        Json(json!({
            "message": "Si un compte correspond à cette adresse, un lien de connexion vient de lui être envoyé. Consultez votre messagerie."
        })),
    )
        .into_response()
}

fn retry_after(oldest: Option<Instant>, now: Instant) -> u64 {
    oldest
        .map(|oldest| WINDOW_SECONDS - (now.unix_seconds() - oldest.unix_seconds()))
        .unwrap_or(WINDOW_SECONDS)
        .clamp(1, WINDOW_SECONDS) as u64
}

/// `POST /api/auth/magic-link {"email": …}` → 202, always the same body.
pub async fn request_link(
    ctx: Ctx,
    JsonBody(body): JsonBody<LinkRequest>,
) -> Result<Response, AppError> {
    let email =
        email_field("email", &body.email).map_err(|error| AppError::Validation(vec![error]))?;
    let client = ctx
        .client_addr
        .as_ref()
        .map(|c| c.0.clone())
        .unwrap_or_else(|| "inconnue".to_string());
    let db = &ctx.db;
    db.transaction(async || {
        let counts = accounts::count_login_requests(
            db,
            &email.key(),
            &client,
            ctx.now.minus_seconds(WINDOW_SECONDS),
        )
        .await?;
        if counts.by_email >= MAX_PER_EMAIL {
            return Err(AppError::TooManyRequests {
                retry_after: retry_after(counts.oldest_by_email, ctx.now),
            });
        }
        if counts.by_client >= MAX_PER_CLIENT {
            return Err(AppError::TooManyRequests {
                retry_after: retry_after(counts.oldest_by_client, ctx.now),
            });
        }
        accounts::record_login_request(db, &email.key(), &client, ctx.now).await?;
        if let Some(account) = accounts::find_by_email(db, &email).await? {
            if account.disabled_at.is_none() {
                let token = random_token();
                let minutes = ctx.config.login_link_minutes;
                accounts::insert_token(
                    db,
                    account.id,
                    &hash_token(&token),
                    "sign_in",
                    None,
                    ctx.now,
                    ctx.now.plus_seconds(minutes * 60),
                )
                .await?;
                let link = format!(
                    "{}/connexion/confirmer#jeton={token}",
                    ctx.config.public_url
                );
                crate::emails::sign_in_link(db, ctx.now, &account.email, &link, minutes).await?;
                audit::record(
                    db,
                    ctx.now,
                    AuditEntry {
                        actor_account_id: Some(account.id),
                        actor_role: None,
                        action: "sign_in_link_sent",
                        target_type: Some("account"),
                        target_id: Some(account.id.to_string()),
                        client_addr: Some(&client),
                        details: None,
                    },
                )
                .await?;
            }
        }
        Ok(same_answer())
    })
    .await
}

#[derive(Deserialize)]
pub struct ConfirmRequest {
    token: String,
}

fn invalid_link() -> AppError {
    AppError::bad_request(
        "invalid_link",
        "Ce lien de connexion n'est plus valable (déjà utilisé, expiré ou incomplet). Demandez-en un nouveau.",
    )
}

/// `POST /api/auth/confirm {"token": …}` → opens a session: the signed token in the body and in
/// the `__Host-` cookie.
pub async fn confirm(
    ctx: Ctx,
    JsonBody(body): JsonBody<ConfirmRequest>,
) -> Result<Response, AppError> {
    let db = &ctx.db;
    let client = ctx.client_addr.as_ref().map(|c| c.0.as_str());
    let opened = db
        .transaction(async || {
            let token_hash = hash_token(body.token.trim());
            let consumed = accounts::consume_token(db, &token_hash, "sign_in", ctx.now).await?;
            let consumed_ok = consumed.is_some();
            let account_id = match consumed {
                Some(consumed) => Some(consumed.account_id),
                None => accounts::token_owner(db, &token_hash).await?,
            };
            let account = match account_id {
                Some(id) => accounts::find(db, id).await?,
                None => None,
            };
            let roles = match (&account, consumed_ok) {
                (Some(account), true) if account.disabled_at.is_none() => {
                    accounts::active_roles(db, account.id).await?
                }
                _ => Vec::new(),
            };
            let Some(chosen) = roles
                .iter()
                .min_by_key(|held| held.assignment.role.default_priority())
            else {
                return Err(NotOpened::InvalidLink(account.map(|a| a.id)));
            };
            let account = account.expect("roles imply an account");
            let hours = if chosen.assignment.role == Role::Beneficiary {
                ctx.config.session_hours_beneficiary
            } else {
                ctx.config.session_hours_staff
            };
            let session_id = Id::new_random();
            let expires_at = ctx.now.plus_seconds(hours * 3600);
            sessions::create(
                db,
                ctx.now,
                sessions::NewSession {
                    id: session_id,
                    account_id: account.id,
                    assignment_id: chosen.id,
                    expires_at,
                    client_addr: client,
                },
            )
            .await?;
            audit::record(
                db,
                ctx.now,
                AuditEntry {
                    actor_account_id: Some(account.id),
                    actor_role: Some(chosen.assignment.role.code()),
                    action: "sign_in",
                    target_type: Some("session"),
                    target_id: Some(session_id.to_string()),
                    client_addr: client,
                    details: None,
                },
            )
            .await?;
            let token = sign_session(&ctx.config, session_id, expires_at, ctx.now)?;
            Ok((token, expires_at, chosen.assignment.role, hours))
        })
        .await;
    let (token, expires_at, role, hours) = match opened {
        Ok(opened) => opened,
        Err(NotOpened::App(error)) => return Err(error),
        Err(NotOpened::InvalidLink(account)) => {
            // The failure is recorded even though nothing else is: its own transaction.
            db.transaction(async || {
                audit::record(
                    db,
                    ctx.now,
                    AuditEntry {
                        actor_account_id: account,
                        actor_role: None,
                        action: "sign_in_failed",
                        target_type: account.map(|_| "account"),
                        target_id: account.map(|id| id.to_string()),
                        client_addr: client,
                        details: None,
                    },
                )
                .await
            })
            .await?;
            return Err(invalid_link());
        }
    };
    let mut response = Json(json!({
        "token": token,
        "expires_at": expires_at.to_db(),
        "role": role.code(),
    }))
    .into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&token, hours * 3600));
    Ok(response)
}

/// Why no session was opened.
enum NotOpened {
    /// The link was used, expired or unknown, or its account may not sign in: the account it
    /// names, if any, for the audit row of the failure.
    InvalidLink(Option<Id>),
    App(AppError),
}

impl From<AppError> for NotOpened {
    fn from(error: AppError) -> Self {
        NotOpened::App(error)
    }
}

impl From<carnet_store::StoreError> for NotOpened {
    fn from(error: carnet_store::StoreError) -> Self {
        NotOpened::App(error.into())
    }
}
