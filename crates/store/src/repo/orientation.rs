//! The orientation managers' queue: re-orientation requests with who asked, when, why and what
//! they suggest, pending ones first; and the professionals of a structure, among whom a referent
//! is chosen.

use super::carnets::view::DispositifRef;
use super::carnets::CardIdentity;
use super::page::Page;
use crate::{params, Db, StoreError};
use carnet_domain::text::sort_key;
use carnet_domain::{Id, Instant};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

/// Une demande de réorientation, avec la personne, qui l'a faite, ce qu'elle propose, et la
/// décision quand elle est prise.
#[derive(Serialize, ToSchema, Debug)]
#[schema(as = DemandeDeReorientation)]
pub struct OrientationRequest {
    pub id: Id,
    pub notebook_id: Id,
    pub status: RequestState,
    /// Pourquoi la réorientation est demandée.
    #[schema(example = "Le projet professionnel relève désormais d'un accompagnement renforcé.")]
    pub reason: String,
    pub created_at: Instant,
    pub beneficiary: CardIdentity,
    pub requested_by: Requester,
    /// Le dispositif proposé.
    pub suggested_dispositif: Option<DispositifRef>,
    /// Le dispositif actuel du carnet.
    pub current_dispositif: Option<DispositifRef>,
    /// Le référent actuel du carnet.
    pub referent: Option<ReferentName>,
    pub decided_at: Option<Instant>,
    /// Qui a décidé (prénom et nom).
    pub decided_by: Option<String>,
    /// Le motif de la décision.
    pub decision_reason: Option<String>,
}

/// L'état d'une demande de réorientation.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[schema(as = StatutDemandeDeReorientation)]
pub enum RequestState {
    Pending,
    Accepted,
    Denied,
}

/// Qui a demandé la réorientation.
#[derive(Serialize, ToSchema, Debug)]
#[schema(as = Demandeur)]
pub struct Requester {
    pub account_id: Id,
    /// Prénom et nom.
    #[schema(example = "Sophie Tifour")]
    pub name: Option<String>,
    /// Sa structure (celle de son appartenance au carnet, à défaut celle de son rôle).
    pub structure: Option<String>,
}

/// Le référent d'un carnet, nommé.
#[derive(Serialize, ToSchema, Debug)]
#[schema(as = ReferentNomme)]
pub struct ReferentName {
    #[schema(example = "Sophie Tifour")]
    pub name: String,
    pub structure: Option<String>,
}

/// One row of the queue.
#[derive(Deserialize)]
struct RequestRow {
    id: Id,
    notebook_id: Id,
    status: RequestState,
    reason: String,
    created_at: Instant,
    requested_by: Id,
    requester_name: Option<String>,
    requester_structure: Option<String>,
    suggested_dispositif_id: Option<Id>,
    suggested_dispositif_name: Option<String>,
    current_dispositif_id: Option<Id>,
    current_dispositif_name: Option<String>,
    referent_name: Option<String>,
    referent_structure: Option<String>,
    decided_at: Option<Instant>,
    decided_by: Option<String>,
    decision_reason: Option<String>,
}

impl RequestRow {
    fn into_request(self, beneficiary: CardIdentity) -> OrientationRequest {
        OrientationRequest {
            id: self.id,
            notebook_id: self.notebook_id,
            status: self.status,
            reason: self.reason,
            created_at: self.created_at,
            beneficiary,
            requested_by: Requester {
                account_id: self.requested_by,
                name: self.requester_name,
                structure: self.requester_structure,
            },
            suggested_dispositif: self.suggested_dispositif_id.map(|id| DispositifRef {
                id,
                name: self.suggested_dispositif_name,
            }),
            current_dispositif: self.current_dispositif_id.map(|id| DispositifRef {
                id,
                name: self.current_dispositif_name,
            }),
            referent: self.referent_name.map(|name| ReferentName {
                name,
                structure: self.referent_structure,
            }),
            decided_at: self.decided_at,
            decided_by: self.decided_by,
            decision_reason: self.decision_reason,
        }
    }
}

/// A page of the queue (notebooks not archived): pending requests oldest first, then decided
/// ones, most recent decision first.
pub async fn requests(
    db: &Db,
    status: RequestStatus,
    page: i64,
    per_page: i64,
) -> Result<Page<OrientationRequest>, StoreError> {
    #[derive(Deserialize)]
    struct Count {
        n: i64,
    }
    let condition = status.condition();
    let total = db
        .query_one_as::<Count>(
            &format!(
                "SELECT COUNT(*) AS n FROM orientation_requests o JOIN notebooks n ON n.id = o.notebook_id \
                 WHERE n.archived_at IS NULL AND {condition}"
            ),
            params![],
        )
        .await?
        .n;
    let rows = db
        .query(
            &format!(
                "SELECT o.id, o.notebook_id, o.status, o.reason, o.created_at, o.requested_by, o.decided_at, o.decision_reason, \
                    b.first_name, b.last_name, b.birth_date, \
                    ra.first_name || ' ' || ra.last_name AS requester_name, \
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
                    da.first_name || ' ' || da.last_name AS decided_by \
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
        items: rows
            .iter()
            .map(|row| Ok(row.decode::<RequestRow>()?.into_request(row.decode()?)))
            .collect::<Result<_, StoreError>>()?,
        total,
        page,
        per_page,
    })
}

/// Un professionnel actif d'une structure.
#[derive(Serialize, Deserialize, ToSchema, Debug)]
#[schema(as = ProfessionnelDeStructure)]
pub struct Professional {
    pub account_id: Id,
    #[schema(example = "Sophie")]
    pub first_name: String,
    #[schema(example = "Tifour")]
    pub last_name: String,
    /// Fonction.
    #[schema(example = "Conseillère en insertion")]
    pub position: Option<String>,
}

