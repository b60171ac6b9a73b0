//! The content model — stories, topics, and how a story's Markdown becomes
//! safe HTML — plus the pure functions that turn stories into feeds,
//! sitemaps and structured data. Nothing here performs I/O or knows about
//! the web server or the database.

pub mod dates;
pub mod embed;
pub mod excerpt;
pub mod feeds;
mod html_tags;
pub mod icons;
pub mod images;
pub mod input;
pub mod jsonld;
pub mod language;
pub mod markdown;
pub mod media;
pub mod model;
pub mod opensearch;
pub mod seo;
pub mod sitemap;
pub mod slug;
pub mod spread;

pub use model::{
    BREAKING_TOPIC, CallToAction, Image, Story, StorySummary, Topic, TopicRef, in_breaking_topic,
};
pub use seo::Seo;
