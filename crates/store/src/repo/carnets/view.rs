//! The full view of a notebook: identity and rights, diagnostic, plan, rendez-vous, members,
//! orientation and latest events. The NIR is in it only for whom the policy allows
//! ([`IdentityWithNir`]); everyone else's identity type ([`Identity`]) has no such field.

use super::members::{members_from_rows, Member, SensitiveStructures, MEMBERS_SQL};
use crate::repo::access_log::{read_and_log, AccessLogEntry};
pub use crate::repo::plan::{ActionStatus, ObjectifStatus};
use crate::repo::timeline::{self, Event};
use crate::{one_row, params, Db, Row, StoreError};
use carnet_domain::{Id, Instant};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// La vue complète d'un carnet, pour qui est de l'accompagnement de la personne (et pour elle).
#[derive(Serialize, ToSchema, Debug)]
#[schema(as = VueCarnet)]
pub struct FullView {
    /// L'identifiant du carnet.
    pub id: Id,
    /// Toujours `full`.
    pub view: FullViewKind,
    /// La version du carnet, à renvoyer avec une modification de ses champs.
    #[schema(example = 3)]
    pub version: i64,
    pub beneficiary: NotebookIdentity,
    pub rights: Rights,
    pub diagnostic: Diagnostic,
    pub contract: Contract,
    pub orientation: Orientation,
    /// Le plan d'action : les axes de travail (« focus »), leurs objectifs et leurs actions.
    pub plan: Vec<Focus>,
    /// Les 50 derniers rendez-vous, les plus récents d'abord (annulés compris).
    pub rendez_vous: Vec<RendezVous>,
    /// Le prochain rendez-vous non annulé.
    pub next_rendez_vous: Option<Instant>,
    /// Les membres actifs, le référent d'abord.
    pub members: Vec<Member>,
    /// Les 10 derniers événements de l'historique, les plus récents d'abord.
    pub latest_events: Vec<Event>,
    /// Le dernier contact individuel (à défaut, la création du carnet).
    pub last_contact_at: Instant,
    pub last_activity_at: Instant,
    /// L'archivage du carnet, s'il est archivé.
    pub archived_at: Option<Instant>,
    pub created_at: Instant,
}

/// Ce que la vue complète montre : `full`.
#[derive(Serialize, ToSchema, Clone, Copy, Debug)]
#[serde(rename_all = "snake_case")]
#[schema(as = VueComplete)]
pub enum FullViewKind {
    Full,
}

/// L'identité de la personne accompagnée : avec son NIR pour les gestionnaires du département,
/// sans pour tous les autres.
#[derive(Serialize, ToSchema, Debug)]
#[serde(untagged)]
#[schema(as = IdentiteDuCarnet)]
pub enum NotebookIdentity {
    WithNir(IdentityWithNir),
    WithoutNir(Identity),
}

