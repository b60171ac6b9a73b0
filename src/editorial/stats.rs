//! A story's notification numbers: for the newsroom, of any story its
//! people may see; for anyone who asks without a login, only of a story on
//! the site. A draft's or a scheduled story's
//! numbers are the newsroom's (the admin API's push stats), and to anyone
//! else such a story is unknown, exactly like one that does not exist, so
//! that nobody can confirm that an embargoed story is waiting.
//!
//! The newsroom's stats page reads [`story_stats`]: each notification job
//! apart (the original and each update), with the clicks it brought, the
//! outcomes per push service, and the outcomes per minute.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{EditableStory, EditorialError, load};
use crate::accounts::Principal;
use crate::store::{DeliveryTally, JobStats, PushStats, Store, StoreError, StoryStatus};

/// A story's notifications for its stats page, as one reading.
#[derive(Debug, Clone)]
pub struct StoryStats {
    pub story: EditableStory,
    /// The totals, each job's counts and each shard's progress.
    pub push: PushStats,
    /// Each job with its clicks, oldest (the original) first.
    pub jobs: Vec<JobReport>,
    /// Outcomes per push service over all the story's jobs, the busiest first.
    pub hosts: Vec<HostCounts>,
    /// Outcomes per job, minute and push service, in job and minute order.
    pub tallies: Vec<DeliveryTally>,
}

/// One notification job and the clicks counted for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobReport {
    pub job: JobStats,
    /// Clicks first made while this was the story's latest notification:
    /// a click counts once per subscription and story, so it belongs to the
    /// notification that brought it, the one the device was showing.
    pub clicked: i64,
}

/// A push service's outcomes: its host name, never an endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostCounts {
    pub host: String,
    pub delivered: i64,
    pub gone: i64,
    pub failed: i64,
}

/// The stats page's numbers of story `id`, for those in the newsroom who
/// may see the story.
pub async fn story_stats(
    store: &Store,
    who: &Principal,
    id: i64,
    now: DateTime<Utc>,
) -> Result<StoryStats, EditorialError> {
    let story = load(store, who, id, now).await?;
    let push = store.push_stats(id).await?;
    let tallies = store.delivery_tallies(id).await?;
    let clicks = store.click_minutes(id).await?;
    Ok(StoryStats {
        story,
        jobs: job_reports(&push.jobs, &clicks),
        hosts: host_counts(&tallies),
        push,
        tallies,
    })
}

/// Each job with the clicks made (`clicks`: Unix minute, count) from its
/// start until the next job that sent anything started; clicks before any
/// job started (a click on a test notification) count for the first.
pub fn job_reports(jobs: &[JobStats], clicks: &[(i64, i64)]) -> Vec<JobReport> {
    let starts: Vec<(usize, i64)> = jobs
        .iter()
        .enumerate()
        .filter(|(_, j)| !j.silent)
        .filter_map(|(i, j)| j.planned_at_ms.map(|ms| (i, ms.div_euclid(60_000))))
        .collect();
    let mut clicked = vec![0; jobs.len()];
    for (minute, count) in clicks {
        let owner = starts
            .iter()
            .rev()
            .find(|(_, start)| start <= minute)
            .or(starts.first())
            .map_or(0, |(i, _)| *i);
        if let Some(slot) = clicked.get_mut(owner) {
            *slot += count;
        }
    }
    jobs.iter()
        .zip(clicked)
        .map(|(job, clicked)| JobReport {
            job: job.clone(),
            clicked,
        })
        .collect()
}

/// Outcomes per push service over every job and minute, the most
/// delivered first (then by name).
pub fn host_counts(tallies: &[DeliveryTally]) -> Vec<HostCounts> {
    let mut hosts: BTreeMap<&str, HostCounts> = BTreeMap::new();
    for t in tallies {
        let counts = hosts.entry(&t.host).or_insert_with(|| HostCounts {
            host: t.host.clone(),
            ..HostCounts::default()
        });
        counts.delivered += t.delivered;
        counts.gone += t.gone;
        counts.failed += t.failed;
    }
    let mut hosts: Vec<HostCounts> = hosts.into_values().collect();
    hosts.sort_by(|a, b| b.delivered.cmp(&a.delivered).then(a.host.cmp(&b.host)));
    hosts
}

