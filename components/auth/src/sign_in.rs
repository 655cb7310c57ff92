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
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const WINDOW_SECONDS: i64 = 15 * 60;
const MAX_PER_EMAIL: i64 = 5;
const MAX_PER_CLIENT: i64 = 100;

/// L'adresse à laquelle envoyer un lien de connexion.
#[derive(Deserialize, ToSchema)]
#[schema(as = DemandeDeLien)]
pub struct LinkRequest {
    #[schema(example = "camille.martin@ml-cayenne.fr")]
    email: String,
}

fn same_answer() -> Response {
    (
        StatusCode::ACCEPTED,
        Json(crate::session::Acknowledgement {
            message: "Si un compte correspond à cette adresse, un lien de connexion vient de lui être envoyé. Consultez votre messagerie.",
        }),
    )
        .into_response()
}

fn retry_after(oldest: Option<Instant>, now: Instant) -> u64 {
    oldest
        .map(|oldest| WINDOW_SECONDS - (now.unix_seconds() - oldest.unix_seconds()))
        .unwrap_or(WINDOW_SECONDS)
        .clamp(1, WINDOW_SECONDS) as u64
}

/// Asks for a sign-in link: 202, always the same body.
#[utoipa::path(
    post,
    path = "/api/auth/magic-link",
    tag = "Authentification",
    summary = "Demander un lien de connexion",
    description = "**Rôles** : public. Si l'adresse est celle d'un compte actif, un lien de connexion \
        à usage unique (valable 15 minutes par défaut) lui est envoyé ; la réponse est la même dans \
        tous les cas. Au plus 5 demandes par adresse et 100 par adresse IP en 15 minutes.",
    request_body = LinkRequest,
    responses(
        (status = 202, description = "Demande reçue (même réponse, adresse connue ou non).",
            body = crate::session::Acknowledgement, example = json!({
            "message": "Si un compte correspond à cette adresse, un lien de connexion vient de lui être envoyé. Consultez votre messagerie."
        })),
        (status = 422, description = "`validation` ; champ `email`, code `invalid_email`.", body = carnet_http::openapi::ErrorBody),
        (status = 429, description = "`too_many_requests` : trop de demandes ; réessayer après `Retry-After` secondes.",
            body = carnet_http::openapi::ErrorBody,
            headers(("Retry-After" = u64, description = "Secondes à attendre avant une nouvelle demande."))),
    )
)]
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

/// Le jeton du lien de connexion reçu par courriel.
#[derive(Deserialize, ToSchema)]
#[schema(as = JetonDeConnexion)]
pub struct ConfirmRequest {
    /// Le jeton qui suit `#jeton=` dans le lien.
    token: String,
}

/// La session ouverte : son jeton (aussi posé en cookie `__Host-`), son échéance et le rôle
/// dans lequel elle agit.
#[derive(Serialize, ToSchema)]
#[schema(as = SessionOuverte)]
pub struct OpenedSession {
    /// Jeton de session, à envoyer en `Authorization: Bearer …` hors navigateur.
    token: String,
    expires_at: Instant,
    role: Role,
}

fn invalid_link() -> AppError {
    AppError::bad_request(
        "invalid_link",
        "Ce lien de connexion n'est plus valable (déjà utilisé, expiré ou incomplet). Demandez-en un nouveau.",
    )
}

/// Opens a session from a sign-in link: the signed token in the body and in the `__Host-` cookie.
#[utoipa::path(
    post,
    path = "/api/auth/confirm",
    tag = "Authentification",
    summary = "Se connecter avec le lien reçu",
    description = "**Rôles** : public. Le jeton du lien (à usage unique) ouvre une session dans le \
        rôle prioritaire du compte ; le jeton de session est rendu et posé en cookie.",
    request_body = ConfirmRequest,
    responses(
        (status = 200, description = "La session est ouverte.", body = OpenedSession,
            headers(("Set-Cookie" = String, description = "Le cookie de session `__Host-carnet_session` (HttpOnly, Secure, SameSite=Strict).")),
            example = json!({
            "token": "eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiIuLi4ifQ.c2lnbmF0dXJl",
            "expires_at": "2026-12-01T18:30:00.000000Z",
            "role": "professional"
        })),
        (status = 400, description = "`invalid_link` : lien déjà utilisé, expiré, incomplet, ou compte désactivé.",
            body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` : champ `token` absent ou mal formé.", body = carnet_http::openapi::ErrorBody),
    )
)]
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
    let cookie = session_cookie(&token, hours * 3600);
    let mut response = Json(OpenedSession {
        token,
        expires_at,
        role,
    })
    .into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
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
