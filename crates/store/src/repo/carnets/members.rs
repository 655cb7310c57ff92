//! The active members of a notebook and how to reach them, as the full view and the card show
//! them.

use crate::{Row, StoreError};
use carnet_domain::{Id, Instant};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a sensitive structure is called for whoever may only see the card.
const SENSITIVE_LABEL: &str = "structure d'accompagnement";

/// The active members of a notebook (parameter: the notebook), referent first.
pub(super) const MEMBERS_SQL: &str = "SELECT m.member_type, m.joined_at, a.id AS account_id, a.first_name, a.last_name, a.email, p.phone, p.position, \
        s.id AS structure_id, s.name AS structure_name, s.sensitive \
     FROM notebook_members m JOIN accounts a ON a.id = m.account_id \
     LEFT JOIN professionals p ON p.account_id = a.id LEFT JOIN structures s ON s.id = m.structure_id \
     WHERE m.notebook_id = $1 AND m.active = TRUE ORDER BY CASE m.member_type WHEN 'referent' THEN 0 ELSE 1 END, m.joined_at";

/// Le rôle d'un membre dans le carnet.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[schema(as = TypeDeMembre)]
pub enum MemberType {
    /// Le référent unique du parcours.
    Referent,
    Member,
    OrientationManager,
}

/// Un membre actif du carnet, et comment le joindre.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(as = MembreDuCarnet)]
pub struct Member {
    pub account_id: Id,
    pub member_type: MemberType,
    #[schema(example = "Sophie")]
    pub first_name: String,
    #[schema(example = "Tifour")]
    pub last_name: String,
    #[schema(example = "sophie.tifour@cd.example.fr")]
    pub email: String,
    /// Téléphone professionnel.
    pub phone: Option<String>,
    /// Fonction.
    pub position: Option<String>,
    /// La structure au titre de laquelle la personne est membre.
    pub structure: Option<MemberStructure>,
    pub joined_at: Instant,
}

/// La structure d'un membre. Pour qui ne voit que la carte, une structure « sensible » (dont le
/// nom révèle la santé, la justice ou la religion) est nommée « structure d'accompagnement »,
/// sans identifiant.
#[derive(Serialize, ToSchema, Clone, Debug)]
#[schema(as = StructureDuMembre)]
pub struct MemberStructure {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    #[schema(example = "Mission locale Est")]
    pub name: String,
}

/// One row of [`MEMBERS_SQL`].
#[derive(Deserialize)]
struct MemberRow {
    account_id: Id,
    member_type: MemberType,
    first_name: String,
    last_name: String,
    email: String,
    phone: Option<String>,
    position: Option<String>,
    structure_id: Option<Id>,
    structure_name: Option<String>,
    sensitive: Option<bool>,
    joined_at: Instant,
}

/// Whether a sensitive structure's name is shown (the full view) or replaced (the card).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum SensitiveStructures {
    Named,
    Masked,
}

/// The members of [`MEMBERS_SQL`]'s rows.
pub(super) fn members_from_rows(
    rows: &[Row],
    sensitive: SensitiveStructures,
) -> Result<Vec<Member>, StoreError> {
    crate::decode_all::<MemberRow>(rows).map(|rows| {
        rows.into_iter()
            .map(|row| {
                let masked =
                    sensitive == SensitiveStructures::Masked && row.sensitive == Some(true);
                let structure = if masked {
                    Some(MemberStructure {
                        id: None,
                        name: SENSITIVE_LABEL.into(),
                    })
                } else {
                    row.structure_name.map(|name| MemberStructure {
                        id: row.structure_id,
                        name,
                    })
                };
                Member {
                    account_id: row.account_id,
                    member_type: row.member_type,
                    first_name: row.first_name,
                    last_name: row.last_name,
                    email: row.email,
                    phone: row.phone,
                    position: row.position,
                    structure,
                    joined_at: row.joined_at,
                }
            })
            .collect()
    })
}
