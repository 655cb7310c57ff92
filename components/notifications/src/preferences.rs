//! Opting out of reminders (from the link in every reminder, without signing in), and each
//! beneficiary's choice of reminders.

use axum::Json;
use carnet_http::auth::Authenticated;
use carnet_http::extract::JsonBody;
use carnet_http::openapi::ErrorBody;
use carnet_http::{AppError, Ctx};
use carnet_store::repo::preferences;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Le jeton du lien de désabonnement reçu dans chaque rappel.
#[derive(Deserialize, ToSchema)]
#[schema(as = JetonDeDesabonnement)]
pub struct OptOut {
    token: String,
}

/// Un message à montrer à la personne.
#[derive(Serialize, ToSchema)]
#[schema(as = Message)]
pub struct Message {
    #[schema(example = "Vous ne recevrez plus de rappels de rendez-vous par courriel.")]
    message: &'static str,
}

/// `POST /api/notifications/opt-out {"token"}`: no more reminder emails. Sign-in emails are
/// always sent.
#[utoipa::path(
    post,
    path = "/api/notifications/opt-out",
    tag = "Notifications",
    summary = "Se désabonner des rappels par le lien reçu",
    description = "**Rôles** : public (le jeton signé du lien suffit, sans session). Plus aucun rappel \
        de rendez-vous par courriel pour ce compte ; les liens de connexion restent envoyés. Journalisé.",
    request_body = OptOut,
    responses(
        (status = 200, description = "Désabonné.", body = Message,
            example = json!({"message": "Vous ne recevrez plus de rappels de rendez-vous par courriel."})),
        (status = 400, description = "`invalid_link` : jeton invalide ou expiré.", body = ErrorBody),
        (status = 422, description = "`validation` : champ `token` manquant.", body = ErrorBody),
    )
)]
pub async fn opt_out(
    ctx: Ctx,
    JsonBody(body): JsonBody<OptOut>,
) -> Result<Json<Message>, AppError> {
    let Some(account) = crate::jobs::verify_opt_out(&ctx, body.token.trim()) else {
        return Err(AppError::bad_request(
            "invalid_link",
            "Ce lien de désabonnement n'est pas valable.",
        ));
    };
    ctx.db
        .transaction(async || {
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
            Ok(Json(Message {
                message: "Vous ne recevrez plus de rappels de rendez-vous par courriel.",
            }))
        })
        .await
}

fn reminders_refused() -> AppError {
    AppError::forbidden(
        "forbidden",
        "Seules les personnes accompagnées choisissent de recevoir ou non les rappels.",
    )
}

/// Les choix de notification de la personne accompagnée connectée.
#[derive(Serialize, ToSchema)]
#[schema(as = PreferencesDeNotification, example = json!({"reminders": false, "reminders_opted_out_at": "2026-11-02T10:00:00.000000Z"}))]
pub struct ReminderPreferences {
    /// Reçoit les rappels de rendez-vous par courriel.
    reminders: bool,
    /// Depuis quand elle ne les reçoit plus (absent s'il les reçoit).
    reminders_opted_out_at: Option<String>,
}

async fn reminders_state(auth: &Authenticated) -> Result<ReminderPreferences, AppError> {
    let since = preferences::reminders_opted_out_at(&auth.ctx.db, auth.account_id).await?;
    Ok(ReminderPreferences {
        reminders: since.is_none(),
        reminders_opted_out_at: since,
    })
}

/// `GET /api/notifications/preferences`: whether the signed-in beneficiary gets reminder emails.
#[utoipa::path(
    get,
    path = "/api/notifications/preferences",
    tag = "Notifications",
    summary = "Ses choix de rappels",
    description = "**Rôles** : personne accompagnée (les autres rôles ne choisissent pas).",
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les choix.", body = ReminderPreferences),
        (status = 403, description = "`forbidden` : rôle autre que personne accompagnée ; `cgu_required` : CGU à accepter.", body = ErrorBody),
    )
)]
pub async fn get_preferences(auth: Authenticated) -> Result<Json<ReminderPreferences>, AppError> {
    if !carnet_domain::access::may_choose_reminders(&carnet_domain::access::Actor {
        account_id: auth.account_id,
        assignment: auth.assignment,
    }) {
        return Err(reminders_refused());
    }
    Ok(Json(reminders_state(&auth).await?))
}

/// Le choix : recevoir ou non les rappels de rendez-vous.
#[derive(Deserialize, ToSchema)]
#[schema(as = ChoixDeRappels)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    #[schema(example = false)]
    reminders: Option<bool>,
}

/// `PUT /api/notifications/preferences {"reminders": true|false}`: the signed-in beneficiary
/// stops (or starts again) receiving reminder emails. Idempotent; a change is audited.
#[utoipa::path(
    put,
    path = "/api/notifications/preferences",
    tag = "Notifications",
    summary = "Choisir de recevoir ou non les rappels",
    description = "**Rôles** : personne accompagnée. Idempotent ; un changement est journalisé.",
    request_body = Preferences,
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les choix enregistrés.", body = ReminderPreferences),
        (status = 403, description = "`forbidden` : rôle autre que personne accompagnée ; `cgu_required` : CGU à accepter ; `cross_origin` : demande d'un autre site.", body = ErrorBody),
        (status = 422, description = "`validation` : champ `reminders` (`required`).", body = ErrorBody),
    )
)]
pub async fn put_preferences(
    auth: Authenticated,
    JsonBody(body): JsonBody<Preferences>,
) -> Result<Json<ReminderPreferences>, AppError> {
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
