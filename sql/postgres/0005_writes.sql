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
    id TEXT PRIMARY KEY,
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    invited_by TEXT NOT NULL REFERENCES accounts (id),
    created_at TEXT NOT NULL
);
