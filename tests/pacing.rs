//! Paced delivery (issue 20): `push.max_messages_per_second` holds a
//! fan-out to the process's pace, measured where the messages arrive (the
//! local push service of `common::sink`). Bounds are generous (2× either
//! way): the machine running the tests is shared and noisy.

mod common;

use std::time::Duration;

use common::TestSite;
use common::devices::wait_done;
use common::sink::Sink;
use herald::store::NewSubscription;

const MESSAGES: usize = 2000;
const PER_SECOND: u32 = 500;
const TOKEN: &str = "a-long-metrics-token-for-pacing";

/// Registers `count` subscriptions of `sink` following `topic`, straight
/// in the store, all with one device's keys (each message is encrypted
/// for its subscription all the same).
async fn subscribers(site: &TestSite, sink: &Sink, topic: &str, count: usize) {
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
        let subscription = NewSubscription {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paced_fanout_of_2000_at_500_a_second_takes_about_4_seconds() {
    let sink = Sink::start().await;
    let base = sink.base.clone();
    let site = TestSite::start_delivering(move |c| {
        c.push.allowed_hosts = vec![base];
        c.push.max_messages_per_second = PER_SECOND;
        c.metrics_token = Some(TOKEN.into());
    })
    .await;
    let seed = site
        .publish(&common::story_json("seed", "Seed", &["Politics"]))
        .await;
    wait_done(&site, seed.id, Duration::from_secs(20)).await;
    subscribers(&site, &sink, "politics", MESSAGES).await;

    let story = site
        .publish(&common::story_json("paced", "Paced", &["Politics"]))
        .await;
    let stats = wait_done(&site, story.id, Duration::from_secs(60)).await;
    assert_eq!(stats["delivered"], MESSAGES, "{stats}");
    let received = sink.received();
    assert_eq!(received.len(), MESSAGES);
    let first = received.iter().map(|r| r.arrived_at).min().expect("first");
    let last = received.iter().map(|r| r.arrived_at).max().expect("last");
    let span = last - first;
    // 2,000 messages at 500 a second: 4 s; within 2× either way.
    eprintln!("{MESSAGES} messages at {PER_SECOND}/s arrived over {span:?}");
    assert!(
        span >= Duration::from_secs(2) && span <= Duration::from_secs(8),
        "{MESSAGES} messages at {PER_SECOND}/s arrived over {span:?}"
    );

    let metrics = site.metrics(TOKEN).await;
    assert!(
        metrics.contains("herald_push_max_messages_per_second 500"),
        "{metrics}"
    );
    let waited: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("herald_push_paced_seconds_total "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the paced seconds");
    assert!(waited > 0.0, "messages waited for their turn: {metrics}");
}
