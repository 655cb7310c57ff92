-- SQLite's part of the baseline, applied after sql/0001_schema.sql. Keep it in step with
-- sql/postgres/0001_schema.sql: tests/api/schema.rs compares what both engines build.

-- Search words per notebook, with the notebook's sort key and whether it is listed (not
-- archived): a search reads only this table's covering index, in name order, without visiting
-- the notebooks and beneficiaries it does not show. WITHOUT ROWID (SQLite only): the rows live
-- in their primary key's b-tree, with no rowid b-tree beside it.
CREATE TABLE notebook_search_words (
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    word TEXT NOT NULL,
    prefix TEXT NOT NULL,
    name_key TEXT NOT NULL,
    listed BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (notebook_id, word)
) WITHOUT ROWID;
CREATE INDEX notebook_search_words_word ON notebook_search_words (word, listed, name_key, notebook_id);
CREATE INDEX notebook_search_words_prefix ON notebook_search_words (prefix, word);
