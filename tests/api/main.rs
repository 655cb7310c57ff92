//! The black-box HTTP suite: one binary, one module per area.

mod auth;
mod carnets;
mod concurrency;
mod contract;
mod dashboard;
mod demo;
mod directory;
mod faults;
mod fixtures;
mod foundation;
mod fuzz;
mod hardening;
mod http_edge;
mod idempotency;
mod notifications;
mod own_and_queue;
mod replicas;
mod schema;
mod sensitive;
mod store;
mod transactions;
mod writes;
