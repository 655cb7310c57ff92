use carnet_store::{Db, StoreError};
use std::sync::Arc;

/// What differs between Spin and the native server: where settings come from and how a database
/// connection is opened. Everything above this trait is the same code on both runtimes.
#[async_trait::async_trait]
pub trait Platform: Send + Sync + 'static {
    /// A setting by its Spin variable name (lower case, e.g. `public_url`). Natively the same
    /// name in upper case is read from the environment (`PUBLIC_URL`).
    async fn setting(&self, name: &str) -> Option<String>;
    /// Opens the store the settings designate.
    async fn open_db(&self, config: &crate::Config) -> Result<Db, StoreError>;
    /// Sends a JSON POST (email provider, webhook); returns the status code, or why it failed.
    async fn post_json(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: &serde_json::Value,
    ) -> Result<u16, String>;
}

/// The state every component router carries.
#[derive(Clone)]
pub struct AppState {
    pub platform: Arc<dyn Platform>,
    /// The component's name, reported by the health endpoint.
    pub component: &'static str,
}

impl AppState {
    pub fn new(platform: Arc<dyn Platform>, component: &'static str) -> Self {
        AppState {
            platform,
            component,
        }
    }
}
