//! The listen backlog (issue 20): readers arriving on new connections all
//! at once are queued by the kernel until the server accepts them, not
//! dropped (a dropped handshake is retried by the browser only a second
//! later). Needs no database: the same on both backends.

use std::time::Duration;

/// Connections opened at once, as a storm of readers would.
const STORM: usize = 1000;

/// The kernel's cap on a listen queue, where it says.
fn somaxconn() -> Option<usize> {
    std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[tokio::test]
async fn a_thousand_connections_at_once_are_queued_not_dropped() {
    if somaxconn().is_some_and(|cap| cap <= STORM) {
        eprintln!("net.core.somaxconn is below {STORM}: nothing to observe here");
        return;
    }
    let address = "127.0.0.1:0".parse().expect("address");
    // A listener that never accepts: every connection must wait in its
    // queue. With a backlog of 128 most handshakes would never complete.
    let listener = herald::server::bind_listener(address, 4096).expect("listen");
    let address = listener.local_addr().expect("address");
    let connects: Vec<_> = (0..STORM)
        .map(|_| {
            tokio::spawn(tokio::time::timeout(
                Duration::from_secs(30),
                tokio::net::TcpStream::connect(address),
            ))
        })
        .collect();
    let mut connected = Vec::with_capacity(STORM);
    for connect in connects {
        let stream = connect
            .await
            .expect("task")
            .expect("connected before the timeout: the handshake was queued")
            .expect("connected");
        connected.push(stream);
    }
    assert_eq!(connected.len(), STORM);
    drop(listener);
}
