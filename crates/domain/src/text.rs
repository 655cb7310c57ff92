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
            'ß' => folded.push_str("ss"),
            '’' | '‘' | '`' | 'ʼ' => folded.push('\''),
            '–' | '—' | '‐' => folded.push('-'),
            c => folded.extend(c.to_lowercase()),
        }
    }
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
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
    fn clean_trims_and_refuses_blank() {
        assert_eq!(clean("  a   b "), Some("a b".to_string()));
        assert_eq!(clean(" \t\n"), None);
    }
}
