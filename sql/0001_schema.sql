-- The baseline schema, for both engines (SQLite and PostgreSQL). What one engine needs otherwise
-- is in sql/sqlite/0001_schema.sql and sql/postgres/0001_schema.sql, applied after this file.
--
-- Written once, so only what both engines read the same way:
-- - types: TEXT, BIGINT, BOOLEAN (and DOUBLE PRECISION if ever needed). SQLite gives BIGINT
--   INTEGER affinity and BOOLEAN NUMERIC affinity: its booleans are stored as 0/1.
-- - boolean literals TRUE and FALSE (SQLite reads them as 1 and 0).
-- - ids and instants are TEXT (UUID, fixed-width UTC), dates YYYY-MM-DD, labels with a sort_key.
-- - every primary key column is NOT NULL: SQLite would otherwise accept a NULL in a primary key
--   that is not INTEGER PRIMARY KEY.
-- tests/api/schema.rs checks that both engines end up with the same schema
-- (sql/schema.snapshot.txt).

-- National reference lists (loaded by migration 2).

CREATE TABLE ref_theme (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    is_focus BOOLEAN NOT NULL CHECK (is_focus IN (FALSE, TRUE)),
    focus_code TEXT NOT NULL REFERENCES ref_theme (code),
    position BIGINT NOT NULL,
    retired_at TEXT
);

CREATE TABLE ref_situation (
    code TEXT NOT NULL PRIMARY KEY,
    theme_code TEXT NOT NULL REFERENCES ref_theme (code),
    label TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    source_id TEXT,
    position BIGINT NOT NULL,
    retired_at TEXT,
    UNIQUE (theme_code, label)
);

CREATE TABLE ref_objectif (
    code TEXT NOT NULL PRIMARY KEY,
    theme_code TEXT NOT NULL REFERENCES ref_theme (code),
    label TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    source_id TEXT,
    position BIGINT NOT NULL,
    retired_at TEXT,
    UNIQUE (theme_code, label)
);

CREATE TABLE ref_action (
    code TEXT NOT NULL PRIMARY KEY,
    theme_code TEXT NOT NULL REFERENCES ref_theme (code),
    label TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    source_id TEXT,
    position BIGINT NOT NULL,
    retired_at TEXT,
    UNIQUE (theme_code, label)
);

CREATE TABLE ref_coded_value (
    list_name TEXT NOT NULL,
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    position BIGINT NOT NULL,
    extra TEXT,
    retired_at TEXT,
    PRIMARY KEY (list_name, code)
);

CREATE TABLE ref_rome_appellation (
    code TEXT NOT NULL PRIMARY KEY,
    rome_code TEXT NOT NULL,
    label TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    retired_at TEXT
);
CREATE INDEX ref_rome_appellation_rome_code ON ref_rome_appellation (rome_code);

-- Test mode only (refused unless the public URL is loopback): the instance's clock.
CREATE TABLE test_clock (
    id BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    now TEXT NOT NULL
);

