//! Paced delivery: at most `push.max_messages_per_second` messages leave
//! this process per second (0, the default, is no limit), whichever worker
//! sends them, so that a big fan-out does not overrun a push service's or
//! the network's quota.
//!
//! One [`Pace`] per process, shared by its workers: each message is
//! admitted at its turn, one interval (1 / rate) after the previous one's
//! turn; a message whose turn is near (within [`BURST`]) goes at once,
//! since a timer cannot wait less than a millisecond, so that high rates
//! are still reached. An idle process does not save up turns: after a
//! pause the next message goes at once and the pace starts again.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use tokio::time::Instant;

/// How far ahead of its turn a message may go.
const BURST: Duration = Duration::from_millis(10);

/// The process's pace.
#[derive(Debug)]
pub struct Pace {
    /// Time between two messages; `None` for no limit.
    interval: Option<Duration>,
    /// The next free turn.
    next_turn: Mutex<Instant>,
    /// Seconds messages waited for their turn, for `/metrics`.
    waited: Counter<f64, std::sync::atomic::AtomicU64>,
}

impl Pace {
    /// At most `per_second` messages a second; 0 for no limit. `waited`
    /// adds up the seconds messages waited for their turn.
    pub fn per_second(per_second: u32, waited: Counter<f64, std::sync::atomic::AtomicU64>) -> Pace {
        Pace {
            interval: (per_second > 0).then(|| Duration::from_secs(1) / per_second),
            next_turn: Mutex::new(Instant::now()),
            waited,
        }
    }

    /// Waits for the next message's turn.
    pub async fn admit(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let now = Instant::now();
        let wait_until = match self.next_turn.lock() {
            Ok(mut next) => take_turn(&mut next, now, interval),
            Err(_) => return,
        };
        if let Some(at) = wait_until {
            self.waited.inc_by((at - now).as_secs_f64());
            tokio::time::sleep_until(at).await;
        }
    }
}

/// Takes the next turn at `now`, one `interval` after the last: until when
/// to wait, when it is more than [`BURST`] away.
fn take_turn(next: &mut Instant, now: Instant, interval: Duration) -> Option<Instant> {
    let turn = (*next).max(now);
    *next = turn + interval;
    (turn > now + BURST).then(|| turn - BURST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_keep_the_pace_within_the_burst() {
        let start = Instant::now();
        let mut next = start;
        let mut now = start;
        let interval = Duration::from_millis(10);
        for _ in 0..201 {
            if let Some(at) = take_turn(&mut next, now, interval) {
                now = at;
            }
        }
        // 200 intervals of 10 ms, less the burst allowance.
        assert_eq!(now - start, Duration::from_millis(1990));
        // After a pause, the next message goes at once.
        let later = now + Duration::from_secs(60);
        assert_eq!(take_turn(&mut next, later, interval), None);
        assert_eq!(next, later + interval);
    }
}
