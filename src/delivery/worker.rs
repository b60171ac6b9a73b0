//! Delivery workers: each plans due fan-out jobs, leases a shard, streams
//! its subscribers in id order a batch at a time, sends, and checkpoints
//! the batch in one transaction; between shards it retries what is due.
//! A worker that dies loses at most the batch in flight; after its lease
//! expires another worker resumes from the checkpoint. On shutdown a worker
//! finishes its batch, checkpoints it, and hands the shard back.
//!
//! **Reminders.** Each batch's recipients go through the reader's rules
//! ([`crate::delivery::reminders::decide_for_recipient`]: daily cap, quiet
//! hours, digest topics, breaking news cutting through) before anything is
//! sent. Those to send now claim a send slot on their local day, the whole
//! batch in one statement; a claim refused (another story took the last
//! slot meanwhile) is held like any other. What cannot go now is counted as
//! `held` and, for a story's original notification, kept in the reader's
//! reminders, written in the batch's own transaction; the engine's digest
//! sweeper ([`crate::delivery::sweeper`]) sends it later as one digest.
//! Breaking news is the job's breaking mark or the story's breaking topic,
//! the same test that makes a notification urgent.
//!
//! **Updates** (a job of kind `update`, which replaces a story's earlier
//! notification on devices and alerts again) follow the same rules and
//! claim a slot when they go, but are never held: a reader who cannot take
//! one now either has the original on their device already (the update
//! only corrects it) or has the story waiting in their reminders (the
//! digest shows it as it is when sent). They are counted as `held` all the
//! same, so that `queued = sent + held` for every job.
//!
//! **Key events** of a live story (kind `key_event`) go to the story's
//! followers by the same rules; one that cannot go now holds its story in
//! the reader's reminders, even when they had opened it or had it in a
//! digest before, so the digest brings them back to the coverage.
//!
//! Time comes from the engine's [`Clock`], which a test may move.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::metrics::Metrics;
use super::pacing::Pace;
use super::payload::{Prepared, SiteVoice, StoryText, is_urgent, prepare, prepare_key_event};
use super::retry::{RetryPolicy, jitter};
use super::sender::{Delivery, Sender};
use crate::content::spread::{self, Spread};
use crate::delivery::reminders::{decide_for_recipient, hold_at_cap, slot_cap};
use crate::reminders::{Decision, SitePolicy};
use crate::store::{
    Audience, Checkpoint, DueRetry, FailureEntry, HeldStory, HostTally, JobKind, Outcomes,
    Recipient, RetryEntry, ShardLease, ShardRecipient, SlotClaim, Store, StoreError,
};

/// Where the engine gets the time: the system clock, or one a test sets
/// and moves (so that it can publish during a reader's quiet hours and then
/// step past their end).
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Arc::new(Utc::now))
    }

    /// A clock that reads `now`.
    pub fn from_fn(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }

    /// Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Clock({})", self.now().to_rfc3339())
    }
}

/// How the workers work.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Worker tasks in this process; 0 turns delivery off.
    pub workers: usize,
    /// Subscriber ids per shard.
    pub shard_size: i64,
    /// Subscribers sent to between two checkpoints: the most a crash can
    /// send twice.
    pub batch_size: i64,
    /// How long a shard stays leased without a checkpoint.
    pub lease: Duration,
    /// How often an idle worker looks for work.
    pub poll: Duration,
    pub retry: RetryPolicy,
    /// How often the digest sweeper looks for due digests: a digest goes
    /// out within this (plus the time to send those before it) of being
    /// due.
    pub sweep_interval: Duration,
    /// How often, by the engine's clock, the sweeper asks silent
    /// subscriptions "still interested?", prunes those that stayed silent,
    /// and prunes old reminders.
    pub housekeeping_interval: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            workers: 1,
            shard_size: 5_000,
            batch_size: 500,
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(50),
            retry: RetryPolicy::default(),
            sweep_interval: Duration::from_secs(30),
            housekeeping_interval: Duration::from_secs(3600),
        }
    }
}

