//! Timeline events: what happened in a notebook, readable by a person (what, who, before/after).

use super::access_log::{read_and_log, AccessLogEntry};
use super::page::Page;
use crate::{one_row, params, Db, Row, StoreError, Value};
use carnet_domain::sensitive::redact;
use carnet_domain::text::sort_key;
use carnet_domain::{Id, Instant};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub struct NewEvent<'a> {
    pub notebook_id: Id,
    pub actor_account_id: Option<Id>,
    pub event_type: &'a str,
    pub summary: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Records an event and moves the notebook's last activity. Sensitive values in its before and
/// after are replaced by their mark (see [`carnet_domain::sensitive`]): the event says that the
/// NIR or the RQTH changed, never what it is.
pub async fn record(db: &Db, at: Instant, event: NewEvent<'_>) -> Result<(), StoreError> {
    let stored = |value: Option<serde_json::Value>| {
        value.map(|mut value| {
            redact(&mut value);
            value.to_string()
        })
    };
    db.execute(
        "INSERT INTO timeline_events (id, notebook_id, at, actor_account_id, event_type, summary, summary_key, before_value, after_value) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            Id::new_random(),
            event.notebook_id,
            at,
            event.actor_account_id,
            event.event_type,
            event.summary,
            sort_key(event.summary),
            stored(event.before),
            stored(event.after),
        ],
    )
    .await?;
    db.execute(
        "UPDATE notebooks SET last_activity_at = $2 WHERE id = $1",
        params![event.notebook_id, at],
    )
    .await
    .map(|_| ())
}

/// Un événement de l'historique du carnet : ce qui s'est passé, quand, par qui, avant et après.
/// Une donnée sensible (NIR, santé) y est nommée, jamais recopiée.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
#[schema(as = Evenement)]
pub struct Event {
    pub id: Id,
    pub at: Instant,
    /// Le type d'événement (`notebook_created`, `member_joined`, `action_added`…).
    #[schema(example = "member_joined")]
    pub event_type: String,
    /// Ce qui s'est passé, lisible par une personne.
    #[schema(example = "Sophie Tifour a rejoint le carnet")]
    pub summary: String,
    /// Qui l'a fait (prénom et nom) ; absent pour un traitement automatique.
    #[schema(example = "Sophie Tifour")]
    pub actor: Option<String>,
    /// Les valeurs avant le changement (champs propres à chaque type d'événement).
    #[serde(default, deserialize_with = "crate::decode::optional_json_text")]
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// Les valeurs après le changement.
    #[serde(default, deserialize_with = "crate::decode::optional_json_text")]
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

#[derive(Default)]
pub struct EventFilter {
    pub from: Option<Instant>,
    pub to: Option<Instant>,
    pub event_type: Option<String>,
    pub text: Option<String>,
}

/// A page of a notebook's events, newest first, with the total matching. The read is logged
/// (`entry`) and committed.
pub async fn page(
    db: &Db,
    notebook_id: Id,
    filter: &EventFilter,
    page: i64,
    per_page: i64,
    entry: &AccessLogEntry<'_>,
) -> Result<Page<Event>, StoreError> {
    let (limit, offset) = (per_page, (page - 1) * per_page);
    let text = filter
        .text
        .as_deref()
        .map(|t| format!("%{}%", sort_key(t).replace(['%', '_', '\\'], "")));
    let condition = "e.notebook_id = $1 AND (CAST($2 AS TEXT) IS NULL OR e.at >= $2) \
        AND (CAST($3 AS TEXT) IS NULL OR e.at < $3) AND (CAST($4 AS TEXT) IS NULL OR e.event_type = $4) \
        AND (CAST($5 AS TEXT) IS NULL OR e.summary_key LIKE $5)";
    let base = params![
        notebook_id,
        filter.from,
        filter.to,
        filter.event_type.clone(),
        text
    ];
    let with_paging: Vec<Value> = base
        .iter()
        .cloned()
        .chain([limit.into(), offset.into()])
        .collect();
    let count = format!("SELECT COUNT(*) AS n FROM timeline_events e WHERE {condition}");
    let listed = events_sql(condition, base.len() + 1);
    let [count, listed] =
        read_and_log(db, &[(&count, base), (&listed, &with_paging)], entry).await?;
    #[derive(Deserialize)]
    struct Count {
        n: i64,
    }
    Ok(Page {
        items: events_from_rows(&listed)?,
        total: one_row(&count)?.decode::<Count>()?.n,
        page,
        per_page,
    })
}

/// A notebook's latest events, newest first, without a count (the notebook's view shows a few
/// and sends this with its other reads): parameters are the notebook, the limit and 0.
pub(super) fn latest_sql() -> String {
    events_sql("e.notebook_id = $1", 2)
}

/// The events matching `condition`, newest first; `$paging` and the next parameter are the
/// limit and the offset.
fn events_sql(condition: &str, paging: usize) -> String {
    format!(
        "SELECT e.id, e.at, e.event_type, e.summary, e.before_value AS \"before\", e.after_value AS \"after\", \
         a.first_name || ' ' || a.last_name AS actor \
         FROM timeline_events e LEFT JOIN accounts a ON a.id = e.actor_account_id \
         WHERE {condition} ORDER BY e.at DESC, e.id DESC LIMIT ${paging} OFFSET ${}",
        paging + 1
    )
}

/// The events of [`events_sql`]'s rows.
pub(super) fn events_from_rows(rows: &[Row]) -> Result<Vec<Event>, StoreError> {
    crate::decode_all(rows)
}
