//! The national reference lists (`ref_*`): themes with their situations, objectifs and actions,
//! the coded values of each list, and the ROME job titles. Read only.

use crate::{params, Db, StoreError, Value};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use utoipa::ToSchema;

/// Whether `code` is a current (not retired) value of the coded list `list`
/// (`ref_coded_value`).
pub async fn is_current_code(db: &Db, list: &str, code: &str) -> Result<bool, StoreError> {
    Ok(db
        .query_opt(
            "SELECT code FROM ref_coded_value WHERE list_name = $1 AND code = $2 AND retired_at IS NULL",
            params![list, code],
        )
        .await?
        .is_some())
}

/// Whether `code` is a value of the coded list `list`, current or retired (notebooks may still
/// carry a retired value, so it remains a valid filter).
pub async fn is_known_code(db: &Db, list: &str, code: &str) -> Result<bool, StoreError> {
    Ok(coded_value_label(db, list, code).await?.is_some())
}

/// The label of a code in a coded-value list (`ref_coded_value`); `None` when the list does not
/// have it (current or retired).
pub async fn coded_value_label(
    db: &Db,
    list: &str,
    code: &str,
) -> Result<Option<String>, StoreError> {
    #[derive(Deserialize)]
    struct Label {
        label: String,
    }
    Ok(db
        .query_opt_as::<Label>(
            "SELECT label FROM ref_coded_value WHERE list_name = $1 AND code = $2",
            params![list, code],
        )
        .await?
        .map(|row| row.label))
}

/// The reference lists attached to a theme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemedList {
    /// `ref_situation`
    Situations,
    /// `ref_objectif`
    Objectifs,
    /// `ref_action`
    Actions,
}

impl ThemedList {
    pub(crate) fn table(self) -> &'static str {
        match self {
            ThemedList::Situations => "ref_situation",
            ThemedList::Objectifs => "ref_objectif",
            ThemedList::Actions => "ref_action",
        }
    }
}

/// One item of a themed reference list.
#[derive(Clone, Debug, Deserialize)]
pub struct ThemedItem {
    pub code: String,
    pub theme_code: String,
    pub label: String,
}

/// The current (not retired) items of a themed reference list, in their list order.
pub async fn themed_items(db: &Db, list: ThemedList) -> Result<Vec<ThemedItem>, StoreError> {
    let sql = format!(
        "SELECT code, theme_code, label FROM {} WHERE retired_at IS NULL ORDER BY position",
        list.table()
    );
    db.query_as(&sql, params![]).await
}

/// One theme of the reference lists.
#[derive(Clone, Debug, Deserialize)]
pub struct Theme {
    pub code: String,
    pub label: String,
    pub is_focus: bool,
    pub focus_code: String,
}

/// The current (not retired) themes (`ref_theme`), in their list order.
pub async fn themes(db: &Db) -> Result<Vec<Theme>, StoreError> {
    db.query_as(
        "SELECT code, label, is_focus, focus_code FROM ref_theme WHERE retired_at IS NULL ORDER BY position",
        params![],
    )
    .await
}

/// One value of a coded list.
#[derive(Clone, Debug, Deserialize)]
pub struct CodedValue {
    pub list_name: String,
    pub code: String,
    pub label: String,
    #[serde(default, deserialize_with = "crate::decode::optional_json_text")]
    pub extra: Option<Json>,
}

/// Every current (not retired) coded value (`ref_coded_value`), by list then list order.
pub async fn coded_values(db: &Db) -> Result<Vec<CodedValue>, StoreError> {
    db.query_as(
        "SELECT list_name, code, label, extra FROM ref_coded_value WHERE retired_at IS NULL ORDER BY list_name, position",
        params![],
    )
    .await
}

/// A ROME job title (appellation): our code, its ROME code and its label.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
#[schema(as = AppellationRome)]
pub struct RomeAppellation {
    /// Notre code (`APP-…`), celui que les formulaires envoient.
    #[schema(example = "APP-11573")]
    pub code: String,
    #[schema(example = "M1607")]
    pub rome_code: String,
    #[schema(example = "Secrétaire")]
    pub label: String,
}

/// The current (not retired) ROME job titles whose `sort_key` matches every `LIKE` pattern,
/// sorted by `sort_key`, at most `limit`.
pub async fn search_rome(
    db: &Db,
    patterns: &[String],
    limit: i64,
) -> Result<Vec<RomeAppellation>, StoreError> {
    let mut sql = String::from(
        "SELECT code, rome_code, label FROM ref_rome_appellation WHERE retired_at IS NULL",
    );
    for index in 1..=patterns.len() {
        sql.push_str(&format!(" AND sort_key LIKE ${index}"));
    }
    sql.push_str(&format!(" ORDER BY sort_key LIMIT {limit}"));
    let params: Vec<Value> = patterns.iter().map(Value::from).collect();
    db.query_as(&sql, &params).await
}

/// The ROME job of one of our job titles.
#[derive(Clone, Debug, Deserialize)]
pub struct RomeJob {
    pub rome_code: String,
    pub label: String,
}

/// The ROME code and label of a current (not retired) job title, by our code (`APP-…`).
pub async fn rome_appellation(db: &Db, code: &str) -> Result<Option<RomeJob>, StoreError> {
    db.query_opt_as(
        "SELECT rome_code, label FROM ref_rome_appellation WHERE code = $1 AND retired_at IS NULL",
        params![code],
    )
    .await
}
