//! Property tests of the domain's parsers and text folding: what must hold for every input, not
//! only for the examples of the unit tests. 256 cases per property (proptest's default; the
//! PROPTEST_CASES environment variable raises it), a couple of seconds for the whole file.

use carnet_domain::text::{edit_distance, forbidden_character, sort_key, words, Text};
use carnet_domain::{parse_date, parse_phone, Email, Id, Instant, NaiveDate, Nir, ValueError};
use chrono::Datelike;
use proptest::prelude::*;
use unicode_normalization::char::is_combining_mark;

// ---------------------------------------------------------------------------------------------
// Strategies

/// Characters as names and free text bring them: ASCII, accented Latin letters (precomposed and
/// decomposed), Latin Extended Additional (`ẞ`, Vietnamese), Greek, typographic punctuation and
/// spaces, characters whose case or folding is special, and now and then anything at all.
fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => proptest::char::range(' ', '~'),
        1 => prop::sample::select(vec![
            'ẞ', 'ß', 'İ', 'ı', 'Œ', 'œ', 'Æ', 'æ', 'ǅ', 'ﬁ', 'Σ', 'ς', '’', 'ʼ', '–', '—', '\u{a0}',
        ]),
        2 => proptest::char::range('\u{a0}', '\u{24f}'),
        1 => proptest::char::range('\u{300}', '\u{36f}'),
        1 => proptest::char::range('\u{370}', '\u{3ff}'),
        1 => proptest::char::range('\u{1e00}', '\u{1eff}'),
        1 => proptest::char::range('\u{2000}', '\u{206f}'),
        1 => any::<char>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    text_up_to(32)
}

fn text_up_to(chars: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(text_char(), 0..=chars).prop_map(String::from_iter)
}

/// The 13 characters before a NIR's key: sex, year, month, département (2A/2B for Corsica),
/// commune, order number.
fn nir_body() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!['1', '2', '3', '4', '7', '8']),
        0..100u32,
        1..=12u32,
        prop_oneof![
            8 => (1..100u32).prop_map(|d| format!("{d:02}")),
            1 => Just("2A".to_string()),
            1 => Just("2B".to_string()),
        ],
        0..1000u32,
        0..1000u32,
    )
        .prop_map(|(sex, year, month, department, commune, order)| {
            format!("{sex}{year:02}{month:02}{department}{commune:03}{order:03}")
        })
}

/// The key computed independently of `Nir::parse`: 97 − (number mod 97), Corsica's 2A and 2B
/// counting as 19 and 18.
fn nir_key(body: &str) -> u64 {
    let number: u64 = body
        .replacen("2A", "19", 1)
        .replacen("2B", "18", 1)
        .parse()
        .expect("a numeric body");
    97 - number % 97
}

/// Any day from 1900 to 2100 (birth dates, due dates and rendez-vous all fall in it).
fn date() -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2100, 12, 31).unwrap();
    (0..=(last - first).num_days()).prop_map(move |days| first + chrono::Duration::days(days))
}

/// Any instant with microseconds, from year 1 to year 9999 (what the fixed-width text can hold).
/// Instants the service takes: 1900 to 2100, like every date.
fn instant() -> impl Strategy<Value = Instant> {
    const FIRST: i64 = -2_208_988_800_000_000; // 1900-01-01T00:00:00Z
    const LAST: i64 = 4_133_980_799_999_999; // 2100-12-31T23:59:59.999999Z
    (FIRST..=LAST).prop_map(|micros| Instant::from_unix_micros(micros).expect("in range"))
}

/// Instants outside those years (year 1 to 1899, 2101 to 9999).
fn instant_out_of_range() -> impl Strategy<Value = Instant> {
    prop_oneof![
        -62_135_596_800_000_000..-2_208_988_800_000_000i64,
        4_133_980_800_000_000..=253_402_300_799_999_999i64,
    ]
    .prop_map(|micros| Instant::from_unix_micros(micros).expect("in range"))
}

