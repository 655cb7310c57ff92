//! Pure domain of Carnet de bord: validated values, identifiers, instants, text folding and the
//! reference lists' shapes. Nothing here performs I/O, so every rule is unit-tested here and the
//! crate compiles unchanged for `wasm32-wasip2` and natively.

pub mod access;
pub mod emails;
pub mod id;
pub mod instant;
pub mod roles;
pub mod sensitive;
pub mod text;
pub mod values;

pub use chrono::NaiveDate;
pub use id::Id;
pub use instant::{Instant, TimeZoneSetting};
pub use roles::{Assignment, Role, Scope};

/// The version of the terms of use (CGU) staff must accept; changing it asks everyone again.
pub const CGU_VERSION: &str = "2026-11-28";
pub use values::{parse_birth_date, parse_date, parse_phone, Email, Nir, ValueError};
