//! The département's dashboard: counts and series computed by the database, in both dialects
//! (`COUNT(CASE …)` rather than `FILTER`, `SUBSTR` on the fixed-width date text). Nothing in it
//! names a person: notebooks, requests, actions and rendez-vous are only counted.

use super::carnets::view::ActionStatus;
use crate::{params, Db, StoreError};
use carnet_domain::{Id, Instant};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

/// The window of the figures, computed by the caller from the request's clock.
pub struct Window {
    pub now: Instant,
    /// The months of the actions series, oldest first, `YYYY-MM`.
    pub months: Vec<String>,
    pub week_ago: Instant,
    pub month_ago: Instant,
}

/// Les carnets du département.
#[derive(Serialize, ToSchema, Debug, Default, PartialEq, Eq)]
#[schema(as = ComptesDeCarnets)]
pub struct NotebookCounts {
    /// Carnets non archivés.
    #[schema(example = 1250)]
    pub active: i64,
    #[schema(example = 80)]
    pub archived: i64,
    /// Carnets non archivés sans référent.
    #[schema(example = 37)]
    pub without_referent: i64,
}

/// Les demandes de réorientation en attente (carnets non archivés), par ancienneté.
#[derive(Serialize, ToSchema, Debug, Default, PartialEq, Eq)]
#[schema(as = OrientationsEnAttente)]
pub struct PendingOrientations {
    pub total: i64,
    /// En attente depuis moins de 7 jours.
    pub under_7_days: i64,
    /// En attente depuis 7 à 30 jours.
    pub from_7_to_30_days: i64,
    /// En attente depuis plus de 30 jours.
    pub over_30_days: i64,
}

/// Les actions commençant un mois donné.
#[derive(Serialize, ToSchema, Debug, PartialEq, Eq)]
#[schema(as = ActionsDuMois)]
pub struct MonthActions {
    /// `AAAA-MM`.
    #[schema(example = "2026-03")]
    pub month: String,
    /// Les actions commençant ce mois, par leur état actuel (chaque état présent, 0 compris).
    pub by_status: Vec<StatusCount>,
    pub total: i64,
}

/// Un nombre d'actions dans un état.
#[derive(Serialize, ToSchema, Debug, PartialEq, Eq)]
#[schema(as = ActionsParStatut)]
pub struct StatusCount {
    pub status: ActionStatus,
    pub count: i64,
}

/// L'activité d'une structure.
#[derive(Serialize, ToSchema, Debug, PartialEq, Eq)]
#[schema(as = ActiviteDeStructure)]
pub struct StructureActivity {
    pub id: Id,
    #[schema(example = "Mission locale Est")]
    pub name: String,
    /// Carnets non archivés ayant un membre actif de la structure.
    pub notebooks: i64,
    /// Carnets non archivés dont le référent est de la structure.
    pub referent_of: i64,
    /// Comptes actifs ayant un rôle de professionnel actif dans la structure.
    pub professionals: i64,
    /// Rendez-vous tenus par la structure ces 30 derniers jours (non annulés).
    pub rendez_vous_30_days: i64,
}

/// Le tableau de bord du département : des nombres seulement, aucune personne.
#[derive(Serialize, ToSchema, Debug)]
#[schema(as = TableauDeBord)]
pub struct Dashboard {
    pub notebooks: NotebookCounts,
    pub pending_orientations: PendingOrientations,
    /// Les 12 derniers mois (calendrier de l'instance), du plus ancien au mois en cours.
    pub actions_by_month: Vec<MonthActions>,
    /// Chaque structure, dans l'ordre alphabétique.
    pub structures: Vec<StructureActivity>,
}

/// Action statuses in the order the dashboard shows them.
pub const ACTION_STATUSES: [ActionStatus; 6] = [
    ActionStatus::Planned,
    ActionStatus::InProgress,
    ActionStatus::Standby,
    ActionStatus::Done,
    ActionStatus::Abandonned,
    ActionStatus::Canceled,
];

#[derive(Deserialize)]
struct NotebookCountsRow {
    total: i64,
    archived: i64,
    without_referent: i64,
}

#[derive(Deserialize)]
struct PendingRow {
    total: i64,
    recent: i64,
    old: i64,
}

#[derive(Deserialize)]
struct MonthStatusRow {
    month: String,
    status: ActionStatus,
    n: i64,
}

#[derive(Deserialize)]
struct FollowedRow {
    structure_id: Id,
    notebooks: i64,
    referent_of: i64,
}

/// A count by structure.
#[derive(Deserialize)]
struct StructureCount {
    structure_id: Id,
    n: i64,
}

#[derive(Deserialize)]
struct StructureRow {
    id: Id,
    name: String,
}

fn next_month(month: &str) -> String {
    let year: i32 = month[..4].parse().unwrap_or(1970);
    let number: u32 = month[5..7].parse().unwrap_or(1);
    if number == 12 {
        format!("{:04}-01", year + 1)
    } else {
        format!("{year:04}-{:02}", number + 1)
    }
}

/// The notebooks' counts, each read on an index: every notebook (SQLite counts the narrowest
/// index), the archived ones (`notebooks_archived`), the listed ones without referent
/// (`notebooks_without_referent`, whose predicate this repeats).
const NOTEBOOK_COUNTS: &str = "SELECT (SELECT COUNT(*) FROM notebooks) AS total, \
     (SELECT COUNT(*) FROM notebooks WHERE archived_at IS NOT NULL) AS archived, \
     (SELECT COUNT(*) FROM notebooks n WHERE n.has_referent = FALSE AND n.archived_at IS NULL) AS without_referent";

