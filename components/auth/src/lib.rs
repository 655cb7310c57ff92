//! Component `auth`. Entry (`#[http_service]` under Spin) → `api::router` → handlers →
//! repositories (SQL).

mod admin;
pub mod api;
mod directory;
mod emails;
mod session;
mod sign_in;

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
