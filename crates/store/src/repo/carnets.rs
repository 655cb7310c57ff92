//! Beneficiaries and their notebooks: creation with duplicate detection, the facts the read
//! policy needs, the full view and the restricted card, the lists, search, and the access log.

use crate::{one_row, params, Db, Row, StoreError, Value};
use carnet_domain::access::NotebookFacts;
use carnet_domain::text::{sort_key, word_matches, words};
use carnet_domain::{Id, Instant};
use serde::Serialize;
use serde_json::{json, Value as Json};

/// A validated beneficiary (the component validates every field).
#[derive(Clone, Debug, Default)]
pub struct NewBeneficiary {
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Option<String>,
    pub birth_place: Option<String>,
    pub nir: Option<String>,
    pub department_identifier: Option<String>,
    pub caf_number: Option<String>,
    pub ft_identifier: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub rsa_right: Option<String>,
    pub rsa_closure_reason: Option<String>,
    pub rsa_suspension_reason: Option<String>,
    pub are_right: bool,
    pub ass_right: bool,
    pub prime_activite: bool,
}

pub fn name_key(first_name: &str, last_name: &str) -> String {
    sort_key(&format!("{last_name} {first_name}"))
}

pub fn phone_key(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    // +33 6 12 34 56 78 and 06 12 34 56 78 are the same number.
    match digits.strip_prefix("33") {
        Some(rest) if rest.len() == 9 => format!("0{rest}"),
        _ => digits,
    }
}

#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Duplicate {
    pub notebook_id: String,
    pub rule: String,
}

/// Possible duplicates of a person not yet created: same NIR, same département identifier, or
/// same names and birth date (accents and case aside).
pub async fn find_duplicates(db: &Db, new: &NewBeneficiary) -> Result<Vec<Duplicate>, StoreError> {
    let compared = Compared {
        nir: new.nir.clone(),
        department_identifier: new.department_identifier.clone(),
        name_key: name_key(&new.first_name, &new.last_name),
        birth_date: new.birth_date.clone(),
    };
    let every_rule = DuplicateRules {
        nir: true,
        department_identifier: true,
        names_and_birth_date: true,
    };
    duplicates(db, &compared, every_rule, None).await
}

/// Which duplicate rules to apply to a beneficiary whose identity changed: only those whose
/// fields changed (a person once confirmed different is not asked about again for an unrelated
/// correction).
#[derive(Clone, Copy, Debug, Default)]
pub struct DuplicateRules {
    pub nir: bool,
    pub department_identifier: bool,
    pub names_and_birth_date: bool,
}

impl DuplicateRules {
    pub fn any(&self) -> bool {
        self.nir || self.department_identifier || self.names_and_birth_date
    }
}

/// Other beneficiaries who may be the same person as this one, as it now is (read inside the
/// transaction that changed it), by the rules asked.
pub async fn duplicates_of(
    db: &Db,
    beneficiary_id: Id,
    rules: DuplicateRules,
) -> Result<Vec<Duplicate>, StoreError> {
    let row = db
        .query_one(
            "SELECT nir, department_identifier, name_key, birth_date FROM beneficiaries WHERE id = $1",
            params![beneficiary_id],
        )
        .await?;
    let compared = Compared {
        nir: row.get("nir")?,
        department_identifier: row.get("department_identifier")?,
        name_key: row.get("name_key")?,
        birth_date: row.get("birth_date")?,
    };
    duplicates(db, &compared, rules, Some(beneficiary_id)).await
}

/// What the duplicate rules compare of a person.
struct Compared {
    nir: Option<String>,
    department_identifier: Option<String>,
    name_key: String,
    birth_date: Option<String>,
}

/// The notebooks of the beneficiaries (other than `other_than`) that the `rules` find to be
/// possibly the person `compared`, oldest first, each with the first rule that found it. A
/// missing value matches nothing.
async fn duplicates(
    db: &Db,
    compared: &Compared,
    rules: DuplicateRules,
    other_than: Option<Id>,
) -> Result<Vec<Duplicate>, StoreError> {
    let rows = db
        .query(
            "SELECT n.id AS notebook_id, \
               CASE WHEN $5 AND b.nir = $1 THEN 'nir' \
                    WHEN $6 AND b.department_identifier = $2 THEN 'department_identifier' \
                    ELSE 'names_and_birth_date' END AS rule \
             FROM beneficiaries b JOIN notebooks n ON n.beneficiary_id = b.id \
             WHERE (CAST($8 AS TEXT) IS NULL OR b.id <> $8) \
               AND (($5 AND CAST($1 AS TEXT) IS NOT NULL AND b.nir = $1) \
                 OR ($6 AND CAST($2 AS TEXT) IS NOT NULL AND b.department_identifier = $2) \
                 OR ($7 AND CAST($4 AS TEXT) IS NOT NULL AND b.name_key = $3 AND b.birth_date = $4)) \
             ORDER BY n.created_at",
            params![
                compared.nir.clone(),
                compared.department_identifier.clone(),
                compared.name_key.clone(),
                compared.birth_date.clone(),
                rules.nir,
                rules.department_identifier,
                rules.names_and_birth_date,
                other_than
            ],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Duplicate {
                notebook_id: row.get("notebook_id")?,
                rule: row.get("rule")?,
            })
        })
        .collect()
}

