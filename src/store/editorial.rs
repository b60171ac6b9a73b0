//! Storage for editorial.
