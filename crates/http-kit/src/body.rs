//! Reading request data (a JSON body, a query string) into a handler's type, with French errors
//! for people and stable codes for programs. When serde names the field at fault (missing, of the
//! wrong type, unknown, repeated), the error is a field error on that field, so a form shows it
//! next to the field. Serde's own (English) text is logged, never sent.

use crate::validate::text_error_message;
use crate::{AppError, FieldError};
use carnet_domain::text::{forbidden_character, TextError};
use serde::de::DeserializeOwned;

/// The error of a body that is not JSON at all.
pub fn malformed() -> AppError {
    AppError::bad_request(
        "malformed_json",
        "Le corps de la demande n'est pas un JSON valide.",
    )
}

/// The error of a body that is JSON, but not an object.
fn not_an_object() -> AppError {
    AppError::Validation(vec![whole_body_error()])
}

/// Parses a JSON body: 400 `malformed_json` when it is not JSON, 422 `invalid_body` when it is
/// not an object (serde would read a struct from an array of its fields in order), 422 with field
/// errors when it is an object of the wrong shape.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let first = bytes.iter().find(|byte| !byte.is_ascii_whitespace());
    if first != Some(&b'{') {
        return match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => Err(not_an_object()),
            Err(_) => Err(malformed()),
        };
    }
    if may_hold_forbidden_characters(bytes) {
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|_| malformed())?;
        if let Some((path, error)) = forbidden_in(&value) {
            return Err(AppError::Validation(vec![forbidden_character_error(
                &path, error,
            )]));
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(value) => value,
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            if inner.is_syntax() || inner.is_eof() || inner.is_io() {
                return Err(malformed());
            }
            let field = field_error(&path, &inner.to_string());
            // The field and the code only: serde's text quotes the value sent (a NIR typed as a
            // number would reach the log).
            eprintln!("invalid JSON body: {path}: {}", field.code);
            return Err(AppError::Validation(vec![field]));
        }
    };
    deserializer.end().map_err(|_| malformed())?;
    Ok(value)
}

/// The error of a string holding a character no stored text may hold (a control character other
/// than newline, carriage return and tab, or a bidirectional control: see
/// [`carnet_domain::text::forbidden_character`]), on its field: the same code and message as the
/// one text type's, and checked here for every string of every body and query, so that none
/// reaches a store (PostgreSQL refuses a NUL outright).
pub(crate) fn forbidden_character_error(field: &str, error: TextError) -> FieldError {
    FieldError::new(field, "invalid_characters", text_error_message(error))
}

/// Whether a JSON text may hold such a character: a `\u` escape, DEL, or the UTF-8 of a C1
/// control (C2 80–9F) or of a bidirectional control (E2 80 AA–AE, E2 81 A6–A9). Raw control
/// characters below U+0020 are not JSON at all. A cheap scan, so that ordinary bodies are read
/// once.
fn may_hold_forbidden_characters(bytes: &[u8]) -> bool {
    bytes
        .windows(2)
        .any(|pair| matches!(pair, [b'\\', b'u'] | [0xC2, 0x80..=0x9F]) || pair[0] == 0x7F)
        || bytes.last() == Some(&0x7F)
        || bytes.windows(3).any(|triple| {
            matches!(
                triple,
                [0xE2, 0x80, 0xAA..=0xAE] | [0xE2, 0x81, 0xA6..=0xA9]
            )
        })
}

/// Where the first forbidden character is (`items[1].label`), in a string or in a key.
fn forbidden_in(value: &serde_json::Value) -> Option<(String, TextError)> {
    match value {
        serde_json::Value::String(text) => forbidden_character(text).map(|e| (String::new(), e)),
        serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            forbidden_in(item).map(|(rest, e)| (format!("[{i}]{}", dotted(&rest)), e))
        }),
        serde_json::Value::Object(map) => map.iter().find_map(|(key, item)| {
            if let Some(error) = forbidden_character(key) {
                return Some((String::new(), error));
            }
            forbidden_in(item).map(|(rest, e)| (format!("{key}{}", dotted(&rest)), e))
        }),
        _ => None,
    }
}

