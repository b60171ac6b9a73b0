//! Registering a reader's subscription and changing what it follows: the
//! rules between the API and the store (validation, the SSRF guard, topic
//! limits, tokens).

use webpush::SubscriptionError;

use super::token::{new_token, token_hash};
use crate::content::TopicRef;
use crate::delivery::allowlist::{AllowList, EndpointRefused};
use crate::store::{Conflict, NewSubscription, Store, StoreError};

/// Why a subscription or follow request was refused.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("{0}")]
    Subscription(#[from] SubscriptionError),
    #[error("{0}")]
    Endpoint(#[from] EndpointRefused),
    #[error("there is no topic {0:?}")]
    UnknownTopic(String),
    #[error("a subscription may follow at most {0} topics")]
    TooManyTopics(usize),
    #[error("this endpoint is already registered with other keys")]
    EndpointTaken,
    #[error("cannot create a token: {0}")]
    Random(getrandom::Error),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for PushError {
    fn from(e: StoreError) -> PushError {
        match e {
            StoreError::Conflict(Conflict::EndpointKeysDiffer) => PushError::EndpointTaken,
            other => PushError::Store(other),
        }
    }
}

impl PushError {
    /// The stable API error code.
    pub fn code(&self) -> &'static str {
        match self {
            PushError::Subscription(e) => match e {
                SubscriptionError::InvalidJson(_) => "subscription_invalid",
                SubscriptionError::MissingField(_) => "subscription_missing_field",
                SubscriptionError::InvalidEndpoint(_) => "subscription_invalid_endpoint",
                SubscriptionError::EndpointNotHttps => "endpoint_not_https",
                SubscriptionError::InvalidExpirationTime => "subscription_invalid_expiration",
                SubscriptionError::InvalidBase64 { .. }
                | SubscriptionError::P256dhLength { .. }
                | SubscriptionError::InvalidP256dh => "subscription_invalid_key",
                SubscriptionError::AuthSecretLength { .. } => "subscription_invalid_auth",
                _ => "subscription_invalid",
            },
            PushError::Endpoint(e) => e.code(),
            PushError::UnknownTopic(_) => "unknown_topic",
            PushError::TooManyTopics(_) => "too_many_topics",
            PushError::EndpointTaken => "subscription_endpoint_taken",
            PushError::Random(_) | PushError::Store(_) => "internal",
        }
    }
}

/// A registration: the reader's new token and what they follow.
#[derive(Debug, Clone)]
pub struct Registration {
    pub token: String,
    pub topics: Vec<TopicRef>,
    pub created: bool,
}

/// The topic ids of `slugs`, refusing unknown topics and too many of them.
pub async fn topic_ids(store: &Store, slugs: &[String], max: usize) -> Result<Vec<i64>, PushError> {
    let mut unique: Vec<String> = Vec::new();
    for slug in slugs {
        if !unique.contains(slug) {
            unique.push(slug.clone());
        }
    }
    if unique.len() > max {
        return Err(PushError::TooManyTopics(max));
    }
    let found = store.topic_ids(&unique).await?;
    unique
        .iter()
        .map(|slug| {
            found
                .iter()
                .find(|(s, _)| s == slug)
                .map(|(_, id)| *id)
                .ok_or_else(|| PushError::UnknownTopic(slug.clone()))
        })
        .collect()
}

/// Registers the subscription a browser gave (the JSON of
/// `PushSubscription.toJSON()`), following `topics` besides what it already
/// follows. `replacing` is the caller's current subscription, when their
/// token proved one: its record moves to the new endpoint.
pub async fn register(
    store: &Store,
    allow_list: &AllowList,
    max_topics: usize,
    subscription_json: &str,
    topics: &[String],
    replacing: Option<i64>,
    now: i64,
) -> Result<Registration, PushError> {
    let subscription = allow_list.parse_subscription(subscription_json)?;
    allow_list.check(subscription.endpoint()).await?;
    let ids = topic_ids(store, topics, max_topics).await?;
    let token = new_token().map_err(PushError::Random)?;
    let record = NewSubscription {
        endpoint: subscription.endpoint().to_string(),
        p256dh: webpush::base64url::encode(subscription.p256dh()),
        auth: webpush::base64url::encode(subscription.auth()),
        expiration_time: subscription
            .expiration_time()
            .and_then(|t| i64::try_from(t).ok()),
    };
    let registered = store
        .register_subscription(&record, &token_hash(&token), &ids, replacing, now)
        .await?;
    let followed = store.followed_topics(registered.id()).await?;
    if followed.len() > max_topics {
        // Adding to what it followed went over the cap: keep the newest request.
        store.set_follows(registered.id(), &ids, now).await?;
    }
    Ok(Registration {
        token,
        topics: store.followed_topics(registered.id()).await?,
        created: matches!(registered, crate::store::Registered::Created(_)),
    })
}
