-- Portfolios ("mes bénéficiaires", a structure's notebooks) read one index of the memberships,
-- in name order, without visiting the notebooks they do not show: each membership carries its
-- notebook's name sort key and whether the notebook is listed (not archived).
ALTER TABLE notebook_members ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE notebook_members ADD COLUMN listed INTEGER NOT NULL DEFAULT 1;

UPDATE notebook_members SET
    name_key = COALESCE((SELECT b.name_key FROM notebooks n JOIN beneficiaries b ON b.id = n.beneficiary_id
                         WHERE n.id = notebook_members.notebook_id), ''),
    listed = (SELECT n.archived_at IS NULL FROM notebooks n WHERE n.id = notebook_members.notebook_id);

CREATE INDEX notebook_members_account_list ON notebook_members (account_id, active, listed, name_key, notebook_id);
CREATE INDEX notebook_members_structure_list ON notebook_members (structure_id, active, listed, name_key, notebook_id);
