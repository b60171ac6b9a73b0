//! Where push messages are encrypted: on threads of their own, at a lower
//! OS scheduling priority than the web server's (issue 20, "serving before
//! sending").
//!
//! Encryption (an ECDH, a key pair, HKDF and AES-GCM per message) is most of
//! a fan-out's CPU. Done inline, it ran on the web server's runtime threads
//! and competed with page requests as an equal: a push to many readers,
//! followed by those readers opening the story, slowed the pages. Here it
//! runs on a small tokio runtime of its own whose threads are niced
//! (`push.encryption_nice`, +10 by default: against a busy nice-0 thread
//! the kernel gives a nice-10 one about a tenth of a CPU): when the machine has CPU to
//! spare, the fan-out gets all of it; when the pages need it, the kernel
//! gives it to them first. Everything else of delivery — the store, the
//! HTTP client, the scheduling — stays on the web runtime: it is little CPU
//! and mostly waiting, and moving it would put the store's pooled
//! connections (shared with the pages) on niced threads, so that a page
//! could wait behind the priority meant for the fan-out.
//!
//! With `push.encryption_threads = 0` messages are encrypted inline, on the
//! runtime that sends them, as before.

use std::io;
use std::sync::Arc;

use tokio::runtime::{Builder, Handle, Runtime};

/// The encryption threads, shared by every message a sender sends.
#[derive(Debug)]
pub struct EncryptionThreads {
    /// The runtime; taken on drop, to shut it down without blocking (a
    /// sender may be dropped inside another runtime).
    runtime: Option<Runtime>,
    /// Where work is sent.
    handle: Handle,
    /// How many threads there are: how many parts a list of work is cut
    /// into.
    threads: usize,
}

/// The encryption threads are gone (the process is stopping).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the encryption threads have stopped")]
pub struct Stopped;

impl EncryptionThreads {
    /// Starts `threads` threads (at least one) named `herald-encrypt`, each
    /// `nice` steps (0–19) below the process's priority.
    pub fn start(threads: usize, nice: i32) -> io::Result<EncryptionThreads> {
        let nice = nice.clamp(0, 19);
        let threads = threads.max(1);
        let runtime = Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("herald-encrypt")
            .on_thread_start(move || lower_priority(nice))
            .build()?;
        let handle = runtime.handle().clone();
        Ok(EncryptionThreads {
            runtime: Some(runtime),
            handle,
            threads,
        })
    }

    /// Runs `work` on each of `items` on the encryption threads and
    /// returns the results in order. The items are cut into one part per
    /// thread, so that a batch costs a hand-over per thread, not one per
    /// message (each wakes a thread: a tenth of an encryption's time).
    pub async fn map<I, O>(
        &self,
        items: Vec<I>,
        work: impl Fn(I) -> O + Send + Sync + 'static,
    ) -> Result<Vec<O>, Stopped>
    where
        I: Send + 'static,
        O: Send + 'static,
    {
        let count = items.len();
        let per_part = count.div_ceil(self.threads).max(1);
        let work = Arc::new(work);
        let mut items = items.into_iter();
        let mut parts = Vec::with_capacity(self.threads);
        loop {
            let part: Vec<I> = items.by_ref().take(per_part).collect();
            if part.is_empty() {
                break;
            }
            let work = work.clone();
            parts.push(
                self.handle.spawn(async move {
                    part.into_iter().map(|item| work(item)).collect::<Vec<O>>()
                }),
            );
        }
        let mut done = Vec::with_capacity(count);
        for part in parts {
            done.extend(part.await.map_err(|_| Stopped)?);
        }
        Ok(done)
    }
}

impl Drop for EncryptionThreads {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Lowers the calling thread's priority by `nice` steps (Linux gives each
/// thread its own nice value; the rest of the process keeps its own). A
/// refusal is logged, and the thread runs on at the process's priority.
fn lower_priority(nice: i32) {
    if nice == 0 {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let thread = Some(rustix::thread::gettid());
        let lowered = getpriority_process(thread)
            .and_then(|now| setpriority_process(thread, (now + nice).min(19)));
        if let Err(e) = lowered {
            tracing::warn!(error = %e, "cannot lower the encryption threads' priority");
        }
    }
    #[cfg(not(target_os = "linux"))]
    tracing::warn!("encryption threads run at the process's priority on this system");
}

/// The calling thread's nice value, for the tests that check where the
/// work ran.
#[cfg(all(test, target_os = "linux"))]
fn current_nice() -> i32 {
    rustix::process::getpriority_process(Some(rustix::thread::gettid())).expect("getpriority")
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// As `push.encryption_nice` is by default.
    const NICE: i32 = 10;

    #[tokio::test]
    async fn work_runs_on_named_threads_below_the_callers_priority() {
        let caller = current_nice();
        let threads = EncryptionThreads::start(2, NICE).expect("threads");
        let seen = threads
            .map((0..5).collect(), |n: i32| {
                let name = std::thread::current().name().map(str::to_owned);
                (n, name, current_nice())
            })
            .await
            .expect("ran");
        // In order, each on a named thread below the caller's priority.
        let order: Vec<i32> = seen.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(order, vec![0, 1, 2, 3, 4]);
        for (_, name, nice) in seen {
            assert_eq!(name.as_deref(), Some("herald-encrypt"));
            assert_eq!(nice, (caller + NICE).min(19));
        }
        // The caller's own thread keeps its priority.
        assert_eq!(current_nice(), caller);
    }

    #[tokio::test]
    async fn nice_zero_keeps_the_processs_priority() {
        let caller = current_nice();
        let threads = EncryptionThreads::start(1, 0).expect("threads");
        assert_eq!(
            threads.map(vec![()], |()| current_nice()).await,
            Ok(vec![caller])
        );
    }
}