/// Creates the beneficiary, their search words and their notebook. Returns
/// (beneficiary id, notebook id).
pub async fn create(
    db: &Db,
    now: Instant,
    new: &NewBeneficiary,
    ids: Option<(Id, Id)>,
) -> Result<(Id, Id), StoreError> {
    let (beneficiary_id, notebook_id) = ids.unwrap_or_else(|| (Id::new_random(), Id::new_random()));
    db.execute(
        "INSERT INTO beneficiaries (id, first_name, last_name, created_at, name_key, birth_date, birth_place, nir, \
           department_identifier, caf_number, ft_identifier, email, phone, phone_key, address, postal_code, city, \
           rsa_right, rsa_closure_reason, rsa_suspension_reason, are_right, ass_right, prime_activite) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)",
        params![
            beneficiary_id,
            new.first_name.clone(),
            new.last_name.clone(),
            now,
            name_key(&new.first_name, &new.last_name),
            new.birth_date.clone(),
            new.birth_place.clone(),
            new.nir.clone(),
            new.department_identifier.clone(),
            new.caf_number.clone(),
            new.ft_identifier.clone(),
            new.email.clone(),
            new.phone.clone(),
            new.phone.as_deref().map(phone_key),
            new.address.clone(),
            new.postal_code.clone(),
            new.city.clone(),
            new.rsa_right.clone(),
            new.rsa_closure_reason.clone(),
            new.rsa_suspension_reason.clone(),
            new.are_right,
            new.ass_right,
            new.prime_activite,
        ],
    )
    .await?;
    db.execute(
        "INSERT INTO notebooks (id, beneficiary_id, last_contact_at, last_activity_at, created_at) VALUES ($1, $2, $3, $3, $3)",
        params![notebook_id, beneficiary_id, now],
    )
    .await?;
    reindex_names(db, beneficiary_id, &new.first_name, &new.last_name).await?;
    Ok((beneficiary_id, notebook_id))
}

/// Replaces the search words and sort key of a beneficiary's notebook after a change of names:
/// the beneficiary's, and its copies on the notebook, its search words and its memberships.
pub async fn reindex_names(
    db: &Db,
    beneficiary_id: Id,
    first_name: &str,
    last_name: &str,
) -> Result<(), StoreError> {
    let key = name_key(first_name, last_name);
    db.execute(
        "UPDATE beneficiaries SET name_key = $2 WHERE id = $1",
        params![beneficiary_id, key.clone()],
    )
    .await?;
    let Some(notebook) = db
        .query_opt(
            "UPDATE notebooks SET name_key = $2 WHERE beneficiary_id = $1 RETURNING id, archived_at",
            params![beneficiary_id, key.clone()],
        )
        .await?
    else {
        return Ok(());
    };
    let notebook_id: String = notebook.get("id")?;
    let listed = notebook.get::<Option<String>>("archived_at")?.is_none();
    db.execute(
        "DELETE FROM notebook_search_words WHERE notebook_id = $1",
        params![notebook_id.clone()],
    )
    .await?;
    let mut name_words = words(first_name);
    name_words.extend(words(last_name));
    name_words.sort();
    name_words.dedup();
    for word in name_words {
        let prefix: String = word.chars().take(3).collect();
        db.execute(
            "INSERT INTO notebook_search_words (notebook_id, word, prefix, name_key, listed) VALUES ($1, $2, $3, $4, $5)",
            params![notebook_id.clone(), word, prefix, key.clone(), listed],
        )
        .await?;
    }
    refresh_member_keys(db, notebook_id).await
}

/// Whether a notebook is found by search and in portfolios (archiving takes it out; restoring
/// puts it back).
pub async fn set_listed(db: &Db, notebook_id: Id, listed: bool) -> Result<(), StoreError> {
    db.execute(
        "UPDATE notebook_search_words SET listed = $2 WHERE notebook_id = $1",
        params![notebook_id, listed],
    )
    .await?;
    refresh_member_keys(db, notebook_id).await
}

const MEMBER_KEYS: &str = "name_key = COALESCE((SELECT b.name_key FROM notebooks n JOIN beneficiaries b ON b.id = n.beneficiary_id \
       WHERE n.id = notebook_members.notebook_id), ''), \
     listed = (SELECT n.archived_at IS NULL FROM notebooks n WHERE n.id = notebook_members.notebook_id)";

/// Copies a notebook's name sort key and listed state onto its memberships, which portfolios
/// read: after a membership is added, the names change, or the notebook is archived or restored.
pub async fn refresh_member_keys(db: &Db, notebook_id: impl Into<Value>) -> Result<(), StoreError> {
    db.execute(
        &format!("UPDATE notebook_members SET {MEMBER_KEYS} WHERE notebook_id = $1"),
        &[notebook_id.into()],
    )
    .await?;
    Ok(())
}

/// The same for every membership (after a bulk load).
pub async fn refresh_all_member_keys(db: &Db) -> Result<(), StoreError> {
    db.execute(&format!("UPDATE notebook_members SET {MEMBER_KEYS}"), &[])
        .await?;
    Ok(())
}

/// The notebook, with one row per active member (or one row with no member): what the read
/// policy needs (parameter: the notebook), for [`facts_from_rows`].
pub const FACTS_SQL: &str = "SELECT n.beneficiary_id, n.archived_at, m.account_id, m.structure_id \
     FROM notebooks n LEFT JOIN notebook_members m ON m.notebook_id = n.id AND m.active = TRUE \
     WHERE n.id = $1";