/// Declares the identity without the NIR and the identity with it, from one list of fields.
macro_rules! identities {
    ($($(#[$meta:meta])* $field:ident: $type:ty,)*) => {
        /// L'identité de la personne accompagnée, sans son NIR.
        #[derive(Serialize, Deserialize, ToSchema, Debug)]
        #[schema(as = Identite)]
        pub struct Identity {
            $($(#[$meta])* pub $field: $type,)*
        }

        /// L'identité de la personne accompagnée, avec son NIR (gestionnaires du département
        /// seulement).
        #[derive(Serialize, Deserialize, ToSchema, Debug)]
        #[schema(as = IdentiteAvecNir)]
        pub struct IdentityWithNir {
            $($(#[$meta])* pub $field: $type,)*
            /// Le NIR (numéro de sécurité sociale), s'il est connu.
            #[schema(required = true, example = "185047512345678")]
            pub nir: Option<String>,
        }
    };
}

identities! {
    #[schema(example = "Camille")]
    first_name: String,
    #[schema(example = "Martin")]
    last_name: String,
    /// Date de naissance, `AAAA-MM-JJ`.
    #[schema(example = "1990-04-12")]
    birth_date: Option<String>,
    birth_place: Option<String>,
    /// L'identifiant de la personne au département.
    department_identifier: Option<String>,
    /// Le numéro d'allocataire CAF ou MSA.
    caf_number: Option<String>,
    /// L'identifiant France Travail.
    ft_identifier: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
}

/// Les droits de la personne (valeurs codées des listes `rsa_right`, `rsa_closure_reason`,
/// `rsa_suspension_reason`).
#[derive(Serialize, Deserialize, ToSchema, Debug)]
#[schema(as = Droits)]
pub struct Rights {
    #[schema(example = "rsa_droit_ouvert_versable")]
    pub rsa_right: Option<String>,
    pub rsa_closure_reason: Option<String>,
    pub rsa_suspension_reason: Option<String>,
    /// Allocation d'aide au retour à l'emploi.
    pub are: bool,
    /// Allocation de solidarité spécifique.
    pub ass: bool,
    pub prime_activite: bool,
}

/// Le diagnostic socioprofessionnel.
#[derive(Serialize, ToSchema, Debug)]
#[schema(as = Diagnostic)]
pub struct Diagnostic {
    /// Valeur codée de la liste `work_situation`.
    pub work_situation: Option<String>,
    pub work_situation_date: Option<String>,
    pub work_situation_end_date: Option<String>,
    /// Reconnaissance de la qualité de travailleur handicapé (donnée de santé).
    pub rqth: bool,
    /// Valeur codée de la liste `education_level`.
    pub education_level: Option<String>,
    /// Les situations actuelles, dans l'ordre des listes nationales.
    pub situations: Vec<Situation>,
    pub job_projects: Vec<JobProject>,
}

/// Une situation actuelle de la personne.
#[derive(Serialize, Deserialize, ToSchema, Debug)]
#[schema(as = SituationDuCarnet)]
pub struct Situation {
    #[schema(example = "SIT-001")]
    pub code: String,
    #[schema(example = "Hébergé chez un tiers")]
    pub label: String,
    /// Le code de son thème.
    #[schema(example = "logement")]
    pub theme: String,
    pub added_at: Instant,
    /// Qui l'a ajoutée (prénom et nom).
    pub added_by: Option<String>,
}

/// Un projet professionnel.
#[derive(Serialize, Deserialize, ToSchema, Debug)]
#[schema(as = ProjetProfessionnel)]
pub struct JobProject {
    pub id: Id,
    #[schema(example = "M1607")]
    pub rome_code: String,
    #[schema(example = "Secrétaire")]
    pub rome_label: String,
    pub mobility_radius_km: Option<i64>,
    /// Salaire horaire souhaité, en centimes.
    pub hourly_wage_cents: Option<i64>,
    pub contract_type: Option<String>,
    pub working_time: Option<String>,
    pub version: i64,
}

/// Le contrat d'engagement.
#[derive(Serialize, Deserialize, ToSchema, Debug)]
#[schema(as = ContratDEngagement)]
pub struct Contract {
    /// Valeur codée de la liste `contract_type`.
    #[serde(rename = "type")]
    pub contract_type: Option<String>,
    pub sign_date: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
}

/// L'orientation du carnet.
#[derive(Serialize, ToSchema, Debug)]
#[schema(as = OrientationDuCarnet)]
pub struct Orientation {
    /// Le dispositif d'accompagnement.
    pub dispositif: Option<DispositifRef>,
    /// La demande de réorientation en attente de décision.
    pub pending_request: Option<PendingRequest>,
}

/// Un dispositif, nommé.
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone)]
#[schema(as = DispositifNomme)]
pub struct DispositifRef {
    pub id: Id,
    #[schema(example = "Accompagnement social")]
    pub name: Option<String>,
}

/// Une demande de réorientation en attente.
#[derive(Serialize, ToSchema, Debug)]
#[schema(as = DemandeEnAttente)]
pub struct PendingRequest {
    pub id: Id,
    pub created_at: Instant,
}

/// Un axe de travail du plan d'action (un thème).
#[derive(Serialize, ToSchema, Debug)]
#[schema(as = AxeDeTravail)]
pub struct Focus {
    pub id: Id,
    /// Le code du thème.
    #[schema(example = "logement")]
    pub theme: String,
    #[schema(example = "Logement")]
    pub label: String,
    pub version: i64,
    pub objectifs: Vec<Objectif>,
}

/// Un objectif d'un axe de travail.
#[derive(Serialize, ToSchema, Debug)]
#[schema(as = ObjectifDuPlan)]
pub struct Objectif {
    pub id: Id,
    /// Son code dans les listes nationales, s'il en vient.
    pub ref_code: Option<String>,
    #[schema(example = "Accéder à un logement")]
    pub label: String,
    pub status: ObjectifStatus,
    /// Le contrat auquel l'objectif est rattaché.
    pub linked_to: Option<ObjectifContract>,
    pub version: i64,
    pub actions: Vec<Action>,
}

/// Le contrat auquel un objectif est rattaché.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[schema(as = ContratDeLObjectif)]
pub enum ObjectifContract {
    Cer,
    Ppae,
    Pacea,
    Cej,
}

/// Une action d'un objectif.
#[derive(Serialize, Deserialize, ToSchema, Debug)]
#[schema(as = ActionDuPlan)]
pub struct Action {
    pub id: Id,
    /// Son code dans les listes nationales, s'il en vient.
    pub ref_code: Option<String>,
    #[schema(example = "Demande de logement social")]
    pub label: String,
    pub status: ActionStatus,
    /// `AAAA-MM-JJ`.
    #[schema(example = "2026-03-02")]
    pub start_date: String,
    /// `AAAA-MM-JJ`.
    pub due_date: Option<String>,
    pub version: i64,
}

/// Un rendez-vous.
#[derive(Serialize, Deserialize, ToSchema, Debug)]
#[schema(as = RendezVousDuCarnet)]
pub struct RendezVous {
    pub id: Id,
    pub starts_at: Instant,
    pub status: RendezVousStatus,
    pub cancelled_at: Option<Instant>,
    /// Avec qui (prénom et nom).
    #[schema(example = "Sophie Tifour")]
    pub with: String,
    /// Le nom de la structure qui le tient.
    pub structure: Option<String>,
    /// La structure qui le tient (qui peut le gérer se décide sur elle).
    pub structure_id: Option<Id>,
    pub version: i64,
}

/// Si la personne est venue au rendez-vous.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[schema(as = StatutRendezVous)]
pub enum RendezVousStatus {
    Pending,
    Present,
    Absent,
}

/// The notebook's own columns, its beneficiary's rights, its dispositif, its pending
/// orientation request and next rendez-vous (parameters: the notebook, now). With the
/// beneficiary's columns, for [`Identity`] and [`IdentityWithNir`].
const FULL_SQL: &str = "SELECT b.first_name, b.last_name, b.birth_date, b.birth_place, b.department_identifier, \
        b.caf_number, b.ft_identifier, b.email, b.phone, b.address, b.postal_code, b.city, b.nir, \
        b.rsa_right, b.rsa_closure_reason, b.rsa_suspension_reason, b.are_right AS are, b.ass_right AS ass, b.prime_activite, \
        n.work_situation, n.work_situation_date, n.work_situation_end_date, n.rqth, n.education_level, \
        n.contract_type AS type, n.contract_sign_date AS sign_date, n.contract_start_date AS start_date, \
        n.contract_end_date AS end_date, n.last_contact_at, \
        n.last_activity_at, n.archived_at, n.created_at, n.version, n.dispositif_id, \
        d.name AS dispositif_name, \
        (SELECT o.id FROM orientation_requests o WHERE o.notebook_id = n.id AND o.status = 'pending' \
          ORDER BY o.created_at, o.id LIMIT 1) AS pending_request_id, \
        (SELECT o.created_at FROM orientation_requests o WHERE o.notebook_id = n.id AND o.status = 'pending' \
          ORDER BY o.created_at, o.id LIMIT 1) AS pending_request_at, \
        (SELECT MIN(r.starts_at) FROM rendez_vous r WHERE r.notebook_id = n.id AND r.cancelled_at IS NULL \
          AND r.starts_at >= $2) AS next_rendez_vous \
     FROM notebooks n JOIN beneficiaries b ON b.id = n.beneficiary_id LEFT JOIN dispositifs d ON d.id = n.dispositif_id \
     WHERE n.id = $1";

/// The notebook's own columns of [`FULL_SQL`] (the identity, rights and contract are decoded
/// from the same row by their own types).
#[derive(Deserialize)]
struct NotebookRow {
    version: i64,
    work_situation: Option<String>,
    work_situation_date: Option<String>,
    work_situation_end_date: Option<String>,
    rqth: bool,
    education_level: Option<String>,
    last_contact_at: Instant,
    last_activity_at: Instant,
    archived_at: Option<Instant>,
    created_at: Instant,
    dispositif_id: Option<Id>,
    dispositif_name: Option<String>,
    pending_request_id: Option<Id>,
    pending_request_at: Option<Instant>,
    next_rendez_vous: Option<Instant>,
}

const SITUATIONS_SQL: &str = "SELECT s.situation_code AS code, r.label, r.theme_code AS theme, s.added_at, \
        a.first_name || ' ' || a.last_name AS added_by \
     FROM notebook_situations s JOIN ref_situation r ON r.code = s.situation_code LEFT JOIN accounts a ON a.id = s.added_by \
     WHERE s.notebook_id = $1 AND s.removed_at IS NULL ORDER BY r.position";

const JOB_PROJECTS_SQL: &str = "SELECT id, rome_code, rome_label, mobility_radius_km, hourly_wage_cents, contract_type, working_time, version \
     FROM job_projects WHERE notebook_id = $1 ORDER BY created_at";

const FOCUSES_SQL: &str = "SELECT f.id, f.theme_code AS theme, t.label, f.version FROM focuses f JOIN ref_theme t ON t.code = f.theme_code \
     WHERE f.notebook_id = $1 ORDER BY f.created_at, f.id";

const OBJECTIFS_SQL: &str = "SELECT id, focus_id, ref_code, label, status, linked_to, version FROM objectifs WHERE notebook_id = $1 ORDER BY created_at, id";

const ACTIONS_SQL: &str = "SELECT id, objectif_id, ref_code, label, status, start_date, due_date, version FROM actions WHERE notebook_id = $1 ORDER BY created_at, id";

const RENDEZ_VOUS_SQL: &str = "SELECT r.id, r.starts_at, r.status, r.cancelled_at, r.version, \
        a.first_name || ' ' || a.last_name AS \"with\", r.structure_id, s.name AS structure \
     FROM rendez_vous r JOIN accounts a ON a.id = r.account_id LEFT JOIN structures s ON s.id = r.structure_id \
     WHERE r.notebook_id = $1 ORDER BY r.starts_at DESC LIMIT 50";

/// How many of the latest events the full view shows.
const LATEST_EVENTS: i64 = 10;

/// The full view. The NIR only when `with_nir`. Its nine reads do not depend on each other and
/// are sent together, with the access-log row (`entry`) and the commit.
pub async fn full(
    db: &Db,
    notebook_id: Id,
    with_nir: bool,
    now: Instant,
    entry: &AccessLogEntry<'_>,
) -> Result<FullView, StoreError> {
    let id = params![notebook_id];
    let latest_events = timeline::latest_sql();
    let [notebook, situations, job_projects, focuses, objectifs, actions, rendez_vous, events, members] =
        read_and_log(
            db,
            &[
                (FULL_SQL, params![notebook_id, now]),
                (SITUATIONS_SQL, id),
                (JOB_PROJECTS_SQL, id),
                (FOCUSES_SQL, id),
                (OBJECTIFS_SQL, id),
                (ACTIONS_SQL, id),
                (RENDEZ_VOUS_SQL, id),
                (&latest_events, params![notebook_id, LATEST_EVENTS, 0i64]),
                (MEMBERS_SQL, id),
            ],
            entry,
        )
        .await?;
    let row = one_row(&notebook)?;
    let beneficiary = if with_nir {
        NotebookIdentity::WithNir(row.decode()?)
    } else {
        NotebookIdentity::WithoutNir(row.decode()?)
    };
    let notebook: NotebookRow = row.decode()?;
    let pending_request = notebook
        .pending_request_id
        .zip(notebook.pending_request_at)
        .map(|(id, created_at)| PendingRequest { id, created_at });
    Ok(FullView {
        id: notebook_id,
        view: FullViewKind::Full,
        version: notebook.version,
        beneficiary,
        rights: row.decode()?,
        diagnostic: Diagnostic {
            work_situation: notebook.work_situation,
            work_situation_date: notebook.work_situation_date,
            work_situation_end_date: notebook.work_situation_end_date,
            rqth: notebook.rqth,
            education_level: notebook.education_level,
            situations: crate::decode_all(&situations)?,
            job_projects: crate::decode_all(&job_projects)?,
        },
        contract: row.decode()?,
        orientation: Orientation {
            dispositif: notebook.dispositif_id.map(|id| DispositifRef {
                id,
                name: notebook.dispositif_name,
            }),
            pending_request,
        },
        plan: plan(&focuses, &objectifs, &actions)?,
        rendez_vous: crate::decode_all(&rendez_vous)?,
        next_rendez_vous: notebook.next_rendez_vous,
        members: members_from_rows(&members, SensitiveStructures::Named)?,
        latest_events: timeline::events_from_rows(&events)?,
        last_contact_at: notebook.last_contact_at,
        last_activity_at: notebook.last_activity_at,
        archived_at: notebook.archived_at,
        created_at: notebook.created_at,
    })
}

/// One row of [`FOCUSES_SQL`].
#[derive(Deserialize)]
struct FocusRow {
    id: Id,
    theme: String,
    label: String,
    version: i64,
}

/// One row of [`OBJECTIFS_SQL`].
#[derive(Deserialize)]
struct ObjectifRow {
    id: Id,
    focus_id: Id,
    ref_code: Option<String>,
    label: String,
    status: ObjectifStatus,
    linked_to: Option<ObjectifContract>,
    version: i64,
}

/// The objectif an action is under.
#[derive(Deserialize)]
struct UnderObjectif {
    objectif_id: Id,
}

/// Focuses → objectifs → actions, from their three lists (each in its order).
fn plan(focuses: &[Row], objectifs: &[Row], actions: &[Row]) -> Result<Vec<Focus>, StoreError> {
    let mut objectifs: Vec<(Id, Objectif)> = crate::decode_all::<ObjectifRow>(objectifs)?
        .into_iter()
        .map(|row| {
            let objectif = Objectif {
                id: row.id,
                ref_code: row.ref_code,
                label: row.label,
                status: row.status,
                linked_to: row.linked_to,
                version: row.version,
                actions: Vec::new(),
            };
            (row.focus_id, objectif)
        })
        .collect();
    for row in actions {
        let parent = row.decode::<UnderObjectif>()?.objectif_id;
        if let Some((_, objectif)) = objectifs.iter_mut().find(|(_, o)| o.id == parent) {
            objectif.actions.push(row.decode()?);
        }
    }
    Ok(crate::decode_all::<FocusRow>(focuses)?
        .into_iter()
        .map(|focus| {
            let (its, others) = std::mem::take(&mut objectifs)
                .into_iter()
                .partition(|(under, _)| *under == focus.id);
            objectifs = others;
            Focus {
                id: focus.id,
                theme: focus.theme,
                label: focus.label,
                version: focus.version,
                objectifs: its.into_iter().map(|(_, objectif)| objectif).collect(),
            }
        })
        .collect())
}
