//! A notebook's diagnostic: work situation and its dates, RQTH, education level, contract (on
//! the notebook, under its version); situations from the reference list (kept once removed, with
//! who removed them and when); job projects (ROME).

use super::plan::{Versioned, VersionedState};
use crate::{params, Db, StoreError, Value};
use carnet_domain::{Id, Instant};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The diagnostic's columns of `notebooks`, the version last.
pub const DIAGNOSTIC_COLUMNS: &[&str] = &[
    "work_situation",
    "work_situation_date",
    "work_situation_end_date",
    "rqth",
    "education_level",
    "contract_type",
    "contract_sign_date",
    "contract_start_date",
    "contract_end_date",
    "version",
];

/// The columns of a job project its writes may set, besides its ROME job (taken from the
/// reference list).
pub const JOB_PROJECT_COLUMNS: &[&str] = &[
    "mobility_radius_km",
    "hourly_wage_cents",
    "contract_type",
    "working_time",
];

/// Le diagnostic d'un carnet : situation professionnelle et ses dates, RQTH, niveau de
/// formation, contrat.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[schema(as = EtatDiagnostic)]
pub struct DiagnosticState {
    /// Situation professionnelle (liste `work_situation`).
    #[schema(example = "recherche_emploi")]
    pub work_situation: Option<String>,
    /// Depuis quand (`AAAA-MM-JJ`).
    #[schema(example = "2024-01-15")]
    pub work_situation_date: Option<String>,
    /// Jusqu'à quand (`AAAA-MM-JJ`).
    pub work_situation_end_date: Option<String>,
    /// Reconnaissance de la qualité de travailleur handicapé.
    pub rqth: bool,
    /// Niveau de formation (liste `education_level`).
    pub education_level: Option<String>,
    /// Type de contrat (liste `notebook_contract_type`).
    #[schema(example = "cer")]
    pub contract_type: Option<String>,
    /// Date de signature du contrat (`AAAA-MM-JJ`).
    pub contract_sign_date: Option<String>,
    /// Début du contrat (`AAAA-MM-JJ`).
    pub contract_start_date: Option<String>,
    /// Fin du contrat (`AAAA-MM-JJ`).
    pub contract_end_date: Option<String>,
    /// La version du carnet, sur laquelle fonder la prochaine modification.
    #[schema(example = 3)]
    pub version: i64,
}

/// Un projet professionnel (métier du répertoire ROME).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[schema(as = EtatProjetProfessionnel)]
pub struct JobProjectState {
    pub id: Id,
    /// Code ROME du métier.
    #[schema(example = "M1607")]
    pub rome_code: String,
    /// L'appellation choisie.
    #[schema(example = "Secrétaire")]
    pub rome_label: String,
    /// Rayon de mobilité, en kilomètres.
    #[schema(example = 30)]
    pub mobility_radius_km: Option<i64>,
    /// Salaire horaire souhaité, en centimes.
    #[schema(example = 1200)]
    pub hourly_wage_cents: Option<i64>,
    /// Type de contrat souhaité (liste `job_contract_type`).
    pub contract_type: Option<String>,
    /// Temps de travail souhaité (liste `working_time`).
    pub working_time: Option<String>,
    /// La version sur laquelle fonder la prochaine modification.
    #[schema(example = 1)]
    pub version: i64,
}

impl VersionedState for JobProjectState {
    const KIND: Versioned = Versioned::JobProject;
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "rome_code",
        "rome_label",
        "mobility_radius_km",
        "hourly_wage_cents",
        "contract_type",
        "working_time",
        "version",
    ];
    fn version(&self) -> i64 {
        self.version
    }
}

/// Refuses a column outside `allowed` (column names are written into the SQL).
fn check_columns<'a>(
    columns: impl IntoIterator<Item = &'a str>,
    allowed: &[&str],
) -> Result<(), StoreError> {
    for column in columns {
        if !allowed.contains(&column) || column == "version" {
            return Err(StoreError::Other(format!(
                "colonne non modifiable : {column}"
            )));
        }
    }
    Ok(())
}

