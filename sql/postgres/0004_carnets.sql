-- The carnet: structures and professionals in full, beneficiaries, notebooks, diagnostic, plan,
-- rendez-vous, members, orientation, timeline, access log (PostgreSQL).

ALTER TABLE structures ADD COLUMN siret TEXT;
ALTER TABLE structures ADD COLUMN address TEXT;
ALTER TABLE structures ADD COLUMN postal_code TEXT;
ALTER TABLE structures ADD COLUMN city TEXT;
ALTER TABLE structures ADD COLUMN phone TEXT;
ALTER TABLE structures ADD COLUMN email TEXT;
-- A structure whose name alone reveals health, justice or religion: shown to non-members as
-- "structure d'accompagnement".
ALTER TABLE structures ADD COLUMN sensitive BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE professionals (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    position TEXT,
    phone TEXT
);

ALTER TABLE beneficiaries ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE beneficiaries ADD COLUMN birth_date TEXT;
ALTER TABLE beneficiaries ADD COLUMN birth_place TEXT;
ALTER TABLE beneficiaries ADD COLUMN nir TEXT;
ALTER TABLE beneficiaries ADD COLUMN department_identifier TEXT;
ALTER TABLE beneficiaries ADD COLUMN caf_number TEXT;
ALTER TABLE beneficiaries ADD COLUMN ft_identifier TEXT;
ALTER TABLE beneficiaries ADD COLUMN email TEXT;
ALTER TABLE beneficiaries ADD COLUMN phone TEXT;
ALTER TABLE beneficiaries ADD COLUMN phone_key TEXT;
ALTER TABLE beneficiaries ADD COLUMN address TEXT;
ALTER TABLE beneficiaries ADD COLUMN postal_code TEXT;
ALTER TABLE beneficiaries ADD COLUMN city TEXT;
ALTER TABLE beneficiaries ADD COLUMN rsa_right TEXT;
ALTER TABLE beneficiaries ADD COLUMN rsa_closure_reason TEXT;
ALTER TABLE beneficiaries ADD COLUMN rsa_suspension_reason TEXT;
ALTER TABLE beneficiaries ADD COLUMN are_right BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE beneficiaries ADD COLUMN ass_right BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE beneficiaries ADD COLUMN prime_activite BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX beneficiaries_name_key ON beneficiaries (name_key);
CREATE INDEX beneficiaries_nir ON beneficiaries (nir);
CREATE INDEX beneficiaries_department_identifier ON beneficiaries (department_identifier);
CREATE INDEX beneficiaries_caf_number ON beneficiaries (caf_number);
CREATE INDEX beneficiaries_ft_identifier ON beneficiaries (ft_identifier);
CREATE INDEX beneficiaries_phone_key ON beneficiaries (phone_key);

-- Words of the beneficiary's names (folded), for typo-tolerant search: candidates share the
-- first three letters of a searched word, then an edit distance ranks them.
CREATE TABLE beneficiary_search_words (
    beneficiary_id TEXT NOT NULL REFERENCES beneficiaries (id),
    prefix TEXT NOT NULL,
    word TEXT NOT NULL,
    PRIMARY KEY (beneficiary_id, word)
);
CREATE INDEX beneficiary_search_words_prefix ON beneficiary_search_words (prefix, word);
CREATE INDEX beneficiary_search_words_word ON beneficiary_search_words (word);

CREATE TABLE dispositifs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    orientation_type TEXT NOT NULL CHECK (orientation_type IN ('social', 'pro', 'sociopro', 'autre')),
    created_at TEXT NOT NULL,
    retired_at TEXT
);

