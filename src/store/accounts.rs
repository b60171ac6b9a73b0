//! Storage for accounts.
