//! Scheduled jobs, each an HTTP endpoint protected by `jobs_secret` so that any scheduler can
//! run them (a Kubernetes CronJob, a cron line; the native server runs them by itself). Each is
//! idempotent, works in bounded batches, can resume after a crash (every unit of work is its own
//! transaction), and reports counts.

use crate::delivery::require_job_secret;
use axum::http::HeaderMap;
use axum::Json;
use carnet_domain::emails;
use carnet_domain::Id;
use carnet_http::{AppError, Ctx};
use carnet_store::repo::audit::{self, AuditEntry};
use carnet_store::repo::jobs;
use carnet_store::repo::outbox::enqueue_content;
use jwt_simple::prelude::*;
use sha2::Digest;
use utoipa::ToSchema;

const OPT_OUT_PURPOSE: &str = "reminders_opt_out";

#[derive(Serialize, Deserialize)]
struct OptOutClaims {
    purpose: String,
    account: String,
}

/// A signed, single-purpose token that opts an account out of reminders (valid 400 days).
pub fn opt_out_token(ctx: &Ctx, account: Id) -> Result<String, AppError> {
    let mut claims = Claims::with_custom_claims(
        OptOutClaims {
            purpose: OPT_OUT_PURPOSE.into(),
            account: account.to_string(),
        },
        Duration::from_secs(60),
    );
    claims.issued_at = Some(UnixTimeStamp::from_secs(
        ctx.now.unix_seconds().max(0) as u64
    ));
    claims.expires_at = Some(UnixTimeStamp::from_secs(
        ctx.now.plus_seconds(400 * 86_400).unix_seconds().max(0) as u64,
    ));
    claims.invalid_before = None;
    HS256Key::from_bytes(ctx.config.session_key.as_bytes())
        .authenticate(claims)
        .map_err(AppError::internal)
}

pub fn verify_opt_out(ctx: &Ctx, token: &str) -> Option<Id> {
    let options = VerificationOptions {
        artificial_time: Some(UnixTimeStamp::from_secs(
            ctx.now.unix_seconds().max(0) as u64
        )),
        ..Default::default()
    };
    let keys = std::iter::once(ctx.config.session_key.as_str())
        .chain(ctx.config.session_key_previous.as_deref());
    for key in keys {
        if let Ok(claims) = HS256Key::from_bytes(key.as_bytes())
            .verify_token::<OptOutClaims>(token, Some(options.clone()))
        {
            if claims.custom.purpose == OPT_OUT_PURPOSE {
                return Id::parse(&claims.custom.account).ok();
            }
        }
    }
    None
}

const BATCH: usize = 200;

/// The audit row of a retention step on a notebook (no person acts: the role is "retention").
async fn retention_audit(ctx: &Ctx, action: &str, notebook: String) -> Result<(), AppError> {
    audit::record(
        &ctx.db,
        ctx.now,
        AuditEntry {
            actor_account_id: None,
            actor_role: Some("retention"),
            action,
            target_type: Some("notebook"),
            target_id: Some(notebook),
            client_addr: None,
            details: None,
        },
    )
    .await?;
    Ok(())
}

/// Which notification, about what, to whom, for which period: sent at most once.
struct Once<'a> {
    kind: &'a str,
    subject: &'a str,
    recipient: &'a str,
    period: &'a str,
}

/// Queues `content` for `email` in one transaction with its claim in `notifications_sent`.
/// Returns false, queuing nothing, when that notification was already claimed.
async fn queue_once(
    ctx: &Ctx,
    once: Once<'_>,
    email: &str,
    content: &emails::EmailContent,
) -> Result<bool, AppError> {
    ctx.db
        .transaction(async || {
            if !jobs::claim(
                &ctx.db,
                once.kind,
                once.subject,
                once.recipient,
                once.period,
                ctx.now,
            )
            .await?
            {
                return Ok(false);
            }
            enqueue_content(&ctx.db, ctx.now, email, content).await?;
            Ok(true)
        })
        .await
}

/// Le bilan des rappels de la veille.
#[derive(Serialize, ToSchema)]
#[schema(as = BilanDesRappels, example = json!({"job": "reminders", "for_date": "2026-12-05", "queued": 14, "already_sent": 0, "remaining": 0}))]
pub struct RemindersReport {
    #[schema(example = "reminders")]
    job: &'static str,
    /// Le jour des rendez-vous rappelés (demain, dans le fuseau de l'instance).
    for_date: String,
    /// Rappels mis en file.
    queued: usize,
    /// Rappels déjà envoyés par un passage précédent.
    already_sent: usize,
    /// Rappels restant pour un prochain passage (200 par passage).
    remaining: usize,
}

