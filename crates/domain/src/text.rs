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

/// Why a text was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// A control character (NUL, BEL, ESC, DEL, C1…); newline and tab only in multi-line text.
    #[error("caractère de contrôle interdit (U+{0:04X})")]
    ControlCharacter(u32),
    /// A bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069): they can
    /// make a text read otherwise than it is stored.
    #[error("caractère de direction d'écriture interdit (U+{0:04X})")]
    BidiControl(u32),
}

/// The first character a stored text may not hold, if any: control characters other than
/// newline, carriage return and tab (those are allowed here, [`Text`] decides per field), and
/// bidirectional controls. The one check of every string a request carries.
pub fn forbidden_character(text: &str) -> Option<TextError> {
    text.chars().find_map(|c| match c {
        '\n' | '\r' | '\t' => None,
        c if c.is_control() => Some(TextError::ControlCharacter(c as u32)),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => Some(TextError::BidiControl(c as u32)),
        _ => None,
    })
}

/// A free text as it is stored: Unicode NFC, trimmed, without control characters nor
/// bidirectional controls. A single line has its white space (tabs and line breaks included)
/// collapsed into single spaces; a multi-line text keeps its line breaks (`\r\n` → `\n`) and
/// tabs, with trailing spaces of each line and more than two blank lines in a row removed.
/// Every free text a person types goes through it (in the HTTP layer, the `Validator`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    /// One line of text; `Ok(None)` when blank.
    pub fn line(raw: &str) -> Result<Option<Text>, TextError> {
        let normalized = Self::checked_nfc(raw)?;
        Ok(clean(&normalized).map(Text))
    }

    /// Text of several lines; `Ok(None)` when blank.
    pub fn multiline(raw: &str) -> Result<Option<Text>, TextError> {
        let normalized = Self::checked_nfc(raw)?
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        let mut lines: Vec<&str> = Vec::new();
        let mut blank_run = 0;
        for line in normalized.split('\n').map(str::trim_end) {
            blank_run = if line.trim().is_empty() {
                blank_run + 1
            } else {
                0
            };
            if blank_run <= 2 {
                lines.push(line);
            }
        }
        let joined = lines.join("\n");
        let trimmed = joined.trim_matches(|c: char| c.is_whitespace());
        Ok((!trimmed.is_empty()).then(|| Text(trimmed.to_string())))
    }

    fn checked_nfc(raw: &str) -> Result<String, TextError> {
        match forbidden_character(raw) {
            Some(error) => Err(error),
            None => Ok(raw.nfc().collect()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// Its length as people count it (characters).
    pub fn len_chars(&self) -> usize {
        self.0.chars().count()
    }
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
    fn text_refuses_control_and_bidi_characters() {
        for raw in ["a\u{0}b", "bip\u{7}", "\u{1b}[31m", "x\u{7f}", "c1\u{85}"] {
            assert!(
                matches!(Text::line(raw), Err(TextError::ControlCharacter(_))),
                "{raw:?}"
            );
            assert!(
                matches!(Text::multiline(raw), Err(TextError::ControlCharacter(_))),
                "{raw:?}"
            );
        }
        for raw in ["abc\u{202E}fdp.exe", "\u{2066}x\u{2069}", "\u{202A}"] {
            assert!(
                matches!(Text::line(raw), Err(TextError::BidiControl(_))),
                "{raw:?}"
            );
        }
        assert_eq!(
            Text::line("a\u{0}").unwrap_err().to_string(),
            "caractère de contrôle interdit (U+0000)"
        );
    }

    #[test]
    fn text_is_trimmed_and_normalized() {
        // "e" + combining acute (NFD) is stored as the single "é" (NFC).
        let decomposed = "Ele\u{301}onore";
        assert_eq!(
            Text::line(decomposed).unwrap().unwrap().as_str(),
            "Eléonore"
        );
        assert_eq!(
            Text::line("  Jean \t\n Dupont ").unwrap().unwrap().as_str(),
            "Jean Dupont"
        );
        assert_eq!(Text::line(" \n\t ").unwrap(), None);
        assert_eq!(
            Text::multiline("  Ligne 1  \r\n\tLigne 2\n\n\n\n\nFin \n")
                .unwrap()
                .unwrap()
                .as_str(),
            "Ligne 1\n\tLigne 2\n\n\nFin"
        );
        assert_eq!(Text::multiline("\n \n").unwrap(), None);
        assert_eq!(
            forbidden_character("Retour\nà la ligne\tet tabulation\r"),
            None
        );
    }

    #[test]
    fn clean_trims_and_refuses_blank() {
        assert_eq!(clean("  a   b "), Some("a b".to_string()));
        assert_eq!(clean(" \t\n"), None);
    }
}
