//! Many processes on one database (PostgreSQL when `TEST_DATABASE_URL` is
//! set, else one SQLite data folder): two web-only nodes take 50,000
//! registrations, three `herald worker` processes share the fan-out, and one
//! worker is killed with SIGKILL in the middle. Every subscriber receives the
//! story at least once, duplicates stay within the dead worker's batch in
//! flight, and its shards are finished by the others.

mod common;

use std::time::Duration;

use common::process::{
    add_story, counting_sink, free_port, herald, site_folder, terminate, total, wait_for,
    wait_healthy,
};
use common::{TEST_SECRET_KEY, TestDatabase};
use serde_json::json;

const SUBSCRIBERS: u32 = 50_000;
const BATCH: usize = 200;
/// Tries of a registration the site answers "busy, retry" (503).
const BUSY_RETRIES: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_web_nodes_and_three_workers_survive_a_killed_worker() {
    let (sink, counts) = counting_sink().await;
    let dir = tempfile::tempdir().expect("tmp");
    let database = TestDatabase::create().await;
    let database_line = database
        .as_ref()
        .map(|d| {
            format!(
                "database_url = \"{}\"\nsecret_key = \"{TEST_SECRET_KEY}\"\n",
                d.url()
            )
        })
        .unwrap_or_default();
    let (data, config) = site_folder(
        dir.path(),
        &sink,
        &database_line,
        &format!(
            "registrations_per_ip_per_hour = 0\nbatch_size = {BATCH}\nshard_size = 2500\nlease_seconds = 10\n"
        ),
    );

    let ports = [free_port(), free_port()];
    let mut web: Vec<_> = ports
        .iter()
        .map(|port| {
            herald(
                &data,
                &config,
                &[
                    "--bind",
                    &format!("127.0.0.1:{port}"),
                    "--workers",
                    "0",
                    "serve",
                ],
            )
            .spawn()
            .expect("web node")
        })
        .collect();
    for port in ports {
        wait_healthy(port).await;
    }

    // 50,000 registrations through the two web nodes, 32 at a time.
    let keys = webpush::UserAgentKeys::generate().expect("keys");
    let p256dh = webpush::base64url::encode(keys.public_key());
    let auth = webpush::base64url::encode(keys.auth());
    let client = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 1..=SUBSCRIBERS {
        if tasks.len() >= 32 {
            tasks.join_next().await.expect("task").expect("registered");
        }
        let url = format!(
            "http://127.0.0.1:{}/api/v1/push/subscriptions",
            ports[n as usize % 2]
        );
        let body = json!({
            "subscription": {"endpoint": format!("{sink}/push/{n}"), "keys": {"p256dh": p256dh, "auth": auth}},
            "topics": ["politics"],
        });
        let client = client.clone();
        tasks.spawn(async move {
            // Two processes writing one SQLite file under this load may
            // find it busy past `busy_timeout`: the answer is then a 503
            // with Retry-After, and a client tries again, as asked.
            for _ in 0..BUSY_RETRIES {
                let response = client.post(&url).json(&body).send().await.expect("request");
                match response.status().as_u16() {
                    201 => return,
                    503 => {
                        let wait = response
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok()?.parse().ok())
                            .expect("a 503 says when to retry");
                        tokio::time::sleep(Duration::from_secs(wait)).await;
                    }
                    status => panic!("registration {n}: {status}"),
                }
            }
            panic!("registration {n}: still busy after {BUSY_RETRIES} tries");
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("registered");
    }

    let mut workers: Vec<_> = (0..3)
        .map(|_| herald(&data, &config, &["worker"]).spawn().expect("worker"))
        .collect();
    add_story(
        &data,
        &config,
        r#"{"slug": "big", "headline": "Big story", "body_markdown": "x", "topics": ["Politics"]}"#,
        true,
    );
    wait_for("10,000 deliveries", Duration::from_secs(120), || {
        total(&counts) >= 10_000
    })
    .await;
    workers[0].kill().expect("SIGKILL");
    workers[0].wait().expect("reaped");
    let at_kill = total(&counts);
    assert!(
        at_kill < SUBSCRIBERS as usize,
        "the fan-out finished before the kill; the test needs it mid-way"
    );

    wait_for("every subscriber reached", Duration::from_secs(240), || {
        counts.lock().expect("lock").len() >= SUBSCRIBERS as usize
    })
    .await;
    let stats_url = format!("http://127.0.0.1:{}/api/v1/stories/2/push-stats", ports[0]);
    let mut stats = serde_json::Value::Null;
    for _ in 0..200 {
        stats = client
            .get(&stats_url)
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("json");
        let shards = stats["shards"].as_array().expect("shards");
        if shards.iter().all(|s| s["state"] == "done") && stats["pending_jobs"] == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shards = stats["shards"].as_array().expect("shards");
    assert!(
        shards.iter().all(|s| s["state"] == "done"),
        "the dead worker's shards were finished: {stats}"
    );
    assert_eq!(stats["queued"], SUBSCRIBERS, "{stats}");

    for child in web.iter_mut().chain(workers.iter_mut().skip(1)) {
        terminate(child);
    }
    let counts = counts.lock().expect("lock");
    assert_eq!(counts.len(), SUBSCRIBERS as usize);
    let duplicates: usize = counts.values().map(|c| *c as usize - 1).sum();
    assert!(
        duplicates <= 2 * BATCH,
        "{duplicates} duplicates (killed at {at_kill})"
    );
    println!("duplicates: {duplicates} (killed at {at_kill})");
}