/// The push stats of story `id`, whatever its state, for those in the
/// newsroom who may see the story.
pub async fn push_stats(
    store: &Store,
    who: &Principal,
    id: i64,
    now: DateTime<Utc>,
) -> Result<PushStats, EditorialError> {
    load(store, who, id, now).await?;
    Ok(store.push_stats(id).await?)
}

/// The push stats of story `id` if it is on the site at `now`; `None` for
/// a draft, a scheduled story, and an unknown id alike.
pub async fn public_push_stats(
    store: &Store,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<PushStats>, StoreError> {
    let Some(story) = store.stories_by_ids(&[id]).await?.pop() else {
        return Ok(None);
    };
    if StoryStatus::at(story.published_at, now) != StoryStatus::Published {
        return Ok(None);
    }
    Ok(Some(store.push_stats(id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::JobKind;

    fn job(id: i64, kind: JobKind, planned_minute: Option<i64>, silent: bool) -> JobStats {
        JobStats {
            id,
            kind,
            breaking: false,
            silent,
            state: "done".into(),
            queued: Some(2),
            sent: 2,
            delivered: 2,
            gone: 0,
            failed: 0,
            retrying: 0,
            superseded: 0,
            held: 0,
            created_at: 0,
            planned_at_ms: planned_minute.map(|m| m * 60_000 + 1_500),
            finished_at_ms: None,
            spread_minutes: 0,
            spread_breaking: false,
        }
    }

    #[test]
    fn a_click_belongs_to_the_notification_shown_when_it_was_made() {
        let jobs = [
            job(1, JobKind::Original, Some(100), false),
            job(2, JobKind::Update, Some(200), false),
            // Not yet planned: no click can be its.
            job(3, JobKind::Update, None, false),
        ];
        let clicks = [(99, 1), (100, 2), (199, 3), (200, 4), (500, 5)];
        let clicked: Vec<i64> = job_reports(&jobs, &clicks)
            .iter()
            .map(|r| r.clicked)
            .collect();
        assert_eq!(clicked, [6, 9, 0]);
        // A silent original sent nothing: the clicks are the update's.
        let jobs = [
            job(1, JobKind::Original, Some(100), true),
            job(2, JobKind::Update, Some(200), false),
        ];
        let clicked: Vec<i64> = job_reports(&jobs, &[(150, 1), (250, 2)])
            .iter()
            .map(|r| r.clicked)
            .collect();
        assert_eq!(clicked, [0, 3]);
        assert!(job_reports(&[], &[(1, 1)]).is_empty());
    }

    #[test]
    fn hosts_add_up_over_jobs_and_minutes_busiest_first() {
        let tally = |job_id, minute, host: &str, delivered, gone, failed| DeliveryTally {
            job_id,
            minute,
            host: host.into(),
            delivered,
            gone,
            failed,
        };
        let hosts = host_counts(&[
            tally(1, 10, "web.push.apple.com", 3, 1, 0),
            tally(1, 10, "fcm.googleapis.com", 5, 0, 1),
            tally(1, 11, "web.push.apple.com", 4, 0, 2),
            tally(2, 50, "fcm.googleapis.com", 1, 0, 0),
        ]);
        assert_eq!(
            hosts,
            [
                HostCounts {
                    host: "web.push.apple.com".into(),
                    delivered: 7,
                    gone: 1,
                    failed: 2
                },
                HostCounts {
                    host: "fcm.googleapis.com".into(),
                    delivered: 6,
                    gone: 0,
                    failed: 1
                },
            ]
        );
    }
}