/// What the read policy needs; `None` when there is no such notebook.
pub async fn facts(db: &Db, notebook_id: Id) -> Result<Option<NotebookFacts>, StoreError> {
    facts_from_rows(&db.query(FACTS_SQL, params![notebook_id]).await?)
}

/// The answer of [`FACTS_SQL`] (sent alone, or with other reads).
pub fn facts_from_rows(rows: &[Row]) -> Result<Option<NotebookFacts>, StoreError> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut facts = NotebookFacts {
        beneficiary_id: Some(first.get("beneficiary_id")?),
        archived: first.get::<Option<String>>("archived_at")?.is_some(),
        ..Default::default()
    };
    for member in rows {
        if let Some(account) = member.get::<Option<Id>>("account_id")? {
            facts.active_members.push(account);
        }
        if let Some(structure) = member.get::<Option<Id>>("structure_id")? {
            facts.member_structures.push(structure);
        }
    }
    Ok(Some(facts))
}

/// The notebook of a beneficiary (there is one per beneficiary).
pub async fn notebook_of(db: &Db, beneficiary: Id) -> Result<Option<Id>, StoreError> {
    db.query_opt(
        "SELECT id FROM notebooks WHERE beneficiary_id = $1",
        params![beneficiary],
    )
    .await?
    .map(|row| row.get::<Id>("id"))
    .transpose()
}

/// One notebook read, for the access log: who, which notebook, which view, when.
pub struct AccessLogEntry<'a> {
    pub at: Instant,
    pub account_id: Id,
    pub role: &'a str,
    pub notebook_id: Id,
    pub view: &'a str,
}

/// The access log's rows, in the order of [`AccessLogEntry::values`]; their commits are shared
/// between concurrent reads (see [`Db::insert_durably`]).
pub static ACCESS_LOG: crate::SharedInsert = crate::SharedInsert {
    table: "notebook_access_log",
    columns: &["id", "at", "account_id", "role", "notebook_id", "view"],
};

const ACCESS_LOG_SQL: &str = "INSERT INTO notebook_access_log (id, at, account_id, role, notebook_id, view) VALUES ($1, $2, $3, $4, $5, $6)";

impl AccessLogEntry<'_> {
    fn values(&self) -> Vec<Value> {
        params![
            Id::new_random(),
            self.at,
            self.account_id,
            self.role,
            self.notebook_id,
            self.view
        ]
        .to_vec()
    }
}

/// Records a notebook read, in the current transaction.
pub async fn log_access(db: &Db, entry: AccessLogEntry<'_>) -> Result<(), StoreError> {
    db.execute(ACCESS_LOG_SQL, &entry.values())
        .await
        .map(|_| ())
}

/// The reads of one notebook view, then the access-log row they owe: answered only once that
/// row is durable, and an error if it cannot be written (a read that fails writes no row). The
/// reads see one state of the database and take no write lock (SQLite's writer is not waited
/// for, nor held); the row is the only write, and natively its commit is shared with those of
/// concurrent reads (group commit), while under Spin each read commits its own.
pub(crate) async fn read_and_log<const N: usize>(
    db: &Db,
    batch: &[(&str, &[Value]); N],
    entry: &AccessLogEntry<'_>,
) -> Result<[Vec<Row>; N], StoreError> {
    let answers = db.query_many_consistent(batch).await?;
    db.insert_durably(&ACCESS_LOG, entry.values()).await?;
    Ok(answers)
}

const SENSITIVE_LABEL: &str = "structure d'accompagnement";

/// The active members of a notebook (parameter: the notebook), referent first.
const MEMBERS_SQL: &str = "SELECT m.id, m.member_type, m.joined_at, a.id AS account_id, a.first_name, a.last_name, a.email, p.phone, p.position, \
        s.id AS structure_id, s.name AS structure_name, s.sensitive \
     FROM notebook_members m JOIN accounts a ON a.id = m.account_id \
     LEFT JOIN professionals p ON p.account_id = a.id LEFT JOIN structures s ON s.id = m.structure_id \
     WHERE m.notebook_id = $1 AND m.active = TRUE ORDER BY CASE m.member_type WHEN 'referent' THEN 0 ELSE 1 END, m.joined_at";

/// The members of a notebook and how to reach them. `mask_sensitive` replaces a sensitive
/// structure's name (for the restricted card).
fn members_from_rows(rows: &[Row], mask_sensitive: bool) -> Result<Vec<Json>, StoreError> {
    rows.iter()
        .map(|row| {
            let sensitive: Option<bool> = row.get("sensitive")?;
            let structure_name: Option<String> = row.get("structure_name")?;
            let structure = if mask_sensitive && sensitive == Some(true) {
                Some(json!({ "name": SENSITIVE_LABEL }))
            } else {
                structure_name.map(|name| json!({ "id": row.get::<Option<String>>("structure_id").ok().flatten(), "name": name }))
            };
            Ok(json!({
                "account_id": row.get::<String>("account_id")?,
                "member_type": row.get::<String>("member_type")?,
                "first_name": row.get::<String>("first_name")?,
                "last_name": row.get::<String>("last_name")?,
                "email": row.get::<String>("email")?,
                "phone": row.get::<Option<String>>("phone")?,
                "position": row.get::<Option<String>>("position")?,
                "structure": structure,
                "joined_at": row.get::<String>("joined_at")?,
            }))
        })
        .collect()
}

