//! Two kinds of node on one database: `herald serve --workers 0` (web only:
//! registrations and publishing, no delivery) and `herald worker`
//! (delivery only). A story published on the web node reaches every
//! follower exactly once, sent by the worker.

mod common;

use std::time::Duration;

use common::process::{
    add_story, counting_sink, free_port, herald, seed_politics, serve, total, wait_for,
    wait_healthy,
};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_only_node_and_a_worker_node_share_the_work() {
    let (sink, counts) = counting_sink().await;
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let config = dir.path().join("herald.toml");
    std::fs::write(
        &config,
        format!(
            "[push]\nvapid_subject = \"mailto:tests@example.org\"\nallowed_hosts = [\"{sink}\"]\n"
        ),
    )
    .expect("config");
    seed_politics(&data, &config);
    let port = free_port();
    let mut web = serve(&data, &config, port, &["--workers", "0"]);
    wait_healthy(port).await;

    let client = reqwest::Client::new();
    for n in 1..=30u32 {
        let keys = webpush::UserAgentKeys::generate().expect("keys");
        let mut sub: Value = serde_json::from_str(
            &keys
                .subscription("https://x.example/p")
                .expect("sub")
                .to_json(),
        )
        .expect("json");
        sub["endpoint"] = json!(format!("{sink}/push/{n}"));
        let topics: &[&str] = if n % 3 == 0 {
            &["breaking"]
        } else {
            &["politics"]
        };
        let response = client
            .post(format!("http://127.0.0.1:{port}/api/v1/push/subscriptions"))
            .json(&json!({"subscription": sub, "topics": topics}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 201);
    }
    add_story(
        &data,
        &config,
        r#"{"slug": "news", "headline": "News", "body_markdown": "x", "topics": ["Politics"]}"#,
        true,
    );
    // The web-only node sends nothing.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(total(&counts), 0, "a node with --workers 0 delivered");

    let mut worker = herald(&data, &config, &["worker"]).spawn().expect("worker");
    wait_for("20 deliveries", Duration::from_secs(30), || {
        total(&counts) >= 20
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let counts = counts.lock().expect("lock").clone();
    assert_eq!(
        counts.len(),
        20,
        "the 20 politics followers, not the breaking-only ones"
    );
    assert!(counts.values().all(|c| *c == 1), "{counts:?}");
    assert!(counts.keys().all(|n| n % 3 != 0));

    for child in [&mut web, &mut worker] {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let exit = child.wait().expect("exit");
        assert!(exit.success(), "{exit:?}");
    }
}