fn dotted(rest: &str) -> String {
    if rest.is_empty() || rest.starts_with('[') {
        rest.to_string()
    } else {
        format!(".{rest}")
    }
}

/// The first `…` quoted name in serde's message (`missing field `name``).
fn quoted(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let length = message[start..].find('`')?;
    Some(&message[start..start + length])
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// What was expected, in French, from serde's "expected …" text.
fn expected(message: &str) -> &'static str {
    let expected = message
        .split_once("expected ")
        .map_or("", |(_, rest)| rest)
        .split(" at line ")
        .next()
        .unwrap_or("");
    let integer = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    if expected.starts_with("a string") || expected.starts_with("a borrowed string") {
        "Texte attendu."
    } else if expected.starts_with("a boolean") {
        "Valeur attendue : vrai ou faux."
    } else if integer.contains(&expected) || expected.starts_with("an integer") {
        "Nombre entier attendu."
    } else if expected == "f32" || expected == "f64" || expected.starts_with("a number") {
        "Nombre attendu."
    } else if expected.starts_with("a sequence") || expected.starts_with("a list") {
        "Liste attendue."
    } else if expected.starts_with("struct ") || expected.starts_with("a map") {
        "Objet attendu."
    } else {
        "Valeur invalide pour ce champ."
    }
}

fn whole_body_error() -> FieldError {
    FieldError::new(
        "",
        "invalid_body",
        "Le contenu de la demande ne correspond pas à ce qui est attendu.",
    )
}

