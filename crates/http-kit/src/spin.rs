//! Running a component's axum router inside a Spin (spin-sdk 6, WASI 0.3) HTTP component.

use crate::{Config, DatabaseKind, Platform};
use axum::body::Body;
use carnet_store::spin::single_threaded;
use carnet_store::{Db, StoreError};
use http_body_util::{BodyExt, Full, Limited};
use spin_sdk::http::Request;
use std::sync::Arc;
use tower::ServiceExt;

/// Settings from Spin variables; the store through Spin's SQLite or PostgreSQL host.
pub struct SpinPlatform;

#[async_trait::async_trait]
impl Platform for SpinPlatform {
    async fn setting(&self, name: &str) -> Option<String> {
        single_threaded(spin_sdk::variables::get(name)).await.ok()
    }

    async fn open_db(&self, config: &Config) -> Result<Db, StoreError> {
        match config.database_kind {
            DatabaseKind::Sqlite => carnet_store::spin::open_sqlite(&config.database_url).await,
            DatabaseKind::Postgres => carnet_store::spin::open_postgres(&config.database_url).await,
        }
    }

    async fn post_json(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: &serde_json::Value,
    ) -> Result<u16, String> {
        let mut request = http::Request::post(url).header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request = request
            .body(Full::new(bytes::Bytes::from(body.to_string())))
            .map_err(|e| e.to_string())?;
        single_threaded(async move {
            spin_sdk::http::send(request)
                .await
                .map(|response| response.status().as_u16())
                .map_err(|e| format!("{e:?}"))
        })
        .await
    }
}

pub fn platform() -> Arc<dyn Platform> {
    Arc::new(SpinPlatform)
}

/// Hands a Spin request to the router and returns its response, bodies fully buffered.
pub async fn serve(router: axum::Router, request: Request) -> http::Response<Full<bytes::Bytes>> {
    let (parts, body) = request.into_parts();
    let bytes = match Limited::new(body, crate::routing::MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return into_full(axum::response::IntoResponse::into_response(
                crate::AppError::PayloadTooLarge,
            ))
            .await
        }
    };
    let request = http::Request::from_parts(parts, Body::from(bytes));
    let response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    carnet_store::spin::roll_back_abandoned_transactions().await;
    into_full(response).await
}

async fn into_full(response: axum::response::Response) -> http::Response<Full<bytes::Bytes>> {
    let (parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    http::Response::from_parts(parts, Full::new(bytes))
}
