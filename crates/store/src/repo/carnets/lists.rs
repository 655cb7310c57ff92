//! The lists of notebooks, all paged and in name order: a professional's portfolio, a
//! structure's, the département's (filtered), and those an account viewed lately. Archived
//! notebooks appear in none of them. Search (`search`) pages the same way.

use crate::repo::page::Page;
use crate::{one_row, params, Db, StoreError, Value};
use carnet_domain::{Id, Instant};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Une ligne d'une liste de carnets que la personne suit : qui, sa dernière activité, son
/// prochain rendez-vous et son référent.
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone)]
#[schema(as = LigneCarnet)]
pub struct ListItem {
    pub notebook_id: Id,
    #[schema(example = "Camille")]
    pub first_name: String,
    #[schema(example = "Martin")]
    pub last_name: String,
    /// `AAAA-MM-JJ`.
    #[schema(example = "1990-04-12")]
    pub birth_date: Option<String>,
    pub last_activity_at: Instant,
    /// Le prochain rendez-vous non annulé.
    pub next_rendez_vous: Option<Instant>,
    /// Le référent (prénom et nom).
    #[schema(example = "Sophie Tifour")]
    pub referent: Option<String>,
}

/// Une ligne d'une liste de carnets que la personne ne suit pas forcément (recherche, carnets
/// consultés récemment) : ce qu'en montre la carte restreinte, sans rendez-vous.
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone)]
#[schema(as = LigneCarte)]
pub struct CardLine {
    pub notebook_id: Id,
    #[schema(example = "Camille")]
    pub first_name: String,
    #[schema(example = "Martin")]
    pub last_name: String,
    /// `AAAA-MM-JJ`.
    #[schema(example = "1990-04-12")]
    pub birth_date: Option<String>,
    pub last_activity_at: Instant,
    /// Le référent (prénom et nom).
    #[schema(example = "Sophie Tifour")]
    pub referent: Option<String>,
}

/// A count (`COUNT(…) AS n`).
#[derive(Deserialize)]
pub(super) struct Count {
    pub(super) n: i64,
}

/// The columns of a list's line ([`ListItem`]; [`CardLine`] reads all but the rendez-vous);
/// `$1` is now.
pub(super) const LIST_COLUMNS: &str = "n.id AS notebook_id, b.first_name, b.last_name, b.birth_date, n.last_activity_at, \
    (SELECT MIN(r.starts_at) FROM rendez_vous r WHERE r.notebook_id = n.id AND r.cancelled_at IS NULL AND r.starts_at >= $1) AS next_rendez_vous, \
    (SELECT a.first_name || ' ' || a.last_name FROM notebook_members m JOIN accounts a ON a.id = m.account_id \
       WHERE m.notebook_id = n.id AND m.active = TRUE AND m.member_type = 'referent') AS referent";

/// The list items of the notebooks `choose` selects (as `page_id`, with their name sort key as
/// `page_key`), in that order; `$1` is now.
pub(super) fn items_sql(choose: &str) -> String {
    format!(
        "SELECT {LIST_COLUMNS} FROM ({choose}) p \
         JOIN notebooks n ON n.id = p.page_id JOIN beneficiaries b ON b.id = n.beneficiary_id \
         ORDER BY p.page_key, p.page_id"
    )
}

/// A page of a list, in name order. `choose` selects the list's notebooks as `page_id`, with
/// their name sort key as `page_key`, in that order; `count` counts them all (as `n`). Both take
/// `$1` (now, for the list's columns) and then `params` from `$2`; they are sent together. The
/// page is chosen first, and the costly columns are computed for its rows only.
///
/// The page's size and offset are written into the statement, not sent as parameters: knowing
/// them, PostgreSQL plans the statement once per connection and page. With them as parameters,
/// it planned it again at every request (about 0.8 ms, as long as running it), because its
/// generic plan, for an unknown number of rows, looked too costly.
pub(super) async fn list_page<T: DeserializeOwned>(
    db: &Db,
    now: Instant,
    count: &str,
    choose: &str,
    params: Vec<Value>,
    page: i64,
    per_page: i64,
) -> Result<Page<T>, StoreError> {
    let mut values = vec![Value::from(now)];
    values.extend(params);
    let offset = (page - 1) * per_page;
    let list = items_sql(&format!("{choose} LIMIT {per_page} OFFSET {offset}"));
    let [total, rows] = db.query_many(&[(count, &values), (&list, &values)]).await?;
    Ok(Page {
        items: crate::decode_all(&rows)?,
        total: one_row(&total)?.decode::<Count>()?.n,
        page,
        per_page,
    })
}

/// "Mes bénéficiaires": notebooks where the account is an active member.
pub async fn portfolio(
    db: &Db,
    now: Instant,
    account_id: Id,
    page: i64,
    per_page: i64,
) -> Result<Page<ListItem>, StoreError> {
    member_list(db, now, "account_id", account_id, page, per_page).await
}

/// A structure's notebooks: those with an active member from it.
pub async fn structure_portfolio(
    db: &Db,
    now: Instant,
    structure_id: Id,
    page: i64,
    per_page: i64,
) -> Result<Page<ListItem>, StoreError> {
    member_list(db, now, "structure_id", structure_id, page, per_page).await
}

