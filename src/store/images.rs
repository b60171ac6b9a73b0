//! Storage for images.
