//! Lists, all paged: a professional's portfolio, a structure's, the département's (filtered),
//! recently viewed notebooks, and search. Archived notebooks appear in none of them. Search and
//! the recently viewed are lists of cards ([`CardLine`]): no rendez-vous in them.

use crate::notebook::paging;
use axum::Json;
use carnet_domain::access::{
    may_list_department, may_list_portfolio, may_list_structure, may_search, notebook_read,
    ReadAccess,
};
use carnet_http::auth::Authenticated;
use carnet_http::extract::Query;
use carnet_http::{AppError, FieldError};
use carnet_store::repo::carnets::{self, CardLine, DepartmentFilter, ListItem, Page};
use carnet_store::repo::directory::{self, Dispositif, Structure};
use carnet_store::repo::referentiel;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Le numéro de la page, à partir de 1 (1 par défaut).
    #[param(example = 1)]
    page: Option<i64>,
    /// La taille d'une page, de 1 à 100 (20 par défaut).
    #[param(example = 20)]
    per_page: Option<i64>,
}

fn refused() -> AppError {
    AppError::forbidden(
        "forbidden",
        "Cette liste n'est pas accessible avec votre rôle.",
    )
}

/// "Mes bénéficiaires".
#[utoipa::path(
    get,
    path = "/api/carnets/portfolio",
    tag = "Carnets",
    summary = "Mes bénéficiaires",
    description = "**Rôles** : professionnel, chargé d'orientation. Les carnets non archivés dont la \
        personne est membre active, par nom.",
    params(Paging),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Une page du portefeuille.", body = Page<ListItem>, example = json!({
            "items": [{"notebook_id": "0b6f3c2e-5f7a-4c1d-9a3e-2f1d4b6c8e90", "first_name": "Camille", "last_name": "Martin",
                "birth_date": "1990-04-12", "last_activity_at": "2026-03-02T08:30:00.000000Z",
                "next_rendez_vous": "2026-03-09T09:00:00.000000Z", "referent": "Sophie Tifour"}],
            "total": 1, "page": 1, "per_page": 20
        })),
        (status = 403, description = "`forbidden` : rôle sans portefeuille ; `cgu_required` : conditions générales d\'utilisation à accepter.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` : `page` ou `per_page` hors limites (`out_of_range`) ou illisible.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn portfolio(
    auth: Authenticated,
    Query(query): Query<Paging>,
) -> Result<Json<Page<ListItem>>, AppError> {
    if !may_list_portfolio(&auth.actor()) {
        return Err(refused());
    }
    let (page, per_page) = paging(query.page, query.per_page)?;
    Ok(Json(
        carnets::portfolio(&auth.ctx.db, auth.ctx.now, auth.account_id, page, per_page).await?,
    ))
}

