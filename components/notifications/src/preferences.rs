//! Opting out of reminders (from the link in every reminder, without signing in), and each
//! beneficiary's choice of reminders.

use axum::Json;
use carnet_http::auth::Authenticated;
use carnet_http::extract::JsonBody;
use carnet_http::{AppError, Ctx};
use carnet_store::repo::preferences;
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
    ctx.db.transaction(async || {
        preferences::opt_out_of_reminders(&ctx.db, account, ctx.now).await?;
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
        Ok(Json(
            json!({ "message": "Vous ne recevrez plus de rappels de rendez-vous par courriel." }),
        ))
    }).await
}

fn reminders_refused() -> AppError {
    AppError::forbidden(
        "forbidden",
        "Seules les personnes accompagnées choisissent de recevoir ou non les rappels.",
    )
}

async fn reminders_state(auth: &Authenticated) -> Result<Value, AppError> {
    let since = preferences::reminders_opted_out_at(&auth.ctx.db, auth.account_id).await?;
    Ok(json!({ "reminders": since.is_none(), "reminders_opted_out_at": since }))
}

/// `GET /api/notifications/preferences`: whether the signed-in beneficiary gets reminder emails.
pub async fn get_preferences(auth: Authenticated) -> Result<Json<Value>, AppError> {
    if !carnet_domain::access::may_choose_reminders(&carnet_domain::access::Actor {
        account_id: auth.account_id,
        assignment: auth.assignment,
    }) {
        return Err(reminders_refused());
    }
    Ok(Json(reminders_state(&auth).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    reminders: Option<bool>,
}

/// `PUT /api/notifications/preferences {"reminders": true|false}`: the signed-in beneficiary
/// stops (or starts again) receiving reminder emails. Idempotent; a change is audited.
pub async fn put_preferences(
    auth: Authenticated,
    JsonBody(body): JsonBody<Preferences>,
) -> Result<Json<Value>, AppError> {
    if !carnet_domain::access::may_choose_reminders(&carnet_domain::access::Actor {
        account_id: auth.account_id,
        assignment: auth.assignment,
    }) {
        return Err(reminders_refused());
    }
    let Some(enabled) = body.reminders else {
        return Err(AppError::field(
            "reminders",
            "required",
            "Indiquez si vous voulez recevoir les rappels.",
        ));
    };
    let db = &auth.ctx.db;
    db.transaction(async || {
        let changed =
            preferences::set_reminders(db, auth.account_id, enabled, auth.ctx.now).await?;
        if changed {
            auth.audit(
                if enabled {
                    "reminders_opt_in"
                } else {
                    "reminders_opt_out"
                },
                "account",
                auth.account_id,
                None,
            )
            .await?;
        }
        Ok(Json(reminders_state(&auth).await?))
    })
    .await
}