/// `POST /api/notifications/jobs/reminders`: the day before each rendez-vous, the professional
/// and the beneficiary, once each.
#[utoipa::path(
    post,
    path = "/api/notifications/jobs/reminders",
    tag = "Tâches planifiées",
    summary = "Rappels des rendez-vous du lendemain",
    description = "**Rôles** : l'ordonnanceur (`Authorization: Bearer` suivi du réglage `JOBS_SECRET`). \
        La veille de chaque rendez-vous, un rappel au professionnel et à la personne accompagnée (sauf désabonnement), une seule fois chacun.",
    security(("ordonnanceur" = [])),
    responses(
        (status = 200, description = "Le bilan du passage.", body = RemindersReport),
    )
)]
pub async fn reminders(ctx: Ctx, headers: HeaderMap) -> Result<Json<RemindersReport>, AppError> {
    require_job_secret(&ctx, &headers)?;
    let zone = ctx.config.timezone;
    let tomorrow = ctx.now.local_date(&zone).succ_opt().expect("date");
    let (from, to) = zone.day_bounds(tomorrow);
    let due = jobs::reminders_due(&ctx.db, from, to).await?;
    let (mut sent, mut already) = (0, 0);
    for reminder in due.iter().take(BATCH) {
        let link = format!("{}/carnets/{}", ctx.config.public_url, reminder.notebook_id);
        let opt_out = match reminder.is_beneficiary {
            true => Some(format!(
                "{}/notifications/desabonnement#jeton={}",
                ctx.config.public_url,
                opt_out_token(&ctx, reminder.recipient_id)?
            )),
            false => None,
        };
        let content = emails::rendez_vous_reminder(
            &zone.format_french(reminder.starts_at),
            &link,
            opt_out.as_deref(),
        );
        let once = Once {
            kind: "rendez_vous_reminder",
            subject: &reminder.rendez_vous_id.to_string(),
            recipient: &reminder.recipient_id.to_string(),
            period: "",
        };
        match queue_once(&ctx, once, &reminder.email, &content).await? {
            true => sent += 1,
            false => already += 1,
        }
    }
    let report = RemindersReport {
        job: "reminders",
        for_date: tomorrow.to_string(),
        queued: sent,
        already_sent: already,
        remaining: due.len().saturating_sub(BATCH),
    };
    jobs::record_run(
        &ctx.db,
        "reminders",
        ctx.now,
        &serde_json::to_value(&report)?,
    )
    .await?;
    Ok(Json(report))
}

/// Le bilan du récapitulatif hebdomadaire.
#[derive(Serialize, ToSchema)]
#[schema(as = BilanDuRecapitulatifHebdomadaire, example = json!({"job": "weekly_digest", "week": "2026-W49", "queued": 31, "already_sent": 0}))]
pub struct WeeklyDigestReport {
    #[schema(example = "weekly_digest")]
    job: &'static str,
    /// La semaine ISO (`AAAA-Wss`).
    week: String,
    queued: usize,
    already_sent: usize,
}

