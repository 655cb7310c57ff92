//! The HTTP kit every component uses: one error type turned into JSON, the settings, the request
//! context, security headers, and the adapters that run a component's axum router under Spin.
//! Components stay thin: `routes → handlers → repositories`, with everything shared here.

pub mod auth;
pub mod body;
pub mod config;
pub mod context;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod openapi;
pub mod platform;
pub mod routing;
#[cfg(target_arch = "wasm32")]
pub mod spin;
pub mod validate;

pub use config::{Config, DatabaseKind, EmailProvider};
pub use context::{ClientAddr, Ctx};
pub use error::{AppError, FieldError};
pub use platform::{AppState, Platform};
