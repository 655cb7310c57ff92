//! Writes to a notebook's parts that carry a version (focuses, objectifs, actions, rendez-vous,
//! job projects, the notebook itself): optimistic concurrency in one place.

use crate::{params, Db, Row, StoreError, Value};
use carnet_domain::{Id, Instant};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Tables whose rows carry a version and a notebook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Versioned {
    Focus,
    Objectif,
    Action,
    RendezVous,
    JobProject,
}

impl Versioned {
    pub fn table(self) -> &'static str {
        match self {
            Versioned::Focus => "focuses",
            Versioned::Objectif => "objectifs",
            Versioned::Action => "actions",
            Versioned::RendezVous => "rendez_vous",
            Versioned::JobProject => "job_projects",
        }
    }
}

/// The state of a versioned row as answers, conflicts and the timeline show it: a typed row of
/// its table, read from `COLUMNS` (its `id` and `version` among them).
pub trait VersionedState: DeserializeOwned + Serialize {
    const KIND: Versioned;
    const COLUMNS: &'static [&'static str];
    fn version(&self) -> i64;
}

/// One versioned row of a notebook.
#[derive(Clone, Copy, Debug)]
pub struct Item {
    pub kind: Versioned,
    pub id: Id,
    pub notebook_id: Id,
}

/// What a versioned write did; `T` is the row's state.
pub enum Outcome<T> {
    /// Written; the new version.
    Updated(i64),
    /// Based on a stale version: nothing written; the current state.
    Stale(T),
    /// No such row in this notebook.
    Missing,
}

/// Statut d'un objectif.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = StatutObjectif)]
pub enum ObjectifStatus {
    InProgress,
    Done,
    Abandonned,
}

impl ObjectifStatus {
    /// Its code.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectifStatus::InProgress => "in_progress",
            ObjectifStatus::Done => "done",
            ObjectifStatus::Abandonned => "abandonned",
        }
    }
}

/// Statut d'une action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = StatutAction)]
pub enum ActionStatus {
    InProgress,
    Abandonned,
    Canceled,
    Done,
    Planned,
    Standby,
}

impl ActionStatus {
    /// Its code.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Abandonned => "abandonned",
            ActionStatus::Canceled => "canceled",
            ActionStatus::Done => "done",
            ActionStatus::Planned => "planned",
            ActionStatus::Standby => "standby",
        }
    }
}

/// An axe de travail (focus) of a notebook, as its deletion checks and traces it.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct FocusState {
    pub id: Id,
    pub theme_code: String,
    pub version: i64,
}

impl VersionedState for FocusState {
    const KIND: Versioned = Versioned::Focus;
    const COLUMNS: &'static [&'static str] = &["id", "theme_code", "version"];
    fn version(&self) -> i64 {
        self.version
    }
}

/// Un objectif du plan d'action, tel qu'il est enregistré.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[schema(as = EtatObjectif)]
pub struct ObjectifState {
    pub id: Id,
    #[schema(example = "Accéder à un logement")]
    pub label: String,
    pub status: ObjectifStatus,
    /// Le contrat auquel l'objectif est lié (`cer`, `ppae`, `pacea` ou `cej`), avec l'accord
    /// enregistré du bénéficiaire.
    #[schema(example = "cer")]
    pub linked_to: Option<String>,
    /// La version sur laquelle fonder la prochaine modification.
    #[schema(example = 1)]
    pub version: i64,
}

impl VersionedState for ObjectifState {
    const KIND: Versioned = Versioned::Objectif;
    const COLUMNS: &'static [&'static str] = &["id", "label", "status", "linked_to", "version"];
    fn version(&self) -> i64 {
        self.version
    }
}

/// Une action du plan d'action, telle qu'elle est enregistrée.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[schema(as = EtatAction)]
pub struct ActionState {
    pub id: Id,
    #[schema(example = "Demande de logement social")]
    pub label: String,
    pub status: ActionStatus,
    /// Début (`AAAA-MM-JJ`).
    #[schema(example = "2024-03-01")]
    pub start_date: String,
    /// Échéance (`AAAA-MM-JJ`).
    #[schema(example = "2024-06-30")]
    pub due_date: Option<String>,
    /// La version sur laquelle fonder la prochaine modification.
    #[schema(example = 1)]
    pub version: i64,
}

impl VersionedState for ActionState {
    const KIND: Versioned = Versioned::Action;
    const COLUMNS: &'static [&'static str] =
        &["id", "label", "status", "start_date", "due_date", "version"];
    fn version(&self) -> i64 {
        self.version
    }
}