CREATE TABLE notebooks (
    id TEXT PRIMARY KEY,
    beneficiary_id TEXT NOT NULL UNIQUE REFERENCES beneficiaries (id),
    work_situation TEXT,
    work_situation_date TEXT,
    work_situation_end_date TEXT,
    rqth BOOLEAN NOT NULL DEFAULT FALSE,
    education_level TEXT,
    contract_type TEXT,
    contract_sign_date TEXT,
    contract_start_date TEXT,
    contract_end_date TEXT,
    dispositif_id TEXT REFERENCES dispositifs (id),
    -- Retention counts from the last individual contact (a rendez-vous marked present, or a
    -- contact a member records); the creation date until there is one.
    last_contact_at TEXT NOT NULL,
    last_activity_at TEXT NOT NULL,
    archived_at TEXT,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX notebooks_last_activity ON notebooks (last_activity_at);

CREATE TABLE notebook_situations (
    id TEXT PRIMARY KEY,
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    situation_code TEXT NOT NULL REFERENCES ref_situation (code),
    added_at TEXT NOT NULL,
    added_by TEXT REFERENCES accounts (id),
    removed_at TEXT,
    removed_by TEXT REFERENCES accounts (id)
);
CREATE INDEX notebook_situations_notebook ON notebook_situations (notebook_id);

CREATE TABLE job_projects (
    id TEXT PRIMARY KEY,
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    rome_code TEXT NOT NULL,
    rome_label TEXT NOT NULL,
    mobility_radius_km BIGINT,
    hourly_wage_cents BIGINT,
    contract_type TEXT,
    working_time TEXT,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX job_projects_notebook ON job_projects (notebook_id);

CREATE TABLE notebook_members (
    id TEXT PRIMARY KEY,
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    structure_id TEXT REFERENCES structures (id),
    member_type TEXT NOT NULL CHECK (member_type IN ('referent', 'member', 'orientation_manager')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    joined_at TEXT NOT NULL,
    left_at TEXT
);
-- At most one active referent per notebook, and one active membership per person.
CREATE UNIQUE INDEX notebook_members_one_referent ON notebook_members (notebook_id) WHERE member_type = 'referent' AND active = TRUE;
CREATE UNIQUE INDEX notebook_members_one_active ON notebook_members (notebook_id, account_id) WHERE active = TRUE;
CREATE INDEX notebook_members_account ON notebook_members (account_id, active);
CREATE INDEX notebook_members_notebook ON notebook_members (notebook_id, active);
CREATE INDEX notebook_members_structure ON notebook_members (structure_id, active);

CREATE TABLE focuses (
    id TEXT PRIMARY KEY,
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    theme_code TEXT NOT NULL REFERENCES ref_theme (code),
    created_at TEXT NOT NULL,
    created_by TEXT REFERENCES accounts (id),
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX focuses_notebook ON focuses (notebook_id);

CREATE TABLE objectifs (
    id TEXT PRIMARY KEY,
    focus_id TEXT NOT NULL REFERENCES focuses (id),
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    ref_code TEXT REFERENCES ref_objectif (code),
    label TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'in_progress' CHECK (status IN ('in_progress', 'done', 'abandonned')),
    linked_to TEXT CHECK (linked_to IN ('cer', 'ppae', 'pacea', 'cej')),
    agreement_recorded_at TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT REFERENCES accounts (id),
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX objectifs_focus ON objectifs (focus_id);

CREATE TABLE actions (
    id TEXT PRIMARY KEY,
    objectif_id TEXT NOT NULL REFERENCES objectifs (id),
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    ref_code TEXT REFERENCES ref_action (code),
    label TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'in_progress' CHECK (status IN ('in_progress', 'abandonned', 'canceled', 'done', 'planned', 'standby')),
    start_date TEXT NOT NULL,
    due_date TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT REFERENCES accounts (id),
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX actions_objectif ON actions (objectif_id);
CREATE INDEX actions_notebook_status ON actions (notebook_id, status);

CREATE TABLE rendez_vous (
    id TEXT PRIMARY KEY,
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    structure_id TEXT REFERENCES structures (id),
    starts_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'present', 'absent')),
    cancelled_at TEXT,
    cancelled_by TEXT REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    created_by TEXT REFERENCES accounts (id),
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX rendez_vous_notebook ON rendez_vous (notebook_id, starts_at);

CREATE TABLE orientation_requests (
    id TEXT PRIMARY KEY,
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    requested_by TEXT NOT NULL REFERENCES accounts (id),
    reason TEXT NOT NULL,
    suggested_dispositif_id TEXT REFERENCES dispositifs (id),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'denied', 'accepted')),
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT REFERENCES accounts (id),
    decision_reason TEXT
);
CREATE INDEX orientation_requests_notebook ON orientation_requests (notebook_id, status);

-- What happened, readable by a person: what, who, before and after.
CREATE TABLE timeline_events (
    id TEXT PRIMARY KEY,
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    at TEXT NOT NULL,
    actor_account_id TEXT,
    event_type TEXT NOT NULL,
    summary TEXT NOT NULL,
    summary_key TEXT NOT NULL,
    before_value TEXT,
    after_value TEXT
);
CREATE INDEX timeline_events_notebook ON timeline_events (notebook_id, at);

-- Every notebook read: who, which notebook, which view, when.
CREATE TABLE notebook_access_log (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    account_id TEXT NOT NULL,
    role TEXT NOT NULL,
    notebook_id TEXT NOT NULL,
    view TEXT NOT NULL
);
CREATE INDEX notebook_access_log_account ON notebook_access_log (account_id, at);
CREATE INDEX notebook_access_log_notebook ON notebook_access_log (notebook_id, at);
