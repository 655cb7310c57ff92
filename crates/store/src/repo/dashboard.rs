//! The département's dashboard: counts and series computed by the database, in both dialects
//! (`COUNT(CASE …)` rather than `FILTER`, `SUBSTR` on the fixed-width date text). Nothing in it
//! names a person: notebooks, requests, actions and rendez-vous are only counted.

use crate::{params, Db, StoreError};
use carnet_domain::{Id, Instant};
use serde::Serialize;
use std::collections::HashMap;

/// The window of the figures, computed by the caller from the request's clock.
pub struct Window {
    pub now: Instant,
    /// The months of the actions series, oldest first, `YYYY-MM`.
    pub months: Vec<String>,
    pub week_ago: Instant,
    pub month_ago: Instant,
}

#[derive(Serialize, Debug, Default, PartialEq, Eq)]
pub struct NotebookCounts {
    pub active: i64,
    pub archived: i64,
    pub without_referent: i64,
}

#[derive(Serialize, Debug, Default, PartialEq, Eq)]
pub struct PendingOrientations {
    pub total: i64,
    /// Waiting for less than 7 days.
    pub under_7_days: i64,
    /// Waiting for 7 to 30 days.
    pub from_7_to_30_days: i64,
    /// Waiting for more than 30 days.
    pub over_30_days: i64,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct MonthActions {
    pub month: String,
    /// Actions starting that month, by their current status (every status present, 0 included).
    pub by_status: Vec<StatusCount>,
    pub total: i64,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct StatusCount {
    pub status: String,
    pub count: i64,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct StructureActivity {
    pub id: String,
    pub name: String,
    /// Active notebooks with an active member from the structure.
    pub notebooks: i64,
    /// Active notebooks whose referent is from the structure.
    pub referent_of: i64,
    /// Enabled accounts holding an active professional role in it.
    pub professionals: i64,
    /// Rendez-vous held by the structure over the last 30 days (not cancelled).
    pub rendez_vous_30_days: i64,
}

#[derive(Serialize, Debug)]
pub struct Dashboard {
    pub notebooks: NotebookCounts,
    pub pending_orientations: PendingOrientations,
    pub actions_by_month: Vec<MonthActions>,
    pub structures: Vec<StructureActivity>,
}

/// Action statuses in the order the dashboard shows them.
pub const ACTION_STATUSES: [&str; 6] = [
    "planned",
    "in_progress",
    "standby",
    "done",
    "abandonned",
    "canceled",
];

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
    let row = crate::one_row(&counts)?;
    let archived: i64 = row.get("archived")?;
    let notebooks = NotebookCounts {
        active: row.get::<i64>("total")? - archived,
        archived,
        without_referent: row.get("without_referent")?,
    };

    let row = crate::one_row(&pending)?;
    let (total, recent, old): (i64, i64, i64) =
        (row.get("total")?, row.get("recent")?, row.get("old")?);
    let pending_orientations = PendingOrientations {
        total,
        under_7_days: recent,
        from_7_to_30_days: total - recent - old,
        over_30_days: old,
    };

    let mut counts: HashMap<(String, String), i64> = HashMap::new();
    for row in &actions {
        counts.insert((row.get("month")?, row.get("status")?), row.get("n")?);
    }
    let actions_by_month = window
        .months
        .iter()
        .map(|month| {
            let by_status: Vec<StatusCount> = ACTION_STATUSES
                .iter()
                .map(|status| StatusCount {
                    status: status.to_string(),
                    count: counts
                        .get(&(month.clone(), status.to_string()))
                        .copied()
                        .unwrap_or(0),
                })
                .collect();
            MonthActions {
                month: month.clone(),
                total: by_status.iter().map(|s| s.count).sum(),
                by_status,
            }
        })
        .collect();

    let mut followed: HashMap<Id, (i64, i64)> = HashMap::new();
    for row in &followed_rows {
        followed.insert(
            row.get("structure_id")?,
            (row.get("notebooks")?, row.get("referent_of")?),
        );
    }
    let mut professionals: HashMap<Id, i64> = HashMap::new();
    for row in &professional_rows {
        professionals.insert(row.get("structure_id")?, row.get("n")?);
    }
    let mut rendez_vous: HashMap<Id, i64> = HashMap::new();
    for row in &rendez_vous_rows {
        rendez_vous.insert(row.get("structure_id")?, row.get("n")?);
    }
    let structures = structure_rows
        .iter()
        .map(|row| {
            let id: Id = row.get("id")?;
            let (notebooks, referent_of) = followed.get(&id).copied().unwrap_or_default();
            Ok(StructureActivity {
                id: id.to_string(),
                name: row.get("name")?,
                notebooks,
                referent_of,
                professionals: professionals.get(&id).copied().unwrap_or(0),
                rendez_vous_30_days: rendez_vous.get(&id).copied().unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;

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
