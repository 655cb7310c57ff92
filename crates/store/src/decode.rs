//! Typed rows: a row read back becomes any `Deserialize` type, by column name, written once for
//! every repository and both dialects.
//!
//! ```ignore
//! #[derive(Deserialize)]
//! struct Card { id: Id, first_name: String, has_referent: bool, rqth: Option<bool> }
//! let cards: Vec<Card> = db.query_as("SELECT id, first_name, has_referent, rqth FROM …", &[]).await?;
//! ```
//!
//! A field whose column the query does not return is an error (`StoreError::Decode` naming the
//! field), so a misnamed column fails the first test that reads it, on either store — never a
//! silent `null`. Columns the type does not name are ignored. `Option<T>` reads SQL `NULL` as
//! `None`; `bool` reads PostgreSQL booleans and SQLite's 0/1; numbers read as any Rust number
//! type that holds them; text reads as `String` or any type that deserializes from a string
//! (`Id`, dates, enums with `#[serde(rename_all = …)]`).

use crate::{Row, StoreError, Value};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use std::fmt;

impl Row {
    /// This row as `T`, its fields read from the columns of the same names.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, StoreError> {
        T::deserialize(RowDeserializer { row: self })
            .map_err(|error: DecodeError| StoreError::Decode(error.0))
    }
}

/// Decodes every row as `T`.
pub fn decode_all<T: DeserializeOwned>(rows: &[Row]) -> Result<Vec<T>, StoreError> {
    rows.iter().map(Row::decode).collect()
}

/// `#[serde(deserialize_with = "carnet_store::decode::json_text")]`: a column holding JSON
/// text, read as the value it encodes.
pub fn json_text<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: de::Deserializer<'de>,
    T: DeserializeOwned,
{
    let text = <String as serde::Deserialize>::deserialize(deserializer)?;
    serde_json::from_str(&text).map_err(de::Error::custom)
}

/// `#[serde(default, deserialize_with = "carnet_store::decode::optional_json_text")]`: the
/// same, for a column that may be `NULL`.
pub fn optional_json_text<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: de::Deserializer<'de>,
    T: DeserializeOwned,
{
    match <Option<String> as serde::Deserialize>::deserialize(deserializer)? {
        Some(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(de::Error::custom),
        None => Ok(None),
    }
}

#[derive(Debug)]
struct DecodeError(String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        DecodeError(message.to_string())
    }

    fn missing_field(field: &'static str) -> Self {
        DecodeError(format!("colonne absente : {field}"))
    }
}

struct RowDeserializer<'a> {
    row: &'a Row,
}

impl<'de> de::Deserializer<'de> for RowDeserializer<'_> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_map(Columns {
            row: self.row,
            next: 0,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// The row's columns as a map; an error decoding a value names its column.
struct Columns<'a> {
    row: &'a Row,
    next: usize,
}

impl<'de> de::MapAccess<'de> for Columns<'_> {
    type Error = DecodeError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        match self.row.columns().get(self.next) {
            Some(column) => seed
                .deserialize(column.as_str().into_deserializer())
                .map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        let column = &self.row.columns()[self.next];
        let value = &self.row.values()[self.next];
        self.next += 1;
        seed.deserialize(ValueDeserializer { value, column })
            .map_err(|error| {
                if error.0.starts_with("colonne ") {
                    error
                } else {
                    DecodeError(format!("colonne {column} : {}", error.0))
                }
            })
    }
}

struct ValueDeserializer<'a> {
    value: &'a Value,
    column: &'a str,
}

