//! `GET /api/carnets/dashboard`: the département's figures for its managers
//! (`carnet_domain::access::may_view_dashboard`): notebooks without referent, pending
//! orientation requests by age, actions by month of start and current status over the last 12
//! months (the instance's calendar), and activity by structure. Counts only: no person in it,
//! so no access-log row.

use axum::Json;
use carnet_domain::access::may_view_dashboard;
use carnet_http::auth::Authenticated;
use carnet_http::AppError;
use carnet_store::repo::dashboard::{self, Dashboard, Window};

/// The 12 months ending with `today`'s, oldest first, as `YYYY-MM`.
pub fn last_twelve_months(today: &str) -> Vec<String> {
    let year: i32 = today[..4].parse().unwrap_or(1970);
    let month: i32 = today[5..7].parse().unwrap_or(1);
    let index = year * 12 + (month - 1);
    (index - 11..=index)
        .map(|i| format!("{:04}-{:02}", i / 12, i % 12 + 1))
        .collect()
}

/// The département's figures.
#[utoipa::path(
    get,
    path = "/api/carnets/dashboard",
    tag = "Carnets",
    summary = "Tableau de bord du département",
    description = "**Rôles** : gestionnaire. Des nombres seulement : carnets (actifs, archivés, sans \
        référent), demandes de réorientation en attente par ancienneté, actions des 12 derniers \
        mois par mois de début et état actuel, activité de chaque structure.",
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les chiffres.", body = Dashboard, example = json!({
            "notebooks": {"active": 1250, "archived": 80, "without_referent": 37},
            "pending_orientations": {"total": 12, "under_7_days": 5, "from_7_to_30_days": 4, "over_30_days": 3},
            "actions_by_month": [{"month": "2026-03", "total": 3, "by_status": [
                {"status": "planned", "count": 1}, {"status": "in_progress", "count": 2}, {"status": "standby", "count": 0},
                {"status": "done", "count": 0}, {"status": "abandonned", "count": 0}, {"status": "canceled", "count": 0}]}],
            "structures": [{"id": "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "name": "Mission locale Est", "notebooks": 420,
                "referent_of": 300, "professionals": 12, "rendez_vous_30_days": 150}]
        })),
        (status = 403, description = "`forbidden` : réservé aux gestionnaires du département ; `cgu_required` : conditions générales d'utilisation à accepter.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn figures(auth: Authenticated) -> Result<Json<Dashboard>, AppError> {
    if !may_view_dashboard(&auth.actor()) {
        return Err(AppError::forbidden(
            "forbidden",
            "Le tableau de bord est réservé aux gestionnaires du département.",
        ));
    }
    let now = auth.ctx.now;
    let today = now.local_date(&auth.ctx.config.timezone).to_string();
    let window = Window {
        now,
        months: last_twelve_months(&today),
        week_ago: now.minus_seconds(7 * 86_400),
        month_ago: now.minus_seconds(30 * 86_400),
    };
    Ok(Json(dashboard::figures(&auth.ctx.db, &window).await?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn twelve_months_end_with_the_current_one() {
        let months = super::last_twelve_months("2026-03-15");
        assert_eq!(months.len(), 12);
        assert_eq!(months[0], "2025-04");
        assert_eq!(months[11], "2026-03");
        assert_eq!(super::last_twelve_months("2026-12-01")[0], "2026-01");
    }
}
