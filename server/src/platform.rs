use async_trait::async_trait;
use carnet_http::{Config, Platform};
use carnet_store::native::NativeStore;
use carnet_store::{Db, StoreError};
use std::collections::HashMap;

/// The native platform: settings given at start (from the environment, or by the tests), and a
/// pooled native store opened from those same settings.
pub struct NativePlatform {
    settings: HashMap<String, String>,
    store: NativeStore,
    http: reqwest::Client,
}

impl NativePlatform {
    pub fn new(settings: HashMap<String, String>, store: NativeStore) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("HTTP client");
        NativePlatform {
            settings,
            store,
            http,
        }
    }

    /// Opens the store named by the settings (`database_kind`, `database_url`).
    pub fn from_settings(settings: HashMap<String, String>) -> anyhow::Result<Self> {
        let kind = settings
            .get("database_kind")
            .map(String::as_str)
            .unwrap_or("sqlite");
        let url = settings.get("database_url").cloned();
        let store = match (kind, url) {
            ("postgres", Some(url)) => NativeStore::postgres(url),
            ("postgres", None) => anyhow::bail!("réglage « database_url » manquant (DATABASE_URL)"),
            (_, Some(path)) => NativeStore::sqlite(path),
            (_, None) => NativeStore::sqlite("data/carnet.sqlite"),
        };
        Ok(NativePlatform::new(settings, store))
    }

    pub fn store(&self) -> &NativeStore {
        &self.store
    }
}

#[async_trait]
impl Platform for NativePlatform {
    async fn setting(&self, name: &str) -> Option<String> {
        self.settings.get(name).cloned()
    }

    async fn open_db(&self, _config: &Config) -> Result<Db, StoreError> {
        self.store.connect().await
    }

    async fn post_json(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: &serde_json::Value,
    ) -> Result<u16, String> {
        let mut request = self.http.post(url).json(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        request
            .send()
            .await
            .map(|response| response.status().as_u16())
            .map_err(|error| error.to_string())
    }
}
