//! The restricted card: who the person is (names, birth date) and who follows them, how to
//! reach them. Nothing else: its types cannot carry the NIR, the rights, the diagnostic or the
//! plan.

use super::members::{members_from_rows, Member, SensitiveStructures, MEMBERS_SQL};
use crate::repo::access_log::{read_and_log, AccessLogEntry};
use crate::{one_row, params, Db, StoreError};
use carnet_domain::Id;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// La carte restreinte d'un carnet : l'identité réduite de la personne et ses membres, pour qui
/// n'est pas de son accompagnement.
#[derive(Serialize, ToSchema, Debug)]
#[schema(as = CarteCarnet)]
pub struct Card {
    /// L'identifiant du carnet.
    pub id: Id,
    /// Toujours `card`.
    pub view: CardView,
    pub beneficiary: CardIdentity,
    /// Les membres actifs, le référent d'abord.
    pub members: Vec<Member>,
}

/// Ce que la carte montre : `card`.
#[derive(Serialize, ToSchema, Clone, Copy, Debug)]
#[serde(rename_all = "snake_case")]
#[schema(as = VueCarte)]
pub enum CardView {
    Card,
}

/// L'identité telle que la carte la montre : les noms et la date de naissance.
#[derive(Serialize, Deserialize, ToSchema, Debug)]
#[schema(as = IdentiteDeCarte)]
pub struct CardIdentity {
    #[schema(example = "Camille")]
    pub first_name: String,
    #[schema(example = "Martin")]
    pub last_name: String,
    /// Date de naissance, `AAAA-MM-JJ`.
    #[schema(example = "1990-04-12")]
    pub birth_date: Option<String>,
}

/// The restricted card. The read is logged (`entry`) and committed.
pub async fn card(
    db: &Db,
    notebook_id: Id,
    entry: &AccessLogEntry<'_>,
) -> Result<Card, StoreError> {
    let id = params![notebook_id];
    let [names, members] = read_and_log(
        db,
        &[
            (
                "SELECT b.first_name, b.last_name, b.birth_date FROM notebooks n JOIN beneficiaries b ON b.id = n.beneficiary_id WHERE n.id = $1",
                id,
            ),
            (MEMBERS_SQL, id),
        ],
        entry,
    )
    .await?;
    Ok(Card {
        id: notebook_id,
        view: CardView::Card,
        beneficiary: one_row(&names)?.decode()?,
        members: members_from_rows(&members, SensitiveStructures::Masked)?,
    })
}
