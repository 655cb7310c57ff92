-- The « sans référent » list and count, and the dashboard's figures, read indexes instead of
-- visiting every notebook, membership or rendez-vous.
--
-- notebooks.has_referent: whether the notebook has an active referent, kept in step with
-- notebook_members by members::refresh_has_referent, which every write that makes or unmakes a
-- referent calls in its transaction.
-- notebooks.name_key: the beneficiary's name sort key (copied, as notebook_members.name_key and
-- notebook_search_words.name_key are, by carnets::reindex_names), so that the list's pages are
-- read in name order from the index alone.
ALTER TABLE notebooks ADD COLUMN has_referent BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE notebooks ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE notebooks SET
    has_referent = EXISTS (SELECT 1 FROM notebook_members m
                           WHERE m.notebook_id = notebooks.id AND m.member_type = 'referent' AND m.active = TRUE),
    name_key = COALESCE((SELECT b.name_key FROM beneficiaries b WHERE b.id = notebooks.beneficiary_id), '');
-- Only the listed notebooks without referent, in name order: counted and paged on it alone.
CREATE INDEX notebooks_without_referent ON notebooks (name_key, id) WHERE has_referent = FALSE AND archived_at IS NULL;
-- The archived notebooks, counted by the dashboard (and chosen by retention for destruction).
-- Partial: a full index on archived_at, its NULL being most notebooks, was the one SQLite chose
-- without statistics for every query on the listed notebooks, instead of the index above.
CREATE INDEX notebooks_archived ON notebooks (archived_at) WHERE archived_at IS NOT NULL;
-- The dashboard's activity by structure, counted on the memberships' index alone.
CREATE INDEX notebook_members_structure_activity ON notebook_members (structure_id, active, listed, member_type, notebook_id);
-- The rendez-vous of a period that are not cancelled (the dashboard's last 30 days, the
-- reminders' next day), by time.
CREATE INDEX rendez_vous_starts ON rendez_vous (starts_at, structure_id) WHERE cancelled_at IS NULL;
