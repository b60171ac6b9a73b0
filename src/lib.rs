//! Herald: a news publishing platform whose readers never miss a new story on
//! the topics they follow. See docs/ARCHITECTURE.md for how the parts fit.

pub mod accounts;
pub mod api;
pub mod commands;
pub mod config;
pub mod content;
pub mod demo;
pub mod editorial;
pub mod newsroom;
pub mod push;
pub mod reminders;
pub mod server;
pub mod site;
pub mod store;
