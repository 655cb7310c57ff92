//! The API contract: each component lists its operations once, in `operations!`; that one list
//! gives both its router and its part of the OpenAPI 3.1 document, so that no route can exist
//! undocumented nor be documented without existing.
//!
//! Each handler carries `#[utoipa::path(…)]`: method, path, summary in French, roles, the
//! request body and every answer with its type, its error codes and an example. At run time a
//! component only reads the method and the path of each (two small functions): the document
//! itself (`openapi()`) is built natively, by the server's `openapi` command and the tests, so
//! the WebAssembly components carry none of it.
//!
//! ```ignore
//! carnet_http::operations! {
//!     crate::referentiel => [get_referentiel, search_rome],
//!     crate::notebook => [view, timeline],
//! }
//! // → pub fn routes() -> Router<AppState>   and   pub fn openapi() -> OpenApi
//! ```

use crate::AppState;
use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter};
use axum::Router;
use serde::Serialize;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::{
    ContentBuilder, OpenApi, PathItem, RefOr, Response, ResponseBuilder, Schema,
};
use utoipa::ToSchema;

#[doc(hidden)]
pub use paste::paste as __paste;

/// The one list of a component's operations (see the module's documentation).
#[macro_export]
macro_rules! operations {
    ( $( $($module:ident)::+ => [ $($handler:ident),* $(,)? ] ),* $(,)? ) => {
        /// This component's routes, each at the method and path its `#[utoipa::path]` documents.
        pub fn routes() -> ::axum::Router<$crate::AppState> {
            #[allow(unused_mut)]
            let mut router = ::axum::Router::new();
            $( {
                use $($module)::+ as module;
                $(
                    router = $crate::openapi::__paste! {
                        $crate::openapi::route::<module::[<__path_ $handler>], _, _>(
                            router,
                            module::$handler,
                        )
                    };
                )*
            } )*
            router
        }

        /// This component's part of the OpenAPI document (built natively, never at run time).
        pub fn openapi() -> ::utoipa::openapi::OpenApi {
            #[allow(unused_mut)]
            let mut document = $crate::openapi::Part::default();
            $( {
                use $($module)::+ as module;
                $(
                    $crate::openapi::__paste! {
                        document.add::<module::[<__path_ $handler>]>();
                    }
                )*
            } )*
            document.finish()
        }
    };
}

/// Adds one handler at the path and methods its documentation names.
#[allow(clippy::disallowed_methods)] // The one place routes are added: from the documentation.
pub fn route<P, H, T>(router: Router<AppState>, handler: H) -> Router<AppState>
where
    P: utoipa::Path,
    H: Handler<T, AppState>,
    T: 'static,
{
    let methods = P::methods()
        .into_iter()
        .fold(MethodRouter::new(), |methods, method| {
            methods.on(method_filter(&method), handler.clone())
        });
    router.route(&P::path(), methods)
}

fn method_filter(method: &HttpMethod) -> MethodFilter {
    match method {
        HttpMethod::Get => MethodFilter::GET,
        HttpMethod::Post => MethodFilter::POST,
        HttpMethod::Put => MethodFilter::PUT,
        HttpMethod::Delete => MethodFilter::DELETE,
        HttpMethod::Patch => MethodFilter::PATCH,
        HttpMethod::Head => MethodFilter::HEAD,
        HttpMethod::Options => MethodFilter::OPTIONS,
        HttpMethod::Trace => MethodFilter::TRACE,
    }
}

/// A component's operations and the schemas they name, gathered by `operations!`.
#[derive(Default)]
pub struct Part {
    paths: utoipa::openapi::path::Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl Part {
    pub fn add<P>(&mut self)
    where
        P: utoipa::Path + utoipa::__dev::SchemaReferences + utoipa::__dev::Tags<'static>,
    {
        let methods = P::methods();
        let mut operation = P::operation();
        // The `tag = …` of `#[utoipa::path]` comes apart from the operation (as utoipa-axum
        // adds it back).
        let tags = P::tags();
        if !tags.is_empty() {
            operation
                .tags
                .get_or_insert_with(Vec::new)
                .extend(tags.iter().map(|tag| tag.to_string()));
        }
        self.paths.add_path_operation(P::path(), methods, operation);
        P::schemas(&mut self.schemas);
    }

    /// The part as a document: every operation also answers the errors any request may meet.
    pub fn finish(self) -> OpenApi {
        let mut components = utoipa::openapi::ComponentsBuilder::new();
        for (name, schema) in self.schemas {
            components = components.schema(name, schema);
        }
        components = components.schema_from::<ErrorBody>();
        let mut document = utoipa::openapi::OpenApiBuilder::new()
            .paths(self.paths)
            .components(Some(components.build()))
            .build();
        for item in document.paths.paths.values_mut() {
            for operation in operations_mut(item) {
                add_common_errors(operation);
            }
        }
        document
    }
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.put.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
        item.head.as_mut(),
        item.options.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Errors every operation may answer, whatever it does: an unreadable request, a body too
/// large or not JSON, the store busy or unreachable, a schema behind, an internal error. (An
/// operation that needs a session also gets its 401.)
const COMMON_ERRORS: &[(&str, &str)] = &[
    (
        "400",
        "Demande illisible : `invalid_json`, `invalid_query`, `invalid_characters`, `invalid_path`…",
    ),
    ("413", "`payload_too_large` : corps de la demande trop volumineux."),
    ("415", "`unsupported_media_type` : le corps doit être du JSON."),
    ("500", "`internal` ou `configuration` : erreur interne (détail journalisé, jamais envoyé)."),
    (
        "503",
        "`busy`, `store_unavailable` ou `schema_behind` : réessayer après `Retry-After` secondes.",
    ),
];

fn add_common_errors(operation: &mut Operation) {
    // Any operation that needs a session, or the scheduler's secret, answers 401 without it.
    let requires = |scheme: &str| {
        operation.security.iter().flatten().any(|requirement| {
            serde_json::to_value(requirement)
                .unwrap_or_default()
                .get(scheme)
                .is_some()
        })
    };
    let unauthenticated = if requires("session") || requires("jeton") {
        Some("`unauthenticated` : aucune session valide.")
    } else if requires("ordonnanceur") {
        Some("`unauthenticated` : secret absent ou faux.")
    } else {
        None
    };
    if let Some(description) = unauthenticated {
        operation
            .responses
            .responses
            .entry("401".to_string())
            .or_insert_with(|| error_response(description));
    }
    for (status, description) in COMMON_ERRORS {
        operation
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| error_response(description));
    }
}

/// A response carrying the one error body.
pub fn error_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("Erreur")))
                .build(),
        )
        .into()
}

