//! The reminders' sweeper: one task in every delivery engine, beside its
//! workers (`herald serve` and `herald worker` alike).
//!
//! - Every `sweep_interval` (30 s by default) it claims the digests that
//!   are due, a batch of subscriptions at a time, through the head of the
//!   `due_at` index ([`crate::store::Store::claim_due_digests`]: never a
//!   scan of every subscriber), and sends each reader ONE notification
//!   summing up what is pending, through the same sender as every other
//!   message. Outcomes as for any message: 201 marks the reminders sent
//!   (they stay listed as missed); 404/410 deletes the subscription; 429,
//!   5xx or no answer puts the digest off by the retry policy's delay
//!   (Retry-After wins), up to [`MAX_DIGEST_ATTEMPTS`] tries; a permanent
//!   refusal gives up (the stories stay on the missed page). A digest goes
//!   out within a sweep interval of being due, plus the time to send the
//!   digests due before it.
//! - At most every `housekeeping_interval` (an hour) of the engine's
//!   clock, for the whole site (the processes take turns through one row
//!   in the database; the first run is an interval after the feature's
//!   migration): subscriptions silent (no visit, no click) for the site's
//!   `inactive_days` get one "still interested?" notification; those still
//!   silent [`STILL_INTERESTED_GRACE_DAYS`] later are pruned; digested
//!   reminders older than [`REMINDER_RETENTION_DAYS`] are deleted, and so
//!   are follows of live stories that have lapsed (a day after their
//!   coverage ended; every read leaves them out from then on). Both
//!   sweeps over silent subscriptions read the head of a partial index
//!   (active subscriptions by `last_seen_at`; asked ones by
//!   `still_interested_at`), so their cost is the subscriptions they act
//!   on, plus, for the first, those asked and waiting for an answer (at
//!   most a grace period's worth), which the index range still holds.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::reminders::digest_of;
use crate::delivery::client::REQUEST_TIMEOUT;
use crate::delivery::payload::{Prepared, prepare_digest, prepare_still_interested};
use crate::delivery::retry::jitter;
use crate::delivery::sender::Delivery;
use crate::delivery::worker::Engine;
use crate::reminders::rules::{self, Inactivity, STILL_INTERESTED_GRACE_DAYS};
use crate::store::{DueDigest, PostponedDigest, Recipient, SilentSubscription, StoreError};

/// Tries of one digest before the sweeper gives up on it (about two hours
/// with the default retry policy); its stories stay on the missed page.
pub const MAX_DIGEST_ATTEMPTS: u32 = 12;

/// Days a digested reminder (and an "opened" record) is kept.
pub const REMINDER_RETENTION_DAYS: i64 = 30;

/// What one sweep did, for the log and for tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Digests the push service accepted.
    pub digests: u64,
    /// Digests put off for another try.
    pub postponed: u64,
    /// Digests given up on.
    pub failed: u64,
    /// Subscriptions found gone (404/410) and deleted.
    pub gone: u64,
    /// "Still interested?" notifications accepted.
    pub asked: u64,
    /// Silent subscriptions pruned.
    pub pruned: u64,
    /// Time spent claiming digests and reading their stories.
    pub claim_time: Duration,
}

impl SweepReport {
    fn is_empty(&self) -> bool {
        self.digests + self.postponed + self.failed + self.gone + self.asked + self.pruned == 0
    }
}

