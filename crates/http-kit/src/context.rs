//! The request context: settings, an open store connection with a current schema, the clock,
//! and the client's address. Built once per request by the `Ctx` extractor.

use crate::{AppError, AppState, Config};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use carnet_domain::Instant;
use carnet_store::{migrations, params, Db};

/// The header that carries the client's address: Spin sets `spin-client-addr`; the native server
/// sets it from the peer address after removing any copy sent by the client.
pub const CLIENT_ADDR_HEADER: &str = "spin-client-addr";
/// Test mode only: make every write after the N-th fail, to prove handlers never half-write.
pub const FAULT_HEADER: &str = "x-carnet-test-fail-after-writes";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub String);

pub struct Ctx {
    pub config: Config,
    pub db: Db,
    /// The request's instant: the system clock, or the test clock in test mode.
    pub now: Instant,
    pub client_addr: Option<ClientAddr>,
    pub component: &'static str,
    platform: std::sync::Arc<dyn crate::Platform>,
}

impl Ctx {
    /// A JSON POST to the outside (email provider): through Spin's outbound HTTP or natively.
    pub async fn platform_post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: &serde_json::Value,
    ) -> Result<u16, String> {
        self.platform.post_json(url, headers, body).await
    }
}

/// Reads the settings and opens the store, without checking the schema (for health).
pub async fn open_store(state: &AppState) -> Result<(Config, Db), AppError> {
    let config = Config::load(state.platform.as_ref()).await?;
    let db = state.platform.open_db(&config).await?;
    Ok((config, db))
}

/// `203.0.113.7:51234` → `203.0.113.7`; `[::1]:80` → `::1`.
fn ip_only(addr: &str) -> String {
    if let Ok(socket) = addr.parse::<std::net::SocketAddr>() {
        return socket.ip().to_string();
    }
    addr.to_string()
}

pub fn system_now() -> Instant {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    let micros = i64::try_from(since_epoch.as_micros()).expect("in range");
    Instant::from_unix_micros(micros).expect("in range")
}

/// The clock: in test mode the `test_clock` row when one is set.
pub async fn current_instant(config: &Config, db: &Db) -> Result<Instant, AppError> {
    if config.test_mode {
        if let Some(row) = db
            .query_opt("SELECT now FROM test_clock WHERE id = 1", params![])
            .await?
        {
            return Ok(row.get::<Instant>("now")?);
        }
    }
    Ok(system_now())
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (config, mut db) = open_store(state).await?;
        let status = migrations::check_schema(&db).await?;
        if status.is_behind() {
            return Err(AppError::SchemaBehind {
                current: status.current,
                expected: status.expected,
            });
        }
        if config.test_mode {
            if let Some(count) = parts
                .headers
                .get(FAULT_HEADER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u32>().ok())
            {
                db.inject_failure_after_writes(count);
            }
        }
        let now = current_instant(&config, &db).await?;
        // Behind a trusted proxy, the address it appended last to X-Forwarded-For; otherwise
        // Spin's `spin-client-addr` (Spin appends its own value after any the client sent: the
        // last one is Spin's). Only the IP is kept.
        let forwarded = config
            .trust_forwarded_for
            .then(|| {
                parts
                    .headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .next_back()
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.rsplit(',').next())
                    .map(|v| ClientAddr(v.trim().to_string()))
            })
            .flatten();
        let spin_addr = parts
            .headers
            .get_all(CLIENT_ADDR_HEADER)
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .map(|v| ClientAddr(ip_only(v)));
        let client_addr = forwarded.or(spin_addr);
        Ok(Ctx {
            config,
            db,
            now,
            client_addr,
            component: state.component,
            platform: state.platform.clone(),
        })
    }
}
