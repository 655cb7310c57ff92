//! Writes to a notebook's parts that carry a version (focuses, objectifs, actions, rendez-vous,
//! job projects, the notebook itself): optimistic concurrency in one place.

use crate::{params, Db, StoreError, Value};
use carnet_domain::{Id, Instant};
use serde_json::{json, Value as Json};

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

/// One versioned row of a notebook.
#[derive(Clone, Copy, Debug)]
pub struct Item {
    pub kind: Versioned,
    pub id: Id,
    pub notebook_id: Id,
}

pub enum Outcome {
    /// Written; the new version.
    Updated(i64),
    /// Based on a stale version: nothing written; the current state.
    Stale(Json),
    /// No such row in this notebook.
    Missing,
}

/// The current state of a row (for 409 answers and before/after in the timeline).
pub async fn current(
    db: &Db,
    kind: Versioned,
    id: Id,
    notebook_id: Id,
    columns: &[&str],
) -> Result<Option<Json>, StoreError> {
    let mut all: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    all.push("id".into());
    all.push("version".into());
    let sql = format!(
        "SELECT {} FROM {} WHERE id = $1 AND notebook_id = $2",
        all.join(", "),
        kind.table()
    );
    let names: Vec<&str> = all.iter().map(String::as_str).collect();
    Ok(db
        .query_opt(&sql, params![id, notebook_id])
        .await?
        .map(|row| row.to_json(&names)))
}

/// `UPDATE … SET <assignments>, version = version + 1 WHERE id AND notebook AND version`:
/// `assignments` use `$4…` for `values`.
pub async fn update(
    db: &Db,
    item: Item,
    version: i64,
    assignments: &[&str],
    values: Vec<Value>,
    state_columns: &[&str],
) -> Result<Outcome, StoreError> {
    let Item {
        kind,
        id,
        notebook_id,
    } = item;
    let sql = format!(
        "UPDATE {} SET {}, version = version + 1 WHERE id = $1 AND notebook_id = $2 AND version = $3",
        kind.table(),
        assignments.join(", ")
    );
    let mut params = vec![
        Value::from(id),
        Value::from(notebook_id),
        Value::from(version),
    ];
    params.extend(values);
    if db.execute(&sql, &params).await? == 1 {
        return Ok(Outcome::Updated(version + 1));
    }
    Ok(
        match current(db, kind, id, notebook_id, state_columns).await? {
            Some(state) => Outcome::Stale(state),
            None => Outcome::Missing,
        },
    )
}

/// Deletes a row at a version (children first for focuses and objectifs).
pub async fn delete(
    db: &Db,
    kind: Versioned,
    id: Id,
    notebook_id: Id,
    version: i64,
    state_columns: &[&str],
) -> Result<Outcome, StoreError> {
    let Some(state) = current(db, kind, id, notebook_id, state_columns).await? else {
        return Ok(Outcome::Missing);
    };
    // Guard first: the version is taken before anything is deleted.
    let guard = format!(
        "UPDATE {} SET version = version + 1 WHERE id = $1 AND notebook_id = $2 AND version = $3",
        kind.table()
    );
    if state["version"] != json!(version)
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

/// A label from a reference list, by code and kind (`ref_objectif`, `ref_action`), not retired;
/// with its theme.
pub async fn reference(
    db: &Db,
    table: &str,
    code: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let table = match table {
        "ref_objectif" => "ref_objectif",
        "ref_action" => "ref_action",
        "ref_situation" => "ref_situation",
        _ => return Ok(None),
    };
    let row = db
        .query_opt(
            &format!(
                "SELECT label, theme_code FROM {table} WHERE code = $1 AND retired_at IS NULL"
            ),
            params![code],
        )
        .await?;
    row.map(|r| Ok((r.get("label")?, r.get("theme_code")?)))
        .transpose()
}

/// Whether a row belongs to the notebook.
pub async fn belongs(
    db: &Db,
    kind: Versioned,
    id: Id,
    notebook_id: Id,
) -> Result<bool, StoreError> {
    Ok(current(db, kind, id, notebook_id, &[]).await?.is_some())
}

/// The label of a focus theme (`ref_theme`, a focus, not retired); `None` for any other code.
pub async fn focus_label(db: &Db, theme: &str) -> Result<Option<String>, StoreError> {
    db.query_opt(
        "SELECT label FROM ref_theme WHERE code = $1 AND is_focus = TRUE AND retired_at IS NULL",
        params![theme],
    )
    .await?
    .map(|row| row.get("label"))
    .transpose()
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
    db.query_opt(
        "SELECT theme_code FROM focuses WHERE id = $1 AND notebook_id = $2",
        params![focus_id, notebook_id],
    )
    .await?
    .map(|row| row.get("theme_code"))
    .transpose()
}

/// The theme of the focus an objectif of this notebook sits under; `None` when the objectif is
/// not the notebook's.
pub async fn objectif_focus_theme(
    db: &Db,
    objectif_id: Id,
    notebook_id: Id,
) -> Result<Option<String>, StoreError> {
    db.query_opt(
        "SELECT f.theme_code FROM objectifs o JOIN focuses f ON f.id = o.focus_id \
         WHERE o.id = $1 AND o.notebook_id = $2",
        params![objectif_id, notebook_id],
    )
    .await?
    .map(|row| row.get("theme_code"))
    .transpose()
}

/// The focus a theme belongs to (`ref_theme.focus_code`); `None` for an unknown theme.
pub async fn theme_focus(db: &Db, theme: &str) -> Result<Option<String>, StoreError> {
    db.query_opt(
        "SELECT focus_code FROM ref_theme WHERE code = $1",
        params![theme],
    )
    .await?
    .map(|row| row.get("focus_code"))
    .transpose()
}
