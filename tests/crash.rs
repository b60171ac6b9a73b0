//! Delivery survives its process dying: a 20,000-subscriber fan-out to a
//! push service on loopback is interrupted by SIGTERM (the workers
//! checkpoint and hand their shards back) and then by SIGKILL (the leases
//! expire and the next process resumes from the checkpoints). Every
//! subscriber receives the story at least once; duplicates stay within the
//! messages in flight when the process died.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::process::{add_story, counting_sink, free_port, site_folder, total, wait_for};

const SUBSCRIBERS: usize = 20_000;
const WORKERS: usize = 2;
const BATCH: usize = 200;

fn sqlite(db: &Path, sql: &str) -> String {
    let out = Command::new("python3")
        .args(["-c", "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nprint(c.execute(sys.argv[2]).fetchone()[0])"])
        .arg(db)
        .arg(sql)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fanout_survives_sigterm_and_sigkill() {
    let (sink, counts) = counting_sink().await;
    let dir = tempfile::tempdir().expect("tmp");
    // The topic exists once a story names it (a draft: it notifies nobody);
    // then 20,000 subscribers follow it, written straight into the database
    // in one transaction.
    let (data, config) = site_folder(
        dir.path(),
        &sink,
        "",
        &format!(
            "workers = {WORKERS}\nbatch_size = {BATCH}\nshard_size = 2500\nlease_seconds = 5\nretry_base_ms = 100\n"
        ),
    );
    let keys = webpush::UserAgentKeys::generate().expect("keys");
    let p256dh = webpush::base64url::encode(keys.public_key());
    let auth = webpush::base64url::encode(keys.auth());
    let db = data.join("herald.db");
    let insert = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nn=int(sys.argv[2])\n\
             t=c.execute(\"SELECT id FROM topics WHERE slug='politics'\").fetchone()[0]\n\
             c.executemany('INSERT INTO push_subscriptions (id,endpoint,p256dh,auth,token_hash,created_at,last_seen_at) VALUES (?,?,?,?,?,0,0)',\
             ((i, sys.argv[3]+'/push/'+str(i), sys.argv[4], sys.argv[5], 'h'+str(i)) for i in range(1,n+1)))\n\
             c.executemany('INSERT INTO push_follows (subscription_id,topic_id,created_at) VALUES (?,?,0)', ((i,t) for i in range(1,n+1)))\n\
             c.commit()",
        ])
        .arg(&db)
        .arg(SUBSCRIBERS.to_string())
        .arg(&sink)
        .arg(&p256dh)
        .arg(&auth)
        .status()
        .expect("python3");
    assert!(insert.success());

    let port = free_port();
    let serve =
        |data: &Path, config: &Path, port: u16| common::process::serve(data, config, port, &[]);
    let mut server = serve(&data, &config, port);
    add_story(
        &data,
        &config,
        r#"{"slug": "big", "headline": "Big story", "body_markdown": "x", "topics": ["Politics"]}"#,
        true,
    );
    // No per-subscriber rows at publish time: only the job.
    assert_eq!(sqlite(&db, "SELECT COUNT(*) FROM push_retries"), "0");

    // SIGTERM mid-way: the process stops within its deadline, its shards
    // handed back with their checkpoints.
    wait_for("3,000 deliveries", Duration::from_secs(120), || {
        total(&counts) >= 3_000
    })
    .await;
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let stopped = Instant::now();
    let exit = loop {
        if let Some(exit) = server.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(25),
            "SIGTERM did not stop the server in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit:?}");
    assert_eq!(
        sqlite(
            &db,
            "SELECT COUNT(*) FROM push_shards WHERE state = 'leased'"
        ),
        "0",
        "shards handed back"
    );
    let after_term = total(&counts);
    assert!(
        after_term < SUBSCRIBERS,
        "the fan-out finished before SIGTERM; the test needs it mid-way"
    );

    // SIGKILL mid-way: nothing is checkpointed; the leases expire.
    let mut server = serve(&data, &config, port);
    wait_for("3,000 more deliveries", Duration::from_secs(120), || {
        total(&counts) >= after_term + 3_000
    })
    .await;
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");
    let after_kill = total(&counts);
    assert!(
        after_kill < SUBSCRIBERS,
        "the fan-out finished before SIGKILL; the test needs it mid-way"
    );

    // A new process resumes from the checkpoints and finishes.
    let mut server = serve(&data, &config, port);
    wait_for("every subscriber reached", Duration::from_secs(180), || {
        counts.lock().expect("lock").len() >= SUBSCRIBERS
    })
    .await;
    wait_for("the job finished", Duration::from_secs(30), || {
        sqlite(&db, "SELECT state FROM push_jobs WHERE story_id = (SELECT id FROM stories WHERE slug = 'big')") == "done"
    })
    .await;
    let _ = server.kill();
    let _ = server.wait();

    let counts = counts.lock().expect("lock");
    assert_eq!(
        counts.len(),
        SUBSCRIBERS,
        "every subscriber received the story"
    );
    let duplicates: usize = counts.values().map(|c| *c as usize - 1).sum();
    // At most the batches in flight when each process stopped.
    assert!(duplicates <= 2 * WORKERS * BATCH, "{duplicates} duplicates");
    println!("duplicates: {duplicates} (SIGTERM at {after_term}, SIGKILL at {after_kill})");
}
