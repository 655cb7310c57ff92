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
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct Referentiel {
    /// Les thèmes, dans l'ordre des listes nationales, chacun avec ses situations, objectifs et
    /// actions.
    themes: Vec<Theme>,
    /// Les valeurs codées, par liste (`rsa_right`, `education_level`…).
    coded_values: BTreeMap<String, Vec<CodedValue>>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = Theme)]
struct Theme {
    #[schema(example = "logement")]
    code: String,
    #[schema(example = "Logement")]
    label: String,
    /// Un des thèmes du diagnostic (« focus ») du carnet.
    is_focus: bool,
    focus_code: String,
    situations: Vec<Item>,
    objectifs: Vec<Item>,
    actions: Vec<Item>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ElementDeListe)]
struct Item {
    code: String,
    label: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ValeurCodee)]
struct CodedValue {
    code: String,
    label: String,
    /// Données propres à la liste (par exemple le département d'une commune).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    extra: Option<serde_json::Value>,
}

/// The national reference lists.
#[utoipa::path(
    get,
    path = "/api/referentiel",
    tag = "Référentiel",
    summary = "Listes nationales de référence",
    description = "**Rôles** : toute personne connectée. Les thèmes avec leurs situations, objectifs et \
        actions, et les valeurs codées de chaque liste ; les éléments retirés sont omis.",
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les listes.", body = Referentiel, example = json!({
            "themes": [{"code": "logement", "label": "Logement", "is_focus": true, "focus_code": "logement",
                "situations": [{"code": "SIT-001", "label": "Hébergé chez un tiers"}],
                "objectifs": [{"code": "OBJ-001", "label": "Accéder à un logement"}],
                "actions": [{"code": "ACT-001", "label": "Demande de logement social"}]}],
            "coded_values": {"rsa_right": [{"code": "rsa_droit_ouvert_et_suspendu", "label": "Droit ouvert et suspendu"}]}
        })),
    )
)]
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RomeQuery {
    /// Les premiers mots cherchés (au moins deux lettres), accents et casse indifférents.
    #[param(example = "secret")]
    q: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ResultatsRome)]
pub struct RomeResults {
    /// Au plus 20 appellations, dans l'ordre alphabétique.
    results: Vec<RomeAppellation>,
}

const ROME_RESULTS: i64 = 20;

/// ROME job titles, searched as one types.
#[utoipa::path(
    get,
    path = "/api/referentiel/rome",
    tag = "Référentiel",
    summary = "Rechercher une appellation ROME",
    description = "**Rôles** : toute personne connectée. Chaque mot doit figurer dans l'appellation.",
    params(RomeQuery),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les appellations trouvées.", body = RomeResults,
            example = json!({"results": [{"code": "APP-11573", "rome_code": "M1607", "label": "Secrétaire"}]})),
        (status = 422, description = "`validation` ; champ `q`, code `too_short` : moins de deux lettres.", body = carnet_http::openapi::ErrorBody),
    )
)]
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
