//! Subscribers per topic for the dashboard: today's counts beside each
//! topic's daily history (pure: [`trend`]), and the background task that
//! keeps the history by taking one snapshot a day ([`snapshot_if_missing`]).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Days, Utc};

use crate::store::{FollowerPoint, Store, TopicFollowers, day_start};

/// How many days the trend covers, today included.
pub const TREND_DAYS: u32 = 30;

/// How often the daily task checks whether today's snapshot is taken. The
/// check is one indexed lookup, so a short period costs nothing and a new
/// day (or a new topic) is recorded soon after it starts.
pub const SNAPSHOT_CHECK: Duration = Duration::from_secs(15 * 60);

/// The first check waits a little, so that a start-up (or a test) is not
/// slowed by it; a dashboard view before then takes the snapshot itself.
pub const FIRST_CHECK: Duration = Duration::from_secs(60);

/// One topic's followers over the trend's days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicTrend {
    pub topic_id: i64,
    pub slug: String,
    pub name: String,
    pub followers: i64,
    /// One number per day, oldest first, today last (today's is the live
    /// count); `None` for a day without a snapshot.
    pub daily: Vec<Option<i64>>,
}

impl TopicTrend {
    /// Followers now minus followers `days` ago, when that day was recorded.
    pub fn change_over(&self, days: usize) -> Option<i64> {
        let index = self.daily.len().checked_sub(days + 1)?;
        self.daily[index].map(|then| self.followers - then)
    }
}

/// The first day of a trend that ends on the day of `now`.
pub fn trend_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_sub_days(Days::new(u64::from(TREND_DAYS - 1)))
        .unwrap_or(now)
}

/// The trend's days (UTC midnights, oldest first) ending on the day of `now`.
pub fn trend_days(now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let first = day_start(trend_start(now));
    (0..i64::from(TREND_DAYS))
        .filter_map(|i| DateTime::from_timestamp(first + i * 86_400, 0))
        .collect()
}

/// Each topic's trend, in the order of `counts`: the recorded history for
/// past days, and the live count for today.
pub fn trend(
    now: DateTime<Utc>,
    counts: &[TopicFollowers],
    history: &[FollowerPoint],
) -> Vec<TopicTrend> {
    let days = trend_days(now);
    let recorded: HashMap<(i64, DateTime<Utc>), i64> = history
        .iter()
        .map(|p| ((p.topic_id, p.day), p.followers))
        .collect();
    counts
        .iter()
        .map(|topic| {
            let mut daily: Vec<Option<i64>> = days
                .iter()
                .map(|day| recorded.get(&(topic.topic_id, *day)).copied())
                .collect();
            if let Some(today) = daily.last_mut() {
                *today = Some(topic.followers);
            }
            TopicTrend {
                topic_id: topic.topic_id,
                slug: topic.slug.clone(),
                name: topic.name.clone(),
                followers: topic.followers,
                daily,
            }
        })
        .collect()
}

/// Takes today's follower snapshot when a new day (or a new topic) lacks
/// one: `herald serve` runs this [`FIRST_CHECK`] after start-up, then every
/// [`SNAPSHOT_CHECK`]. Every node may run it: the store writes each day's
/// row once.
pub async fn snapshot_if_missing(store: Store) {
    match store.snapshot_followers(Utc::now()).await {
        Ok(0) => {}
        Ok(topics) => tracing::debug!(topics, "recorded today's followers per topic"),
        Err(e) => tracing::warn!(error = %e, "cannot record today's followers per topic"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    #[test]
    fn the_trend_covers_thirty_days_ending_today() {
        let days = trend_days(at("2026-03-30T17:45:00Z"));
        assert_eq!(days.len(), 30);
        assert_eq!(days[0], at("2026-03-01T00:00:00Z"));
        assert_eq!(days[29], at("2026-03-30T00:00:00Z"));
    }

    #[test]
    fn history_fills_past_days_and_today_is_the_live_count() {
        let now = at("2026-03-30T17:45:00Z");
        let counts = vec![
            TopicFollowers {
                topic_id: 1,
                slug: "politics".into(),
                name: "Politics".into(),
                followers: 12,
            },
            TopicFollowers {
                topic_id: 2,
                slug: "sport".into(),
                name: "Sport".into(),
                followers: 0,
            },
        ];
        let point = |day: &str, topic_id, followers| FollowerPoint {
            day: at(day),
            topic_id,
            followers,
        };
        let history = vec![
            point("2026-03-23T00:00:00Z", 1, 5),
            point("2026-03-29T00:00:00Z", 1, 10),
            // Today's snapshot was taken this morning; the live count wins.
            point("2026-03-30T00:00:00Z", 1, 11),
            // Before the trend's first day: ignored.
            point("2026-02-27T00:00:00Z", 1, 1),
        ];
        let trends = trend(now, &counts, &history);
        assert_eq!(trends.len(), 2);
        let politics = &trends[0];
        assert_eq!(politics.daily.len(), 30);
        assert_eq!(politics.daily[29], Some(12));
        assert_eq!(politics.daily[28], Some(10));
        assert_eq!(politics.daily[22], Some(5));
        assert_eq!(politics.daily[0], None);
        assert_eq!(politics.change_over(1), Some(2));
        assert_eq!(politics.change_over(7), Some(7));
        assert_eq!(politics.change_over(3), None);
        assert_eq!(politics.change_over(40), None);
        assert_eq!(trends[1].daily.iter().flatten().count(), 1);
    }
}
