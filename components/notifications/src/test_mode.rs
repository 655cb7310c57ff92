//! Test mode (refused unless the public URL is loopback, see `carnet_http::Config`): set the
//! instance's clock and read what it sent out. Outside test mode these paths do not exist (404).

use axum::Json;
use carnet_domain::roles::{Assignment, Role, Scope};
use carnet_domain::{Email, Id, Instant};
use carnet_http::extract::JsonBody;
use carnet_http::extract::Query;
use carnet_http::{AppError, Ctx};
use carnet_store::repo::accounts;
use carnet_store::repo::test_data::{self, OutboxEmail};
use serde::{Deserialize, Serialize};

fn require_test_mode(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.config.test_mode {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Deserialize)]
pub struct ClockBody {
    now: String,
}

#[derive(Serialize)]
pub struct ClockState {
    now: String,
}

/// `PUT /api/test/clock {"now": "2026-12-01T09:00:00Z"}`: every component then reads this
/// instant as the current time.
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
            Ok(Json(ClockState { now: now.to_db() }))
        })
        .await
}

/// `DELETE /api/test/clock`: back to the system clock.
pub async fn reset_clock(ctx: Ctx) -> Result<axum::http::StatusCode, AppError> {
    require_test_mode(&ctx)?;
    test_data::clear_clock(&ctx.db).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// `DELETE /api/test/data`: empties every table except the référentiel (`ref_*`) and
/// `schema_migrations`, clock included, so that a suite run against one instance
/// (`CARNET_BASE_URL`) starts each test as on a freshly migrated database.
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

#[derive(Deserialize)]
pub struct OutboxQuery {
    recipient: Option<String>,
}

/// `GET /api/test/outbox[?recipient=…]`: what the instance queued or sent, newest last.
pub async fn outbox(
    ctx: Ctx,
    Query(query): Query<OutboxQuery>,
) -> Result<Json<Vec<OutboxEmail>>, AppError> {
    require_test_mode(&ctx)?;
    let emails = test_data::outbox(&ctx.db, query.recipient.as_deref()).await?;
    Ok(Json(emails))
}

#[derive(Deserialize)]
pub struct TestAccount {
    email: String,
    role: String,
    structure_id: Option<String>,
    /// Creates a structure of that name for the role's scope.
    structure_name: Option<String>,
}

/// `POST /api/test/accounts`: an account holding one role, created directly (test mode only),
/// so that a suite can sign in as any role on any instance in test mode.
pub async fn create_account(
    ctx: Ctx,
    JsonBody(body): JsonBody<TestAccount>,
) -> Result<Json<serde_json::Value>, AppError> {
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
        Ok(Json(serde_json::json!({
            "account_id": account_id.to_string(),
            "role_id": role_id.to_string(),
            "structure_id": structure_id.map(|id| id.to_string()),
        })))
    })
    .await
}
