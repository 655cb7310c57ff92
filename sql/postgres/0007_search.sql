-- Search words per notebook, with the notebook's sort key and whether it is listed (not
-- archived): a search reads only this table's covering index, in name order, without visiting
-- the notebooks and beneficiaries it does not show. Replaces beneficiary_search_words.
CREATE TABLE notebook_search_words (
    notebook_id TEXT NOT NULL REFERENCES notebooks (id),
    word TEXT NOT NULL,
    prefix TEXT NOT NULL,
    name_key TEXT NOT NULL,
    listed BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (notebook_id, word)
);

INSERT INTO notebook_search_words (notebook_id, word, prefix, name_key, listed)
SELECT n.id, w.word, w.prefix, b.name_key, CASE WHEN n.archived_at IS NULL THEN TRUE ELSE FALSE END
FROM beneficiary_search_words w
JOIN beneficiaries b ON b.id = w.beneficiary_id
JOIN notebooks n ON n.beneficiary_id = b.id;

DROP TABLE beneficiary_search_words;

CREATE INDEX notebook_search_words_word ON notebook_search_words (word, listed, name_key, notebook_id);
CREATE INDEX notebook_search_words_prefix ON notebook_search_words (prefix, word);
