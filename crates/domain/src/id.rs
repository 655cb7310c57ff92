//! Identifiers: UUID v4, stored everywhere as their canonical lowercase hyphenated text
//! (`TEXT` in both SQLite and PostgreSQL, so that one parameter type serves both dialects).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Id(uuid::Uuid);

impl Id {
    pub fn new_random() -> Self {
        Id(uuid::Uuid::new_v4())
    }

    /// A deterministic id from 16 bytes (demo data): a valid UUID v4 shape.
    pub fn from_seed(bytes: [u8; 16]) -> Self {
        Id(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    /// Parses the canonical text form; any other spelling (braces, upper case, no hyphens) is
    /// refused so that one id has exactly one stored form.
    pub fn parse(text: &str) -> Result<Self, crate::ValueError> {
        let parsed = uuid::Uuid::try_parse(text).map_err(|_| crate::ValueError::InvalidId)?;
        if parsed.hyphenated().to_string() != text {
            return Err(crate::ValueError::InvalidId);
        }
        Ok(Id(parsed))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.hyphenated())
    }
}

impl TryFrom<String> for Id {
    type Error = crate::ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Id::parse(&value)
    }
}

impl From<Id> for String {
    fn from(value: Id) -> Self {
        value.to_string()
    }
}

impl utoipa::PartialSchema for Id {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::Custom("uuid".into())))
            .description(Some("Identifiant (UUID v4, en minuscules, avec tirets)."))
            .examples([serde_json::json!("0b6f3c2e-5f7a-4c1d-9a3e-2f1d4b6c8e90")])
            .into()
    }
}

impl utoipa::ToSchema for Id {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_round_trips() {
        let id = Id::new_random();
        assert_eq!(Id::parse(&id.to_string()).unwrap(), id);
    }

    #[test]
    fn other_spellings_are_refused() {
        let id = Id::new_random().to_string();
        assert!(Id::parse(&id.to_uppercase()).is_err());
        assert!(Id::parse(&id.replace('-', "")).is_err());
        assert!(Id::parse("not-an-id").is_err());
    }
}
