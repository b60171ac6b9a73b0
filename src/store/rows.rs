//! Turning rows into the content model: one place for the column lists and
//! the decoding that every story query shares.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::StoreError;
use crate::content::{CallToAction, Image, Seo, Story, StorySummary, TopicRef};

/// The columns `summary_from_row` reads, for `SELECT`s on `stories s`.
pub const SUMMARY_COLUMNS: &str = "s.id, s.slug, s.headline, s.standfirst, s.image_src, s.image_alt, \
     s.image_credit, s.authors, s.sample, s.published_at, s.updated_at, s.modified_at";

/// The columns `story_from_row` reads.
pub const STORY_COLUMNS: &str = "s.id, s.slug, s.headline, s.standfirst, s.image_src, s.image_alt, \
     s.image_credit, s.authors, s.sample, s.published_at, s.updated_at, s.modified_at, \
     s.body_markdown, s.cta_text, s.cta_url, s.seo_title, s.seo_description, s.seo_image, \
     s.live, s.live_ended_at";

/// A Unix time in seconds as a UTC time.
pub fn time(seconds: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp(seconds, 0)
        .ok_or_else(|| StoreError::Corrupt(format!("time {seconds} is out of range")))
}

fn optional_time(seconds: Option<i64>) -> Result<Option<DateTime<Utc>>, StoreError> {
    seconds.map(time).transpose()
}

fn image(row: &AnyRow) -> Result<Option<Image>, StoreError> {
    let src: Option<String> = row.try_get("image_src")?;
    Ok(match src {
        Some(src) => Some(Image {
            src,
            alt: row
                .try_get::<Option<String>, _>("image_alt")?
                .unwrap_or_default(),
            credit: row.try_get("image_credit")?,
        }),
        None => None,
    })
}

fn authors(row: &AnyRow) -> Result<Vec<String>, StoreError> {
    let json: String = row.try_get("authors")?;
    serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("authors: {e}")))
}

/// A summary from a row with `SUMMARY_COLUMNS`; topics are added by the caller.
pub fn summary_from_row(row: &AnyRow) -> Result<StorySummary, StoreError> {
    let published: Option<i64> = row.try_get("published_at")?;
    Ok(StorySummary {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        headline: row.try_get("headline")?,
        standfirst: row.try_get("standfirst")?,
        image: image(row)?,
        authors: authors(row)?,
        topics: Vec::new(),
        sample: row.try_get::<i64, _>("sample")? != 0,
        published_at: time(published.unwrap_or_default())?,
        updated_at: optional_time(row.try_get("updated_at")?)?,
        modified_at: time(row.try_get("modified_at")?)?,
    })
}

/// A whole story from a row with `STORY_COLUMNS`; topics are added by the caller.
pub fn story_from_row(row: &AnyRow) -> Result<Story, StoreError> {
    let cta_text: Option<String> = row.try_get("cta_text")?;
    let cta_url: Option<String> = row.try_get("cta_url")?;
    Ok(Story {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        headline: row.try_get("headline")?,
        standfirst: row.try_get("standfirst")?,
        body_markdown: row.try_get("body_markdown")?,
        image: image(row)?,
        call_to_action: match (cta_text, cta_url) {
            (Some(text), Some(url)) => Some(CallToAction { text, url }),
            _ => None,
        },
        seo: Seo {
            title: row.try_get("seo_title")?,
            description: row.try_get("seo_description")?,
            image: row.try_get("seo_image")?,
        },
        authors: authors(row)?,
        topics: Vec::new(),
        sample: row.try_get::<i64, _>("sample")? != 0,
        published_at: optional_time(row.try_get("published_at")?)?,
        updated_at: optional_time(row.try_get("updated_at")?)?,
        modified_at: time(row.try_get("modified_at")?)?,
        live: row.try_get::<i64, _>("live")? != 0,
        live_ended_at: optional_time(row.try_get("live_ended_at")?)?,
    })
}

/// `$first, $first+1, …` placeholders for an `IN (…)` list of `count` values.
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads `(story_id, slug, name)` rows into each story's topic list, in
/// the order the story gave them.
pub fn topic_refs(rows: &[AnyRow]) -> Result<Vec<(i64, TopicRef)>, StoreError> {
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("story_id")?,
                TopicRef {
                    slug: row.try_get("slug")?,
                    name: row.try_get("name")?,
                },
            ))
        })
        .collect()
}
