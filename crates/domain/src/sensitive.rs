//! Sensitive data, listed once: the NIR, and what the law treats as health data (RQTH, the
//! health-related situations of the diagnostic, and later the contract's exemption reason).
//!
//! Where they may be shown is the access policy's business (`access`): the NIR to managers
//! only, health data in the full view only. Everywhere else — timeline events, audit rows,
//! emails, logs, exports — a change of one of them is *named*, never *copied*: the timeline says
//! « NIR modifié », not the numbers. [`redact`] is applied by the timeline and the audit log to
//! every before/after they store, so that a handler that forgets cannot leak.

use serde_json::Value;

/// A sensitive field of a notebook: its column or JSON key, and its French name.
pub struct SensitiveField {
    pub key: &'static str,
    pub label: &'static str,
}

/// Every sensitive field, by its key in bodies, rows and before/after states.
pub const SENSITIVE_FIELDS: &[SensitiveField] = &[
    SensitiveField {
        key: "nir",
        label: "NIR",
    },
    SensitiveField {
        key: "rqth",
        label: "RQTH",
    },
    SensitiveField {
        key: "exemption_reason",
        label: "motif de dispense",
    },
];

/// The diagnostic situations (codes of the reference list) that are health data: the « Santé »
/// theme, and the situations of other themes about a health condition or a disability.
pub const HEALTH_SITUATIONS: &[&str] = &[
    "SIT-050", // État de santé déclaré rendant incompatible la conduite (mobilité)
    "SIT-058", "SIT-059", "SIT-060", "SIT-061", "SIT-062", "SIT-063", "SIT-064",
    "SIT-065", // the « Santé » theme
    "SIT-071", // Enfant(s) en situation de handicap
    "SIT-072", // Problématique de santé d'un enfant
];

/// The theme whose situations, objectifs and actions are health data.
pub const HEALTH_THEME: &str = "sante";

/// What stands in a stored trace for a sensitive value that was set.
pub const REDACTED: &str = "(donnée protégée)";

/// The French name of a sensitive field, `None` for any other key.
pub fn sensitive_label(key: &str) -> Option<&'static str> {
    SENSITIVE_FIELDS
        .iter()
        .find(|field| field.key == key)
        .map(|field| field.label)
}

pub fn is_health_situation(code: &str) -> bool {
    HEALTH_SITUATIONS.contains(&code)
}

/// Replaces, anywhere in `value`, the value of a sensitive key (when set: `null` stays `null`,
/// so a trace still says whether it was empty) and any health situation's code by [`REDACTED`].
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if sensitive_label(key).is_some() {
                    if !inner.is_null() {
                        *inner = Value::String(REDACTED.into());
                    }
                } else {
                    redact(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        Value::String(text) if is_health_situation(text) => *text = REDACTED.into(),
        _ => {}
    }
}

/// The sensitive fields among `keys`, by their French names (for a summary that names them).
pub fn sensitive_labels<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<&'static str> {
    keys.into_iter().filter_map(sensitive_label).collect()
}

/// The timeline's summary of a situation added or removed (`verb`: « ajoutée », « retirée »):
/// a health situation is named as such, without its label.
pub fn situation_summary(code: &str, label: &str, verb: &str) -> String {
    if is_health_situation(code) {
        format!("Situation de santé {verb} (détail protégé)")
    } else {
        format!("Situation {verb} : {label}")
    }
}

/// A summary followed by the sensitive fields a change touched, named (« ; NIR modifié »).
pub fn summary_naming(summary: &str, changed_keys: &[&str]) -> String {
    let labels = sensitive_labels(changed_keys.iter().copied());
    if labels.is_empty() {
        summary.to_string()
    } else {
        format!("{summary} ; modifié : {}", labels.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sensitive_values_are_replaced_at_any_depth_and_nulls_kept() {
        let mut value = json!({
            "before": { "nir": "184127645108946", "rqth": false, "first_name": "Éloïse" },
            "after": { "nir": null, "rqth": true, "items": [{ "code": "SIT-060" }, { "code": "SIT-001" }] },
        });
        redact(&mut value);
        assert_eq!(
            value,
            json!({
                "before": { "nir": REDACTED, "rqth": REDACTED, "first_name": "Éloïse" },
                "after": { "nir": null, "rqth": REDACTED, "items": [{ "code": REDACTED }, { "code": "SIT-001" }] },
            })
        );
    }

    #[test]
    fn every_health_situation_is_named_and_others_are_not() {
        for code in HEALTH_SITUATIONS {
            assert!(is_health_situation(code));
        }
        assert!(!is_health_situation("SIT-001"));
        assert_eq!(
            sensitive_labels(["first_name", "nir", "rqth"]),
            ["NIR", "RQTH"]
        );
    }

    #[test]
    fn summaries_name_sensitive_fields_and_hide_health_labels() {
        assert_eq!(
            situation_summary("SIT-060", "Difficulté déclarée", "ajoutée"),
            "Situation de santé ajoutée (détail protégé)"
        );
        assert_eq!(
            situation_summary("SIT-001", "Autre type de logement", "retirée"),
            "Situation retirée : Autre type de logement"
        );
        assert_eq!(
            summary_naming("Identité mise à jour", &["first_name", "nir"]),
            "Identité mise à jour ; modifié : NIR"
        );
        assert_eq!(
            summary_naming("Diagnostic", &["education_level"]),
            "Diagnostic"
        );
    }
}
