//! The floor of the Spin runtime, for the load benchmark (`carnet-load` with
//! `CARNET_FLOOR_URL`): the cheapest request a component can make to its database. Each request
//! opens a connection through Spin's host and runs `SELECT 1`, as a request of the application
//! opens its own, and nothing else: no settings read, no schema check, no router. The
//! application's figures under the same Spin are then given as ratios to this one.
//!
//! - `GET /floor/sqlite`: Spin's SQLite, the `default` database.
//! - `GET /floor/postgres`: Spin's PostgreSQL, at the address of the `postgres_url` variable;
//!   404 while that variable is empty.
//!
//! Both answer `1` (200), or the database's error (503).

/// The floor through Spin's SQLite.
pub const SQLITE_ROUTE: &str = "/floor/sqlite";
/// The floor through Spin's PostgreSQL (when the `postgres_url` variable is set).
pub const POSTGRES_ROUTE: &str = "/floor/postgres";

#[cfg(target_arch = "wasm32")]
mod spin_entry {
    use spin_sdk::http::{IntoResponse, Request, StatusCode};
    use spin_sdk::{pg, sqlite, variables};

    #[spin_sdk::http_service]
    async fn handle(request: Request) -> impl IntoResponse {
        match request.uri().path() {
            super::SQLITE_ROUTE => answer(sqlite_select_one().await),
            super::POSTGRES_ROUTE => match variables::get("postgres_url").await {
                Ok(address) if !address.is_empty() => answer(postgres_select_one(address).await),
                _ => (
                    StatusCode::NOT_FOUND,
                    "floor: set the postgres_url variable to measure Spin's PostgreSQL\n".into(),
                ),
            },
            _ => (
                StatusCode::NOT_FOUND,
                format!(
                    "floor: {} or {}\n",
                    super::SQLITE_ROUTE,
                    super::POSTGRES_ROUTE
                ),
            ),
        }
    }

    /// `1` and 200 when the query gave one row, the error and 503 otherwise.
    fn answer(rows: Result<usize, String>) -> (StatusCode, String) {
        match rows {
            Ok(1) => (StatusCode::OK, "1\n".into()),
            Ok(n) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("SELECT 1 gave {n} rows\n"),
            ),
            Err(error) => (StatusCode::SERVICE_UNAVAILABLE, format!("{error}\n")),
        }
    }

    async fn sqlite_select_one() -> Result<usize, String> {
        let connection = sqlite::Connection::open("default")
            .await
            .map_err(|e| format!("{e:?}"))?;
        let rows = connection
            .execute("SELECT 1", [])
            .await
            .map_err(|e| format!("{e:?}"))?
            .collect()
            .await
            .map_err(|e| format!("{e:?}"))?;
        Ok(rows.len())
    }

    async fn postgres_select_one(address: String) -> Result<usize, String> {
        let connection = pg::Connection::open(address)
            .await
            .map_err(|e| format!("{e:?}"))?;
        let rows = connection
            .query("SELECT 1", Vec::new())
            .await
            .map_err(|e| format!("{e:?}"))?
            .collect()
            .await
            .map_err(|e| format!("{e:?}"))?;
        Ok(rows.len())
    }
}
