//! Secrets at rest (issue 19, finding 1) and backups: the data folder and
//! every file in it are private to Herald's user; TOTP secrets and the
//! site's secrets are sealed in the database under a key kept outside it;
//! plain values an older Herald kept are sealed on start; `herald secrets
//! rotate` reseals under a new key; `herald backup` copies a running,
//! writing site consistently, and `herald restore` brings it back.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use chrono::Utc;
use common::{TestStore, story_json};
use herald::content::input::parse_story_json;
use herald::roles::Role;
use herald::store::{NewSubscription, NewUser, Store};
use sqlx::{Connection, Row};

/// A TOTP secret as `totp::new_secret` makes them (base32).
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// A raw connection to the test's database, beside the store.
async fn raw(test: &TestStore) -> sqlx::AnyConnection {
    let url = match &test.database {
        Some(database) => database.url().to_owned(),
        None => format!("sqlite://{}", test.data.path().join("herald.db").display()),
    };
    sqlx::AnyConnection::connect(&url).await.expect("connect")
}

async fn stored_totp(conn: &mut sqlx::AnyConnection, id: i64) -> String {
    sqlx::query("SELECT totp_secret FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await
        .expect("row")
        .get(0)
}

async fn editor(store: &Store, email: &str) -> i64 {
    store
        .create_user(
            &NewUser {
                email: email.into(),
                name: "Ed".into(),
                role: Role::Editor,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
            },
            Utc::now().timestamp(),
        )
        .await
        .expect("user")
}

#[tokio::test]
async fn the_data_folder_and_its_files_are_private() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    // As an older Herald left it: a 755 folder with a 644 database.
    std::fs::create_dir(&data).expect("dir");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let store = Store::open_data_folder(&data).await.expect("store");
    store.close().await;
    std::fs::set_permissions(
        data.join("herald.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    let store = Store::open_data_folder(&data).await.expect("store");
    editor(&store, "ed@example.org").await;
    assert_eq!(mode(&data), 0o700, "the folder");
    for entry in std::fs::read_dir(&data).expect("list") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
    for name in ["herald.db", "herald.db-wal", "herald.db-shm", "secret.key"] {
        assert!(data.join(name).exists(), "{name} is there");
    }
    store.close().await;
}

#[tokio::test]
async fn totp_secrets_are_sealed_in_the_database() {
    let test = TestStore::open().await;
    let id = editor(&test.store, "ed@example.org").await;
    assert!(
        test.store
            .set_pending_totp_secret(id, TOTP_SECRET)
            .await
            .expect("set")
    );
    let mut conn = raw(&test).await;
    let stored = stored_totp(&mut conn, id).await;
    assert!(stored.starts_with("sealed:v1:"), "{stored}");
    assert!(!stored.contains(TOTP_SECRET), "{stored}");
    let user = test
        .store
        .user_by_id(id)
        .await
        .expect("read")
        .expect("user");
    assert_eq!(user.totp_secret.as_deref(), Some(TOTP_SECRET));

    // Moved to another account's row, it does not open there.
    let other = editor(&test.store, "other@example.org").await;
    sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
        .bind(&stored)
        .bind(other)
        .execute(&mut conn)
        .await
        .expect("copy");
    let err = test.store.user_by_id(other).await.expect_err("refused");
    assert!(err.to_string().contains("cannot be opened"), "{err}");
}

#[tokio::test]
async fn plain_secrets_of_an_older_herald_are_sealed_on_start() {
    let test = TestStore::open().await;
    let id = editor(&test.store, "ed@example.org").await;
    let mut conn = raw(&test).await;
    sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
        .bind(TOTP_SECRET)
        .bind(id)
        .execute(&mut conn)
        .await
        .expect("plain");
    sqlx::query("INSERT INTO site_secrets (name, value) VALUES ('old_plain', 'shh')")
        .execute(&mut conn)
        .await
        .expect("plain site secret");
    let reopened = match &test.database {
        Some(database) => {
            common::with_test_key(Store::connect(database.url(), 2).await.expect("store")).await
        }
        None => Store::open_data_folder(test.data.path())
            .await
            .expect("store"),
    };
    let stored = stored_totp(&mut conn, id).await;
    assert!(stored.starts_with("sealed:v1:"), "{stored}");
    let site: String = sqlx::query("SELECT value FROM site_secrets WHERE name = 'old_plain'")
        .fetch_one(&mut conn)
        .await
        .expect("row")
        .get(0);
    assert!(site.starts_with("sealed:v1:"), "{site}");
    let user = reopened.user_by_id(id).await.expect("read").expect("user");
    assert_eq!(user.totp_secret.as_deref(), Some(TOTP_SECRET));
    reopened.close().await;
}

#[tokio::test]
async fn the_vapid_key_in_a_postgres_database_is_sealed() {
    let test = TestStore::open().await;
    if test.database.is_none() {
        return; // SQLite keeps its VAPID key in a 0600 file, not in the database.
    }
    let keys = herald::delivery::keys::site_keys(&test.store, test.data.path())
        .await
        .expect("keys");
    let mut conn = raw(&test).await;
    let stored: String = sqlx::query("SELECT value FROM site_secrets")
        .fetch_one(&mut conn)
        .await
        .expect("row")
        .get(0);
    assert!(stored.starts_with("sealed:v1:"), "{stored}");
    let again = herald::delivery::keys::site_keys(&test.store, test.data.path())
        .await
        .expect("keys");
    assert_eq!(again.public_key_base64url(), keys.public_key_base64url());
}

/// `herald ARGS…` on the SQLite data folder `data`.
fn herald(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("HERALD_SECRET_KEY")
        .output()
        .expect("runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn rotating_the_key_reseals_every_secret() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let store = Store::open_data_folder(&data).await.expect("store");
    let id = editor(&store, "ed@example.org").await;
    store
        .set_pending_totp_secret(id, TOTP_SECRET)
        .await
        .expect("set");
    store.close().await;
    let key_before = std::fs::read_to_string(data.join("secret.key")).expect("key");

    let report = stdout(&herald(&data, &["secrets", "rotate"]));
    assert!(report.contains("resealed 1 secrets"), "{report}");
    let key_after = std::fs::read_to_string(data.join("secret.key")).expect("key");
    assert_ne!(key_before, key_after);
    assert_eq!(key_after.lines().count(), 1, "the old key is gone");
    assert_eq!(mode(&data.join("secret.key")), 0o600);

    let store = Store::open_data_folder(&data).await.expect("store");
    let user = store.user_by_id(id).await.expect("read").expect("user");
    assert_eq!(user.totp_secret.as_deref(), Some(TOTP_SECRET));
    store.close().await;

    let new_key = stdout(&herald(&data, &["secrets", "new-key"]));
    assert!(
        herald::secrets::Keyring::from_text(&new_key).is_ok(),
        "{new_key}"
    );
}

#[tokio::test]
async fn a_postgres_node_without_a_secret_key_refuses_to_start() {
    let Some(database) = common::TestDatabase::create().await else {
        return; // PostgreSQL only.
    };
    let dir = tempfile::tempdir().expect("tmp");
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("--data")
        .arg(dir.path())
        .arg("--database-url")
        .arg(database.url())
        .args(["vapid", "show"])
        .env_remove("HERALD_SECRET_KEY")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("HERALD_SECRET_KEY"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_writes_holds_everything_committed_before_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let store = Store::open_data_folder(&data).await.expect("store");
    let id = editor(&store, "ed@example.org").await;
    store
        .set_pending_totp_secret(id, TOTP_SECRET)
        .await
        .expect("set");

    // A burst of publishes and subscriptions, each noted once committed.
    let committed = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (store, committed, stop) = (store.clone(), committed.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let slug = format!("burst-{n}");
                let draft =
                    parse_story_json(&story_json(&slug, &format!("Burst {n}"), &["Science"]))
                        .and_then(|i| i.validate())
                        .expect("valid");
                herald::editorial::import_story(&store, &draft, None, true, false, Utc::now())
                    .await
                    .expect("saved");
                store
                    .register_subscription(
                        &NewSubscription {
                            endpoint: format!("https://fcm.googleapis.com/fcm/send/burst-{n}"),
                            p256dh: format!("p256dh-{n}"),
                            auth: format!("auth-{n}"),
                            expiration_time: None,
                        },
                        &format!("token-hash-{n}"),
                        &[],
                        None,
                        Utc::now().timestamp(),
                    )
                    .await
                    .expect("subscribed");
                committed.lock().expect("lock").push(slug);
                n += 1;
            }
        })
    };
    common::process::wait_for("a few writes", std::time::Duration::from_secs(30), || {
        committed.lock().expect("lock").len() >= 5
    })
    .await;
    let before: Vec<String> = committed.lock().expect("lock").clone();
    let backup = dir.path().join("site.backup");
    let report = stdout(&herald(&data, &["backup", backup.to_str().expect("utf-8")]));
    assert!(report.contains("site.backup.secret.key"), "{report}");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.await.expect("writer");
    store.close().await;
    for path in [&backup, &dir.path().join("site.backup.secret.key")] {
        assert_eq!(mode(path), 0o600, "{}", path.display());
    }
    let again = herald(&data, &["backup", backup.to_str().expect("utf-8")]);
    assert!(!again.status.success(), "a backup never overwrites one");

    // Into a new data folder; then refused over an existing site.
    let restored = dir.path().join("restored");
    let report = stdout(&herald(
        &restored,
        &["restore", backup.to_str().expect("utf-8")],
    ));
    assert!(report.contains("restored"), "{report}");
    let refused = herald(&restored, &["restore", backup.to_str().expect("utf-8")]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--replace"));

    let store = Store::open_data_folder(&restored)
        .await
        .expect("restored store");
    let url = format!("sqlite://{}", restored.join("herald.db").display());
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
    let endpoints: Vec<String> = sqlx::query("SELECT endpoint FROM push_subscriptions")
        .fetch_all(&mut conn)
        .await
        .expect("rows")
        .iter()
        .map(|row| row.get(0))
        .collect();
    for slug in &before {
        assert!(
            store.story_by_slug(slug).await.expect("read").is_some(),
            "{slug} was committed before the backup began"
        );
        let endpoint = format!("https://fcm.googleapis.com/fcm/send/{slug}");
        assert!(
            endpoints.contains(&endpoint),
            "{endpoint} was committed before the backup began"
        );
    }
    let user = store.user_by_id(id).await.expect("read").expect("user");
    assert_eq!(
        user.totp_secret.as_deref(),
        Some(TOTP_SECRET),
        "the key came along"
    );
    store.close().await;
}

#[tokio::test]
async fn a_restore_refuses_a_running_site_and_a_damaged_copy() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let store = Store::open_data_folder(&data).await.expect("store");
    let backup = dir.path().join("copy.db");
    store.backup_into(&backup).await.expect("backup");
    store.close().await;
    std::fs::copy(
        data.join("secret.key"),
        dir.path().join("copy.db.secret.key"),
    )
    .expect("key");

    // A running site holds the data folder's lock.
    let port = common::process::free_port();
    let mut serving = Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("--data")
        .arg(&data)
        .args(["--bind", &format!("127.0.0.1:{port}"), "serve"])
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("serve");
    common::process::wait_healthy(port).await;
    let refused = herald(
        &data,
        &["restore", "--replace", backup.to_str().expect("utf-8")],
    );
    common::process::terminate(&mut serving);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("is running"), "{stderr}");

    let damaged = dir.path().join("damaged.db");
    let mut bytes = std::fs::read(&backup).expect("read");
    bytes.truncate(bytes.len() / 2);
    for b in bytes.iter_mut().skip(4096).take(2048) {
        *b = 0xA5;
    }
    std::fs::write(&damaged, bytes).expect("write");
    let refused = herald(
        &dir.path().join("new"),
        &["restore", damaged.to_str().expect("utf-8")],
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("cannot be restored"), "{stderr}");
    assert!(
        !dir.path().join("new").join("herald.db").exists(),
        "nothing half-written"
    );

    let replaced = stdout(&herald(
        &data,
        &["restore", "--replace", backup.to_str().expect("utf-8")],
    ));
    assert!(replaced.contains("before-restore"), "{replaced}");
}
