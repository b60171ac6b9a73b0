//! Each web node's hub of live event streams (see `site::live_stream`,
//! which feeds it): one broadcast of ready frames that every stream of the
//! node receives, and the count of streams per client address, which the
//! node limits (`http.max_streams_per_address`).
//!
//! The frames are the same bytes for every stream (`Bytes` share one
//! buffer): a change costs one render, whatever the number of readers.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use tokio::sync::broadcast;

/// Frames the broadcast keeps for a stream that is behind; further behind,
/// the stream closes and the client resumes from the store.
const BROADCAST_CAPACITY: usize = 256;

/// One live change, rendered once for every stream.
#[derive(Debug)]
pub struct Frame {
    pub story_id: i64,
    pub seq: i64,
    pub bytes: Bytes,
    /// The coverage ended: the story's streams close after this frame.
    pub ends: bool,
    /// The server is stopping: every stream closes, without this frame.
    pub closing: bool,
}

/// Each node's live hub: reads live changes once, sends them to every
/// stream, and counts the streams per client address.
#[derive(Debug)]
pub struct LiveHub {
    sender: broadcast::Sender<Arc<Frame>>,
    per_address: Mutex<HashMap<IpAddr, u32>>,
    open: AtomicUsize,
    max_per_address: u32,
    heartbeat: Duration,
}

impl LiveHub {
    /// A hub allowing `max_per_address` streams per client address, each
    /// sending a heartbeat after `heartbeat` of quiet.
    pub fn new(max_per_address: u32, heartbeat: Duration) -> LiveHub {
        LiveHub {
            sender: broadcast::channel(BROADCAST_CAPACITY).0,
            per_address: Mutex::new(HashMap::new()),
            open: AtomicUsize::new(0),
            max_per_address,
            heartbeat,
        }
    }

    /// Streams open now.
    pub fn open_streams(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Closes every stream: the server is stopping (clients connect again,
    /// to this node once it is back, or another).
    pub fn close_streams(&self) {
        let _ = self.sender.send(Arc::new(Frame {
            story_id: 0,
            seq: i64::MAX,
            bytes: Bytes::new(),
            ends: true,
            closing: true,
        }));
    }

    /// A stream for `address`, unless it holds as many as it may.
    pub fn admit(self: &Arc<Self>, address: IpAddr) -> Option<StreamSlot> {
        let key = address_key(address);
        let mut counts = self.per_address.lock().ok()?;
        let count = counts.entry(key).or_insert(0);
        if *count >= self.max_per_address {
            return None;
        }
        *count += 1;
        self.open.fetch_add(1, Ordering::Relaxed);
        Some(StreamSlot {
            hub: self.clone(),
            key,
        })
    }

    /// Sends `frame` to every stream (none listening is no error).
    pub fn publish(&self, frame: Frame) {
        let _ = self.sender.send(Arc::new(frame));
    }

    /// A receiver of every frame published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Frame>> {
        self.sender.subscribe()
    }

    /// The most streams one address may hold.
    pub fn max_per_address(&self) -> u32 {
        self.max_per_address
    }

    /// How long a stream stays quiet before a heartbeat.
    pub fn heartbeat(&self) -> Duration {
        self.heartbeat
    }

    fn release(&self, key: IpAddr) {
        self.open.fetch_sub(1, Ordering::Relaxed);
        if let Ok(mut counts) = self.per_address.lock()
            && let Some(count) = counts.get_mut(&key)
        {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&key);
            }
        }
    }
}

/// One open stream's place in its address's count; given back on drop.
#[derive(Debug)]
pub struct StreamSlot {
    hub: Arc<LiveHub>,
    key: IpAddr,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.hub.release(self.key);
    }
}

/// Whom a client address's streams count against: the address, or for
/// IPv6 its /64 (one home or one device holds the whole of one).
fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(bits))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn streams_count_per_address_and_come_back_when_closed() {
        let hub = Arc::new(LiveHub::new(2, Duration::from_secs(15)));
        let first = hub.admit(ip("203.0.113.1")).expect("first");
        let _second = hub.admit(ip("203.0.113.1")).expect("second");
        assert!(hub.admit(ip("203.0.113.1")).is_none(), "a third");
        let other = hub.admit(ip("203.0.113.2"));
        assert!(other.is_some(), "another address");
        drop(first);
        let again = hub.admit(ip("203.0.113.1"));
        assert!(again.is_some(), "a slot came back");
        assert_eq!(hub.open_streams(), 3);
        drop((other, again));
        assert_eq!(hub.open_streams(), 1);
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64_and_a_mapped_v4_as_v4() {
        assert_eq!(
            address_key(ip("2001:db8:1:2:aaaa::1")),
            address_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            address_key(ip("2001:db8:1:2::1")),
            address_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(address_key(ip("::ffff:203.0.113.7")), ip("203.0.113.7"));
    }
}
