//! PostgreSQL restarted in the middle of a fan-out, on a private cluster of
//! this test's own (the shared server other tests use is never touched): a
//! web-only node takes 10,000 registrations, two `herald worker` processes
//! share the fan-out of one story, and the database is stopped
//! (`pg_ctl stop -m fast`) while it is in flight, for longer than the
//! pool waits for a connection, then started again.
//! `/healthz` answers 503 during the outage and 200 after; every subscriber
//! receives the story at least once, duplicates stay within the batches in
//! flight, and every process rides the outage out: none exits, none is
//! restarted, and the workers back off rather than spin.

mod common;

use std::fs::File;
use std::path::Path;
use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::TEST_SECRET_KEY;
use common::pg_cluster::PgCluster;
use common::process::{
    add_story, counting_sink, free_port, herald, site_folder, terminate, total, wait_for,
    wait_healthy,
};
use herald::store::Store;
use serde_json::json;

const SUBSCRIBERS: u32 = 10_000;
const BATCH: usize = 200;
const WORKER_PROCESSES: usize = 2;
/// Delivery tasks in each worker process (`push.workers`).
const TASKS_PER_PROCESS: usize = 2;
/// How long the database stays down, at least: longer than the pool waits
/// for a connection (10 s), so that the workers' storage calls fail and
/// they back off, and longer than a lease, so that every shard in flight
/// is resumed from its checkpoint by whichever worker comes first.
const OUTAGE: Duration = Duration::from_secs(12);
/// The worker's "storage error; backing off" warnings one worker process
/// may log over the whole outage. Each storage call waits up to the pool's
/// 10 s for a connection before it fails, and the worker then pauses from
/// 100 ms doubling up to 5 s: a handful per task. (The schedule itself is
/// unit-tested in `push::worker`.)
const MAX_WARNINGS_PER_PROCESS: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_mid_fanout_loses_nothing() {
    let cluster = Arc::new(
        tokio::task::spawn_blocking(PgCluster::start)
            .await
            .expect("cluster"),
    );
    let (sink, counts) = counting_sink().await;
    let dir = tempfile::tempdir().expect("tmp");
    let (data, config) = site_folder(
        dir.path(),
        &sink,
        &format!(
            "database_url = \"{}\"\nsecret_key = \"{TEST_SECRET_KEY}\"\n",
            cluster.url()
        ),
        &format!(
            "registrations_per_ip_per_hour = 0\nworkers = {TASKS_PER_PROCESS}\n\
             batch_size = {BATCH}\nshard_size = 2500\nlease_seconds = 10\n"
        ),
    );

    let port = free_port();
    let web = herald(
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
    .expect("web node");
    let mut processes = Processes(vec![web]);
    wait_healthy(port).await;
    register(port, &sink).await;

    for n in 0..WORKER_PROCESSES {
        let log = File::create(worker_log(dir.path(), n)).expect("log");
        let worker = herald(&data, &config, &["worker"]).stderr(log).spawn();
        processes.0.push(worker.expect("worker"));
    }
    add_story(
        &data,
        &config,
        r#"{"slug": "big", "headline": "Big story", "body_markdown": "x", "topics": ["Politics"]}"#,
        true,
    );
    wait_for("2,000 deliveries", Duration::from_secs(120), || {
        total(&counts) >= 2_000
    })
    .await;

    // The outage: stopped mid-flight, checked from the outside, started again.
    let down = Instant::now();
    let stopping = cluster.clone();
    tokio::task::spawn_blocking(move || stopping.stop_server())
        .await
        .expect("stopped");
    let at_stop = total(&counts);
    assert!(
        at_stop < SUBSCRIBERS as usize,
        "the fan-out finished before the restart; the test needs it mid-way"
    );
    let (status, body) = health_until(port, 503).await;
    assert_eq!(
        (status, body.trim()),
        (503, "database unavailable"),
        "/healthz during the outage"
    );
    tokio::time::sleep(OUTAGE.saturating_sub(down.elapsed())).await;
    let starting = cluster.clone();
    tokio::task::spawn_blocking(move || starting.start_server())
        .await
        .expect("started");
    let reached_at_start = counts.lock().expect("lock").len();
    assert!(
        reached_at_start < SUBSCRIBERS as usize,
        "every subscriber was reached during the outage; the test needs some left"
    );
    wait_healthy(port).await;

    wait_for("every subscriber reached", Duration::from_secs(240), || {
        counts.lock().expect("lock").len() >= SUBSCRIBERS as usize
    })
    .await;
    let store = Store::connect(&cluster.url(), 1).await.expect("store");
    let started = Instant::now();
    let stats = loop {
        let stats = store.push_stats(2).await.expect("stats");
        let finished = !stats.shards.is_empty()
            && stats.shards.iter().all(|s| s.state == "done")
            && stats.pending_jobs == 0;
        if finished || started.elapsed() > Duration::from_secs(60) {
            break stats;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    store.close().await;
    assert!(
        stats.shards.iter().all(|s| s.state == "done"),
        "every shard was finished: {:?}",
        stats.shards
    );
    assert_eq!(stats.queued, i64::from(SUBSCRIBERS));

    // Nobody restarted anything: every process is the one started above.
    for child in &mut processes.0 {
        assert!(
            child.try_wait().expect("status").is_none(),
            "a Herald process exited during the outage"
        );
    }
    for child in &mut processes.0 {
        terminate(child);
    }

    let counts = counts.lock().expect("lock");
    assert_eq!(counts.len(), SUBSCRIBERS as usize);
    let duplicates: usize = counts.values().map(|c| *c as usize - 1).sum();
    let in_flight = WORKER_PROCESSES * TASKS_PER_PROCESS * BATCH;
    assert!(
        duplicates <= in_flight,
        "{duplicates} duplicates, more than the {in_flight} messages in flight (stopped at {at_stop})"
    );
    let mut all_warnings = 0;
    for n in 0..WORKER_PROCESSES {
        let log = std::fs::read_to_string(worker_log(dir.path(), n)).expect("log");
        let warnings = log.matches("backing off").count();
        assert!(
            warnings <= MAX_WARNINGS_PER_PROCESS,
            "worker {n} logged {warnings} storage warnings: it did not back off\n{log}"
        );
        println!("worker {n}: {warnings} storage warnings");
        all_warnings += warnings;
    }
    assert!(
        all_warnings > 0,
        "no worker noticed the outage: the test did not test the back-off"
    );
    println!(
        "duplicates: {duplicates}; stopped at {at_stop} messages, {reached_at_start} subscribers reached when restarted"
    );
}

/// The web node and the workers, killed if the test ends early (a failed
/// assertion) so that none outlives it; dropped before the cluster.
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `SUBSCRIBERS` registrations through the web node, 32 at a time, each
/// following Politics with endpoint `{sink}/push/{n}`.
async fn register(port: u16, sink: &str) {
    let keys = webpush::UserAgentKeys::generate().expect("keys");
    let p256dh = webpush::base64url::encode(keys.public_key());
    let auth = webpush::base64url::encode(keys.auth());
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/v1/push/subscriptions");
    let mut tasks = tokio::task::JoinSet::new();
    for n in 1..=SUBSCRIBERS {
        if tasks.len() >= 32 {
            tasks.join_next().await.expect("task").expect("registered");
        }
        let request = client.post(&url).json(&json!({
            "subscription": {"endpoint": format!("{sink}/push/{n}"), "keys": {"p256dh": p256dh, "auth": auth}},
            "topics": ["politics"],
        }));
        tasks.spawn(async move {
            let status = request.send().await.expect("request").status();
            assert_eq!(status, 201, "registration {n}");
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("registered");
    }
}

/// Polls `/healthz` until it answers `wanted`, for at most 30 s; returns
/// the last answer.
async fn health_until(port: u16, wanted: u16) -> (u16, String) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("client");
    let started = Instant::now();
    loop {
        let answer = match client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
            Err(e) => (0, e.to_string()),
        };
        if answer.0 == wanted || started.elapsed() > Duration::from_secs(30) {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn worker_log(dir: &Path, n: usize) -> std::path::PathBuf {
    dir.join(format!("worker-{n}.log"))
}
