//! Sending one notification to one subscription: what `herald push send`
//! does so that an operator can check a device. Outgoing TLS trusts the
//! system's certificate store (`SSL_CERT_FILE` and `SSL_CERT_DIR` override
//! it, as they do for OpenSSL).

use webpush::{Outcome, PushOptions, Subject, Topic, Ttl, Urgency, Vapid, VapidKeys};

use super::allowlist::AllowList;
use super::payload::SiteVoice;

/// What to send.
#[derive(Debug, Clone)]
pub struct TestPush {
    pub title: String,
    pub body: String,
    /// The page a click opens: a site path or an absolute URL; the home
    /// page when none.
    pub url: Option<String>,
    pub ttl: Ttl,
    pub urgency: Urgency,
    pub topic: Option<Topic>,
}

/// The push service's answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub outcome: Outcome,
    pub body: String,
    /// Whether the text had to be shortened to fit the payload budget.
    pub shortened: bool,
}

/// Why the notification could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(
        "no VAPID subject: set push.vapid_subject in the config file, HERALD_VAPID_SUBJECT, \
         or --vapid-subject to a mailto: or https: URL where push services can reach you"
    )]
    NoSubject,
    #[error("push.vapid_subject: {0}")]
    Subject(webpush::VapidError),
    #[error("the subscription file: {0}")]
    Subscription(#[from] webpush::SubscriptionError),
    #[error("the subscription's endpoint is refused: {0}")]
    Endpoint(#[from] super::allowlist::EndpointRefused),
    #[error("the notification does not fit the payload budget: {0}")]
    Fit(#[from] webpush::FitError),
    #[error("cannot prepare the request: {0}")]
    Request(#[from] webpush::RequestError),
    #[error("cannot reach the push service: {0}")]
    Http(String),
}

/// Sends `push` to the subscription in `subscription_json`, signed with
/// `keys` as `subject`, and returns the push service's answer.
pub async fn send_one(
    subscription_json: &str,
    push: &TestPush,
    keys: VapidKeys,
    subject: Option<&str>,
    allow_list: &AllowList,
    voice: &SiteVoice,
) -> Result<Answer, SendError> {
    let subject = Subject::new(subject.ok_or(SendError::NoSubject)?).map_err(SendError::Subject)?;
    let subscription = allow_list.parse_subscription(subscription_json)?;
    allow_list.check(subscription.endpoint()).await?;
    let mut notification = voice.notification(
        push.title.clone(),
        push.body.clone(),
        voice.absolute(push.url.as_deref().unwrap_or("/")),
        None,
        serde_json::json!({"kind": "test"}),
    );
    let shortened = notification.fit(webpush::MAX_PLAINTEXT)?;
    let options = PushOptions {
        ttl: push.ttl,
        urgency: push.urgency,
        topic: push.topic.clone(),
        padding: 0,
    };
    let request = webpush::build_request(
        &subscription,
        &notification.to_json(),
        &options,
        &Vapid::new(keys, subject),
    )?;
    let client = super::client::http_client(std::sync::Arc::new(allow_list.clone()), 1)
        .map_err(|e| SendError::Http(e.to_string()))?;
    let answer = super::client::post(&client, request)
        .await
        .map_err(|e| match e {
            super::client::NoAnswer::Refused(reason)
            | super::client::NoAnswer::Transport(reason) => SendError::Http(reason),
        })?;
    Ok(Answer {
        status: answer.status,
        outcome: answer.outcome(),
        body: String::from_utf8_lossy(&answer.body).into_owned(),
        shortened,
    })
}
