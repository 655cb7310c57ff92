//! `GET /api/referentiel`: the national reference lists (themes with their situations,
//! objectifs and actions, and the coded values), retired items left out.
//! `GET /api/referentiel/rome?q=…`: ROME job titles, searched as you type.

use axum::Json;
use carnet_domain::text::sort_key;
use carnet_http::extract::Query;
use carnet_http::{AppError, Ctx};
use carnet_store::repo::referentiel::{self, RomeAppellation, ThemedList};
use carnet_store::{Db, StoreError};
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

async fn items_by_theme(
    db: &Db,
    list: ThemedList,
) -> Result<BTreeMap<String, Vec<Item>>, StoreError> {
    let mut by_theme: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for item in referentiel::themed_items(db, list).await? {
        by_theme.entry(item.theme_code).or_default().push(Item {
            code: item.code,
            label: item.label,
        });
    }
    Ok(by_theme)
}

async fn load(db: &Db) -> Result<Referentiel, StoreError> {
    let mut situations = items_by_theme(db, ThemedList::Situations).await?;
    let mut objectifs = items_by_theme(db, ThemedList::Objectifs).await?;
    let mut actions = items_by_theme(db, ThemedList::Actions).await?;
    let themes = referentiel::themes(db)
        .await?
        .into_iter()
        .map(|theme| Theme {
            situations: situations.remove(&theme.code).unwrap_or_default(),
            objectifs: objectifs.remove(&theme.code).unwrap_or_default(),
            actions: actions.remove(&theme.code).unwrap_or_default(),
            label: theme.label,
            is_focus: theme.is_focus,
            focus_code: theme.focus_code,
            code: theme.code,
        })
        .collect();
    let mut coded_values: BTreeMap<String, Vec<CodedValue>> = BTreeMap::new();
    for value in referentiel::coded_values(db).await? {
        coded_values
            .entry(value.list_name)
            .or_default()
            .push(CodedValue {
                code: value.code,
                label: value.label,
                extra: value.extra,
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
    let results = referentiel::search_rome(&ctx.db, &words, ROME_RESULTS).await?;
    Ok(Json(RomeResults { results }))
}
