-- Base schema (SQLite). Conventions: ids and instants are TEXT (UUID, fixed-width UTC),
-- integers INTEGER (BIGINT in PostgreSQL), booleans INTEGER 0/1, labels with a sort_key.

CREATE TABLE ref_theme (
    code TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    is_focus INTEGER NOT NULL CHECK (is_focus IN (0, 1)),
    focus_code TEXT NOT NULL REFERENCES ref_theme (code),
    position INTEGER NOT NULL,
    retired_at TEXT
);

CREATE TABLE ref_situation (
    code TEXT PRIMARY KEY,
    theme_code TEXT NOT NULL REFERENCES ref_theme (code),
    label TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    source_id TEXT,
    position INTEGER NOT NULL,
    retired_at TEXT,
    UNIQUE (theme_code, label)
);

CREATE TABLE ref_objectif (
    code TEXT PRIMARY KEY,
    theme_code TEXT NOT NULL REFERENCES ref_theme (code),
    label TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    source_id TEXT,
    position INTEGER NOT NULL,
    retired_at TEXT,
    UNIQUE (theme_code, label)
);

CREATE TABLE ref_action (
    code TEXT PRIMARY KEY,
    theme_code TEXT NOT NULL REFERENCES ref_theme (code),
    label TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    source_id TEXT,
    position INTEGER NOT NULL,
    retired_at TEXT,
    UNIQUE (theme_code, label)
);

CREATE TABLE ref_coded_value (
    list_name TEXT NOT NULL,
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    position INTEGER NOT NULL,
    extra TEXT,
    retired_at TEXT,
    PRIMARY KEY (list_name, code)
);

CREATE TABLE ref_rome_appellation (
    code TEXT PRIMARY KEY,
    rome_code TEXT NOT NULL,
    label TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    retired_at TEXT
);
CREATE INDEX ref_rome_appellation_rome_code ON ref_rome_appellation (rome_code);

-- Test mode only (refused unless the public URL is loopback): the instance's clock.
CREATE TABLE test_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    now TEXT NOT NULL
);

-- Every email is a row here, written in the same transaction as what caused it.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    template TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
