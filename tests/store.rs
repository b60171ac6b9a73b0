//! The storage layer itself, on the configured backend (PostgreSQL when
//! `TEST_DATABASE_URL` is set, SQLite otherwise): what several processes
//! sharing one database rely on — shards leased by one worker only,
//! migrations applied once however many nodes start together.

mod common;

use std::collections::HashSet;

use chrono::Utc;
use common::{TestStore, story_json};
use herald::content::input::parse_story_json;
use herald::store::{Backend, NewSubscription, Store};
use sqlx::{Connection, Row};

const SUBSCRIBERS: i64 = 120;
const LEASERS: usize = 6;

/// A published story whose job is planned into one shard per subscriber.
async fn planned_shards(store: &Store) -> usize {
    let draft = parse_story_json(&story_json("quake", "Quake shakes the coast", &["Science"]))
        .and_then(|i| i.validate())
        .expect("valid story");
    let now = Utc::now();
    herald::editorial::import_story(store, &draft, None, true, false, now)
        .await
        .expect("saved");
    let topics = store
        .topic_ids(&["science".to_owned()])
        .await
        .expect("topics");
    let topic_ids: Vec<i64> = topics.iter().map(|(_, id)| *id).collect();
    assert_eq!(topic_ids.len(), 1, "{topics:?}");
    for n in 0..SUBSCRIBERS {
        let subscription = NewSubscription {
            endpoint: format!("https://fcm.googleapis.com/fcm/send/device-{n}"),
            p256dh: format!("p256dh-{n}"),
            auth: format!("auth-{n}"),
            expiration_time: None,
        };
        store
            .register_subscription(&subscription, &format!("token-{n}"), &topic_ids, None, 0)
            .await
            .expect("registered");
    }
    let planned = store
        .plan_due_jobs(now.timestamp_millis() + 1000, 1)
        .await
        .expect("planned");
    assert_eq!(planned.len(), 1);
    let (open_shards, _) = store.queue_depth().await.expect("depth");
    open_shards as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_never_lease_the_same_shard() {
    let test = TestStore::open().await;
    let shards = planned_shards(&test.store).await;
    assert_eq!(shards as i64, SUBSCRIBERS);

    let mut leasers = Vec::new();
    for worker in 0..LEASERS {
        let store = test.store.clone();
        leasers.push(tokio::spawn(async move {
            let owner = format!("worker-{worker}");
            let mut leased = Vec::new();
            loop {
                let now = Utc::now().timestamp_millis();
                match store.lease_shard(&owner, now, 60_000).await.expect("lease") {
                    Some(lease) => {
                        assert_eq!(lease.owner, owner);
                        leased.push(lease.shard_id);
                    }
                    None => return leased,
                }
            }
        }));
    }
    let mut all = Vec::new();
    let mut busy_workers = 0;
    for leaser in leasers {
        let leased = leaser.await.expect("leaser");
        busy_workers += usize::from(!leased.is_empty());
        all.extend(leased);
    }
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "a shard was leased twice on {:?}",
        test.store.backend()
    );
    assert_eq!(all.len(), shards, "every shard leased once");
    assert!(busy_workers > 1, "the leasers did not overlap");
    // Leased shards stay leased until their lease ends.
    let now = Utc::now().timestamp_millis();
    assert!(
        test.store
            .lease_shard("late", now, 60_000)
            .await
            .expect("lease")
            .is_none()
    );
    // After it ends, the shard can be taken over.
    let later = now + 120_000;
    assert!(
        test.store
            .lease_shard("late", later, 60_000)
            .await
            .expect("lease")
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_run_once_when_nodes_start_together() {
    let test = TestStore::open().await;
    match (test.store.backend(), &test.database) {
        (Backend::Postgres, Some(database)) => {
            // Three more nodes start at once on the same database.
            let url = database.url().to_owned();
            let nodes = (0..3).map(|_| {
                let url = url.clone();
                tokio::spawn(async move { Store::connect(&url, 2).await })
            });
            for node in nodes {
                let store = node.await.expect("node").expect("connects and migrates");
                store.close().await;
            }
        }
        _ => {
            // SQLite: one process migrates; opening again finds nothing to do.
            let again = Store::open_data_folder(test.data.path())
                .await
                .expect("opens again");
            again.close().await;
        }
    }
    let url = match &test.database {
        Some(database) => database.url().to_owned(),
        None => format!("sqlite://{}", test.data.path().join("herald.db").display()),
    };
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
    let row = sqlx::query("SELECT COUNT(*), COUNT(DISTINCT version) FROM herald_migrations")
        .fetch_one(&mut conn)
        .await
        .expect("migrations");
    let (applied, distinct): (i64, i64) = (row.get(0), row.get(1));
    // One row per migration file of this backend, none twice.
    let folder = match test.store.backend() {
        Backend::Sqlite => "migrations/sqlite",
        Backend::Postgres => "migrations/postgres",
    };
    let files = std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(folder))
        .expect("migrations folder")
        .count() as i64;
    assert_eq!((applied, distinct), (files, files));
    conn.close().await.expect("close");
    // Nothing was applied twice: the built-in topic exists once, and the
    // site's single state row is there.
    let topics = test.store.topics(Utc::now()).await.expect("topics");
    assert_eq!(
        topics.iter().filter(|t| t.slug == "breaking").count(),
        1,
        "{topics:?}"
    );
    let fingerprint = test.store.fingerprint(Utc::now()).await.expect("state");
    assert_eq!(fingerprint.content_version, 0);
}

#[tokio::test]
async fn every_node_signs_with_one_key_pair() {
    let test = TestStore::open().await;
    // Three nodes start at once; on PostgreSQL the first to store a pair wins.
    let nodes: Vec<Store> = match &test.database {
        Some(database) => {
            let mut nodes = Vec::new();
            for _ in 0..3 {
                let node = Store::connect(database.url(), 2).await.expect("connects");
                nodes.push(common::with_test_key(node).await);
            }
            nodes
        }
        None => vec![test.store.clone(), test.store.clone(), test.store.clone()],
    };
    // Separate data folders: on PostgreSQL the key must not come from them.
    let folders: Vec<tempfile::TempDir> =
        (0..3).map(|_| tempfile::tempdir().expect("tmp")).collect();
    let keys = futures_keys(&nodes, &folders, test.store.backend()).await;
    assert!(keys.windows(2).all(|w| w[0] == w[1]), "{keys:?}");
    if test.store.backend() == Backend::Postgres {
        let new = herald::delivery::keys::regenerate_site_keys(&nodes[0], folders[0].path())
            .await
            .expect("regenerated")
            .public_key_base64url();
        assert_ne!(new, keys[0]);
        let seen = herald::delivery::keys::site_keys(&nodes[2], folders[2].path())
            .await
            .expect("keys")
            .public_key_base64url();
        assert_eq!(seen, new, "every node sees the new pair");
    }
}

/// Each node's public key, fetched concurrently.
async fn futures_keys(
    nodes: &[Store],
    folders: &[tempfile::TempDir],
    backend: Backend,
) -> Vec<String> {
    let tasks: Vec<_> = nodes
        .iter()
        .zip(folders)
        .map(|(store, folder)| {
            let store = store.clone();
            // On SQLite one node has one data folder.
            let path = match backend {
                Backend::Sqlite => folders[0].path().to_path_buf(),
                Backend::Postgres => folder.path().to_path_buf(),
            };
            tokio::spawn(async move {
                herald::delivery::keys::site_keys(&store, &path)
                    .await
                    .expect("keys")
                    .public_key_base64url()
            })
        })
        .collect();
    let mut keys = Vec::new();
    for task in tasks {
        keys.push(task.await.expect("task"));
    }
    keys
}

#[tokio::test]
async fn a_lookup_of_more_rows_than_one_statement_binds_finds_every_match() {
    // Reads of many ids go out in statements of at most 500 rows
    // (store::batch): matches in the first, the second and the last of
    // three statements must all come back.
    let test = TestStore::open().await;
    let store = &test.store;
    for (slug, headline, topic) in [
        ("a", "Story A", "Topic Zero"),
        ("b", "Story B", "Topic Six Hundred"),
        ("c", "Story C", "Topic Twelve Hundred"),
    ] {
        let draft = parse_story_json(&story_json(slug, headline, &[topic]))
            .and_then(|i| i.validate())
            .expect("valid story");
        herald::editorial::import_story(store, &draft, None, true, false, Utc::now())
            .await
            .expect("saved");
    }
    let mut slugs: Vec<String> = (0..1201).map(|n| format!("no-such-topic-{n}")).collect();
    slugs[0] = "topic-zero".into();
    slugs[600] = "topic-six-hundred".into();
    slugs[1200] = "topic-twelve-hundred".into();
    let mut found: Vec<String> = store
        .topic_ids(&slugs)
        .await
        .expect("topic ids")
        .into_iter()
        .map(|(slug, _)| slug)
        .collect();
    found.sort();
    assert_eq!(
        found,
        ["topic-six-hundred", "topic-twelve-hundred", "topic-zero"]
    );
}