/// `POST /api/notifications/jobs/weekly-digest`: each referent, once per ISO week, the count of
/// overdue actions in their notebooks.
#[utoipa::path(
    post,
    path = "/api/notifications/jobs/weekly-digest",
    tag = "Tâches planifiées",
    summary = "Récapitulatif hebdomadaire des actions en retard",
    description = "**Rôles** : l'ordonnanceur (`Authorization: Bearer` suivi du réglage `JOBS_SECRET`). \
        Une fois par semaine ISO, chaque référent reçoit le nombre d'actions en retard de ses carnets.",
    security(("ordonnanceur" = [])),
    responses(
        (status = 200, description = "Le bilan du passage.", body = WeeklyDigestReport),
    )
)]
pub async fn weekly_digest(
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Json<WeeklyDigestReport>, AppError> {
    require_job_secret(&ctx, &headers)?;
    use carnet_domain::NaiveDate;
    let today: NaiveDate = ctx.now.local_date(&ctx.config.timezone);
    let week = {
        use chrono::Datelike;
        let week = today.iso_week();
        format!("{}-W{:02}", week.year(), week.week())
    };
    let referents = jobs::overdue_by_referent(&ctx.db, &today.to_string()).await?;
    let (mut sent, mut already) = (0, 0);
    for (account, email, overdue) in referents.iter().take(BATCH) {
        let once = Once {
            kind: "overdue_digest",
            subject: "",
            recipient: &account.to_string(),
            period: &week,
        };
        let content = emails::overdue_digest(*overdue, &ctx.config.public_url);
        match queue_once(&ctx, once, email, &content).await? {
            true => sent += 1,
            false => already += 1,
        }
    }
    let report = WeeklyDigestReport {
        job: "weekly_digest",
        week,
        queued: sent,
        already_sent: already,
    };
    jobs::record_run(
        &ctx.db,
        "weekly_digest",
        ctx.now,
        &serde_json::to_value(&report)?,
    )
    .await?;
    Ok(Json(report))
}

/// Le bilan du récapitulatif des personnes sans référent : hors créneau, seul `skipped` dit
/// pourquoi rien n'a été fait.
#[derive(Serialize, ToSchema)]
#[schema(as = BilanSansReferent, example = json!({"job": "unassigned_digest", "date": "2026-12-03", "without_referent": 4, "queued": 6, "already_sent": 0}))]
pub struct UnassignedDigestReport {
    #[schema(example = "unassigned_digest")]
    job: &'static str,
    /// Hors créneau : la raison pour laquelle rien n'a été fait.
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<&'static str>,
    /// Le jour (fuseau de l'instance).
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    /// Personnes arrivées depuis 24 h encore sans référent.
    #[serde(skip_serializing_if = "Option::is_none")]
    without_referent: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    queued: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    already_sent: Option<usize>,
}

/// `POST /api/notifications/jobs/unassigned-digest`: Sunday to Thursday at 22:00 (instance time
/// zone), structure admins learn how many beneficiaries of the day have no referent yet. Call it
/// hourly: outside 22:00–22:59 on those days it does nothing.
#[utoipa::path(
    post,
    path = "/api/notifications/jobs/unassigned-digest",
    tag = "Tâches planifiées",
    summary = "Récapitulatif des personnes sans référent",
    description = "**Rôles** : l'ordonnanceur (`Authorization: Bearer` suivi du réglage `JOBS_SECRET`). \
        Du dimanche au jeudi à 22 h (fuseau de l'instance), les administrateurs de structure reçoivent le nombre de personnes du jour encore sans référent. À appeler toutes les heures : hors de ce créneau, rien n'est fait (`skipped`).",
    security(("ordonnanceur" = [])),
    responses(
        (status = 200, description = "Le bilan du passage.", body = UnassignedDigestReport),
    )
)]
pub async fn unassigned_digest(
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Json<UnassignedDigestReport>, AppError> {
    require_job_secret(&ctx, &headers)?;
    let (weekday, hour) = ctx.config.timezone.weekday_and_hour(ctx.now);
    let sunday_to_thursday = weekday == 6 || weekday <= 3;
    if !(sunday_to_thursday && hour == 22) {
        return Ok(Json(UnassignedDigestReport {
            job: "unassigned_digest",
            skipped: Some("hors créneau (dimanche–jeudi, 22 h)"),
            date: None,
            without_referent: None,
            queued: None,
            already_sent: None,
        }));
    }
    let today = ctx.now.local_date(&ctx.config.timezone).to_string();
    let count = jobs::new_without_referent(&ctx.db, ctx.now.minus_seconds(24 * 3600)).await?;
    let (mut sent, mut already) = (0, 0);
    if count > 0 {
        let content = emails::unassigned_digest(count, &ctx.config.public_url);
        for (admin, email) in jobs::structure_admins(&ctx.db)
            .await?
            .iter()
            .take(BATCH * 5)
        {
            let once = Once {
                kind: "unassigned_digest",
                subject: "",
                recipient: &admin.to_string(),
                period: &today,
            };
            match queue_once(&ctx, once, email, &content).await? {
                true => sent += 1,
                false => already += 1,
            }
        }
    }
    let report = UnassignedDigestReport {
        job: "unassigned_digest",
        skipped: None,
        date: Some(today),
        without_referent: Some(count),
        queued: Some(sent),
        already_sent: Some(already),
    };
    jobs::record_run(
        &ctx.db,
        "unassigned_digest",
        ctx.now,
        &serde_json::to_value(&report)?,
    )
    .await?;
    Ok(Json(report))
}

/// A pseudonymous id: keyed hash, not reversible without the instance's key.
fn pseudonym(ctx: &Ctx, id: Id) -> String {
    let digest = sha2::Sha256::digest(format!("{}:{id}", ctx.config.session_key).as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("pseudonyme-{hex}")
}

/// Le bilan d'un passage de conservation des données.
#[derive(Serialize, ToSchema)]
#[schema(as = BilanDeConservation, example = json!({"job": "retention", "archived": 3, "destroyed": 1, "purged_access_log": 120, "purged_audit_log": 40, "more_to_do": false}))]
pub struct RetentionReport {
    #[schema(example = "retention")]
    job: &'static str,
    /// Carnets archivés (aucun contact individuel depuis deux ans).
    archived: usize,
    /// Carnets détruits (archivés depuis deux ans).
    destroyed: usize,
    /// Lignes du journal des consultations de plus de douze mois supprimées.
    purged_access_log: u64,
    /// Lignes du journal d'audit de plus de douze mois supprimées.
    purged_audit_log: u64,
    /// Il en reste : rappeler la tâche.
    more_to_do: bool,
}

/// `POST /api/notifications/jobs/retention`: as the law for this service sets it — a notebook
/// with no individual contact for two years is archived; two years after archiving it is
/// destroyed with the beneficiary's personal data wherever it was copied (logs keep a
/// pseudonymous id); access and audit logs older than twelve months are purged.
#[utoipa::path(
    post,
    path = "/api/notifications/jobs/retention",
    tag = "Tâches planifiées",
    summary = "Conservation : archiver, détruire, purger",
    description = "**Rôles** : l'ordonnanceur (`Authorization: Bearer` suivi du réglage `JOBS_SECRET`). \
        Un carnet sans contact individuel depuis deux ans est archivé ; deux ans après l'archivage il est détruit avec les données personnelles de la personne (les journaux gardent un pseudonyme) ; les journaux de plus de douze mois sont purgés.",
    security(("ordonnanceur" = [])),
    responses(
        (status = 200, description = "Le bilan du passage.", body = RetentionReport),
    )
)]
pub async fn retention(ctx: Ctx, headers: HeaderMap) -> Result<Json<RetentionReport>, AppError> {
    require_job_secret(&ctx, &headers)?;
    let db = &ctx.db;
    let two_years_ago = ctx.now.minus_months(24);
    let mut archived = 0;
    for notebook in jobs::to_archive(db, two_years_ago, 500).await? {
        let done = db
            .transaction(async || {
                if !jobs::archive(db, notebook, ctx.now).await? {
                    return Ok::<_, AppError>(false);
                }
                carnet_store::repo::timeline::record(
                    db,
                    ctx.now,
                    carnet_store::repo::timeline::NewEvent {
                        notebook_id: notebook,
                        actor_account_id: None,
                        event_type: "archived",
                        summary: "Carnet archivé : aucun contact individuel depuis deux ans",
                        before: None,
                        after: None,
                    },
                )
                .await?;
                retention_audit(&ctx, "notebook_archived", notebook.to_string()).await?;
                Ok(true)
            })
            .await?;
        archived += usize::from(done);
    }
    let mut destroyed = 0;
    for notebook in jobs::to_destroy(db, two_years_ago, 50).await? {
        let alias = pseudonym(&ctx, notebook);
        db.transaction(async || {
            jobs::destroy(db, notebook, &alias).await?;
            retention_audit(&ctx, "notebook_destroyed", alias.clone()).await
        })
        .await?;
        destroyed += 1;
    }
    let a_year_ago = ctx.now.minus_months(12);
    let purged_access = jobs::purge_log(db, "notebook_access_log", a_year_ago, 10_000).await?;
    let purged_audit = jobs::purge_log(db, "audit_log", a_year_ago, 10_000).await?;
    let more = !jobs::to_archive(db, two_years_ago, 1).await?.is_empty()
        || !jobs::to_destroy(db, two_years_ago, 1).await?.is_empty();
    let report = RetentionReport {
        job: "retention",
        archived,
        destroyed,
        purged_access_log: purged_access,
        purged_audit_log: purged_audit,
        more_to_do: more,
    };
    jobs::record_run(db, "retention", ctx.now, &serde_json::to_value(&report)?).await?;
    Ok(Json(report))
}
