//! Delivery of the outbox to the email webhook (a JSON POST per email, `Idempotency-Key` = the
//! email's id). Called by any scheduler: `POST /api/notifications/jobs/deliver` with
//! `Authorization: Bearer <jobs_secret>`. Rows are leased before sending, so two overlapping runs
//! never send the same email; a failure is retried with exponential backoff, and after
//! `MAX_ATTEMPTS` the email is marked `failed`, and listed for managers
//! (`GET /api/notifications/failed`).
//!
//! Requests never call the provider: they only write outbox rows. A provider that is slow or
//! hangs costs this job [`SEND_TIMEOUT`] for one email, which is then retried like any failure,
//! and ends the run (the provider is likely down: the other emails it leased are due again when
//! their lease ends, without an attempt counted). A run also stops starting emails once the one
//! it would start could outlast the lease, so that no email is sent after another run may have
//! leased it again.

use axum::http::HeaderMap;
use axum::Json;
use carnet_http::auth::Authenticated;
use carnet_http::openapi::ErrorBody;
use carnet_http::{AppError, Ctx, EmailProvider};
use carnet_store::repo::outbox;
use serde::Serialize;
use serde_json::{json, Value};
use std::future::Future;
use std::task::Poll;
use std::time::Duration;
use utoipa::ToSchema;

const BATCH: i64 = 50;
const MAX_PER_RUN: usize = 200;
const LEASE_SECONDS: i64 = 120;
pub const MAX_ATTEMPTS: i64 = 8;
/// How long one email may take to be accepted by the provider (below the native HTTP client's
/// own 10 s, and Spin's outbound HTTP has none).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(8);
/// A run starts no email later than this after it began: the email's send then ends before
/// the lease it took at the start (`LEASE_SECONDS`), with a margin for the store's writes.
const RUN_BUDGET: Duration = Duration::from_secs(LEASE_SECONDS as u64 - 2 * SEND_TIMEOUT.as_secs());

#[cfg(target_arch = "wasm32")]
async fn sleep(duration: Duration) {
    carnet_store::spin::single_threaded(spin_sdk::time::sleep(duration)).await
}

#[cfg(not(target_arch = "wasm32"))]
async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await
}

/// The outcome of `work`, or `None` when `limit` passed first (`work` is then dropped).
async fn within<T>(limit: Duration, work: impl Future<Output = T>) -> Option<T> {
    let mut work = std::pin::pin!(work);
    let mut timer = std::pin::pin!(sleep(limit));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(outcome) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(outcome));
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}

/// Constant-time comparison of two secrets.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn require_job_secret(ctx: &Ctx, headers: &HeaderMap) -> Result<(), AppError> {
    let Some(secret) = ctx.config.jobs_secret.as_deref() else {
        return Err(AppError::Config {
            setting: "jobs_secret",
            reason: "réglage manquant : les tâches planifiées sont désactivées".into(),
        });
    };
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if same_secret(given, secret) {
        Ok(())
    } else {
        Err(AppError::Unauthenticated)
    }
}

/// Backoff before attempt `attempts + 1`: 1, 2, 4… minutes, at most 4 hours.
fn backoff_seconds(attempts: i64) -> i64 {
    (60i64 << attempts.clamp(0, 8)).min(4 * 3600)
}

/// Where and how one email is sent, by provider.
struct Provider {
    url: String,
    headers: Vec<(&'static str, String)>,
    kind: EmailProvider,
}

fn provider(ctx: &Ctx) -> Result<Provider, AppError> {
    let missing = |setting: &'static str| AppError::Config {
        setting,
        reason: "réglage manquant : aucun moyen d'envoyer les courriels".into(),
    };
    match ctx.config.email_provider {
        EmailProvider::Webhook => Ok(Provider {
            url: ctx
                .config
                .email_webhook_url
                .clone()
                .ok_or_else(|| missing("email_webhook_url"))?,
            headers: ctx
                .config
                .email_webhook_secret
                .iter()
                .map(|secret| ("authorization", format!("Bearer {secret}")))
                .collect(),
            kind: EmailProvider::Webhook,
        }),
        EmailProvider::Brevo => Ok(Provider {
            url: ctx.config.brevo_api_url.clone(),
            headers: vec![(
                "api-key",
                ctx.config
                    .brevo_api_key
                    .clone()
                    .ok_or_else(|| missing("brevo_api_key"))?,
            )],
            kind: EmailProvider::Brevo,
        }),
    }
}

fn payload(ctx: &Ctx, provider: &Provider, email: &outbox::LeasedEmail) -> Value {
    match provider.kind {
        EmailProvider::Webhook => json!({
            "id": email.id.to_string(),
            "to": email.recipient,
            "subject": email.subject,
            "text": email.body_text,
            "html": email.body_html,
        }),
        // Brevo takes no idempotency key: the email's id travels as a header of the message.
        EmailProvider::Brevo => json!({
            "sender": { "name": "Carnet de bord", "email": ctx.config.email_sender },
            "to": [{ "email": email.recipient }],
            "subject": email.subject,
            "textContent": email.body_text,
            "htmlContent": email.body_html,
            "headers": { "X-Carnet-Email-Id": email.id.to_string() },
        }),
    }
}

