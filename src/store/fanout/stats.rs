//! What the newsroom and `/metrics` read of the fan-out: per-job counts
//! and shard progress of a story, and the queue's depth.

use super::*;

impl Store {
    /// A story's notification counts: totals over all its jobs, each job's
    /// own, and each shard's progress, as one snapshot.
    pub async fn push_stats(&self, story_id: i64) -> Result<PushStats, StoreError> {
        // One transaction, so that counts and shards are one snapshot: a
        // batch recorded between two separate reads would otherwise show
        // finished shards beside counts from before it.
        // (SQLite's transactions are snapshots; PostgreSQL's default
        // isolation gives each statement its own, so ask for one.)
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .execute(&mut *tx)
                .await?;
        }
        let jobs = sqlx::query(&format!(
            "SELECT j.id, {KIND_SQL}, j.breaking, j.silent, j.state, j.queued, j.sent, j.delivered,
                    j.gone, j.failed, (SELECT COUNT(*) FROM push_retries r WHERE r.job_id = j.id),
                    j.superseded, j.created_at, j.planned_at, j.finished_at, j.held, j.spread_minutes,
                    j.spread_breaking
             FROM push_jobs j WHERE j.story_id = $1 ORDER BY j.id"
        ))
        .bind(story_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(job_stats)
        .collect::<Result<Vec<_>, StoreError>>()?;
        let clicked: i64 = sqlx::query("SELECT COUNT(*) FROM push_clicks WHERE story_id = $1")
            .bind(story_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let shards = sqlx::query(
            "SELECT sh.id, sh.job_id, sh.first_subscriber, sh.last_subscriber, sh.checkpoint, sh.handled, sh.state
             FROM push_shards sh JOIN push_jobs j ON j.id = sh.job_id WHERE j.story_id = $1 ORDER BY sh.id",
        )
        .bind(story_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| {
            Ok(ShardProgress {
                id: r.try_get(0)?,
                job_id: r.try_get(1)?,
                first_subscriber: r.try_get(2)?,
                last_subscriber: r.try_get(3)?,
                checkpoint: r.try_get(4)?,
                handled: r.try_get(5)?,
                state: r.try_get(6)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        tx.commit().await?;
        let total = |count: fn(&JobStats) -> i64| jobs.iter().map(count).sum::<i64>();
        Ok(PushStats {
            pending_jobs: jobs
                .iter()
                .filter(|j| j.state == "pending" || j.queued.is_none())
                .count() as i64,
            queued: total(|j| j.queued.unwrap_or(0)),
            sent: total(|j| j.sent),
            delivered: total(|j| j.delivered),
            gone: total(|j| j.gone),
            failed: total(|j| j.failed),
            retrying: total(|j| j.retrying),
            superseded: total(|j| j.superseded),
            held: total(|j| j.held),
            clicked,
            jobs,
            shards,
        })
    }

    /// A story's delivery outcomes per job, minute and push service, in
    /// job and minute order.
    pub async fn delivery_tallies(&self, story_id: i64) -> Result<Vec<DeliveryTally>, StoreError> {
        sqlx::query(
            "SELECT t.job_id, t.minute, t.host, t.delivered, t.gone, t.failed
             FROM push_tallies t JOIN push_jobs j ON j.id = t.job_id
             WHERE j.story_id = $1 ORDER BY t.job_id, t.minute, t.host",
        )
        .bind(story_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(DeliveryTally {
                job_id: r.try_get(0)?,
                minute: r.try_get(1)?,
                host: r.try_get(2)?,
                delivered: r.try_get(3)?,
                gone: r.try_get(4)?,
                failed: r.try_get(5)?,
            })
        })
        .collect()
    }

    /// A story's notification clicks per minute (Unix minutes), oldest
    /// first: each subscription's first click, counted once.
    pub async fn click_minutes(&self, story_id: i64) -> Result<Vec<(i64, i64)>, StoreError> {
        sqlx::query(
            "SELECT clicked_at / 60, COUNT(*) FROM push_clicks WHERE story_id = $1
             GROUP BY clicked_at / 60 ORDER BY 1",
        )
        .bind(story_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
    }

    /// Work waiting: shards not finished, and messages waiting for a retry.
    pub async fn queue_depth(&self) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM push_shards WHERE state <> 'done'), (SELECT COUNT(*) FROM push_retries)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }
}

pub(in crate::store) fn job_stats(row: &sqlx::any::AnyRow) -> Result<JobStats, StoreError> {
    let queued: i64 = row.try_get(5)?;
    Ok(JobStats {
        id: row.try_get(0)?,
        kind: JobKind::from_stored(&row.try_get::<String, _>(1)?)?,
        breaking: row.try_get::<i64, _>(2)? != 0,
        silent: row.try_get::<i64, _>(3)? != 0,
        state: row.try_get(4)?,
        queued: (queued >= 0).then_some(queued),
        sent: row.try_get(6)?,
        delivered: row.try_get(7)?,
        gone: row.try_get(8)?,
        failed: row.try_get(9)?,
        retrying: row.try_get(10)?,
        superseded: row.try_get(11)?,
        created_at: row.try_get(12)?,
        planned_at_ms: row.try_get(13)?,
        finished_at_ms: row.try_get(14)?,
        held: row.try_get(15)?,
        spread_minutes: row.try_get(16)?,
        spread_breaking: row.try_get::<i64, _>(17)? != 0,
    })
}
