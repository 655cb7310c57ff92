-- Scheduled jobs: each reminder and digest is sent once (its key recorded in the same
-- transaction as its outbox row), and beneficiaries can opt out of reminders.

CREATE TABLE notifications_sent (
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    recipient_id TEXT NOT NULL,
    period TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (kind, subject_id, recipient_id, period)
);

ALTER TABLE accounts ADD COLUMN reminders_opt_out_at TEXT;

-- What a retention run did, for the record (counts only, no personal data).
CREATE TABLE job_runs (
    id TEXT PRIMARY KEY,
    job TEXT NOT NULL,
    started_at TEXT NOT NULL,
    report TEXT NOT NULL
);

-- Indexes the writes and reads need, and rules the database enforces under concurrency.
CREATE INDEX objectifs_notebook ON objectifs (notebook_id);
CREATE UNIQUE INDEX orientation_requests_one_pending ON orientation_requests (notebook_id) WHERE status = 'pending';
CREATE UNIQUE INDEX focuses_one_per_theme ON focuses (notebook_id, theme_code);
CREATE UNIQUE INDEX notebook_situations_one_active ON notebook_situations (notebook_id, situation_code) WHERE removed_at IS NULL;
