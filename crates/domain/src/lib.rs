//! Pure domain of Carnet de bord: validated values, identifiers, instants, text folding and the
//! reference lists' shapes. Nothing here performs I/O, so every rule is unit-tested here and the
//! crate compiles unchanged for `wasm32-wasip2` and natively.

pub mod id;
pub mod instant;
pub mod text;
pub mod values;

pub use id::Id;
pub use instant::{Instant, TimeZoneSetting};
pub use values::{Email, ValueError};