/// Runs the sweeper until `stop` turns true.
pub async fn run(engine: Engine, mut stop: watch::Receiver<bool>) {
    let mut failures: u32 = 0;
    loop {
        if *stop.borrow() {
            return;
        }
        let pause = match sweep(&engine, &stop).await {
            Ok(report) => {
                failures = 0;
                if !report.is_empty() {
                    tracing::info!(
                        digests = report.digests,
                        postponed = report.postponed,
                        failed = report.failed,
                        gone = report.gone,
                        asked = report.asked,
                        pruned = report.pruned,
                        claim_ms = report.claim_time.as_millis() as u64,
                        "reminder sweep"
                    );
                }
                engine.settings.sweep_interval
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let pause = engine
                    .settings
                    .sweep_interval
                    .min(Duration::from_millis(100) * (1 << failures.min(6)));
                tracing::warn!(error = %e, "reminder sweep: storage error; trying again soon");
                pause
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => {}
        }
    }
}

/// One sweep: every due digest, then, when its time has come (and no
/// other process took it), the housekeeping.
pub async fn sweep(
    engine: &Engine,
    stop: &watch::Receiver<bool>,
) -> Result<SweepReport, StoreError> {
    let mut report = send_due_digests(engine, stop).await?;
    let now = engine.clock.now();
    let interval = engine.settings.housekeeping_interval.as_secs() as i64;
    if !*stop.borrow()
        && engine
            .store
            .claim_housekeeping(now.timestamp(), interval)
            .await?
    {
        ask_silent(engine, stop, now, &mut report).await?;
        prune_silent(engine, now, &mut report).await?;
        engine
            .store
            .prune_reminders(now.timestamp() - REMINDER_RETENTION_DAYS * 86_400)
            .await?;
        // Already left out of every read once lapsed; deleted here.
        engine
            .store
            .prune_lapsed_story_follows(now.timestamp())
            .await?;
    }
    Ok(report)
}

/// How long a sweeper holds the digests it claimed: long enough to send a
/// batch to a slow push service, after which another sweeper may take them.
fn digest_lease(engine: &Engine) -> i64 {
    engine.settings.lease.max(REQUEST_TIMEOUT * 2).as_secs() as i64
}

/// Claims and sends every digest due now, a batch at a time.
pub async fn send_due_digests(
    engine: &Engine,
    stop: &watch::Receiver<bool>,
) -> Result<SweepReport, StoreError> {
    let limit = usize::try_from(engine.settings.batch_size)
        .unwrap_or(1)
        .max(1);
    let mut report = SweepReport::default();
    while !*stop.borrow() {
        let started = std::time::Instant::now();
        let due = engine
            .store
            .claim_due_digests(engine.clock.now().timestamp(), limit, digest_lease(engine))
            .await?;
        report.claim_time += started.elapsed();
        let claimed = due.len();
        if claimed == 0 {
            break;
        }
        send_digests(engine, due, &mut report).await?;
        if claimed < limit {
            break;
        }
    }
    Ok(report)
}

/// Sends one batch of digests concurrently (bounded per push service by
/// the sender) and records what became of each.
async fn send_digests(
    engine: &Engine,
    due: Vec<DueDigest>,
    report: &mut SweepReport,
) -> Result<(), StoreError> {
    let mut tasks = JoinSet::new();
    for digest in due {
        let Some(text) = digest_of(&digest.reminders) else {
            continue;
        };
        let prepared = prepare_digest(&text, &engine.voice);
        let sender = engine.sender.clone();
        tasks.spawn(async move {
            let (delivery, host) = sender
                .send(&digest.recipient, &prepared.payload, &prepared.options)
                .await;
            (digest, delivery, host)
        });
    }
    let mut sent: Vec<(i64, i64)> = Vec::new();
    let mut gone: Vec<i64> = Vec::new();
    let mut postponed: Vec<PostponedDigest> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let Ok((digest, delivery, host)) = joined else {
            continue;
        };
        let pairs = || {
            digest
                .reminders
                .iter()
                .map(|r| (digest.recipient.id, r.story_id))
        };
        let label = match classify(delivery) {
            Sent::Delivered => {
                report.digests += 1;
                sent.extend(pairs());
                "delivered"
            }
            Sent::Gone => {
                report.gone += 1;
                gone.push(digest.recipient.id);
                "gone"
            }
            Sent::Retry(after) if digest.attempts + 1 < MAX_DIGEST_ATTEMPTS => {
                let delay = engine
                    .settings
                    .retry
                    .delay(digest.attempts + 1, after, jitter());
                report.postponed += 1;
                postponed.push(PostponedDigest {
                    subscription_id: digest.recipient.id,
                    story_ids: digest.reminders.iter().map(|r| r.story_id).collect(),
                    due_at: engine.clock.now().timestamp() + delay.as_secs().max(1) as i64,
                });
                "retry"
            }
            Sent::Retry(_) => {
                // Given up: the stories stay listed on the missed page.
                tracing::warn!(host = %host, "digest: still no delivery after {MAX_DIGEST_ATTEMPTS} tries; given up");
                report.failed += 1;
                sent.extend(pairs());
                "failed"
            }
            Sent::Failed(reason) => {
                tracing::warn!(host = %host, reason = %reason, "digest refused; given up");
                report.failed += 1;
                sent.extend(pairs());
                "failed"
            }
        };
        engine.metrics.count(label, &host);
    }
    let now = engine.clock.now().timestamp();
    engine.store.finish_digests(&sent, now).await?;
    engine.store.postpone_digests(&postponed).await?;
    for id in gone {
        engine.store.delete_subscription(id).await?;
    }
    Ok(())
}

/// What became of a message, as the sweeper acts on it.
enum Sent {
    Delivered,
    Gone,
    /// Worth another try, after the push service's Retry-After if it gave one.
    Retry(Option<Duration>),
    Failed(String),
}

