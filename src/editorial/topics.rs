//! Topics in the newsroom: listed with their followers for everyone;
//! created, renamed and described by editors. A topic's slug is its URL
//! and what readers follow, so it never changes.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{EditorialError, require_publisher};
use crate::accounts::Principal;
use crate::content::Topic;
use crate::content::input::{FieldError, InputErrors};
use crate::content::slug;
use crate::store::{Conflict, Store, StoreError};

/// The longest topic name (as a story's topics are checked).
const MAX_NAME: usize = 60;
/// The longest topic description.
const MAX_DESCRIPTION: usize = 500;

/// A topic with how many subscriptions follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicListing {
    pub topic: Topic,
    pub followers: i64,
}

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTopic {
    pub name: String,
    /// Derived from the name when not given.
    pub slug: Option<String>,
    pub description: Option<String>,
}

/// Changes to a topic; what is `None` stays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicChanges {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// Every topic, by name, with its visible story count and its followers.
/// Anyone in the newsroom.
pub async fn list_topics(
    store: &Store,
    _who: &Principal,
    now: DateTime<Utc>,
) -> Result<Vec<TopicListing>, EditorialError> {
    let topics = store.topics(now).await?;
    let followers = store.follower_counts().await?;
    Ok(topics
        .into_iter()
        .map(|topic| TopicListing {
            followers: followers
                .iter()
                .find(|f| f.topic_id == topic.id)
                .map_or(0, |f| f.followers),
            topic,
        })
        .collect())
}

/// Creates a topic. Editors only; `invalid_topic` names each wrong field,
/// `slug_taken` and `topic_name_taken` say which topic is in the way.
pub async fn create_topic(
    store: &Store,
    who: &Principal,
    new: NewTopic,
    now: DateTime<Utc>,
) -> Result<Topic, EditorialError> {
    require_publisher(who, "create topics")?;
    let mut errors = Vec::new();
    let name = check_name(&new.name, &mut errors);
    let slug = match new.slug.as_deref().map(str::trim) {
        Some(given) if !slug::is_valid(given) => {
            errors.push(field_error(
                "slug",
                format!(
                    "{given:?} is not a slug: use lowercase ASCII letters and digits in words joined by single hyphens"
                ),
            ));
            String::new()
        }
        Some(given) => given.to_owned(),
        None => slug::slugify(&name),
    };
    let description = check_description(new.description.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(EditorialError::InvalidTopic(InputErrors(errors)));
    }
    store
        .create_topic(&slug, &name, description.as_deref().unwrap_or(""), now)
        .await
        .map_err(topic_refused)
}

/// Renames a topic or changes its description. Editors only.
pub async fn update_topic(
    store: &Store,
    who: &Principal,
    topic_slug: &str,
    changes: TopicChanges,
    now: DateTime<Utc>,
) -> Result<Topic, EditorialError> {
    require_publisher(who, "change topics")?;
    let mut errors = Vec::new();
    let name = changes
        .name
        .as_deref()
        .map(|name| check_name(name, &mut errors));
    let description = check_description(changes.description.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(EditorialError::InvalidTopic(InputErrors(errors)));
    }
    store
        .update_topic(topic_slug, name.as_deref(), description.as_deref(), now)
        .await
        .map_err(topic_refused)?
        .ok_or(EditorialError::NotFound("topic"))
}

/// A topic name on one line, checked as a story's topics are.
fn check_name(name: &str, errors: &mut Vec<FieldError>) -> String {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if slug::slugify(&name).is_empty() {
        errors.push(field_error(
            "name",
            "a topic name needs letters or digits".into(),
        ));
    } else if name.chars().count() > MAX_NAME {
        errors.push(field_error(
            "name",
            format!("must be at most {MAX_NAME} characters"),
        ));
    }
    name
}

fn check_description(description: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let description = description.map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "));
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
    {
        errors.push(field_error(
            "description",
            format!("must be at most {MAX_DESCRIPTION} characters"),
        ));
    }
    description
}

fn field_error(field: &str, message: String) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message,
    }
}

fn topic_refused(e: StoreError) -> EditorialError {
    match e {
        StoreError::Conflict(conflict @ Conflict::TopicSlugTaken { .. }) => {
            EditorialError::SlugTaken(conflict.to_string())
        }
        StoreError::Conflict(conflict @ Conflict::TopicNameTaken(_)) => {
            EditorialError::TopicNameTaken(conflict.to_string())
        }
        other => EditorialError::Store(other),
    }
}
