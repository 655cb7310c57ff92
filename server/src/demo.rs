//! Demo data: a fictitious département, deterministic for a given seed and size — structures,
//! their admins and professionals, a manager, orientation managers, a platform admin, dispositifs,
//! and beneficiaries with diagnostics, plans, rendez-vous, members and timelines.
//! `carnet-server demo <db> [beneficiaries] [seed]` (1,000 by default); the benchmark uses it
//! for 100,000. Sign-in emails: `gestionnaire@demo.carnet.test`, `orientation-1@…`,
//! `admin-structure-01@…`, `pro-01-1@…`, `admin@…` (see `demo_accounts`), and three
//! beneficiaries, `beneficiaire-1@…` to `beneficiaire-3@…`.

use carnet_domain::roles::{Assignment, Role, Scope};
use carnet_domain::text::sort_key;
use carnet_domain::{Email, Id, Instant};
use carnet_store::repo::bulk::BulkInsert;
use carnet_store::repo::{accounts, carnets, members};
use carnet_store::{params, Db, StoreError, Value};

pub const STRUCTURES: usize = 25;
pub const PROS_PER_STRUCTURE: usize = 6;
pub const DOMAIN: &str = "demo.carnet.test";

const FIRST_NAMES: &[&str] = &[
    "Éloïse",
    "Camille",
    "Léa",
    "Chloé",
    "Inès",
    "Manon",
    "Zoé",
    "Jade",
    "Louise",
    "Alice",
    "Sarah",
    "Yasmine",
    "Fatou",
    "Aïcha",
    "Nadia",
    "Sophie",
    "Nathalie",
    "Isabelle",
    "Sandrine",
    "Céline",
    "Hélène",
    "Émilie",
    "Océane",
    "Maëlys",
    "Lucas",
    "Hugo",
    "Théo",
    "Nathan",
    "Mathis",
    "Enzo",
    "Louis",
    "Gabriel",
    "Mohamed",
    "Karim",
    "Youssef",
    "Mamadou",
    "Moussa",
    "Julien",
    "Nicolas",
    "Sébastien",
    "Thomas",
    "Kévin",
    "Jérôme",
    "François",
    "Stéphane",
    "Benoît",
    "Loïc",
    "Cédric",
    "Grégory",
    "Rémi",
    "Anaïs",
    "Noémie",
    "Joël",
    "Gaëlle",
    "Mélanie",
    "Dylan",
    "Anthony",
];
const LAST_NAMES: &[&str] = &[
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Roche",
    "Diallo",
    "Traoré",
    "Koné",
    "Benali",
    "Haddad",
    "Mansouri",
    "Da Silva",
    "Ferreira",
    "Kaya",
    "Yılmaz",
    "Œuvrard",
    "Béranger",
];
const STRUCTURE_NAMES: &[&str] = &[
    "CCAS",
    "Mission locale",
    "Maison de l'emploi",
    "Espace insertion",
    "Association Solidarité Emploi",
    "Centre social",
    "France Travail agence",
    "Plateforme mobilité",
    "Atelier chantier d'insertion",
    "Centre d'addictologie",
    "Service pénitentiaire d'insertion",
    "Maison des solidarités",
];
const RSA_RIGHTS: &[&str] = &[
    "rsa_droit_ouvert_versable",
    "rsa_droit_ouvert_et_suspendu",
    "rsa_droit_ouvert_versement_suspendu",
    "rsa_demande_en_attente",
];
const ACTION_STATUSES: &[&str] = &[
    "in_progress",
    "in_progress",
    "planned",
    "done",
    "standby",
    "abandonned",
    "canceled",
];

/// xorshift64*: small, deterministic, good enough for fictitious data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn id(&mut self) -> Id {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        Id::from_seed(bytes)
    }
}

pub struct DemoAccounts {
    pub manager: String,
    pub orientation: String,
    pub platform_admin: String,
    pub structure_admin: String,
    pub professional: String,
}