/// A phone number as people type it: an optional +, 10 to 15 digits, spaces, dots or dashes
/// between them, blanks around.
fn typed_phone() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        proptest::collection::vec(
            (0..10u32, prop::sample::select(vec!["", "", " ", ".", "-"])),
            10..=15,
        ),
        " {0,2}",
        " {0,2}",
    )
        .prop_map(|(plus, digits, before, after)| {
            let mut phone = before;
            if plus {
                phone.push('+');
            }
            for (digit, separator) in digits {
                phone.push_str(&digit.to_string());
                phone.push_str(separator);
            }
            phone + &after
        })
}

// ---------------------------------------------------------------------------------------------
// NIR

proptest! {
    #[test]
    fn a_nir_with_its_computed_key_parses(body in nir_body()) {
        let nir = format!("{body}{:02}", nir_key(&body));
        prop_assert_eq!(Nir::parse(&nir).map(|n| n.as_str().to_string()), Ok(nir));
    }

    #[test]
    fn spaces_and_lower_case_are_read_as_the_same_nir(
        body in nir_body(),
        spaces in proptest::collection::vec(0..=15usize, 0..6),
    ) {
        let nir = format!("{body}{:02}", nir_key(&body));
        let mut typed = nir.to_lowercase();
        for position in spaces {
            typed.insert(position.min(typed.len()), ' ');
        }
        prop_assert_eq!(Nir::parse(&typed).map(|n| n.as_str().to_string()), Ok(nir));
    }

    #[test]
    fn any_other_key_is_refused(body in nir_body(), key in "[0-9+-]{2}") {
        prop_assume!(key != format!("{:02}", nir_key(&body)));
        prop_assert_eq!(Nir::parse(&format!("{body}{key}")), Err(ValueError::InvalidNir));
    }

    /// The key's purpose: one mistyped digit, or two adjacent digits swapped, is caught.
    #[test]
    fn a_typo_in_the_body_is_caught(
        body in nir_body(),
        position in 0..13usize,
        replacement in 0..10u8,
        swap in any::<bool>(),
    ) {
        let nir = format!("{body}{:02}", nir_key(&body));
        let mut typo = nir.clone().into_bytes();
        if swap && position < 12 {
            typo.swap(position, position + 1);
        } else if typo[position].is_ascii_digit() {
            typo[position] = b'0' + replacement;
        }
        let typo = String::from_utf8(typo).unwrap();
        prop_assume!(typo != nir);
        prop_assert_eq!(Nir::parse(&typo), Err(ValueError::InvalidNir));
    }

    #[test]
    fn any_text_parses_as_a_nir_or_is_refused_without_panicking(text in text()) {
        if let Ok(nir) = Nir::parse(&text) {
            prop_assert_eq!(nir.as_str().len(), 15);
            prop_assert!(nir.as_str().bytes().all(|b| b.is_ascii_digit() || b == b'A' || b == b'B'));
        }
    }
}

/// Found by `any_other_key_is_refused`: the key was read with `u64::from_str`, which takes a
/// leading +, so "…+8" was accepted (and stored as typed) for the key 08.
#[test]
fn a_key_with_a_sign_is_refused() {
    assert!(Nir::parse("807085819258708").is_ok());
    assert_eq!(Nir::parse("8070858192587+8"), Err(ValueError::InvalidNir));
}

// ---------------------------------------------------------------------------------------------
// Dates