impl ValueDeserializer<'_> {
    fn wrong(&self, expected: &str) -> DecodeError {
        DecodeError(format!("colonne {} : {expected} attendu", self.column))
    }
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'_> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Int(int) => visitor.visit_i64(*int),
            Value::Real(real) => visitor.visit_f64(*real),
            Value::Text(text) => visitor.visit_str(text),
            Value::Bool(b) => visitor.visit_bool(*b),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.value {
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(0) => visitor.visit_bool(false),
            Value::Int(1) => visitor.visit_bool(true),
            _ => Err(self.wrong("booléen")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match self.value {
            Value::Text(text) => visitor.visit_enum(text.as_str().into_deserializer()),
            _ => Err(self.wrong("texte")),
        }
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;
    use std::sync::Arc;

    fn row(columns: &[&str], values: Vec<Value>) -> Row {
        let columns: Arc<[String]> = columns.iter().map(|c| c.to_string()).collect();
        Row::new(columns, values)
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Card {
        id: carnet_domain::Id,
        first_name: String,
        has_referent: bool,
        rqth: Option<bool>,
        count: i32,
        ratio: f64,
        kind: Kind,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Referent,
        NoReferent,
    }

    #[test]
    fn a_row_decodes_by_column_name_whatever_the_order_and_the_dialect() {
        let id = carnet_domain::Id::new_random();
        let sqlite = row(
            &[
                "kind",
                "ratio",
                "count",
                "rqth",
                "has_referent",
                "first_name",
                "id",
                "extra",
            ],
            vec![
                Value::Text("no_referent".into()),
                Value::Int(2),
                Value::Int(7),
                Value::Null,
                Value::Int(1),
                Value::Text("Léa".into()),
                Value::Text(id.to_string()),
                Value::Text("ignored".into()),
            ],
        );
        let card: Card = sqlite.decode().unwrap();
        assert_eq!(
            card,
            Card {
                id,
                first_name: "Léa".into(),
                has_referent: true,
                rqth: None,
                count: 7,
                ratio: 2.0,
                kind: Kind::NoReferent,
            }
        );
        let postgres = row(
            &[
                "id",
                "first_name",
                "has_referent",
                "rqth",
                "count",
                "ratio",
                "kind",
            ],
            vec![
                Value::Text(id.to_string()),
                Value::Text("Léa".into()),
                Value::Bool(false),
                Value::Bool(true),
                Value::Int(7),
                Value::Real(0.5),
                Value::Text("referent".into()),
            ],
        );
        let card: Card = postgres.decode().unwrap();
        assert!(!card.has_referent);
        assert_eq!(card.rqth, Some(true));
        assert_eq!(card.kind, Kind::Referent);
    }

    #[test]
    fn a_missing_or_mistyped_column_is_an_error_naming_it() {
        let misnamed = row(&["identifier"], vec![Value::Text("x".into())]);
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Only {
            id: String,
        }
        let error = misnamed.decode::<Only>().unwrap_err().to_string();
        assert!(error.contains("colonne absente : id"), "{error}");

        let mistyped = row(&["id"], vec![Value::Int(3)]);
        let error = mistyped.decode::<Only>().unwrap_err().to_string();
        assert!(error.contains("colonne id"), "{error}");

        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Flag {
            flag: bool,
        }
        let error = row(&["flag"], vec![Value::Int(2)])
            .decode::<Flag>()
            .unwrap_err()
            .to_string();
        assert!(error.contains("colonne flag : booléen attendu"), "{error}");
        let error = row(&["flag"], vec![Value::Null])
            .decode::<Flag>()
            .unwrap_err()
            .to_string();
        assert!(error.contains("colonne flag"), "{error}");
    }

    #[test]
    fn json_columns_read_as_the_value_they_hold() {
        #[derive(Deserialize, Debug)]
        struct Extra {
            #[serde(deserialize_with = "json_text")]
            required: serde_json::Value,
            #[serde(default, deserialize_with = "optional_json_text")]
            optional: Option<serde_json::Value>,
        }
        let read: Extra = row(
            &["required", "optional"],
            vec![Value::Text(r#"{"a":1}"#.into()), Value::Null],
        )
        .decode()
        .unwrap();
        assert_eq!(read.required, json!({"a": 1}));
        assert_eq!(read.optional, None);
        let error = row(&["required"], vec![Value::Text("{".into())])
            .decode::<Extra>()
            .unwrap_err();
        assert!(error.to_string().contains("required"), "{error}");
    }
}
