//! Validated values: a value of these types cannot exist unless it is valid.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("identifiant invalide")]
    InvalidId,
    #[error("date et heure invalides (format attendu : RFC 3339)")]
    InvalidInstant,
    #[error("fuseau horaire inconnu")]
    InvalidTimeZone,
    #[error("adresse électronique invalide")]
    InvalidEmail,
    #[error("rôle inconnu")]
    InvalidRole,
    #[error("ce rôle ne s'exerce pas dans ce périmètre")]
    InvalidScope,
}

/// An email address as typed (trimmed), with its case-folded key. Two addresses that differ only
/// by case are the same person: uniqueness is enforced on `key()` in both stores.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let text = text.trim();
        if text.is_empty() || text.len() > Self::MAX_LEN || text.chars().any(char::is_whitespace) {
            return Err(ValueError::InvalidEmail);
        }
        let (local, domain) = text.rsplit_once('@').ok_or(ValueError::InvalidEmail)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return Err(ValueError::InvalidEmail);
        }
        Ok(Email(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The uniqueness key: the whole address in lower case.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_keys_them_case_insensitively() {
        let email = Email::parse("  Camille.Martin@Departement.FR ").unwrap();
        assert_eq!(email.as_str(), "Camille.Martin@Departement.FR");
        assert_eq!(email.key(), "camille.martin@departement.fr");
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in [
            "", "camille", "camille@", "@x.fr", "a b@x.fr", "a@x", "a@.fr", "a@x..fr",
        ] {
            assert_eq!(Email::parse(bad), Err(ValueError::InvalidEmail), "{bad}");
        }
        let long = format!("{}@x.fr", "a".repeat(300));
        assert!(Email::parse(&long).is_err());
    }
}