async fn current_row(
    db: &Db,
    kind: Versioned,
    id: Id,
    notebook_id: Id,
    columns: &[&str],
) -> Result<Option<Row>, StoreError> {
    let sql = format!(
        "SELECT {} FROM {} WHERE id = $1 AND notebook_id = $2",
        columns.join(", "),
        kind.table()
    );
    db.query_opt(&sql, params![id, notebook_id]).await
}

/// The current state of a row of this notebook (for answers, 409 answers and before/after in
/// the timeline); `None` when the notebook has no such row.
pub async fn state<T: VersionedState>(
    db: &Db,
    id: Id,
    notebook_id: Id,
) -> Result<Option<T>, StoreError> {
    current_row(db, T::KIND, id, notebook_id, T::COLUMNS)
        .await?
        .map(|row| row.decode())
        .transpose()
}

/// `UPDATE … SET <assignments>, version = version + 1 WHERE id AND notebook AND version`
/// (`assignments` use `$4…` for `values`); true when written.
async fn update_at_version(
    db: &Db,
    item: Item,
    version: i64,
    assignments: &[&str],
    values: Vec<Value>,
) -> Result<bool, StoreError> {
    let sql = format!(
        "UPDATE {} SET {}, version = version + 1 WHERE id = $1 AND notebook_id = $2 AND version = $3",
        item.kind.table(),
        assignments.join(", ")
    );
    let mut params = vec![
        Value::from(item.id),
        Value::from(item.notebook_id),
        Value::from(version),
    ];
    params.extend(values);
    Ok(db.execute(&sql, &params).await? == 1)
}

/// `UPDATE … SET <assignments>, version = version + 1 WHERE id AND notebook AND version` on the
/// row `T` describes: `assignments` use `$4…` for `values`.
pub async fn update_state<T: VersionedState>(
    db: &Db,
    id: Id,
    notebook_id: Id,
    version: i64,
    assignments: &[&str],
    values: Vec<Value>,
) -> Result<Outcome<T>, StoreError> {
    let item = Item {
        kind: T::KIND,
        id,
        notebook_id,
    };
    if update_at_version(db, item, version, assignments, values).await? {
        return Ok(Outcome::Updated(version + 1));
    }
    Ok(match state::<T>(db, id, notebook_id).await? {
        Some(state) => Outcome::Stale(state),
        None => Outcome::Missing,
    })
}

/// Deletes a row at a version (children first for focuses and objectifs).
pub async fn delete<T: VersionedState>(
    db: &Db,
    id: Id,
    notebook_id: Id,
    version: i64,
) -> Result<Outcome<T>, StoreError> {
    let kind = T::KIND;
    let Some(state) = state::<T>(db, id, notebook_id).await? else {
        return Ok(Outcome::Missing);
    };
    // Guard first: the version is taken before anything is deleted.
    let guard = format!(
        "UPDATE {} SET version = version + 1 WHERE id = $1 AND notebook_id = $2 AND version = $3",
        kind.table()
    );
    if state.version() != version
        || db
            .execute(&guard, params![id, notebook_id, version])
            .await?
            != 1
    {
        return Ok(Outcome::Stale(state));
    }
    match kind {
        Versioned::Focus => {
            db.execute("DELETE FROM actions WHERE objectif_id IN (SELECT id FROM objectifs WHERE focus_id = $1)", params![id]).await?;
            db.execute("DELETE FROM objectifs WHERE focus_id = $1", params![id])
                .await?;
        }
        Versioned::Objectif => {
            db.execute("DELETE FROM actions WHERE objectif_id = $1", params![id])
                .await?;
        }
        _ => {}
    }
    let sql = format!(
        "DELETE FROM {} WHERE id = $1 AND notebook_id = $2",
        kind.table()
    );
    db.execute(&sql, params![id, notebook_id]).await?;
    Ok(Outcome::Updated(version))
}

pub async fn create_focus(
    db: &Db,
    id: Id,
    notebook_id: Id,
    theme: &str,
    now: Instant,
    by: Id,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO focuses (id, notebook_id, theme_code, created_at, created_by) VALUES ($1, $2, $3, $4, $5)",
        params![id, notebook_id, theme, now, by],
    )
    .await
    .map(|_| ())
}

pub struct NewObjectif<'a> {
    pub id: Id,
    pub focus_id: Id,
    pub notebook_id: Id,
    pub ref_code: Option<&'a str>,
    pub label: &'a str,
    pub linked_to: Option<&'a str>,
    pub agreement_recorded_at: Option<Instant>,
}

