//! The folded forms a beneficiary is found and compared by: the name key (accents and case
//! aside, last name first) and the phone key (digits, `+33` as `0`). Stored, never shown.

use carnet_domain::text::sort_key;

/// The folded « last name first name », by which notebooks are sorted and compared.
pub fn name_key(first_name: &str, last_name: &str) -> String {
    sort_key(&format!("{last_name} {first_name}"))
}

/// A phone number's digits, by which it is searched.
pub fn phone_key(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    // +33 6 12 34 56 78 and 06 12 34 56 78 are the same number.
    match digits.strip_prefix("33") {
        Some(rest) if rest.len() == 9 => format!("0{rest}"),
        _ => digits,
    }
}
