//! What the read policy (`carnet_domain::access`) needs to know of a notebook, and which
//! notebook is a beneficiary's.

use crate::{params, Db, Row, StoreError};
use carnet_domain::access::NotebookFacts;
use carnet_domain::{Id, Instant};
use serde::Deserialize;

/// The notebook, with one row per active member (or one row with no member): what the read
/// policy needs (parameter: the notebook), for [`facts_from_rows`].
pub const FACTS_SQL: &str = "SELECT n.beneficiary_id, n.archived_at, m.account_id, m.structure_id \
     FROM notebooks n LEFT JOIN notebook_members m ON m.notebook_id = n.id AND m.active = TRUE \
     WHERE n.id = $1";

/// One row of [`FACTS_SQL`].
#[derive(Deserialize)]
struct FactsRow {
    beneficiary_id: Id,
    archived_at: Option<Instant>,
    account_id: Option<Id>,
    structure_id: Option<Id>,
}

/// What the read policy needs; `None` when there is no such notebook.
pub async fn facts(db: &Db, notebook_id: Id) -> Result<Option<NotebookFacts>, StoreError> {
    facts_from_rows(&db.query(FACTS_SQL, params![notebook_id]).await?)
}

/// The answer of [`FACTS_SQL`] (sent alone, or with other reads).
pub fn facts_from_rows(rows: &[Row]) -> Result<Option<NotebookFacts>, StoreError> {
    let rows: Vec<FactsRow> = crate::decode_all(rows)?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut facts = NotebookFacts {
        beneficiary_id: Some(first.beneficiary_id),
        archived: first.archived_at.is_some(),
        ..Default::default()
    };
    for member in rows {
        facts.active_members.extend(member.account_id);
        facts.member_structures.extend(member.structure_id);
    }
    Ok(Some(facts))
}

/// The notebook of a beneficiary (there is one per beneficiary).
pub async fn notebook_of(db: &Db, beneficiary: Id) -> Result<Option<Id>, StoreError> {
    #[derive(Deserialize)]
    struct Notebook {
        id: Id,
    }
    Ok(db
        .query_opt_as::<Notebook>(
            "SELECT id FROM notebooks WHERE beneficiary_id = $1",
            params![beneficiary],
        )
        .await?
        .map(|notebook| notebook.id))
}