/// The notebooks linked to the admin's structure.
#[utoipa::path(
    get,
    path = "/api/carnets/structure",
    tag = "Carnets",
    summary = "Les carnets de ma structure",
    description = "**Rôles** : administrateur de structure. Les carnets non archivés ayant un membre \
        actif de sa structure, par nom.",
    params(Paging),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Une page des carnets de la structure.", body = Page<ListItem>, example = json!({
            "items": [{"notebook_id": "0b6f3c2e-5f7a-4c1d-9a3e-2f1d4b6c8e90", "first_name": "Camille", "last_name": "Martin",
                "birth_date": null, "last_activity_at": "2026-03-02T08:30:00.000000Z",
                "next_rendez_vous": null, "referent": null}],
            "total": 1, "page": 1, "per_page": 20
        })),
        (status = 403, description = "`forbidden` : réservé aux administrateurs de structure ; `cgu_required` : conditions générales d\'utilisation à accepter.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` : `page` ou `per_page` hors limites (`out_of_range`) ou illisible.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn structure(
    auth: Authenticated,
    Query(query): Query<Paging>,
) -> Result<Json<Page<ListItem>>, AppError> {
    let Some(structure_id) = may_list_structure(&auth.actor()) else {
        return Err(refused());
    };
    let (page, per_page) = paging(query.page, query.per_page)?;
    Ok(Json(
        carnets::structure_portfolio(&auth.ctx.db, auth.ctx.now, structure_id, page, per_page)
            .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DepartmentQuery {
    /// Le numéro de la page, à partir de 1 (1 par défaut).
    page: Option<i64>,
    /// La taille d'une page, de 1 à 100 (20 par défaut).
    per_page: Option<i64>,
    /// Seulement les carnets sans référent.
    sans_referent: Option<bool>,
    /// Seulement les carnets ayant une demande de réorientation en attente.
    orientation_en_attente: Option<bool>,
    /// Seulement les carnets de ce droit RSA (valeur codée de la liste `rsa_right`, actuelle ou
    /// retirée).
    #[param(example = "rsa_droit_ouvert_versable")]
    rsa: Option<String>,
}

/// The département's notebooks, filtered.
#[utoipa::path(
    get,
    path = "/api/carnets/departement",
    tag = "Carnets",
    summary = "Les carnets du département",
    description = "**Rôles** : chargé d'orientation, gestionnaire. Les carnets non archivés, par nom, \
        filtrés (sans référent, orientation en attente, droit RSA).",
    params(DepartmentQuery),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Une page des carnets.", body = Page<ListItem>, example = json!({
            "items": [{"notebook_id": "0b6f3c2e-5f7a-4c1d-9a3e-2f1d4b6c8e90", "first_name": "Camille", "last_name": "Martin",
                "birth_date": "1990-04-12", "last_activity_at": "2026-03-02T08:30:00.000000Z",
                "next_rendez_vous": null, "referent": null}],
            "total": 37, "page": 1, "per_page": 20
        })),
        (status = 403, description = "`forbidden` : réservé aux chargés d'orientation et aux gestionnaires ; `cgu_required` : conditions générales d\'utilisation à accepter.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` : `page` ou `per_page` hors limites (`out_of_range`), `rsa` inconnu (`unknown_code`), ou paramètre illisible.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn department(
    auth: Authenticated,
    Query(query): Query<DepartmentQuery>,
) -> Result<Json<Page<ListItem>>, AppError> {
    if !may_list_department(&auth.actor()) {
        return Err(refused());
    }
    let (page, per_page) = paging(query.page, query.per_page)?;
    if let Some(code) = &query.rsa {
        if !referentiel::is_known_code(&auth.ctx.db, "rsa_right", code).await? {
            return Err(AppError::Validation(vec![FieldError::new(
                "rsa",
                "unknown_code",
                "Droit RSA inconnu.",
            )]));
        }
    }
    let filter = DepartmentFilter {
        without_referent: query.sans_referent.unwrap_or(false),
        orientation_pending: query.orientation_en_attente.unwrap_or(false),
        rsa_right: query.rsa,
    };
    Ok(Json(
        carnets::department(&auth.ctx.db, auth.ctx.now, &filter, page, per_page).await?,
    ))
}

/// The ten notebooks the person opened last.
#[utoipa::path(
    get,
    path = "/api/carnets/recent",
    tag = "Carnets",
    summary = "Carnets consultés récemment",
    description = "**Rôles** : professionnel, administrateur de structure, chargé d'orientation, \
        gestionnaire. Les dix derniers carnets ouverts, le plus récent d'abord, parmi ceux que la \
        personne peut encore ouvrir (vue complète ou carte).",
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les carnets.", body = Vec<CardLine>, example = json!([
            {"notebook_id": "0b6f3c2e-5f7a-4c1d-9a3e-2f1d4b6c8e90", "first_name": "Camille", "last_name": "Martin",
             "birth_date": "1990-04-12", "last_activity_at": "2026-03-02T08:30:00.000000Z", "referent": "Sophie Tifour"}
        ])),
        (status = 403, description = "`forbidden` : rôle sans recherche de carnets ; `cgu_required` : conditions générales d\'utilisation à accepter.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn recent(auth: Authenticated) -> Result<Json<Vec<CardLine>>, AppError> {
    if !may_search(&auth.actor()) {
        return Err(refused());
    }
    let mut recent = Vec::new();
    for item in carnets::recent(&auth.ctx.db, auth.ctx.now, auth.account_id, 10).await? {
        // Only what the person may still open (a structure admin's links change).
        let facts = carnets::facts(&auth.ctx.db, item.notebook_id)
            .await?
            .unwrap_or_default();
        if matches!(
            notebook_read(&auth.actor(), &facts),
            ReadAccess::Full { .. } | ReadAccess::Card
        ) {
            recent.push(item);
        }
    }
    Ok(Json(recent))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Des noms (accents, casse et fautes de frappe tolérés), un numéro CAF/MSA, un identifiant
    /// France Travail ou un téléphone : 2 à 100 caractères.
    #[param(example = "martin cam")]
    q: Option<String>,
    /// Le numéro de la page, à partir de 1 (1 par défaut).
    page: Option<i64>,
    /// La taille d'une page, de 1 à 100 (20 par défaut).
    per_page: Option<i64>,
}

