//! Test mode (refused unless the public URL is loopback, see `carnet_http::Config`): set the
//! instance's clock and read what it sent out. Outside test mode these paths do not exist (404).

use axum::Json;
use carnet_domain::roles::{Assignment, Role, Scope};
use carnet_domain::{Email, Id, Instant};
use carnet_http::extract::JsonBody;
use carnet_http::extract::Query;
use carnet_http::openapi::ErrorBody;
use carnet_http::{AppError, Ctx};
use carnet_store::repo::accounts;
use carnet_store::repo::test_data::{self, OutboxEmail};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

fn require_test_mode(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.config.test_mode {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// L'instant que l'instance doit prendre pour l'heure courante.
#[derive(Deserialize, ToSchema)]
#[schema(as = HorlogeDemandee)]
pub struct ClockBody {
    /// Instant RFC 3339.
    #[schema(example = "2026-12-01T09:00:00Z")]
    now: String,
}

/// L'heure de l'instance, figée.
#[derive(Serialize, ToSchema)]
#[schema(as = HorlogeDeTest, example = json!({"now": "2026-12-01T09:00:00.000000Z"}))]
pub struct ClockState {
    now: Instant,
}

/// `PUT /api/test/clock {"now": "2026-12-01T09:00:00Z"}`: every component then reads this
/// instant as the current time.
#[utoipa::path(
    put,
    path = "/api/test/clock",
    tag = "Mode test",
    summary = "Figer l'heure de l'instance",
    description = "**Rôles** : mode test seulement (réglage `TEST_MODE`, refusé hors adresse locale) ; hors mode test, 404 `not_found`. Tous les composants lisent ensuite cet instant comme l'heure courante.",
    request_body = ClockBody,
    responses(
        (status = 200, description = "L'heure figée.", body = ClockState),
        (status = 404, description = "`not_found` : l'instance n'est pas en mode test.", body = ErrorBody),
        (status = 422, description = "`validation` : champ `now` (`invalid_instant`).", body = ErrorBody),
    )
)]
pub async fn set_clock(
    ctx: Ctx,
    JsonBody(body): JsonBody<ClockBody>,
) -> Result<Json<ClockState>, AppError> {
    require_test_mode(&ctx)?;
    let now = Instant::parse(&body.now)
        .map_err(|error| AppError::field("now", "invalid_instant", &error.to_string()))?;
    ctx.db
        .transaction(async || {
            test_data::set_clock(&ctx.db, now).await?;
            Ok(Json(ClockState { now }))
        })
        .await
}

/// `DELETE /api/test/clock`: back to the system clock.
#[utoipa::path(
    delete,
    path = "/api/test/clock",
    tag = "Mode test",
    summary = "Revenir à l'heure du système",
    description = "**Rôles** : mode test seulement (réglage `TEST_MODE`, refusé hors adresse locale) ; hors mode test, 404 `not_found`. ",
    responses(
        (status = 204, description = "L'instance suit de nouveau l'heure du système."),
        (status = 404, description = "`not_found` : l'instance n'est pas en mode test.", body = ErrorBody, example = json!({"error": {"code": "not_found", "message": "Élément introuvable."}})),
    )
)]
pub async fn reset_clock(ctx: Ctx) -> Result<axum::http::StatusCode, AppError> {
    require_test_mode(&ctx)?;
    test_data::clear_clock(&ctx.db).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// `DELETE /api/test/data`: empties every table except the référentiel (`ref_*`) and
/// `schema_migrations`, clock included, so that a suite run against one instance
/// (`CARNET_BASE_URL`) starts each test as on a freshly migrated database.
#[utoipa::path(
    delete,
    path = "/api/test/data",
    tag = "Mode test",
    summary = "Vider toutes les données",
    description = "**Rôles** : mode test seulement (réglage `TEST_MODE`, refusé hors adresse locale) ; hors mode test, 404 `not_found`. Vide toutes les tables sauf le référentiel et les migrations (horloge comprise), \
        pour qu'une suite de tests lancée contre une instance parte d'une base neuve.",
    responses(
        (status = 204, description = "Les données sont vidées."),
        (status = 404, description = "`not_found` : l'instance n'est pas en mode test.", body = ErrorBody, example = json!({"error": {"code": "not_found", "message": "Élément introuvable."}})),
    )
)]
pub async fn reset_data(ctx: Ctx) -> Result<axum::http::StatusCode, AppError> {
    require_test_mode(&ctx)?;
    let db = &ctx.db;
    let tables = test_data::data_tables(db).await?;
    db.transaction(async || {
        test_data::empty_tables(db, &tables).await?;
        Ok(axum::http::StatusCode::NO_CONTENT)
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Seulement les courriels à cette adresse (casse indifférente).
    recipient: Option<String>,
}

/// `GET /api/test/outbox[?recipient=…]`: what the instance queued or sent, newest last.
#[utoipa::path(
    get,
    path = "/api/test/outbox",
    tag = "Mode test",
    summary = "Les courriels mis en file ou envoyés",
    description = "**Rôles** : mode test seulement (réglage `TEST_MODE`, refusé hors adresse locale) ; hors mode test, 404 `not_found`. Du plus ancien au plus récent.",
    params(OutboxQuery),
    responses(
        (status = 200, description = "Les courriels.", body = Vec<OutboxEmail>, example = json!([{
            "id": "0b6f3c2e-5f7a-4c1d-9a3e-2f1d4b6c8e90", "template": "sign_in_link",
            "recipient": "camille.martin@exemple.fr", "subject": "Votre lien de connexion",
            "body_text": "Bonjour…", "body_html": "<p>Bonjour…</p>", "status": "pending",
            "attempts": 0, "created_at": "2026-12-01T09:00:00.000000Z"}])),
        (status = 422, description = "`validation` : paramètre `recipient` illisible (`invalid_characters`, `duplicate_field`…).", body = ErrorBody),
        (status = 404, description = "`not_found` : l'instance n'est pas en mode test.", body = ErrorBody),
    )
)]
pub async fn outbox(
    ctx: Ctx,
    Query(query): Query<OutboxQuery>,
) -> Result<Json<Vec<OutboxEmail>>, AppError> {
    require_test_mode(&ctx)?;
    let emails = test_data::outbox(&ctx.db, query.recipient.as_deref()).await?;
    Ok(Json(emails))
}

