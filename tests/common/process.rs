//! Running the `herald` binary itself, as an operator would: with a data
//! folder and a config file, in the background, and a push service that
//! counts what each device receives.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::routing::post;

/// Messages received per device number.
pub type Counts = Arc<Mutex<HashMap<u32, u32>>>;

/// A push service on loopback answering 201 to `POST /push/{n}` and
/// counting per `n`.
pub async fn counting_sink() -> (String, Counts) {
    let counts: Counts = Arc::default();
    let app = Router::new()
        .route(
            "/push/{n}",
            post(
                |State(counts): State<Counts>, UrlPath(n): UrlPath<u32>| async move {
                    *counts.lock().expect("lock").entry(n).or_insert(0) += 1;
                    (axum::http::StatusCode::CREATED, "")
                },
            ),
        )
        .with_state(counts.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, counts)
}

/// Every message received.
pub fn total(counts: &Counts) -> usize {
    counts
        .lock()
        .expect("lock")
        .values()
        .map(|c| *c as usize)
        .sum()
}

/// `herald --data DATA --config CONFIG ARGS…`, quiet.
pub fn herald(data: &Path, config: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
    command
        .arg("--data")
        .arg(data)
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// `herald story add -` with `json` on standard input.
pub fn add_story(data: &Path, config: &Path, json: &str, publish: bool) {
    let args: &[&str] = if publish {
        &["story", "add", "-", "--publish"]
    } else {
        &["story", "add", "-"]
    };
    let mut child = herald(data, config, args).spawn().expect("spawn");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), json.as_bytes())
        .expect("write");
    assert!(child.wait().expect("wait").success());
}

/// Creates the Politics topic the way a newsroom does, with a story that
/// names it, left a draft so that it notifies nobody.
pub fn seed_politics(data: &Path, config: &Path) {
    add_story(
        data,
        config,
        r#"{"slug": "seed", "headline": "Seed", "body_markdown": "x", "topics": ["Politics"]}"#,
        false,
    );
}

/// A data folder (with the Politics topic, see [`seed_politics`]) and a
/// config file under `dir` for a site that may push to `sink`: `top` goes
/// before the `[push]` table (say, `database_url`), `push` adds lines to it.
pub fn site_folder(dir: &Path, sink: &str, top: &str, push: &str) -> (PathBuf, PathBuf) {
    let data = dir.join("data");
    let config = dir.join("herald.toml");
    std::fs::write(
        &config,
        format!(
            "{top}[push]\nvapid_subject = \"mailto:tests@example.org\"\nallowed_hosts = [\"{sink}\"]\n{push}"
        ),
    )
    .expect("config");
    seed_politics(&data, &config);
    (data, config)
}

/// Stops `child` with SIGTERM, as an operator would, and asserts it ended
/// cleanly.
pub fn terminate(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let exit = child.wait().expect("exit");
    assert!(exit.success(), "{exit:?}");
}

/// `herald serve` on `port`, in the background.
pub fn serve(data: &Path, config: &Path, port: u16, extra: &[&str]) -> Child {
    let bind = format!("127.0.0.1:{port}");
    let mut args = vec!["--bind", bind.as_str()];
    args.extend_from_slice(extra);
    args.push("serve");
    herald(data, config, &args).spawn().expect("spawn")
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Polls `done` until it holds, failing the test after `limit`.
pub async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < limit,
            "{what} did not happen within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until `port` answers `/healthz`.
pub async fn wait_healthy(port: u16) {
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            && r.status() == 200
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