/// The notebook's diagnostic.
pub async fn state(db: &Db, notebook: Id) -> Result<DiagnosticState, StoreError> {
    db.query_one_as(
        &format!(
            "SELECT {} FROM notebooks WHERE id = $1",
            DIAGNOSTIC_COLUMNS.join(", ")
        ),
        params![notebook],
    )
    .await
}

/// Writes diagnostic columns (among [`DIAGNOSTIC_COLUMNS`]) of a notebook at `version`, and
/// takes the next version; false when the version is stale (nothing written).
pub async fn update(
    db: &Db,
    notebook: Id,
    version: i64,
    changes: Vec<(&str, Value)>,
) -> Result<bool, StoreError> {
    check_columns(changes.iter().map(|(c, _)| *c), DIAGNOSTIC_COLUMNS)?;
    let mut params = vec![Value::from(notebook), Value::from(version)];
    let assignments: Vec<String> = changes
        .into_iter()
        .map(|(column, value)| {
            params.push(value);
            format!("{column} = ${}", params.len())
        })
        .collect();
    let sql = format!(
        "UPDATE notebooks SET {}, version = version + 1 WHERE id = $1 AND version = $2",
        assignments.join(", ")
    );
    Ok(db.execute(&sql, &params).await? == 1)
}

/// Whether the notebook's diagnostic currently shows this situation (added, not removed).
pub async fn has_situation(db: &Db, notebook: Id, code: &str) -> Result<bool, StoreError> {
    Ok(db
        .query_opt(
            "SELECT id FROM notebook_situations WHERE notebook_id = $1 AND situation_code = $2 AND removed_at IS NULL",
            params![notebook, code],
        )
        .await?
        .is_some())
}

/// Adds a situation to the notebook's diagnostic, with who added it and when.
pub async fn add_situation(
    db: &Db,
    notebook: Id,
    code: &str,
    now: Instant,
    by: Id,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO notebook_situations (id, notebook_id, situation_code, added_at, added_by) VALUES ($1, $2, $3, $4, $5)",
        params![Id::new_random(), notebook, code, now, by],
    )
    .await
    .map(|_| ())
}

/// Marks the notebook's current situation `code` removed (the row is kept, with who removed it
/// and when); false when the diagnostic did not show it.
pub async fn remove_situation(
    db: &Db,
    notebook: Id,
    code: &str,
    now: Instant,
    by: Id,
) -> Result<bool, StoreError> {
    Ok(db
        .execute(
            "UPDATE notebook_situations SET removed_at = $3, removed_by = $4 WHERE notebook_id = $1 AND situation_code = $2 AND removed_at IS NULL",
            params![notebook, code, now, by],
        )
        .await?
        > 0)
}

/// A new job project: its ROME job and the other columns given (among
/// [`JOB_PROJECT_COLUMNS`]).
pub struct NewJobProject<'a> {
    pub id: Id,
    pub notebook_id: Id,
    pub rome_code: &'a str,
    pub rome_label: &'a str,
    pub values: Vec<(&'a str, Value)>,
}

/// Creates a job project (`job_projects`), then writes its other columns one by one, in order.
pub async fn create_job_project(
    db: &Db,
    new: NewJobProject<'_>,
    now: Instant,
) -> Result<(), StoreError> {
    check_columns(new.values.iter().map(|(c, _)| *c), JOB_PROJECT_COLUMNS)?;
    db.execute(
        "INSERT INTO job_projects (id, notebook_id, rome_code, rome_label, created_at) VALUES ($1, $2, $3, $4, $5)",
        params![new.id, new.notebook_id, new.rome_code, new.rome_label, now],
    )
    .await?;
    for (column, value) in new.values {
        db.execute(
            &format!("UPDATE job_projects SET {column} = $2 WHERE id = $1"),
            &[new.id.into(), value],
        )
        .await?;
    }
    Ok(())
}