fn classify(delivery: Delivery) -> Sent {
    match delivery {
        Delivery::Answered(webpush::Outcome::Delivered) => Sent::Delivered,
        Delivery::Answered(webpush::Outcome::Gone) => Sent::Gone,
        Delivery::Answered(webpush::Outcome::RetryLater { after }) => Sent::Retry(after),
        Delivery::Transport(_) => Sent::Retry(None),
        Delivery::Answered(webpush::Outcome::TooLarge) => Sent::Failed("payload too large".into()),
        Delivery::Answered(webpush::Outcome::PermanentFailure { status, .. }) => {
            Sent::Failed(format!("status {status}"))
        }
        Delivery::Unusable(reason) => Sent::Failed(reason),
    }
}

/// Asks every subscription silent for the site's `inactive_days` whether
/// it is still interested: the head of the last-seen index, a batch at a
/// time. The question is recorded before it is sent (so that two sweepers
/// never both ask), and forgotten again when it could not be delivered, for
/// a later sweep to ask.
async fn ask_silent(
    engine: &Engine,
    stop: &watch::Receiver<bool>,
    now: DateTime<Utc>,
    report: &mut SweepReport,
) -> Result<(), StoreError> {
    let policy = &engine.reminders;
    if policy.inactive_days == 0 {
        return Ok(());
    }
    let limit = usize::try_from(engine.settings.batch_size)
        .unwrap_or(1)
        .max(1);
    let seen_before = now.timestamp() - i64::from(policy.inactive_days) * 86_400;
    let question = prepare_still_interested(
        &engine.site_name,
        STILL_INTERESTED_GRACE_DAYS,
        &engine.voice,
    );
    let mut unasked = Vec::new();
    while !*stop.borrow() {
        let silent = engine
            .store
            .silent_subscriptions(seen_before, limit)
            .await?;
        let found = silent.len();
        // The query is the rule's twin; the rule has the last word.
        let ids: Vec<i64> = silent
            .iter()
            .filter(|s| silence(policy, s, now) == Inactivity::AskStillInterested)
            .map(|s| s.recipient.id)
            .collect();
        let asked = engine
            .store
            .mark_asked(&ids, seen_before, now.timestamp())
            .await?;
        if asked.is_empty() {
            break;
        }
        let recipients: Vec<Recipient> = silent
            .into_iter()
            .filter(|s| asked.contains(&s.recipient.id))
            .map(|s| s.recipient)
            .collect();
        let mut tasks = JoinSet::new();
        for recipient in recipients {
            let sender = engine.sender.clone();
            let question: Prepared = question.clone();
            tasks.spawn(async move {
                let (delivery, host) = sender
                    .send(&recipient, &question.payload, &question.options)
                    .await;
                (recipient.id, delivery, host)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            let Ok((id, delivery, host)) = joined else {
                continue;
            };
            let label = match classify(delivery) {
                Sent::Delivered => {
                    report.asked += 1;
                    "delivered"
                }
                Sent::Gone => {
                    report.gone += 1;
                    engine.store.delete_subscription(id).await?;
                    "gone"
                }
                Sent::Retry(_) => {
                    unasked.push(id);
                    "retry"
                }
                // Asked as far as we can: pruned after the grace period
                // unless its reader shows up.
                Sent::Failed(_) => "failed",
            };
            engine.metrics.count(label, &host);
        }
        if found < limit {
            break;
        }
    }
    engine.store.unmark_asked(&unasked, now.timestamp()).await?;
    Ok(())
}

/// Prunes the subscriptions asked "still interested?" at least the grace
/// period ago and silent since: the head of the index of asked ones.
async fn prune_silent(
    engine: &Engine,
    now: DateTime<Utc>,
    report: &mut SweepReport,
) -> Result<(), StoreError> {
    let policy = &engine.reminders;
    if policy.inactive_days == 0 {
        return Ok(());
    }
    let limit = usize::try_from(engine.settings.batch_size)
        .unwrap_or(1)
        .max(1);
    let asked_before = now.timestamp() - STILL_INTERESTED_GRACE_DAYS * 86_400;
    loop {
        let unanswered = engine
            .store
            .unanswered_subscriptions(asked_before, limit)
            .await?;
        let found = unanswered.len();
        let ids: Vec<i64> = unanswered
            .iter()
            .filter(|s| silence(policy, s, now) == Inactivity::Prune)
            .map(|s| s.recipient.id)
            .collect();
        let pruned = engine.store.prune_unanswered(&ids, asked_before).await?;
        report.pruned += pruned;
        if found < limit || pruned == 0 {
            return Ok(());
        }
    }
}

/// What the rules say of a subscription's silence.
fn silence(
    policy: &crate::reminders::SitePolicy,
    s: &SilentSubscription,
    now: DateTime<Utc>,
) -> Inactivity {
    let at = |seconds: i64| DateTime::from_timestamp(seconds, 0).unwrap_or_default();
    rules::inactivity(policy, at(s.last_seen_at), s.asked_at.map(at), now)
}