/// How many subscribers the first batch of a shard's lease holds at most.
pub const FIRST_BATCH: i64 = 50;

/// Messages sealed at a time: one hand-over to the encryption threads for
/// this many (a first batch's [`FIRST_BATCH`] in one), and the first of
/// them leave after about a millisecond of encryption.
const SEAL_CHUNK: usize = 64;

/// What the workers share.
#[derive(Debug, Clone)]
pub struct Engine {
    pub store: Store,
    pub sender: Arc<Sender>,
    pub metrics: Arc<Metrics>,
    pub settings: WorkerSettings,
    /// The site's address and language, as notifications carry them.
    pub voice: SiteVoice,
    /// The site's name, in the notifications that are not a story's.
    pub site_name: String,
    /// The site's reminder policy (`[reminders]`).
    pub reminders: SitePolicy,
    pub clock: Clock,
    /// The process's pace, shared by its workers.
    pub pace: Arc<Pace>,
}

/// A job's payload, prepared once for all its recipients.
struct JobPayload {
    prepared: Prepared,
    story_id: i64,
    kind: JobKind,
    /// Breaking news, as the reminder rules see it (see the module docs).
    breaking: bool,
    /// Whom the job sends to.
    audience: Audience,
    planned_at_ms: i64,
    ttl_ms: i64,
    /// When each subscriber's turn comes, for a job spread over minutes.
    spread: Option<Spread>,
}

/// How far ahead a spread job's batch reaches: the subscribers whose turn
/// comes within it are read and sent at their turn; a shard with none
/// is handed back until the next turn.
const SPREAD_STEP_MS: i64 = 1_000;

/// A batch after the reminder rules: whom to send to now, and what is held.
#[derive(Default)]
struct Sorted {
    send: Vec<Recipient>,
    held: i64,
    reminders: Vec<HeldStory>,
    /// A key event's held recipients: its story waits in their reminders.
    key_events: Vec<HeldStory>,
}

impl Sorted {
    fn hold(&mut self, payload: &JobPayload, subscription_id: i64, decision: Decision) {
        let Decision::Hold { due_at, reason } = decision else {
            return;
        };
        self.held += 1;
        let held = HeldStory {
            subscription_id,
            story_id: payload.story_id,
            due_at: due_at.timestamp(),
            reason,
        };
        match payload.kind {
            JobKind::Original => self.reminders.push(held),
            JobKind::KeyEvent => self.key_events.push(held),
            JobKind::Update => {}
        }
    }
}

impl Engine {
    /// Runs the workers, the reminders' sweeper, and the listener for jobs
    /// that other processes commit ([`Store::hear_other_processes_jobs`])
    /// until `stop` turns true; each worker then checkpoints its batch in
    /// flight and hands its shard back, and the sweeper records the digests
    /// it was sending.
    pub async fn run(self, stop: watch::Receiver<bool>) {
        let mut tasks = JoinSet::new();
        for n in 0..self.settings.workers {
            let engine = self.clone();
            let stop = stop.clone();
            let owner = format!("{}-{}", std::process::id(), n);
            tasks.spawn(async move { engine.work(owner, stop).await });
        }
        if self.settings.workers > 0 {
            let store = self.store.clone();
            let listening = stop.clone();
            tasks.spawn(async move { store.hear_other_processes_jobs(listening).await });
            let engine = self.clone();
            let stop = stop.clone();
            tasks.spawn(async move { crate::delivery::sweeper::run(engine, stop).await });
        }
        while tasks.join_next().await.is_some() {}
    }