pub async fn create_objectif(
    db: &Db,
    new: NewObjectif<'_>,
    now: Instant,
    by: Id,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO objectifs (id, focus_id, notebook_id, ref_code, label, linked_to, agreement_recorded_at, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![new.id, new.focus_id, new.notebook_id, new.ref_code, new.label, new.linked_to, new.agreement_recorded_at, now, by],
    )
    .await
    .map(|_| ())
}

pub struct NewAction<'a> {
    pub id: Id,
    pub objectif_id: Id,
    pub notebook_id: Id,
    pub ref_code: Option<&'a str>,
    pub label: &'a str,
    pub start_date: &'a str,
    pub due_date: Option<&'a str>,
}

pub async fn create_action(
    db: &Db,
    new: NewAction<'_>,
    now: Instant,
    by: Id,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO actions (id, objectif_id, notebook_id, ref_code, label, status, start_date, due_date, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, 'in_progress', $6, $7, $8, $9)",
        params![new.id, new.objectif_id, new.notebook_id, new.ref_code, new.label, new.start_date, new.due_date, now, by],
    )
    .await
    .map(|_| ())
}

/// A current (not retired) item of a themed reference list.
#[derive(Clone, Debug, Deserialize)]
pub struct Reference {
    pub label: String,
    pub theme_code: String,
}

/// A current (not retired) item of a themed reference list (situations, objectifs, actions), by
/// code.
pub async fn reference(
    db: &Db,
    list: super::referentiel::ThemedList,
    code: &str,
) -> Result<Option<Reference>, StoreError> {
    db.query_opt_as(
        &format!(
            "SELECT label, theme_code FROM {} WHERE code = $1 AND retired_at IS NULL",
            list.table()
        ),
        params![code],
    )
    .await
}

#[derive(Deserialize)]
struct Label {
    label: String,
}

#[derive(Deserialize)]
struct ThemeCode {
    theme_code: String,
}

/// The label of a focus theme (`ref_theme`, a focus, not retired); `None` for any other code.
pub async fn focus_label(db: &Db, theme: &str) -> Result<Option<String>, StoreError> {
    Ok(db
        .query_opt_as::<Label>(
            "SELECT label FROM ref_theme WHERE code = $1 AND is_focus = TRUE AND retired_at IS NULL",
            params![theme],
        )
        .await?
        .map(|row| row.label))
}

/// Whether the notebook already has a focus on this theme.
pub async fn focus_exists(db: &Db, notebook_id: Id, theme: &str) -> Result<bool, StoreError> {
    Ok(db
        .query_opt(
            "SELECT id FROM focuses WHERE notebook_id = $1 AND theme_code = $2",
            params![notebook_id, theme],
        )
        .await?
        .is_some())
}

/// The theme of a focus of the notebook; `None` when the focus is not in this notebook.
pub async fn focus_theme(
    db: &Db,
    focus_id: Id,
    notebook_id: Id,
) -> Result<Option<String>, StoreError> {
    Ok(db
        .query_opt_as::<ThemeCode>(
            "SELECT theme_code FROM focuses WHERE id = $1 AND notebook_id = $2",
            params![focus_id, notebook_id],
        )
        .await?
        .map(|row| row.theme_code))
}

/// The theme of the focus an objectif of this notebook sits under; `None` when the objectif is
/// not the notebook's.
pub async fn objectif_focus_theme(
    db: &Db,
    objectif_id: Id,
    notebook_id: Id,
) -> Result<Option<String>, StoreError> {
    Ok(db
        .query_opt_as::<ThemeCode>(
            "SELECT f.theme_code AS theme_code FROM objectifs o JOIN focuses f ON f.id = o.focus_id \
             WHERE o.id = $1 AND o.notebook_id = $2",
            params![objectif_id, notebook_id],
        )
        .await?
        .map(|row| row.theme_code))
}

/// The focus a theme belongs to (`ref_theme.focus_code`); `None` for an unknown theme.
pub async fn theme_focus(db: &Db, theme: &str) -> Result<Option<String>, StoreError> {
    #[derive(Deserialize)]
    struct FocusCode {
        focus_code: String,
    }
    Ok(db
        .query_opt_as::<FocusCode>(
            "SELECT focus_code FROM ref_theme WHERE code = $1",
            params![theme],
        )
        .await?
        .map(|row| row.focus_code))
}