/// Le compte de test à créer, avec un rôle.
#[derive(Deserialize, ToSchema)]
#[schema(as = CompteDeTestDemande)]
pub struct TestAccount {
    #[schema(example = "camille.martin@exemple.fr")]
    email: String,
    /// Le rôle (`professional`, `manager`…).
    #[schema(example = "professional")]
    role: String,
    /// La structure du rôle, par son identifiant…
    structure_id: Option<String>,
    /// … ou une structure créée sous ce nom.
    structure_name: Option<String>,
}

/// Le compte de test créé (ou retrouvé) et son rôle.
#[derive(Serialize, ToSchema)]
#[schema(as = CompteDeTest, example = json!({"account_id": "0b6f3c2e-5f7a-4c1d-9a3e-2f1d4b6c8e90",
    "role_id": "7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d", "structure_id": null}))]
pub struct TestAccountCreated {
    account_id: Id,
    role_id: Id,
    structure_id: Option<Id>,
}

/// `POST /api/test/accounts`: an account holding one role, created directly (test mode only),
/// so that a suite can sign in as any role on any instance in test mode.
#[utoipa::path(
    post,
    path = "/api/test/accounts",
    tag = "Mode test",
    summary = "Créer un compte avec un rôle",
    description = "**Rôles** : mode test seulement (réglage `TEST_MODE`, refusé hors adresse locale) ; hors mode test, 404 `not_found`. Crée (ou retrouve par son adresse) un compte et lui donne le rôle demandé, pour \
        qu'une suite de tests se connecte dans chaque rôle.",
    request_body = TestAccount,
    responses(
        (status = 200, description = "Le compte et son rôle.", body = TestAccountCreated),
        (status = 404, description = "`not_found` : l'instance n'est pas en mode test.", body = ErrorBody),
        (status = 409, description = "`already_exists` : ce rôle est déjà détenu.", body = ErrorBody),
        (status = 422, description = "`validation` : champs `email` (`invalid_email`), `role` (`invalid_role`, `invalid_scope`), `structure_id` (`invalid_id`).", body = ErrorBody),
    )
)]
pub async fn create_account(
    ctx: Ctx,
    JsonBody(body): JsonBody<TestAccount>,
) -> Result<Json<TestAccountCreated>, AppError> {
    require_test_mode(&ctx)?;
    let email = Email::parse(&body.email)
        .map_err(|e| AppError::field("email", "invalid_email", &e.to_string()))?;
    let role = Role::parse(&body.role)
        .map_err(|e| AppError::field("role", "invalid_role", &e.to_string()))?;
    let db = &ctx.db;
    db.transaction(async || {
        let structure_id = match (&body.structure_id, &body.structure_name) {
            (Some(id), _) => Some(
                Id::parse(id)
                    .map_err(|e| AppError::field("structure_id", "invalid_id", &e.to_string()))?,
            ),
            (None, Some(name)) => Some(accounts::create_structure(db, name, ctx.now).await?),
            (None, None) => None,
        };
        let scope = match structure_id {
            Some(id) => Scope::Structure(id),
            None => Scope::Instance,
        };
        let assignment = Assignment::new(role, scope)
            .map_err(|e| AppError::field("role", "invalid_scope", &e.to_string()))?;
        let account_id = match accounts::find_by_email(db, &email).await? {
            Some(account) => account.id,
            None => {
                accounts::create(
                    db,
                    ctx.now,
                    accounts::NewAccount {
                        email: &email,
                        first_name: "Prénom",
                        last_name: "Nom",
                        created_by: None,
                    },
                )
                .await?
            }
        };
        let role_id = accounts::grant(db, account_id, &assignment, ctx.now, None).await?;
        Ok(Json(TestAccountCreated {
            account_id,
            role_id,
            structure_id,
        }))
    })
    .await
}
