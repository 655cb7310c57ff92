//! Search by CAF/MSA number, France Travail identifier, phone, or names (accent-, case- and
//! typo-tolerant), on the search words kept by `create`. Its lines are cards' ([`CardLine`]).

use super::keys::phone_key;
use super::lists::{items_sql, list_page, notebook_list, CardLine, NotebookList};
use crate::repo::page::Page;
use crate::{params, Db, StoreError, Value};
use carnet_domain::text::{word_matches, words};
use carnet_domain::{Id, Instant};
use serde::Deserialize;

/// Search by CAF/MSA number, France Travail identifier, phone, or names (accent-, case- and
/// typo-tolerant). Archived notebooks are never found.
/// `within_structure` limits the results to notebooks with an active member from it.
pub async fn search(
    db: &Db,
    now: Instant,
    query: &str,
    within_structure: Option<Id>,
    page: i64,
    per_page: i64,
) -> Result<Page<CardLine>, StoreError> {
    let compact: String = query
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .collect();
    let digits = phone_key(&compact);
    let has_digit = compact.chars().any(|c| c.is_ascii_digit());
    if has_digit {
        // Identifiers: CAF/MSA number, France Travail identifier, phone.
        let mut values: Vec<Value> = Vec::new();
        let mut conditions = Vec::new();
        if let Some(structure) = within_structure {
            values.push(structure.into());
            conditions.push("n.id IN (SELECT m.notebook_id FROM notebook_members m WHERE m.structure_id = $2 AND m.active = TRUE)".to_string());
        }
        let first = values.len() + 2;
        values.push(compact.clone().into());
        values.push(compact.to_uppercase().into());
        values.push(digits.into());
        conditions.push(format!(
            "n.beneficiary_id IN (SELECT i.id FROM beneficiaries i \
               WHERE i.caf_number = ${first} OR i.ft_identifier = ${} OR i.phone_key = ${})",
            first + 1,
            first + 2
        ));
        let list = NotebookList {
            on_notebook: conditions,
            on_beneficiary: None,
            in_notebook_key_order: false,
        };
        return notebook_list(db, now, list, values, page, per_page).await;
    }
    let searched: Vec<String> = words(query)
        .into_iter()
        .filter(|w| w.chars().count() >= 2)
        .take(4)
        .collect();
    if searched.is_empty() {
        return Ok(Page::empty(page, per_page));
    }
    // Names: every searched word must match one of the notebook's words (typos allowed). Only
    // the search words' covering index is read to count and to choose the page, in name order.
    // Parameters from `$2`: `$1` is now, for the list's columns.
    let mut values: Vec<Value> = Vec::new();
    let placeholder = |values: &mut Vec<Value>, value: Value| {
        values.push(value);
        format!("${}", values.len() + 1)
    };
    let mut conditions = vec!["e.listed = TRUE".to_string()];
    for (index, word) in searched.iter().enumerate() {
        let candidates = candidate_words(db, word).await?;
        if candidates.is_empty() {
            return Ok(Page::empty(page, per_page));
        }
        let list: Vec<String> = candidates
            .into_iter()
            .map(|candidate| placeholder(&mut values, candidate.into()))
            .collect();
        conditions.push(if index == 0 {
            format!("e.word IN ({})", list.join(", "))
        } else {
            // Probed on the primary key (notebook_id, word) for each row of the first word.
            format!(
                "EXISTS (SELECT 1 FROM notebook_search_words f WHERE f.notebook_id = e.notebook_id AND f.word IN ({}))",
                list.join(", ")
            )
        });
    }
    if let Some(structure) = within_structure {
        let structure = placeholder(&mut values, structure.into());
        conditions.push(format!(
            "e.notebook_id IN (SELECT m.notebook_id FROM notebook_members m WHERE m.structure_id = {structure} AND m.active = TRUE)"
        ));
    }
    let condition = conditions.join(" AND ");
    let ordered = format!(
        "SELECT DISTINCT e.notebook_id AS page_id, e.name_key AS page_key FROM notebook_search_words e \
         WHERE {condition} ORDER BY e.name_key, e.notebook_id"
    );
    if searched.len() == 1 {
        // One word: counted and paged on the index (it may match thousands).
        let count = format!(
            "SELECT COUNT(DISTINCT e.notebook_id) AS n FROM notebook_search_words e \
             WHERE CAST($1 AS TEXT) IS NOT NULL AND {condition}"
        );
        return list_page(db, now, &count, &ordered, values, page, per_page).await;
    }
    // Several words: their intersection is small; read it once, page it here, then list the
    // page's notebooks.
    let mut with_now = vec![Value::from(now)];
    with_now.extend(values);
    #[derive(Deserialize)]
    struct Chosen {
        page_id: Id,
    }
    let all: Vec<Chosen> = db
        .query_as(
            &format!(
                "SELECT o.page_id FROM ({ordered}) o WHERE CAST($1 AS TEXT) IS NOT NULL \
                 ORDER BY o.page_key, o.page_id"
            ),
            &with_now,
        )
        .await?;
    let skip = usize::try_from((page - 1) * per_page).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(0);
    let mut page_params = vec![Value::from(now)];
    for row in all.iter().skip(skip).take(take) {
        page_params.push(row.page_id.into());
    }
    let items = if page_params.len() > 1 {
        let placeholders: Vec<String> = (2..=page_params.len()).map(|i| format!("${i}")).collect();
        let choose = format!(
            "SELECT n.id AS page_id, b.name_key AS page_key FROM notebooks n \
             JOIN beneficiaries b ON b.id = n.beneficiary_id WHERE n.id IN ({})",
            placeholders.join(", ")
        );
        db.query_as(&items_sql(&choose), &page_params).await?
    } else {
        Vec::new()
    };
    Ok(Page {
        items,
        total: all.len() as i64,
        page,
        per_page,
    })
}

/// The stored words a searched word may stand for: same first three letters (or first two for a
/// two-letter word), then close enough (`word_matches`).
async fn candidate_words(db: &Db, word: &str) -> Result<Vec<String>, StoreError> {
    #[derive(Deserialize)]
    struct Word {
        word: String,
    }
    let rows: Vec<Word> = if word.chars().count() >= 3 {
        let prefix: String = word.chars().take(3).collect();
        db.query_as(
            "SELECT DISTINCT word FROM notebook_search_words WHERE prefix = $1",
            params![prefix],
        )
        .await?
    } else {
        // Two letters: the words whose stored three-letter prefix starts with them (no
        // collation involved, unlike a range on `word`).
        db.query_as(
            "SELECT DISTINCT word FROM notebook_search_words WHERE SUBSTR(prefix, 1, 2) = $1",
            params![word.to_string()],
        )
        .await?
    };
    Ok(rows
        .into_iter()
        .map(|row| row.word)
        .filter(|candidate| word_matches(word, candidate))
        .collect())
}
