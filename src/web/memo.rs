//! A figure computed at most once per period and shared by every request:
//! for what a page shows that may lag a little but costs a query over a
//! large table, such as the navigation's order by followers (a count over
//! every follow). Callers arriving while it is computed wait for that one
//! computation instead of starting their own.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// A value of type `T`, recomputed when older than its period.
#[derive(Debug)]
pub struct Memo<T> {
    period: Duration,
    kept: Mutex<Option<(Instant, Arc<T>)>>,
}

impl<T> Memo<T> {
    /// A memo that keeps each value for `period`.
    pub fn new(period: Duration) -> Memo<T> {
        Memo {
            period,
            kept: Mutex::new(None),
        }
    }

    /// The kept value if younger than the period; else `compute`'s, kept.
    /// A failure is returned and nothing is kept.
    pub async fn get<E, F>(&self, compute: impl FnOnce() -> F) -> Result<Arc<T>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let mut kept = self.kept.lock().await;
        if let Some((at, value)) = kept.as_ref()
            && at.elapsed() < self.period
        {
            return Ok(value.clone());
        }
        let value = Arc::new(compute().await?);
        *kept = Some((Instant::now(), value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn counted(memo: &Memo<usize>, calls: &AtomicUsize) -> Result<Arc<usize>, &'static str> {
        memo.get(|| async {
            tokio::task::yield_now().await;
            Ok(calls.fetch_add(1, Ordering::SeqCst) + 1)
        })
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn computes_once_within_the_period_even_for_callers_at_the_same_moment() {
        let memo = Arc::new(Memo::new(Duration::from_secs(3600)));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut callers = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (memo, calls) = (memo.clone(), calls.clone());
            callers.spawn(async move { counted(&memo, &calls).await });
        }
        while let Some(answer) = callers.join_next().await {
            assert_eq!(answer.expect("joined").as_deref(), Ok(&1));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn computes_again_after_the_period_and_keeps_no_failure() {
        let memo = Memo::new(Duration::ZERO);
        let calls = AtomicUsize::new(0);
        assert_eq!(counted(&memo, &calls).await.as_deref(), Ok(&1));
        assert_eq!(counted(&memo, &calls).await.as_deref(), Ok(&2));
        let failed: Result<Arc<usize>, &str> = memo.get(|| async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        let memo = Memo::new(Duration::from_secs(3600));
        let failed: Result<Arc<usize>, &str> = memo.get(|| async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        assert_eq!(counted(&memo, &calls).await.as_deref(), Ok(&3), "not kept");
    }
}