proptest! {
    #[test]
    fn a_date_round_trips_through_its_text(date in date()) {
        let text = date.format("%Y-%m-%d").to_string();
        prop_assert_eq!(text.len(), 10);
        prop_assert_eq!(parse_date(&text), Ok(date));
    }

    #[test]
    fn any_text_parses_as_a_date_or_is_refused_without_panicking(text in text()) {
        let _ = parse_date(&text);
    }

    #[test]
    fn date_like_junk_never_panics(text in "[0-9+ -]{0,4}-?[0-9 ]{0,3}-?[0-9 ]{0,3}") {
        if let Ok(date) = parse_date(&text) {
            prop_assert!(date.year() <= 9999);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Phones

proptest! {
    #[test]
    fn a_typed_phone_is_accepted_trimmed(typed in typed_phone()) {
        prop_assert_eq!(parse_phone(&typed), Ok(typed.trim().to_string()));
    }

    #[test]
    fn phone_normalisation_is_idempotent(text in prop_oneof![typed_phone(), text()]) {
        if let Ok(phone) = parse_phone(&text) {
            prop_assert_eq!(parse_phone(&phone), Ok(phone.clone()));
            let digits = phone.chars().filter(char::is_ascii_digit).count();
            prop_assert!((10..=15).contains(&digits), "{phone}");
        }
    }

    #[test]
    fn too_few_or_too_many_digits_are_refused(digits in "[0-9]{0,9}|[0-9]{16,24}") {
        prop_assert_eq!(parse_phone(&digits), Err(ValueError::InvalidPhone));
    }
}

// ---------------------------------------------------------------------------------------------
// Identifiers

proptest! {
    #[test]
    fn an_id_round_trips_through_its_text(seed in any::<[u8; 16]>()) {
        let id = Id::from_seed(seed);
        prop_assert_eq!(Id::parse(&id.to_string()), Ok(id));
    }

    #[test]
    fn only_the_canonical_spelling_of_an_id_is_accepted(seed in any::<[u8; 16]>()) {
        let text = Id::from_seed(seed).to_string();
        prop_assert!(Id::parse(&text.replace('-', "")).is_err());
        let braced = format!("{{{text}}}");
        prop_assert!(Id::parse(&braced).is_err());
        if text.bytes().any(|b| b.is_ascii_alphabetic()) {
            prop_assert!(Id::parse(&text.to_uppercase()).is_err());
        }
    }

    #[test]
    fn any_text_parses_as_an_id_or_is_refused_without_panicking(
        text in prop_oneof![text(), "[0-9a-fA-F-]{30,40}"],
    ) {
        if let Ok(id) = Id::parse(&text) {
            prop_assert_eq!(id.to_string(), text);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Emails

proptest! {
    #[test]
    fn an_ordinary_address_is_accepted_trimmed_and_keyed_in_lower_case(
        local in "[A-Za-z0-9][A-Za-z0-9._+-]{0,20}",
        domain in "[A-Za-z0-9-]{1,20}(\\.[A-Za-z0-9-]{1,10}){1,3}",
        blanks in " {0,2}",
    ) {
        let address = format!("{local}@{domain}");
        let email = Email::parse(&format!("{blanks}{address}{blanks}")).unwrap();
        prop_assert_eq!(email.as_str(), address.as_str());
        prop_assert_eq!(email.key(), address.to_lowercase());
        prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
    }

    #[test]
    fn any_text_parses_as_an_email_or_is_refused_without_panicking(
        text in prop_oneof![text(), "[a-z@. ]{0,12}"],
    ) {
        if let Ok(email) = Email::parse(&text) {
            prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
            prop_assert!(!email.as_str().chars().any(char::is_whitespace));
            prop_assert!(email.as_str().len() <= Email::MAX_LEN);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Text folding

proptest! {
    #[test]
    fn sort_key_is_idempotent(text in text()) {
        let key = sort_key(&text);
        prop_assert_eq!(sort_key(&key), key.clone(), "{:?}", text);
    }

    #[test]
    fn sort_key_is_lower_case_without_marks_or_stray_spaces(text in text()) {
        let key = sort_key(&text);
        prop_assert_eq!(key.to_lowercase(), key.clone(), "{:?}", text);
        prop_assert!(!key.chars().any(is_combining_mark), "{:?} → {:?}", text, key);
        prop_assert_eq!(key.split_whitespace().collect::<Vec<_>>().join(" "), key.clone());
    }

    #[test]
    fn words_are_never_empty_nor_hold_a_separator(text in text()) {
        for word in words(&text) {
            prop_assert!(!word.is_empty());
            prop_assert!(word.chars().all(char::is_alphanumeric), "{:?}", word);
        }
    }

    /// On words' lengths (search compares words): the distance is quadratic in them.
    #[test]
    fn edit_distance_is_a_distance(a in text_up_to(12), b in text_up_to(12), c in text_up_to(12)) {
        let ab = edit_distance(&a, &b);
        prop_assert_eq!(ab, edit_distance(&b, &a));
        prop_assert_eq!(ab == 0, a == b);
        prop_assert_eq!(edit_distance(&a, &a), 0);
        prop_assert!(edit_distance(&a, &c) <= ab + edit_distance(&b, &c));
        let (len_a, len_b) = (a.chars().count(), b.chars().count());
        prop_assert!(len_a.abs_diff(len_b) <= ab && ab <= len_a.max(len_b));
    }
}

/// Found by `sort_key_is_idempotent`: the capital sharp s folded to "ß" (its lower case), which
/// folds again to "ss", so "GROẞ" and "Groß" had different keys and missed each other in search.
#[test]
fn capital_sharp_s_folds_like_the_small_one() {
    assert_eq!(sort_key("GROẞ"), "gross");
    assert_eq!(sort_key("Groß"), "gross");
}

// ---------------------------------------------------------------------------------------------
// Instants

proptest! {
    #[test]
    fn an_instant_round_trips_through_its_stored_text(instant in instant()) {
        let stored = instant.to_db();
        prop_assert_eq!(stored.len(), "2026-01-01T00:00:00.000000Z".len());
        prop_assert_eq!(Instant::parse(&stored), Ok(instant));
    }

    #[test]
    fn an_instant_outside_1900_to_2100_is_refused(instant in instant_out_of_range()) {
        prop_assert!(Instant::parse(&instant.to_db()).is_err());
    }

    /// The storage decision both dialects rely on: text order is time order.
    #[test]
    fn stored_text_orders_like_time(a in instant(), b in instant()) {
        prop_assert_eq!(a.to_db().cmp(&b.to_db()), a.cmp(&b));
    }

    #[test]
    fn any_text_parses_as_an_instant_or_is_refused_without_panicking(
        text in prop_oneof![text(), "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,16}(Z|[+-][0-9]{2}:[0-9]{2})"],
    ) {
        if let Ok(instant) = Instant::parse(&text) {
            prop_assert_eq!(Instant::parse(&instant.to_db()), Ok(instant));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Free text (the one text type)

/// Any text, with control characters, line breaks and bidirectional controls mixed in.
fn raw_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => text_char(),
            1 => prop::sample::select(vec!['\n', '\r', '\t', '\u{0}', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{202e}', '\u{2066}']),
        ],
        0..=40,
    )
    .prop_map(String::from_iter)
}

proptest! {
    /// What a line keeps is NFC, trimmed, without any control or bidirectional character, and
    /// taking it again changes nothing; what it refuses held one.
    #[test]
    fn a_line_is_clean_normalized_and_stable(raw in raw_text()) {
        use unicode_normalization::UnicodeNormalization;
        match Text::line(&raw) {
            Ok(Some(text)) => {
                let kept = text.as_str();
                prop_assert!(!kept.chars().any(|c| c.is_control()));
                prop_assert!(forbidden_character(kept).is_none());
                prop_assert_eq!(kept.trim(), kept);
                prop_assert_eq!(kept.nfc().collect::<String>(), kept);
                prop_assert_eq!(Text::line(kept), Ok(Some(text.clone())));
            }
            Ok(None) => prop_assert!(raw.trim().is_empty()),
            Err(_) => prop_assert!(forbidden_character(&raw).is_some()),
        }
    }

    /// A multi-line text keeps only newlines and tabs among control characters, and is stable.
    #[test]
    fn a_multiline_text_keeps_only_newlines_and_tabs(raw in raw_text()) {
        if let Ok(Some(text)) = Text::multiline(&raw) {
            let kept = text.as_str();
            prop_assert!(kept.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'));
            prop_assert!(!kept.contains('\r'));
            prop_assert_eq!(Text::multiline(kept), Ok(Some(text.clone())));
        }
    }
}
