//! Two kinds of node on one database: `herald serve --workers 0` (web only:
//! registrations and publishing, no delivery) and `herald worker`
//! (delivery only). A story published on the web node reaches every
//! follower exactly once, sent by the worker. And a story published from
//! the command line beside a running server wakes its workers at once.

mod common;

use std::time::Duration;

use common::devices::subscribe;
use common::process::{
    add_story, counting_sink, free_port, herald, serve, site_folder, terminate, total, wait_for,
    wait_healthy,
};
use herald::store::WORKERS_SOCKET_FILE;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_only_node_and_a_worker_node_share_the_work() {
    let (sink, counts) = counting_sink().await;
    let dir = tempfile::tempdir().expect("tmp");
    let (data, config) = site_folder(dir.path(), &sink, "", "");
    let port = free_port();
    let mut web = serve(&data, &config, port, &["--workers", "0"]);
    wait_healthy(port).await;

    for n in 1..=30u32 {
        let topics: &[&str] = if n % 3 == 0 {
            &["breaking"]
        } else {
            &["politics"]
        };
        register(port, &sink, n, topics).await;
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
        terminate(child);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_published_from_the_command_line_wakes_a_running_server_at_once() {
    let (sink, counts) = counting_sink().await;
    let dir = tempfile::tempdir().expect("tmp");
    // Idle workers would look for work again only in an hour.
    let (data, config) = site_folder(dir.path(), &sink, "", "poll_ms = 3600000\n");
    let port = free_port();
    let mut server = serve(&data, &config, port, &[]);
    wait_healthy(port).await;
    register(port, &sink, 1, &["politics"]).await;
    let socket = data.join(WORKERS_SOCKET_FILE);
    wait_for("the workers' socket", Duration::from_secs(20), || {
        socket.exists()
    })
    .await;

    add_story(
        &data,
        &config,
        r#"{"slug": "news", "headline": "News", "body_markdown": "x", "topics": ["Politics"]}"#,
        true,
    );
    wait_for("the delivery", Duration::from_secs(20), || {
        total(&counts) >= 1
    })
    .await;
    terminate(&mut server);
    assert_eq!(total(&counts), 1);
    assert!(!socket.exists(), "the server left its socket behind");
}

/// Registers device `n` of `sink` through the node on `port`, following
/// `topics`.
async fn register(port: u16, sink: &str, n: u32, topics: &[&str]) {
    let base = format!("http://127.0.0.1:{port}");
    subscribe(
        &reqwest::Client::new(),
        &base,
        &format!("{sink}/push/{n}"),
        topics,
    )
    .await;
}
