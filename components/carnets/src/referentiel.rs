//! `GET /api/referentiel`: the national reference lists (themes with their situations,
//! objectifs and actions, and the coded values), retired items left out.
//! `GET /api/referentiel/rome?q=…`: ROME job titles, searched as you type.

use axum::extract::Query;
use axum::Json;
use carnet_domain::text::sort_key;
use carnet_http::{AppError, Ctx};
use carnet_store::{params, Db, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize)]
pub struct Referentiel {
    themes: Vec<Theme>,
    coded_values: BTreeMap<String, Vec<CodedValue>>,
}

#[derive(Serialize)]
struct Theme {
    code: String,
    label: String,
    is_focus: bool,
    focus_code: String,
    situations: Vec<Item>,
    objectifs: Vec<Item>,
    actions: Vec<Item>,
}

#[derive(Serialize)]
struct Item {
    code: String,
    label: String,
}

#[derive(Serialize)]
struct CodedValue {
    code: String,
    label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra: Option<serde_json::Value>,
}

pub async fn get_referentiel(ctx: Ctx) -> Result<Json<Referentiel>, AppError> {
    Ok(Json(load(&ctx.db).await?))
}

async fn items_by_theme(db: &Db, table: &str) -> Result<BTreeMap<String, Vec<Item>>, StoreError> {
    let sql = format!(
        "SELECT code, theme_code, label FROM {table} WHERE retired_at IS NULL ORDER BY position"
    );
    let mut by_theme: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for row in db.query(&sql, params![]).await? {
        by_theme
            .entry(row.get("theme_code")?)
            .or_default()
            .push(Item {
                code: row.get("code")?,
                label: row.get("label")?,
            });
    }
    Ok(by_theme)
}

async fn load(db: &Db) -> Result<Referentiel, StoreError> {
    let mut situations = items_by_theme(db, "ref_situation").await?;
    let mut objectifs = items_by_theme(db, "ref_objectif").await?;
    let mut actions = items_by_theme(db, "ref_action").await?;
    let mut themes = Vec::new();
    for row in db
        .query(
            "SELECT code, label, is_focus, focus_code FROM ref_theme WHERE retired_at IS NULL ORDER BY position",
            params![],
        )
        .await?
    {
        let code: String = row.get("code")?;
        themes.push(Theme {
            situations: situations.remove(&code).unwrap_or_default(),
            objectifs: objectifs.remove(&code).unwrap_or_default(),
            actions: actions.remove(&code).unwrap_or_default(),
            label: row.get("label")?,
            is_focus: row.get("is_focus")?,
            focus_code: row.get("focus_code")?,
            code,
        });
    }
    let mut coded_values: BTreeMap<String, Vec<CodedValue>> = BTreeMap::new();
    for row in db
        .query(
            "SELECT list_name, code, label, extra FROM ref_coded_value WHERE retired_at IS NULL ORDER BY list_name, position",
            params![],
        )
        .await?
    {
        coded_values
            .entry(row.get("list_name")?)
            .or_default()
            .push(CodedValue {
                code: row.get("code")?,
                label: row.get("label")?,
                extra: row.get("extra")?,
            });
    }
    Ok(Referentiel {
        themes,
        coded_values,
    })
}

#[derive(Deserialize)]
pub struct RomeQuery {
    q: Option<String>,
}

#[derive(Serialize)]
pub struct RomeResults {
    results: Vec<RomeAppellation>,
}

#[derive(Serialize)]
struct RomeAppellation {
    code: String,
    rome_code: String,
    label: String,
}

const ROME_RESULTS: i64 = 20;

pub async fn search_rome(
    ctx: Ctx,
    Query(query): Query<RomeQuery>,
) -> Result<Json<RomeResults>, AppError> {
    let words: Vec<String> = sort_key(query.q.as_deref().unwrap_or(""))
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(5)
        .map(|w| format!("%{}%", w.replace(['%', '_', '\\'], "")))
        .collect();
    if words.is_empty() || words.iter().all(|w| w.len() < 4) {
        return Err(AppError::field(
            "q",
            "too_short",
            "Saisissez au moins deux lettres.",
        ));
    }
    let mut sql = String::from(
        "SELECT code, rome_code, label FROM ref_rome_appellation WHERE retired_at IS NULL",
    );
    for index in 1..=words.len() {
        sql.push_str(&format!(" AND sort_key LIKE ${index}"));
    }
    sql.push_str(&format!(" ORDER BY sort_key LIMIT {ROME_RESULTS}"));
    let params: Vec<carnet_store::Value> = words.into_iter().map(Into::into).collect();
    let results = ctx
        .db
        .query(&sql, &params)
        .await?
        .into_iter()
        .map(|row| {
            Ok(RomeAppellation {
                code: row.get("code")?,
                rome_code: row.get("rome_code")?,
                label: row.get("label")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Json(RomeResults { results }))
}
