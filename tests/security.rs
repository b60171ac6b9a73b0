//! The outside probe's cases (issue 19), kept as regression tests: what a
//! slow or idle client can hold, where `/metrics` is served. Other cases
//! live beside the feature they guard and are listed in SECURITY.md.

mod common;

use std::time::{Duration, Instant};

use common::TestSite;
use herald::config::HttpConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Short limits, so that the tests take seconds.
fn short_limits(max_connections: usize) -> HttpConfig {
    HttpConfig {
        header_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(2),
        max_connections,
    }
}

fn address(site: &TestSite) -> String {
    site.base.trim_start_matches("http://").to_owned()
}

/// How long the server keeps `stream` open, reading what it sends, up to
/// `limit`; `None` if still open then.
async fn closed_after(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(
            limit.saturating_sub(start.elapsed()),
            stream.read(&mut buffer),
        )
        .await
        {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_silent_connection_is_closed() {
    let site = TestSite::start_with(|c| c.http = short_limits(100)).await;
    let mut stream = TcpStream::connect(address(&site)).await.expect("connect");
    let closed = closed_after(&mut stream, Duration::from_secs(10)).await;
    let closed = closed.expect("closed by the server");
    assert!(closed < Duration::from_secs(5), "{closed:?}");
}

#[tokio::test]
async fn headers_sent_a_line_at_a_time_are_cut_off() {
    let site = TestSite::start_with(|c| c.http = short_limits(100)).await;
    let mut stream = TcpStream::connect(address(&site)).await.expect("connect");
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let start = Instant::now();
    let mut cut = false;
    // A header line every 300 ms: fast enough for any idle check, never
    // finishing the request.
    for n in 0..30 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        if stream
            .write_all(format!("X-Slow-{n}: {n}\r\n").as_bytes())
            .await
            .is_err()
        {
            cut = true;
            break;
        }
        let mut byte = [0u8; 512];
        if let Ok(Ok(read)) =
            tokio::time::timeout(Duration::from_millis(1), stream.read(&mut byte)).await
        {
            // The server's answer (408) or end of stream: cut off either way.
            cut = true;
            let _ = read;
            break;
        }
    }
    assert!(cut, "still open after {:?}", start.elapsed());
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_when_idle_but_not_before() {
    let site = TestSite::start_with(|c| c.http = short_limits(100)).await;
    let mut stream = TcpStream::connect(address(&site)).await.expect("connect");
    for _ in 0..3 {
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        let mut buffer = [0u8; 4096];
        let read = stream.read(&mut buffer).await.expect("answer");
        assert!(
            buffer[..read].starts_with(b"HTTP/1.1 200"),
            "{:?}",
            String::from_utf8_lossy(&buffer[..read])
        );
        // Less than the idle limit between requests: kept.
        tokio::time::sleep(Duration::from_millis(1200)).await;
    }
    let closed = closed_after(&mut stream, Duration::from_secs(10))
        .await
        .expect("closed once idle");
    assert!(closed >= Duration::from_millis(500), "{closed:?}");
    assert!(closed < Duration::from_secs(5), "{closed:?}");
}

#[tokio::test]
async fn connections_past_the_cap_wait_for_a_free_slot() {
    let site = TestSite::start_with(|c| c.http = short_limits(2)).await;
    let held: Vec<TcpStream> = futures_connect(&site, 2).await;
    // The third is accepted by the kernel but not served while two are open.
    let client = reqwest::Client::new();
    let third = tokio::time::timeout(
        Duration::from_millis(500),
        client.get(format!("{}/healthz", site.base)).send(),
    )
    .await;
    assert!(third.is_err(), "served past the cap");
    drop(held);
    let fourth = tokio::time::timeout(
        Duration::from_secs(5),
        client.get(format!("{}/healthz", site.base)).send(),
    )
    .await
    .expect("served once a slot is free")
    .expect("answer");
    assert_eq!(fourth.status(), 200);
}

async fn futures_connect(site: &TestSite, n: usize) -> Vec<TcpStream> {
    let mut streams = Vec::new();
    for _ in 0..n {
        let mut stream = TcpStream::connect(address(site)).await.expect("connect");
        // A request started keeps the slot busy until the idle limit.
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        let mut buffer = [0u8; 1024];
        let _ = stream.read(&mut buffer).await.expect("answer");
        streams.push(stream);
    }
    streams
}

#[tokio::test]
async fn metrics_are_served_on_the_metrics_address_alone() {
    let metrics_port = common::process::free_port();
    let site = TestSite::start_with(|c| {
        c.metrics_bind = Some(
            format!("127.0.0.1:{metrics_port}")
                .parse()
                .expect("address"),
        );
    })
    .await;
    let client = reqwest::Client::new();
    let public = client
        .get(format!("{}/metrics", site.base))
        .send()
        .await
        .expect("public");
    assert_eq!(
        public.status(),
        403,
        "no token: refused on the public address"
    );
    let mut private = None;
    for _ in 0..50 {
        if let Ok(answer) = client
            .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
            .send()
            .await
        {
            private = Some(answer);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let private = private.expect("the metrics address answers");
    assert_eq!(private.status(), 200);
    let text = private.text().await.expect("text");
    assert!(text.contains("herald_push_pending_shards"), "{text}");
    let other = client
        .get(format!("http://127.0.0.1:{metrics_port}/"))
        .send()
        .await
        .expect("answer");
    assert_eq!(other.status(), 404, "nothing but /metrics there");
}
