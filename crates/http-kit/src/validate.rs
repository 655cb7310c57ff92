//! Field-by-field validation that collects every error before answering 422: text is trimmed,
//! lengths bounded, values parsed into domain types; nothing is written unless all pass.

use crate::{AppError, FieldError};
use carnet_domain::text::{Text, TextError};
use carnet_domain::ValueError;

#[derive(Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn error(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    /// One line of free text ([`Text::line`]: NFC, trimmed, inner white space collapsed, no
    /// control or bidirectional character), at most `max` characters; `None` when blank.
    pub fn text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        self.checked(field, Text::line(value?), max)
    }

    /// Like [`Validator::text`], and required.
    pub fn required(&mut self, field: &str, value: Option<&str>, max: usize) -> String {
        self.required_with(field, value, Text::line, max)
    }

    /// Free text of several lines ([`Text::multiline`]: line breaks and tabs kept), required.
    pub fn required_multiline(&mut self, field: &str, value: Option<&str>, max: usize) -> String {
        self.required_with(field, value, Text::multiline, max)
    }

    fn required_with(
        &mut self,
        field: &str,
        value: Option<&str>,
        parse: impl FnOnce(&str) -> Result<Option<Text>, TextError>,
        max: usize,
    ) -> String {
        let parsed = value.map(parse);
        if matches!(parsed, None | Some(Ok(None))) {
            self.error(field, "required", "Ce champ est obligatoire.");
            return String::new();
        }
        parsed
            .and_then(|parsed| self.checked(field, parsed, max))
            .unwrap_or_default()
    }

    fn checked(
        &mut self,
        field: &str,
        parsed: Result<Option<Text>, TextError>,
        max: usize,
    ) -> Option<String> {
        match parsed {
            Err(error) => {
                self.error(field, "invalid_characters", text_error_message(error));
                None
            }
            Ok(Some(text)) if text.len_chars() > max => {
                self.error(field, "too_long", format!("{max} caractères au plus."));
                None
            }
            Ok(text) => text.map(Text::into_string),
        }
    }

    /// An optional value parsed by `parse`; its error message is the domain's.
    pub fn parsed<T>(
        &mut self,
        field: &str,
        value: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Option<T> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        match parse(value) {
            Ok(parsed) => Some(parsed),
            Err(error) => {
                self.error(field, error.code(), capitalize(&error.to_string()));
                None
            }
        }
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors collected, for a caller that gathers them with others.
    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.errors))
        }
    }
}

/// The French message of a refused text, the same for every field.
pub fn text_error_message(error: TextError) -> String {
    format!("Ce texte contient un {error} : retirez-le.")
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

/// Checks a page and page size (page ≥ 1, 1 ≤ per_page ≤ 100, default 20), adding an error per
/// field to `errors`; returns them with their defaults.
pub fn paging_into(
    page: Option<i64>,
    per_page: Option<i64>,
    errors: &mut Vec<FieldError>,
) -> (i64, i64) {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(20);
    if !(1..=100_000).contains(&page) {
        errors.push(FieldError::new(
            "page",
            "out_of_range",
            "Page entre 1 et 100 000.",
        ));
    }
    if !(1..=100).contains(&per_page) {
        errors.push(FieldError::new(
            "per_page",
            "out_of_range",
            "Entre 1 et 100 éléments par page.",
        ));
    }
    (page, per_page)
}

/// Whether a field of a partial update was sent as an empty text: where the field may be empty,
/// that clears it (absent leaves it as it is).
pub fn emptied(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.trim().is_empty())
}

/// Page and page size, validated (see [`paging_into`]).
pub fn paging(page: Option<i64>, per_page: Option<i64>) -> Result<(i64, i64), AppError> {
    let mut errors = Vec::new();
    let paged = paging_into(page, per_page, &mut errors);
    if errors.is_empty() {
        Ok(paged)
    } else {
        Err(AppError::Validation(errors))
    }
}