pub fn demo_accounts() -> DemoAccounts {
    DemoAccounts {
        manager: format!("gestionnaire@{DOMAIN}"),
        orientation: format!("orientation-1@{DOMAIN}"),
        platform_admin: format!("admin@{DOMAIN}"),
        structure_admin: format!("admin-structure-01@{DOMAIN}"),
        professional: format!("pro-01-1@{DOMAIN}"),
    }
}

/// A demo account with its role (staff or beneficiary), its terms of use accepted.
async fn staff(
    db: &Db,
    rng: &mut Rng,
    now: Instant,
    email: &str,
    first: &str,
    last: &str,
    assignment: Assignment,
) -> Result<Id, StoreError> {
    let email = Email::parse(email).expect("demo email");
    let id = accounts::create_with_id(
        db,
        rng.id(),
        now,
        accounts::NewAccount {
            email: &email,
            first_name: first,
            last_name: last,
            created_by: None,
        },
    )
    .await?;
    accounts::grant(db, id, &assignment, now, None).await?;
    // Demo accounts have accepted the terms of use, so that they can be used at once.
    accounts::accept_cgu(db, id, carnet_domain::CGU_VERSION, now).await?;
    Ok(id)
}

/// How many beneficiaries get an account: `beneficiaire-1@…` to `beneficiaire-3@…`, for the
/// notebooks that have a referent, taken in id order.
pub const BENEFICIARY_ACCOUNTS: usize = 3;

async fn beneficiary_accounts(db: &Db, rng: &mut Rng, now: Instant) -> Result<(), StoreError> {
    let chosen = db
        .query(
            "SELECT b.id, b.first_name, b.last_name FROM beneficiaries b \
             JOIN notebooks n ON n.beneficiary_id = b.id \
             WHERE EXISTS (SELECT 1 FROM notebook_members m WHERE m.notebook_id = n.id \
                           AND m.member_type = 'referent' AND m.active = TRUE) \
             ORDER BY b.id LIMIT $1",
            params![BENEFICIARY_ACCOUNTS as i64],
        )
        .await?;
    db.transaction(async || {
        for (n, row) in chosen.iter().enumerate() {
            let beneficiary: Id = row.get("id")?;
            let first: String = row.get("first_name")?;
            let last: String = row.get("last_name")?;
            let address = format!("beneficiaire-{}@{DOMAIN}", n + 1);
            let assignment =
                Assignment::new(Role::Beneficiary, Scope::Beneficiary(beneficiary)).expect("scope");
            staff(db, rng, now, &address, &first, &last, assignment).await?;
            db.execute(
                "UPDATE beneficiaries SET email = $1 WHERE id = $2",
                params![address, beneficiary],
            )
            .await?;
        }
        Ok(())
    })
    .await
}

fn day(base: Instant, days: i64) -> String {
    base.plus_seconds(days * 86_400).to_db()[..10].to_string()
}