-- Every email is a row here, written in the same transaction as what caused it.
CREATE TABLE outbox (
    id TEXT NOT NULL PRIMARY KEY,
    template TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Accounts, roles, sign-in and sessions, audit.

CREATE TABLE structures (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    siret TEXT,
    address TEXT,
    postal_code TEXT,
    city TEXT,
    phone TEXT,
    email TEXT,
    -- A structure whose name alone reveals health, justice or religion: shown to non-members as
    -- "structure d'accompagnement".
    sensitive BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX structures_sort_key ON structures (sort_key);

-- The person a notebook is about (and whom a beneficiary account is scoped to).
CREATE TABLE beneficiaries (
    id TEXT NOT NULL PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    name_key TEXT NOT NULL DEFAULT '',
    birth_date TEXT,
    birth_place TEXT,
    nir TEXT,
    department_identifier TEXT,
    caf_number TEXT,
    ft_identifier TEXT,
    email TEXT,
    phone TEXT,
    phone_key TEXT,
    address TEXT,
    postal_code TEXT,
    city TEXT,
    rsa_right TEXT,
    rsa_closure_reason TEXT,
    rsa_suspension_reason TEXT,
    are_right BOOLEAN NOT NULL DEFAULT FALSE,
    ass_right BOOLEAN NOT NULL DEFAULT FALSE,
    prime_activite BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX beneficiaries_name_key ON beneficiaries (name_key);
CREATE INDEX beneficiaries_nir ON beneficiaries (nir);
CREATE INDEX beneficiaries_department_identifier ON beneficiaries (department_identifier);
CREATE INDEX beneficiaries_caf_number ON beneficiaries (caf_number);
CREATE INDEX beneficiaries_ft_identifier ON beneficiaries (ft_identifier);
CREATE INDEX beneficiaries_phone_key ON beneficiaries (phone_key);

CREATE TABLE accounts (
    id TEXT NOT NULL PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    disabled_at TEXT,
    cgu_version TEXT,
    cgu_accepted_at TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT REFERENCES accounts (id),
    -- A beneficiary who asked for no rendez-vous reminder emails.
    reminders_opt_out_at TEXT
);

CREATE TABLE role_assignments (
    id TEXT NOT NULL PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL CHECK (role IN ('platform_admin', 'manager', 'orientation_manager', 'structure_admin', 'professional', 'beneficiary')),
    structure_id TEXT REFERENCES structures (id),
    beneficiary_id TEXT REFERENCES beneficiaries (id),
    -- '' for instance-wide roles, else the structure or beneficiary id: one assignment per scope.
    scope_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT REFERENCES accounts (id),
    revoked_at TEXT,
    CHECK ((role IN ('structure_admin', 'professional')) = (structure_id IS NOT NULL)),
    CHECK ((role = 'beneficiary') = (beneficiary_id IS NOT NULL))
);
CREATE UNIQUE INDEX role_assignments_active ON role_assignments (account_id, role, scope_key) WHERE revoked_at IS NULL;

CREATE TABLE login_tokens (
    id TEXT NOT NULL PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    token_hash TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('sign_in', 'email_change')),
    new_email TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);

-- One row per sign-in link request, known address or not: the rate limits count them.
CREATE TABLE login_requests (
    id TEXT NOT NULL PRIMARY KEY,
    email_key TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX login_requests_email ON login_requests (email_key, created_at);
CREATE INDEX login_requests_client ON login_requests (client_addr, created_at);

CREATE TABLE sessions (
    id TEXT NOT NULL PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    assignment_id TEXT NOT NULL REFERENCES role_assignments (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT,
    ended_reason TEXT,
    client_addr TEXT
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Who did what, when, from where. Details never hold personal data beyond ids.
CREATE TABLE audit_log (
    id TEXT NOT NULL PRIMARY KEY,
    at TEXT NOT NULL,
    actor_account_id TEXT,
    actor_role TEXT,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    client_addr TEXT,
    details TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id);

-- The carnet: professionals, notebooks, diagnostic, plan, rendez-vous, members, orientation,
-- timeline, access log.

CREATE TABLE professionals (
    account_id TEXT NOT NULL PRIMARY KEY REFERENCES accounts (id),
    position TEXT,
    phone TEXT
);

CREATE TABLE dispositifs (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    orientation_type TEXT NOT NULL CHECK (orientation_type IN ('social', 'pro', 'sociopro', 'autre')),
    created_at TEXT NOT NULL,
    retired_at TEXT
);

CREATE TABLE notebooks (
    id TEXT NOT NULL PRIMARY KEY,
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
    id TEXT NOT NULL PRIMARY KEY,
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    situation_code TEXT NOT NULL REFERENCES ref_situation (code),
    added_at TEXT NOT NULL,
    added_by TEXT REFERENCES accounts (id),
    removed_at TEXT,
    removed_by TEXT REFERENCES accounts (id)
);
CREATE INDEX notebook_situations_notebook ON notebook_situations (notebook_id);
CREATE UNIQUE INDEX notebook_situations_one_active ON notebook_situations (notebook_id, situation_code) WHERE removed_at IS NULL;

CREATE TABLE job_projects (
    id TEXT NOT NULL PRIMARY KEY,
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

-- Portfolios ("mes bénéficiaires", a structure's notebooks) read one index of the memberships,
-- in name order, without visiting the notebooks they do not show: each membership carries its
-- notebook's name sort key and whether the notebook is listed (not archived).
CREATE TABLE notebook_members (
    id TEXT NOT NULL PRIMARY KEY,
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    structure_id TEXT REFERENCES structures (id),
    member_type TEXT NOT NULL CHECK (member_type IN ('referent', 'member', 'orientation_manager')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    joined_at TEXT NOT NULL,
    left_at TEXT,
    name_key TEXT NOT NULL DEFAULT '',
    listed BOOLEAN NOT NULL DEFAULT TRUE
);
-- At most one active referent per notebook, and one active membership per person.
CREATE UNIQUE INDEX notebook_members_one_referent ON notebook_members (notebook_id) WHERE member_type = 'referent' AND active = TRUE;
CREATE UNIQUE INDEX notebook_members_one_active ON notebook_members (notebook_id, account_id) WHERE active = TRUE;
CREATE INDEX notebook_members_account ON notebook_members (account_id, active);
CREATE INDEX notebook_members_notebook ON notebook_members (notebook_id, active);
CREATE INDEX notebook_members_structure ON notebook_members (structure_id, active);
CREATE INDEX notebook_members_account_list ON notebook_members (account_id, active, listed, name_key, notebook_id);
CREATE INDEX notebook_members_structure_list ON notebook_members (structure_id, active, listed, name_key, notebook_id);

CREATE TABLE focuses (
    id TEXT NOT NULL PRIMARY KEY,
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    theme_code TEXT NOT NULL REFERENCES ref_theme (code),
    created_at TEXT NOT NULL,
    created_by TEXT REFERENCES accounts (id),
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX focuses_notebook ON focuses (notebook_id);
CREATE UNIQUE INDEX focuses_one_per_theme ON focuses (notebook_id, theme_code);

CREATE TABLE objectifs (
    id TEXT NOT NULL PRIMARY KEY,
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
CREATE INDEX objectifs_notebook ON objectifs (notebook_id);

CREATE TABLE actions (
    id TEXT NOT NULL PRIMARY KEY,
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
    id TEXT NOT NULL PRIMARY KEY,
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
    id TEXT NOT NULL PRIMARY KEY,
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
CREATE UNIQUE INDEX orientation_requests_one_pending ON orientation_requests (notebook_id) WHERE status = 'pending';

-- What happened, readable by a person: what, who, before and after.
CREATE TABLE timeline_events (
    id TEXT NOT NULL PRIMARY KEY,
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
    id TEXT NOT NULL PRIMARY KEY,
    at TEXT NOT NULL,
    account_id TEXT NOT NULL,
    role TEXT NOT NULL,
    notebook_id TEXT NOT NULL,
    view TEXT NOT NULL
);
CREATE INDEX notebook_access_log_account ON notebook_access_log (account_id, at);
CREATE INDEX notebook_access_log_notebook ON notebook_access_log (notebook_id, at);

-- Writes.

-- Idempotent creates: a replayed Idempotency-Key returns the stored response for 24 h.
CREATE TABLE idempotency_keys (
    account_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Invitations of professionals to a notebook (the email itself is in the outbox).
CREATE TABLE notebook_invitations (
    id TEXT NOT NULL PRIMARY KEY,
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    invited_by TEXT NOT NULL REFERENCES accounts (id),
    created_at TEXT NOT NULL
);

-- Scheduled jobs: each reminder and digest is sent once (its key recorded in the same
-- transaction as its outbox row).
CREATE TABLE notifications_sent (
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    recipient_id TEXT NOT NULL,
    period TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (kind, subject_id, recipient_id, period)
);

-- What a retention run did, for the record (counts only, no personal data).
CREATE TABLE job_runs (
    id TEXT NOT NULL PRIMARY KEY,
    job TEXT NOT NULL,
    started_at TEXT NOT NULL,
    report TEXT NOT NULL
);

-- Search words per notebook: see sql/sqlite/0001_schema.sql and sql/postgres/0001_schema.sql.