/// Names (accent-, case- and typo-tolerant), CAF/MSA number, France Travail identifier, phone.
#[utoipa::path(
    get,
    path = "/api/carnets/search",
    tag = "Carnets",
    summary = "Rechercher un carnet",
    description = "**Rôles** : professionnel, administrateur de structure (les carnets liés à sa \
        structure seulement), chargé d'orientation, gestionnaire. Les résultats sont des cartes : \
        sans rendez-vous. Les carnets archivés ne sont jamais trouvés.",
    params(SearchQuery),
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Une page des carnets trouvés, par nom.", body = Page<CardLine>, example = json!({
            "items": [{"notebook_id": "0b6f3c2e-5f7a-4c1d-9a3e-2f1d4b6c8e90", "first_name": "Camille", "last_name": "Martin",
                "birth_date": "1990-04-12", "last_activity_at": "2026-03-02T08:30:00.000000Z", "referent": "Sophie Tifour"}],
            "total": 1, "page": 1, "per_page": 20
        })),
        (status = 403, description = "`forbidden` : rôle sans recherche de carnets ; `cgu_required` : conditions générales d\'utilisation à accepter.", body = carnet_http::openapi::ErrorBody),
        (status = 422, description = "`validation` : `q` de moins de 2 ou plus de 100 caractères (`length`), `page` ou `per_page` hors limites (`out_of_range`), ou paramètre illisible.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn search(
    auth: Authenticated,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Page<CardLine>>, AppError> {
    if !may_search(&auth.actor()) {
        return Err(refused());
    }
    let (page, per_page) = paging(query.page, query.per_page)?;
    let q = query.q.unwrap_or_default();
    if q.trim().chars().count() < 2 || q.chars().count() > 100 {
        return Err(AppError::Validation(vec![FieldError::new(
            "q",
            "length",
            "Saisissez entre 2 et 100 caractères.",
        )]));
    }
    // A structure admin only finds the notebooks linked to their structure.
    let within = may_list_structure(&auth.actor());
    Ok(Json(
        carnets::search(&auth.ctx.db, auth.ctx.now, &q, within, page, per_page).await?,
    ))
}

/// Les dispositifs d'accompagnement de l'instance.
#[derive(Serialize, ToSchema)]
#[schema(as = ListeDesDispositifs)]
pub struct Dispositifs {
    /// Les dispositifs actuels, par nom.
    items: Vec<Dispositif>,
}

/// The instance's orientation systems.
#[utoipa::path(
    get,
    path = "/api/carnets/dispositifs",
    tag = "Carnets",
    summary = "Les dispositifs d'accompagnement",
    description = "**Rôles** : tout rôle sauf personne accompagnée. Les dispositifs actuels (non \
        retirés), par nom.",
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les dispositifs.", body = Dispositifs, example = json!({
            "items": [{"id": "5d0c1e2a-8b3f-4c6d-9e7a-1b2c3d4e5f60", "name": "Accompagnement social", "orientation_type": "social"}]
        })),
        (status = 403, description = "`forbidden` : réservé aux professionnels de l'accompagnement ; `cgu_required` : conditions générales d\'utilisation à accepter.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn dispositifs(auth: Authenticated) -> Result<Json<Dispositifs>, AppError> {
    if !auth.assignment.role.is_staff() {
        return Err(refused());
    }
    let items = directory::dispositifs(&auth.ctx.db).await?;
    Ok(Json(Dispositifs { items }))
}

/// Les structures de l'instance.
#[derive(Serialize, ToSchema)]
#[schema(as = ListeDesStructures)]
pub struct Structures {
    /// Les structures, par nom.
    items: Vec<Structure>,
}

/// The instance's structures, sorted the French way.
#[utoipa::path(
    get,
    path = "/api/carnets/structures",
    tag = "Carnets",
    summary = "Les structures de l'instance",
    description = "**Rôles** : tout rôle sauf personne accompagnée. Les structures, par nom (ordre \
        alphabétique français).",
    security(("session" = []), ("jeton" = [])),
    responses(
        (status = 200, description = "Les structures.", body = Structures, example = json!({
            "items": [{"id": "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "name": "Mission locale Est", "siret": "13002526500013",
                "address": "2 rue de la Gare", "postal_code": "93100", "city": "Montreuil", "phone": "01 23 45 67 89",
                "email": "contact@ml-est.example.fr", "sensitive": false}]
        })),
        (status = 403, description = "`forbidden` : réservé aux professionnels de l'accompagnement ; `cgu_required` : conditions générales d\'utilisation à accepter.", body = carnet_http::openapi::ErrorBody),
    )
)]
pub async fn structures(auth: Authenticated) -> Result<Json<Structures>, AppError> {
    if !auth.assignment.role.is_staff() {
        return Err(refused());
    }
    let items = directory::structures(&auth.ctx.db).await?;
    Ok(Json(Structures { items }))
}
