//! The listening socket, with a backlog sized for a storm.
//!
//! When a story breaks, readers arrive on new connections all at once. The
//! kernel queues connections that completed their handshake until the
//! accept loop takes them; past the queue's length (`listen(2)`'s backlog)
//! it drops the next handshakes, and those readers' browsers retry only
//! after a second. `std` and tokio ask for a backlog of 128 or 1,024;
//! Herald asks for `http.listen_backlog` (4,096 by default), which Linux
//! caps at `net.core.somaxconn`.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpSocket};

/// Where Linux says how long a listen queue may be at most.
const SOMAXCONN: &str = "/proc/sys/net/core/somaxconn";

/// Listens on `address` with a queue of `backlog` connections.
pub fn bind(address: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // A restarted server may bind while its predecessor's connections close.
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    let listener = socket.listen(backlog)?;
    if let Some(cap) = os_cap()
        && cap < backlog
    {
        tracing::info!(
            listen_backlog = backlog,
            somaxconn = cap,
            "the kernel caps the listen backlog at net.core.somaxconn; raise it for a storm of connections"
        );
    }
    Ok(listener)
}

/// The kernel's cap on a listen queue, where it says.
fn os_cap() -> Option<u32> {
    std::fs::read_to_string(SOMAXCONN).ok()?.trim().parse().ok()
}
