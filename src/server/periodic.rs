//! Work `serve` does on a timer beside the site: the first run some time
//! after start-up (so that a start, or a test, is not slowed by it), then
//! one run every period until shutdown. A run that takes longer than a
//! period delays the next rather than queueing runs behind it.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

/// Runs `work` `first` after now and then every `every`, until `stop`
/// changes. Each run gets `stop` too, to end early when a long run is cut
/// short by shutdown.
pub async fn run<F, Fut>(
    first: Duration,
    every: Duration,
    mut stop: watch::Receiver<bool>,
    mut work: F,
) where
    F: FnMut(watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut ticker = tokio::time::interval_at(Instant::now() + first, every);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        // Stopping first: a tick due at the same moment is not a run.
        tokio::select! {
            biased;
            _ = stop.changed() => return,
            _ = ticker.tick() => {}
        }
        work(stop.clone()).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    /// Real time, short periods, and no bound tighter than seconds: the
    /// order of things is what is checked, not the machine's speed.
    #[tokio::test]
    async fn runs_after_the_first_delay_then_every_period_until_stopped() {
        let runs = Arc::new(AtomicU32::new(0));
        let (stop_tx, stop_rx) = watch::channel(false);
        let counted = runs.clone();
        let task = tokio::spawn(run(
            Duration::from_millis(300),
            Duration::from_millis(20),
            stop_rx,
            move |_| {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
            },
        ));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 0, "not before the first delay");
        let repeated = async {
            while runs.load(Ordering::SeqCst) < 3 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), repeated)
            .await
            .expect("runs again every period");
        stop_tx.send(true).expect("stop");
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("ends when stopped")
            .expect("no panic");
        let after_stop = runs.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(runs.load(Ordering::SeqCst), after_stop, "no run after stop");
    }
}
