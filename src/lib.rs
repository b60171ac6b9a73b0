//! Herald: a news publishing platform whose readers never miss a new story on
//! the topics they follow. See docs/ARCHITECTURE.md for how the parts fit:
//! four bands (web, domain, delivery, store) on shared types and pure
//! content functions, every import pointing down (`tests/architecture.rs`).

pub mod accounts;
pub mod api;
pub mod commands;
pub mod config;
pub mod content;
pub mod delivery;
pub mod demo;
pub mod editorial;
pub mod images;
pub mod newsroom;
pub mod reminders;
pub mod roles;
pub mod search;
pub mod secrets;
pub mod server;
pub mod site;
pub mod store;
pub mod subscriptions;
pub mod web;
