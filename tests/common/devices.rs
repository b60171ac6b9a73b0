//! Readers' devices for delivery tests: subscriptions registered through the
//! API with keys the test keeps (to decrypt what the sink receives), and
//! the story's push stats, read until its fan-out is over.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::TestSite;
use super::sink::Sink;

/// A site whose workers deliver to `sink`, with the topics Politics and
/// Sport made by a first story whose fan-out (to nobody) is over before
/// anyone subscribes.
pub async fn delivering_site(sink: &Sink) -> TestSite {
    let base = sink.base.clone();
    let site = TestSite::start_delivering(move |c| c.push.allowed_hosts = vec![base]).await;
    let seed = site
        .publish(&super::story_json("seed", "Seed", &["Politics", "Sport"]))
        .await;
    wait_done(&site, seed.id, Duration::from_secs(20)).await;
    site
}

/// A subscriber: its keys (to decrypt what it receives) and its token.
pub struct Device {
    pub keys: webpush::UserAgentKeys,
    pub token: String,
}

/// Registers device `device` of `sink`, following `topics`.
pub async fn register(site: &TestSite, sink: &Sink, device: &str, topics: &[&str]) -> Device {
    let (keys, body) = subscribe(&site.client, &site.base, &sink.endpoint(device), topics).await;
    Device {
        keys,
        token: body["token"].as_str().expect("token").to_owned(),
    }
}

/// Registers `count` subscriptions of `sink` following `topic`, straight
/// in the store, all with one device's keys (each message is encrypted
/// for its subscription all the same).
pub async fn register_many(site: &TestSite, sink: &Sink, topic: &str, count: usize) {
    let topic_ids: Vec<i64> = site
        .store
        .topic_ids(&[topic.to_owned()])
        .await
        .expect("topic")
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    let keys = webpush::UserAgentKeys::generate().expect("keys");
    let json: serde_json::Value = serde_json::from_str(
        &keys
            .subscription("https://x.example/p")
            .expect("subscription")
            .to_json(),
    )
    .expect("json");
    for n in 0..count {
        let subscription = herald::store::NewSubscription {
            endpoint: sink.endpoint(&format!("d{n}")),
            p256dh: json["keys"]["p256dh"].as_str().expect("p256dh").to_owned(),
            auth: json["keys"]["auth"].as_str().expect("auth").to_owned(),
            expiration_time: None,
        };
        site.store
            .register_subscription(&subscription, &format!("token-{n}"), &topic_ids, None, 0)
            .await
            .expect("registered");
    }
}

/// A browser's `PushSubscription.toJSON()` for `endpoint`, with fresh keys.
pub fn subscription_json(endpoint: &str) -> Value {
    subscription_keys(endpoint).1
}

/// Fresh keys and the subscription JSON naming them at `endpoint`.
fn subscription_keys(endpoint: &str) -> (webpush::UserAgentKeys, Value) {
    let keys = webpush::UserAgentKeys::generate().expect("keys");
    let mut sub: Value = serde_json::from_str(
        &keys
            .subscription("https://x.example/p")
            .expect("sub")
            .to_json(),
    )
    .expect("json");
    sub["endpoint"] = json!(endpoint);
    (keys, sub)
}

/// Subscribes fresh keys at `endpoint` through the site at `base`,
/// following `topics`; asserts 201 and returns the keys and the answer.
pub async fn subscribe(
    client: &reqwest::Client,
    base: &str,
    endpoint: &str,
    topics: &[&str],
) -> (webpush::UserAgentKeys, Value) {
    let (keys, sub) = subscription_keys(endpoint);
    let response = client
        .post(format!("{base}/api/v1/push/subscriptions"))
        .json(&json!({"subscription": sub, "topics": topics}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
    (keys, response.json().await.expect("json"))
}

/// The story's push stats as `GET /api/v1/stories/{id}/push-stats` gives
/// them, read from the store: the engine's numbers whatever the story's
/// state (the public route shows only stories already on the site).
pub async fn stats(site: &TestSite, story_id: i64) -> Value {
    let stats = site.store.push_stats(story_id).await.expect("push stats");
    let mut stats = serde_json::to_value(stats).expect("json");
    stats["story_id"] = story_id.into();
    stats
}

/// Waits until every notification of the story is sent: no job pending,
/// every shard done, nothing waiting for a retry; fails after `limit`.
pub async fn wait_done(site: &TestSite, story_id: i64, limit: Duration) -> Value {
    let started = Instant::now();
    loop {
        let s = stats(site, story_id).await;
        let shards = s["shards"].as_array().expect("shards");
        if s["pending_jobs"] == 0
            && shards.iter().all(|sh| sh["state"] == "done")
            && s["retrying"] == 0
        {
            return s;
        }
        assert!(
            started.elapsed() < limit,
            "fan-out not finished in {limit:?}: {s}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What a browser shows for a push message `keys` decrypt: the
/// `notification` member of a Declarative Web Push message, read first as
/// a browser reads one (`web_push` 8030, a title, an absolute `navigate`),
/// so that the test fails where the payload is not one.
pub fn shown(keys: &webpush::UserAgentKeys, body: &[u8]) -> Value {
    let plaintext = keys.decrypt(body).expect("decrypts");
    if let Err(e) = webpush::Notification::from_json(&plaintext) {
        panic!("not a declarative push message: {e}");
    }
    let message: Value = serde_json::from_slice(&plaintext).expect("json");
    message["notification"].clone()
}

impl Device {
    /// [`shown`] with this device's keys.
    pub fn shown(&self, body: &[u8]) -> Value {
        shown(&self.keys, body)
    }
}