const PENDING_ORIENTATIONS: &str = "SELECT COUNT(*) AS total, \
       COUNT(CASE WHEN o.created_at >= $1 THEN 1 END) AS recent, \
       COUNT(CASE WHEN o.created_at < $2 THEN 1 END) AS old \
     FROM orientation_requests o JOIN notebooks n ON n.id = o.notebook_id \
     WHERE o.status = 'pending' AND n.archived_at IS NULL";

/// Actions starting in the window (`$1` included, `$2` excluded), by month and status.
const ACTIONS_BY_MONTH: &str =
    "SELECT SUBSTR(start_date, 1, 7) AS month, status, COUNT(*) AS n FROM actions \
     WHERE start_date >= $1 AND start_date < $2 GROUP BY SUBSTR(start_date, 1, 7), status";

/// By structure, the listed notebooks it has an active member of, and of which it has the
/// referent: on the memberships' index alone (`listed` is their notebook's not being archived).
const FOLLOWED_BY_STRUCTURE: &str = "SELECT m.structure_id, COUNT(DISTINCT m.notebook_id) AS notebooks, \
       COUNT(CASE WHEN m.member_type = 'referent' THEN 1 END) AS referent_of \
     FROM notebook_members m \
     WHERE m.structure_id IS NOT NULL AND m.active = TRUE AND m.listed = TRUE GROUP BY m.structure_id";

const PROFESSIONALS_BY_STRUCTURE: &str = "SELECT r.structure_id, COUNT(DISTINCT r.account_id) AS n \
     FROM role_assignments r JOIN accounts a ON a.id = r.account_id \
     WHERE r.role = 'professional' AND r.revoked_at IS NULL AND a.disabled_at IS NULL GROUP BY r.structure_id";

/// Rendez-vous not cancelled between `$1` and `$2`, by structure (on `rendez_vous_starts`).
const RENDEZ_VOUS_BY_STRUCTURE: &str = "SELECT structure_id, COUNT(*) AS n FROM rendez_vous \
     WHERE cancelled_at IS NULL AND starts_at >= $1 AND starts_at <= $2 AND structure_id IS NOT NULL \
     GROUP BY structure_id";

/// The dashboard's figures: its reads are independent, and sent together.
pub async fn figures(db: &Db, window: &Window) -> Result<Dashboard, StoreError> {
    // The actions' window, from the first month's first day to the day after the last month
    // (empty without months).
    let (from, until) = match (window.months.first(), window.months.last()) {
        (Some(first), Some(last)) => (format!("{first}-01"), format!("{}-01", next_month(last))),
        _ => (String::new(), String::new()),
    };
    let [counts, pending, actions, followed_rows, professional_rows, rendez_vous_rows, structure_rows] =
        db.query_many(&[
            (NOTEBOOK_COUNTS, params![]),
            (
                PENDING_ORIENTATIONS,
                params![window.week_ago, window.month_ago],
            ),
            (ACTIONS_BY_MONTH, params![from, until]),
            (FOLLOWED_BY_STRUCTURE, params![]),
            (PROFESSIONALS_BY_STRUCTURE, params![]),
            (
                RENDEZ_VOUS_BY_STRUCTURE,
                params![window.month_ago, window.now],
            ),
            (
                "SELECT id, name FROM structures ORDER BY sort_key, id",
                params![],
            ),
        ])
        .await?;
    let row: NotebookCountsRow = crate::one_row(&counts)?.decode()?;
    let notebooks = NotebookCounts {
        active: row.total - row.archived,
        archived: row.archived,
        without_referent: row.without_referent,
    };

    let row: PendingRow = crate::one_row(&pending)?.decode()?;
    let pending_orientations = PendingOrientations {
        total: row.total,
        under_7_days: row.recent,
        from_7_to_30_days: row.total - row.recent - row.old,
        over_30_days: row.old,
    };

    let counts: HashMap<(String, ActionStatus), i64> =
        crate::decode_all::<MonthStatusRow>(&actions)?
            .into_iter()
            .map(|row| ((row.month, row.status), row.n))
            .collect();
    let actions_by_month = window
        .months
        .iter()
        .map(|month| {
            let by_status: Vec<StatusCount> = ACTION_STATUSES
                .iter()
                .map(|&status| StatusCount {
                    status,
                    count: counts.get(&(month.clone(), status)).copied().unwrap_or(0),
                })
                .collect();
            MonthActions {
                month: month.clone(),
                total: by_status.iter().map(|s| s.count).sum(),
                by_status,
            }
        })
        .collect();

    let followed: HashMap<Id, (i64, i64)> = crate::decode_all::<FollowedRow>(&followed_rows)?
        .into_iter()
        .map(|row| (row.structure_id, (row.notebooks, row.referent_of)))
        .collect();
    let by_structure = |rows: &[crate::Row]| -> Result<HashMap<Id, i64>, StoreError> {
        Ok(crate::decode_all::<StructureCount>(rows)?
            .into_iter()
            .map(|row| (row.structure_id, row.n))
            .collect())
    };
    let professionals = by_structure(&professional_rows)?;
    let rendez_vous = by_structure(&rendez_vous_rows)?;
    let structures = crate::decode_all::<StructureRow>(&structure_rows)?
        .into_iter()
        .map(|row| {
            let (notebooks, referent_of) = followed.get(&row.id).copied().unwrap_or_default();
            StructureActivity {
                id: row.id,
                name: row.name,
                notebooks,
                referent_of,
                professionals: professionals.get(&row.id).copied().unwrap_or(0),
                rendez_vous_30_days: rendez_vous.get(&row.id).copied().unwrap_or(0),
            }
        })
        .collect();

    Ok(Dashboard {
        notebooks,
        pending_orientations,
        actions_by_month,
        structures,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_month_wraps_the_year() {
        assert_eq!(super::next_month("2026-11"), "2026-12");
        assert_eq!(super::next_month("2026-12"), "2027-01");
    }
}
