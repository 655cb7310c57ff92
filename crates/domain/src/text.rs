//! Text folding shared by sorting and search.
//!
//! Decision for both dialects: French ordering and accent/case-insensitive matching do not rely
//! on a database collation (SQLite has none for French, and PostgreSQL's depend on the server's
//! ICU/libc). Each searchable or sortable label is stored next to its `sort_key`, computed here:
//! Unicode decomposition, combining marks removed, ligatures expanded, lower case, typographic
//! apostrophes and dashes unified, white space collapsed. Both stores then compare plain text.

use unicode_normalization::UnicodeNormalization;

pub fn sort_key(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        match c {
            'œ' | 'Œ' => folded.push_str("oe"),
            'æ' | 'Æ' => folded.push_str("ae"),
            'ß' | 'ẞ' => folded.push_str("ss"),
            '’' | '‘' | '`' | 'ʼ' => folded.push('\''),
            '–' | '—' | '‐' => folded.push('-'),
            c => folded.extend(c.to_lowercase()),
        }
    }
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The words of a name, folded, for search.
pub fn words(text: &str) -> Vec<String> {
    sort_key(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Levenshtein distance (characters), for typo-tolerant search of short words.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// Does a searched word match a name word? A prefix of it, or close enough: one typo per four
/// letters (at least one).
pub fn word_matches(searched: &str, word: &str) -> bool {
    if word.starts_with(searched) {
        return true;
    }
    let allowed = (searched.chars().count() / 4).max(1);
    let length_gap = word.chars().count().abs_diff(searched.chars().count());
    length_gap <= allowed && edit_distance(searched, word) <= allowed
}

/// Trims and collapses inner white space; `None` when nothing is left.
pub fn clean(text: &str) -> Option<String> {
    let cleaned = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!cleaned.is_empty()).then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_ligatures_and_apostrophes() {
        assert_eq!(sort_key("Éloïse  DUPONT"), "eloise dupont");
        assert_eq!(sort_key("Cœur d’Alène"), "coeur d'alene");
        assert_eq!(sort_key("  Prêt  à suivre "), "pret a suivre");
    }

    #[test]
    fn sort_keys_order_like_french_readers_expect() {
        let mut names = vec!["Zoé", "élodie", "Eric", "Émile"];
        names.sort_by_key(|name| sort_key(name));
        assert_eq!(names, vec!["élodie", "Émile", "Eric", "Zoé"]);
    }

    #[test]
    fn typo_tolerant_word_matching() {
        assert_eq!(
            words("Éloïse DUPONT-Martin"),
            vec!["eloise", "dupont", "martin"]
        );
        assert!(word_matches("dupon", "dupont"));
        assert!(word_matches("dupond", "dupont"));
        assert!(word_matches("eloise", "eloise"));
        assert!(!word_matches("durand", "dupont"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn clean_trims_and_refuses_blank() {
        assert_eq!(clean("  a   b "), Some("a b".to_string()));
        assert_eq!(clean(" \t\n"), None);
    }
}