/// The enabled professionals of a structure, sorted by name the French way; `None` when the
/// structure does not exist.
pub async fn professionals(
    db: &Db,
    structure_id: Id,
) -> Result<Option<Vec<Professional>>, StoreError> {
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
    let mut people: Vec<Professional> = db
        .query_as(
            "SELECT a.id AS account_id, a.first_name, a.last_name, p.position \
             FROM role_assignments r JOIN accounts a ON a.id = r.account_id \
             LEFT JOIN professionals p ON p.account_id = a.id \
             WHERE r.structure_id = $1 AND r.role = 'professional' AND r.revoked_at IS NULL AND a.disabled_at IS NULL",
            params![structure_id],
        )
        .await?;
    people.sort_by_cached_key(|p| sort_key(&format!("{} {}", p.last_name, p.first_name)));
    people.dedup_by(|a, b| a.account_id == b.account_id);
    Ok(Some(people))
}

/// The structures an enabled professional works in (their active professional roles), oldest
/// role first; empty for anyone else.
pub async fn professional_structures(db: &Db, account_id: Id) -> Result<Vec<Id>, StoreError> {
    db.query(
        "SELECT r.structure_id FROM role_assignments r JOIN accounts a ON a.id = r.account_id \
         WHERE r.account_id = $1 AND r.role = 'professional' AND r.revoked_at IS NULL AND a.disabled_at IS NULL \
         AND r.structure_id IS NOT NULL ORDER BY r.created_at, r.id",
        params![account_id],
    )
    .await?
    .iter()
    .map(|row| row.get::<Id>("structure_id"))
    .collect()
}

/// The email addresses told of an orientation change: the notebook's active referent, the
/// beneficiary's own account and, if given, one more account (each only if enabled).
pub async fn emails_to_tell(
    db: &Db,
    notebook_id: Id,
    extra_account_id: Option<Id>,
) -> Result<Vec<String>, StoreError> {
    db.query(
        "SELECT a.email FROM notebook_members m JOIN accounts a ON a.id = m.account_id \
           WHERE m.notebook_id = $1 AND m.active = TRUE AND m.member_type = 'referent' AND a.disabled_at IS NULL \
         UNION SELECT a.email FROM notebooks n JOIN role_assignments r ON r.beneficiary_id = n.beneficiary_id AND r.revoked_at IS NULL \
           JOIN accounts a ON a.id = r.account_id WHERE n.id = $1 AND a.disabled_at IS NULL \
         UNION SELECT a.email FROM accounts a WHERE a.id = $2 AND a.disabled_at IS NULL",
        params![notebook_id, extra_account_id],
    )
    .await?
    .iter()
    .map(|row| row.get::<String>("email"))
    .collect()
}

/// Sets a notebook's dispositif and bumps the notebook's version.
pub async fn set_dispositif(db: &Db, notebook_id: Id, dispositif_id: Id) -> Result<(), StoreError> {
    db.execute(
        "UPDATE notebooks SET dispositif_id = $2, version = version + 1 WHERE id = $1",
        params![notebook_id, dispositif_id],
    )
    .await
    .map(|_| ())
}

/// Whether an account is the notebook's active referent.
pub async fn is_referent(db: &Db, notebook_id: Id, account_id: Id) -> Result<bool, StoreError> {
    Ok(db
        .query_opt(
            "SELECT id FROM notebook_members WHERE notebook_id = $1 AND account_id = $2 AND active = TRUE AND member_type = 'referent'",
            params![notebook_id, account_id],
        )
        .await?
        .is_some())
}

/// Whether the notebook has a re-orientation request still waiting for a decision.
pub async fn has_pending_request(db: &Db, notebook_id: Id) -> Result<bool, StoreError> {
    Ok(db
        .query_opt(
            "SELECT id FROM orientation_requests WHERE notebook_id = $1 AND status = 'pending'",
            params![notebook_id],
        )
        .await?
        .is_some())
}

/// A validated re-orientation request.
pub struct NewRequest<'a> {
    pub id: Id,
    pub notebook_id: Id,
    pub requested_by: Id,
    pub reason: &'a str,
    pub suggested_dispositif_id: Option<Id>,
}

/// Records a pending re-orientation request, created now.
pub async fn create_request(db: &Db, new: NewRequest<'_>, now: Instant) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO orientation_requests (id, notebook_id, requested_by, reason, suggested_dispositif_id, status, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
        params![new.id, new.notebook_id, new.requested_by, new.reason, new.suggested_dispositif_id, now],
    )
    .await
    .map(|_| ())
}

/// A re-orientation request: its notebook, who asked, and its status.
#[derive(Clone, Debug, Deserialize)]
pub struct RequestInfo {
    pub notebook_id: Id,
    pub requested_by: Id,
    pub status: String,
}

/// Reads a re-orientation request by id; `None` when there is none.
pub async fn request_info(db: &Db, request_id: Id) -> Result<Option<RequestInfo>, StoreError> {
    db.query_opt_as(
        "SELECT notebook_id, requested_by, status FROM orientation_requests WHERE id = $1",
        params![request_id],
    )
    .await
}

/// Records the decision on a pending request (status, when, by whom, why); `false` when the
/// request was no longer pending (nothing written).
pub async fn decide_request(
    db: &Db,
    request_id: Id,
    status: &str,
    now: Instant,
    by: Id,
    reason: &str,
) -> Result<bool, StoreError> {
    Ok(db
        .execute(
            "UPDATE orientation_requests SET status = $2, decided_at = $3, decided_by = $4, decision_reason = $5 WHERE id = $1 AND status = 'pending'",
            params![request_id, status, now, by, reason],
        )
        .await?
        != 0)
}
