//! The black-box HTTP suite: one binary, one module per area.

mod auth;
mod carnets;
mod dashboard;
mod demo;
mod directory;
mod fixtures;
mod foundation;
mod fuzz;
mod http_edge;
mod idempotency;
mod notifications;
mod own_and_queue;
mod store;
mod writes;
