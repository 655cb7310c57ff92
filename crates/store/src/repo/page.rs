//! One page of a list, with the total: every paged answer has this shape.

use serde::Serialize;
use utoipa::ToSchema;

/// Une page d'une liste : ses éléments, le nombre total d'éléments de la liste, le numéro de la
/// page (à partir de 1) et sa taille.
// Its schema is named after the item type's (`Page_LigneCarnet`, `Page_Evenement`…).
#[derive(Serialize, ToSchema, Debug)]
pub struct Page<T> {
    /// Les éléments de la page, dans l'ordre de la liste.
    pub items: Vec<T>,
    /// Le nombre d'éléments de toute la liste.
    #[schema(example = 42)]
    pub total: i64,
    /// Le numéro de la page, à partir de 1.
    #[schema(example = 1)]
    pub page: i64,
    /// La taille d'une page.
    #[schema(example = 20)]
    pub per_page: i64,
}

impl<T> Page<T> {
    /// A page with no item (nothing matched).
    pub fn empty(page: i64, per_page: i64) -> Self {
        Page {
            items: Vec::new(),
            total: 0,
            page,
            per_page,
        }
    }
}