/// A field error from serde's error `message` at `path` (`.` for the body itself).
pub(crate) fn field_error(path: &str, message: &str) -> FieldError {
    // A path that does not start with a key (`.`, `[0]`) is not a field of the body's object.
    let path = if path == "." || path.starts_with('[') {
        ""
    } else {
        path
    };
    let name = quoted(message);
    // A missing or repeated key is reported at its object's path; an unknown key at its own.
    if let (true, Some(name)) = (message.starts_with("missing field "), name) {
        return FieldError::new(join(path, name), "required", "Ce champ est obligatoire.");
    }
    if let (true, Some(name)) = (message.starts_with("duplicate field "), name) {
        return FieldError::new(
            join(path, name),
            "duplicate_field",
            "Champ donné deux fois.",
        );
    }
    if path.is_empty() {
        return whole_body_error();
    }
    if message.starts_with("unknown field ") {
        return FieldError::new(path, "unknown_field", "Champ inconnu.");
    }
    if message.starts_with("invalid type: null,") {
        return FieldError::new(path, "required", "Ce champ est obligatoire.");
    }
    if message.starts_with("invalid type: ") {
        return FieldError::new(path, "invalid_type", expected(message));
    }
    FieldError::new(path, "invalid", "Valeur invalide pour ce champ.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        label: String,
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: Option<u32>,
        done: Option<bool>,
        items: Option<Vec<Inner>>,
        kind: Option<Kind>,
    }

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Social,
    }

    fn fields(json: &str) -> Vec<FieldError> {
        match parse_json::<Body>(json.as_bytes()) {
            Err(AppError::Validation(fields)) => fields,
            other => panic!("{json}: {other:?}"),
        }
    }

    fn one(json: &str) -> (String, &'static str, String) {
        let fields = fields(json);
        assert_eq!(fields.len(), 1, "{fields:?}");
        let field = fields.into_iter().next().unwrap();
        assert!(
            !field.message.contains("expected") && !field.message.contains("line"),
            "no serde text: {}",
            field.message
        );
        (field.field, field.code, field.message)
    }

    #[test]
    fn a_missing_field_is_named() {
        let (field, code, message) = one(r#"{}"#);
        assert_eq!((field.as_str(), code), ("name", "required"));
        assert_eq!(message, "Ce champ est obligatoire.");
        let (field, code, _) = one(r#"{"name": null}"#);
        assert_eq!((field.as_str(), code), ("name", "required"));
        let (field, code, _) = one(r#"{"name": "a", "items": [{"label": "x"}, {}]}"#);
        assert_eq!((field.as_str(), code), ("items[1].label", "required"));
    }

    #[test]
    fn a_field_of_the_wrong_type_is_named_in_french() {
        assert_eq!(
            one(r#"{"name": 12}"#),
            ("name".into(), "invalid_type", "Texte attendu.".into())
        );
        assert_eq!(
            one(r#"{"name": "a", "count": "trois"}"#),
            (
                "count".into(),
                "invalid_type",
                "Nombre entier attendu.".into()
            )
        );
        assert_eq!(one(r#"{"name": "a", "done": "oui"}"#).1, "invalid_type");
        assert_eq!(
            one(r#"{"name": "a", "count": -1}"#),
            (
                "count".into(),
                "invalid",
                "Valeur invalide pour ce champ.".into()
            )
        );
        assert_eq!(
            one(r#"{"name": "a", "kind": "pro"}"#),
            (
                "kind".into(),
                "invalid",
                "Valeur invalide pour ce champ.".into()
            )
        );
    }

    #[test]
    fn unknown_and_duplicate_fields_are_named() {
        assert_eq!(
            one(r#"{"name": "a", "colour": 1}"#),
            ("colour".into(), "unknown_field", "Champ inconnu.".into())
        );
        assert_eq!(
            one(r#"{"name": "a", "items": [{"label": "x", "size": 2}]}"#).0,
            "items[0].size"
        );
        assert_eq!(
            one(r#"{"name": "a", "name": "b"}"#),
            (
                "name".into(),
                "duplicate_field",
                "Champ donné deux fois.".into()
            )
        );
    }

    #[test]
    fn a_body_of_the_wrong_shape_is_one_error_on_the_whole_body() {
        for text in ["[1, 2]", "12", "\"texte\""] {
            let (field, code, message) = one(text);
            assert_eq!((field.as_str(), code), ("", "invalid_body"), "{text}");
            assert!(message.starts_with("Le contenu de la demande"));
        }
        // Serde reads a struct from the array of its fields in order: an array is still refused.
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct OneField {
            theme: String,
        }
        for text in [r#"["numerique"]"#, " [\"numerique\"] ", "null", "true"] {
            match parse_json::<OneField>(text.as_bytes()) {
                Err(AppError::Validation(fields)) => assert_eq!(fields[0].code, "invalid_body"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_forbidden_character_is_refused_on_its_field() {
        let (field, code, message) = one(r#"{"name": "a\u0000b"}"#);
        assert_eq!((field.as_str(), code), ("name", "invalid_characters"));
        assert!(message.contains("U+0000"), "{message}");
        let (field, _, _) = one(r#"{"name": "a", "items": [{"label": "x"}, {"label": "\u0000"}]}"#);
        assert_eq!(field, "items[1].label");
        for body in [
            "{\"name\": \"bip\\u0007\"}",
            "{\"name\": \"x\u{7f}\"}",
            "{\"name\": \"c1\u{85}\"}",
            "{\"name\": \"abc\u{202e}fdp\"}",
            "{\"name\": \"\u{2066}x\"}",
            "{\"name\": \"abc\\u202Efdp\"}",
        ] {
            let (field, code, _) = one(body);
            assert_eq!(
                (field.as_str(), code),
                ("name", "invalid_characters"),
                "{body}"
            );
        }
        // An escaped backslash followed by `u0000` is text, not a NUL; newlines and tabs pass.
        assert!(parse_json::<Body>(br#"{"name": "a\\u0000"}"#).is_ok());
        assert!(parse_json::<Body>(br#"{"name": "ligne\nsuite\tfin"}"#).is_ok());
        assert!(parse_json::<Body>("{\"name\": \"Éloïse — Zoé\"}".as_bytes()).is_ok());
    }

    #[test]
    fn what_is_not_json_is_malformed() {
        for text in [
            "{not json",
            "",
            r#"{"name": "a"} trailing"#,
            r#"{"name": "a""#,
        ] {
            match parse_json::<Body>(text.as_bytes()) {
                Err(AppError::BadRequest { code, .. }) => assert_eq!(code, "malformed_json"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(parse_json::<Body>(br#"{"name": "a", "count": 3}"#).is_ok());
    }
}