/// Loads the demo département. Refuses a database that already has accounts.
pub async fn load(db: &Db, beneficiaries: usize, seed: u64) -> Result<(), StoreError> {
    let has_accounts: i64 = db
        .query_one("SELECT COUNT(*) AS n FROM accounts", params![])
        .await?
        .get("n")?;
    if has_accounts > 0 {
        return Err(StoreError::Other(
            "la base contient déjà des comptes : données de démonstration refusées".into(),
        ));
    }
    let mut rng = Rng::new(seed);
    // Job projects draw from their own stream, so that adding them changed nothing else.
    let mut job_rng = Rng::new(seed.wrapping_mul(31).wrapping_add(7));
    let base = Instant::parse("2026-11-02T09:00:00Z").expect("instant");
    let situations: Vec<String> = db
        .query("SELECT code FROM ref_situation ORDER BY code", params![])
        .await?
        .iter()
        .map(|r| r.get("code"))
        .collect::<Result<_, _>>()?;
    let themes: Vec<String> = db
        .query(
            "SELECT code FROM ref_theme WHERE is_focus = TRUE ORDER BY position",
            params![],
        )
        .await?
        .iter()
        .map(|r| r.get("code"))
        .collect::<Result<_, _>>()?;
    // A few hundred ROME appellations, every 25th of the répertoire.
    let appellations: Vec<(String, String)> = db
        .query(
            "SELECT rome_code, label FROM ref_rome_appellation WHERE retired_at IS NULL ORDER BY code",
            params![],
        )
        .await?
        .iter()
        .step_by(25)
        .map(|r| Ok((r.get("rome_code")?, r.get("label")?)))
        .collect::<Result<_, StoreError>>()?;
    let coded = |list: &'static str| async move {
        db.query(
            "SELECT code FROM ref_coded_value WHERE list_name = $1 AND retired_at IS NULL ORDER BY code",
            params![list],
        )
        .await?
        .iter()
        .map(|r| r.get::<String>("code"))
        .collect::<Result<Vec<_>, StoreError>>()
    };
    let contract_types = coded("job_contract_type").await?;
    let working_times = coded("working_time").await?;
    let objectifs: Vec<(String, String, String)> = db
        .query("SELECT o.code, o.label, t.focus_code FROM ref_objectif o JOIN ref_theme t ON t.code = o.theme_code ORDER BY o.code", params![])
        .await?
        .iter()
        .map(|r| Ok((r.get("code")?, r.get("label")?, r.get("focus_code")?)))
        .collect::<Result<_, StoreError>>()?;
    let actions: Vec<(String, String, String)> = db
        .query(
            "SELECT code, label, theme_code FROM ref_action ORDER BY code",
            params![],
        )
        .await?
        .iter()
        .map(|r| Ok((r.get("code")?, r.get("label")?, r.get("theme_code")?)))
        .collect::<Result<_, StoreError>>()?;

    let (manager, orientation_managers, dispositifs, pros) = db
        .transaction(async || {
        let accounts = demo_accounts();
        staff(
            db,
            &mut rng,
            base,
            &accounts.platform_admin,
            "Alex",
            "Administrateur",
            Assignment::new(Role::PlatformAdmin, Scope::Instance).expect("scope"),
        )
        .await?;
        let manager = staff(
            db,
            &mut rng,
            base,
            &accounts.manager,
            "Dominique",
            "Gestionnaire",
            Assignment::new(Role::Manager, Scope::Instance).expect("scope"),
        )
        .await?;
        let mut orientation_managers = Vec::new();
        for i in 1..=3 {
            orientation_managers.push(
                staff(
                    db,
                    &mut rng,
                    base,
                    &format!("orientation-{i}@{DOMAIN}"),
                    "Claude",
                    &format!("Orientation {i}"),
                    Assignment::new(Role::OrientationManager, Scope::Instance).expect("scope"),
                )
                .await?,
            );
        }
        let mut dispositifs = Vec::new();
        for (name, kind) in [
            ("Accompagnement social", "social"),
            ("Accompagnement professionnel", "pro"),
            ("Accompagnement socio-professionnel", "sociopro"),
            ("Accompagnement global", "autre"),
        ] {
            let id = rng.id();
            db.execute("INSERT INTO dispositifs (id, name, orientation_type, created_at) VALUES ($1, $2, $3, $4)", params![id, name, kind, base]).await?;
            dispositifs.push(id);
        }
        let mut pros: Vec<(Id, Id)> = Vec::new();
        for s in 0..STRUCTURES {
            let name = format!(
                "{} {}",
                STRUCTURE_NAMES[s % STRUCTURE_NAMES.len()],
                [
                    "de Bobigny",
                    "de Montreuil",
                    "de Saint-Denis",
                    "d'Aubervilliers",
                    "de Pantin",
                    "de Bondy",
                    "de Sevran"
                ][s % 7]
            );
            let structure = accounts::create_structure_with_id(db, rng.id(), &name, base).await?;
            let sensitive = name.contains("addictologie") || name.contains("pénitentiaire");
            db.execute(
                "UPDATE structures SET sensitive = $2, siret = $3, phone = $4, city = $5 WHERE id = $1",
                params![
                    structure,
                    sensitive,
                    format!("{:014}", 10_000_000_000_000u64 + s as u64),
                    format!("01 48 {:02} {:02} {:02}", s, s * 2 % 100, s * 3 % 100),
                    "Seine-Saint-Denis"
                ],
            )
            .await?;
            staff(
                db,
                &mut rng,
                base,
                &format!("admin-structure-{:02}@{DOMAIN}", s + 1),
                "Morgan",
                &format!("Admin {}", s + 1),
                Assignment::new(Role::StructureAdmin, Scope::Structure(structure)).expect("scope"),
            )
            .await?;
            for p in 1..=PROS_PER_STRUCTURE {
                let (first, last) = (*rng.pick(FIRST_NAMES), *rng.pick(LAST_NAMES));
                let id = staff(
                    db,
                    &mut rng,
                    base,
                    &format!("pro-{:02}-{p}@{DOMAIN}", s + 1),
                    first,
                    last,
                    Assignment::new(Role::Professional, Scope::Structure(structure)).expect("scope"),
                )
                .await?;
                db.execute(
                    "INSERT INTO professionals (account_id, position, phone) VALUES ($1, $2, $3)",
                    params![
                        id,
                        "Conseiller·ère en insertion",
                        format!("01 49 {:02} {:02} {:02}", s, p, (s + p) % 100)
                    ],
                )
                .await?;
                pros.push((id, structure));
            }
        }
            Ok::<_, StoreError>((manager, orientation_managers, dispositifs, pros))
        })
        .await?;

    let mut notebook_situations = BulkInsert::new(
        "notebook_situations",
        &[
            "id",
            "notebook_id",
            "situation_code",
            "added_at",
            "added_by",
        ],
    );
    let mut members = BulkInsert::new(
        "notebook_members",
        &[
            "id",
            "notebook_id",
            "account_id",
            "structure_id",
            "member_type",
            "active",
            "joined_at",
        ],
    );
    let mut job_projects = BulkInsert::new(
        "job_projects",
        &[
            "id",
            "notebook_id",
            "rome_code",
            "rome_label",
            "mobility_radius_km",
            "hourly_wage_cents",
            "contract_type",
            "working_time",
            "created_at",
        ],
    );
    let mut focuses = BulkInsert::new(
        "focuses",
        &[
            "id",
            "notebook_id",
            "theme_code",
            "created_at",
            "created_by",
        ],
    );
    let mut objectif_rows = BulkInsert::new(
        "objectifs",
        &[
            "id",
            "focus_id",
            "notebook_id",
            "ref_code",
            "label",
            "status",
            "created_at",
            "created_by",
        ],
    );
    let mut action_rows = BulkInsert::new(
        "actions",
        &[
            "id",
            "objectif_id",
            "notebook_id",
            "ref_code",
            "label",
            "status",
            "start_date",
            "due_date",
            "created_at",
            "created_by",
        ],
    );
    let mut rendez_vous = BulkInsert::new(
        "rendez_vous",
        &[
            "id",
            "notebook_id",
            "account_id",
            "structure_id",
            "starts_at",
            "status",
            "created_at",
            "created_by",
        ],
    );
    let mut events = BulkInsert::new(
        "timeline_events",
        &[
            "id",
            "notebook_id",
            "at",
            "actor_account_id",
            "event_type",
            "summary",
            "summary_key",
        ],
    );
    let mut requests = BulkInsert::new(
        "orientation_requests",
        &[
            "id",
            "notebook_id",
            "requested_by",
            "reason",
            "status",
            "created_at",
        ],
    );
    let event = |id: Id,
                 notebook: Id,
                 at: Instant,
                 actor: Option<Id>,
                 kind: &str,
                 summary: &str|
     -> Vec<Value> {
        vec![
            id.into(),
            notebook.into(),
            at.into(),
            actor.into(),
            kind.into(),
            summary.into(),
            sort_key(summary).into(),
        ]
    };

    const CHUNK: usize = 2_000;
    for chunk_start in (0..beneficiaries).step_by(CHUNK) {
        db.transaction(async || {
            for i in chunk_start..(chunk_start + CHUNK).min(beneficiaries) {
                let created = base.minus_seconds(rng.below(700) as i64 * 86_400);
                let first = rng.pick(FIRST_NAMES).to_string();
                let last = rng.pick(LAST_NAMES).to_string();
                let new = carnets::NewBeneficiary {
                    first_name: first,
                    last_name: last,
                    birth_date: Some(format!(
                        "{}-{:02}-{:02}",
                        1960 + rng.below(45),
                        1 + rng.below(12),
                        1 + rng.below(28)
                    )),
                    caf_number: Some(format!("{:07}", 1_000_000 + i)),
                    ft_identifier: (rng.below(3) > 0).then(|| format!("FT{:08}", i)),
                    phone: (rng.below(4) > 0).then(|| {
                        format!(
                            "06 {:02} {:02} {:02} {:02}",
                            i / 1_000_000 % 100,
                            i / 10_000 % 100,
                            i / 100 % 100,
                            i % 100
                        )
                    }),
                    postal_code: Some(format!("93{:03}", rng.below(100) * 10)),
                    city: Some("Seine-Saint-Denis".into()),
                    rsa_right: Some(rng.pick(RSA_RIGHTS).to_string()),
                    are_right: rng.below(5) == 0,
                    ..Default::default()
                };
                let ids = (rng.id(), rng.id());
                let (_, notebook) = carnets::create(db, created, &new, Some(ids)).await?;
                events.push(event(
                    rng.id(),
                    notebook,
                    created,
                    Some(manager),
                    "notebook_created",
                    "Création du carnet",
                ));
                let (pro, structure) = *rng.pick(&pros);
                let with_referent = rng.below(100) < 85;
                if with_referent {
                    members.push(vec![
                        rng.id().into(),
                        notebook.into(),
                        pro.into(),
                        structure.into(),
                        "referent".into(),
                        true.into(),
                        created.into(),
                    ]);
                    events.push(event(
                        rng.id(),
                        notebook,
                        created.plus_seconds(3600),
                        Some(pro),
                        "member_joined",
                        "Nouveau référent",
                    ));
                }
                if rng.below(100) < 30 {
                    let (other, other_structure) = *rng.pick(&pros);
                    if other != pro {
                        members.push(vec![
                            rng.id().into(),
                            notebook.into(),
                            other.into(),
                            other_structure.into(),
                            "member".into(),
                            true.into(),
                            created.into(),
                        ]);
                    }
                }
                let author = Some(pro);
                let first_situation = rng.below(situations.len());
                let second_situation =
                    (first_situation + 1 + rng.below(situations.len() - 1)) % situations.len();
                for index in [first_situation, second_situation] {
                    notebook_situations.push(vec![
                        rng.id().into(),
                        notebook.into(),
                        situations[index].clone().into(),
                        created.into(),
                        author.into(),
                    ]);
                }
                // Six in ten have one or two job projects.
                let projects = match job_rng.below(10) {
                    0..=3 => 0,
                    4..=7 => 1,
                    _ => 2,
                };
                for _ in 0..projects.min(appellations.len()) {
                    let (rome_code, rome_label) = job_rng.pick(&appellations).clone();
                    job_projects.push(vec![
                        job_rng.id().into(),
                        notebook.into(),
                        rome_code.into(),
                        rome_label.into(),
                        Some(5 * (1 + job_rng.below(10)) as i64).into(),
                        (job_rng.below(2) == 0)
                            .then(|| 1_200 + 10 * job_rng.below(80) as i64)
                            .into(),
                        (!contract_types.is_empty())
                            .then(|| job_rng.pick(&contract_types).clone())
                            .into(),
                        (!working_times.is_empty())
                            .then(|| job_rng.pick(&working_times).clone())
                            .into(),
                        created.into(),
                    ]);
                }
                for f in 0..2 {
                    let focus = rng.id();
                    let theme = themes[(i + f * 3) % themes.len()].clone();
                    focuses.push(vec![
                        focus.into(),
                        notebook.into(),
                        theme.clone().into(),
                        created.into(),
                        author.into(),
                    ]);
                    let of_theme: Vec<&(String, String, String)> =
                        objectifs.iter().filter(|o| o.2 == theme).collect();
                    let theme_actions: Vec<&(String, String, String)> =
                        actions.iter().filter(|a| a.2 == theme).collect();
                    for _ in 0..2 {
                        let objectif = rng.id();
                        let (code, label) = match of_theme.is_empty() {
                            true => (None, "Objectif personnalisé".to_string()),
                            false => {
                                let chosen = rng.pick(&of_theme);
                                (Some(chosen.0.clone()), chosen.1.clone())
                            }
                        };
                        objectif_rows.push(vec![
                            objectif.into(),
                            focus.into(),
                            notebook.into(),
                            code.into(),
                            label.into(),
                            "in_progress".into(),
                            created.into(),
                            author.into(),
                        ]);
                        for a in 0..(2 + (i + f) % 2) {
                            let (code, label) = match theme_actions.is_empty() {
                                true => (None, format!("Action personnalisée {}", a + 1)),
                                false => {
                                    let chosen = rng.pick(&theme_actions);
                                    (Some(chosen.0.clone()), chosen.1.clone())
                                }
                            };
                            let start = rng.below(600) as i64 - 500;
                            action_rows.push(vec![
                                rng.id().into(),
                                objectif.into(),
                                notebook.into(),
                                code.into(),
                                label.into(),
                                rng.pick(ACTION_STATUSES).to_string().into(),
                                day(base, start).into(),
                                Some(day(base, start + 30 + rng.below(90) as i64)).into(),
                                created.into(),
                                author.into(),
                            ]);
                        }
                    }
                }
                let past = base.minus_seconds((1 + rng.below(120)) as i64 * 86_400);
                rendez_vous.push(vec![
                    rng.id().into(),
                    notebook.into(),
                    pro.into(),
                    structure.into(),
                    past.into(),
                    "present".into(),
                    created.into(),
                    author.into(),
                ]);
                let future = base
                    .plus_seconds((1 + rng.below(60)) as i64 * 86_400 + 3_600 * rng.below(8) as i64);
                rendez_vous.push(vec![
                    rng.id().into(),
                    notebook.into(),
                    pro.into(),
                    structure.into(),
                    future.into(),
                    "pending".into(),
                    created.into(),
                    author.into(),
                ]);
                events.push(event(
                    rng.id(),
                    notebook,
                    past,
                    Some(pro),
                    "rendez_vous",
                    "Rendez-vous honoré",
                ));
                db.execute(
                    "UPDATE notebooks SET last_contact_at = $2, last_activity_at = $2 WHERE id = $1",
                    params![notebook, past],
                )
                .await?;
                if rng.below(100) < 3 {
                    requests.push(vec![
                        rng.id().into(),
                        notebook.into(),
                        pro.into(),
                        "Demande de réorientation".into(),
                        "pending".into(),
                        base.into(),
                    ]);
                }
            }
            for bulk in [
                &mut notebook_situations,
                &mut job_projects,
                &mut members,
                &mut focuses,
                &mut objectif_rows,
                &mut action_rows,
                &mut rendez_vous,
                &mut events,
                &mut requests,
            ] {
                bulk.flush(db).await?;
            }
            Ok::<_, StoreError>(())
        })
        .await?;
    }
    let _ = &orientation_managers;
    let _ = &dispositifs;
    // Memberships were bulk-inserted: give them their notebooks' sort keys, and the notebooks
    // whether they have a referent.
    carnets::refresh_all_member_keys(db).await?;
    members::refresh_has_referent(db, members::ReferentOf::Every).await?;
    beneficiary_accounts(db, &mut rng, base).await?;
    eprintln!(
        "démo : {beneficiaries} bénéficiaires, {} actions, {} objectifs, {} rendez-vous, {} événements, {} membres, {} projets professionnels",
        action_rows.written, objectif_rows.written, rendez_vous.written, events.written, members.written, job_projects.written
    );
    Ok(())
}
