//! Native settings: the Spin variable names, read from environment variables of the same name in
//! upper case (`public_url` ↔ `PUBLIC_URL`).

use std::collections::HashMap;

/// Every setting the native server passes on, beyond the ones `carnet_http::config` reads.
pub const NATIVE_SETTINGS: &[&str] = &["static_dir"];

pub fn from_env() -> HashMap<String, String> {
    carnet_http::config::SETTINGS
        .iter()
        .chain(NATIVE_SETTINGS)
        .filter_map(|name| {
            std::env::var(name.to_uppercase())
                .ok()
                .map(|value| (name.to_string(), value))
        })
        .collect()
}
