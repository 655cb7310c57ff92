//! The orientation managers' queue: re-orientation requests with who asked, when, why and what
//! they suggest, pending ones first; and the professionals of a structure, among whom a referent
//! is chosen.

use super::carnets::Page;
use crate::{params, Db, Row, StoreError};
use carnet_domain::text::sort_key;
use carnet_domain::Id;
use serde_json::{json, Value as Json};

/// Which requests a queue shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestStatus {
    Pending,
    Decided,
    All,
}

impl RequestStatus {
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "pending" => Some(Self::Pending),
            "decided" => Some(Self::Decided),
            "all" => Some(Self::All),
            _ => None,
        }
    }

    fn condition(self) -> &'static str {
        match self {
            Self::Pending => "o.status = 'pending'",
            Self::Decided => "o.status <> 'pending'",
            Self::All => "TRUE",
        }
    }
}

fn name(row: &Row, first: &str, last: &str) -> Result<Option<String>, StoreError> {
    Ok(row
        .get::<Option<String>>(first)?
        .zip(row.get::<Option<String>>(last)?)
        .map(|(f, l)| format!("{f} {l}")))
}

fn request_json(row: &Row) -> Result<Json, StoreError> {
    let suggested = row
        .get::<Option<String>>("suggested_dispositif_id")?
        .map(|id| json!({ "id": id, "name": row.get::<Option<String>>("suggested_dispositif_name").ok().flatten() }));
    let current = row
        .get::<Option<String>>("current_dispositif_id")?
        .map(|id| json!({ "id": id, "name": row.get::<Option<String>>("current_dispositif_name").ok().flatten() }));
    Ok(json!({
        "id": row.get::<String>("id")?,
        "notebook_id": row.get::<String>("notebook_id")?,
        "status": row.get::<String>("status")?,
        "reason": row.get::<String>("reason")?,
        "created_at": row.get::<String>("created_at")?,
        "beneficiary": {
            "first_name": row.get::<String>("first_name")?,
            "last_name": row.get::<String>("last_name")?,
            "birth_date": row.get::<Option<String>>("birth_date")?,
        },
        "requested_by": {
            "account_id": row.get::<String>("requested_by")?,
            "name": name(row, "requester_first_name", "requester_last_name")?,
            "structure": row.get::<Option<String>>("requester_structure")?,
        },
        "suggested_dispositif": suggested,
        "current_dispositif": current,
        "referent": row.get::<Option<String>>("referent_name")?.map(|name| json!({
            "name": name,
            "structure": row.get::<Option<String>>("referent_structure").ok().flatten(),
        })),
        "decided_at": row.get::<Option<String>>("decided_at")?,
        "decided_by": name(row, "decider_first_name", "decider_last_name")?,
        "decision_reason": row.get::<Option<String>>("decision_reason")?,
    }))
}

/// A page of the queue (notebooks not archived): pending requests oldest first, then decided
/// ones, most recent decision first.
pub async fn requests(
    db: &Db,
    status: RequestStatus,
    page: i64,
    per_page: i64,
) -> Result<Page<Json>, StoreError> {
    let condition = status.condition();
    let total: i64 = db
        .query_one(
            &format!(
                "SELECT COUNT(*) AS n FROM orientation_requests o JOIN notebooks n ON n.id = o.notebook_id \
                 WHERE n.archived_at IS NULL AND {condition}"
            ),
            params![],
        )
        .await?
        .get("n")?;
    let rows = db
        .query(
            &format!(
                "SELECT o.id, o.notebook_id, o.status, o.reason, o.created_at, o.requested_by, o.decided_at, o.decision_reason, \
                    b.first_name, b.last_name, b.birth_date, \
                    ra.first_name AS requester_first_name, ra.last_name AS requester_last_name, \
                    COALESCE( \
                      (SELECT s.name FROM notebook_members m JOIN structures s ON s.id = m.structure_id \
                         WHERE m.notebook_id = o.notebook_id AND m.account_id = o.requested_by \
                         ORDER BY CASE WHEN m.active THEN 0 ELSE 1 END, m.joined_at DESC LIMIT 1), \
                      (SELECT s.name FROM role_assignments r JOIN structures s ON s.id = r.structure_id \
                         WHERE r.account_id = o.requested_by AND r.role = 'professional' \
                         ORDER BY CASE WHEN r.revoked_at IS NULL THEN 0 ELSE 1 END, r.created_at LIMIT 1) \
                    ) AS requester_structure, \
                    sd.id AS suggested_dispositif_id, sd.name AS suggested_dispositif_name, \
                    cd.id AS current_dispositif_id, cd.name AS current_dispositif_name, \
                    (SELECT a.first_name || ' ' || a.last_name FROM notebook_members m JOIN accounts a ON a.id = m.account_id \
                       WHERE m.notebook_id = o.notebook_id AND m.active = TRUE AND m.member_type = 'referent') AS referent_name, \
                    (SELECT s.name FROM notebook_members m JOIN structures s ON s.id = m.structure_id \
                       WHERE m.notebook_id = o.notebook_id AND m.active = TRUE AND m.member_type = 'referent') AS referent_structure, \
                    da.first_name AS decider_first_name, da.last_name AS decider_last_name \
                 FROM orientation_requests o JOIN notebooks n ON n.id = o.notebook_id \
                 JOIN beneficiaries b ON b.id = n.beneficiary_id \
                 JOIN accounts ra ON ra.id = o.requested_by \
                 LEFT JOIN dispositifs sd ON sd.id = o.suggested_dispositif_id \
                 LEFT JOIN dispositifs cd ON cd.id = n.dispositif_id \
                 LEFT JOIN accounts da ON da.id = o.decided_by \
                 WHERE n.archived_at IS NULL AND {condition} \
                 ORDER BY CASE WHEN o.status = 'pending' THEN 0 ELSE 1 END, \
                          CASE WHEN o.status = 'pending' THEN o.created_at END, \
                          o.decided_at DESC, o.id \
                 LIMIT $1 OFFSET $2"
            ),
            params![per_page, (page - 1) * per_page],
        )
        .await?;
    Ok(Page {
        items: rows.iter().map(request_json).collect::<Result<_, _>>()?,
        total,
        page,
        per_page,
    })
}

/// The enabled professionals of a structure, sorted by name the French way; `None` when the
/// structure does not exist.
pub async fn professionals(db: &Db, structure_id: Id) -> Result<Option<Vec<Json>>, StoreError> {
    if db
        .query_opt(
            "SELECT id FROM structures WHERE id = $1",
            params![structure_id],
        )
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let rows = db
        .query(
            "SELECT a.id AS account_id, a.first_name, a.last_name, p.position \
             FROM role_assignments r JOIN accounts a ON a.id = r.account_id \
             LEFT JOIN professionals p ON p.account_id = a.id \
             WHERE r.structure_id = $1 AND r.role = 'professional' AND r.revoked_at IS NULL AND a.disabled_at IS NULL",
            params![structure_id],
        )
        .await?;
    let mut people = rows
        .iter()
        .map(|row| {
            let first: String = row.get("first_name")?;
            let last: String = row.get("last_name")?;
            Ok((
                sort_key(&format!("{last} {first}")),
                json!({
                    "account_id": row.get::<String>("account_id")?,
                    "first_name": first,
                    "last_name": last,
                    "position": row.get::<Option<String>>("position")?,
                }),
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    people.sort_by(|a, b| a.0.cmp(&b.0));
    people.dedup_by(|a, b| a.1["account_id"] == b.1["account_id"]);
    Ok(Some(people.into_iter().map(|(_, person)| person).collect()))
}
