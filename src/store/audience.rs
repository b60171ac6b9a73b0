//! Storage for audience.