    async fn work(&self, owner: String, mut stop: watch::Receiver<bool>) {
        let mut payloads: HashMap<i64, Arc<JobPayload>> = HashMap::new();
        // Storage errors in a row: each one doubles the pause (a database
        // outage costs a few warnings, not a hot loop); any success resets it.
        let mut failures: u32 = 0;
        loop {
            if *stop.borrow() {
                return;
            }
            // Made before looking, so that a job committed meanwhile wakes
            // the pause below rather than waiting for the next poll.
            let committed = self.store.job_committed();
            tokio::pin!(committed);
            committed.as_mut().enable();
            let pause = match self.step(&owner, &stop, &mut payloads).await {
                Ok(true) => {
                    failures = 0;
                    continue;
                }
                Ok(false) => {
                    failures = 0;
                    self.settings.poll
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let pause = outage_backoff(self.settings.poll, failures);
                    tracing::warn!(
                        error = %e,
                        retry_in_ms = pause.as_millis() as u64,
                        "delivery worker: storage error; backing off"
                    );
                    pause
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = &mut committed => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// One unit of work; false when there was none.
    async fn step(
        &self,
        owner: &str,
        stop: &watch::Receiver<bool>,
        payloads: &mut HashMap<i64, Arc<JobPayload>>,
    ) -> Result<bool, StoreError> {
        let now = self.clock.now_ms();
        for job in self
            .store
            .plan_due_jobs(now, self.settings.shard_size)
            .await?
        {
            tracing::info!(job, "fan-out planned");
            // Counted beside the sending, not before it.
            let store = self.store.clone();
            tokio::spawn(async move {
                if let Err(e) = store.count_planned(job).await {
                    tracing::warn!(job, error = %e, "cannot count a fan-out's subscribers yet; retried later");
                }
            });
        }
        let lease_ms = self.settings.lease.as_millis() as i64;
        if let Some(lease) = self.store.lease_shard(owner, now, lease_ms).await? {
            self.run_shard(&lease, stop, payloads).await?;
            return Ok(true);
        }
        let due = self
            .store
            .claim_due_retries(now, self.settings.batch_size, lease_ms)
            .await?;
        if due.is_empty() {
            return Ok(false);
        }
        self.run_retries(due, payloads).await?;
        Ok(true)
    }

    async fn payload(
        &self,
        job_id: i64,
        payloads: &mut HashMap<i64, Arc<JobPayload>>,
    ) -> Result<Option<Arc<JobPayload>>, StoreError> {
        if let Some(p) = payloads.get(&job_id) {
            return Ok(Some(p.clone()));
        }
        let Some(job) = self.store.job_info(job_id).await? else {
            return Ok(None);
        };
        let Some(story) = self.store.stories_by_ids(&[job.story_id]).await?.pop() else {
            return Ok(None);
        };
        let prepared = match job.entry_id {
            // A key event's words are its entry's, as it stands now.
            Some(entry_id) => {
                let Some(entry) = self.store.live_entry(entry_id).await? else {
                    return Ok(None);
                };
                prepare_key_event(&story, &entry, &job.settings, job.ttl_seconds, &self.voice)
            }
            None => prepare(
                &story,
                &job.settings,
                job.kind,
                job.ttl_seconds,
                &self.voice,
            ),
        };
        let breaking = is_urgent(&StoryText::of(&story), &job.settings);
        let minutes = spread::minutes(
            job.settings.spread_minutes,
            job.settings.spread_breaking,
            breaking,
        );
        let payload = Arc::new(JobPayload {
            prepared,
            story_id: job.story_id,
            kind: job.kind,
            breaking,
            spread: Spread::new(job.planned_at_ms, minutes, job.subscribers),
            audience: job.audience,
            planned_at_ms: job.planned_at_ms,
            ttl_ms: i64::from(job.ttl_seconds) * 1000,
        });
        if payloads.len() > 1000 {
            payloads.clear();
        }
        payloads.insert(job_id, payload.clone());
        Ok(Some(payload))
    }

    async fn run_shard(
        &self,
        lease: &ShardLease,
        stop: &watch::Receiver<bool>,
        payloads: &mut HashMap<i64, Arc<JobPayload>>,
    ) -> Result<(), StoreError> {
        let lease_ms = self.settings.lease.as_millis() as i64;
        let Some(payload) = self.payload(lease.job_id, payloads).await? else {
            // The story is gone: nothing to send.
            return self
                .store
                .record_batch(
                    lease,
                    &Checkpoint {
                        subscriber: lease.last_subscriber,
                        handled: 0,
                        done: true,
                    },
                    &Outcomes::default(),
                    self.clock.now_ms(),
                    lease_ms,
                )
                .await;
        };
        let mut checkpoint = lease.checkpoint;
        // The first batch of a lease is small, so that its first messages
        // leave before a full batch has been read and its send slots
        // claimed (about 10 ms for 500 on SQLite); the rest go full size.
        let mut batch_size = FIRST_BATCH.min(self.settings.batch_size);
        loop {
            if *stop.borrow() {
                return self.store.release_shard(lease).await;
            }
            // Renewed before each batch, so that the lease lapses only when a
            // worker stops checkpointing; a lost lease means another worker
            // has taken the shard over from its checkpoint.
            if !self
                .store
                .renew_lease(lease, self.clock.now_ms() + lease_ms)
                .await?
            {
                tracing::warn!(
                    shard = lease.shard_id,
                    "lease lost; another worker resumes the shard"
                );
                return Ok(());
            }
            // A spread job reads only the subscribers whose turn comes
            // soon; when none does, the shard waits, unleased, for the next.
            let upto = match &payload.spread {
                Some(spread) => spread
                    .last_due_by(self.clock.now_ms() + SPREAD_STEP_MS)
                    .min(lease.last_subscriber),
                None => lease.last_subscriber,
            };
            if let Some(spread) = &payload.spread
                && upto <= checkpoint
            {
                return self
                    .store
                    .postpone_shard(lease, spread.due_at(checkpoint + 1))
                    .await;
            }
            let batch = self
                .store
                .shard_recipients(&payload.audience, checkpoint, upto, batch_size)
                .await?;
            let full = (batch.len() as i64) == batch_size;
            let done = !full && upto == lease.last_subscriber;
            batch_size = self.settings.batch_size;
            let last = batch.last().map_or(upto, |r| r.recipient.id);
            let sorted = self.apply_reminder_rules(batch, &payload).await?;
            let mut outcomes = self.send_all(sorted.send, &payload, 1).await;
            outcomes.held = sorted.held;
            outcomes.reminders = sorted.reminders;
            outcomes.key_events = sorted.key_events;
            checkpoint = if full { last } else { upto };
            let progress = Checkpoint {
                subscriber: checkpoint,
                handled: outcomes.sent + outcomes.held,
                done,
            };
            self.store
                .record_batch(lease, &progress, &outcomes, self.clock.now_ms(), lease_ms)
                .await?;
            if done {
                return Ok(());
            }
        }
    }

    /// Each recipient of a batch through their reminder rules at the
    /// engine's time: those to send now claim their send slots (one
    /// statement for the batch); the rest, and those whose claim is
    /// refused, are held.
    async fn apply_reminder_rules(
        &self,
        batch: Vec<ShardRecipient>,
        payload: &JobPayload,
    ) -> Result<Sorted, StoreError> {
        let now = self.clock.now();
        let policy = &self.reminders;
        let mut sorted = Sorted {
            send: Vec::with_capacity(batch.len()),
            ..Sorted::default()
        };
        let mut claims = Vec::with_capacity(batch.len());
        let mut claimants = Vec::with_capacity(batch.len());
        for ShardRecipient {
            recipient,
            reminders,
        } in batch
        {
            let state = reminders.decode();
            match decide_for_recipient(&state, policy, payload.breaking, now) {
                send @ Decision::Send { local_day, .. } => {
                    claims.push(SlotClaim {
                        subscription_id: recipient.id,
                        local_day,
                        cap: slot_cap(&state, policy, &send),
                    });
                    claimants.push((recipient, state));
                }
                hold @ Decision::Hold { .. } => {
                    sorted.hold(payload, recipient.id, hold);
                }
            }
        }
        if claims.is_empty() {
            return Ok(sorted);
        }
        let mut granted = self.store.claim_send_slots(&claims).await?;
        granted.sort_unstable();
        for (recipient, state) in claimants {
            let id = recipient.id;
            if granted.binary_search(&id).is_ok() {
                sorted.send.push(recipient);
            } else {
                sorted.hold(payload, id, hold_at_cap(&state, policy, now));
            }
        }
        Ok(sorted)
    }

    async fn run_retries(
        &self,
        due: Vec<DueRetry>,
        payloads: &mut HashMap<i64, Arc<JobPayload>>,
    ) -> Result<(), StoreError> {
        let mut by_job: HashMap<i64, Vec<DueRetry>> = HashMap::new();
        for retry in due {
            by_job.entry(retry.job_id).or_default().push(retry);
        }
        for (job_id, retries) in by_job {
            let Some(payload) = self.payload(job_id, payloads).await? else {
                continue;
            };
            let attempt = retries.iter().map(|r| r.attempt).max().unwrap_or(1) + 1;
            let ids: Vec<i64> = retries.iter().map(|r| r.recipient.id).collect();
            let recipients = retries.into_iter().map(|r| r.recipient).collect();
            let outcomes = self.send_all(recipients, &payload, attempt).await;
            // Those not rescheduled are settled one way or another.
            let settled: Vec<i64> = ids
                .into_iter()
                .filter(|id| !outcomes.retries.iter().any(|r| r.subscription_id == *id))
                .collect();
            self.store
                .record_retries(job_id, &settled, &outcomes, self.clock.now_ms())
                .await?;
        }
        Ok(())
    }

    /// Waits until `due_ms`, a spread job's subscriber's turn.
    async fn wait_for_turn(&self, due_ms: i64) {
        let wait = due_ms - self.clock.now_ms();
        if wait > 0 {
            self.metrics.spread_seconds.inc_by(wait as f64 / 1000.0);
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
    }

    /// Sends to every recipient concurrently (bounded per push service by
    /// the sender) and sorts the outcomes. Messages are sealed (encrypted
    /// and signed) [`SEAL_CHUNK`] at a time, each chunk's going out while
    /// the next is sealed.
    async fn send_all(
        &self,
        recipients: Vec<Recipient>,
        payload: &Arc<JobPayload>,
        attempt: i64,
    ) -> Outcomes {
        let mut tasks = JoinSet::new();
        for chunk in recipients.chunks(SEAL_CHUNK) {
            let sealed = self
                .sender
                .seal_all(chunk, &payload.prepared.payload, &payload.prepared.options)
                .await;
            for (recipient, sealed) in chunk.iter().zip(sealed) {
                if attempt == 1
                    && let Some(spread) = &payload.spread
                {
                    self.wait_for_turn(spread.due_at(recipient.id)).await;
                }
                self.pace.admit().await;
                let sender = self.sender.clone();
                let id = recipient.id;
                tasks.spawn(async move {
                    let (delivery, host) = sender.deliver(sealed).await;
                    (id, delivery, host)
                });
            }
        }
        let mut outcomes = Outcomes::default();
        let mut hosts = HostTallies::default();
        let expires_at = payload.planned_at_ms + payload.ttl_ms;
        while let Some(joined) = tasks.join_next().await {
            let Ok((id, delivery, host)) = joined else {
                continue;
            };
            let now = self.clock.now_ms();
            if !matches!(delivery, Delivery::Unusable(_)) {
                outcomes.sent += 1;
            }
            let retry = |after: Option<Duration>, error: String| {
                let delay = self.settings.retry.delay(attempt as u32, after, jitter());
                let due = now + delay.as_millis() as i64;
                (due < expires_at).then_some(RetryEntry {
                    subscription_id: id,
                    attempt,
                    due_at_ms: due,
                    expires_at_ms: expires_at,
                    error,
                })
            };
            let (label, entry) = match delivery {
                Delivery::Answered(webpush::Outcome::Delivered) => {
                    outcomes.delivered += 1;
                    self.metrics
                        .latency
                        .observe((now - payload.planned_at_ms).max(0) as f64 / 1000.0);
                    ("delivered", None)
                }
                Delivery::Answered(webpush::Outcome::Gone) => {
                    outcomes.gone.push(id);
                    ("gone", None)
                }
                Delivery::Answered(webpush::Outcome::RetryLater { after }) => (
                    "retry",
                    Some((
                        retry(after, "the push service asked to retry later".into()),
                        429,
                    )),
                ),
                Delivery::Transport(reason) => ("retry", Some((retry(None, reason), 0))),
                Delivery::Answered(webpush::Outcome::TooLarge) => {
                    outcomes.failures.push(FailureEntry {
                        subscription_id: id,
                        status: 413,
                        reason: "payload too large".into(),
                    });
                    ("failed", None)
                }
                Delivery::Answered(webpush::Outcome::PermanentFailure { status, body }) => {
                    outcomes.failures.push(FailureEntry {
                        subscription_id: id,
                        status: i64::from(status),
                        reason: body,
                    });
                    ("failed", None)
                }
                Delivery::Unusable(reason) => {
                    outcomes.failures.push(FailureEntry {
                        subscription_id: id,
                        status: 0,
                        reason,
                    });
                    ("failed", None)
                }
            };
            let label = match entry {
                Some((Some(retry), _)) => {
                    outcomes.retries.push(retry);
                    label
                }
                Some((None, status)) => {
                    outcomes.failures.push(FailureEntry {
                        subscription_id: id,
                        status,
                        reason: "expired: the message's TTL ended before it could be delivered"
                            .into(),
                    });
                    "failed"
                }
                None => label,
            };
            self.metrics.count(label, &host);
            hosts.count(label, host);
        }
        outcomes.hosts = hosts.into_tallies();
        outcomes
    }
}

/// A batch's outcomes per push service, as they come: one map entry per
/// host (a batch reaches a handful), keyed by the sender's shared host name.
#[derive(Default)]
struct HostTallies(HashMap<Arc<String>, HostTally>);

impl HostTallies {
    /// Counts an outcome labelled as for the metrics; a retry is not an
    /// outcome yet.
    fn count(&mut self, label: &str, host: Arc<String>) {
        let tally = self.0.entry(host).or_default();
        match label {
            "delivered" => tally.delivered += 1,
            "gone" => tally.gone += 1,
            "failed" => tally.failed += 1,
            _ => {}
        }
    }

    fn into_tallies(self) -> Vec<HostTally> {
        self.0
            .into_iter()
            .map(|(host, tally)| HostTally {
                host: host.as_ref().clone(),
                ..tally
            })
            .collect()
    }
}

/// The longest pause between two attempts while the database is failing:
/// short enough that delivery resumes within seconds of its return.
const MAX_OUTAGE_BACKOFF: Duration = Duration::from_secs(5);

/// The pause after `failures` storage errors in a row: the idle poll
/// doubled per failure, at most [`MAX_OUTAGE_BACKOFF`].
fn outage_backoff(poll: Duration, failures: u32) -> Duration {
    poll.saturating_mul(1 << failures.min(16))
        .min(MAX_OUTAGE_BACKOFF)
}

#[cfg(test)]
mod outage_backoff_tests {
    use super::*;

    #[test]
    fn storage_errors_double_the_pause_up_to_a_few_seconds() {
        let poll = Duration::from_millis(50);
        let pauses: Vec<u128> = (1..=9)
            .map(|n| outage_backoff(poll, n).as_millis())
            .collect();
        assert_eq!(pauses, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
        assert_eq!(outage_backoff(poll, u32::MAX), MAX_OUTAGE_BACKOFF);
    }
}
