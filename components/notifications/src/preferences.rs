//! Opting out of reminders (from the link in every reminder, without signing in), and the
//! emails that failed for good (managers).

use axum::Json;
use carnet_domain::roles::Role;
use carnet_http::auth::Authenticated;
use carnet_http::routing::JsonBody;
use carnet_http::{AppError, Ctx};
use carnet_store::params;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub struct OptOut {
    token: String,
}

/// `POST /api/notifications/opt-out {"token"}`: no more reminder emails. Sign-in emails are
/// always sent.
pub async fn opt_out(ctx: Ctx, JsonBody(body): JsonBody<OptOut>) -> Result<Json<Value>, AppError> {
    let Some(account) = crate::jobs::verify_opt_out(&ctx, body.token.trim()) else {
        return Err(AppError::bad_request(
            "invalid_link",
            "Ce lien de désabonnement n'est pas valable.",
        ));
    };
    ctx.db.begin().await?;
    ctx.db
        .execute(
            "UPDATE accounts SET reminders_opt_out_at = COALESCE(reminders_opt_out_at, $2) WHERE id = $1",
            params![account, ctx.now],
        )
        .await?;
    carnet_store::repo::audit::record(
        &ctx.db,
        ctx.now,
        carnet_store::repo::audit::AuditEntry {
            actor_account_id: Some(account),
            actor_role: None,
            action: "reminders_opt_out",
            target_type: Some("account"),
            target_id: Some(account.to_string()),
            client_addr: ctx.client_addr.as_ref().map(|c| c.0.as_str()),
            details: None,
        },
    )
    .await?;
    ctx.db.commit().await?;
    Ok(Json(
        json!({ "message": "Vous ne recevrez plus de rappels de rendez-vous par courriel." }),
    ))
}

/// `GET /api/notifications/failed`: emails given up after every attempt (managers).
pub async fn failed_emails(auth: Authenticated) -> Result<Json<Value>, AppError> {
    if auth.assignment.role != Role::Manager {
        return Err(AppError::forbidden(
            "forbidden",
            "Réservé aux gestionnaires du département.",
        ));
    }
    let rows = auth
        .ctx
        .db
        .query(
            "SELECT id, template, recipient, attempts, last_error, created_at FROM outbox WHERE status = 'failed' ORDER BY created_at DESC LIMIT 200",
            params![],
        )
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(json!({
                "id": r.get::<String>("id")?,
                "template": r.get::<String>("template")?,
                "recipient": r.get::<String>("recipient")?,
                "attempts": r.get::<i64>("attempts")?,
                "last_error": r.get::<Option<String>>("last_error")?,
                "created_at": r.get::<String>("created_at")?,
            }))
        })
        .collect::<Result<Vec<_>, carnet_store::StoreError>>()?;
    Ok(Json(json!({ "items": items })))
}
