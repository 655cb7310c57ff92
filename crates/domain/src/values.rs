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
    #[error("NIR invalide : 15 caractères et une clé de contrôle exacte")]
    InvalidNir,
    #[error("date invalide (AAAA-MM-JJ)")]
    InvalidDate,
    #[error("date hors limites : entre le 01/01/1900 et le 31/12/2100")]
    DateOutOfRange,
    #[error("date de naissance impossible : ni dans le futur, ni avant 1900")]
    BirthDateOutOfRange,
    #[error("numéro de téléphone invalide")]
    InvalidPhone,
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
        if text.is_empty()
            || text.len() > Self::MAX_LEN
            || text.chars().any(|c| c.is_whitespace() || c.is_control())
            || crate::text::forbidden_character(text).is_some()
        {
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

/// A NIR (numéro de sécurité sociale): 13 characters (Corsica: 2A/2B in the département) and a
/// 2-digit key equal to 97 − (number mod 97). Spaces are ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nir(String);

impl Nir {
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if compact.len() != 15 || !compact.is_ascii() {
            return Err(ValueError::InvalidNir);
        }
        let (body, key) = compact.split_at(13);
        // Corsica: 2A counts as 19, 2B as 18, in the number used for the key.
        let numeric = match &body[5..7] {
            "2A" => format!("{}19{}", &body[..5], &body[7..]),
            "2B" => format!("{}18{}", &body[..5], &body[7..]),
            _ => body.to_string(),
        };
        let number: u64 = numeric.parse().map_err(|_| ValueError::InvalidNir)?;
        // Two digits: `u64::from_str` alone would also take "+8".
        if !key.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValueError::InvalidNir);
        }
        let key: u64 = key.parse().map_err(|_| ValueError::InvalidNir)?;
        if !matches!(&body[..1], "1" | "2" | "3" | "4" | "7" | "8") || 97 - number % 97 != key {
            return Err(ValueError::InvalidNir);
        }
        Ok(Nir(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl ValueError {
    /// The stable code of the error in a 422 answer.
    pub fn code(&self) -> &'static str {
        match self {
            ValueError::DateOutOfRange | ValueError::BirthDateOutOfRange => "out_of_range",
            _ => "invalid",
        }
    }
}

/// The earliest and latest dates the service takes (a year 0000 or 9999 is a typing error).
pub const EARLIEST_DATE: (i32, u32, u32) = (1900, 1, 1);
pub const LATEST_DATE: (i32, u32, u32) = (2100, 12, 31);

fn within_bounds(date: chrono::NaiveDate) -> bool {
    let bound = |(y, m, d)| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("a valid bound");
    (bound(EARLIEST_DATE)..=bound(LATEST_DATE)).contains(&date)
}

/// A calendar date written exactly `YYYY-MM-DD` (no sign, space or single digit), between 1900
/// and 2100.
pub fn parse_date(text: &str) -> Result<chrono::NaiveDate, ValueError> {
    let canonical = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !canonical {
        return Err(ValueError::InvalidDate);
    }
    let date =
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| ValueError::InvalidDate)?;
    if !within_bounds(date) {
        return Err(ValueError::DateOutOfRange);
    }
    Ok(date)
}

/// A birth date: a date ([`parse_date`]) that is not after `today`.
pub fn parse_birth_date(
    text: &str,
    today: chrono::NaiveDate,
) -> Result<chrono::NaiveDate, ValueError> {
    match parse_date(text) {
        Ok(date) if date > today => Err(ValueError::BirthDateOutOfRange),
        Err(ValueError::DateOutOfRange) => Err(ValueError::BirthDateOutOfRange),
        other => other,
    }
}

/// A phone number: digits with optional spaces, dots, dashes and a leading +; 10 to 15 digits.
pub fn parse_phone(text: &str) -> Result<String, ValueError> {
    let trimmed = text.trim();
    let allowed = trimmed
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-') || (c == '+' && i == 0));
    let digits = trimmed.chars().filter(char::is_ascii_digit).count();
    if !allowed || !(10..=15).contains(&digits) {
        return Err(ValueError::InvalidPhone);
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn nir_key_and_shape() {
        // 1 84 12 76 451 089 key 46 (a published example).
        assert!(Nir::parse("1 84 12 76 451 089 46").is_ok());
        assert!(Nir::parse("184127645108947").is_err(), "wrong key");
        assert!(Nir::parse("18412764510894").is_err(), "too short");
        assert!(Nir::parse("584127645108946").is_err(), "wrong sex digit");
        let corsica_body = "1841 22A 451 089".replace(' ', "");
        let number: u64 = corsica_body.replace("2A", "19").parse().unwrap();
        let key = 97 - number % 97;
        assert!(Nir::parse(&format!("{corsica_body}{key:02}")).is_ok());
    }

    #[test]
    fn dates_and_phones() {
        assert!(parse_date("2026-02-28").is_ok());
        assert!(parse_date("2026-02-30").is_err());
        assert!(parse_date("28/02/2026").is_err());
        assert!(parse_phone("06 12 34 56 78").is_ok());
        assert!(parse_phone("+33 6 12 34 56 78").is_ok());
        assert!(parse_phone("06 12").is_err());
        assert!(parse_phone("06 12 34 56 7a").is_err());
    }

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