/// Le bilan d'un passage d'envoi des courriels.
#[derive(Serialize, ToSchema)]
#[schema(as = BilanDEnvoi, example = json!({"sent": 12, "retried": 1, "failed": 0, "pending": 3}))]
pub struct DeliveryReport {
    /// Courriels remis au fournisseur.
    sent: usize,
    /// Courriels en échec, à retenter plus tard.
    retried: usize,
    /// Courriels abandonnés après toutes leurs tentatives.
    failed: usize,
    /// Courriels restant à envoyer.
    pending: i64,
}

/// `POST /api/notifications/jobs/deliver`: sends due emails (at most 200 a run).
#[utoipa::path(
    post,
    path = "/api/notifications/jobs/deliver",
    tag = "Tâches planifiées",
    summary = "Envoyer les courriels en attente",
    description = "**Rôles** : l'ordonnanceur (`Authorization: Bearer` suivi du réglage `JOBS_SECRET`). \
        Envoie au plus 200 courriels dus ; un échec est retenté plus tard (attente doublée à chaque \
        fois, 4 h au plus), puis abandonné et listé aux gestionnaires.",
    security(("ordonnanceur" = [])),
    responses(
        (status = 200, description = "Le bilan du passage.", body = DeliveryReport),
    )
)]
pub async fn deliver(ctx: Ctx, headers: HeaderMap) -> Result<Json<DeliveryReport>, AppError> {
    require_job_secret(&ctx, &headers)?;
    let provider = provider(&ctx)?;
    let (mut sent, mut retried, mut failed, mut handled) = (0, 0, 0, 0usize);
    let started = std::time::Instant::now();
    'run: while handled < MAX_PER_RUN {
        let leased =
            outbox::lease_due(&ctx.db, ctx.now, ctx.now.plus_seconds(LEASE_SECONDS), BATCH).await?;
        if leased.is_empty() {
            break;
        }
        for email in leased {
            if started.elapsed() > RUN_BUDGET {
                break 'run;
            }
            handled += 1;
            let mut headers: Vec<(&str, String)> = vec![("idempotency-key", email.id.to_string())];
            headers.extend(provider.headers.iter().cloned());
            let outcome = within(
                SEND_TIMEOUT,
                ctx.platform_post(&provider.url, &headers, &payload(&ctx, &provider, &email)),
            )
            .await;
            let timed_out = outcome.is_none();
            match outcome {
                Some(Ok(status)) if (200..300).contains(&status) => {
                    outbox::mark_sent(&ctx.db, email.id, ctx.now).await?;
                    sent += 1;
                }
                other => {
                    let error = match other {
                        Some(Ok(status)) => format!("HTTP {status}"),
                        Some(Err(error)) => error,
                        None => format!("pas de réponse en {} s", SEND_TIMEOUT.as_secs()),
                    };
                    let give_up = email.attempts + 1 >= MAX_ATTEMPTS;
                    let retry_at = ctx.now.plus_seconds(backoff_seconds(email.attempts));
                    outbox::mark_attempt_failed(&ctx.db, email.id, &error, retry_at, give_up)
                        .await?;
                    if give_up {
                        failed += 1;
                    } else {
                        retried += 1;
                    }
                }
            }
            if timed_out {
                break 'run;
            }
        }
    }
    let pending = outbox::count_pending(&ctx.db).await?;
    Ok(Json(DeliveryReport {
        sent,
        retried,
        failed,
        pending,
    }))
}

/// Les courriels abandonnés.
#[derive(Serialize, ToSchema)]
#[schema(as = CourrielsEnEchec, example = json!({"items": [{"id": "0b6f3c2e-5f7a-4c1d-9a3e-2f1d4b6c8e90",
    "template": "rendez_vous_reminder", "recipient": "camille.martin@exemple.fr", "attempts": 8,
    "last_error": "HTTP 500", "created_at": "2026-11-30T08:00:00.000000Z"}]}))]
pub struct FailedEmails {
    /// Au plus 200, du plus récent au plus ancien.
    items: Vec<outbox::FailedEmail>,
}

/// `GET /api/notifications/failed`: emails given up after every attempt (managers).
#[utoipa::path(
    get,
    path = "/api/notifications/failed",
    tag = "Notifications",
    summary = "Courriels abandonnés",
    description = "**Rôles** : gestionnaire du département. Les courriels que le fournisseur n'a pas \
        acceptés après toutes les tentatives, pour vérifier l'adresse ou prévenir autrement.",
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les courriels abandonnés.", body = FailedEmails),
        (status = 403, description = "`forbidden` : réservé aux gestionnaires ; `cgu_required` : CGU à accepter.", body = ErrorBody),
    )
)]
pub async fn failed_emails(auth: Authenticated) -> Result<Json<FailedEmails>, AppError> {
    if !carnet_domain::access::may_list_failed_emails(&auth.actor()) {
        return Err(AppError::forbidden(
            "forbidden",
            "Réservé aux gestionnaires du département.",
        ));
    }
    let items = outbox::failed_emails(&auth.ctx.db).await?;
    Ok(Json(FailedEmails { items }))
}
