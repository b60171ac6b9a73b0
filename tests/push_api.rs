//! The reader's push API through the real server: registration, follows,
//! tokens, every validation error, and the SSRF guard.

mod common;

use common::TestSite;
use serde_json::{Value, json};

/// A subscription JSON with real P-256 keys, as a browser would give it.
fn subscription(endpoint: &str) -> Value {
    common::devices::subscription_json(endpoint)
}

async fn site_with_topics() -> TestSite {
    let site = TestSite::start().await;
    site.publish(&common::story_json("s", "S", &["Politics", "World News"]))
        .await;
    site
}

impl TestSite {
    async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).expect("JSON answer")
            },
        )
    }

    async fn register(&self, endpoint: &str, topics: &[&str]) -> (u16, Value) {
        self.api(
            reqwest::Method::POST,
            "/api/v1/push/subscriptions",
            None,
            Some(json!({"subscription": subscription(endpoint), "topics": topics})),
        )
        .await
    }
}

fn slugs(answer: &Value) -> Vec<String> {
    answer["topics"]
        .as_array()
        .expect("topics")
        .iter()
        .map(|t| t["slug"].as_str().expect("slug").to_owned())
        .collect()
}

#[tokio::test]
async fn register_follow_change_and_unsubscribe() {
    let site = site_with_topics().await;
    let (status, key) = site
        .api(
            reqwest::Method::GET,
            "/api/v1/push/vapid-public-key",
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let key =
        webpush::base64url::decode(key["public_key"].as_str().expect("key")).expect("base64url");
    assert_eq!(key.len(), 65);

    let (status, created) = site
        .register(
            "https://fcm.googleapis.com/fcm/send/abc",
            &["politics", "breaking"],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let token = created["token"].as_str().expect("token").to_owned();
    assert!(token.len() >= 40);
    assert_eq!(slugs(&created), ["breaking", "politics"]);

    let (_, topics) = site
        .api(
            reqwest::Method::GET,
            "/api/v1/push/subscriptions/topics",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(slugs(&topics), ["breaking", "politics"]);
    let (status, replaced) = site
        .api(
            reqwest::Method::PUT,
            "/api/v1/push/subscriptions/topics",
            Some(&token),
            Some(json!({"topics": ["world-news"]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(slugs(&replaced), ["world-news"]);
    let (status, paused) = site
        .api(
            reqwest::Method::PUT,
            "/api/v1/push/subscriptions/paused",
            Some(&token),
            Some(json!({"paused": true})),
        )
        .await;
    assert_eq!((status, &paused["paused"]), (200, &json!(true)));
    let (_, mine) = site
        .api(
            reqwest::Method::GET,
            "/api/v1/push/subscriptions",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(mine["paused"], json!(true));

    let (status, _) = site
        .api(
            reqwest::Method::DELETE,
            "/api/v1/push/subscriptions",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, gone) = site
        .api(
            reqwest::Method::GET,
            "/api/v1/push/subscriptions/topics",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (status, gone["error"]["code"].as_str()),
        (401, Some("token_invalid"))
    );
    assert_eq!(site.store.subscription_count().await.expect("count"), 0);
}

#[tokio::test]
async fn registering_again_keeps_follows_and_knowing_an_endpoint_is_not_enough() {
    let site = site_with_topics().await;
    let endpoint = "https://updates.push.services.mozilla.com/wpush/v2/abc";
    let sub = subscription(endpoint);
    let body = |topics: &[&str]| json!({"subscription": sub.clone(), "topics": topics});
    let (status, first) = site
        .api(
            reqwest::Method::POST,
            "/api/v1/push/subscriptions",
            None,
            Some(body(&["politics"])),
        )
        .await;
    assert_eq!(status, 201);
    let (status, again) = site
        .api(
            reqwest::Method::POST,
            "/api/v1/push/subscriptions",
            None,
            Some(body(&["world-news"])),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(slugs(&again), ["politics", "world-news"]);
    assert_ne!(first["token"], again["token"], "a new token each time");
    // The old token no longer works; the new one does.
    let old = first["token"].as_str().expect("token");
    let (status, _) = site
        .api(
            reqwest::Method::GET,
            "/api/v1/push/subscriptions/topics",
            Some(old),
            None,
        )
        .await;
    assert_eq!(status, 401);

    // Someone who knows the endpoint but not the keys gets nothing.
    let (status, refused) = site.register(endpoint, &["breaking"]).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("subscription_endpoint_taken"))
    );
    assert!(refused.get("token").is_none());
    assert_eq!(site.store.subscription_count().await.expect("count"), 1);
}

#[tokio::test]
async fn a_changed_endpoint_moves_the_subscription_with_its_follows() {
    let site = site_with_topics().await;
    let (_, first) = site
        .register("https://fcm.googleapis.com/fcm/send/old", &["politics"])
        .await;
    let token = first["token"].as_str().expect("token");
    let (status, moved) = site
        .api(
            reqwest::Method::POST,
            "/api/v1/push/subscriptions",
            Some(token),
            Some(json!({"subscription": subscription("https://fcm.googleapis.com/fcm/send/new")})),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(slugs(&moved), ["politics"]);
    let (_, mine) = site
        .api(
            reqwest::Method::GET,
            "/api/v1/push/subscriptions",
            moved["token"].as_str(),
            None,
        )
        .await;
    assert_eq!(mine["endpoint"], "https://fcm.googleapis.com/fcm/send/new");
    assert_eq!(site.store.subscription_count().await.expect("count"), 1);
}

#[tokio::test]
async fn every_validation_error_is_a_clear_400_with_a_code() {
    let site = site_with_topics().await;
    let good = subscription("https://fcm.googleapis.com/fcm/send/a");
    let with = |path: &str, value: Value| {
        let mut s = good.clone();
        let mut target = &mut s;
        let parts: Vec<&str> = path.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            target = &mut target[*part];
        }
        target[parts[parts.len() - 1]] = value;
        json!({"subscription": s, "topics": ["politics"]})
    };
    let mut too_many: Vec<String> = (0..51).map(|i| format!("t{i}")).collect();
    too_many.push("politics".into());
    let cases: Vec<(Value, &str)> = vec![
        (json!({"topics": []}), "invalid_json"),
        (
            json!({"subscription": good, "topics": "politics"}),
            "invalid_json",
        ),
        (json!({"subscription": good, "extra": 1}), "invalid_json"),
        (with("endpoint", json!(null)), "subscription_missing_field"),
        (
            with("endpoint", json!("not a url")),
            "subscription_invalid_endpoint",
        ),
        (
            with("endpoint", json!("http://fcm.googleapis.com/fcm/send/a")),
            "endpoint_not_https",
        ),
        (
            with("keys.p256dh", json!("!!!")),
            "subscription_invalid_key",
        ),
        (
            with("keys.p256dh", json!("AAAA")),
            "subscription_invalid_key",
        ),
        (
            with("keys.p256dh", json!(webpush::base64url::encode(&[4u8; 65]))),
            "subscription_invalid_key",
        ),
        (
            with("keys.auth", json!("AAAA")),
            "subscription_invalid_auth",
        ),
        (
            with("expirationTime", json!(-5)),
            "subscription_invalid_expiration",
        ),
        (
            json!({"subscription": good, "topics": ["no-such-topic"]}),
            "unknown_topic",
        ),
        (
            json!({"subscription": good, "topics": too_many}),
            "too_many_topics",
        ),
    ];
    for (body, code) in cases {
        let (status, answer) = site
            .api(
                reqwest::Method::POST,
                "/api/v1/push/subscriptions",
                None,
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some(code)),
            "{body}: {answer}"
        );
        assert!(
            !answer["error"]["message"]
                .as_str()
                .expect("message")
                .is_empty()
        );
    }
    // Malformed JSON and an oversize body.
    let raw = site
        .client
        .post(format!("{}/api/v1/push/subscriptions", site.base))
        .header("content-type", "application/json")
        .body("{\"subscription\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(raw.status(), 400);
    let answer: Value = raw.json().await.expect("json");
    assert_eq!(answer["error"]["code"], "invalid_json");
    let huge = json!({"subscription": good, "topics": ["x".repeat(20_000)]});
    let (status, answer) = site
        .api(
            reqwest::Method::POST,
            "/api/v1/push/subscriptions",
            None,
            Some(huge),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (413, Some("body_too_large"))
    );
    assert_eq!(
        site.store.subscription_count().await.expect("count"),
        0,
        "nothing stored"
    );
    // Missing and wrong tokens.
    let (status, answer) = site
        .api(
            reqwest::Method::GET,
            "/api/v1/push/subscriptions/topics",
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("token_missing"))
    );
    let (status, answer) = site
        .api(
            reqwest::Method::DELETE,
            "/api/v1/push/subscriptions",
            Some("guess"),
            None,
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("token_invalid"))
    );
}

#[tokio::test]
async fn the_ssrf_guard_refuses_internal_and_unknown_endpoints() {
    let site = site_with_topics().await;
    let cases = [
        ("https://127.0.0.1/push", "endpoint_not_allowed"),
        ("https://10.0.0.1/push", "endpoint_not_allowed"),
        ("https://[::1]/push", "endpoint_not_allowed"),
        (
            "https://169.254.169.254/latest/meta-data/",
            "endpoint_not_allowed",
        ),
        ("http://fcm.googleapis.com/fcm/send/a", "endpoint_not_https"),
        ("https://push.evil.example/a", "endpoint_not_allowed"),
        (
            "https://fcm.googleapis.com.evil.example/a",
            "endpoint_not_allowed",
        ),
        // Allow-listed names that resolve inside (see common::resolver).
        (
            "https://rebind.notify.windows.com/w/?token=a",
            "endpoint_private_address",
        ),
        (
            "https://inside.notify.windows.com/w/?token=a",
            "endpoint_private_address",
        ),
        (
            "https://unknown.notify.windows.com/w/?token=a",
            "endpoint_unresolvable",
        ),
    ];
    for (endpoint, code) in cases {
        let (status, answer) = site.register(endpoint, &[]).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (400, Some(code)),
            "{endpoint}: {answer}"
        );
        let message = answer["error"]["message"].as_str().expect("message");
        assert!(
            !message.contains(endpoint),
            "the endpoint is a capability: not echoed"
        );
    }
    assert_eq!(site.store.subscription_count().await.expect("count"), 0);
}

#[tokio::test]
async fn operator_named_local_push_service_is_honoured() {
    let site =
        TestSite::start_with(|c| c.push.allowed_hosts = vec!["http://127.0.0.1:9555".into()]).await;
    let (status, answer) = site
        .register("http://127.0.0.1:9555/push/1", &["breaking"])
        .await;
    assert_eq!(status, 201, "{answer}");
    let (status, _) = site.register("http://127.0.0.1:9556/push/1", &[]).await;
    assert_eq!(status, 400, "another port is not named");
}

#[tokio::test]
async fn registrations_are_limited_per_address() {
    let site = TestSite::start_with(|c| c.push.registrations_per_ip_per_hour = 2).await;
    for i in 0..2 {
        let (status, _) = site
            .register(&format!("https://fcm.googleapis.com/fcm/send/{i}"), &[])
            .await;
        assert_eq!(status, 201);
    }
    let response = site
        .client
        .post(format!("{}/api/v1/push/subscriptions", site.base))
        .json(&json!({"subscription": subscription("https://fcm.googleapis.com/fcm/send/3"), "topics": []}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 429);
    // Says when to come back: within the hour's window, at least a second.
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds");
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    let answer: Value = response.json().await.expect("json");
    assert_eq!(answer["error"]["code"], "too_many_registrations");
}
#[tokio::test]
async fn the_breaking_topic_exists_and_takes_breaking_news_stories() {
    let site = TestSite::start().await;
    site.publish(&common::story_json("fire", "Fire", &["Breaking news"]))
        .await;
    let topic = site
        .store
        .topic_by_slug("breaking", chrono::Utc::now())
        .await
        .expect("store")
        .expect("topic");
    assert_eq!(
        (topic.name.as_str(), topic.story_count),
        ("Breaking news", 1)
    );
    assert!(
        site.store
            .topic_by_slug("breaking-news", chrono::Utc::now())
            .await
            .expect("store")
            .is_none()
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let site = TestSite::start().await;
    let (status, doc) = site
        .api(reqwest::Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    for (path, method) in [
        ("/api/v1/push/vapid-public-key", "get"),
        ("/api/v1/push/subscriptions", "post"),
        ("/api/v1/push/subscriptions", "get"),
        ("/api/v1/push/subscriptions", "delete"),
        ("/api/v1/push/subscriptions/topics", "get"),
        ("/api/v1/push/subscriptions/topics", "put"),
        ("/api/v1/push/subscriptions/paused", "put"),
        ("/api/v1/push/clicks", "post"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} undocumented"
        );
    }
    let codes = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
        ["enum"]
        .as_array()
        .expect("codes")
        .clone();
    // Every operation has its own id: clients generated from the
    // document name their methods after them.
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|path| path.as_object().expect("a path item").values())
        .filter_map(|operation| operation["operationId"].as_str())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "an operationId is used twice");
    for code in [
        "endpoint_private_address",
        "too_many_topics",
        "token_invalid",
        "subscription_invalid_key",
    ] {
        assert!(codes.contains(&json!(code)), "{code} undocumented");
    }
}

/// SQLite's own mechanics: another process holding the write lock past
/// `busy_timeout` (5 s), as two nodes on one data folder can under load.
#[tokio::test]
async fn a_registration_while_the_database_is_locked_is_a_503_to_retry_not_a_500() {
    use sqlx::{Connection, Executor};
    let site = TestSite::start_sqlite().await;
    site.publish(&common::story_json("s", "S", &["Politics"]))
        .await;
    let url = format!("sqlite://{}", site.data.path().join("herald.db").display());
    let mut other_process = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("a second connection");
    other_process
        .execute("BEGIN IMMEDIATE")
        .await
        .expect("the write lock");

    let endpoint = "https://fcm.googleapis.com/fcm/send/locked-out";
    let response = site
        .client
        .post(format!("{}/api/v1/push/subscriptions", site.base))
        .json(&json!({"subscription": subscription(endpoint), "topics": ["politics"]}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    let body: Value = response.json().await.expect("JSON answer");
    assert_eq!(body["error"]["code"], "busy", "{body}");

    // Nothing was half-written: once the lock is let go, the same
    // registration is a new one.
    other_process.execute("ROLLBACK").await.expect("rollback");
    let (status, answer) = site.register(endpoint, &["politics"]).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(slugs(&answer), ["politics"]);
}