/// Le corps de toute réponse d'erreur : un `code` stable pour les programmes, un `message` en
/// français pour les personnes.
#[derive(Serialize, ToSchema)]
#[schema(
    as = Erreur,
    example = json!({"error": {"code": "not_found", "message": "Élément introuvable."}})
)]
pub struct ErrorBody {
    pub error: ErrorContent,
}

/// L'erreur elle-même.
#[derive(Serialize, ToSchema)]
#[schema(as = ErreurContenu)]
pub struct ErrorContent {
    /// Code stable, à tester par les programmes (`not_found`, `validation`, `forbidden`…).
    pub code: String,
    /// Message en français, à montrer aux personnes.
    pub message: String,
    /// 422 : les champs invalides, chacun avec son code et son message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<crate::error::FieldError>>,
    /// 409 : l'état en conflit, quand il aide à décider (par exemple les doublons trouvés).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

/// Joins the components' parts into the instance's document.
pub fn document(parts: impl IntoIterator<Item = OpenApi>) -> OpenApi {
    let mut document = utoipa::openapi::OpenApiBuilder::new()
        .info(
            utoipa::openapi::InfoBuilder::new()
                .title("Carnet de bord — API")
                .version(crate::routing::VERSION)
                .description(Some(DESCRIPTION))
                .license(Some(
                    utoipa::openapi::LicenseBuilder::new()
                        .name("EUPL-1.2")
                        .identifier(Some("EUPL-1.2"))
                        .build(),
                ))
                .build(),
        )
        .build();
    let mut named: std::collections::BTreeMap<String, RefOr<Schema>> = Default::default();
    for part in parts {
        for (name, schema) in part.components.iter().flat_map(|c| c.schemas.iter()) {
            if let Some(other) = named.insert(name.clone(), schema.clone()) {
                assert!(
                    &other == schema,
                    "deux schémas différents s'appellent `{name}` : donnez-leur des noms distincts (#[schema(as = …)])"
                );
            }
        }
        document.merge(part);
    }
    let mut components = document.components.take().unwrap_or_default();
    components.add_security_scheme(
        "session",
        utoipa::openapi::security::SecurityScheme::ApiKey(
            utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    crate::auth::SESSION_COOKIE,
                    "Cookie de session posé par `POST /api/auth/confirm` (navigateur).",
                ),
            ),
        ),
    );
    components.add_security_scheme(
        "jeton",
        utoipa::openapi::security::SecurityScheme::Http(
            utoipa::openapi::security::HttpBuilder::new()
                .scheme(utoipa::openapi::security::HttpAuthScheme::Bearer)
                .description(Some(
                    "Jeton de session (`Authorization: Bearer …`), rendu par `POST /api/auth/confirm`.",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        "ordonnanceur",
        utoipa::openapi::security::SecurityScheme::Http(
            utoipa::openapi::security::HttpBuilder::new()
                .scheme(utoipa::openapi::security::HttpAuthScheme::Bearer)
                .description(Some(
                    "Le secret des tâches planifiées (réglage `JOBS_SECRET`), pour l'ordonnanceur seulement.",
                ))
                .build(),
        ),
    );
    document.components = Some(components);
    document
}

const DESCRIPTION: &str = "API de Carnet de bord, une instance par département.\n\n\
Chaque opération dit qui peut l'appeler (« Rôles »), ce qu'elle répond et ses codes d'erreur. \
Toute erreur a le même corps (`Erreur`) : un `code` stable et un `message` en français ; \
une erreur de validation (422) liste les champs refusés. Les écritures venant d'un navigateur \
doivent porter l'en-tête `Origin` de l'instance ; celles qui l'indiquent acceptent une \
`Idempotency-Key`. Dates `AAAA-MM-JJ`, instants en UTC (RFC 3339), identifiants UUID.";

/// Serializes a document as the served file is written: pretty JSON, a final newline.
pub fn to_pretty_json(document: &OpenApi) -> String {
    let mut text = serde_json::to_string_pretty(document).expect("an OpenAPI document serializes");
    text.push('\n');
    text
}
