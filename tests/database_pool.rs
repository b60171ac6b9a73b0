//! The database pool's size comes from the configuration
//! (`--database-pool-size`, `HERALD_DATABASE_POOL_SIZE`, `database_pool_size`
//! in the config file; the flag wins over the variable, the variable over
//! the file), and the pool is opened with that size on either backend.

mod common;

use std::path::Path;
use std::process::Stdio;

use common::TestDatabase;
use common::process::herald;
use herald::store::{DEFAULT_POOL_SIZE, SQLITE_POOL_SIZE, Store};

const ENV: &str = "HERALD_DATABASE_POOL_SIZE";

/// Runs `herald [flag] vapid show` with the pool size `env` in the
/// environment (or none); returns whether it succeeded and its stderr.
fn vapid_show(data: &Path, config: &Path, flag: Option<&str>, env: Option<&str>) -> (bool, String) {
    let mut args = vec![];
    if let Some(size) = flag {
        args.extend(["--database-pool-size", size]);
    }
    args.extend(["vapid", "show"]);
    let mut command = herald(data, config, &args);
    command.env_remove(ENV).stderr(Stdio::piped());
    if let Some(size) = env {
        command.env(ENV, size);
    }
    let output = command.output().expect("herald runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_flag_wins_over_the_environment_and_the_environment_over_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let config = dir.path().join("herald.toml");
    // Out-of-range sizes are refused with the value that won, which shows
    // where it came from.
    std::fs::write(&config, "database_pool_size = 1001\n").expect("config");

    let (ok, err) = vapid_show(&data, &config, None, None);
    assert!(
        !ok && err.contains("database_pool_size") && err.contains("got 1001"),
        "{err}"
    );
    let (ok, err) = vapid_show(&data, &config, None, Some("0"));
    assert!(
        !ok && err.contains("got 0"),
        "the variable wins over the file: {err}"
    );
    let (ok, err) = vapid_show(&data, &config, Some("5000"), Some("0"));
    assert!(
        !ok && err.contains("got 5000"),
        "the flag wins over the variable: {err}"
    );

    let (ok, err) = vapid_show(&data, &config, Some("3"), Some("0"));
    assert!(
        ok,
        "a valid flag overrides the variable and the file: {err}"
    );
    let (ok, err) = vapid_show(&data, &config, None, Some("4"));
    assert!(ok, "a valid variable overrides the file: {err}");
}

#[tokio::test]
async fn the_pool_is_opened_with_the_configured_size() {
    let data = tempfile::tempdir().expect("tmp");
    let database = TestDatabase::create().await;
    let url = database.as_ref().map(TestDatabase::url);
    let default = match url {
        Some(_) => DEFAULT_POOL_SIZE,
        None => SQLITE_POOL_SIZE,
    };

    let sized = Store::open_with_pool(data.path(), url, Some(3))
        .await
        .expect("opens");
    assert_eq!(sized.pool_size(), 3);
    sized.close().await;
    let by_default = Store::open_with_pool(data.path(), url, None)
        .await
        .expect("opens");
    assert_eq!(by_default.pool_size(), default);
    by_default.close().await;
}