fn text(row: &Row, column: &str) -> Result<Json, StoreError> {
    Ok(row
        .get::<Option<String>>(column)?
        .map(Json::String)
        .unwrap_or(Json::Null))
}

/// The restricted card: names, birth date, members and how to reach them. Nothing else. The
/// read is logged (`entry`) and committed.
pub async fn card(
    db: &Db,
    notebook_id: Id,
    entry: &AccessLogEntry<'_>,
) -> Result<Json, StoreError> {
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
    let row = one_row(&names)?;
    Ok(json!({
        "id": notebook_id.to_string(),
        "view": "card",
        "beneficiary": {
            "first_name": row.get::<String>("first_name")?,
            "last_name": row.get::<String>("last_name")?,
            "birth_date": text(row, "birth_date")?,
        },
        "members": members_from_rows(&members, true)?,
    }))
}

/// The notebook, its beneficiary and dispositif, its pending orientation request and next
/// rendez-vous (parameters: the notebook, now).
const FULL_SQL: &str = "SELECT b.*, n.work_situation, n.work_situation_date, n.work_situation_end_date, n.rqth, n.education_level, \
        n.contract_type, n.contract_sign_date, n.contract_start_date, n.contract_end_date, n.last_contact_at, \
        n.last_activity_at, n.archived_at, n.created_at AS notebook_created_at, n.version, n.dispositif_id, \
        d.name AS dispositif_name, \
        (SELECT o.id FROM orientation_requests o WHERE o.notebook_id = n.id AND o.status = 'pending' \
          ORDER BY o.created_at, o.id LIMIT 1) AS pending_request_id, \
        (SELECT o.created_at FROM orientation_requests o WHERE o.notebook_id = n.id AND o.status = 'pending' \
          ORDER BY o.created_at, o.id LIMIT 1) AS pending_request_at, \
        (SELECT MIN(r.starts_at) FROM rendez_vous r WHERE r.notebook_id = n.id AND r.cancelled_at IS NULL \
          AND r.starts_at >= $2) AS next_rendez_vous \
     FROM notebooks n JOIN beneficiaries b ON b.id = n.beneficiary_id LEFT JOIN dispositifs d ON d.id = n.dispositif_id \
     WHERE n.id = $1";

const SITUATIONS_SQL: &str = "SELECT s.situation_code, r.label, r.theme_code, s.added_at, a.first_name, a.last_name \
     FROM notebook_situations s JOIN ref_situation r ON r.code = s.situation_code LEFT JOIN accounts a ON a.id = s.added_by \
     WHERE s.notebook_id = $1 AND s.removed_at IS NULL ORDER BY r.position";

const JOB_PROJECTS_SQL: &str = "SELECT id, rome_code, rome_label, mobility_radius_km, hourly_wage_cents, contract_type, working_time, version \
     FROM job_projects WHERE notebook_id = $1 ORDER BY created_at";

const FOCUSES_SQL: &str = "SELECT f.id, f.theme_code, t.label, f.version FROM focuses f JOIN ref_theme t ON t.code = f.theme_code \
     WHERE f.notebook_id = $1 ORDER BY f.created_at, f.id";

const OBJECTIFS_SQL: &str = "SELECT id, focus_id, ref_code, label, status, linked_to, version FROM objectifs WHERE notebook_id = $1 ORDER BY created_at, id";

const ACTIONS_SQL: &str = "SELECT id, objectif_id, ref_code, label, status, start_date, due_date, version FROM actions WHERE notebook_id = $1 ORDER BY created_at, id";

const RENDEZ_VOUS_SQL: &str = "SELECT r.id, r.starts_at, r.status, r.cancelled_at, r.version, a.first_name, a.last_name, r.structure_id, s.name AS structure_name \
     FROM rendez_vous r JOIN accounts a ON a.id = r.account_id LEFT JOIN structures s ON s.id = r.structure_id \
     WHERE r.notebook_id = $1 ORDER BY r.starts_at DESC LIMIT 50";

/// How many of the latest events the full view shows.
const LATEST_EVENTS: i64 = 10;

