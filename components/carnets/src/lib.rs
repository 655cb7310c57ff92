//! Component `carnets`: every read. Entry (`#[http_service]` under Spin) → `api::router` →
//! handlers → repositories (SQL).

pub mod api;
mod dashboard;
mod lists;
mod notebook;
mod orientation;
mod own;
mod referentiel;

pub use api::{router, ROUTES};

#[cfg(target_arch = "wasm32")]
mod spin_entry {
    use spin_sdk::http::{IntoResponse, Request};

    #[spin_sdk::http_service]
    async fn handle(request: Request) -> impl IntoResponse {
        let router = super::router(carnet_http::spin::platform());
        carnet_http::spin::serve(router, request).await
    }
}
