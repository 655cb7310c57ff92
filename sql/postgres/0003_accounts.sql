-- Accounts, roles, sign-in and sessions, audit (PostgreSQL).

CREATE TABLE structures (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX structures_sort_key ON structures (sort_key);

-- The beneficiary record a beneficiary account is scoped to; the carnet issue extends it.
CREATE TABLE beneficiaries (
    id TEXT PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    disabled_at TEXT,
    cgu_version TEXT,
    cgu_accepted_at TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT REFERENCES accounts (id)
);

CREATE TABLE role_assignments (
    id TEXT PRIMARY KEY,
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
    id TEXT PRIMARY KEY,
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
    id TEXT PRIMARY KEY,
    email_key TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX login_requests_email ON login_requests (email_key, created_at);
CREATE INDEX login_requests_client ON login_requests (client_addr, created_at);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
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
    id TEXT PRIMARY KEY,
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
