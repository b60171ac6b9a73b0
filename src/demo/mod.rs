//! The demo: about forty fictional sample stories across ten topics, written
//! for Herald and marked as sample content, seeded once into a new site by
//! `herald serve --demo`, and a newsroom account to try the newsroom with
//! ([`login`]).

mod images;
mod live;
pub mod login;

use chrono::{DateTime, Duration, Utc};

use crate::content::input::{ImageSource, parse_story_json};
use crate::content::media::sniff_image;
use crate::store::{MediaUpload, Store};

const STORIES: &str = include_str!("stories.json");

/// Why the demo content could not be seeded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo story {index}: {message}")]
    Invalid { index: usize, message: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("the demo newsroom login: {0}")]
    Login(String),
}

/// Seeds the demo stories unless this database already had them. Stories
/// are spread over the last days, newest first, so that every page, feed
/// and the news sitemap has something to show.
pub async fn seed(store: &Store, now: DateTime<Utc>) -> Result<usize, DemoError> {
    if store.demo_seeded().await? {
        return Ok(0);
    }
    let list: Vec<serde_json::Value> =
        serde_json::from_str(STORIES).map_err(|e| DemoError::Invalid {
            index: 0,
            message: e.to_string(),
        })?;
    let count = list.len();
    // Oldest first, so that ids grow with publication time.
    for (index, mut value) in list.into_iter().enumerate().rev() {
        let invalid = |message: String| DemoError::Invalid { index, message };
        let entries = live::take_entries(&mut value);
        let mut draft = parse_story_json(&value.to_string())
            .and_then(|input| input.validate())
            .map_err(|e| invalid(e.to_string()))?;
        let published = publication_time(now, index);
        draft.published_at = Some(published);
        let upload = match draft.image.as_ref().map(|i| &i.source) {
            Some(ImageSource::Path(path)) => Some(
                image_upload(path).ok_or_else(|| invalid(format!("no bundled image {path:?}")))?,
            ),
            _ => None,
        };
        let saved =
            crate::editorial::import_story(store, &draft, upload.as_ref(), true, true, now).await?;
        if let Some(entries) = entries {
            live::post_entries(store, saved.id, entries, published, now)
                .await
                .map_err(invalid)?;
        }
    }
    store.mark_demo_seeded().await?;
    tracing::info!(stories = count, "seeded the demo stories");
    Ok(count)
}

/// Story `index` (0 is the newest) was published this long ago: the first
/// few within the last hours, the rest over about twelve days.
fn publication_time(now: DateTime<Utc>, index: usize) -> DateTime<Utc> {
    let minutes = 25 + index as i64 * 7 * 60 + (index as i64 % 5) * 13;
    now - Duration::minutes(minutes)
}

fn image_upload(path: &str) -> Option<MediaUpload> {
    let name = path.strip_prefix("images/")?;
    let (_, bytes) = images::IMAGES.iter().find(|(n, _)| *n == name)?;
    let kind = sniff_image(bytes)?;
    Some(MediaUpload {
        bytes: bytes.to_vec(),
        content_type: kind.content_type,
        extension: kind.extension,
    })
}