/// The full view: identity and rights, diagnostic, plan, rendez-vous, members, orientation,
/// latest events. The NIR only when `with_nir`. Its nine reads do not depend on each other and
/// are sent together, with the access-log row (`entry`) and the commit.
pub async fn full(
    db: &Db,
    notebook_id: Id,
    with_nir: bool,
    now: Instant,
    entry: &AccessLogEntry<'_>,
) -> Result<Json, StoreError> {
    let id = params![notebook_id];
    let latest_events = super::timeline::latest_sql();
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
    let mut identity = serde_json::Map::new();
    for column in [
        "first_name",
        "last_name",
        "birth_date",
        "birth_place",
        "department_identifier",
        "caf_number",
        "ft_identifier",
        "email",
        "phone",
        "address",
        "postal_code",
        "city",
    ] {
        identity.insert(column.into(), text(row, column)?);
    }
    if with_nir {
        identity.insert("nir".into(), text(row, "nir")?);
    }
    let rights = json!({
        "rsa_right": text(row, "rsa_right")?,
        "rsa_closure_reason": text(row, "rsa_closure_reason")?,
        "rsa_suspension_reason": text(row, "rsa_suspension_reason")?,
        "are": row.get::<bool>("are_right")?,
        "ass": row.get::<bool>("ass_right")?,
        "prime_activite": row.get::<bool>("prime_activite")?,
    });
    let situations = situations
        .iter()
        .map(|r| {
            Ok(json!({
                "code": r.get::<String>("situation_code")?,
                "label": r.get::<String>("label")?,
                "theme": r.get::<String>("theme_code")?,
                "added_at": r.get::<String>("added_at")?,
                "added_by": r.get::<Option<String>>("first_name")?.zip(r.get::<Option<String>>("last_name")?).map(|(f, l)| format!("{f} {l}")),
            }))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let job_projects = job_projects
        .iter()
        .map(|r| {
            Ok(json!({
                "id": r.get::<String>("id")?,
                "rome_code": r.get::<String>("rome_code")?,
                "rome_label": r.get::<String>("rome_label")?,
                "mobility_radius_km": r.get::<Option<i64>>("mobility_radius_km")?,
                "hourly_wage_cents": r.get::<Option<i64>>("hourly_wage_cents")?,
                "contract_type": r.get::<Option<String>>("contract_type")?,
                "working_time": r.get::<Option<String>>("working_time")?,
                "version": r.get::<i64>("version")?,
            }))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let rendez_vous = rendez_vous
        .iter()
        .map(|r| {
            Ok(json!({
                "id": r.get::<String>("id")?,
                "starts_at": r.get::<String>("starts_at")?,
                "status": r.get::<String>("status")?,
                "cancelled_at": r.get::<Option<String>>("cancelled_at")?,
                "with": format!("{} {}", r.get::<String>("first_name")?, r.get::<String>("last_name")?),
                "structure": r.get::<Option<String>>("structure_name")?,
                // Names are not unique: who may manage a rendez-vous is decided on the id.
                "structure_id": r.get::<Option<String>>("structure_id")?,
                "version": r.get::<i64>("version")?,
            }))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let pending_orientation = match row.get::<Option<String>>("pending_request_id")? {
        Some(id) => {
            Some(json!({ "id": id, "created_at": row.get::<String>("pending_request_at")? }))
        }
        None => None,
    };
    let next_rendez_vous = row.get::<Option<String>>("next_rendez_vous")?;
    Ok(json!({
        "id": notebook_id.to_string(),
        "view": "full",
        "version": row.get::<i64>("version")?,
        "beneficiary": Json::Object(identity),
        "rights": rights,
        "diagnostic": {
            "work_situation": text(row, "work_situation")?,
            "work_situation_date": text(row, "work_situation_date")?,
            "work_situation_end_date": text(row, "work_situation_end_date")?,
            "rqth": row.get::<bool>("rqth")?,
            "education_level": text(row, "education_level")?,
            "situations": situations,
            "job_projects": job_projects,
        },
        "contract": {
            "type": text(row, "contract_type")?,
            "sign_date": text(row, "contract_sign_date")?,
            "start_date": text(row, "contract_start_date")?,
            "end_date": text(row, "contract_end_date")?,
        },
        "orientation": {
            "dispositif": row.get::<Option<String>>("dispositif_id")?.map(|id| json!({ "id": id, "name": row.get::<Option<String>>("dispositif_name").ok().flatten() })),
            "pending_request": pending_orientation,
        },
        "plan": plan(&focuses, &objectifs, &actions)?,
        "rendez_vous": rendez_vous,
        "next_rendez_vous": next_rendez_vous,
        "members": members_from_rows(&members, false)?,
        "latest_events": super::timeline::events_from_rows(&events)?,
        "last_contact_at": row.get::<String>("last_contact_at")?,
        "last_activity_at": row.get::<String>("last_activity_at")?,
        "archived_at": row.get::<Option<String>>("archived_at")?,
        "created_at": row.get::<String>("notebook_created_at")?,
    }))
}

/// Focuses → objectifs → actions, from their three lists.
fn plan(focuses: &[Row], objectifs: &[Row], actions: &[Row]) -> Result<Vec<Json>, StoreError> {
    let mut out = Vec::new();
    for focus in focuses {
        let focus_id: String = focus.get("id")?;
        let mut items = Vec::new();
        for objectif in objectifs
            .iter()
            .filter(|o| o.get::<String>("focus_id").ok().as_deref() == Some(focus_id.as_str()))
        {
            let objectif_id: String = objectif.get("id")?;
            let its_actions = actions
                .iter()
                .filter(|a| {
                    a.get::<String>("objectif_id").ok().as_deref() == Some(objectif_id.as_str())
                })
                .map(|a| {
                    Ok(json!({
                        "id": a.get::<String>("id")?,
                        "ref_code": a.get::<Option<String>>("ref_code")?,
                        "label": a.get::<String>("label")?,
                        "status": a.get::<String>("status")?,
                        "start_date": a.get::<String>("start_date")?,
                        "due_date": a.get::<Option<String>>("due_date")?,
                        "version": a.get::<i64>("version")?,
                    }))
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            items.push(json!({
                "id": objectif_id,
                "ref_code": objectif.get::<Option<String>>("ref_code")?,
                "label": objectif.get::<String>("label")?,
                "status": objectif.get::<String>("status")?,
                "linked_to": objectif.get::<Option<String>>("linked_to")?,
                "version": objectif.get::<i64>("version")?,
                "actions": its_actions,
            }));
        }
        out.push(json!({
            "id": focus_id,
            "theme": focus.get::<String>("theme_code")?,
            "label": focus.get::<String>("label")?,
            "version": focus.get::<i64>("version")?,
            "objectifs": items,
        }));
    }
    Ok(out)
}

/// One line of a list: who, and what is coming.
#[derive(Serialize, Debug, Clone)]
pub struct ListItem {
    pub notebook_id: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Option<String>,
    pub last_activity_at: String,
    pub next_rendez_vous: Option<String>,
    pub referent: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

const LIST_COLUMNS: &str = "n.id AS notebook_id, b.first_name, b.last_name, b.birth_date, n.last_activity_at, \
    (SELECT MIN(r.starts_at) FROM rendez_vous r WHERE r.notebook_id = n.id AND r.cancelled_at IS NULL AND r.starts_at >= $1) AS next_rendez_vous, \
    (SELECT a.first_name || ' ' || a.last_name FROM notebook_members m JOIN accounts a ON a.id = m.account_id \
       WHERE m.notebook_id = n.id AND m.active = TRUE AND m.member_type = 'referent') AS referent";

fn list_item(row: &Row) -> Result<ListItem, StoreError> {
    Ok(ListItem {
        notebook_id: row.get("notebook_id")?,
        first_name: row.get("first_name")?,
        last_name: row.get("last_name")?,
        birth_date: row.get("birth_date")?,
        last_activity_at: row.get("last_activity_at")?,
        next_rendez_vous: row.get("next_rendez_vous")?,
        referent: row.get("referent")?,
    })
}

/// The list items of the notebooks `choose` selects (as `page_id`, with their name sort key as
/// `page_key`), in that order; `$1` is now.
fn items_sql(choose: &str) -> String {
    format!(
        "SELECT {LIST_COLUMNS} FROM ({choose}) p \
         JOIN notebooks n ON n.id = p.page_id JOIN beneficiaries b ON b.id = n.beneficiary_id \
         ORDER BY p.page_key, p.page_id"
    )
}

/// A page of a list, in name order. `choose` selects the list's notebooks as `page_id`, with
/// their name sort key as `page_key`, in that order; `count` counts them all (as `n`). Both take
/// `$1` (now, for the list's columns) and then `params` from `$2`; they are sent together. The
/// page is chosen first, and the costly columns are computed for its rows only.
///
/// The page's size and offset are written into the statement, not sent as parameters: knowing
/// them, PostgreSQL plans the statement once per connection and page. With them as parameters,
/// it planned it again at every request (about 0.8 ms, as long as running it), because its
/// generic plan, for an unknown number of rows, looked too costly.
async fn list_page(
    db: &Db,
    now: Instant,
    count: &str,
    choose: &str,
    params: Vec<Value>,
    page: i64,
    per_page: i64,
) -> Result<Page<ListItem>, StoreError> {
    let mut values = vec![Value::from(now)];
    values.extend(params);
    let offset = (page - 1) * per_page;
    let list = items_sql(&format!("{choose} LIMIT {per_page} OFFSET {offset}"));
    let [total, rows] = db.query_many(&[(count, &values), (&list, &values)]).await?;
    Ok(Page {
        items: rows.iter().map(list_item).collect::<Result<_, _>>()?,
        total: one_row(&total)?.get("n")?,
        page,
        per_page,
    })
}

/// "Mes bénéficiaires": notebooks where the account is an active member.
pub async fn portfolio(
    db: &Db,
    now: Instant,
    account_id: Id,
    page: i64,
    per_page: i64,
) -> Result<Page<ListItem>, StoreError> {
    member_list(db, now, "account_id", account_id, page, per_page).await
}

/// A structure's notebooks: those with an active member from it.
pub async fn structure_portfolio(
    db: &Db,
    now: Instant,
    structure_id: Id,
    page: i64,
    per_page: i64,
) -> Result<Page<ListItem>, StoreError> {
    member_list(db, now, "structure_id", structure_id, page, per_page).await
}

/// The listed notebooks with an active membership whose `column` (`account_id` or
/// `structure_id`) is `id`: counted and paged on the memberships' index alone, in name order.
async fn member_list(
    db: &Db,
    now: Instant,
    column: &'static str,
    id: Id,
    page: i64,
    per_page: i64,
) -> Result<Page<ListItem>, StoreError> {
    let condition = format!("m.{column} = $2 AND m.active = TRUE AND m.listed = TRUE");
    list_page(
        db,
        now,
        &format!(
            "SELECT COUNT(DISTINCT m.notebook_id) AS n FROM notebook_members m \
             WHERE CAST($1 AS TEXT) IS NOT NULL AND {condition}"
        ),
        &format!(
            "SELECT DISTINCT m.notebook_id AS page_id, m.name_key AS page_key FROM notebook_members m \
             WHERE {condition} ORDER BY m.name_key, m.notebook_id"
        ),
        vec![id.into()],
        page,
        per_page,
    )
    .await
}

#[derive(Default, Debug, Clone)]
pub struct DepartmentFilter {
    pub without_referent: bool,
    pub orientation_pending: bool,
    pub rsa_right: Option<String>,
}

/// The département's notebooks, filtered.
pub async fn department(
    db: &Db,
    now: Instant,
    filter: &DepartmentFilter,
    page: i64,
    per_page: i64,
) -> Result<Page<ListItem>, StoreError> {
    let mut conditions: Vec<String> = Vec::new();
    let mut values = Vec::new();
    if filter.without_referent {
        // With `n.archived_at IS NULL`, the predicate of the index `notebooks_without_referent`.
        conditions.push("n.has_referent = FALSE".into());
    }
    if filter.orientation_pending {
        conditions.push("EXISTS (SELECT 1 FROM orientation_requests o WHERE o.notebook_id = n.id AND o.status = 'pending')".into());
    }
    let on_beneficiary = filter.rsa_right.as_ref().map(|right| {
        values.push(Value::from(right.clone()));
        format!("b.rsa_right = ${}", values.len() + 1)
    });
    let list = NotebookList {
        on_notebook: conditions,
        on_beneficiary,
        in_notebook_key_order: filter.without_referent,
    };
    notebook_list(db, now, list, values, page, per_page).await
}

/// Which notebooks a [`notebook_list`] shows.
struct NotebookList {
    /// Conditions over the notebook `n`.
    on_notebook: Vec<String>,
    /// A condition over its beneficiary `b`.
    on_beneficiary: Option<String>,
    /// `on_notebook` holds the predicate of an index in `n.name_key` order
    /// (`notebooks_without_referent`): the page is read from it, in that order.
    in_notebook_key_order: bool,
}

/// The listed notebooks `list` selects, with `values` from `$2`, in name order.
///
/// Without a condition on the beneficiary, they are counted on the notebooks alone: joining every
/// beneficiary only to count took ten times as long (about 0.2 s for 100,000 notebooks on SQLite,
/// against 22 ms). Without any condition, the page is found by walking the names' index from
/// the beneficiaries (`CROSS JOIN` keeps SQLite to that order; PostgreSQL plans it freely): left
/// to choose, SQLite 3.50 read and sorted every notebook, 130 ms against 0.2 ms. The notebooks
/// without referent are counted and paged on their own index, in the notebooks' copy of the
/// name sort key (at 100,000 notebooks, 0.5 ms and 0.05 ms against 0.1 s and up to 30 ms).
async fn notebook_list(
    db: &Db,
    now: Instant,
    list: NotebookList,
    values: Vec<Value>,
    page: i64,
    per_page: i64,
) -> Result<Page<ListItem>, StoreError> {
    let NotebookList {
        on_notebook,
        on_beneficiary,
        in_notebook_key_order,
    } = list;
    let unfiltered = on_notebook.is_empty() && on_beneficiary.is_none();
    let counts_beneficiaries = on_beneficiary.is_some();
    let mut on_notebooks = vec!["n.archived_at IS NULL".to_string()];
    on_notebooks.extend(on_notebook);
    let mut on_both = on_notebooks.clone();
    on_both.push("n.beneficiary_id = b.id".to_string());
    on_both.extend(on_beneficiary);
    let (on_notebooks, on_both) = (on_notebooks.join(" AND "), on_both.join(" AND "));
    let (tables, condition) = if counts_beneficiaries {
        ("notebooks n, beneficiaries b", &on_both)
    } else {
        ("notebooks n", &on_notebooks)
    };
    let count = format!(
        "SELECT COUNT(*) AS n FROM {tables} WHERE {condition} AND CAST($1 AS TEXT) IS NOT NULL"
    );
    let choose = if in_notebook_key_order {
        format!(
            "SELECT n.id AS page_id, n.name_key AS page_key FROM {tables} WHERE {condition} \
             ORDER BY n.name_key, n.id"
        )
    } else {
        let tables = if unfiltered {
            "beneficiaries b CROSS JOIN notebooks n"
        } else {
            "notebooks n, beneficiaries b"
        };
        format!(
            "SELECT n.id AS page_id, b.name_key AS page_key FROM {tables} WHERE {on_both} \
             ORDER BY b.name_key, n.id"
        )
    };
    list_page(db, now, &count, &choose, values, page, per_page).await
}

/// Recently viewed notebooks of an account (not archived), newest first.
pub async fn recent(
    db: &Db,
    now: Instant,
    account_id: Id,
    limit: i64,
) -> Result<Vec<ListItem>, StoreError> {
    let rows = db
        .query(
            &format!(
                "SELECT {LIST_COLUMNS}, v.last_seen FROM (SELECT notebook_id, MAX(at) AS last_seen FROM notebook_access_log \
                   WHERE account_id = $2 GROUP BY notebook_id ORDER BY MAX(at) DESC LIMIT $3) v \
                 JOIN notebooks n ON n.id = v.notebook_id JOIN beneficiaries b ON b.id = n.beneficiary_id \
                 WHERE n.archived_at IS NULL ORDER BY v.last_seen DESC"
            ),
            params![now, account_id, limit],
        )
        .await?;
    rows.iter().map(list_item).collect()
}

/// Search by CAF/MSA number, France Travail identifier, phone, or names (accent-, case- and
/// typo-tolerant). Archived notebooks are never found.
/// `within_structure` limits the results to notebooks with an active member from it.
pub async fn search(
    db: &Db,
    now: Instant,
    query: &str,
    within_structure: Option<Id>,
    page: i64,
    per_page: i64,
) -> Result<Page<ListItem>, StoreError> {
    let compact: String = query
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .collect();
    let digits = phone_key(&compact);
    let has_digit = compact.chars().any(|c| c.is_ascii_digit());
    if has_digit {
        // Identifiers: CAF/MSA number, France Travail identifier, phone.
        let mut values: Vec<Value> = Vec::new();
        let mut conditions = Vec::new();
        if let Some(structure) = within_structure {
            values.push(structure.into());
            conditions.push("n.id IN (SELECT m.notebook_id FROM notebook_members m WHERE m.structure_id = $2 AND m.active = TRUE)".to_string());
        }
        let first = values.len() + 2;
        values.push(compact.clone().into());
        values.push(compact.to_uppercase().into());
        values.push(digits.into());
        conditions.push(format!(
            "n.beneficiary_id IN (SELECT i.id FROM beneficiaries i \
               WHERE i.caf_number = ${first} OR i.ft_identifier = ${} OR i.phone_key = ${})",
            first + 1,
            first + 2
        ));
        let list = NotebookList {
            on_notebook: conditions,
            on_beneficiary: None,
            in_notebook_key_order: false,
        };
        return notebook_list(db, now, list, values, page, per_page).await;
    }
    let searched: Vec<String> = words(query)
        .into_iter()
        .filter(|w| w.chars().count() >= 2)
        .take(4)
        .collect();
    let empty = Page {
        items: Vec::new(),
        total: 0,
        page,
        per_page,
    };
    if searched.is_empty() {
        return Ok(empty);
    }
    // Names: every searched word must match one of the notebook's words (typos allowed). Only
    // the search words' covering index is read to count and to choose the page, in name order.
    // Parameters from `$2`: `$1` is now, for the list's columns.
    let mut values: Vec<Value> = Vec::new();
    let placeholder = |values: &mut Vec<Value>, value: Value| {
        values.push(value);
        format!("${}", values.len() + 1)
    };
    let mut conditions = vec!["e.listed = TRUE".to_string()];
    for (index, word) in searched.iter().enumerate() {
        let candidates = candidate_words(db, word).await?;
        if candidates.is_empty() {
            return Ok(empty);
        }
        let list: Vec<String> = candidates
            .into_iter()
            .map(|candidate| placeholder(&mut values, candidate.into()))
            .collect();
        conditions.push(if index == 0 {
            format!("e.word IN ({})", list.join(", "))
        } else {
            // Probed on the primary key (notebook_id, word) for each row of the first word.
            format!(
                "EXISTS (SELECT 1 FROM notebook_search_words f WHERE f.notebook_id = e.notebook_id AND f.word IN ({}))",
                list.join(", ")
            )
        });
    }
    if let Some(structure) = within_structure {
        let structure = placeholder(&mut values, structure.into());
        conditions.push(format!(
            "e.notebook_id IN (SELECT m.notebook_id FROM notebook_members m WHERE m.structure_id = {structure} AND m.active = TRUE)"
        ));
    }
    let condition = conditions.join(" AND ");
    let ordered = format!(
        "SELECT DISTINCT e.notebook_id AS page_id, e.name_key AS page_key FROM notebook_search_words e \
         WHERE {condition} ORDER BY e.name_key, e.notebook_id"
    );
    if searched.len() == 1 {
        // One word: counted and paged on the index (it may match thousands).
        let count = format!(
            "SELECT COUNT(DISTINCT e.notebook_id) AS n FROM notebook_search_words e \
             WHERE CAST($1 AS TEXT) IS NOT NULL AND {condition}"
        );
        return list_page(db, now, &count, &ordered, values, page, per_page).await;
    }
    // Several words: their intersection is small; read it once, page it here, then list the
    // page's notebooks.
    let mut with_now = vec![Value::from(now)];
    with_now.extend(values);
    let all = db
        .query(
            &format!(
                "SELECT o.page_id FROM ({ordered}) o WHERE CAST($1 AS TEXT) IS NOT NULL \
                 ORDER BY o.page_key, o.page_id"
            ),
            &with_now,
        )
        .await?;
    let skip = usize::try_from((page - 1) * per_page).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(0);
    let mut page_params = vec![Value::from(now)];
    for row in all.iter().skip(skip).take(take) {
        page_params.push(row.get::<String>("page_id")?.into());
    }
    let items = if page_params.len() > 1 {
        let placeholders: Vec<String> = (2..=page_params.len()).map(|i| format!("${i}")).collect();
        let choose = format!(
            "SELECT n.id AS page_id, b.name_key AS page_key FROM notebooks n \
             JOIN beneficiaries b ON b.id = n.beneficiary_id WHERE n.id IN ({})",
            placeholders.join(", ")
        );
        db.query(&items_sql(&choose), &page_params)
            .await?
            .iter()
            .map(list_item)
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    Ok(Page {
        items,
        total: all.len() as i64,
        page,
        per_page,
    })
}

/// The stored words a searched word may stand for: same first three letters (or first two for a
/// two-letter word), then close enough (`word_matches`).
async fn candidate_words(db: &Db, word: &str) -> Result<Vec<String>, StoreError> {
    let rows = if word.chars().count() >= 3 {
        let prefix: String = word.chars().take(3).collect();
        db.query(
            "SELECT DISTINCT word FROM notebook_search_words WHERE prefix = $1",
            params![prefix],
        )
        .await?
    } else {
        // Two letters: the words whose stored three-letter prefix starts with them (no
        // collation involved, unlike a range on `word`).
        db.query(
            "SELECT DISTINCT word FROM notebook_search_words WHERE SUBSTR(prefix, 1, 2) = $1",
            params![word.to_string()],
        )
        .await?
    };
    Ok(rows
        .iter()
        .map(|row| row.get::<String>("word"))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|candidate| word_matches(word, candidate))
        .collect())
}