/// The listed notebooks with an active membership whose `column` (`account_id` or
/// `structure_id`) is `id`: counted and paged on the memberships' index alone, in name order.
async fn member_list(
    db: &Db,
    now: Instant,
    column: &'static str,
    id: Id,
    page: i64,
    per_page: i64,
) -> Result<Page<ListItem>, StoreError> {
    let condition = format!("m.{column} = $2 AND m.active = TRUE AND m.listed = TRUE");
    list_page(
        db,
        now,
        &format!(
            "SELECT COUNT(DISTINCT m.notebook_id) AS n FROM notebook_members m \
             WHERE CAST($1 AS TEXT) IS NOT NULL AND {condition}"
        ),
        &format!(
            "SELECT DISTINCT m.notebook_id AS page_id, m.name_key AS page_key FROM notebook_members m \
             WHERE {condition} ORDER BY m.name_key, m.notebook_id"
        ),
        vec![id.into()],
        page,
        per_page,
    )
    .await
}

#[derive(Default, Debug, Clone)]
pub struct DepartmentFilter {
    pub without_referent: bool,
    pub orientation_pending: bool,
    pub rsa_right: Option<String>,
}

/// The département's notebooks, filtered.
pub async fn department(
    db: &Db,
    now: Instant,
    filter: &DepartmentFilter,
    page: i64,
    per_page: i64,
) -> Result<Page<ListItem>, StoreError> {
    let mut conditions: Vec<String> = Vec::new();
    let mut values = Vec::new();
    if filter.without_referent {
        // With `n.archived_at IS NULL`, the predicate of the index `notebooks_without_referent`.
        conditions.push("n.has_referent = FALSE".into());
    }
    if filter.orientation_pending {
        conditions.push("EXISTS (SELECT 1 FROM orientation_requests o WHERE o.notebook_id = n.id AND o.status = 'pending')".into());
    }
    let on_beneficiary = filter.rsa_right.as_ref().map(|right| {
        values.push(Value::from(right.clone()));
        format!("b.rsa_right = ${}", values.len() + 1)
    });
    let list = NotebookList {
        on_notebook: conditions,
        on_beneficiary,
        in_notebook_key_order: filter.without_referent,
    };
    notebook_list(db, now, list, values, page, per_page).await
}

/// Which notebooks a [`notebook_list`] shows.
pub(super) struct NotebookList {
    /// Conditions over the notebook `n`.
    pub(super) on_notebook: Vec<String>,
    /// A condition over its beneficiary `b`.
    pub(super) on_beneficiary: Option<String>,
    /// `on_notebook` holds the predicate of an index in `n.name_key` order
    /// (`notebooks_without_referent`): the page is read from it, in that order.
    pub(super) in_notebook_key_order: bool,
}

/// The listed notebooks `list` selects, with `values` from `$2`, in name order.
///
/// Without a condition on the beneficiary, they are counted on the notebooks alone: joining every
/// beneficiary only to count took ten times as long (about 0.2 s for 100,000 notebooks on SQLite,
/// against 22 ms). Without any condition, the page is found by walking the names' index from
/// the beneficiaries (`CROSS JOIN` keeps SQLite to that order; PostgreSQL plans it freely): left
/// to choose, SQLite 3.50 read and sorted every notebook, 130 ms against 0.2 ms. The notebooks
/// without referent are counted and paged on their own index, in the notebooks' copy of the
/// name sort key (at 100,000 notebooks, 0.5 ms and 0.05 ms against 0.1 s and up to 30 ms).
pub(super) async fn notebook_list<T: DeserializeOwned>(
    db: &Db,
    now: Instant,
    list: NotebookList,
    values: Vec<Value>,
    page: i64,
    per_page: i64,
) -> Result<Page<T>, StoreError> {
    let NotebookList {
        on_notebook,
        on_beneficiary,
        in_notebook_key_order,
    } = list;
    let unfiltered = on_notebook.is_empty() && on_beneficiary.is_none();
    let counts_beneficiaries = on_beneficiary.is_some();
    let mut on_notebooks = vec!["n.archived_at IS NULL".to_string()];
    on_notebooks.extend(on_notebook);
    let mut on_both = on_notebooks.clone();
    on_both.push("n.beneficiary_id = b.id".to_string());
    on_both.extend(on_beneficiary);
    let (on_notebooks, on_both) = (on_notebooks.join(" AND "), on_both.join(" AND "));
    let (tables, condition) = if counts_beneficiaries {
        ("notebooks n, beneficiaries b", &on_both)
    } else {
        ("notebooks n", &on_notebooks)
    };
    let count = format!(
        "SELECT COUNT(*) AS n FROM {tables} WHERE {condition} AND CAST($1 AS TEXT) IS NOT NULL"
    );
    let choose = if in_notebook_key_order {
        format!(
            "SELECT n.id AS page_id, n.name_key AS page_key FROM {tables} WHERE {condition} \
             ORDER BY n.name_key, n.id"
        )
    } else {
        let tables = if unfiltered {
            "beneficiaries b CROSS JOIN notebooks n"
        } else {
            "notebooks n, beneficiaries b"
        };
        format!(
            "SELECT n.id AS page_id, b.name_key AS page_key FROM {tables} WHERE {on_both} \
             ORDER BY b.name_key, n.id"
        )
    };
    list_page(db, now, &count, &choose, values, page, per_page).await
}

/// Recently viewed notebooks of an account (not archived), newest first.
pub async fn recent(
    db: &Db,
    now: Instant,
    account_id: Id,
    limit: i64,
) -> Result<Vec<CardLine>, StoreError> {
    db.query_as(
            &format!(
                "SELECT {LIST_COLUMNS}, v.last_seen FROM (SELECT notebook_id, MAX(at) AS last_seen FROM notebook_access_log \
                   WHERE account_id = $2 GROUP BY notebook_id ORDER BY MAX(at) DESC LIMIT $3) v \
                 JOIN notebooks n ON n.id = v.notebook_id JOIN beneficiaries b ON b.id = n.beneficiary_id \
                 WHERE n.archived_at IS NULL ORDER BY v.last_seen DESC"
            ),
        params![now, account_id, limit],
    )
    .await
}
